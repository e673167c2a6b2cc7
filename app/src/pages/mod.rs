//! One page per file.

#[cfg(feature = "desk")]
pub mod admin;
#[cfg(feature = "desk")]
pub mod dashboard;
pub mod hazards;
#[cfg(feature = "desk")]
pub mod ledger;
#[cfg(feature = "desk")]
pub mod lists;
pub mod login;
#[cfg(feature = "desk")]
pub mod plans;
#[cfg(feature = "desk")]
pub mod registers;
pub mod report;
#[cfg(feature = "desk")]
pub mod risks;
pub mod rooms;
#[cfg(feature = "desk")]
pub mod rounds;
pub mod visit;
