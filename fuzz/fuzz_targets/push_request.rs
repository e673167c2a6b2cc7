//! Any bytes as a push body: decoding never panics; what decodes re-encodes to the same value;
//! applying it to the reference server (the protocol exactly as the real server runs it) never
//! panics, and pushing the same request again applies nothing twice.
#![no_main]

use chrono::{NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use saferounds_shared::checklist::starter_templates;
use saferounds_shared::ids::{SiteId, UserId};
use saferounds_shared::org::{Actor, Role};
use saferounds_shared::sync::ledger::Ledger;
use saferounds_shared::sync::{Outcome, PushRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    let again: PushRequest =
        serde_json::from_str(&serde_json::to_string(&req).expect("encodes")).expect("decodes");
    assert_eq!(again, req, "round trip");

    let mut ledger = Ledger::default();
    for t in starter_templates() {
        ledger.templates.insert(t.id, t);
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    for role in [Role::SafetySupervisor, Role::Inspector] {
        let actor = Actor {
            user_id: UserId::nil(),
            role,
            department_id: None,
            site_id: Some(SiteId::nil()),
        };
        let first = ledger.push(&req, &actor, now, today);
        let audit = ledger.audit.len();
        let second = ledger.push(&req, &actor, now, today);
        assert_eq!(ledger.audit.len(), audit, "a repeated push applies nothing");
        for r in &second.results {
            assert!(
                !matches!(r.outcome, Outcome::Applied)
                    || first.results.iter().any(|f| f.op_id == r.op_id),
                "an operation applied only on the repeat"
            );
        }
    }
});
