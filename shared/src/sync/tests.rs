//! Sync rules: wire round trips, `apply` decisions, the push protocol, and a property test in
//! which several devices work offline and their operations reach the server duplicated,
//! reordered, with gaps, lost responses and late photos.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::client::{acknowledge, local_view, newer, resend_batch};
use super::ledger::Ledger;
use super::*;
use crate::checklist::{Category, starter_templates};
use crate::hazard::{Event, Field, FieldValue, Grade, HazardReport, Registration, Status};
use crate::i18n::Text;
use crate::ids::*;
use crate::org::{Actor, Role, Room, RoomKind};

fn site() -> SiteId {
    SiteId::from_uuid(stable_uuid("site", "s1"))
}
fn dept() -> DepartmentId {
    DepartmentId::from_uuid(stable_uuid("dept", "d1"))
}
fn room() -> Room {
    Room {
        id: RoomId::from_uuid(stable_uuid("room", "r1")),
        site_id: site(),
        building_id: BuildingId::from_uuid(stable_uuid("b", "1")),
        floor: "1F".into(),
        name: Text::new("办公室", "Office"),
        kind: RoomKind::Office,
        key_location: false,
        department_id: dept(),
        qr_code: "r1".into(),
    }
}
fn actor(role: Role, n: &str) -> Actor {
    Actor {
        user_id: UserId::from_uuid(stable_uuid("user", n)),
        role,
        extra_roles: vec![],
        department_id: Some(dept()),
        site_id: Some(site()),
    }
}
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
}
fn today() -> NaiveDate {
    t0().date_naive()
}
fn photo(n: u64) -> PhotoHash {
    PhotoHash::parse(&format!("{n:064x}")).unwrap()
}
fn reason(s: &str) -> Reason {
    Reason::parse(s).unwrap()
}
fn ledger() -> Ledger {
    let mut l = Ledger::default();
    l.rooms.insert(room().id, room());
    for t in starter_templates() {
        l.templates.insert(t.id, t);
    }
    l
}
fn report(id: HazardId, photos: Vec<PhotoHash>, grade: Grade) -> HazardReport {
    HazardReport {
        id,
        site_id: site(),
        room_id: Some(room().id),
        department_id: Some(dept()),
        round_id: None,
        visit_id: None,
        category: Category::Electrical,
        item_code: Some("EL-02".into()),
        description: "插线板串接".into(),
        grade,
        basis: "GB 2099.7-2024".into(),
        found_on: today(),
        deadline: None,
        photos_before: photos,
        fixed_on_spot: None,
    }
}

/// A device: its copy of the server state, its outbox and its sent journal.
struct Device {
    actor: Actor,
    id: DeviceId,
    next_seq: u64,
    base: BTreeMap<Uuid, Entity>,
    outbox: Vec<Operation>,
    sent: Vec<Operation>,
    cursor: u64,
    unsent_photos: BTreeSet<PhotoHash>,
    clock_skew_days: i64,
    resend_from: Option<u64>,
    created: Vec<OpId>,
}

