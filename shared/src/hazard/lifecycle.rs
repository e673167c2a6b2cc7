//! The hazard closed loop (报告、登记、整改、复查、销号) as one pure state machine.
//!
//! ```text
//! reported ─register─▶ registered ─start─▶ rectifying ─submit─▶ awaiting re-check ─pass─▶ closed
//!                                              ▲                        │
//!                                              └──────── fail ──────────┘
//! any open state ─void─▶ voided;  closed ─reopen─▶ rectifying;  voided ─reopen─▶ reported
//! registered / rectifying: request extension → approve | refuse (status unchanged)
//! ```
//!
//! [`decide`] answers whether an actor may fire an event on a hazard and where it leads;
//! [`fire`] applies it. Neither reads a clock: the caller passes the center's `today`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ExtensionRequest, Grade, Hazard, Recheck, Registration};
use crate::error::DomainError;
use crate::ids::{PhotoHash, Reason};
use crate::labels;
use crate::org::{Actor, Role};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, crate::Json,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已上报
    Reported,
    /// 已登记
    Registered,
    /// 整改中
    Rectifying,
    /// 待复查
    AwaitingRecheck,
    /// 已销号
    Closed,
    /// 已作废
    Voided,
}

labels!(Status {
    Reported => ("已上报", "Reported"),
    Registered => ("已登记", "Registered"),
    Rectifying => ("整改中", "Rectifying"),
    AwaitingRecheck => ("待复查", "Awaiting re-check"),
    Closed => ("已销号", "Closed"),
    Voided => ("已作废", "Voided"),
});

impl Status {
    /// States in which a hazard past its deadline is overdue (逾期) and chased (督办): not yet
    /// rectified. Once rectification is submitted the clock stops.
    pub const CHASED: [Status; 3] = [Status::Reported, Status::Registered, Status::Rectifying];
    pub const ALL: [Status; 6] = [
        Status::Reported,
        Status::Registered,
        Status::Rectifying,
        Status::AwaitingRecheck,
        Status::Closed,
        Status::Voided,
    ];
    /// Position in the forward loop; used to check that status only moves backwards explicitly.
    pub fn rank(self) -> u8 {
        match self {
            Status::Reported => 0,
            Status::Registered => 1,
            Status::Rectifying => 2,
            Status::AwaitingRecheck => 3,
            Status::Closed | Status::Voided => 4,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Registered => "registered",
            Status::Rectifying => "rectifying",
            Status::AwaitingRecheck => "awaiting_recheck",
            Status::Closed => "closed",
            Status::Voided => "voided",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Everything that can happen to a hazard's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, crate::Json)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Register(Registration),
    StartRectification,
    SubmitRectification {
        what_was_done: Reason,
        photos_after: Vec<PhotoHash>,
    },
    RecheckPass {
        note: Option<String>,
        photos: Vec<PhotoHash>,
    },
    RecheckFail {
        reason: Reason,
    },
    Void {
        reason: Reason,
    },
    Reopen {
        reason: Reason,
    },
    RequestExtension {
        new_deadline: NaiveDate,
        reason: Reason,
    },
    ApproveExtension,
    RefuseExtension {
        reason: Reason,
    },
}

/// The kinds of [`Event`], without what they carry: what a screen may offer, and the `event`
/// tag on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, crate::Json)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Register,
    StartRectification,
    SubmitRectification,
    RecheckPass,
    RecheckFail,
    Void,
    Reopen,
    RequestExtension,
    ApproveExtension,
    RefuseExtension,
}

impl EventKind {
    /// Where an event of this kind leads from a state, ignoring who fires it; `None` where it
    /// does not apply.
    pub fn target(self, from: Status) -> Option<Status> {
        use EventKind as K;
        use Status::*;
        match (self, from) {
            (K::Register, Reported) => Some(Registered),
            (K::StartRectification, Registered) => Some(Rectifying),
            (K::SubmitRectification, Rectifying) => Some(AwaitingRecheck),
            (K::RecheckPass, AwaitingRecheck) => Some(Closed),
            (K::RecheckFail, AwaitingRecheck) => Some(Rectifying),
            (K::Void, Reported | Registered | Rectifying | AwaitingRecheck) => Some(Voided),
            (K::Reopen, Closed) => Some(Rectifying),
            (K::Reopen, Voided) => Some(Reported),
            (
                K::RequestExtension | K::ApproveExtension | K::RefuseExtension,
                Registered | Rectifying,
            ) => Some(from),
            _ => None,
        }
    }

