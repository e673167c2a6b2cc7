//! `GET /api/v1/export/ledger.xlsx` (exactly what the ledger filter selects),
//! `GET /api/v1/reports/bulletin?month=YYYY-MM`, `GET /api/v1/reports/summary?campaign=`,
//! `GET /api/v1/rooms/labels`.

use std::collections::{BTreeMap, BTreeSet};

use saferounds_shared::ids::PhotoHash;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use saferounds_shared::api::Person;
use saferounds_shared::api::{MonthQuery, SummaryQuery};
use saferounds_shared::equipment::Equipment;
use saferounds_shared::lists::HazardFilter;
use saferounds_shared::registers::Register;
use saferounds_shared::risk::RiskPoint;
use saferounds_shared::training::{self, Drill, StaffMember, TrainingClass};

use super::ApiQuery;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::export::{
    Directory, SummaryInput, bulletin_html, ledger_xlsx, measures_xlsx, qr_labels_html,
    summary_html,
};
use crate::{AppState, store};
use saferounds_shared::lists::LedgerQuery;

/// Most rows one export carries.
pub const MAX_EXPORT_ROWS: i64 = 200_000;

/// Thumbnails of each row's first photo before and after, made off the async workers (a few
/// milliseconds a photo). A photo the store no longer has, or that is no picture, gets none.
async fn thumbnails(
    state: &AppState,
    rows: &[saferounds_shared::hazard::Hazard],
) -> AppResult<BTreeMap<PhotoHash, Vec<u8>>> {
    let wanted: BTreeSet<PhotoHash> = rows
        .iter()
        .flat_map(|h| [h.photos_before.first(), h.photos_after.first()])
        .flatten()
        .cloned()
        .collect();
    let mut out = BTreeMap::new();
    for hash in wanted {
        let Some(bytes) = state.photos.get(&hash).await? else {
            continue;
        };
        let thumb = tokio::task::spawn_blocking(move || crate::export::thumbnail(&bytes))
            .await
            .map_err(|e| anyhow::anyhow!("thumbnail: {e}"))?;
        if let Some(t) = thumb {
            out.insert(hash, t);
        }
    }
    Ok(out)
}

pub async fn directory(state: &AppState) -> AppResult<Directory> {
    let db = &state.db;
    let people: Vec<Person> = store::users(db).await?.iter().map(Person::from).collect();
    Ok(Directory::new(
        &people,
        &store::departments(db).await?,
        &store::rooms_all(db).await?,
        &store::buildings(db).await?,
        &store::sites(db).await?,
    ))
}

#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> AppResult<Response> {
    session.require(session.actor.roles().reads_reports() || session.actor.roles().supervises())?;
    let f = super::hazards::ledger_filter(&state, &q).await?;
    let page = store::ledger(
        &state.db,
        &session.actor,
        &f,
        state.today(),
        0,
        MAX_EXPORT_ROWS,
        store::Count::Exact,
    )
    .await?;
    let mut names = directory(&state).await?;
    names.round_types = store::round_types(&state.db).await?;
    let thumbnails = thumbnails(&state, &page.rows).await?;
    let title = format!(
        "{} 隐患排查治理台账（导出于 {}，共 {} 条）",
        state.settings.center_name,
        state.today(),
        page.total
    );
    let bytes = ledger_xlsx(
        &page.rows,
        &names,
        &thumbnails,
        state.settings.public_url.as_deref(),
        &title,
        state.today(),
    )?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ledger-{}.xlsx\"", state.today()),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn bulletin(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> AppResult<Html<String>> {
    session.require(session.actor.roles().reads_reports())?;
    let today = state.today();
    let month = q.month.unwrap_or_else(|| today.format("%Y-%m").to_string());
    if chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_err() {
        return Err(AppError::BadRequest(
            "month 应为 YYYY-MM / month must be YYYY-MM".into(),
        ));
    }
    let f = HazardFilter {
        overdue: Some(true),
        sort: saferounds_shared::lists::SortKey::DeadlineAsc,
        ..Default::default()
    };
    let page = store::ledger(
        &state.db,
        &session.actor,
        &f,
        today,
        0,
        MAX_EXPORT_ROWS,
        store::Count::Exact,
    )
    .await?;
    let names = directory(&state).await?;
    Ok(Html(bulletin_html(
        &state.settings.center_name,
        &month,
        today,
        &page.rows,
        &names,
    )))
}

/// `GET /api/v1/reports/summary?campaign=`: the campaign summary report (总结报告).
#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn summary(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> AppResult<Html<String>> {
    session.require(session.actor.roles().reads_reports())?;
    let db = &state.db;
    let campaigns = store::campaigns(db).await?;
    let campaign = match q.campaign {
        None => saferounds_shared::campaign::Campaign::current(&campaigns, state.today()),
        Some(id) => campaigns.iter().find(|c| c.id == id),
    }
    .ok_or(AppError::NotFound)?;
    let today = state.today();
    // Statistics only: the ledger's columns, not the documents — of the hazards found during
    // the campaign ("专项整治期间共排查…" counts nothing found before or after it).
    let mut hazards = store::hazard_facts_visible(db, &session.actor).await?;
    hazards.retain(|h| campaign.covers(h.found_on));
    let staff = store::records::<StaffMember>(db).await?;
    let classes = store::records::<TrainingClass>(db).await?;
    let drills = store::records::<Drill>(db).await?;
    let equipment = store::records::<Equipment>(db).await?;
    let measures = store::measures_visible(db, &session.actor).await?;
    let stats = super::hazards::stats_of(&state, &hazards).await?;
    let risks: Vec<RiskPoint> = store::records::<RiskPoint>(db)
        .await?
        .into_iter()
        .filter(|r| r.visible_to(&session.actor))
        .collect();
    let names = directory(&state).await?;
    Ok(Html(summary_html(&SummaryInput {
        center: &state.settings.center_name,
        campaign,
        today,
        hazards: &hazards,
        stats: &stats,
        coverage: training::coverage(&staff, &classes, today),
        drills: &drills,
        equipment: &equipment,
        measures: &measures,
        risks: &risks,
        names: &names,
    })))
}

pub async fn labels(State(state): State<AppState>, session: Session) -> AppResult<Html<String>> {
    session.require(session.actor.roles().administers() || session.actor.roles().supervises())?;
    let html = qr_labels_html(
        &state.settings.center_name,
        &store::sites(&state.db).await?,
        &store::rooms_all(&state.db).await?,
    )?;
    Ok(Html(html))
}

pub async fn measures(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<axum::Json<Vec<saferounds_shared::lists::Measure>>> {
    Ok(axum::Json(
        store::measures_visible(&state.db, &session.actor).await?,
    ))
}

pub async fn measures_export(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Response> {
    session.require(session.actor.roles().reads_reports() || session.actor.roles().supervises())?;
    let list = store::measures_visible(&state.db, &session.actor).await?;
    // Only the hazards the measures name (their numbers go in the sheet), not the whole ledger.
    let linked: BTreeSet<String> = list
        .iter()
        .flat_map(|m| m.hazard_ids.iter().map(ToString::to_string))
        .collect();
    let linked: Vec<String> = linked.into_iter().collect();
    let hazards = store::hazards_by_id(&state.db, &session.actor, &linked).await?;
    let names = directory(&state).await?;
    let title = format!(
        "{} 制度措施清单（导出于 {}）",
        state.settings.center_name,
        state.today()
    );
    let bytes = measures_xlsx(&list, &hazards, &names, &title)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"measures-{}.xlsx\"", state.today()),
            ),
        ],
        bytes,
    )
        .into_response())
}
