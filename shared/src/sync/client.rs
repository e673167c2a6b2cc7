//! The device's side: numbering its operations ([`DeviceOps`]), what to drop from the outbox
//! after a push, what to resend after a gap, and the local view (server state plus pending
//! operations replayed through `apply`).

use std::collections::BTreeMap;

use uuid::Uuid;

use super::apply::{Ctx, apply};
use super::protocol::{Entity, OpResult, Operation, Outcome, PushResponse};
use crate::Lang;
use crate::error::ApiError;
use crate::hazard::Field;
use crate::i18n::Label;
use crate::ids::OpId;

/// A device's operations as it makes them: numbered 1, 2, 3… without gaps, each naming the
/// device and the schema version. Every client makes its operations here — the app, the test
/// clients, the benchmark and the demo history. (No clock and no randomness in `shared`: the
/// caller passes the operation's id and time.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceOps {
    pub device_id: crate::ids::DeviceId,
    /// The sequence number of the device's next operation.
    pub next_seq: u64,
}

impl DeviceOps {
    /// A device that has made no operation yet.
    pub fn new(device_id: crate::ids::DeviceId) -> Self {
        DeviceOps {
            device_id,
            next_seq: 1,
        }
    }

    /// The device's next operation: `body` on the entity `entity_id` as the device saw it at
    /// `base_version` (0 for a new entity).
    pub fn next(
        &mut self,
        op_id: OpId,
        entity_id: Uuid,
        base_version: u64,
        body: super::protocol::OpBody,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Operation {
        let op = Operation {
            op_id,
            device_id: self.device_id,
            device_seq: self.next_seq,
            schema_version: super::protocol::SCHEMA_VERSION,
            entity_id,
            base_version,
            body,
            recorded_at,
        };
        self.next_seq += 1;
        op
    }
}

/// What a push response means for the device.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ack {
    /// Operations the server has: drop them from the outbox (keep them in the sent journal).
    pub done: Vec<OpId>,
    /// Operations refused, with the reason to show the user.
    pub rejected: Vec<(OpId, ApiError)>,
    /// Operations applied, but crossing someone else's change, with what to tell the user.
    pub conflicts: Vec<(OpId, ApiError)>,
    /// Entities as the server now has them: store them as the device's base state.
    pub entities: Vec<Entity>,
    /// Resend from this sequence number.
    pub resend_from: Option<u64>,
}

pub fn acknowledge(resp: &PushResponse) -> Ack {
    let mut ack = Ack {
        resend_from: resp.resend_from,
        ..Ack::default()
    };
    for OpResult {
        op_id,
        outcome,
        entity,
        ..
    } in &resp.results
    {
        if outcome.is_final() {
            ack.done.push(*op_id);
        }
        match outcome {
            Outcome::Rejected { error } => ack.rejected.push((*op_id, error.clone())),
            Outcome::Conflict { fields } => ack.conflicts.push((*op_id, conflict_notice(fields))),
            _ => {}
        }
        if let Some(e) = entity {
            ack.entities.push(e.clone());
        }
    }
    ack
}

/// What a device tells its user when their change crossed someone else's. With `fields`, the
/// server kept its own value of those fields and recorded the user's beside it for a safety
/// supervisor to decide; without, the change was saved over one made at the same time.
pub fn conflict_notice(fields: &[Field]) -> ApiError {
    if fields.is_empty() {
        return ApiError::new(
            "conflict",
            "你的修改已保存，但有人在同一时间也修改了这条记录，你的版本覆盖了对方的。请核对内容。",
            "Your change was saved, but someone changed the same record at the same time and yours replaced theirs. Check it.",
        );
    }
    let names = |lang| fields.iter().map(|f| f.label(lang)).collect::<Vec<_>>();
    ApiError::new(
        "conflict",
        format!(
            "你对“{}”的修改与他人同时的修改冲突：隐患上暂时保留服务器上的值，你的值已一并记录，由安全管理员决定采用哪一个。",
            names(Lang::Zh).join("、")
        ),
        format!(
            "Your change to {} crossed someone else's: the hazard keeps the server's value for now, yours is recorded beside it, and a safety supervisor decides which stays.",
            names(Lang::En).join(", ")
        ),
    )
}

/// Keeps the newer of two states of one entity (server versions only grow).
pub fn newer(old: Option<&Entity>, new: &Entity) -> bool {
    old.is_none_or(|o| new.version() >= o.version())
}

/// The operations to send after the server asked to resend from `from`: first any the device
/// already dropped but still has in its sent journal (the server was restored from an older
/// backup), then the outbox, in sequence order, without duplicates.
pub fn resend_batch(
    sent: &[Operation],
    outbox: &[Operation],
    from: u64,
    max: usize,
) -> Vec<Operation> {
    let mut v: Vec<Operation> = sent
        .iter()
        .chain(outbox.iter())
        .filter(|o| o.device_seq >= from)
        .cloned()
        .collect();
    crate::order::sort_by_key(&mut v, |o| o.device_seq);
    v.dedup_by_key(|o| o.device_seq);
    v.truncate(max);
    v
}

/// The device's view: its copy of the server state with its pending operations replayed on top.
/// An operation that would be rejected simply does not show.
pub fn local_view(
    base: &BTreeMap<Uuid, Entity>,
    pending: &[Operation],
    ctx: &Ctx<'_>,
) -> BTreeMap<Uuid, Entity> {
    let mut view = base.clone();
    for op in pending {
        let effect = apply(view.get(&op.entity_id), op, ctx);
        if let Some(e) = effect.new_state {
            view.insert(op.entity_id, e);
        }
    }
    view
}