    /// The roles that may fire an event of this kind at all, before person and scope rules.
    pub fn roles(self) -> &'static [Role] {
        use EventKind as K;
        use Role::*;
        match self {
            K::Register | K::Void | K::Reopen | K::ApproveExtension | K::RefuseExtension => {
                &[SafetySupervisor, Admin]
            }
            K::StartRectification | K::SubmitRectification | K::RequestExtension => {
                &[RectificationOwner, SafetySupervisor]
            }
            K::RecheckPass | K::RecheckFail => &[Verifier, SafetySupervisor],
        }
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Register(_) => EventKind::Register,
            Event::StartRectification => EventKind::StartRectification,
            Event::SubmitRectification { .. } => EventKind::SubmitRectification,
            Event::RecheckPass { .. } => EventKind::RecheckPass,
            Event::RecheckFail { .. } => EventKind::RecheckFail,
            Event::Void { .. } => EventKind::Void,
            Event::Reopen { .. } => EventKind::Reopen,
            Event::RequestExtension { .. } => EventKind::RequestExtension,
            Event::ApproveExtension => EventKind::ApproveExtension,
            Event::RefuseExtension { .. } => EventKind::RefuseExtension,
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Event::Register(_) => "register",
            Event::StartRectification => "start_rectification",
            Event::SubmitRectification { .. } => "submit_rectification",
            Event::RecheckPass { .. } => "recheck_pass",
            Event::RecheckFail { .. } => "recheck_fail",
            Event::Void { .. } => "void",
            Event::Reopen { .. } => "reopen",
            Event::RequestExtension { .. } => "request_extension",
            Event::ApproveExtension => "approve_extension",
            Event::RefuseExtension { .. } => "refuse_extension",
        }
    }
    pub fn name_zh(name: &str) -> &'static str {
        match name {
            "register" => "登记",
            "start_rectification" => "开始整改",
            "submit_rectification" => "提交复查",
            "recheck_pass" => "复查通过（销号）",
            "recheck_fail" => "复查不通过",
            "void" => "作废",
            "reopen" => "重新打开",
            "request_extension" => "申请延期",
            "approve_extension" => "批准延期",
            "refuse_extension" => "驳回延期",
            "report" => "上报",
            "edit" => "修改",
            "comment" => "备注",
            "photos" => "添加照片",
            "resolve_conflict" => "处理冲突",
            _ => "操作",
        }
    }
    pub fn name_en(name: &str) -> &'static str {
        match name {
            "register" => "Register",
            "start_rectification" => "Start rectification",
            "submit_rectification" => "Submit for re-check",
            "recheck_pass" => "Re-check passed (close out)",
            "recheck_fail" => "Re-check failed",
            "void" => "Void",
            "reopen" => "Reopen",
            "request_extension" => "Request extension",
            "approve_extension" => "Approve extension",
            "refuse_extension" => "Refuse extension",
            "report" => "Report",
            "edit" => "Edit",
            "comment" => "Comment",
            "photos" => "Add photos",
            "resolve_conflict" => "Resolve conflict",
            _ => "Action",
        }
    }

    /// Where the event leads from a state, ignoring who fires it; `None` where it does not apply.
    pub fn target(&self, from: Status) -> Option<Status> {
        self.kind().target(from)
    }

    /// Events that take a hazard back along the loop, explicitly and with a reason.
    pub fn goes_backwards(&self) -> bool {
        matches!(self, Event::Reopen { .. } | Event::RecheckFail { .. })
    }

    /// Events that change the status (as opposed to extension bookkeeping).
    pub fn changes_status(&self) -> bool {
        !matches!(
            self,
            Event::RequestExtension { .. }
                | Event::ApproveExtension
                | Event::RefuseExtension { .. }
        )
    }
}

/// The roles that may fire an event at all, before person and scope rules.
pub fn roles_for(event: &Event) -> &'static [Role] {
    event.kind().roles()
}

/// Whether `actor` may fire an event of `kind` on `hazard` — every check of [`decide`] but those
/// of what the event carries. Screens offer an action only where this holds.
pub fn offered(hazard: &Hazard, kind: EventKind, actor: &Actor) -> bool {
    gate(hazard, kind, "", actor).is_ok()
}

/// The checks of [`decide`] that depend on the event's kind only; `name` names it in errors.
fn gate(
    hazard: &Hazard,
    kind: EventKind,
    name: &'static str,
    actor: &Actor,
) -> Result<Status, DomainError> {
    // Scope first: someone who may not see the hazard learns nothing of its state.
    if !actor.can_see(hazard.site_id, hazard.department_id) {
        return Err(DomainError::OutOfScope);
    }
    let from = hazard.status;
    let to = kind
        .target(from)
        .ok_or(DomainError::TransitionNotAllowed { from, event: name })?;
    // Any one of the actor's roles that may fire this event will do.
    let allowed = kind.roles();
    if !actor.roles().any(&|r| allowed.contains(&r)) {
        return Err(DomainError::Forbidden { action: name });
    }
    // A rectification owner acts only for their own department's hazards (unless another of
    // their roles may act on any).
    let only_as_owner = !actor
        .roles()
        .any(&|r| r != Role::RectificationOwner && allowed.contains(&r));
    if only_as_owner && !hazard.answers_for(actor) {
        return Err(DomainError::OutOfScope);
    }
    match kind {
        EventKind::RecheckPass | EventKind::RecheckFail => {
            if hazard.rectified_by == Some(actor.user_id) {
                return Err(DomainError::VerifierIsRectifier);
            }
            if kind == EventKind::RecheckPass {
                if hazard.grade == Grade::Major && !actor.roles().has(Role::SafetySupervisor) {
                    return Err(DomainError::MajorNeedsSupervisor);
                }
                if hazard.photos_after.is_empty() {
                    return Err(DomainError::AfterPhotosRequired);
                }
            }
        }
        EventKind::RequestExtension => {
            if hazard.extension.is_some() {
                return Err(DomainError::ExtensionPending);
            }
        }
        EventKind::ApproveExtension | EventKind::RefuseExtension => {
            if hazard.extension.is_none() {
                return Err(DomainError::NoExtensionPending);
            }
        }
        EventKind::Register
        | EventKind::StartRectification
        | EventKind::SubmitRectification
        | EventKind::Void
        | EventKind::Reopen => {}
    }
    Ok(to)
}

