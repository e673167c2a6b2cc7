//! One device's batch, operation by operation: what a server does with a push, whatever it keeps
//! things in. The real server (over its database, a group of batches at a time) and the reference
//! [`Ledger`](super::ledger::Ledger) both run [`apply_batch`].

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::apply::{Ctx, Effect, World, apply};
use super::protocol::*;
use crate::error::DomainError;
use crate::ids::OpId;
use crate::org::Actor;

/// Where a batch is applied.
pub trait Replica {
    /// The stored answer to an operation seen before: its `device_seq` and outcome.
    fn seen(&self, op_id: OpId) -> Option<(u64, Outcome)>;
    /// An entity as it is now.
    fn entity(&self, id: Uuid) -> Option<&Entity>;
    /// What `apply` may look up.
    fn world(&self) -> &dyn World;
    /// Keeps what an operation did (its outcome, new state and audit entry) so that `seen` and
    /// `entity` answer with it from now on.
    fn keep(&mut self, req: &PushRequest, op: &Operation, effect: Effect);
}

fn rejected(op: &Operation, detail: &str) -> OpResult {
    OpResult {
        op_id: op.op_id,
        device_seq: op.device_seq,
        outcome: Outcome::Rejected {
            error: DomainError::Invalid {
                detail: detail.into(),
            }
            .to_api(),
        },
        entity: None,
    }
}

/// Applies `req`'s operations in order to `replica`, whose last `device_seq` from this device is
/// `last_seq`. A repeat answers what the original got; an operation of another device or with a
/// used sequence number is refused; a gap, or an operation held for a missing photo, stops the
/// batch and asks for a resend from there. The answer's `last_seq` is the device's new one.
pub fn apply_batch(
    replica: &mut impl Replica,
    req: &PushRequest,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
    mut last_seq: u64,
) -> PushResponse {
    let visible = |e: Option<&Entity>| e.filter(|e| visible_to(e, actor)).cloned();
    let mut results = Vec::with_capacity(req.ops.len());
    let mut resend_from = None;
    for op in &req.ops {
        if let Some((device_seq, outcome)) = replica.seen(op.op_id) {
            results.push(OpResult {
                op_id: op.op_id,
                device_seq,
                outcome,
                entity: visible(replica.entity(op.entity_id)),
            });
            continue;
        }
        if op.device_id != req.device_id {
            results.push(rejected(op, "设备编号不一致 / device id mismatch"));
            continue;
        }
        match check_seq(last_seq, op.device_seq) {
            SeqCheck::Repeat => {
                results.push(rejected(
                    op,
                    "序号已被其他操作使用 / sequence number reused",
                ));
                continue;
            }
            SeqCheck::Gap { resend_from: from } => {
                resend_from = Some(from);
                break;
            }
            SeqCheck::Next => {}
        }
        let effect = apply(
            replica.entity(op.entity_id),
            op,
            &Ctx {
                actor,
                now,
                today,
                world: replica.world(),
            },
        );
        if let Outcome::Pending { .. } = effect.outcome {
            // Held: nothing of it is kept; the device resends it once the photo is there.
            results.push(OpResult {
                op_id: op.op_id,
                device_seq: op.device_seq,
                outcome: effect.outcome,
                entity: None,
            });
            resend_from = Some(op.device_seq);
            break;
        }
        let outcome = effect.outcome.clone();
        replica.keep(req, op, effect);
        last_seq = op.device_seq;
        results.push(OpResult {
            op_id: op.op_id,
            device_seq: op.device_seq,
            outcome,
            entity: visible(replica.entity(op.entity_id)),
        });
    }
    PushResponse {
        results,
        resend_from,
        last_seq,
    }
}
