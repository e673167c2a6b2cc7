//! A few months of a live center for the demo (`--demo-history`): a current campaign, a staff
//! roster with training and drills, equipment, and day after day of patrols and monthly
//! extinguisher rounds whose failures go through the closed loop — so hazards stand in every
//! state, some overdue. Generated from a seed (the same seed, the same history) and replayed
//! through the real push path with each day's date, so every record is one `shared::apply`
//! would have made.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use saferounds_shared::campaign::{Campaign, Phase};
use saferounds_shared::checklist::{AnswerKind, InspectionType, Template};
use saferounds_shared::equipment::{Equipment, EquipmentKind};
use saferounds_shared::hazard::{Event, FixedOnSpot, Grade, Registration, Status};
use saferounds_shared::i18n::Text;
use saferounds_shared::ids::{
    CampaignId, ClassId, DeviceId, DrillId, EquipmentId, Fen, HazardId, OpId, PhaseId, PhotoHash,
    PlanId, Reason, RoundId, UserId, VisitId, stable_uuid,
};
use saferounds_shared::inspection::{Answer, AnswerValue, Round, Visit};
use saferounds_shared::org::{Actor, Room, User};
use saferounds_shared::plan::{Frequency, PatrolPlan};
use saferounds_shared::sync::client::DeviceOps;
use saferounds_shared::sync::{OpBody, Operation, Outcome, PushRequest};
use saferounds_shared::training::{ClassKind, Drill, DrillKind, StaffMember, TrainingClass};
use sha2::{Digest, Sha256};

use crate::demo::{dept_id, site_id};
use crate::{AppState, store};

/// The demo users whose phones make the history, in the order they sync each day.
const PHONES: [&str; 6] = [
    "inspector",
    "inspector_hq",
    "supervisor",
    "owner",
    "owner_hq",
    "verifier",
];

/// Days of history before today.
pub const DAYS: u64 = 90;

/// One demo user's phone: its actor, device and next sequence number.
struct Phone {
    actor: Actor,
    numbering: DeviceOps,
    ops: Vec<Operation>,
}

impl Phone {
    fn new(user: &User) -> Phone {
        Phone {
            actor: Actor::from(user),
            numbering: DeviceOps::new(DeviceId::from_uuid(stable_uuid(
                "demo-device",
                &user.username,
            ))),
            ops: Vec::new(),
        }
    }
    fn op(
        &mut self,
        entity: uuid::Uuid,
        base: u64,
        body: OpBody,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let n = self.numbering.next_seq;
        let op_id = OpId::from_uuid(stable_uuid(
            "demo-op",
            &format!("{}/{n}", self.numbering.device_id),
        ));
        let op = self.numbering.next(op_id, entity, base, body, at);
        self.ops.push(op);
    }
}

/// A hazard of the history and what is still to happen to it, by day.
struct Planned {
    id: HazardId,
    room: saferounds_shared::ids::RoomId,
    code: String,
    status: Status,
    version: u64,
    site: &'static str,
    found_on: NaiveDate,
    fix_days: u32,
    register_on: NaiveDate,
    start_on: Option<NaiveDate>,
    submit_on: Option<NaiveDate>,
    recheck_on: Option<NaiveDate>,
    void: bool,
    /// Judged major when registered: only the supervisor closes it.
    major: bool,
}