impl Device {
    fn new(actor: Actor, n: u64, skew: i64) -> Device {
        Device {
            actor,
            id: DeviceId::from_uuid(stable_uuid("device", &n.to_string())),
            next_seq: 1,
            base: BTreeMap::new(),
            outbox: vec![],
            sent: vec![],
            cursor: 0,
            unsent_photos: BTreeSet::new(),
            clock_skew_days: skew,
            resend_from: None,
            created: vec![],
        }
    }
    fn view(&self, world: &Ledger) -> BTreeMap<Uuid, Entity> {
        let ctx = apply::Ctx {
            actor: &self.actor,
            now: t0(),
            today: today(),
            world,
        };
        local_view(&self.base, &self.outbox, &ctx)
    }
    fn record(&mut self, entity_id: Uuid, body: OpBody, world: &Ledger) -> Operation {
        let base_version = self
            .view(world)
            .get(&entity_id)
            .map(|e| e.version())
            .unwrap_or(0);
        let op = Operation {
            op_id: OpId::from_uuid(stable_uuid("op", &format!("{}-{}", self.id, self.next_seq))),
            device_id: self.id,
            device_seq: self.next_seq,
            schema_version: SCHEMA_VERSION,
            entity_id,
            base_version,
            body,
            recorded_at: t0()
                + Duration::days(self.clock_skew_days)
                + Duration::seconds(self.next_seq as i64),
        };
        self.next_seq += 1;
        self.outbox.push(op.clone());
        self.created.push(op.op_id);
        op
    }
    fn batch(&self) -> Vec<Operation> {
        match self.resend_from {
            Some(from) => resend_batch(&self.sent, &self.outbox, from, MAX_PUSH_OPS),
            None => self.outbox.clone(),
        }
    }
    fn handle(&mut self, resp: &PushResponse) {
        let ack = acknowledge(resp);
        let done: BTreeSet<OpId> = ack.done.iter().copied().collect();
        let (gone, keep): (Vec<_>, Vec<_>) =
            self.outbox.drain(..).partition(|o| done.contains(&o.op_id));
        self.outbox = keep;
        self.sent.extend(gone);
        for e in ack.entities {
            if newer(self.base.get(&e.id()), &e) {
                self.base.insert(e.id(), e);
            }
        }
        self.resend_from = ack.resend_from;
    }
    fn pull_all(&mut self, server: &Ledger) {
        loop {
            let page = server.pull(self.cursor, 7, &self.actor);
            for c in page.changes {
                self.base.insert(c.entity.id(), c.entity);
            }
            self.cursor = page.cursor;
            if !page.more {
                break;
            }
        }
    }
}

#[test]
fn every_wire_type_round_trips() {
    let a = actor(Role::Inspector, "i");
    let mut l = ledger();
    l.photos.insert(photo(1));
    let mut d = Device::new(a.clone(), 1, 0);
    let hid = HazardId::from_uuid(stable_uuid("h", "1"));
    d.record(
        hid.0,
        OpBody::ReportHazard(report(hid, vec![photo(1)], Grade::General)),
        &l,
    );
    d.record(
        hid.0,
        OpBody::Transition {
            from: Status::Reported,
            event: Event::Void {
                reason: reason("误报"),
            },
        },
        &l,
    );
    d.record(
        hid.0,
        OpBody::EditHazard {
            changes: vec![
                FieldValue::Deadline(Some(today())),
                FieldValue::Funds(Fen::parse(100).unwrap()),
            ],
        },
        &l,
    );
    let req = PushRequest {
        device_id: d.id,
        ops: d.outbox.clone(),
    };
    let json = serde_json::to_string(&req).unwrap();
    assert!(json.contains("\"kind\":\"report_hazard\""), "{json}");
    assert_eq!(serde_json::from_str::<PushRequest>(&json).unwrap(), req);
    let resp = l.push(&req, &a, t0(), today());
    let json = serde_json::to_string(&resp).unwrap();
    assert_eq!(serde_json::from_str::<PushResponse>(&json).unwrap(), resp);
    let pull = l.pull(0, 10, &a);
    assert_eq!(
        serde_json::from_str::<PullResponse>(&serde_json::to_string(&pull).unwrap()).unwrap(),
        pull
    );
    for entry in &l.audit {
        assert_eq!(
            serde_json::from_str::<AuditEntry>(&serde_json::to_string(entry).unwrap()).unwrap(),
            *entry
        );
    }
    let unknown = json.replace("\"applied\"", "\"exploded\"");
    assert!(serde_json::from_str::<PushResponse>(&unknown).is_err());
}

#[test]
fn repeated_push_applies_once_and_gap_asks_for_resend() {
    let a = actor(Role::Inspector, "i");
    let mut l = ledger();
    l.photos.insert(photo(1));
    let mut d = Device::new(a.clone(), 1, 0);
    for n in 0..3 {
        let hid = HazardId::from_uuid(stable_uuid("h", &n.to_string()));
        d.record(
            hid.0,
            OpBody::ReportHazard(report(hid, vec![photo(1)], Grade::General)),
            &l,
        );
    }
    let gap = PushRequest {
        device_id: d.id,
        ops: d.outbox[1..].to_vec(),
    };
    let r = l.push(&gap, &a, t0(), today());
    assert_eq!(r.resend_from, Some(1));
    assert!(r.results.is_empty());
    let full = PushRequest {
        device_id: d.id,
        ops: d.outbox.clone(),
    };
    let r1 = l.push(&full, &a, t0(), today());
    assert!(r1.results.iter().all(|r| r.outcome == Outcome::Applied));
    let r2 = l.push(&full, &a, t0(), today());
    assert_eq!(
        r2.results.iter().map(|r| &r.outcome).collect::<Vec<_>>(),
        r1.results.iter().map(|r| &r.outcome).collect::<Vec<_>>()
    );
    assert_eq!(l.audit.len(), 3);
    assert_eq!(l.change_seq, 3);
}

