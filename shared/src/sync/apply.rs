//! The one `apply` function: current state + operation → outcome and new state.

use chrono::{DateTime, NaiveDate, Utc};

use super::protocol::{AuditEntry, Entity, OpBody, Operation, Outcome, check_schema};
use crate::checklist::Template;
use crate::error::DomainError;
use crate::hazard::{self, Event, FieldConflict, FieldMark, Hazard};
use crate::ids::{PhotoHash, RoomId, TemplateId};
use crate::org::{Actor, Room};

/// What `apply` may look up besides the entity itself. The server preloads it (see
/// [`Operation::needs`] and [`Operation::photo_refs`]); the phone has it in IndexedDB.
pub trait World {
    fn room(&self, id: RoomId) -> Option<Room>;
    fn template(&self, id: TemplateId) -> Option<Template>;
    fn has_photo(&self, hash: &PhotoHash) -> bool;
}

/// The result of applying one operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub outcome: Outcome,
    /// The entity after the operation, when it changed.
    pub new_state: Option<Entity>,
    pub audit: Option<AuditEntry>,
}

impl Effect {
    fn rejected(e: DomainError) -> Effect {
        Effect {
            outcome: Outcome::Rejected { error: e.to_api() },
            new_state: None,
            audit: None,
        }
    }
    fn noop(outcome: Outcome) -> Effect {
        Effect {
            outcome,
            new_state: None,
            audit: None,
        }
    }
}

/// Context of one application: who, and the server's "now" and the center's "today".
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub world: &'a dyn World,
}

/// Applies `op` to `current` (the entity `op.entity_id` names, if it exists).
///
/// Duplicate `op_id`s are the caller's to catch (it keeps the outcome of every operation); this
/// function decides everything else: schema, photos present, permission, the state machine,
/// stale transitions, field conflicts.
pub fn apply(current: Option<&Entity>, op: &Operation, ctx: &Ctx<'_>) -> Effect {
    if let Err(e) = check_schema(op.schema_version) {
        return Effect::rejected(e);
    }
    let missing: Vec<PhotoHash> = op
        .photo_refs()
        .into_iter()
        .filter(|p| !ctx.world.has_photo(p))
        .collect();
    if !missing.is_empty() {
        return Effect::noop(Outcome::Pending { missing });
    }
    match apply_inner(current, op, ctx) {
        Ok(effect) => effect,
        Err(e) => Effect::rejected(e),
    }
}

fn audit(
    op: &Operation,
    ctx: &Ctx<'_>,
    action: &str,
    from: Option<hazard::Status>,
    to: Option<hazard::Status>,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        entity_id: op.entity_id,
        op_id: op.op_id,
        user_id: ctx.actor.user_id,
        role: ctx.actor.role,
        device_id: op.device_id,
        action: action.to_owned(),
        from,
        to,
        detail,
        recorded_at: op.recorded_at,
        applied_on: ctx.today,
    }
}

fn applied(entity: Entity, audit: AuditEntry, outcome: Outcome) -> Result<Effect, DomainError> {
    Ok(Effect {
        outcome,
        new_state: Some(entity),
        audit: Some(audit),
    })
}

fn hazard_of(current: Option<&Entity>) -> Result<&Hazard, DomainError> {
    match current {
        Some(Entity::Hazard(h)) => Ok(h),
        Some(_) => Err(DomainError::WrongEntity),
        None => Err(DomainError::NotFound),
    }
}

