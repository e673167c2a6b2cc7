//! The state machine checked exhaustively (every state × event × role) against a table written
//! independently of `Event::target` and `roles_for`, plus the person rules and property tests.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::error::DomainError;
use crate::ids::{Reason, stable_uuid};
use crate::org::{Actor, Role};

fn uid(n: &str) -> UserId {
    UserId::from_uuid(stable_uuid("user", n))
}
fn site() -> SiteId {
    SiteId::from_uuid(stable_uuid("site", "s1"))
}
fn dept() -> DepartmentId {
    DepartmentId::from_uuid(stable_uuid("dept", "d1"))
}
fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}
fn photo(n: u8) -> PhotoHash {
    PhotoHash::parse(&format!("{:064x}", n)).unwrap()
}
fn reason(s: &str) -> Reason {
    Reason::parse(s).unwrap()
}

pub(crate) fn actor(role: Role) -> Actor {
    Actor {
        user_id: uid(role.as_str()),
        role,
        extra_roles: vec![],
        department_id: Some(dept()),
        site_id: Some(site()),
    }
}

pub(crate) fn hazard_in(status: Status) -> Hazard {
    let report = HazardReport {
        id: HazardId::from_uuid(stable_uuid("hazard", "h1")),
        site_id: site(),
        room_id: None,
        department_id: Some(dept()),
        round_id: None,
        visit_id: None,
        category: Category::Electrical,
        item_code: Some("EL-02".into()),
        description: "插线板串接".into(),
        grade: Grade::General,
        basis: "GB 2099.7-2024".into(),
        found_on: day(1),
        deadline: None,
        photos_before: vec![photo(1)],
        fixed_on_spot: None,
    };
    let mut h = Hazard::from_report(
        report,
        uid("inspector"),
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    );
    h.status = status;
    if status.rank() >= Status::AwaitingRecheck.rank() {
        h.photos_after = vec![photo(2)];
        h.rectified_by = Some(uid("someone_who_fixed"));
    }
    h
}

fn registration(grade: Grade) -> Registration {
    Registration {
        grade,
        measures: reason("更换带过载保护的插线板"),
        department_id: dept(),
        owner_id: uid("rectification_owner"),
        deadline: day(20),
        interim_precautions: Some(reason("拔除串接插线板")),
        funds: crate::ids::Fen::parse(5000).unwrap(),
        plan_approved_by: Some(reason("中心主任")),
    }
}

fn all_events() -> Vec<Event> {
    vec![
        Event::Register(registration(Grade::General)),
        Event::StartRectification,
        Event::SubmitRectification {
            what_was_done: reason("已更换"),
            photos_after: vec![photo(3)],
        },
        Event::RecheckPass {
            note: None,
            photos: vec![],
        },
        Event::RecheckFail {
            reason: reason("仍有串接"),
        },
        Event::Void {
            reason: reason("误报"),
        },
        Event::Reopen {
            reason: reason("复发"),
        },
        Event::RequestExtension {
            new_deadline: day(28),
            reason: reason("等待采购"),
        },
        Event::ApproveExtension,
        Event::RefuseExtension {
            reason: reason("时限足够"),
        },
    ]
}

/// The loop as the plan describes it, written out by hand.
fn expected_target(event: &str, from: Status) -> Option<Status> {
    use Status::*;
    let table: &[(&str, Status, Status)] = &[
        ("register", Reported, Registered),
        ("start_rectification", Registered, Rectifying),
        ("submit_rectification", Rectifying, AwaitingRecheck),
        ("recheck_pass", AwaitingRecheck, Closed),
        ("recheck_fail", AwaitingRecheck, Rectifying),
        ("void", Reported, Voided),
        ("void", Registered, Voided),
        ("void", Rectifying, Voided),
        ("void", AwaitingRecheck, Voided),
        ("reopen", Closed, Rectifying),
        ("reopen", Voided, Reported),
        ("request_extension", Registered, Registered),
        ("request_extension", Rectifying, Rectifying),
        ("approve_extension", Registered, Registered),
        ("approve_extension", Rectifying, Rectifying),
        ("refuse_extension", Registered, Registered),
        ("refuse_extension", Rectifying, Rectifying),
    ];
    table
        .iter()
        .find(|(e, f, _)| *e == event && *f == from)
        .map(|(_, _, t)| *t)
}

