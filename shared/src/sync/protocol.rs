//! Wire types. They carry a schema version and change only by adding a new version.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::hazard::{Event, Field, FieldValue, Hazard, HazardReport, Status};
use crate::ids::{DepartmentId, DeviceId, OpId, PhotoHash, RoomId, SiteId, TemplateId, UserId};
use crate::inspection::{Round, Visit};
use crate::lists::Measure;
use crate::org::Role;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;
/// The oldest schema version this build still accepts.
pub const MIN_SCHEMA_VERSION: u32 = 1;
/// At most this many operations in one push.
pub const MAX_PUSH_OPS: usize = 500;
/// Pull page size bounds.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// Largest photo accepted (after on-device downscaling a photo is a few hundred KB).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

/// One change a device made, described so that the server can apply it exactly once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operation {
    pub op_id: OpId,
    pub device_id: DeviceId,
    /// 1, 2, 3… per device, without gaps.
    pub device_seq: u64,
    pub schema_version: u32,
    pub entity_id: Uuid,
    /// The entity version the device had seen when it made the change (0 for a new entity).
    pub base_version: u64,
    #[serde(flatten)]
    pub body: OpBody,
    /// What the device's clock said. Kept, never used for ordering.
    pub recorded_at: DateTime<Utc>,
}

/// What an operation does: `kind` and `payload` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum OpBody {
    StartRound(Round),
    FinishRound {
        finished_at: DateTime<Utc>,
    },
    RecordVisit(Visit),
    ReportHazard(HazardReport),
    /// Status changes only through a transition that names its expected `from` state.
    Transition {
        from: Status,
        event: Event,
    },
    EditHazard {
        changes: Vec<FieldValue>,
    },
    ResolveConflict {
        field: Field,
        take_losing: bool,
    },
    Comment {
        text: String,
    },
    AddPhotos {
        after: bool,
        photos: Vec<PhotoHash>,
    },
    SaveMeasure(Measure),
}

impl OpBody {
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::StartRound(_) => "start_round",
            OpBody::FinishRound { .. } => "finish_round",
            OpBody::RecordVisit(_) => "record_visit",
            OpBody::ReportHazard(_) => "report_hazard",
            OpBody::Transition { .. } => "transition",
            OpBody::EditHazard { .. } => "edit_hazard",
            OpBody::ResolveConflict { .. } => "resolve_conflict",
            OpBody::Comment { .. } => "comment",
            OpBody::AddPhotos { .. } => "add_photos",
            OpBody::SaveMeasure(_) => "save_measure",
        }
    }
}

impl Operation {
    /// Every photo the operation refers to; the server holds the operation until it has them all.
    pub fn photo_refs(&self) -> Vec<PhotoHash> {
        self.body.photo_refs()
    }

    /// Rooms and templates the server must load before applying.
    pub fn needs(&self) -> (Option<RoomId>, Option<TemplateId>) {
        match &self.body {
            OpBody::RecordVisit(v) => (Some(v.room_id), Some(v.template_id)),
            OpBody::StartRound(r) => (None, Some(r.template_id)),
            OpBody::ReportHazard(r) => (r.room_id, None),
            _ => (None, None),
        }
    }
}

impl OpBody {
    /// Every photo this change refers to, each once.
    pub fn photo_refs(&self) -> Vec<PhotoHash> {
        let mut v = match self {
            OpBody::RecordVisit(visit) => visit.photo_refs(),
            OpBody::ReportHazard(r) => {
                let mut v = r.photos_before.clone();
                if let Some(f) = &r.fixed_on_spot {
                    v.extend(f.photos_after.iter().cloned());
                }
                v
            }
            OpBody::Transition {
                event: Event::SubmitRectification { photos_after, .. },
                ..
            } => photos_after.clone(),
            OpBody::Transition {
                event: Event::RecheckPass { photos, .. },
                ..
            } => photos.clone(),
            OpBody::AddPhotos { photos, .. } => photos.clone(),
            _ => Vec::new(),
        };
        crate::order::sort_dedup(&mut v);
        v
    }
}

/// What happened to one operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Seen before (same `op_id`), or a transition whose target was already reached.
    AlreadyApplied,
    /// Not applied, for a reason the user can read. The device drops it and shows the reason.
    Rejected {
        error: ApiError,
    },
    /// Applied, but these fields kept the server's value; the losing values are recorded on the
    /// hazard for a supervisor to resolve.
    Conflict {
        fields: Vec<Field>,
    },
    /// Held: the server lacks these photos. Upload them and push again.
    Pending {
        missing: Vec<PhotoHash>,
    },
}

