//! Hazards (隐患): the record, its grade, its scalar fields and their conflict rule, and overdue.
//! The status lifecycle is in [`lifecycle`].

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::checklist::Category;
use crate::ids::{
    DepartmentId, DeviceId, Fen, HazardId, OpId, PhotoHash, Reason, RoomId, RoundId, SiteId,
    UserId, VisitId,
};
use crate::labels;

pub mod lifecycle;
#[cfg(test)]
mod tests;

pub use lifecycle::{Event, EventKind, Status, decide, fire, offered};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 一般隐患
    General,
    /// 重大隐患 (GB 35181-2017): cannot be fixed at once; needs a plan approved by the head of the
    /// center, interim precautions, and closing by a safety supervisor.
    Major,
}

labels!(Grade { General => ("一般隐患", "General"), Major => ("重大隐患", "Major") });

impl Grade {
    /// Default rectification time limit from the finding date.
    pub fn default_deadline(self, found_on: NaiveDate) -> NaiveDate {
        let days = match self {
            Grade::General => 15,
            Grade::Major => 90,
        };
        found_on
            .checked_add_days(Days::new(days))
            .unwrap_or(found_on)
    }
}

/// What an inspector reports from the field (报告).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HazardReport {
    pub id: HazardId,
    pub site_id: SiteId,
    pub room_id: Option<RoomId>,
    pub department_id: Option<DepartmentId>,
    pub round_id: Option<RoundId>,
    pub visit_id: Option<VisitId>,
    pub category: Category,
    pub item_code: Option<String>,
    pub description: String,
    pub grade: Grade,
    /// 依据: the failed item's requirement and the rule it comes from.
    pub basis: String,
    pub found_on: NaiveDate,
    /// The time limit the checklist item gives (当场 is the finding day); absent, the grade's
    /// default.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    pub photos_before: Vec<PhotoHash>,
    /// 立查立改: fixed during the visit; goes straight to re-check.
    pub fixed_on_spot: Option<FixedOnSpot>,
}

impl HazardReport {
    /// A report fit to keep: a description, and no text longer than its limit.
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        use crate::limits;
        limits::required("description / 隐患描述", &self.description, limits::LONG)?;
        limits::text("basis / 依据", &self.basis, limits::MEDIUM)?;
        limits::text(
            "item_code / 检查项编号",
            self.item_code.as_deref().unwrap_or(""),
            limits::CODE,
        )?;
        if self.photos_before.len() > MAX_PHOTOS {
            return Err(crate::DomainError::Invalid {
                detail: format!("照片最多 {MAX_PHOTOS} 张 / at most {MAX_PHOTOS} photos"),
            });
        }
        Ok(())
    }
}

/// Photos one report or one step may carry.
pub const MAX_PHOTOS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FixedOnSpot {
    pub what_was_done: Reason,
    pub photos_after: Vec<PhotoHash>,
}

/// 登记: grade, measures, responsible department and person, deadline, interim precautions, funds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub grade: Grade,
    pub measures: Reason,
    pub department_id: DepartmentId,
    pub owner_id: UserId,
    pub deadline: NaiveDate,
    pub interim_precautions: Option<Reason>,
    pub funds: Fen,
    /// For a major hazard: who approved the rectification plan (the head of the center).
    pub plan_approved_by: Option<Reason>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recheck {
    pub by: UserId,
    pub on: NaiveDate,
    pub passed: bool,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionRequest {
    pub new_deadline: NaiveDate,
    pub reason: Reason,
    pub requested_by: UserId,
}

/// The scalar fields that two people may edit at once.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Description,
    Grade,
    Measures,
    Department,
    Owner,
    Deadline,
    InterimPrecautions,
    Funds,
    Remark,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Description,
        Field::Grade,
        Field::Measures,
        Field::Department,
        Field::Owner,
        Field::Deadline,
        Field::InterimPrecautions,
        Field::Funds,
        Field::Remark,
    ];
}
labels!(Field {
    Description => ("隐患描述", "Description"),
    Grade => ("等级", "Grade"),
    Measures => ("整改措施", "Measures"),
    Department => ("责任科室", "Responsible department"),
    Owner => ("责任人", "Responsible person"),
    Deadline => ("整改时限", "Deadline"),
    InterimPrecautions => ("期间防范措施", "Interim precautions"),
    Funds => ("整改资金", "Funds"),
    Remark => ("备注", "Remark"),
});