fn expected_roles(event: &str) -> &'static [Role] {
    use Role::*;
    match event {
        "register" | "void" | "reopen" | "approve_extension" | "refuse_extension" => {
            &[SafetySupervisor, Admin]
        }
        "start_rectification" | "submit_rectification" | "request_extension" => {
            &[RectificationOwner, SafetySupervisor]
        }
        "recheck_pass" | "recheck_fail" => &[Verifier, SafetySupervisor],
        other => panic!("no roles written for {other}"),
    }
}

#[test]
fn every_state_event_role_combination() {
    let mut checked = 0;
    for from in Status::ALL {
        for event in all_events() {
            for role in Role::ALL {
                let mut h = hazard_in(from);
                if matches!(
                    event,
                    Event::ApproveExtension | Event::RefuseExtension { .. }
                ) {
                    h.extension = Some(ExtensionRequest {
                        new_deadline: day(25),
                        reason: reason("等待采购"),
                        requested_by: uid("rectification_owner"),
                    });
                }
                let got = decide(&h, &event, &actor(role), day(5));
                // With valid contents, what a screen offers is exactly what is accepted.
                assert_eq!(
                    offered(&h, event.kind(), &actor(role)),
                    got.is_ok(),
                    "offered: {from:?} × {} × {role:?}",
                    event.name()
                );
                let want = match expected_target(event.name(), from) {
                    None => Err("transition_not_allowed"),
                    Some(_) if !expected_roles(event.name()).contains(&role) => Err("forbidden"),
                    Some(to) => Ok(to),
                };
                assert_eq!(
                    got.as_ref().map_err(|e| e.code()).copied(),
                    want,
                    "{from:?} × {} × {role:?}",
                    event.name()
                );
                if let Ok(to) = got {
                    let mut h2 = h.clone();
                    assert_eq!(fire(&mut h2, &event, &actor(role), day(5)).unwrap(), to);
                    assert_eq!(h2.status, to);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 10 * 6);
}

#[test]
fn verifier_is_never_the_rectifier() {
    let mut h = hazard_in(Status::AwaitingRecheck);
    let v = actor(Role::Verifier);
    h.rectified_by = Some(v.user_id);
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &v, day(5)),
        Err(DomainError::VerifierIsRectifier)
    );
    let s = actor(Role::SafetySupervisor);
    h.rectified_by = Some(s.user_id);
    assert_eq!(
        decide(&h, &pass, &s, day(5)),
        Err(DomainError::VerifierIsRectifier)
    );
}

/// A station head who inspects, answers for the station's rectifications and re-checks: each
/// step is allowed by one of the roles, the owner's department scope still holds, and the
/// person who rectified a hazard never re-checks it.
#[test]
fn one_person_with_several_roles() {
    let head = Actor {
        user_id: uid("station_head"),
        extra_roles: vec![Role::RectificationOwner, Role::Verifier],
        ..actor(Role::Inspector)
    };
    let mut h = hazard_in(Status::Registered);
    assert_eq!(
        fire(&mut h, &Event::StartRectification, &head, day(5)),
        Ok(Status::Rectifying)
    );
    let submit = Event::SubmitRectification {
        what_was_done: reason("已更换插线板"),
        photos_after: vec![photo(7)],
    };
    assert_eq!(
        fire(&mut h, &submit, &head, day(6)),
        Ok(Status::AwaitingRecheck)
    );
    assert_eq!(h.rectified_by, Some(head.user_id));
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &head, day(7)),
        Err(DomainError::VerifierIsRectifier),
        "verifier ≠ rectifier, whatever roles one holds"
    );
    // Another's rectification they may re-check.
    h.rectified_by = Some(uid("someone_who_fixed"));
    assert_eq!(fire(&mut h, &pass, &head, day(7)), Ok(Status::Closed));
    // Another department's hazard: the owner role does not reach it.
    let mut elsewhere = hazard_in(Status::Registered);
    elsewhere.department_id = Some(DepartmentId::from_uuid(stable_uuid("dept", "d2")));
    assert_eq!(
        decide(&elsewhere, &Event::StartRectification, &head, day(5)),
        Err(DomainError::OutOfScope)
    );
    // Without the extra roles, the inspector may do none of it.
    let plain = actor(Role::Inspector);
    assert!(!offered(
        &hazard_in(Status::Registered),
        EventKind::StartRectification,
        &plain
    ));
    assert!(offered(
        &hazard_in(Status::Registered),
        EventKind::StartRectification,
        &head
    ));
    // The work list is the union of the roles' lists.
    let mine = hazard_in(Status::Registered);
    let plain_head = Actor {
        extra_roles: vec![],
        ..head.clone()
    };
    assert!(mine.on_work_list_of(&head) && !mine.on_work_list_of(&plain_head));
}

