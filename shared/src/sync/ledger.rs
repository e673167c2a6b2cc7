//! An in-memory reference server: the push and pull protocol exactly as the real server runs it,
//! without IO. The property tests drive devices against it; the real server's API tests check the
//! same story over HTTP.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::apply::{Effect, World};
use super::batch::{Replica, apply_batch};
use super::protocol::*;
use crate::checklist::Template;
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

impl Replica for Ledger {
    fn seen(&self, op_id: OpId) -> Option<(u64, Outcome)> {
        self.outcomes
            .get(&op_id)
            .map(|(_, seq, outcome)| (*seq, outcome.clone()))
    }
    fn entity(&self, id: Uuid) -> Option<&Entity> {
        self.entities.get(&id).map(|(_, e)| e)
    }
    fn world(&self) -> &dyn World {
        self
    }
    fn keep(&mut self, req: &PushRequest, op: &Operation, effect: Effect) {
        if let Some(state) = effect.new_state {
            self.change_seq += 1;
            self.entities.insert(op.entity_id, (self.change_seq, state));
        }
        if let Some(a) = effect.audit {
            self.audit.push(a);
        }
        self.outcomes
            .insert(op.op_id, (req.device_id, op.device_seq, effect.outcome));
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
        let last = self.last_seq.get(&req.device_id).copied().unwrap_or(0);
        let resp = apply_batch(self, req, actor, now, today, last);
        self.last_seq.insert(req.device_id, resp.last_seq);
        resp
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
