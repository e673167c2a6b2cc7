//! Sync rules (see the project's sync design): operations, their wire format, the one `apply`
//! function both the phone and the server use, the device-sequence rule, the client's outbox
//! bookkeeping, and an in-memory reference server ([`ledger::Ledger`]) used by property tests.

pub mod apply;
pub mod batch;
pub mod client;
pub mod ledger;
pub mod protocol;
#[cfg(test)]
mod tests;

pub use apply::{Effect, World, apply};
pub use batch::{Replica, apply_batch};
pub use protocol::*;
