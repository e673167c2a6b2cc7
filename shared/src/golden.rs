//! Golden documents: one JSON text per stored or exchanged type, as this version writes it, kept
//! in `shared/tests/golden/`. Every text must be read by serde and by the phone's decoder into
//! the same value, and written back byte for byte by both encoders: a renamed field, a changed
//! default or a variant named differently fails here before it reaches a phone's IndexedDB or a
//! server's database. The desk's types (dashboard, round pages, reminders, registers) are here
//! too: no other test reads them with the phone's decoder.
//!
//! After a deliberate change of the format: `SAFEROUNDS_BLESS=1 cargo test -p saferounds-shared
//! golden` writes the texts anew — and old stored documents must still be read (a default).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{
    Bootstrap, Dashboard, Done, EquipmentSummary, HazardBrief, InspectionPage, InspectionRound,
    NewVersion, Person, SaveUser, Sent, StatLine, Stats, Stored,
};
use crate::checklist::{InspectionType, starter_templates};
use crate::equipment::{Equipment, EquipmentKind};
use crate::hazard::tests_support::sample;
use crate::ids::*;
use crate::inspection::{Answer, AnswerValue, Coverage, Round, Signatures, Visit};
use crate::lists::{Measure, MeasureKind, MeasureStatus};
use crate::org::{Role, Site, SiteKind, User};
use crate::plan::{Frequency, PatrolPlan, PlanRound};
use crate::reminders::{Due, Reminder, ReminderPage};
use crate::risk::{Lec, RiskLevel, RiskPoint};
use crate::training::{ClassKind, Drill, DrillKind, DueReason, StaffMember, TrainingClass};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check<T>(name: &str, value: &T)
where
    T: Serialize
        + DeserializeOwned
        + crate::json::Decode
        + crate::json::Encode
        + PartialEq
        + std::fmt::Debug,
{
    let path = dir().join(format!("{name}.json"));
    let written = serde_json::to_string(value).unwrap();
    if std::env::var_os("SAFEROUNDS_BLESS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(&path, format!("{written}\n")).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SAFEROUNDS_BLESS=1 writes it)", path.display()));
    let stored = stored.trim_end();
    assert_eq!(
        &serde_json::from_str::<T>(stored).unwrap(),
        value,
        "{name}: serde reads it"
    );
    assert_eq!(
        &crate::json::from_str::<T>(stored).unwrap(),
        value,
        "{name}: the phone reads it"
    );
    assert_eq!(written, stored, "{name}: serde writes what is stored");
    assert_eq!(
        crate::json::to_string(value),
        stored,
        "{name}: the phone writes what is stored"
    );
    crate::wire::assert_round_trips(value);
}

fn id<T: std::str::FromStr>(name: &str) -> T {
    let parsed = stable_uuid("golden", name).to_string().parse().ok();
    parsed.expect("an id")
}
fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, h, 30, 0).unwrap()
}
fn photo(n: u8) -> PhotoHash {
    PhotoHash::parse(&format!("{n:064x}")).unwrap()
}

fn round() -> Round {
    let t = &starter_templates()[0];
    Round {
        id: id("round"),
        inspector_id: id("inspector"),
        inspection_type: t.inspection_type,
        site_id: id("site"),
        template_id: t.id,
        template_version: t.version,
        started_at: at(1),
        finished_at: Some(at(2)),
    }
}