/// Loads the history into a demo center that `demo::load` has just created.
pub async fn load(state: &AppState, seed: u64) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{}", e.body().1.message_en);
    let db = &state.db;
    let today = state.today();
    let offset = state.offset();
    let day = |n: u64| today - Days::new(n);
    let mut rng = StdRng::seed_from_u64(seed);

    // The campaign the center is in now.
    let phase = |key: &str, zh: &str, en: &str, from: NaiveDate, to: NaiveDate| Phase {
        id: PhaseId::from_uuid(stable_uuid("demo-phase", key)),
        name: Text::new(zh, en),
        starts_on: from,
        ends_on: to,
    };
    let campaign = Campaign {
        id: CampaignId::from_uuid(stable_uuid("demo-campaign", "current")),
        name: Text::new(
            "安全生产专项整治三年行动（本轮）",
            "Three-year work-safety campaign (current)",
        ),
        phases: vec![
            phase("mobilise", "动员部署", "Mobilisation", day(150), day(121)),
            phase(
                "tackle",
                "集中攻坚",
                "Concentrated rectification",
                day(120),
                today + Days::new(60),
            ),
            phase(
                "consolidate",
                "巩固提升",
                "Consolidation",
                today + Days::new(61),
                today + Days::new(400),
            ),
        ],
    };
    store::put_campaign(db, &campaign).await.map_err(err)?;

    // The roster, two training classes (one person missed both) and a drill per site.
    let names = [
        ("east", "east", "王建国"),
        ("east", "east", "李秀英"),
        ("east", "east", "张磊"),
        ("east", "east", "刘芳"),
        ("east", "east", "陈伟"),
        ("hq", "dispatch", "杨静"),
        ("hq", "dispatch", "赵刚"),
        ("hq", "logistics", "黄丽"),
        ("hq", "it", "周杰"),
        ("hq", "security", "吴敏"),
        ("west", "west", "徐涛"),
        ("west", "west", "孙燕"),
    ];
    let mut staff = Vec::new();
    for (i, (site, dept, name)) in names.iter().enumerate() {
        let s = StaffMember {
            id: UserId::from_uuid(stable_uuid("demo-staff", name)),
            name: (*name).into(),
            department_id: Some(dept_id(dept)),
            site_id: Some(site_id(site)),
            hired_on: day(400 + 30 * i as u64),
            post_changed_on: None,
            active: true,
        };
        store::put_record(db, &s).await.map_err(err)?;
        staff.push(s);
    }
    let classes = [
        ("消防安全“四个能力”培训", day(75), 0..6),
        ("灭火器与消火栓实操", day(30), 6..11),
    ];
    for (i, (topic, held_on, who)) in classes.into_iter().enumerate() {
        let c = TrainingClass {
            id: ClassId::from_uuid(stable_uuid("demo-class", &i.to_string())),
            kind: ClassKind::Periodic,
            topic: topic.into(),
            held_on,
            attendees: staff[who].iter().map(|s| s.id).collect(),
        };
        store::put_record(db, &c).await.map_err(err)?;
    }
    for (site, kind, ago) in [
        ("east", DrillKind::Evacuation, 40),
        ("hq", DrillKind::FireFighting, 20),
    ] {
        let d = Drill {
            id: DrillId::from_uuid(stable_uuid("demo-drill", site)),
            kind,
            site_id: site_id(site),
            held_on: day(ago),
            participants: staff
                .iter()
                .filter(|s| s.site_id == Some(site_id(site)))
                .map(|s| s.id)
                .collect(),
            note: None,
        };
        store::put_record(db, &d).await.map_err(err)?;
    }

    // An extinguisher in each key location of the headquarters and the east station: most in
    // order, one past its service life, one never serviced since it was made seven years ago.
    let rooms = store::rooms_all(db).await.map_err(err)?;
    let patrolled: Vec<&Room> = rooms
        .iter()
        .filter(|r| r.site_id != site_id("west") && r.key_location)
        .collect();
    for (i, r) in patrolled.iter().enumerate() {
        let kind = if i % 3 == 0 {
            EquipmentKind::Co2Extinguisher
        } else {
            EquipmentKind::DryPowderExtinguisher
        };
        let produced_on = match i {
            0 => day(365 * 13),
            1 => day(365 * 7),
            _ => day(200 + 90 * i as u64),
        };
        let e = Equipment {
            id: EquipmentId::from_uuid(stable_uuid("demo-equipment", &r.id.to_string())),
            site_id: r.site_id,
            room_id: r.id,
            kind,
            serial: format!("MF-{:04}", 1001 + i),
            produced_on,
            service_life_years: kind.default_service_life_years(),
            last_checked_on: None,
            last_serviced_on: None,
        };
        store::put_record(db, &e).await.map_err(err)?;
    }

    // The inspection plan: each station's inspector walks its daily patrol and the monthly
    // extinguisher check; the days the history skips show as missed rounds.
    let users = store::users(db).await.map_err(err)?;
    for (name, site) in [("inspector", "east"), ("inspector_hq", "hq")] {
        let assignee = users
            .iter()
            .find(|u| u.username == name)
            .ok_or_else(|| anyhow::anyhow!("no demo user {name}"))?
            .id;
        for (kind, frequency) in [
            (InspectionType::DailyPatrol, Frequency::Daily),
            (InspectionType::ExtinguisherMonthly, Frequency::Monthly),
        ] {
            let plan = PatrolPlan {
                id: PlanId::from_uuid(stable_uuid("demo-plan", &format!("{name}/{kind:?}"))),
                site_id: site_id(site),
                inspection_type: kind,
                frequency,
                assignee,
                rooms: vec![],
                starts_on: day(DAYS),
                ends_on: None,
                note: None,
            };
            store::put_record(db, &plan).await.map_err(err)?;
        }
    }

    // Risk points (风险分级管控) where an ambulance center carries them: the oxygen stores (LEC:
    // red), the garages and ambulances (orange), the kitchens and distribution rooms (yellow).
    let responsible = users
        .iter()
        .find(|u| u.username == "owner")
        .ok_or_else(|| anyhow::anyhow!("no demo user owner"))?
        .id;
    for r in rooms.iter().filter(|r| r.site_id != site_id("west")) {
        use saferounds_shared::org::RoomKind;
        use saferounds_shared::risk::{Lec, RiskLevel, RiskPoint};
        let (hazard, controls, lec, level) = match r.kind {
            RoomKind::OxygenStore => (
                "医用氧气瓶泄漏遇火源燃爆",
                "专库存放，通风、阴凉，严禁烟火，气瓶直立固定、空满分区，每日巡查",
                Some(Lec {
                    l: 3.0,
                    e: 6.0,
                    c: 40.0,
                }),
                RiskLevel::Red,
            ),
            RoomKind::Garage | RoomKind::Vehicle => (
                "车载氧气瓶固定不牢、逆变器及充电线路过热起火",
                "车载氧气瓶固定检查，充电线路不得私拉乱接，车载灭火器每月检查",
                None,
                RiskLevel::Orange,
            ),
            RoomKind::Kitchen | RoomKind::DistributionRoom => (
                "燃气泄漏、线路老化引发火灾",
                "燃气报警和切断阀每月测试，线路每季度检测，灭火器配置到位",
                Some(Lec {
                    l: 1.0,
                    e: 6.0,
                    c: 15.0,
                }),
                RiskLevel::Yellow,
            ),
            _ => continue,
        };
        let p = RiskPoint {
            id: saferounds_shared::ids::RiskId::from_uuid(stable_uuid(
                "demo-risk",
                &r.id.to_string(),
            )),
            site_id: r.site_id,
            room_id: r.id,
            hazard: hazard.into(),
            lec,
            level,
            controls: controls.into(),
            responsible,
            item_codes: vec![],
            assessed_on: day(DAYS),
        };
        store::put_record(db, &p).await.map_err(err)?;
    }

    // Day by day: patrols, monthly rounds, and the closed loop of what they found.
    let user = |name: &str| {
        users
            .iter()
            .find(|u| u.username == name)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no demo user {name}"))
    };
    let mut phones: BTreeMap<&str, Phone> = BTreeMap::new();
    for name in PHONES {
        phones.insert(name, Phone::new(&user(name)?));
    }
    let templates = store::templates(db).await.map_err(err)?;
    let template = |kind: InspectionType| -> anyhow::Result<Template> {
        templates
            .iter()
            .filter(|t| t.inspection_type == kind)
            .max_by_key(|t| t.version)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no template for {kind:?}"))
    };
    let (patrol, monthly) = (
        template(InspectionType::DailyPatrol)?,
        template(InspectionType::ExtinguisherMonthly)?,
    );
    let mut planned: Vec<Planned> = Vec::new();
    let mut photo_n = 0u32;
    let mut photos: Vec<(PhotoHash, Vec<u8>, UserId)> = Vec::new();
    for back in (0..DAYS).rev() {
        let d = day(back);
        let at = |hour: u32| {
            offset
                .from_local_datetime(&d.and_hms_opt(hour, 0, 0).expect("a time of day"))
                .single()
                .expect("a fixed offset has one time")
                .with_timezone(&chrono::Utc)
        };
        for (name, site) in [("inspector", "east"), ("inspector_hq", "hq")] {
            let phone = phones.get_mut(name).expect("the inspectors' phones");
            let mut walk = |t: &Template,
                            rooms: Vec<&Room>,
                            fail_chance: f64|
             -> anyhow::Result<()> {
                let round = Round {
                    id: RoundId::from_uuid(stable_uuid(
                        "demo-round",
                        &format!("{name}/{d}/{:?}", t.inspection_type),
                    )),
                    inspector_id: phone.actor.user_id,
                    inspection_type: t.inspection_type,
                    site_id: site_id(site),
                    template_id: t.id,
                    template_version: t.version,
                    started_at: at(9),
                    finished_at: None,
                };
                phone.op(round.id.0, 0, OpBody::StartRound(round.clone()), at(9));
                for room in rooms {
                    let items: Vec<_> = t
                        .items_for(room.kind)
                        .into_iter()
                        .flat_map(|(_, v)| v)
                        .collect();
                    let open_here = |code: &str| {
                        planned.iter().any(|p| {
                            p.room == room.id
                                && p.code == code
                                && p.status != Status::Closed
                                && p.status != Status::Voided
                        })
                    };
                    // A round that finds nothing draws nothing, so the history is the same
                    // relative to any today (the monthly check falls on calendar dates).
                    let failing = (fail_chance > 0.0 && rng.gen_bool(fail_chance))
                        .then(|| {
                            items
                                .iter()
                                .filter(|i| i.photo_on_fail && !open_here(&i.code))
                                .nth(rng.gen_range(0..4))
                        })
                        .flatten();
                    let mut answers = Vec::new();
                    let mut found = None;
                    for i in &items {
                        let value = match (&i.answer, failing.is_some_and(|f| f.code == i.code)) {
                            (AnswerKind::PassFailNa, true) => AnswerValue::Fail,
                            (AnswerKind::PassFailNa, false) => AnswerValue::Pass,
                            _ => AnswerValue::NotApplicable,
                        };
                        let mut a = Answer {
                            item_code: i.code.clone(),
                            value: value.clone(),
                            note: None,
                            photos: vec![],
                            hazard_id: None,
                            fixed_on_spot: None,
                        };
                        if value == AnswerValue::Fail {
                            let id = HazardId::from_uuid(stable_uuid(
                                "demo-hazard",
                                &format!("{}/{}/{d}", room.id, i.code),
                            ));
                            let (h, bytes) = photo(&mut photo_n)?;
                            photos.push((h.clone(), bytes, phone.actor.user_id));
                            a.photos = vec![h];
                            a.hazard_id = Some(id);
                            if rng.gen_bool(0.3) {
                                a.fixed_on_spot = Some(FixedOnSpot {
                                    what_was_done: Reason::parse("已当场整改").expect("a reason"),
                                    photos_after: {
                                        let (h, bytes) = photo(&mut photo_n)?;
                                        photos.push((h.clone(), bytes, phone.actor.user_id));
                                        vec![h]
                                    },
                                });
                            }
                            found =
                                Some((id, i.code.clone(), i.fix_days, a.fixed_on_spot.is_some()));
                        }
                        answers.push(a);
                    }
                    let visit = Visit {
                        id: VisitId::from_uuid(stable_uuid(
                            "demo-visit",
                            &format!("{}/{}", round.id, room.id),
                        )),
                        round_id: round.id,
                        room_id: room.id,
                        site_id: room.site_id,
                        inspector_id: phone.actor.user_id,
                        inspection_type: t.inspection_type,
                        template_id: t.id,
                        via_qr: true,
                        started_at: at(9),
                        finished_at: at(10),
                        answers,
                        signatures: None,
                        note: None,
                    };
                    let reports = visit.findings(t, room, d);
                    phone.op(visit.id.0, 0, OpBody::RecordVisit(visit), at(10));
                    for r in reports {
                        phone.op(r.id.0, 0, OpBody::ReportHazard(r), at(10));
                    }
                    if let Some((id, code, fix_days, fixed)) = found {
                        let after = |days: u64| Some(d + Days::new(days));
                        let submit = rng.gen_range(1..25u64);
                        let fate = rng.gen_range(0..20u32);
                        planned.push(Planned {
                            id,
                            room: room.id,
                            code,
                            status: if fixed {
                                Status::AwaitingRecheck
                            } else {
                                Status::Reported
                            },
                            version: 1,
                            site,
                            found_on: d,
                            fix_days,
                            register_on: d + Days::new(1),
                            start_on: (!fixed).then(|| d + Days::new(2)),
                            // Some are never put right (overdue), some wait for re-check.
                            submit_on: if fixed || fate < 3 {
                                None
                            } else {
                                after(2 + submit)
                            },
                            recheck_on: if fate < 5 {
                                None
                            } else {
                                after(if fixed { 1 } else { 4 + submit })
                            },
                            void: fate == 19,
                            major: false,
                        });
                    }
                }
                phone.op(
                    round.id.0,
                    1,
                    OpBody::FinishRound {
                        finished_at: at(11),
                    },
                    at(11),
                );
                Ok(())
            };
            let site_rooms: Vec<&Room> = rooms
                .iter()
                .filter(|r| r.site_id == site_id(site))
                .collect();
            let due: Vec<&Room> = site_rooms
                .iter()
                .copied()
                .filter(|r| InspectionType::DailyPatrol.covers(r))
                .collect();
            // Every other day the whole patrol; on the others a few rooms (and on some days none:
            // a missed patrol shows on the dashboard's coverage).
            let walked: Vec<&Room> = match back % 7 {
                6 => vec![],
                n if n % 2 == 0 => due.clone(),
                _ => due.iter().copied().take(3).collect(),
            };
            if !walked.is_empty() {
                walk(&patrol, walked, 0.12)?;
            }
            if d.format("%d").to_string() == "05" {
                walk(&monthly, site_rooms.clone(), 0.0)?;
            }
        }
        // The closed loop of what was found.
        for p in planned.iter_mut() {
            let site_owner = if p.site == "east" {
                "owner"
            } else {
                "owner_hq"
            };
            let checker = if p.site == "east" && !p.major {
                "verifier"
            } else {
                "supervisor"
            };
            let when = at(15);
            let fire = |p: &mut Planned,
                        who: &str,
                        event: Event,
                        to: Status,
                        phones: &mut BTreeMap<&str, Phone>| {
                let phone = phones.get_mut(who).expect("a demo phone");
                phone.op(
                    p.id.0,
                    p.version,
                    OpBody::Transition {
                        from: p.status,
                        event,
                    },
                    when,
                );
                p.version += 1;
                p.status = to;
            };
            if p.void && p.status == Status::Reported && d == p.register_on {
                fire(
                    p,
                    "supervisor",
                    Event::Void {
                        reason: Reason::parse("重复上报，与已登记隐患为同一问题")
                            .expect("a reason"),
                    },
                    Status::Voided,
                    &mut phones,
                );
                continue;
            }
            if p.status == Status::Reported && d == p.register_on {
                let owner = user(site_owner)?;
                let major = rng.gen_range(0..25) == 0;
                p.major = major;
                let reg = Registration {
                    grade: if major { Grade::Major } else { Grade::General },
                    measures: Reason::parse("责任科室限期整改，整改后报复查").expect("a reason"),
                    department_id: owner.department_id.expect("an owner's department"),
                    owner_id: owner.id,
                    deadline: p.found_on + Days::new(u64::from(p.fix_days.max(3))),
                    interim_precautions: major
                        .then(|| Reason::parse("设置警示标识，专人看护").expect("a reason")),
                    funds: Fen::parse(i64::from(rng.gen_range(0..20u32)) * 5_000)
                        .expect("an amount"),
                    plan_approved_by: major.then(|| Reason::parse("中心主任").expect("a reason")),
                };
                fire(
                    p,
                    "supervisor",
                    Event::Register(reg),
                    Status::Registered,
                    &mut phones,
                );
            }
            if p.status == Status::Registered && p.start_on.is_some_and(|s| d >= s) {
                fire(
                    p,
                    site_owner,
                    Event::StartRectification,
                    Status::Rectifying,
                    &mut phones,
                );
            }
            if p.status == Status::Rectifying && p.submit_on == Some(d) {
                let (after, bytes) = photo(&mut photo_n)?;
                photos.push((after.clone(), bytes, phones[site_owner].actor.user_id));
                fire(
                    p,
                    site_owner,
                    Event::SubmitRectification {
                        what_was_done: Reason::parse("已按措施整改完毕").expect("a reason"),
                        photos_after: vec![after],
                    },
                    Status::AwaitingRecheck,
                    &mut phones,
                );
            }
            if p.status == Status::AwaitingRecheck && p.recheck_on.is_some_and(|r| d >= r) {
                fire(
                    p,
                    checker,
                    Event::RecheckPass {
                        note: None,
                        photos: vec![],
                    },
                    Status::Closed,
                    &mut phones,
                );
            }
        }
        // Photos are uploaded before the operations that name them, as a phone does.
        for (hash, bytes, by) in photos.drain(..) {
            let size = bytes.len() as i64;
            state.photos.put(&hash, bytes.into()).await?;
            store::put_blob(db, hash.as_str(), size, "image/jpeg", &by.to_string())
                .await
                .map_err(err)?;
        }
        // Each phone syncs at the end of the day, in the order the day's work was done.
        for name in PHONES {
            let phone = phones.get_mut(name).expect("a demo phone");
            if phone.ops.is_empty() {
                continue;
            }
            let job = store::PushJob {
                actor: phone.actor.clone(),
                req: PushRequest {
                    device_id: phone.numbering.device_id,
                    ops: std::mem::take(&mut phone.ops),
                },
                now: at(18),
                today: d,
                offset,
            };
            for answer in store::push_group(db, std::slice::from_ref(&job))
                .await
                .map_err(err)?
            {
                let answer = answer.map_err(err)?;
                if let Some(bad) = answer
                    .results
                    .iter()
                    .find(|r| !matches!(r.outcome, Outcome::Applied | Outcome::AlreadyApplied))
                {
                    anyhow::bail!("demo history, {name} on {d}: {:?}", bad.outcome);
                }
            }
        }
    }
    tracing::info!(days = DAYS, hazards = planned.len(), "demo history loaded");
    Ok(())
}

/// A photo for the history: a small JPEG of its own (the `n`th), with its hash.
fn photo(n: &mut u32) -> anyhow::Result<(PhotoHash, Vec<u8>)> {
    *n += 1;
    let k = *n;
    let picture = image::RgbImage::from_fn(48, 36, |x, y| {
        image::Rgb([(k % 200) as u8 + 30, (x * 5) as u8, (y * 7 + k) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Jpeg)?;
    let bytes = out.into_inner();
    let hash = PhotoHash::parse(&hex::encode(Sha256::digest(&bytes)))?;
    Ok((hash, bytes))
}