#[test]
fn fixed_on_spot_goes_to_recheck_and_needs_another_verifier() {
    let mut r = HazardReport {
        ..hazard_report_fixture()
    };
    r.fixed_on_spot = Some(FixedOnSpot {
        what_was_done: reason("当场拔除"),
        photos_after: vec![photo(9)],
    });
    let inspector = actor(Role::Verifier);
    let h = Hazard::from_report(
        r,
        inspector.user_id,
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    );
    assert_eq!(h.status, Status::AwaitingRecheck);
    assert!(h.fixed_on_spot);
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &inspector, day(1)),
        Err(DomainError::VerifierIsRectifier)
    );
    assert_eq!(
        decide(&h, &pass, &actor(Role::SafetySupervisor), day(1)),
        Ok(Status::Closed)
    );
}

fn hazard_report_fixture() -> HazardReport {
    HazardReport {
        id: HazardId::from_uuid(stable_uuid("hazard", "fx")),
        site_id: site(),
        room_id: None,
        department_id: Some(dept()),
        round_id: None,
        visit_id: None,
        category: Category::Electrical,
        item_code: None,
        description: "x".into(),
        grade: Grade::General,
        basis: "61号令".into(),
        found_on: day(1),
        deadline: None,
        photos_before: vec![photo(1)],
        fixed_on_spot: None,
    }
}

#[test]
fn major_hazard_rules() {
    let mut h = hazard_in(Status::AwaitingRecheck);
    h.grade = Grade::Major;
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &actor(Role::Verifier), day(5)),
        Err(DomainError::MajorNeedsSupervisor)
    );
    assert_eq!(
        decide(&h, &pass, &actor(Role::SafetySupervisor), day(5)),
        Ok(Status::Closed)
    );
    // A verifier may still fail it.
    assert!(
        decide(
            &h,
            &Event::RecheckFail {
                reason: reason("x")
            },
            &actor(Role::Verifier),
            day(5)
        )
        .is_ok()
    );

    let h = hazard_in(Status::Reported);
    let mut r = registration(Grade::Major);
    r.interim_precautions = None;
    let err = decide(
        &h,
        &Event::Register(r),
        &actor(Role::SafetySupervisor),
        day(5),
    )
    .unwrap_err();
    assert_eq!(err.code(), "missing_field");
    let mut r = registration(Grade::Major);
    r.plan_approved_by = None;
    assert!(
        decide(
            &h,
            &Event::Register(r),
            &actor(Role::SafetySupervisor),
            day(5)
        )
        .is_err()
    );
}