fn visit() -> Visit {
    let r = round();
    Visit {
        id: id("visit"),
        round_id: r.id,
        room_id: id("room"),
        site_id: r.site_id,
        inspector_id: r.inspector_id,
        inspection_type: InspectionType::PeriodicCheck,
        template_id: r.template_id,
        via_qr: true,
        started_at: at(1),
        finished_at: at(2),
        answers: vec![
            Answer {
                item_code: "FE-01".into(),
                value: AnswerValue::Fail,
                note: Some("压力表指针在红区".into()),
                photos: vec![photo(1)],
                hazard_id: Some(id("hazard")),
                fixed_on_spot: None,
            },
            Answer {
                item_code: "EL-02".into(),
                value: AnswerValue::Number(26.5),
                note: None,
                photos: vec![],
                hazard_id: None,
                fixed_on_spot: None,
            },
        ],
        signatures: Some(Signatures {
            inspector: photo(2),
            department_head: photo(3),
            department_head_name: "王主任".into(),
        }),
        note: None,
    }
}

#[test]
fn what_phones_store_and_send() {
    check("round", &round());
    check("visit", &visit());
    check("hazard", &sample(day("2026-11-02")));
    check(
        "measure",
        &Measure {
            id: id("measure"),
            campaign_id: Some(id("campaign")),
            title: "氧气瓶库房管理制度".into(),
            kind: MeasureKind::Amend,
            description: "补充空瓶满瓶分区".into(),
            department_id: id("dept"),
            owner_id: None,
            deadline: day("2026-12-31"),
            status: MeasureStatus::InProgress,
            hazard_ids: vec![id("hazard")],
            done_on: None,
            version: 3,
        },
    );
    let user = User {
        id: id("inspector"),
        username: "inspector".into(),
        display_name: "巡查员".into(),
        role: Role::Inspector,
        extra_roles: vec![],
        department_id: None,
        site_id: Some(id("site")),
        active: true,
    };
    check(
        "bootstrap",
        &Bootstrap {
            user: user.clone(),
            center_name: "市紧急救援中心".into(),
            today: day("2026-12-05"),
            utc_offset_minutes: 480,
            sites: vec![Site {
                id: id("site"),
                name: crate::Text::new("城东急救站", "East station"),
                kind: SiteKind::Station,
                address: String::new(),
            }],
            buildings: vec![],
            departments: vec![],
            rooms: vec![],
            templates: vec![],
            people: vec![Person::from(&user)],
            campaigns: vec![crate::campaign::default_campaign()],
            plans: vec![plan()],
            room_risks: vec![(id("room"), RiskLevel::Red)],
        },
    );
}

/// What the desk sends that no register holds, and the answers that are acknowledgements.
#[test]
fn what_the_desk_sends_and_is_told() {
    let user = User {
        id: id("owner"),
        username: "owner".into(),
        display_name: "责任人".into(),
        role: Role::RectificationOwner,
        extra_roles: vec![Role::Inspector],
        department_id: Some(id("dept")),
        site_id: None,
        active: true,
    };
    check(
        "save_user",
        &SaveUser {
            user,
            password: Some("a long pass phrase".into()),
        },
    );
    let mut items = starter_templates()[0].items.clone();
    items.truncate(2);
    check("new_version", &NewVersion { items });
    check("done", &Done { ok: true });
    check("sent", &Sent { sent: 3 });
    check(
        "stored",
        &Stored {
            sha256: photo(1).as_str().to_owned(),
            size: 48_213,
        },
    );
}

fn plan() -> PatrolPlan {
    PatrolPlan {
        id: id("plan"),
        site_id: id("site"),
        inspection_type: InspectionType::DailyPatrol,
        frequency: Frequency::Nightly,
        assignee: id("inspector"),
        rooms: vec![id("room")],
        starts_on: day("2026-12-01"),
        ends_on: None,
        note: Some("含值班宿舍".into()),
    }
}

