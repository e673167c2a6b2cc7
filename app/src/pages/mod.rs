//! One page per file.

pub mod admin;
pub mod dashboard;
pub mod hazards;
pub mod ledger;
pub mod lists;
pub mod login;
pub mod registers;
pub mod rooms;
pub mod visit;