/// 重大 is the safety office's call: a field report cannot make a hazard major, a supervisor's
/// can (GB 35181).
#[test]
fn only_a_supervisor_reports_a_major_hazard() {
    let mut l = ledger();
    for (n, (role, ok)) in [
        (Role::Inspector, false),
        (Role::Verifier, false),
        (Role::SafetySupervisor, true),
    ]
    .into_iter()
    .enumerate()
    {
        let a = actor(role, &format!("{role:?}"));
        let mut d = Device::new(a.clone(), n as u64 + 1, 0);
        let hid = HazardId::from_uuid(stable_uuid("h", &format!("major-{role:?}")));
        d.record(
            hid.0,
            OpBody::ReportHazard(report(hid, vec![], Grade::Major)),
            &l,
        );
        let req = PushRequest {
            device_id: d.id,
            ops: d.outbox.clone(),
        };
        let r = l.push(&req, &a, t0(), today());
        match (&r.results[0].outcome, ok) {
            (Outcome::Applied, true) => {}
            (Outcome::Rejected { error }, false) => {
                assert_eq!(error.code, "major_is_supervisors_call");
                assert!(error.message_zh.contains("GB 35181"));
            }
            (other, _) => panic!("{role:?}: {other:?}"),
        }
    }
}

#[test]
fn missing_photo_holds_the_operation() {
    let a = actor(Role::Inspector, "i");
    let mut l = ledger();
    let mut d = Device::new(a.clone(), 1, 0);
    let hid = HazardId::from_uuid(stable_uuid("h", "p"));
    d.record(
        hid.0,
        OpBody::ReportHazard(report(hid, vec![photo(7)], Grade::General)),
        &l,
    );
    let req = PushRequest {
        device_id: d.id,
        ops: d.outbox.clone(),
    };
    let r = l.push(&req, &a, t0(), today());
    assert_eq!(
        r.results[0].outcome,
        Outcome::Pending {
            missing: vec![photo(7)]
        }
    );
    assert_eq!(r.resend_from, Some(1));
    assert!(l.entities.is_empty(), "nothing half-applied");
    l.photos.insert(photo(7));
    let r = l.push(&req, &a, t0(), today());
    assert_eq!(r.results[0].outcome, Outcome::Applied);
}