/// A new value for one scalar field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Description(String),
    Grade(Grade),
    Measures(Option<String>),
    Department(Option<DepartmentId>),
    Owner(Option<UserId>),
    Deadline(Option<NaiveDate>),
    InterimPrecautions(Option<String>),
    Funds(Fen),
    Remark(Option<String>),
}

impl FieldValue {
    /// A new value is acceptable: a description is never empty, and no text is longer than a
    /// reason may be (an emptied optional text is `None`, not an empty string).
    pub fn validate(&self) -> Result<(), crate::DomainError> {
        use crate::ids::Reason;
        match self {
            FieldValue::Description(t) => Reason::parse(t).map(drop).map_err(|e| match e {
                crate::DomainError::EmptyText => crate::DomainError::MissingField {
                    field: "description / 隐患描述",
                },
                e => e,
            }),
            FieldValue::Measures(Some(t))
            | FieldValue::InterimPrecautions(Some(t))
            | FieldValue::Remark(Some(t)) => Reason::parse(t).map(drop),
            _ => Ok(()),
        }
    }

    pub fn field(&self) -> Field {
        match self {
            FieldValue::Description(_) => Field::Description,
            FieldValue::Grade(_) => Field::Grade,
            FieldValue::Measures(_) => Field::Measures,
            FieldValue::Department(_) => Field::Department,
            FieldValue::Owner(_) => Field::Owner,
            FieldValue::Deadline(_) => Field::Deadline,
            FieldValue::InterimPrecautions(_) => Field::InterimPrecautions,
            FieldValue::Funds(_) => Field::Funds,
            FieldValue::Remark(_) => Field::Remark,
        }
    }
}

/// When and from which device a field last changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMark {
    pub version: u64,
    pub device_id: DeviceId,
}

/// A losing concurrent edit, kept for a supervisor to decide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldConflict {
    pub field: Field,
    pub kept: FieldValue,
    pub losing: FieldValue,
    pub op_id: OpId,
    pub by: UserId,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub op_id: OpId,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hazard {
    pub id: HazardId,
    pub site_id: SiteId,
    pub room_id: Option<RoomId>,
    pub round_id: Option<RoundId>,
    pub visit_id: Option<VisitId>,
    pub category: Category,
    pub item_code: Option<String>,
    pub basis: String,
    pub found_on: NaiveDate,
    pub reported_by: UserId,
    pub reported_at: DateTime<Utc>,
    pub status: Status,
    pub description: String,
    pub grade: Grade,
    pub measures: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub owner_id: Option<UserId>,
    pub deadline: Option<NaiveDate>,
    pub interim_precautions: Option<String>,
    pub funds: Fen,
    pub plan_approved_by: Option<String>,
    pub remark: Option<String>,
    pub fixed_on_spot: bool,
    pub photos_before: Vec<PhotoHash>,
    pub photos_after: Vec<PhotoHash>,
    pub rectification: Option<String>,
    pub rectified_by: Option<UserId>,
    pub rectified_on: Option<NaiveDate>,
    pub recheck: Option<Recheck>,
    pub closed_on: Option<NaiveDate>,
    pub extension: Option<ExtensionRequest>,
    pub extensions_granted: u32,
    /// The deadline before the first extension was granted (原定时限); none while none was.
    #[serde(default)]
    pub original_deadline: Option<NaiveDate>,
    pub void_reason: Option<String>,
    pub comments: Vec<Comment>,
    pub conflicts: Vec<FieldConflict>,
    /// Bumped by every applied operation; clients send it back as `base_version`.
    pub version: u64,
    pub field_marks: BTreeMap<Field, FieldMark>,
}

/// Each photo once, in the order first given (a picture chosen twice is one photo).
fn distinct(mut photos: Vec<PhotoHash>) -> Vec<PhotoHash> {
    let mut seen = std::collections::BTreeSet::new();
    photos.retain(|p| seen.insert(p.clone()));
    photos
}

/// What statistics and reminders read of a hazard: the ledger's columns. The server reads them
/// from its ledger table instead of decoding whole documents; a [`Hazard`] gives them too.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HazardFacts {
    pub id: HazardId,
    pub site_id: SiteId,
    pub department_id: Option<DepartmentId>,
    pub status: Status,
    pub grade: Grade,
    pub category: Category,
    pub found_on: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub fixed_on_spot: bool,
    pub funds: Fen,
}

/// Anything statistics can be computed over: a whole hazard, or its ledger columns.
pub trait Facts {
    fn facts(&self) -> HazardFacts;
}

