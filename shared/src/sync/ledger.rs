//! An in-memory reference server: the push and pull protocol exactly as the real server runs it,
//! without IO. The property tests drive devices against it; the real server's API tests check the
//! same story over HTTP.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::apply::{Ctx, World, apply};
use super::protocol::*;
use crate::checklist::Template;
use crate::error::DomainError;
use crate::ids::{DeviceId, OpId, PhotoHash, RoomId, TemplateId};
use crate::org::{Actor, Room};

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// entity id → (change_seq of its last change, state)
    pub entities: BTreeMap<Uuid, (u64, Entity)>,
    /// op id → (device, device_seq, outcome)
    pub outcomes: BTreeMap<OpId, (DeviceId, u64, Outcome)>,
    pub last_seq: BTreeMap<DeviceId, u64>,
    pub audit: Vec<AuditEntry>,
    pub change_seq: u64,
    pub photos: BTreeSet<PhotoHash>,
    pub rooms: BTreeMap<RoomId, Room>,
    pub templates: BTreeMap<TemplateId, Template>,
}

impl World for Ledger {
    fn room(&self, id: RoomId) -> Option<Room> {
        self.rooms.get(&id).cloned()
    }
    fn template(&self, id: TemplateId) -> Option<Template> {
        self.templates.get(&id).cloned()
    }
    fn has_photo(&self, hash: &PhotoHash) -> bool {
        self.photos.contains(hash)
    }
}

impl Ledger {
    pub fn push(
        &mut self,
        req: &PushRequest,
        actor: &Actor,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> PushResponse {
        let mut last = self.last_seq.get(&req.device_id).copied().unwrap_or(0);
        let mut results = Vec::new();
        let mut resend_from = None;
        for op in &req.ops {
            if let Some((_, seq, outcome)) = self.outcomes.get(&op.op_id) {
                results.push(self.result(op.op_id, *seq, outcome.clone(), op.entity_id, actor));
                continue;
            }
            if op.device_id != req.device_id {
                let e = DomainError::Invalid {
                    detail: "设备编号不一致 / device id mismatch".into(),
                };
                results.push(OpResult {
                    op_id: op.op_id,
                    device_seq: op.device_seq,
                    outcome: Outcome::Rejected { error: e.to_api() },
                    entity: None,
                });
                continue;
            }
            match check_seq(last, op.device_seq) {
                SeqCheck::Repeat => {
                    let e = DomainError::Invalid {
                        detail: "序号已被其他操作使用 / sequence number reused".into(),
                    };
                    results.push(OpResult {
                        op_id: op.op_id,
                        device_seq: op.device_seq,
                        outcome: Outcome::Rejected { error: e.to_api() },
                        entity: None,
                    });
                }
                SeqCheck::Gap { resend_from: from } => {
                    resend_from = Some(from);
                    break;
                }
                SeqCheck::Next => {
                    let current = self.entities.get(&op.entity_id).map(|(_, e)| e.clone());
                    let effect = {
                        let ctx = Ctx {
                            actor,
                            now,
                            today,
                            world: &*self,
                        };
                        apply(current.as_ref(), op, &ctx)
                    };
                    if let Outcome::Pending { .. } = effect.outcome {
                        results.push(OpResult {
                            op_id: op.op_id,
                            device_seq: op.device_seq,
                            outcome: effect.outcome,
                            entity: None,
                        });
                        resend_from = Some(op.device_seq);
                        break;
                    }
                    if let Some(state) = effect.new_state {
                        self.change_seq += 1;
                        self.entities.insert(op.entity_id, (self.change_seq, state));
                    }
                    if let Some(a) = effect.audit {
                        self.audit.push(a);
                    }
                    self.outcomes.insert(
                        op.op_id,
                        (req.device_id, op.device_seq, effect.outcome.clone()),
                    );
                    last = op.device_seq;
                    results.push(self.result(
                        op.op_id,
                        op.device_seq,
                        effect.outcome,
                        op.entity_id,
                        actor,
                    ));
                }
            }
        }
        self.last_seq.insert(req.device_id, last);
        PushResponse {
            results,
            resend_from,
            last_seq: last,
        }
    }

    fn result(
        &self,
        op_id: OpId,
        device_seq: u64,
        outcome: Outcome,
        entity_id: Uuid,
        actor: &Actor,
    ) -> OpResult {
        let entity = self
            .entities
            .get(&entity_id)
            .map(|(_, e)| e.clone())
            .filter(|e| visible_to(e, actor));
        OpResult {
            op_id,
            device_seq,
            outcome,
            entity,
        }
    }

    pub fn pull(&self, cursor: u64, limit: usize, actor: &Actor) -> PullResponse {
        let mut rows: Vec<(u64, &Entity)> = self
            .entities
            .values()
            .filter(|(s, _)| *s > cursor)
            .map(|(s, e)| (*s, e))
            .collect();
        rows.sort_by_key(|(s, _)| *s);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = rows.last().map(|(s, _)| *s).unwrap_or(cursor);
        let changes = rows
            .into_iter()
            .filter(|(_, e)| visible_to(e, actor))
            .map(|(s, e)| Change {
                change_seq: s,
                entity: e.clone(),
            })
            .collect();
        PullResponse {
            changes,
            cursor: next,
            more,
        }
    }
}