#[test]
fn closing_needs_after_photos() {
    let mut h = hazard_in(Status::AwaitingRecheck);
    h.photos_after.clear();
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &actor(Role::Verifier), day(5)),
        Err(DomainError::AfterPhotosRequired)
    );
    let h = hazard_in(Status::Rectifying);
    let submit = Event::SubmitRectification {
        what_was_done: reason("done"),
        photos_after: vec![],
    };
    assert_eq!(
        decide(&h, &submit, &actor(Role::RectificationOwner), day(5)),
        Err(DomainError::AfterPhotosRequired)
    );
}

#[test]
fn scope_rules_apply_to_events() {
    let h = hazard_in(Status::Registered);
    let mut other = actor(Role::RectificationOwner);
    other.department_id = Some(DepartmentId::from_uuid(stable_uuid("dept", "other")));
    assert_eq!(
        decide(&h, &Event::StartRectification, &other, day(5)),
        Err(DomainError::OutOfScope)
    );
    assert!(!offered(&h, EventKind::StartRectification, &other));
    assert!(offered(
        &h,
        EventKind::StartRectification,
        &actor(Role::RectificationOwner)
    ));
    // A major hazard is closed by a safety supervisor: a verifier is offered only the failure.
    let mut major = hazard_in(Status::AwaitingRecheck);
    major.grade = Grade::Major;
    assert!(!offered(
        &major,
        EventKind::RecheckPass,
        &actor(Role::Verifier)
    ));
    assert!(offered(
        &major,
        EventKind::RecheckFail,
        &actor(Role::Verifier)
    ));
    assert!(offered(
        &major,
        EventKind::RecheckPass,
        &actor(Role::SafetySupervisor)
    ));
    let mut far = actor(Role::Verifier);
    far.site_id = Some(SiteId::from_uuid(stable_uuid("site", "far")));
    far.department_id = None;
    let h = hazard_in(Status::AwaitingRecheck);
    let pass = Event::RecheckPass {
        note: None,
        photos: vec![],
    };
    assert_eq!(
        decide(&h, &pass, &far, day(5)),
        Err(DomainError::OutOfScope)
    );
}

#[test]
fn register_deadline_not_before_found() {
    let h = hazard_in(Status::Reported);
    let mut r = registration(Grade::General);
    r.deadline = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert_eq!(
        decide(&h, &Event::Register(r), &actor(Role::Admin), day(5)),
        Err(DomainError::DeadlineBeforeFound)
    );
}

#[test]
fn extension_flow_moves_the_deadline() {
    let mut h = hazard_in(Status::Registered);
    h.deadline = Some(day(10));
    let owner = actor(Role::RectificationOwner);
    let sup = actor(Role::SafetySupervisor);
    let req = Event::RequestExtension {
        new_deadline: day(25),
        reason: reason("等待采购"),
    };
    fire(&mut h, &req, &owner, day(5)).unwrap();
    assert_eq!(
        decide(&h, &req, &owner, day(5)),
        Err(DomainError::ExtensionPending)
    );
    fire(&mut h, &Event::ApproveExtension, &sup, day(6)).unwrap();
    assert_eq!(h.deadline, Some(day(25)));
    assert_eq!(h.extensions_granted, 1);
    assert_eq!(
        decide(&h, &Event::ApproveExtension, &sup, day(6)),
        Err(DomainError::NoExtensionPending)
    );
    let early = Event::RequestExtension {
        new_deadline: day(20),
        reason: reason("x"),
    };
    assert_eq!(
        decide(&h, &early, &owner, day(6)).unwrap_err().code(),
        "invalid"
    );
}

#[test]
fn overdue_is_computed_from_given_today() {
    let mut h = hazard_in(Status::Rectifying);
    h.deadline = Some(day(10));
    assert!(!h.is_overdue(day(10)));
    assert_eq!(h.days_overdue(day(13)), 3);
    h.status = Status::AwaitingRecheck;
    assert_eq!(
        h.days_overdue(day(13)),
        0,
        "rectified hazards are not chased"
    );
    h.status = Status::Closed;
    assert!(!h.is_overdue(day(30)));
}

