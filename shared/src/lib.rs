//! SafeRounds domain crate.
//!
//! Every rule of the product lives here once: the organisation and who may see what, the
//! checklists, inspections and how a failed item becomes a hazard, the hazard closed loop
//! (报告、登记、整改、复查、销号) as one pure state machine, the two lists, campaigns and their
//! statistics, training coverage, equipment warnings, and the sync rules that the phone and the
//! server both apply.
//!
//! The crate does no IO and reads no clock: callers pass "now". It builds for native targets and
//! for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]

pub mod api;
pub mod campaign;
pub mod checklist;
pub mod endpoints;
pub mod equipment;
pub mod error;
#[cfg(test)]
mod golden;
pub mod hazard;
pub mod i18n;
pub mod ids;
pub mod inspection;
pub mod json;
pub mod limits;
pub mod lists;
pub mod order;
pub mod org;
pub mod plan;
pub mod registers;
pub mod reminders;
pub mod risk;
pub mod sync;
pub mod training;
#[cfg(test)]
mod wire;

// `derive(Json)` names this crate by its name, inside it as outside.
extern crate self as saferounds_shared;

pub use error::{ApiError, DomainError};
pub use i18n::{Lang, Text};
pub use saferounds_json_derive::Json;
