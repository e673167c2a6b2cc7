//! The ledger (台账), a hazard's detail with its audit trail, and statistics.

use axum::Json;
use axum::extract::{Path, State};
use saferounds_shared::api::{HazardDetail, LedgerPage, StatLine, Stats};
use saferounds_shared::campaign::{StatRow, stats_by};
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::Grade;
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::HazardId;
use saferounds_shared::lists::{HazardFilter, LedgerQuery};
use saferounds_shared::org::Actor;
use saferounds_shared::sync::{Entity, visible_to};

use super::ApiQuery;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

/// The filter a ledger query means (its phase, if it names one, from the stored campaigns).
pub async fn ledger_filter(state: &AppState, q: &LedgerQuery) -> AppResult<HazardFilter> {
    let campaigns = match q.phase_id {
        Some(_) => store::campaigns(&state.db).await?,
        None => Vec::new(),
    };
    q.filter(campaigns.iter().flat_map(|c| &c.phases))
        .ok_or(AppError::NotFound)
}

#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> AppResult<Json<LedgerPage>> {
    let f = ledger_filter(&state, &q).await?;
    let (offset, limit) = q.page();
    let page = store::ledger(
        &state.db,
        &session.actor,
        &f,
        state.today(),
        offset,
        limit,
        store::Count::UpTo(saferounds_shared::lists::LEDGER_COUNT_CAP),
    )
    .await?;
    Ok(Json(LedgerPage {
        total: page.total,
        total_at_least: page.total_at_least,
        offset,
        limit,
        rows: page.rows,
    }))
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> AppResult<Json<HazardDetail>> {
    let id = HazardId::parse(&id)?;
    let Some(entity) = store::entity(&state.db, &id.to_string()).await? else {
        return Err(AppError::NotFound);
    };
    if !visible_to(&entity, &session.actor) {
        return Err(AppError::Forbidden);
    }
    let Entity::Hazard(hazard) = entity else {
        return Err(AppError::NotFound);
    };
    let audit = store::audit_of(&state.db, &id.to_string()).await?;
    Ok(Json(HazardDetail { hazard, audit }))
}

fn lines<K: ToString>(
    rows: std::collections::BTreeMap<K, StatRow>,
    label: impl Fn(&str) -> (String, String),
) -> Vec<StatLine> {
    rows.into_iter()
        .map(|(k, row)| {
            let key = k.to_string();
            let (label_zh, label_en) = label(&key);
            StatLine {
                key,
                label_zh,
                label_en,
                row,
            }
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn stats(State(state): State<AppState>, session: Session) -> AppResult<Json<Stats>> {
    session.require(session.actor.roles().reads_reports())?;
    Ok(Json(stats_for(&state, &session.actor).await?))
}

/// Statistics of the hazards this actor may see, by department, site, category, grade, phase.
pub async fn stats_for(state: &AppState, actor: &Actor) -> AppResult<Stats> {
    let hazards = store::hazard_facts_visible(&state.db, actor).await?;
    stats_of(state, &hazards).await
}

/// Statistics of these hazards (the ones an actor may see), from the ledger's columns.
pub async fn stats_of(
    state: &AppState,
    hazards: &[saferounds_shared::hazard::HazardFacts],
) -> AppResult<Stats> {
    let db = &state.db;
    let today = state.today();
    let departments = store::departments(db).await?;
    let sites = store::sites(db).await?;
    let campaigns = store::campaigns(db).await?;
    let total = stats_by(hazards, today, |_| Some(()))
        .remove(&())
        .unwrap_or_default();
    let by_department = lines(stats_by(hazards, today, |h| h.department_id), |k| {
        departments
            .iter()
            .find(|d| d.id.to_string() == k)
            .map(|d| (d.name.zh.clone(), d.name.en.clone()))
            .unwrap_or_else(|| ("未指定".into(), "Unassigned".into()))
    });
    let by_site = lines(stats_by(hazards, today, |h| Some(h.site_id)), |k| {
        sites
            .iter()
            .find(|s| s.id.to_string() == k)
            .map(|s| (s.name.zh.clone(), s.name.en.clone()))
            .unwrap_or_default()
    });
    let by_category = lines(
        stats_by(hazards, today, |h| Some(store::enum_str(&h.category))),
        |k| {
            Category::ALL
                .iter()
                .find(|c| store::enum_str(*c) == k)
                .map(|c| (c.zh().into(), c.en().into()))
                .unwrap_or_default()
        },
    );
    let by_grade = lines(
        stats_by(hazards, today, |h| Some(store::enum_str(&h.grade))),
        |k| {
            [Grade::General, Grade::Major]
                .iter()
                .find(|g| store::enum_str(*g) == k)
                .map(|g| (g.zh().into(), g.en().into()))
                .unwrap_or_default()
        },
    );
    let phases: Vec<_> = campaigns.iter().flat_map(|c| c.phases.iter()).collect();
    let by_phase = lines(
        stats_by(hazards, today, |h| {
            campaigns
                .iter()
                .find_map(|c| c.phase_on(h.found_on))
                .map(|p| p.id)
        }),
        |k| {
            phases
                .iter()
                .find(|p| p.id.to_string() == k)
                .map(|p| (p.name.zh.clone(), p.name.en.clone()))
                .unwrap_or_default()
        },
    );
    Ok(Stats {
        today,
        total,
        by_department,
        by_site,
        by_category,
        by_grade,
        by_phase,
    })
}