impl Facts for HazardFacts {
    fn facts(&self) -> HazardFacts {
        *self
    }
}

impl Facts for Hazard {
    fn facts(&self) -> HazardFacts {
        HazardFacts {
            id: self.id,
            site_id: self.site_id,
            department_id: self.department_id,
            status: self.status,
            grade: self.grade,
            category: self.category,
            found_on: self.found_on,
            deadline: self.deadline,
            closed_on: self.closed_on,
            fixed_on_spot: self.fixed_on_spot,
            funds: self.funds,
        }
    }
}

impl HazardFacts {
    /// The ledger number (编号): the finding date and the end of the id, stable and unique.
    pub fn number(&self) -> String {
        use chrono::Datelike;
        let simple = self.id.0.simple().to_string();
        let d = self.found_on;
        format!(
            "YH{:04}{:02}{:02}-{}",
            d.year(),
            d.month(),
            d.day(),
            &simple[simple.len() - 6..]
        )
    }

    /// Past its deadline and not yet rectified (逾期). Needs the center's "today": no clock here.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.days_overdue(today) > 0
    }

    /// Days past the deadline; 0 when not overdue.
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        if !Status::CHASED.contains(&self.status) {
            return 0;
        }
        match self.deadline {
            Some(d) if today > d => (today - d).num_days(),
            _ => 0,
        }
    }

    /// Days from finding to closing, for closed hazards.
    pub fn days_to_close(&self) -> Option<i64> {
        self.closed_on
            .map(|c| (c - self.found_on).num_days().max(0))
    }
}

impl Hazard {
    /// What a text search looks in: description, measures, checklist item and basis.
    fn search_fields(&self) -> [&str; 4] {
        [
            &self.description,
            self.measures.as_deref().unwrap_or(""),
            self.item_code.as_deref().unwrap_or(""),
            &self.basis,
        ]
    }

    /// Whether a text search for `text` finds this hazard: a case-sensitive substring of its
    /// [`Self::search_text`], the text a database stores and searches — so a phone and the
    /// ledger find the same hazards, even for a text that runs from one field into the next.
    pub fn mentions(&self, text: &str) -> bool {
        self.search_text().contains(text)
    }

    /// The searched fields in one text, joined by spaces, as a database stores it to search the
    /// ledger.
    pub fn search_text(&self) -> String {
        self.search_fields().join(" ")
    }

    /// Builds the hazard a report describes. A hazard fixed on the spot goes straight to re-check.
    pub fn from_report(r: HazardReport, by: UserId, at: DateTime<Utc>) -> Hazard {
        let (status, rectification, photos_after, rectified_by, rectified_on) =
            match r.fixed_on_spot {
                Some(f) => (
                    Status::AwaitingRecheck,
                    Some(f.what_was_done.to_string()),
                    distinct(f.photos_after),
                    Some(by),
                    Some(r.found_on),
                ),
                None => (Status::Reported, None, Vec::new(), None, None),
            };
        let fixed = status == Status::AwaitingRecheck;
        Hazard {
            id: r.id,
            site_id: r.site_id,
            room_id: r.room_id,
            round_id: r.round_id,
            visit_id: r.visit_id,
            category: r.category,
            item_code: r.item_code,
            basis: r.basis,
            found_on: r.found_on,
            reported_by: by,
            reported_at: at,
            status,
            description: r.description,
            grade: r.grade,
            measures: None,
            department_id: r.department_id,
            owner_id: None,
            deadline: if fixed {
                None
            } else {
                Some(
                    r.deadline
                        .filter(|d| *d >= r.found_on)
                        .unwrap_or(r.grade.default_deadline(r.found_on)),
                )
            },
            interim_precautions: None,
            funds: Fen::zero(),
            plan_approved_by: None,
            remark: None,
            fixed_on_spot: fixed,
            photos_before: distinct(r.photos_before),
            photos_after,
            rectification,
            rectified_by,
            rectified_on,
            recheck: None,
            closed_on: None,
            extension: None,
            extensions_granted: 0,
            original_deadline: None,
            void_reason: None,
            comments: Vec::new(),
            conflicts: Vec::new(),
            version: 1,
            field_marks: BTreeMap::new(),
        }
    }

    /// The ledger number (编号): the finding date and the end of the id, stable and unique.
    pub fn number(&self) -> String {
        self.facts().number()
    }

