//! Sync under faults, over real HTTP: simulated phones and a supervisor work offline and sync
//! through duplicated, reordered and gapped batches, lost responses, connections cut before the
//! request, late photos, clocks days apart, two tabs of one device pushing at once and server
//! restarts mid-run, on seeded schedules.
//! After each schedule: no operation lost, none applied twice, every phone converges with the
//! server, and status moves backwards only through an explicit event.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use saferounds_shared::api::{Bootstrap, HazardDetail};
use saferounds_shared::hazard::{
    Event, FieldValue, Grade, Hazard, HazardReport, Registration, Status,
};
use saferounds_shared::ids::{Fen, OpId, Reason};
use saferounds_shared::org::{Actor, Role};
use saferounds_shared::sync::apply::Ctx;
use saferounds_shared::sync::client::{acknowledge, local_view, newer, resend_batch};
use saferounds_shared::sync::{Entity, OpBody, Operation, Outcome, PullResponse, PushResponse};
use uuid::Uuid;

use crate::helpers::*;

/// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Phone {
    s: Session,
    boot: Bootstrap,
    skew_days: i64,
    base: BTreeMap<Uuid, Entity>,
    outbox: Vec<Operation>,
    sent: Vec<Operation>,
    cursor: u64,
    resend_from: Option<u64>,
    photos: Vec<Vec<u8>>,
    outcomes: BTreeMap<OpId, Outcome>,
    created: Vec<OpId>,
}

impl Phone {
    async fn new(app: &TestApp, user: &str, skew_days: i64) -> Phone {
        let s = app.login(user).await;
        let boot: Bootstrap = app.get_json(&s, "/api/v1/bootstrap").await;
        Phone {
            s,
            boot,
            skew_days,
            base: BTreeMap::new(),
            outbox: vec![],
            sent: vec![],
            cursor: 0,
            resend_from: None,
            photos: vec![],
            outcomes: BTreeMap::new(),
            created: vec![],
        }
    }
    fn actor(&self) -> Actor {
        Actor::from(&self.s.user)
    }
    fn view(&self) -> BTreeMap<Uuid, Entity> {
        let actor = self.actor();
        let now = chrono::Utc::now();
        let ctx = Ctx {
            actor: &actor,
            now,
            today: self.boot.today,
            world: &self.boot,
        };
        local_view(&self.base, &self.outbox, &ctx)
    }
    fn hazards(&self) -> Vec<Hazard> {
        self.view()
            .into_values()
            .filter_map(Entity::into_hazard)
            .collect()
    }
    fn record(&mut self, entity: Uuid, body: OpBody) {
        let base_version = self.view().get(&entity).map(|e| e.version()).unwrap_or(0);
        let mut op = self.s.op(entity, base_version, body);
        op.recorded_at += Duration::days(self.skew_days);
        self.created.push(op.op_id);
        self.outbox.push(op);
    }
    async fn upload_photos(&mut self, app: &TestApp) {
        for p in std::mem::take(&mut self.photos) {
            let (st, _) = app.upload(&self.s, &p).await;
            assert!(st.is_success());
        }
    }
    fn batch(&self) -> Vec<Operation> {
        match self.resend_from {
            Some(from) => resend_batch(&self.sent, &self.outbox, from, 500),
            None => self.outbox.clone(),
        }
    }
    fn handle(&mut self, resp: &PushResponse) {
        let ack = acknowledge(resp);
        for r in &resp.results {
            if r.outcome.is_final() {
                self.outcomes.insert(r.op_id, r.outcome.clone());
            }
        }
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
    async fn pull(&mut self, app: &TestApp) {
        loop {
            let p: PullResponse = app
                .get_json(
                    &self.s,
                    &format!("/api/v1/sync/pull?cursor={}&limit=5", self.cursor),
                )
                .await;
            for c in p.changes {
                self.base.insert(c.entity.id(), c.entity);
            }
            self.cursor = p.cursor;
            if !p.more {
                break;
            }
        }
    }
}

fn reason(s: &str) -> Reason {
    Reason::parse(s).unwrap()
}

/// One thing a phone does while offline, chosen by the schedule.
fn act(phone: &mut Phone, rng: &mut Rng, owner: &Session) {
    let hazards = phone.hazards();
    let pick =
        (!hazards.is_empty()).then(|| hazards[rng.below(hazards.len() as u64) as usize].clone());
    let roll = rng.below(10);
    match (phone.s.user.role, pick) {
        (Role::Inspector, h) if roll < 5 || h.is_none() => {
            let room = &phone.boot.rooms[rng.below(phone.boot.rooms.len() as u64) as usize];
            let photo = jpeg(rng.next() as u32);
            let hash = photo_hash(&photo);
            phone.photos.push(photo);
            let report = HazardReport {
                item_code: Some("EL-01".into()),
                grade: Grade::General,
                basis: "公安部令第61号 §25、§26".into(),
                photos_before: vec![hash],
                ..report_in(
                    room,
                    phone.boot.today,
                    format!("混沌测试隐患 {}", rng.below(1000)),
                )
            };
            phone.record(report.id.0, OpBody::ReportHazard(report));
        }
        (_, None) => {}
        (Role::Inspector, Some(h)) => phone.record(
            h.id.0,
            OpBody::Comment {
                text: format!("补充 {roll}"),
            },
        ),
        (Role::SafetySupervisor, Some(h)) => {
            let body = match (h.status, roll) {
                (_, 0) => OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some(format!(
                        "督办措施 {}",
                        rng.below(100)
                    )))],
                },
                (_, 1) if h.has_conflict() => OpBody::ResolveConflict {
                    field: h.conflicts[0].field,
                    take_losing: rng.below(2) == 0,
                },
                (Status::Reported, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::Register(Registration {
                        grade: h.grade,
                        measures: reason("整改"),
                        department_id: h.department_id.unwrap(),
                        owner_id: owner.user.id,
                        deadline: phone.boot.today + Duration::days(5),
                        interim_precautions: Some(reason("设置警示")),
                        funds: Fen::parse(100).unwrap(),
                        plan_approved_by: Some(reason("主任")),
                    }),
                },
                (Status::Closed | Status::Voided, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::Reopen {
                        reason: reason("复发"),
                    },
                },
                (Status::AwaitingRecheck, 2..=5) => OpBody::Transition {
                    from: h.status,
                    event: Event::RecheckPass {
                        note: None,
                        photos: vec![],
                    },
                },
                (_, 9) => OpBody::Transition {
                    from: h.status,
                    event: Event::Void {
                        reason: reason("重复"),
                    },
                },
                (s, _) => OpBody::Transition {
                    from: s,
                    event: Event::StartRectification,
                },
            };
            phone.record(h.id.0, body);
        }
        (Role::RectificationOwner, Some(h)) => {
            let body = match (h.status, roll) {
                (_, 0..=2) => OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some(format!("责任人措施 {roll}")))],
                },
                (Status::Registered, _) => OpBody::Transition {
                    from: h.status,
                    event: Event::StartRectification,
                },
                (s, _) => {
                    let photo = jpeg(rng.next() as u32);
                    let hash = photo_hash(&photo);
                    phone.photos.push(photo);
                    OpBody::Transition {
                        from: s,
                        event: Event::SubmitRectification {
                            what_was_done: reason("已整改"),
                            photos_after: vec![hash],
                        },
                    }
                }
            };
            phone.record(h.id.0, body);
        }
        (Role::Verifier, Some(h)) => {
            let event = if roll < 3 {
                Event::RecheckFail {
                    reason: reason("仍不合格"),
                }
            } else {
                Event::RecheckPass {
                    note: None,
                    photos: vec![],
                }
            };
            phone.record(
                h.id.0,
                OpBody::Transition {
                    from: h.status,
                    event,
                },
            );
        }
        _ => {}
    }
}

