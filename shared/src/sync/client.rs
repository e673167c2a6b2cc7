//! The device's side: what to drop from the outbox after a push, what to resend after a gap,
//! and the local view (server state plus pending operations replayed through `apply`).

use std::collections::BTreeMap;

use uuid::Uuid;

use super::apply::{Ctx, apply};
use super::protocol::{Entity, OpResult, Operation, Outcome, PushResponse};
use crate::error::ApiError;
use crate::ids::OpId;

/// What a push response means for the device.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ack {
    /// Operations the server has: drop them from the outbox (keep them in the sent journal).
    pub done: Vec<OpId>,
    /// Operations refused, with the reason to show the user.
    pub rejected: Vec<(OpId, ApiError)>,
    /// Operations applied with some fields kept at the server's value.
    pub conflicts: Vec<OpId>,
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
            Outcome::Conflict { .. } => ack.conflicts.push(*op_id),
            _ => {}
        }
        if let Some(e) = entity {
            ack.entities.push(e.clone());
        }
    }
    ack
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
    v.sort_by_key(|o| o.device_seq);
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