    /// Open means not closed and not voided.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, Status::Closed | Status::Voided)
    }

    /// Past its deadline and not yet rectified (逾期). Needs the center's "today": no clock here.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.facts().is_overdue(today)
    }

    /// Days past the deadline; 0 when not overdue.
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        self.facts().days_overdue(today)
    }

    /// Days from finding to closing, for closed hazards.
    pub fn days_to_close(&self) -> Option<i64> {
        self.facts().days_to_close()
    }

    pub fn value_of(&self, field: Field) -> FieldValue {
        match field {
            Field::Description => FieldValue::Description(self.description.clone()),
            Field::Grade => FieldValue::Grade(self.grade),
            Field::Measures => FieldValue::Measures(self.measures.clone()),
            Field::Department => FieldValue::Department(self.department_id),
            Field::Owner => FieldValue::Owner(self.owner_id),
            Field::Deadline => FieldValue::Deadline(self.deadline),
            Field::InterimPrecautions => {
                FieldValue::InterimPrecautions(self.interim_precautions.clone())
            }
            Field::Funds => FieldValue::Funds(self.funds),
            Field::Remark => FieldValue::Remark(self.remark.clone()),
        }
    }

    pub(crate) fn set_value(&mut self, v: FieldValue) {
        match v {
            FieldValue::Description(x) => self.description = x,
            FieldValue::Grade(x) => self.grade = x,
            FieldValue::Measures(x) => self.measures = x,
            FieldValue::Department(x) => self.department_id = x,
            FieldValue::Owner(x) => self.owner_id = x,
            FieldValue::Deadline(x) => self.deadline = x,
            FieldValue::InterimPrecautions(x) => self.interim_precautions = x,
            FieldValue::Funds(x) => self.funds = x,
            FieldValue::Remark(x) => self.remark = x,
        }
    }

    /// Whether a rectification owner answers for this hazard: it names them, or it belongs to
    /// their department.
    pub fn answers_for(&self, actor: &crate::org::Actor) -> bool {
        self.owner_id == Some(actor.user_id)
            || (self.department_id.is_some() && self.department_id == actor.department_id)
    }

    /// Whether the hazard is on the actor's own work list (what a phone lists): an inspector's
    /// reports, a rectification owner's hazards, for a verifier what awaits re-check or was
    /// re-checked by them; the other roles see everything in their scope.
    pub fn on_work_list_of(&self, actor: &crate::org::Actor) -> bool {
        use crate::org::Role::*;
        actor.roles().any(&|role| match role {
            Inspector => self.reported_by == actor.user_id,
            RectificationOwner => self.answers_for(actor),
            Verifier => {
                self.status == Status::AwaitingRecheck
                    || self.recheck.as_ref().is_some_and(|r| r.by == actor.user_id)
            }
            SafetySupervisor | Admin | Leadership => true,
        })
    }

    /// Which fields the actor's roles may edit directly (statuses change only through events).
    pub fn editable_by(&self, actor: &crate::org::Actor, field: Field) -> bool {
        use crate::org::Role::*;
        actor.roles().any(&|role| match role {
            SafetySupervisor | Admin => true,
            RectificationOwner => {
                self.answers_for(actor)
                    && matches!(
                        field,
                        Field::Measures | Field::InterimPrecautions | Field::Funds | Field::Remark
                    )
            }
            Inspector | Verifier => {
                self.reported_by == actor.user_id
                    && self.status == Status::Reported
                    && matches!(field, Field::Description | Field::Remark)
            }
            Leadership => false,
        })
    }

    pub fn has_conflict(&self) -> bool {
        !self.conflicts.is_empty()
    }
}

/// Builders for tests of other modules.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::ids::stable_uuid;

    /// A general electrical hazard found on `found_on`, reported and not yet registered.
    pub fn sample(found_on: NaiveDate) -> Hazard {
        let r = HazardReport {
            id: HazardId::from_uuid(stable_uuid("hazard", &found_on.to_string())),
            site_id: SiteId::from_uuid(stable_uuid("site", "hq")),
            room_id: None,
            department_id: Some(DepartmentId::from_uuid(stable_uuid("dept", "d1"))),
            round_id: None,
            visit_id: None,
            category: Category::Electrical,
            item_code: Some("EL-01".into()),
            description: "电线老化".into(),
            grade: Grade::General,
            basis: "61号令 §31".into(),
            found_on,
            deadline: None,
            photos_before: vec![],
            fixed_on_spot: None,
        };
        Hazard::from_report(
            r,
            UserId::nil(),
            found_on.and_hms_opt(9, 0, 0).expect("valid time").and_utc(),
        )
    }
}