#[test]
fn what_the_desk_reads() {
    let h = sample(day("2026-11-02"));
    let row = crate::campaign::stats_by(std::slice::from_ref(&h), day("2026-12-05"), |_| Some(()))
        .remove(&())
        .unwrap();
    let line = StatLine {
        key: "2026-11".into(),
        label_zh: "2026-11".into(),
        label_en: "2026-11".into(),
        row: row.clone(),
    };
    let reminder = Reminder {
        hazard_id: h.id,
        number: h.number(),
        description: h.description.clone(),
        owner_id: Some(id("owner")),
        department_id: None,
        deadline: day("2026-11-20"),
        due: Due::Overdue { days: 15 },
    };
    check(
        "dashboard",
        &Dashboard {
            stats: Stats {
                today: day("2026-12-05"),
                total: row,
                by_department: vec![line.clone()],
                by_site: vec![],
                by_category: vec![],
                by_grade: vec![],
                by_phase: vec![],
            },
            by_month: vec![line],
            coverage: vec![Coverage {
                inspection_type: InspectionType::DailyPatrol,
                rooms: 2,
                due: vec![(id("room"), Some(day("2026-12-01"))), (id("room2"), None)],
            }],
            training: crate::training::Coverage {
                trained: 9,
                total: 10,
            },
            training_due: vec![(
                "张三".into(),
                DueReason::Yearly {
                    last: day("2025-10-01"),
                },
            )],
            drills_recent: 2,
            sites_due_drill: vec![id("site")],
            equipment: EquipmentSummary {
                total: 4,
                expired: 1,
                expiring: 0,
                check_due: 2,
                service_due: 1,
            },
            conflicts: vec![HazardBrief {
                id: h.id,
                number: h.number(),
                description: h.description.clone(),
            }],
            reminders: vec![reminder.clone()],
            reminders_total: 1,
            missed_rounds: vec![PlanRound {
                plan_id: id("plan"),
                site_id: id("site"),
                inspection_type: InspectionType::DailyPatrol,
                frequency: Frequency::Daily,
                assignee: id("inspector"),
                period: day("2026-12-04"),
                rooms: 2,
                remaining: vec![id("room")],
            }],
        },
    );
    check(
        "inspection_page",
        &InspectionPage {
            total: 1,
            rounds: vec![InspectionRound {
                round: round(),
                visits: vec![visit()],
            }],
        },
    );
    check(
        "reminder_page",
        &ReminderPage {
            total: 1,
            reminders: vec![reminder],
        },
    );
    check(
        "staff",
        &StaffMember {
            id: id("staff"),
            name: "张三".into(),
            department_id: Some(id("dept")),
            site_id: None,
            hired_on: day("2024-03-01"),
            post_changed_on: Some(day("2026-06-01")),
            active: true,
        },
    );
    check(
        "class",
        &TrainingClass {
            id: id("class"),
            kind: ClassKind::Periodic,
            topic: "灭火器使用实操".into(),
            held_on: day("2026-11-20"),
            attendees: vec![id("staff")],
        },
    );
    check(
        "drill",
        &Drill {
            id: id("drill"),
            kind: DrillKind::Evacuation,
            site_id: id("site"),
            held_on: day("2026-10-09"),
            participants: vec![id("staff")],
            note: None,
        },
    );
    check(
        "equipment",
        &Equipment {
            id: id("equipment"),
            site_id: id("site"),
            room_id: id("room"),
            kind: EquipmentKind::DryPowderExtinguisher,
            serial: "MFZ/ABC4-001".into(),
            produced_on: day("2021-05-01"),
            service_life_years: 10,
            last_checked_on: Some(day("2026-11-05")),
            last_serviced_on: None,
        },
    );
    check("campaign", &crate::campaign::default_campaign());
    check("plan", &plan());
    check(
        "risk",
        &RiskPoint {
            id: id("risk"),
            site_id: id("site"),
            room_id: id("room"),
            hazard: "医用氧气瓶泄漏遇火源燃爆".into(),
            lec: Some(Lec {
                l: 3.0,
                e: 6.0,
                c: 40.0,
            }),
            level: RiskLevel::Red,
            controls: "专库存放、通风、禁火".into(),
            responsible: id("owner"),
            item_codes: vec!["FL-03".into()],
            assessed_on: day("2026-11-01"),
        },
    );
}