#[test]
fn stale_transitions_and_field_conflicts() {
    let insp = actor(Role::Inspector, "i");
    let sup = actor(Role::SafetySupervisor, "s");
    let owner = actor(Role::RectificationOwner, "o");
    let mut l = ledger();
    l.photos.insert(photo(1));
    let mut di = Device::new(insp.clone(), 1, 0);
    let mut ds = Device::new(sup.clone(), 2, 0);
    let mut dsb = Device::new(sup.clone(), 3, 0); // the same supervisor in a second tab
    let mut dow = Device::new(owner.clone(), 4, -3);
    let hid = HazardId::from_uuid(stable_uuid("h", "c"));
    di.record(
        hid.0,
        OpBody::ReportHazard(report(hid, vec![photo(1)], Grade::General)),
        &l,
    );
    let r = l.push(
        &PushRequest {
            device_id: di.id,
            ops: di.outbox.clone(),
        },
        &insp,
        t0(),
        today(),
    );
    di.handle(&r);
    for d in [&mut ds, &mut dsb, &mut dow] {
        d.pull_all(&l);
    }
    let reg = Registration {
        grade: Grade::General,
        measures: reason("更换插线板"),
        department_id: dept(),
        owner_id: owner.user_id,
        deadline: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        interim_precautions: None,
        funds: Fen::zero(),
        plan_approved_by: None,
    };
    // Two tabs register at once: the second is a no-op, not a second registration.
    ds.record(
        hid.0,
        OpBody::Transition {
            from: Status::Reported,
            event: Event::Register(reg.clone()),
        },
        &l,
    );
    dsb.record(
        hid.0,
        OpBody::Transition {
            from: Status::Reported,
            event: Event::Register(reg),
        },
        &l,
    );
    let r = l.push(
        &PushRequest {
            device_id: ds.id,
            ops: ds.outbox.clone(),
        },
        &sup,
        t0(),
        today(),
    );
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    ds.handle(&r);
    let r = l.push(
        &PushRequest {
            device_id: dsb.id,
            ops: dsb.outbox.clone(),
        },
        &sup,
        t0(),
        today(),
    );
    assert_eq!(r.results[0].outcome, Outcome::AlreadyApplied);
    // A void based on the old state is rejected with a readable reason.
    dsb.record(
        hid.0,
        OpBody::Transition {
            from: Status::Reported,
            event: Event::Void {
                reason: reason("x"),
            },
        },
        &l,
    );
    let r = l.push(
        &PushRequest {
            device_id: dsb.id,
            ops: dsb.outbox.clone(),
        },
        &sup,
        t0(),
        today(),
    );
    let Outcome::Rejected { error } = &r.results[1].outcome else {
        panic!("{:?}", r.results)
    };
    assert_eq!(error.code, "stale_transition");
    assert!(error.message_zh.contains("已登记"));
    // Supervisor and owner race on the measures field.
    dow.pull_all(&l);
    ds.pull_all(&l);
    ds.record(
        hid.0,
        OpBody::EditHazard {
            changes: vec![FieldValue::Measures(Some(
                "更换为带过载保护的插线板".into(),
            ))],
        },
        &l,
    );
    dow.record(
        hid.0,
        OpBody::EditHazard {
            changes: vec![FieldValue::Measures(Some("拆除插线板，增设墙插".into()))],
        },
        &l,
    );
    let r = l.push(
        &PushRequest {
            device_id: ds.id,
            ops: ds.outbox.clone(),
        },
        &sup,
        t0(),
        today(),
    );
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = l.push(
        &PushRequest {
            device_id: dow.id,
            ops: dow.outbox.clone(),
        },
        &owner,
        t0(),
        today(),
    );
    assert_eq!(
        r.results[0].outcome,
        Outcome::Conflict {
            fields: vec![Field::Measures]
        }
    );
    let Some(Entity::Hazard(h)) = r.results[0].entity.clone() else {
        panic!()
    };
    assert_eq!(
        h.measures.as_deref(),
        Some("更换为带过载保护的插线板"),
        "the server value stays"
    );
    assert_eq!(h.conflicts.len(), 1);
    assert!(h.has_conflict());
    // The owner's phone tells them, in plain words.
    let ack = acknowledge(&r);
    assert_eq!(ack.done.len(), 1, "applied: it leaves the outbox");
    let notice = &ack.conflicts[0].1;
    assert_eq!(ack.conflicts[0].0, r.results[0].op_id);
    assert!(
        notice.message_zh.contains("“整改措施”") && notice.message_zh.contains("安全管理员决定"),
        "{notice:?}"
    );
    assert!(notice.message_en.contains("Measures"), "{notice:?}");
    assert!(
        super::client::conflict_notice(&[])
            .message_zh
            .contains("覆盖")
    );
    // The supervisor takes the losing value.
    ds.pull_all(&l);
    ds.record(
        hid.0,
        OpBody::ResolveConflict {
            field: Field::Measures,
            take_losing: true,
        },
        &l,
    );
    let r = l.push(
        &PushRequest {
            device_id: ds.id,
            ops: ds.outbox.clone(),
        },
        &sup,
        t0(),
        today(),
    );
    let Some(Entity::Hazard(h)) = r.results.last().unwrap().entity.clone() else {
        panic!()
    };
    assert_eq!(h.measures.as_deref(), Some("拆除插线板，增设墙插"));
    assert!(!h.has_conflict());
}