fn apply_inner(
    current: Option<&Entity>,
    op: &Operation,
    ctx: &Ctx<'_>,
) -> Result<Effect, DomainError> {
    let actor = ctx.actor;
    match &op.body {
        OpBody::StartRound(round) => {
            if round.id.0 != op.entity_id {
                return Err(DomainError::WrongEntity);
            }
            if current.is_some() {
                return Err(DomainError::AlreadyExists);
            }
            if !actor.roles().inspects() {
                return Err(DomainError::Forbidden {
                    action: "start_round",
                });
            }
            if round.inspector_id != actor.user_id || !actor.can_see(round.site_id, None) {
                return Err(DomainError::OutOfScope);
            }
            if ctx.world.template(round.template_id).is_none() {
                return Err(DomainError::Invalid {
                    detail: "检查表不存在 / unknown checklist".into(),
                });
            }
            applied(
                Entity::Round(round.clone()),
                audit(op, ctx, "start_round", None, None, None),
                Outcome::Applied,
            )
        }
        OpBody::FinishRound { finished_at } => {
            let Some(Entity::Round(r)) = current else {
                return Err(DomainError::NotFound);
            };
            if r.inspector_id != actor.user_id {
                return Err(DomainError::OutOfScope);
            }
            if r.finished_at.is_some() {
                return Ok(Effect::noop(Outcome::AlreadyApplied));
            }
            let mut r = r.clone();
            r.finished_at = Some(*finished_at);
            applied(
                Entity::Round(r),
                audit(op, ctx, "finish_round", None, None, None),
                Outcome::Applied,
            )
        }
        OpBody::RecordVisit(visit) => {
            if visit.id.0 != op.entity_id {
                return Err(DomainError::WrongEntity);
            }
            if current.is_some() {
                return Err(DomainError::AlreadyExists);
            }
            if !actor.roles().inspects() {
                return Err(DomainError::Forbidden {
                    action: "record_visit",
                });
            }
            if visit.inspector_id != actor.user_id {
                return Err(DomainError::OutOfScope);
            }
            let room = ctx.world.room(visit.room_id).ok_or(DomainError::NotFound)?;
            if !actor.can_see(room.site_id, Some(room.department_id))
                || room.site_id != visit.site_id
            {
                return Err(DomainError::OutOfScope);
            }
            let template = ctx
                .world
                .template(visit.template_id)
                .ok_or(DomainError::NotFound)?;
            visit.validate(&template, &room)?;
            applied(
                Entity::Visit(visit.clone()),
                audit(op, ctx, "record_visit", None, None, None),
                Outcome::Applied,
            )
        }
        OpBody::ReportHazard(report) => {
            if report.id.0 != op.entity_id {
                return Err(DomainError::WrongEntity);
            }
            if current.is_some() {
                return Err(DomainError::AlreadyExists);
            }
            // Anyone may report what they find (随手拍), where they work: naming their own
            // department does not open another site. Registering it is the safety office's.
            if !actor.works_at(report.site_id) {
                return Err(DomainError::OutOfScope);
            }
            report.validate()?;
            if report.grade == hazard::Grade::Major && !actor.roles().supervises() {
                return Err(DomainError::MajorIsSupervisorsCall);
            }
            if let Some(room_id) = report.room_id {
                let room = ctx.world.room(room_id).ok_or(DomainError::NotFound)?;
                if room.site_id != report.site_id {
                    return Err(DomainError::WrongEntity);
                }
            }
            let h = Hazard::from_report(report.clone(), actor.user_id, ctx.now);
            let to = h.status;
            applied(
                Entity::Hazard(h),
                audit(
                    op,
                    ctx,
                    "report",
                    None,
                    Some(to),
                    Some(report.description.clone()),
                ),
                Outcome::Applied,
            )
        }
        OpBody::Transition { from, event } => {
            let h = hazard_of(current)?;
            // Scope before staleness: the stale error names the hazard's current state.
            if !actor.can_see(h.site_id, h.department_id) {
                return Err(DomainError::OutOfScope);
            }
            if h.status != *from {
                if event.changes_status() && event.target(*from) == Some(h.status) {
                    return Ok(Effect::noop(Outcome::AlreadyApplied));
                }
                return Err(DomainError::StaleTransition {
                    expected: *from,
                    actual: h.status,
                });
            }
            let mut h = h.clone();
            let to = hazard::fire(&mut h, event, actor, ctx.today)?;
            h.version += 1;
            let detail = match event {
                Event::RecheckFail { reason }
                | Event::Void { reason }
                | Event::Reopen { reason }
                | Event::RefuseExtension { reason } => Some(reason.to_string()),
                Event::RequestExtension {
                    new_deadline,
                    reason,
                } => Some(format!("{new_deadline}: {reason}")),
                Event::SubmitRectification { what_was_done, .. } => Some(what_was_done.to_string()),
                _ => None,
            };
            let a = audit(op, ctx, event.name(), Some(*from), Some(to), detail);
            applied(Entity::Hazard(h), a, Outcome::Applied)
        }
        OpBody::EditHazard { changes } => {
            let h = hazard_of(current)?;
            if !actor.can_see(h.site_id, h.department_id) {
                return Err(DomainError::OutOfScope);
            }
            if changes.is_empty() {
                return Err(DomainError::Invalid {
                    detail: "没有修改内容 / nothing to change".into(),
                });
            }
            for c in changes {
                if !h.editable_by(actor, c.field()) {
                    return Err(DomainError::Forbidden {
                        action: "edit_hazard",
                    });
                }
                c.validate()?;
            }
            let mut h = h.clone();
            h.version += 1;
            let mut lost = Vec::new();
            for c in changes {
                let field = c.field();
                let concurrent = h
                    .field_marks
                    .get(&field)
                    .is_some_and(|m| m.version > op.base_version && m.device_id != op.device_id);
                if concurrent && h.value_of(field) != *c {
                    h.conflicts.push(FieldConflict {
                        field,
                        kept: h.value_of(field),
                        losing: c.clone(),
                        op_id: op.op_id,
                        by: actor.user_id,
                        recorded_at: op.recorded_at,
                    });
                    lost.push(field);
                } else {
                    h.set_value(c.clone());
                    h.field_marks.insert(
                        field,
                        FieldMark {
                            version: h.version,
                            device_id: op.device_id,
                        },
                    );
                }
            }
            let names: Vec<&str> = changes
                .iter()
                .map(|c| crate::i18n::Label::zh(&c.field()))
                .collect();
            let a = audit(op, ctx, "edit", None, None, Some(names.join("、")));
            let outcome = if lost.is_empty() {
                Outcome::Applied
            } else {
                Outcome::Conflict { fields: lost }
            };
            applied(Entity::Hazard(h), a, outcome)
        }
        OpBody::ResolveConflict { field, take_losing } => {
            let h = hazard_of(current)?;
            if !actor.roles().supervises() {
                return Err(DomainError::Forbidden {
                    action: "resolve_conflict",
                });
            }
            let latest = h
                .conflicts
                .iter()
                .rev()
                .find(|c| c.field == *field)
                .cloned()
                .ok_or(DomainError::NoSuchConflict)?;
            let mut h = h.clone();
            h.version += 1;
            h.conflicts.retain(|c| c.field != *field);
            if *take_losing {
                h.set_value(latest.losing);
            }
            h.field_marks.insert(
                *field,
                FieldMark {
                    version: h.version,
                    device_id: op.device_id,
                },
            );
            let a = audit(
                op,
                ctx,
                "resolve_conflict",
                None,
                None,
                Some(crate::i18n::Label::zh(field).to_owned()),
            );
            applied(Entity::Hazard(h), a, Outcome::Applied)
        }
        OpBody::Comment { text } => {
            let h = hazard_of(current)?;
            if !actor.can_see(h.site_id, h.department_id) {
                return Err(DomainError::OutOfScope);
            }
            let text = crate::ids::Reason::parse(text)?;
            let mut h = h.clone();
            h.version += 1;
            h.comments.push(hazard::Comment {
                op_id: op.op_id,
                by: actor.user_id,
                at: ctx.now,
                text: text.to_string(),
            });
            applied(
                Entity::Hazard(h),
                audit(op, ctx, "comment", None, None, Some(text.to_string())),
                Outcome::Applied,
            )
        }
        OpBody::AddPhotos { after, photos } => {
            let h = hazard_of(current)?;
            if !actor.can_see(h.site_id, h.department_id) || actor.roles().only_reads() {
                return Err(DomainError::OutOfScope);
            }
            let mut h = h.clone();
            h.version += 1;
            let list = if *after {
                &mut h.photos_after
            } else {
                &mut h.photos_before
            };
            for p in photos {
                if !list.contains(p) {
                    list.push(p.clone());
                }
            }
            applied(
                Entity::Hazard(h),
                audit(op, ctx, "photos", None, None, None),
                Outcome::Applied,
            )
        }
        OpBody::SaveMeasure(m) => {
            if m.id.0 != op.entity_id {
                return Err(DomainError::WrongEntity);
            }
            if !actor.roles().supervises() {
                return Err(DomainError::Forbidden {
                    action: "save_measure",
                });
            }
            m.validate()?;
            let mut m = m.clone();
            let outcome = match current {
                Some(Entity::Measure(old)) => {
                    m.version = old.version + 1;
                    if old.version > op.base_version {
                        Outcome::Conflict { fields: vec![] }
                    } else {
                        Outcome::Applied
                    }
                }
                Some(_) => return Err(DomainError::WrongEntity),
                None => {
                    m.version = 1;
                    Outcome::Applied
                }
            };
            // Last writer wins on a measure, but a stale base is reported so the author looks again.
            applied(
                Entity::Measure(m),
                audit(op, ctx, "save_measure", None, None, None),
                outcome,
            )
        }
    }
}
