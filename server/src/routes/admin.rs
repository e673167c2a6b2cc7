//! Administration: sites, departments, buildings, rooms and users, saved whole by id (PUT is
//! create-or-replace). Only administrators; every reference is checked; nothing is deleted
//! (users are deactivated with `active: false`).

use axum::Json;
use axum::extract::{Path, State};
use saferounds_shared::DomainError;
use saferounds_shared::api::{Person, SaveUser};
use saferounds_shared::org::{Building, Department, Room, Site, User};

use super::ApiJson;
use crate::auth::{self, Session};
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

fn admin(session: &Session) -> AppResult<()> {
    session.require(session.actor.roles().administers())
}

pub(crate) fn same_id(path: &str, body: impl ToString) -> AppResult<()> {
    if path.trim() == body.to_string() {
        Ok(())
    } else {
        Err(DomainError::Invalid {
            detail: "地址中的编号与内容不一致 / the id in the path differs from the body".into(),
        }
        .into())
    }
}

pub(crate) fn missing(what: &'static str) -> AppError {
    AppError::Domain(DomainError::Invalid {
        detail: format!("{what} 不存在 / unknown {what}"),
    })
}

pub async fn put_site(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(site): ApiJson<Site>,
) -> AppResult<Json<Site>> {
    admin(&session)?;
    same_id(&id, site.id)?;
    site.validate()?;
    store::put_site(&state.db, &site).await?;
    Ok(Json(site))
}

pub async fn put_department(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Department>,
) -> AppResult<Json<Department>> {
    admin(&session)?;
    same_id(&id, d.id)?;
    d.validate()?;
    if let Some(site) = d.site_id
        && !store::sites(&state.db).await?.iter().any(|s| s.id == site)
    {
        return Err(missing("site"));
    }
    store::put_department(&state.db, &d).await?;
    Ok(Json(d))
}

pub async fn put_building(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Building>,
) -> AppResult<Json<Building>> {
    admin(&session)?;
    same_id(&id, b.id)?;
    b.validate()?;
    if !store::sites(&state.db)
        .await?
        .iter()
        .any(|s| s.id == b.site_id)
    {
        return Err(missing("site"));
    }
    store::put_building(&state.db, &b).await?;
    Ok(Json(b))
}

pub async fn put_room(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Room>,
) -> AppResult<Json<Room>> {
    admin(&session)?;
    same_id(&id, r.id)?;
    r.validate()?;
    let db = &state.db;
    if !store::buildings(db)
        .await?
        .iter()
        .any(|b| b.id == r.building_id && b.site_id == r.site_id)
    {
        return Err(missing("building (of this site)"));
    }
    if !store::departments(db)
        .await?
        .iter()
        .any(|d| d.id == r.department_id)
    {
        return Err(missing("department"));
    }
    store::put_room(db, &r).await?;
    Ok(Json(r))
}

pub async fn put_user(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SaveUser>,
) -> AppResult<Json<Person>> {
    admin(&session)?;
    let u = req.user;
    same_id(&id, u.id)?;
    u.validate()?;
    let db = &state.db;
    if let Some(site) = u.site_id
        && !store::sites(db).await?.iter().any(|s| s.id == site)
    {
        return Err(missing("site"));
    }
    if let Some(d) = u.department_id
        && !store::departments(db).await?.iter().any(|x| x.id == d)
    {
        return Err(missing("department"));
    }
    let existing = store::users(db).await?.into_iter().find(|x| x.id == u.id);
    let hash = match (&req.password, &existing) {
        (Some(p), _) => {
            saferounds_shared::limits::check_new_password(p, &[&u.username, &u.display_name])?;
            Some(state.hashing.hash(p).await?)
        }
        (None, Some(_)) => None,
        (None, None) => {
            return Err(DomainError::MissingField {
                field: "password / 初始密码",
            }
            .into());
        }
    };
    match existing {
        None => store::put_user(db, &u, hash.as_deref().unwrap_or_default()).await?,
        Some(_) => {
            store::update_user(db, &u, hash.as_deref()).await?;
            if !u.active || hash.is_some() {
                auth::revoke_all(db, u.id).await?;
            }
        }
    }
    Ok(Json(Person::from(&u)))
}

pub async fn list_users(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<Vec<User>>> {
    admin(&session)?;
    Ok(Json(store::users(&state.db).await?))
}