#[test]
fn schema_versions() {
    let a = actor(Role::Inspector, "i");
    let mut l = ledger();
    l.photos.insert(photo(1));
    let mut d = Device::new(a.clone(), 1, 0);
    let hid = HazardId::from_uuid(stable_uuid("h", "s"));
    let mut op = d.record(
        hid.0,
        OpBody::ReportHazard(report(hid, vec![photo(1)], Grade::General)),
        &l,
    );
    op.schema_version = SCHEMA_VERSION + 1;
    let r = l.push(
        &PushRequest {
            device_id: d.id,
            ops: vec![op],
        },
        &a,
        t0(),
        today(),
    );
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!()
    };
    assert_eq!(error.code, "schema_too_new");
}

#[test]
fn pull_is_scoped() {
    let mut l = ledger();
    l.photos.insert(photo(1));
    let a = actor(Role::Inspector, "i");
    let mut d = Device::new(a.clone(), 1, 0);
    let hid = HazardId::from_uuid(stable_uuid("h", "x"));
    d.record(
        hid.0,
        OpBody::ReportHazard(report(hid, vec![photo(1)], Grade::General)),
        &l,
    );
    l.push(
        &PushRequest {
            device_id: d.id,
            ops: d.outbox.clone(),
        },
        &a,
        t0(),
        today(),
    );
    let far = Actor {
        site_id: Some(SiteId::from_uuid(stable_uuid("site", "far"))),
        department_id: None,
        ..actor(Role::Inspector, "f")
    };
    assert_eq!(l.pull(0, 10, &a).changes.len(), 1);
    let p = l.pull(0, 10, &far);
    assert!(p.changes.is_empty());
    assert_eq!(
        p.cursor, 1,
        "the cursor still moves past what the user may not see"
    );
}

/// What a device may try in one step.
#[derive(Clone, Debug)]
enum Step {
    Act {
        device: usize,
        choice: u8,
        pick: usize,
    },
    Push {
        device: usize,
        mode: u8,
    },
    Pull {
        device: usize,
    },
    UploadPhotos {
        device: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..5, any::<u8>(), any::<usize>()).prop_map(|(device, choice, pick)| Step::Act { device, choice, pick }),
        3 => (0usize..5, 0u8..6).prop_map(|(device, mode)| Step::Push { device, mode }),
        2 => (0usize..5).prop_map(|device| Step::Pull { device }),
        1 => (0usize..5).prop_map(|device| Step::UploadPhotos { device }),
    ]
}

