//! `GET /api/v1/inspections`: rounds and the rooms visited in them, newest first, filtered by
//! site, inspection type and date (the center's days), within the caller's scope.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Html;
use base64::Engine;
use saferounds_shared::api::{InspectionFilter, InspectionPage, InspectionRound, PageQuery};
use saferounds_shared::inspection::{Round, Visit};
use saferounds_shared::sync::{Entity, visible_to};

use super::ApiQuery;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(filter): ApiQuery<InspectionFilter>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<InspectionPage>> {
    let offset = state.offset();
    let site = filter.site_id.map(|s| s.to_string());
    let visible = |e: &Entity| visible_to(e, &session.actor);
    let mut rounds: Vec<Round> = store::entities_of_kind(&state.db, "round", site.as_deref())
        .await?
        .into_iter()
        .filter(visible)
        .filter_map(|e| match e {
            Entity::Round(r) => Some(r),
            _ => None,
        })
        .filter(|r| filter.matches(r, offset))
        .collect();
    rounds.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
    let total = rounds.len();
    let limit = page.limit.unwrap_or(50).clamp(1, 500) as usize;
    let page: Vec<Round> = rounds
        .into_iter()
        .skip(page.offset as usize)
        .take(limit)
        .collect();
    let ids: Vec<String> = page.iter().map(|r| r.id.to_string()).collect();
    let mut visits: Vec<Visit> = store::visits_of_rounds(&state.db, &ids)
        .await?
        .into_iter()
        .filter(visible)
        .filter_map(|e| match e {
            Entity::Visit(v) => Some(v),
            _ => None,
        })
        .collect();
    visits.sort_by_key(|v| v.started_at);
    let rounds = page
        .into_iter()
        .map(|round| InspectionRound {
            visits: visits
                .iter()
                .filter(|v| v.round_id == round.id)
                .cloned()
                .collect(),
            round,
        })
        .collect();
    Ok(Json(InspectionPage { total, rounds }))
}

/// `GET /api/v1/inspections/{id}/record`: the round's record, print-ready (防火巡查记录 /
/// 防火检查记录), for anyone who may see the round.
pub async fn record(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let id = saferounds_shared::ids::RoundId::parse(&id)?;
    let db = &state.db;
    let Some(Entity::Round(round)) = store::entity(db, &id.to_string()).await? else {
        return Err(AppError::NotFound);
    };
    session.require(visible_to(&Entity::Round(round.clone()), &session.actor))?;
    let mut visits: Vec<Visit> = store::visits_of_rounds(db, &[id.to_string()])
        .await?
        .into_iter()
        .filter_map(|e| match e {
            Entity::Visit(v) => Some(v),
            _ => None,
        })
        .collect();
    visits.sort_by_key(|v| (v.started_at, v.finished_at));
    let templates = store::templates(db).await?;
    let template = templates.iter().find(|t| t.id == round.template_id);
    let site = store::sites(db)
        .await?
        .into_iter()
        .find(|s| s.id == round.site_id)
        .map(|s| s.name.zh)
        .unwrap_or_default();
    let names = super::exports::directory(&state).await?;
    let mut signatures = std::collections::BTreeMap::new();
    for s in visits.iter().filter_map(|v| v.signatures.as_ref()) {
        for hash in [&s.inspector, &s.department_head] {
            if let Some(bytes) = state.photos.get(hash).await? {
                let kind = super::blobs::sniff(&bytes).unwrap_or("image/png");
                let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                signatures.insert(hash.clone(), format!("data:{kind};base64,{data}"));
            }
        }
    }
    Ok(Html(crate::export::round_record_html(
        &crate::export::RoundRecord {
            center: &state.settings.center_name,
            site: &site,
            round: &round,
            visits: &visits,
            template,
            names: &names,
            offset: state.offset(),
            signatures: &signatures,
        },
    )))
}
