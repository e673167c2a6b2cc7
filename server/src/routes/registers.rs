//! The registers (staff roster, training classes, drills, equipment), checklist templates and
//! campaigns. Registers are saved whole by id (PUT is create-or-replace) by the roles that keep
//! them; everyone reads what their scope shows. The rules are `shared::registers`.

use std::future::Future;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use saferounds_shared::api::NewVersion;
use saferounds_shared::campaign::Campaign;
use saferounds_shared::checklist::Template;
use saferounds_shared::equipment::Equipment;
use saferounds_shared::org::Actor;
use saferounds_shared::registers::{self, Register, may_keep_registers};
use saferounds_shared::training::{Drill, StaffMember, TrainingClass};

use super::ApiJson;
use super::admin::{missing, same_id};
use crate::auth::Session;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

/// A register as the server stores it: the entry's references to other records must exist.
pub trait Stored: Register {
    fn check_refs<'a>(&'a self, db: &'a Db) -> impl Future<Output = AppResult<()>> + Send + 'a;
}

async fn site_exists(db: &Db, site: saferounds_shared::ids::SiteId) -> AppResult<()> {
    if store::sites(db).await?.iter().any(|s| s.id == site) {
        Ok(())
    } else {
        Err(missing("site"))
    }
}

async fn on_roster(db: &Db, people: &[saferounds_shared::ids::UserId]) -> AppResult<()> {
    let roster = store::records::<StaffMember>(db).await?;
    match people.iter().find(|p| !roster.iter().any(|s| s.id == **p)) {
        None => Ok(()),
        Some(p) => Err(AppError::Domain(saferounds_shared::DomainError::Invalid {
            detail: format!(
                "人员 {p} 不在花名册中，请先登记 / person {p} is not on the roster; add them first"
            ),
        })),
    }
}

impl Stored for StaffMember {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        if let Some(site) = self.site_id {
            site_exists(db, site).await?;
        }
        if let Some(d) = self.department_id
            && !store::departments(db).await?.iter().any(|x| x.id == d)
        {
            return Err(missing("department"));
        }
        Ok(())
    }
}

impl Stored for TrainingClass {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        on_roster(db, &self.attendees).await
    }
}

impl Stored for Drill {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        site_exists(db, self.site_id).await?;
        on_roster(db, &self.participants).await
    }
}

impl Stored for Equipment {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        let rooms = store::rooms_of_site(db, &self.site_id.to_string()).await?;
        if rooms.iter().any(|r| r.id == self.room_id) {
            Ok(())
        } else {
            Err(missing("room (of this site)"))
        }
    }
}

impl Stored for saferounds_shared::plan::PatrolPlan {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        site_exists(db, self.site_id).await?;
        let rooms = store::rooms_of_site(db, &self.site_id.to_string()).await?;
        if !self
            .rooms
            .iter()
            .all(|id| rooms.iter().any(|r| r.id == *id))
        {
            return Err(missing("room (of this site)"));
        }
        // The person who answers for the round must be able to see the site's rooms.
        match store::users(db).await?.iter().find(|u| u.id == self.assignee) {
            Some(u) if u.active && u.roles().inspects() && Actor::from(u).can_see(self.site_id, None) => Ok(()),
            Some(_) => Err(AppError::Domain(saferounds_shared::DomainError::Invalid {
                detail: "负责人须为该站点在岗的检查人员 / the assignee must be an active inspector who works at this site".into(),
            })),
            None => Err(missing("assignee (user)")),
        }
    }
}

impl Stored for saferounds_shared::risk::RiskPoint {
    async fn check_refs(&self, db: &Db) -> AppResult<()> {
        site_exists(db, self.site_id).await?;
        let rooms = store::rooms_of_site(db, &self.site_id.to_string()).await?;
        if !rooms.iter().any(|r| r.id == self.room_id) {
            return Err(missing("room (of this site)"));
        }
        if !store::users(db)
            .await?
            .iter()
            .any(|u| u.id == self.responsible && u.active)
        {
            return Err(missing("responsible (an active user)"));
        }
        let templates = store::templates(db).await?;
        match self
            .item_codes
            .iter()
            .find(|code| !templates.iter().any(|t| t.item(code).is_some()))
        {
            None => Ok(()),
            Some(code) => Err(AppError::Domain(saferounds_shared::DomainError::Invalid {
                detail: format!("检查表中没有检查项 {code} / no checklist has an item {code}"),
            })),
        }
    }
}

/// `GET`: the entries the caller may see.
pub async fn list<T: Stored>(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<Vec<T>>> {
    let all = store::records::<T>(&state.db).await?;
    Ok(Json(
        all.into_iter()
            .filter(|r| r.visible_to(&session.actor))
            .collect(),
    ))
}

/// `PUT …/{id}`: create or replace one entry.
pub async fn put<T: Stored>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(entry): ApiJson<T>,
) -> AppResult<Json<T>> {
    session.require(may_keep_registers(&session.actor))?;
    same_id(&id, entry.key())?;
    entry.validate(state.today())?;
    if let Some(kind) = store::record_kind(&state.db, &id).await?
        && kind != T::KIND
    {
        return Err(AppError::Conflict(format!(
            "该编号已用于其他登记（{kind}）/ this id belongs to another register ({kind})"
        )));
    }
    entry.check_refs(&state.db).await?;
    store::put_record(&state.db, &entry).await?;
    Ok(Json(entry))
}

/// `GET /api/v1/templates`: every version of every checklist template.
pub async fn templates(
    State(state): State<AppState>,
    _session: Session,
) -> AppResult<Json<Vec<Template>>> {
    Ok(Json(store::templates(&state.db).await?))
}

/// `POST /api/v1/templates/{code}/versions`: editing a template makes a new version; inspections
/// keep pointing at the version they used.
pub async fn new_template_version(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<NewVersion>,
) -> AppResult<(StatusCode, Json<Template>)> {
    session.require(session.actor.roles().administers())?;
    let latest = store::templates(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.code == code)
        .max_by_key(|t| t.version)
        .ok_or(AppError::NotFound)?;
    let next = registers::new_template_version(&latest, req.items)?;
    store::put_template(&state.db, &next).await?;
    Ok((StatusCode::CREATED, Json(next)))
}

/// `GET /api/v1/campaigns`.
pub async fn campaigns(
    State(state): State<AppState>,
    _session: Session,
) -> AppResult<Json<Vec<Campaign>>> {
    Ok(Json(store::campaigns(&state.db).await?))
}

/// `PUT /api/v1/campaigns/{id}`: a campaign and its phases (phases may not overlap).
pub async fn put_campaign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(c): ApiJson<Campaign>,
) -> AppResult<Json<Campaign>> {
    session.require(may_keep_registers(&session.actor))?;
    same_id(&id, c.id)?;
    if c.name.zh.trim().is_empty() {
        return Err(saferounds_shared::DomainError::MissingField {
            field: "name.zh / 名称",
        }
        .into());
    }
    c.validate()?;
    store::put_campaign(&state.db, &c).await?;
    Ok(Json(c))
}