async fn push(app: &mut TestApp, phone: &mut Phone, rng: &mut Rng, fault: u64) {
    let mut ops = phone.batch();
    if ops.is_empty() {
        return;
    }
    match fault {
        1 => ops.extend(ops.clone()),
        2 => {
            for i in (1..ops.len()).rev() {
                ops.swap(i, rng.below(i as u64 + 1) as usize);
            }
        }
        3 if ops.len() > 1 => {
            ops.remove(0);
        }
        6 => app.restart().await,
        9 => {
            // Two tabs of one device push the same outbox at the same moment: the server takes
            // one batch at a time per device, and the second finds every operation done.
            phone.upload_photos(app).await;
            let app: &TestApp = app;
            let (a, b) = tokio::join!(app.push(&phone.s, ops.clone()), app.push(&phone.s, ops));
            phone.handle(&a);
            phone.handle(&b);
            return;
        }
        7 => return, // the connection is cut before the request leaves the phone
        8 => {
            // A photo arrives corrupt: refused by its hash, nothing stored; it is sent again later.
            if let Some(p) = phone.photos.first() {
                let mut bad = p.clone();
                bad.push(0);
                let h = photo_hash(p);
                let r = app
                    .client
                    .put(app.url(&format!("/api/v1/blobs/{h}")))
                    .bearer_auth(&phone.s.token)
                    .body(bad)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    r.status(),
                    reqwest::StatusCode::UNPROCESSABLE_ENTITY,
                    "a corrupt photo is refused"
                );
            }
        }
        _ => {}
    }
    if fault != 5 && fault != 8 {
        phone.upload_photos(app).await; // faults 5 and 8: the photos arrive late or corrupt
    }
    let resp = app.push(&phone.s, ops).await;
    if fault != 4 {
        phone.handle(&resp); // fault 4: committed, but the response never arrives
    }
}

