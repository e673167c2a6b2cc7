//! Queries over [`Db`], one module per concern: organisation documents, registers, photos, the
//! sync push and pull, visits, the hazard ledger projection and the audit trail, sessions and
//! login throttling. Every SQL string is a constant or assembled from
//! constant pieces; values are always bound, never formatted in.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use futures_util::TryStreamExt;
use saferounds_shared::checklist::{InspectionType, Template};
use saferounds_shared::hazard::{Hazard, HazardFacts, Status};
use saferounds_shared::ids::{
    DepartmentId, Fen, HazardId, OpId, PhotoHash, RoomId, SiteId, TemplateId,
};
use saferounds_shared::inspection::{LastVisits, Visit};
use saferounds_shared::lists::{HazardFilter, SortKey};
use saferounds_shared::org::{Actor, Building, Department, Room, Site, User};
use saferounds_shared::sync::{
    AuditEntry, Change, Effect, Entity, Operation, Outcome, PullResponse, PushRequest,
    PushResponse, Replica, World, apply_batch, scope_visible_to, visible_to,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

use crate::db::{Backend, Db, now_ms};
use crate::error::{AppError, AppResult};

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    Ok(serde_json::to_string(v)?)
}
fn parse<T: DeserializeOwned>(row: &AnyRow, col: usize) -> AppResult<T> {
    Ok(serde_json::from_str(&row.try_get::<String, _>(col)?)?)
}
fn opt_str<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// The serde name of a unit enum variant (how it is stored and filtered).
pub fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

mod org;
pub use org::*;
mod registers;
pub use registers::*;
mod photos;
pub use photos::*;
mod push;
pub use push::*;
mod visits;
pub use visits::*;
mod pull;
pub use pull::*;
mod ledger;
pub use ledger::*;
mod sessions;
pub use sessions::*;
