//! Any bytes as a REST body of every kind the server accepts: decoding and validation never
//! panic, and the free-text and identifier parsers never panic either.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use saferounds_shared::campaign::Campaign;
use saferounds_shared::equipment::Equipment;
use saferounds_shared::ids::{PhotoHash, Reason, SiteId};
use saferounds_shared::lists::{HazardFilter, Measure};
use saferounds_shared::org::{Room, User};
use saferounds_shared::registers::{Register, validate_items};
use saferounds_shared::training::{Drill, StaffMember, TrainingClass};

fn check<T: Register>(data: &[u8], today: NaiveDate) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let _ = v.validate(today);
    }
}

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    check::<StaffMember>(data, today);
    check::<TrainingClass>(data, today);
    check::<Drill>(data, today);
    check::<Equipment>(data, today);
    if let Ok(r) = serde_json::from_slice::<Room>(data) {
        let _ = r.validate();
    }
    if let Ok(u) = serde_json::from_slice::<User>(data) {
        let _ = u.validate();
    }
    if let Ok(c) = serde_json::from_slice::<Campaign>(data) {
        let _ = c.validate();
    }
    if let Ok(m) = serde_json::from_slice::<Measure>(data) {
        let _ = m.validate();
    }
    if let Ok(items) = serde_json::from_slice::<Vec<saferounds_shared::checklist::ChecklistItem>>(data) {
        let _ = validate_items(&items);
    }
    let _ = serde_json::from_slice::<HazardFilter>(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = PhotoHash::parse(s);
        let _ = Reason::parse(s);
        let _ = SiteId::parse(s);
    }
});