#[test]
fn default_deadlines_by_grade() {
    assert_eq!(Grade::General.default_deadline(day(1)), day(16));
    assert_eq!(
        Grade::Major.default_deadline(day(1)),
        NaiveDate::from_ymd_opt(2027, 1, 30).unwrap()
    );
    assert!(Grade::Major.default_deadline(day(1)) > Grade::General.default_deadline(day(1)));
}

proptest! {
    /// Whatever sequence of events any role tries, the status only goes back through an
    /// explicit backwards event, and every accepted event leads where `target` says.
    #[test]
    fn status_moves_backwards_only_explicitly(steps in proptest::collection::vec((0usize..10, 0usize..6), 1..40)) {
        let mut h = hazard_in(Status::Reported);
        let events = all_events();
        for (e, r) in steps {
            let event = &events[e];
            let before = h.status;
            if let Ok(to) = fire(&mut h, event, &actor(Role::ALL[r]), day(5)) {
                prop_assert_eq!(Some(to), event.target(before));
                if to.rank() < before.rank() {
                    prop_assert!(event.goes_backwards(), "{:?} -> {:?} by {}", before, to, event.name());
                }
            } else {
                prop_assert_eq!(h.status, before);
            }
        }
    }
}

#[test]
fn work_lists_follow_the_role() {
    let reported = hazard_in(Status::Reported);
    let inspector = actor(Role::Inspector);
    assert!(reported.on_work_list_of(&inspector));
    let mut other_inspector = actor(Role::Inspector);
    other_inspector.user_id = uid("another_inspector");
    assert!(!reported.on_work_list_of(&other_inspector));

    // An owner: their department's hazards, and those naming them in another department.
    let owner = actor(Role::RectificationOwner);
    assert!(reported.on_work_list_of(&owner));
    let mut elsewhere = hazard_in(Status::Registered);
    elsewhere.department_id = Some(DepartmentId::from_uuid(stable_uuid("dept", "d2")));
    assert!(!elsewhere.on_work_list_of(&owner));
    elsewhere.owner_id = Some(owner.user_id);
    assert!(elsewhere.on_work_list_of(&owner));
    let mut no_department = hazard_in(Status::Registered);
    no_department.department_id = None;
    let mut owner_without = owner.clone();
    owner_without.department_id = None;
    assert!(
        !no_department.on_work_list_of(&owner_without),
        "no department is not a match"
    );

    // A verifier: what awaits re-check, and what they re-checked.
    let verifier = actor(Role::Verifier);
    assert!(hazard_in(Status::AwaitingRecheck).on_work_list_of(&verifier));
    assert!(!reported.on_work_list_of(&verifier));
    let mut failed = hazard_in(Status::Rectifying);
    failed.recheck = Some(Recheck {
        by: verifier.user_id,
        on: day(3),
        passed: false,
        note: Some("仍有串接".into()),
    });
    assert!(failed.on_work_list_of(&verifier));

    for role in [Role::SafetySupervisor, Role::Admin, Role::Leadership] {
        assert!(reported.on_work_list_of(&actor(role)));
    }
}

/// The owner rule of the work list is the one the lifecycle enforces: an owner is offered work
/// exactly on the hazards they may act on.
#[test]
fn an_owner_may_act_on_their_work_list_only() {
    let owner = actor(Role::RectificationOwner);
    for (department, named) in [(true, false), (false, true), (false, false), (true, true)] {
        let mut h = hazard_in(Status::Registered);
        if !department {
            h.department_id = Some(DepartmentId::from_uuid(stable_uuid("dept", "d2")));
        }
        if named {
            h.owner_id = Some(owner.user_id);
        }
        let start = decide(&h, &Event::StartRectification, &owner, day(2));
        assert_eq!(
            start.is_ok(),
            h.on_work_list_of(&owner),
            "{department} {named}"
        );
    }
}