fn act(d: &mut Device, l: &Ledger, choice: u8, pick: usize, photo_counter: &mut u64) {
    let view = d.view(l);
    let hazards: Vec<&crate::hazard::Hazard> =
        view.values().filter_map(Entity::as_hazard).collect();
    let target = if hazards.is_empty() {
        None
    } else {
        Some(hazards[pick % hazards.len()].clone())
    };
    let mut new_photo = |d: &mut Device| {
        *photo_counter += 1;
        let p = photo(*photo_counter);
        d.unsent_photos.insert(p.clone());
        p
    };
    match (d.actor.role, target) {
        (Role::Inspector, t) if choice.is_multiple_of(3) || t.is_none() => {
            let id =
                HazardId::from_uuid(stable_uuid("hazard", &format!("{}-{}", d.id, d.next_seq)));
            let p = new_photo(d);
            d.record(
                id.0,
                OpBody::ReportHazard(report(id, vec![p], Grade::General)),
                l,
            );
        }
        (_, None) => {}
        (Role::Inspector, Some(h)) => {
            d.record(
                h.id.0,
                OpBody::Comment {
                    text: format!("补充说明 {choice}"),
                },
                l,
            );
        }
        (Role::SafetySupervisor, Some(h)) => {
            let body = match (h.status, choice % 5) {
                (_, 0) => OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some(format!("措施 {choice}")))],
                },
                (_, 1) if h.has_conflict() => OpBody::ResolveConflict {
                    field: h.conflicts[0].field,
                    take_losing: choice.is_multiple_of(2),
                },
                (Status::Reported, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::Register(Registration {
                        // The supervisor judges some hazards major when registering them.
                        grade: if choice.is_multiple_of(7) {
                            Grade::Major
                        } else {
                            h.grade
                        },
                        measures: reason("整改"),
                        department_id: dept(),
                        owner_id: actor(Role::RectificationOwner, "owner").user_id,
                        deadline: today() + Duration::days(10),
                        interim_precautions: Some(reason("临时措施")),
                        funds: Fen::parse(i64::from(choice) * 100).unwrap(),
                        plan_approved_by: Some(reason("主任")),
                    }),
                },
                (Status::Closed | Status::Voided, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::Reopen {
                        reason: reason("复查发现反复"),
                    },
                },
                (Status::AwaitingRecheck, 2) => OpBody::Transition {
                    from: h.status,
                    event: Event::RecheckPass {
                        note: None,
                        photos: vec![],
                    },
                },
                (_, 3) => OpBody::Transition {
                    from: h.status,
                    event: Event::Void {
                        reason: reason("重复上报"),
                    },
                },
                (s, _) => OpBody::Transition {
                    from: s,
                    event: Event::ApproveExtension,
                },
            };
            d.record(h.id.0, body, l);
        }
        (Role::RectificationOwner, Some(h)) => {
            let body = match (h.status, choice % 4) {
                (_, 0) => OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some(format!("责任人措施 {choice}")))],
                },
                (Status::Registered, 1) => OpBody::Transition {
                    from: h.status,
                    event: Event::RequestExtension {
                        new_deadline: today() + Duration::days(40),
                        reason: reason("等待采购"),
                    },
                },
                (Status::Registered, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::StartRectification,
                },
                (s, _) => {
                    let p = new_photo(d);
                    OpBody::Transition {
                        from: s,
                        event: Event::SubmitRectification {
                            what_was_done: reason("已整改"),
                            photos_after: vec![p],
                        },
                    }
                }
            };
            d.record(h.id.0, body, l);
        }
        (Role::Verifier, Some(h)) => {
            let event = if choice.is_multiple_of(3) {
                Event::RecheckFail {
                    reason: reason("仍不合格"),
                }
            } else {
                Event::RecheckPass {
                    note: Some("合格".into()),
                    photos: vec![],
                }
            };
            d.record(
                h.id.0,
                OpBody::Transition {
                    from: h.status,
                    event,
                },
                l,
            );
        }
        _ => {}
    }
}

fn push(d: &mut Device, l: &mut Ledger, mode: u8, rng: &mut u64) {
    let mut ops = d.batch();
    if ops.is_empty() {
        return;
    }
    // Modes: 0 normal, 1 duplicated, 2 reordered, 3 first op lost (gap), 4 response lost,
    // 5 committed but the connection cut before the response.
    match mode {
        1 => ops.extend(ops.clone()),
        2 => {
            for i in (1..ops.len()).rev() {
                *rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ops.swap(i, (*rng >> 33) as usize % (i + 1));
            }
        }
        3 if ops.len() > 1 => {
            ops.remove(0);
        }
        _ => {}
    }
    let req = PushRequest {
        device_id: d.id,
        ops,
    };
    // Every batch and answer the run produces also goes through the wire decoders, keys in any order.
    crate::wire::assert_reads_back(&req);
    let resp = l.push(&req, &d.actor.clone(), t0(), today());
    crate::wire::assert_reads_back(&resp);
    if mode < 4 {
        d.handle(&resp);
    }
}