/// May `actor` fire `event` on `hazard` today, and to which status does it lead?
pub fn decide(
    hazard: &Hazard,
    event: &Event,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Status, DomainError> {
    let to = gate(hazard, event.kind(), event.name(), actor)?;
    match event {
        Event::Register(r) => {
            if r.deadline < hazard.found_on {
                return Err(DomainError::DeadlineBeforeFound);
            }
            if r.grade == Grade::Major {
                if r.interim_precautions.is_none() {
                    return Err(DomainError::MissingField {
                        field: "interim_precautions / 整改期间防范措施",
                    });
                }
                if r.plan_approved_by.is_none() {
                    return Err(DomainError::MissingField {
                        field: "plan_approved_by / 整改方案审批人",
                    });
                }
            }
        }
        Event::SubmitRectification { photos_after, .. }
            if photos_after.is_empty() && hazard.photos_after.is_empty() =>
        {
            return Err(DomainError::AfterPhotosRequired);
        }
        Event::RequestExtension { new_deadline, .. }
            if *new_deadline <= hazard.deadline.unwrap_or(today) =>
        {
            return Err(DomainError::Invalid {
                detail: "新的整改时限须晚于原时限 / the new deadline must be after the current one"
                    .into(),
            });
        }
        _ => {}
    }
    Ok(to)
}

/// Applies an event after [`decide`] allowed it; returns the new status.
pub fn fire(
    hazard: &mut Hazard,
    event: &Event,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Status, DomainError> {
    let to = decide(hazard, event, actor, today)?;
    match event {
        Event::Register(r) => {
            hazard.grade = r.grade;
            hazard.measures = Some(r.measures.to_string());
            hazard.department_id = Some(r.department_id);
            hazard.owner_id = Some(r.owner_id);
            hazard.deadline = Some(r.deadline);
            hazard.interim_precautions = r.interim_precautions.as_ref().map(|x| x.to_string());
            hazard.funds = r.funds;
            hazard.plan_approved_by = r.plan_approved_by.as_ref().map(|x| x.to_string());
        }
        Event::StartRectification => {}
        Event::SubmitRectification {
            what_was_done,
            photos_after,
        } => {
            hazard.rectification = Some(what_was_done.to_string());
            for p in photos_after {
                if !hazard.photos_after.contains(p) {
                    hazard.photos_after.push(p.clone());
                }
            }
            hazard.rectified_by = Some(actor.user_id);
            hazard.rectified_on = Some(today);
        }
        Event::RecheckPass { note, photos } => {
            hazard.recheck = Some(Recheck {
                by: actor.user_id,
                on: today,
                passed: true,
                note: note.clone(),
            });
            for p in photos {
                if !hazard.photos_after.contains(p) {
                    hazard.photos_after.push(p.clone());
                }
            }
            hazard.closed_on = Some(today);
        }
        Event::RecheckFail { reason } => {
            hazard.recheck = Some(Recheck {
                by: actor.user_id,
                on: today,
                passed: false,
                note: Some(reason.to_string()),
            });
        }
        Event::Void { reason } => hazard.void_reason = Some(reason.to_string()),
        Event::Reopen { .. } => {
            hazard.closed_on = None;
            hazard.void_reason = None;
        }
        Event::RequestExtension {
            new_deadline,
            reason,
        } => {
            hazard.extension = Some(ExtensionRequest {
                new_deadline: *new_deadline,
                reason: reason.clone(),
                requested_by: actor.user_id,
            });
        }
        Event::ApproveExtension => {
            if let Some(x) = hazard.extension.take() {
                if hazard.original_deadline.is_none() {
                    hazard.original_deadline = hazard.deadline;
                }
                hazard.deadline = Some(x.new_deadline);
                hazard.extensions_granted += 1;
            }
        }
        Event::RefuseExtension { .. } => hazard.extension = None,
    }
    hazard.status = to;
    Ok(to)
}