#[test]
fn a_report_lists_each_photo_once() {
    let mut h = hazard_in(Status::Reported);
    let report = HazardReport {
        id: h.id,
        site_id: h.site_id,
        room_id: None,
        department_id: h.department_id,
        round_id: None,
        visit_id: None,
        category: h.category,
        item_code: None,
        description: h.description.clone(),
        grade: h.grade,
        basis: h.basis.clone(),
        found_on: day(1),
        deadline: None,
        photos_before: vec![photo(3), photo(1), photo(3), photo(2), photo(1)],
        fixed_on_spot: Some(FixedOnSpot {
            what_was_done: reason("已拔除串接插线板"),
            photos_after: vec![photo(4), photo(4)],
        }),
    };
    h = Hazard::from_report(
        report,
        uid("inspector"),
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    );
    assert_eq!(h.photos_before, vec![photo(3), photo(1), photo(2)]);
    assert_eq!(h.photos_after, vec![photo(4)]);
}

/// An owner edits the rectification fields of exactly the hazards they answer for (their
/// department's, or one naming them), never the description.
#[test]
fn an_owner_edits_what_they_answer_for() {
    let owner = actor(Role::RectificationOwner);
    let mut h = hazard_in(Status::Registered);
    assert!(h.editable_by(&owner, Field::Measures));
    assert!(!h.editable_by(&owner, Field::Description));
    h.department_id = Some(DepartmentId::from_uuid(stable_uuid("dept", "d2")));
    assert!(!h.editable_by(&owner, Field::Measures));
    h.owner_id = Some(owner.user_id);
    assert!(h.editable_by(&owner, Field::Measures));
    assert!(h.editable_by(&owner, Field::Funds));
}

#[test]
fn text_search_looks_in_every_searched_field_case_sensitively() {
    let mut h = hazard_in(Status::Registered);
    h.measures = Some("更换为独立插座".into());
    for found in ["串接", "独立插座", "EL-02", "2099.7", "GB"] {
        assert!(h.mentions(found), "{found}");
        // The stored search text finds whatever the rule finds.
        assert!(h.search_text().contains(found), "{found}");
    }
    for missing in ["el-02", "gb", "氧气", "串接更换"] {
        assert!(!h.mentions(missing), "{missing}");
    }
    // The phone and the ledger agree on every text, one that spans two fields included.
    let across = format!(
        "{} {}",
        h.description
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>(),
        h.measures
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(2)
            .collect::<String>()
    );
    for probe in ["串接", "GB", across.as_str(), "串接 更换", "无关"] {
        assert_eq!(
            h.mentions(probe),
            h.search_text().contains(probe),
            "{probe}"
        );
    }
    assert!(h.mentions(&across), "{across}");
}

/// An edit never empties a description nor stores an oversized text; other values pass.
#[test]
fn edited_values_are_checked() {
    use crate::ids::Reason;
    let long = "长".repeat(Reason::MAX_CHARS + 1);
    for bad in [
        FieldValue::Description("  ".into()),
        FieldValue::Description(long.clone()),
        FieldValue::Measures(Some(" ".into())),
        FieldValue::InterimPrecautions(Some(long.clone())),
        FieldValue::Remark(Some(long)),
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    assert!(matches!(
        FieldValue::Description(String::new()).validate(),
        Err(crate::DomainError::MissingField { .. })
    ));
    for good in [
        FieldValue::Description("插线板串接".into()),
        FieldValue::Measures(None),
        FieldValue::Remark(Some("已督办".into())),
        FieldValue::Deadline(None),
    ] {
        assert!(good.validate().is_ok(), "{good:?}");
    }
    assert_eq!(
        Field::ALL.len(),
        Field::ALL
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
}
