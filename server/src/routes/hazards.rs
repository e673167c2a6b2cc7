//! The ledger (台账), a hazard's detail with its audit trail, and statistics.

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use saferounds_shared::api::{HazardDetail, LedgerPage, StatLine, Stats};
use saferounds_shared::campaign::{StatRow, stats_by};
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::{Grade, Status};
use saferounds_shared::i18n::Label;
use saferounds_shared::ids::{DepartmentId, HazardId, PhaseId, SiteId};
use saferounds_shared::lists::{HazardFilter, SortKey};
use saferounds_shared::org::Actor;
use saferounds_shared::sync::{Entity, visible_to};
use serde::Deserialize;

use super::ApiQuery;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

/// The ledger's query: the filters of `shared::lists::HazardFilter`, a sort and a page. Its
/// OpenAPI parameters are derived from it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    status: Option<Status>,
    grade: Option<Grade>,
    category: Option<Category>,
    department_id: Option<DepartmentId>,
    site_id: Option<SiteId>,
    phase_id: Option<PhaseId>,
    found_from: Option<NaiveDate>,
    found_to: Option<NaiveDate>,
    overdue: Option<bool>,
    /// Words the description, measures or remark contain (at most 200 characters are used).
    text: Option<String>,
    #[serde(default)]
    sort: SortKey,
    #[serde(default)]
    #[param(value_type = u64, minimum = 0, maximum = 4294967295_u64)]
    offset: u32,
    /// Rows per page (at most 500 are given; 50 when absent).
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)]
    limit: Option<u32>,
}

impl LedgerQuery {
    pub async fn filter(&self, state: &AppState) -> AppResult<HazardFilter> {
        let mut f = HazardFilter {
            status: self.status,
            grade: self.grade,
            category: self.category,
            department_id: self.department_id,
            site_id: self.site_id,
            found_from: self.found_from,
            found_to: self.found_to,
            overdue: self.overdue,
            text: self.text.clone().filter(|t| t.len() <= 200),
            sort: self.sort,
        };
        if let Some(phase) = self.phase_id {
            let campaigns = store::campaigns(&state.db).await?;
            let p = campaigns
                .iter()
                .flat_map(|c| &c.phases)
                .find(|p| p.id == phase)
                .ok_or(AppError::NotFound)?;
            f.found_from = Some(f.found_from.map_or(p.starts_on, |d| d.max(p.starts_on)));
            f.found_to = Some(f.found_to.map_or(p.ends_on, |d| d.min(p.ends_on)));
        }
        Ok(f)
    }
}

#[tracing::instrument(skip_all, fields(user = %session.user.username))]
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> AppResult<Json<LedgerPage>> {
    let f = q.filter(&state).await?;
    let limit = i64::from(q.limit.unwrap_or(50)).clamp(1, 500);
    let offset = i64::from(q.offset);
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