async fn run_schedule(app: &mut TestApp, seed: u64, steps: usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let owner_session = app.login("owner").await;
    let mut phones = vec![
        Phone::new(app, "inspector", 0).await,
        Phone::new(app, "inspector", 4).await, // the same user on a second device, clock days ahead
        Phone::new(app, "owner", -3).await,
        Phone::new(app, "verifier", 1).await,
        Phone::new(app, "supervisor", 0).await,
    ];
    for _ in 0..steps {
        let i = rng.below(phones.len() as u64) as usize;
        match rng.below(10) {
            0..=4 => act(&mut phones[i], &mut rng, &owner_session),
            5..=7 => {
                let fault = rng.below(10);
                push(app, &mut phones[i], &mut rng, fault).await;
            }
            _ => phones[i].pull(app).await,
        }
    }
    // Everyone comes back online.
    for p in phones.iter_mut() {
        p.upload_photos(app).await;
        for _ in 0..20 {
            if p.outbox.is_empty() {
                break;
            }
            let ops = p.batch();
            let resp = app.push(&p.s, ops).await;
            p.handle(&resp);
        }
        assert!(p.outbox.is_empty(), "seed {seed}: outbox not drained");
    }
    for p in phones.iter_mut() {
        p.pull(app).await;
    }

    // No operation lost: each one a phone made has a final outcome.
    let mut applied: BTreeSet<OpId> = BTreeSet::new();
    for p in &phones {
        for op in &p.created {
            let outcome = p
                .outcomes
                .get(op)
                .unwrap_or_else(|| panic!("seed {seed}: op {op} has no outcome"));
            if matches!(outcome, Outcome::Applied | Outcome::Conflict { .. }) {
                applied.insert(*op);
            }
        }
    }
    // None applied twice, and the audit trail has exactly the applied operations.
    let sup = &phones[4];
    let mut audited = BTreeSet::new();
    let mut hazards = 0;
    for e in sup.base.values() {
        let Entity::Hazard(h) = e else { continue };
        hazards += 1;
        let d: HazardDetail = app
            .get_json(&sup.s, &format!("/api/v1/hazards/{}", h.id))
            .await;
        let mut last: Option<Status> = None;
        for a in &d.audit {
            assert!(
                audited.insert(a.op_id),
                "seed {seed}: op {} applied twice",
                a.op_id
            );
            if let Some(to) = a.to {
                if let Some(prev) = last {
                    assert_eq!(a.from, Some(prev), "seed {seed}: the trail is continuous");
                    if to.rank() < prev.rank() {
                        assert!(
                            a.action == "reopen" || a.action == "recheck_fail",
                            "seed {seed}: backwards by {}",
                            a.action
                        );
                    }
                }
                last = Some(to);
            }
        }
        assert_eq!(
            last,
            Some(h.status),
            "seed {seed}: the trail ends in the current status"
        );
    }
    assert_eq!(
        audited, applied,
        "seed {seed}: audit trail and acknowledgements disagree"
    );
    assert!(hazards > 0, "seed {seed}: the schedule reported nothing");
    // Every phone converges with what the server gives it.
    for p in &phones {
        let mut fresh = BTreeMap::new();
        let mut cursor = 0;
        loop {
            let page: PullResponse = app
                .get_json(
                    &p.s,
                    &format!("/api/v1/sync/pull?cursor={cursor}&limit=500"),
                )
                .await;
            for c in page.changes {
                fresh.insert(c.entity.id(), c.entity);
            }
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(
            p.base, fresh,
            "seed {seed}: {} did not converge",
            p.s.user.username
        );
        assert_eq!(p.view(), fresh, "seed {seed}: local view differs");
    }
}

/// A fixed set of seeds runs in the test command; `cargo xtask chaos --seeds N` runs more
/// (`SAFEROUNDS_CHAOS_SEEDS`, `SAFEROUNDS_CHAOS_STEPS`).
pub async fn sync_under_faults(app: &TestApp) {
    // `stories!` lends the app immutably; this story restarts the server, so it makes its own.
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (seeds, steps) = (
        env("SAFEROUNDS_CHAOS_SEEDS", 3),
        env("SAFEROUNDS_CHAOS_STEPS", 60) as usize,
    );
    for seed in 1..=seeds {
        let backend = if app.pg.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut own = spawn_app(backend).await.expect("app");
        run_schedule(&mut own, seed, steps).await;
        own.stop().await;
    }
}