impl Outcome {
    /// Acknowledged: the device may drop the operation from its outbox.
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Pending { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub device_id: DeviceId,
    pub ops: Vec<Operation>,
}

/// What became of one pushed operation: its outcome flattened beside its ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: OpId,
    pub device_seq: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The entity as the server now has it, when the device may see it: the device stores it at
    /// once, so an acknowledged change never vanishes from its screen before the next pull.
    #[serde(default)]
    pub entity: Option<Entity>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One result per operation processed, in order.
    pub results: Vec<OpResult>,
    /// Set when the batch skipped a sequence number, or an operation was held: resend from here.
    pub resend_from: Option<u64>,
    /// The last `device_seq` the server has from this device.
    pub last_seq: u64,
}

/// One entity as the server has it, for pull.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "a wire type, built once per change and moved, not stored in bulk"
)]
pub enum Entity {
    Round(Round),
    Visit(Visit),
    Hazard(Hazard),
    Measure(Measure),
}

impl Entity {
    pub fn id(&self) -> Uuid {
        match self {
            Entity::Round(r) => r.id.0,
            Entity::Visit(v) => v.id.0,
            Entity::Hazard(h) => h.id.0,
            Entity::Measure(m) => m.id.0,
        }
    }
    pub fn version(&self) -> u64 {
        match self {
            Entity::Hazard(h) => h.version,
            Entity::Measure(m) => m.version,
            Entity::Round(r) => 1 + u64::from(r.finished_at.is_some()),
            Entity::Visit(_) => 1,
        }
    }
    pub fn as_hazard(&self) -> Option<&Hazard> {
        if let Entity::Hazard(h) = self {
            Some(h)
        } else {
            None
        }
    }
    pub fn into_hazard(self) -> Option<Hazard> {
        if let Entity::Hazard(h) = self {
            Some(h)
        } else {
            None
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            Entity::Round(_) => "round",
            Entity::Visit(_) => "visit",
            Entity::Hazard(_) => "hazard",
            Entity::Measure(_) => "measure",
        }
    }
    /// Where the entity belongs, for scoping pulls: its site and responsible department.
    pub fn scope(&self) -> (Option<SiteId>, Option<DepartmentId>) {
        match self {
            Entity::Round(r) => (Some(r.site_id), None),
            Entity::Visit(v) => (Some(v.site_id), None),
            Entity::Hazard(h) => (Some(h.site_id), h.department_id),
            Entity::Measure(m) => (None, Some(m.department_id)),
        }
    }
}

/// One entity as of a change. `E` is the entity: decoded, or (on the server, which passes stored
/// records through without decoding them) its JSON text — the same wire format either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change<E = Entity> {
    pub change_seq: u64,
    pub entity: E,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse<E = Entity> {
    pub changes: Vec<Change<E>>,
    /// Store this as the new cursor after the page is saved.
    pub cursor: u64,
    pub more: bool,
}

/// One line of a hazard's audit trail: who, when, from which device, what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub entity_id: Uuid,
    pub op_id: OpId,
    pub user_id: UserId,
    pub role: Role,
    pub device_id: DeviceId,
    pub action: String,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub detail: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub applied_on: NaiveDate,
}

/// How the server treats an operation's `device_seq`, given the last it applied from that device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqCheck {
    /// The next one: apply it.
    Next,
    /// Seen before: answer with the stored outcome.
    Repeat,
    /// Something is missing before it: resend from here.
    Gap { resend_from: u64 },
}

pub fn check_seq(last_seq: u64, device_seq: u64) -> SeqCheck {
    if device_seq <= last_seq {
        SeqCheck::Repeat
    } else if device_seq == last_seq + 1 {
        SeqCheck::Next
    } else {
        SeqCheck::Gap {
            resend_from: last_seq + 1,
        }
    }
}

/// Checks the schema version of an operation.
pub fn check_schema(version: u32) -> Result<(), crate::DomainError> {
    if version > SCHEMA_VERSION {
        Err(crate::DomainError::SchemaTooNew { got: version })
    } else if version < MIN_SCHEMA_VERSION {
        Err(crate::DomainError::SchemaTooOld { got: version })
    } else {
        Ok(())
    }
}

/// May this actor see this entity (pull scoping)?
pub fn visible_to(entity: &Entity, actor: &crate::org::Actor) -> bool {
    let (site, dept) = entity.scope();
    scope_visible_to(site, dept, actor)
}

/// May this actor see an entity of this scope ([`Entity::scope`])? The rule of [`visible_to`], for
/// a store that keeps the scope beside the record and need not decode it.
pub fn scope_visible_to(
    site: Option<SiteId>,
    dept: Option<DepartmentId>,
    actor: &crate::org::Actor,
) -> bool {
    actor.roles().center_wide()
        || site.is_some_and(|s| actor.site_id == Some(s))
        || dept.is_some_and(|d| actor.department_id == Some(d))
}