fn upload(d: &mut Device, l: &mut Ledger) {
    l.photos.extend(std::mem::take(&mut d.unsent_photos));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn devices_converge_and_nothing_is_lost_or_doubled(steps in proptest::collection::vec(step(), 1..120), seed in any::<u64>()) {
        let mut l = ledger();
        let mut rng = seed | 1;
        let mut devices = vec![
            Device::new(actor(Role::Inspector, "insp1"), 0, 0),
            Device::new(actor(Role::Inspector, "insp2"), 1, 3),
            Device::new(actor(Role::RectificationOwner, "owner"), 2, -2),
            Device::new(actor(Role::Verifier, "verifier"), 3, 5),
            Device::new(actor(Role::SafetySupervisor, "sup"), 4, 0),
        ];
        let mut photo_counter = 0u64;
        for s in steps {
            match s {
                Step::Act { device, choice, pick } => act(&mut devices[device], &l, choice, pick, &mut photo_counter),
                Step::Push { device, mode } => push(&mut devices[device], &mut l, mode, &mut rng),
                Step::Pull { device } => devices[device].pull_all(&l),
                Step::UploadPhotos { device } => upload(&mut devices[device], &mut l),
            }
        }
        // Everyone comes back online: upload, push until the outbox is empty, pull.
        for d in devices.iter_mut() {
            upload(d, &mut l);
            for _ in 0..10 {
                if d.outbox.is_empty() { break; }
                push(d, &mut l, 0, &mut rng);
            }
            prop_assert!(d.outbox.is_empty(), "outbox not drained: {:?}", d.outbox.len());
        }
        for d in devices.iter_mut() {
            d.pull_all(&l);
        }
        // No operation lost: every one a device made has an outcome on the server.
        for d in &devices {
            for op in &d.created {
                prop_assert!(l.outcomes.contains_key(op), "lost op {op}");
            }
        }
        // None applied twice.
        let mut seen = BTreeSet::new();
        for a in &l.audit {
            prop_assert!(seen.insert(a.op_id), "op {} applied twice", a.op_id);
        }
        // Every replica converges with the server.
        let server: BTreeMap<Uuid, Entity> = l.entities.iter().map(|(k, (_, e))| (*k, e.clone())).collect();
        for d in &devices {
            prop_assert_eq!(&d.base, &server);
            prop_assert_eq!(&d.view(&l), &server);
        }
        // Status moves backwards only through an explicit event, and each step starts where the last ended.
        let mut last: BTreeMap<Uuid, Status> = BTreeMap::new();
        for a in &l.audit {
            if let Some(to) = a.to {
                if let Some(prev) = last.get(&a.entity_id) {
                    prop_assert_eq!(a.from, Some(*prev));
                    if to.rank() < prev.rank() {
                        prop_assert!(a.action == "reopen" || a.action == "recheck_fail", "backwards by {}", a.action);
                    }
                }
                last.insert(a.entity_id, to);
            }
        }
        for (id, status) in last {
            let Some((_, Entity::Hazard(h))) = l.entities.get(&id) else { panic!("hazard missing") };
            prop_assert_eq!(h.status, status);
        }
    }
}

/// Pull scoping: a field user sees their own site's records and, as a rectification owner, what
/// their department answers for elsewhere; center-wide roles see everything; records without a
/// scope only they see. (`visible_to`, the same rule on a decoded entity: `pull_is_scoped`.)
#[test]
fn scope_visibility() {
    let other_site = Some(SiteId::from_uuid(stable_uuid("site", "s2")));
    let other_dept = Some(DepartmentId::from_uuid(stable_uuid("dept", "d2")));
    let inspector = actor(Role::Inspector, "i");
    let supervisor = actor(Role::SafetySupervisor, "s");
    assert!(scope_visible_to(Some(site()), None, &inspector));
    assert!(scope_visible_to(other_site, Some(dept()), &inspector));
    assert!(!scope_visible_to(other_site, other_dept, &inspector));
    assert!(!scope_visible_to(None, None, &inspector));
    for (s, d) in [(other_site, other_dept), (None, None)] {
        assert!(scope_visible_to(s, d, &supervisor));
    }
}

/// A device numbers its operations 1, 2, 3… without gaps, each naming the device and the
/// schema; the server's batch check accepts them in that order.
#[test]
fn a_device_numbers_its_operations_without_gaps() {
    let device = DeviceId::from_uuid(stable_uuid("device", "numbering"));
    let mut numbering = super::client::DeviceOps::new(device);
    let ops: Vec<Operation> = (0..3u8)
        .map(|i| {
            numbering.next(
                OpId::from_uuid(stable_uuid("op", &i.to_string())),
                stable_uuid("round", "r"),
                u64::from(i),
                OpBody::Comment {
                    text: "先断电".into(),
                },
                t0(),
            )
        })
        .collect();
    assert_eq!(
        ops.iter().map(|o| o.device_seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        ops.iter()
            .all(|o| o.device_id == device && o.schema_version == SCHEMA_VERSION)
    );
    assert_eq!(ops[2].base_version, 2);
    assert_eq!(numbering.next_seq, 4);
}
