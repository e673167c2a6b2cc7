//! The registers (roster, training, drills, equipment), template versions, campaigns and the
//! summary report, through the REST API.

use reqwest::StatusCode;
use saferounds_shared::ApiError;
use saferounds_shared::api::{Bootstrap, Stats};
use saferounds_shared::campaign::Campaign;
use saferounds_shared::checklist::Template;
use saferounds_shared::equipment::{Equipment, EquipmentKind};
use saferounds_shared::ids::{ClassId, DrillId, EquipmentId, UserId};
use saferounds_shared::training::{ClassKind, Drill, DrillKind, StaffMember, TrainingClass};

use crate::helpers::*;
use crate::stories::walk_through;

fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

async fn error_of(r: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

pub async fn registers_templates_campaigns(app: &TestApp) {
    let sup = app.login("supervisor").await;
    let inspector = app.login("inspector").await;
    let leader = app.login("leader").await;
    let boot: Bootstrap = app.get_json(&sup, "/api/v1/bootstrap").await;
    let today = boot.today;
    let east = inspector.user.site_id.unwrap();
    let other = boot.sites.iter().find(|s| s.id != east).unwrap().id;
    let east_room = boot.rooms.iter().find(|r| r.site_id == east).unwrap();
    let other_room = boot.rooms.iter().find(|r| r.site_id == other).unwrap();

    // The roster: one person at each station.
    let person = |site, name: &str| StaffMember {
        id: UserId::from_uuid(new_id()),
        name: name.into(),
        department_id: None,
        site_id: Some(site),
        hired_on: today - chrono::Days::new(30),
        post_changed_on: None,
        active: true,
    };
    let (a, b) = (person(east, "东站 甲"), person(other, "总部 乙"));
    for p in [&a, &b] {
        let r = app.put(&sup, &format!("/api/v1/staff/{}", p.id), p).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let mut future = person(east, "未来");
    future.hired_on = today + chrono::Days::new(3);
    let e = error_of(
        app.put(&sup, &format!("/api/v1/staff/{}", future.id), &future)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e.code, "invalid");
    // The id in the path must be the body's.
    let r = app.put(&sup, &format!("/api/v1/staff/{}", b.id), &a).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A class: only people on the roster.
    let class = TrainingClass {
        id: ClassId::from_uuid(new_id()),
        kind: ClassKind::Onboarding,
        topic: "入职消防安全培训".into(),
        held_on: today,
        attendees: vec![a.id],
    };
    let path = format!("/api/v1/training/classes/{}", class.id);
    assert_eq!(app.put(&sup, &path, &class).await.status(), StatusCode::OK);
    let mut stranger = class.clone();
    stranger.id = ClassId::from_uuid(new_id());
    stranger.attendees.push(UserId::from_uuid(new_id()));
    let e = error_of(
        app.put(
            &sup,
            &format!("/api/v1/training/classes/{}", stranger.id),
            &stranger,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e.message_en.contains("roster"), "{}", e.message_en);

    // A drill and equipment at the east station.
    let drill = Drill {
        id: DrillId::from_uuid(new_id()),
        kind: DrillKind::FireFighting,
        site_id: east,
        held_on: today,
        participants: vec![a.id],
        note: Some("灭火器实操".into()),
    };
    let r = app
        .put(&sup, &format!("/api/v1/drills/{}", drill.id), &drill)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let ext = Equipment {
        id: EquipmentId::from_uuid(new_id()),
        site_id: east,
        room_id: east_room.id,
        kind: EquipmentKind::DryPowderExtinguisher,
        serial: "MFZ/ABC4-0001".into(),
        produced_on: today - chrono::Days::new(365 * 11),
        service_life_years: 10,
        last_checked_on: Some(today),
        last_serviced_on: None,
    };
    let r = app
        .put(&sup, &format!("/api/v1/equipment/{}", ext.id), &ext)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A room of another station is refused, and so is reusing another register's id.
    let mut wrong = ext.clone();
    wrong.id = EquipmentId::from_uuid(new_id());
    wrong.room_id = other_room.id;
    let r = app
        .put(&sup, &format!("/api/v1/equipment/{}", wrong.id), &wrong)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut clash = drill.clone();
    clash.id = DrillId::from_uuid(ext.id.0);
    let r = app
        .put(&sup, &format!("/api/v1/drills/{}", clash.id), &clash)
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Unknown enum values and wrong types are 4xx and change nothing.
    let r = app
        .put(
            &sup,
            &format!("/api/v1/equipment/{}", ext.id),
            &serde_json::json!({"id": ext.id, "kind": "flamethrower"}),
        )
        .await;
    // Well-formed JSON whose values do not fit: 422, as axum's `Json` answers.
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Scope: the east inspector sees the east entries only, and no class they did not attend;
    // the leader sees everything but may not write.
    let staff: Vec<StaffMember> = app.get_json(&inspector, "/api/v1/staff").await;
    assert_eq!(staff, vec![a.clone()]);
    let eq: Vec<Equipment> = app.get_json(&inspector, "/api/v1/equipment").await;
    assert_eq!(eq, vec![ext.clone()]);
    let classes: Vec<TrainingClass> = app.get_json(&inspector, "/api/v1/training/classes").await;
    assert!(classes.is_empty());
    let staff: Vec<StaffMember> = app.get_json(&leader, "/api/v1/staff").await;
    assert_eq!(staff.len(), 2);
    let drills: Vec<Drill> = app.get_json(&leader, "/api/v1/drills").await;
    assert_eq!(drills, vec![drill.clone()]);
    let r = app
        .put(&leader, &format!("/api/v1/drills/{}", drill.id), &drill)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Editing a template makes a new version; the old one stays for the inspections that used it.
    let admin = app.login("admin").await;
    let templates: Vec<Template> = app.get_json(&admin, "/api/v1/templates").await;
    let t = templates.iter().max_by_key(|t| t.version).unwrap().clone();
    let items: Vec<_> = t.items.iter().take(5).cloned().collect();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/templates/{}/versions", t.code),
            &serde_json::json!({ "items": items }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let next: Template = r.json().await.unwrap();
    assert_eq!(
        (next.code.as_str(), next.version),
        (t.code.as_str(), t.version + 1)
    );
    assert_eq!(next.items, items);
    let after: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let after = after.templates;
    assert!(after.iter().any(|x| x.id == t.id) && after.iter().any(|x| x.id == next.id));
    let r = app
        .post(
            &admin,
            &format!("/api/v1/templates/{}/versions", t.code),
            &serde_json::json!({ "items": [] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &admin,
            "/api/v1/templates/NO-SUCH/versions",
            &serde_json::json!({ "items": items }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Campaign phases: overlapping phases are refused; a rename is kept.
    let campaigns: Vec<Campaign> = app.get_json(&sup, "/api/v1/campaigns").await;
    let mut c = campaigns[0].clone();
    let mut bad = c.clone();
    bad.phases[1].starts_on = bad.phases[0].starts_on;
    let r = app
        .put(&sup, &format!("/api/v1/campaigns/{}", c.id), &bad)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    c.name.zh = "安全生产专项整治三年行动（修订）".into();
    let r = app
        .put(&sup, &format!("/api/v1/campaigns/{}", c.id), &c)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let campaigns: Vec<Campaign> = app.get_json(&leader, "/api/v1/campaigns").await;
    assert_eq!(campaigns[0].name.zh, c.name.zh);

    // Hazards found after the campaign ended are not the campaign's: its report counts none,
    // and a rate of nothing is "—", not 100%.
    let (ops, _, _) = walk_through(app, &inspector, 2).await;
    app.push(&inspector, ops).await;
    let html = app
        .get(&leader, "/api/v1/reports/summary")
        .await
        .text()
        .await
        .unwrap();
    assert!(campaigns[0].ends_on().unwrap() < chrono::Utc::now().date_naive());
    assert!(html.contains("共排查发现隐患 0 项"), "{html}");
    assert!(html.contains("整改率 —"), "{html}");

    // The summary report carries the figures the data implies. The last phase runs on to next
    // year, so today's hazards fall in it.
    let mut c = campaigns[0].clone();
    let today = app
        .get_json::<Bootstrap>(&inspector, "/api/v1/bootstrap")
        .await
        .today;
    let last = c.phases.iter_mut().max_by_key(|p| p.starts_on).unwrap();
    last.ends_on = today + chrono::Days::new(365);
    let (from, to) = (last.starts_on, last.ends_on);
    let r = app
        .put(&sup, &format!("/api/v1/campaigns/{}", c.id), &c)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (ops, _, _) = walk_through(app, &inspector, 3).await;
    app.push(&inspector, ops).await;
    let stats: Stats = app.get_json(&leader, "/api/v1/stats").await;
    let r = app.get(&leader, "/api/v1/reports/summary").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "<td>{from} 至 {to}</td><td>{}</td>",
            stats.total.found
        )),
        "every hazard counted in its phase: {html}"
    );
    assert!(html.contains("总结报告") && html.contains(&c.name.zh));
    assert!(html.contains(&app.settings.center_name));
    assert!(
        html.contains(&format!("共排查发现隐患 {} 项", stats.total.found)),
        "{html}"
    );
    assert!(stats.total.found >= 3);
    // Two people, one trained; one drill; one extinguisher past its service life.
    assert!(
        html.contains("在职人员 2 人，培训覆盖 1 人，覆盖率 50.0%"),
        "{html}"
    );
    assert!(html.contains("登记器材 1 件，超过使用年限 1 件"), "{html}");
    assert!(html.contains("编制人") && html.contains("审核人"));
    let r = app
        .get(
            &leader,
            &format!("/api/v1/reports/summary?campaign={}", new_id()),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .get(&leader, "/api/v1/reports/summary?campaign=not-an-id")
        .await;
    assert!(r.status().is_client_error());
}

pub async fn inspections_are_listed_by_scope_type_and_day(app: &TestApp) {
    use saferounds_shared::api::InspectionPage;
    let inspector = app.login("inspector").await;
    let (ops, _, boot) = walk_through(app, &inspector, 2).await;
    app.push(&inspector, ops).await;
    let sup = app.login("supervisor").await;
    let page: InspectionPage = app.get_json(&sup, "/api/v1/inspections").await;
    assert_eq!(page.total, 1);
    let r = &page.rounds[0];
    assert_eq!(r.round.inspector_id, inspector.user.id);
    assert_eq!(r.visits.len(), 2);
    assert!(r.visits.iter().all(|v| v.round_id == r.round.id));
    let today = boot.today;
    let same_day: InspectionPage = app
        .get_json(
            &sup,
            &format!("/api/v1/inspections?from={today}&to={today}&inspection_type=daily_patrol"),
        )
        .await;
    assert_eq!(same_day.total, 1);
    let tomorrow = today.succ_opt().unwrap();
    let none: InspectionPage = app
        .get_json(&sup, &format!("/api/v1/inspections?from={tomorrow}"))
        .await;
    assert_eq!(none.total, 0);
    let periodic: InspectionPage = app
        .get_json(&sup, "/api/v1/inspections?inspection_type=periodic_check")
        .await;
    assert_eq!(periodic.total, 0);
    // Another station's inspector does not see this round.
    let hq = app.login("inspector_hq").await;
    let theirs: InspectionPage = app.get_json(&hq, "/api/v1/inspections").await;
    assert_eq!(theirs.total, 0);
    let r = app.get(&sup, "/api/v1/inspections?from=yesterday").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: ApiError = r.json().await.unwrap();
    assert!(!e.message_zh.is_empty());
}

pub async fn dashboard_shows_what_the_data_implies(app: &TestApp) {
    use saferounds_shared::api::Dashboard;
    use saferounds_shared::checklist::InspectionType;
    let inspector = app.login("inspector").await;
    let (ops, hazards, boot) = walk_through(app, &inspector, 3).await;
    app.push(&inspector, ops).await;
    let leader = app.login("leader").await;
    let all: Bootstrap = app.get_json(&leader, "/api/v1/bootstrap").await;
    let d: Dashboard = app.get_json(&leader, "/api/v1/dashboard").await;
    assert_eq!(d.stats.total.found as usize, hazards.len());
    // Trend: everything was found this month.
    assert_eq!(d.by_month.len(), 1);
    assert_eq!(d.by_month[0].key, boot.today.format("%Y-%m").to_string());
    assert_eq!(d.by_month[0].row.found as usize, hazards.len());
    // Coverage, computed here from the rooms: patrols cover key locations and duty dormitories,
    // checks every room.
    let visited: Vec<_> = boot.rooms.iter().take(3).map(|r| r.id).collect();
    let key_rooms: Vec<_> = all
        .rooms
        .iter()
        .filter(|r| r.key_location || r.kind == saferounds_shared::org::RoomKind::Dormitory)
        .collect();
    let patrol = d
        .coverage
        .iter()
        .find(|c| c.inspection_type == InspectionType::DailyPatrol)
        .unwrap();
    assert_eq!(patrol.rooms, key_rooms.len());
    let still_due = key_rooms
        .iter()
        .filter(|r| !visited.contains(&r.id))
        .count();
    assert_eq!(patrol.due.len(), still_due);
    let periodic = d
        .coverage
        .iter()
        .find(|c| c.inspection_type == InspectionType::PeriodicCheck)
        .unwrap();
    assert_eq!(
        (periodic.rooms, periodic.due.len()),
        (all.rooms.len(), all.rooms.len())
    );
    // Nothing on the registers yet: full training coverage of nobody, every site due a drill.
    assert_eq!(
        (d.training.total, d.equipment.total, d.drills_recent),
        (0, 0, 0)
    );
    assert_eq!(d.sites_due_drill.len(), all.sites.len());
    assert!(d.conflicts.is_empty());
    // A station's inspector does not get the desk's dashboard.
    let r = app.get(&inspector, "/api/v1/dashboard").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// A neglected ledger has thousands of overdue items: the front page gets the most urgent few
/// and how many there are, not all of them.
pub async fn dashboard_lists_the_most_urgent_reminders(app: &TestApp) {
    use saferounds_shared::api::Dashboard;
    use saferounds_shared::reminders::ReminderPage;
    use saferounds_shared::sync::OpBody;
    let inspector = app.login("inspector").await;
    let boot: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let n = Dashboard::REMINDERS + 3;
    let ops = (0..n)
        .map(|i| {
            let found = boot.today - chrono::Days::new(30 + i as u64);
            let r = report_in(&boot.rooms[0], found, format!("逾期隐患 {i}"));
            inspector.op(r.id.0, 0, OpBody::ReportHazard(r))
        })
        .collect();
    app.push(&inspector, ops).await;
    let sup = app.login("supervisor").await;
    let d: Dashboard = app.get_json(&sup, "/api/v1/dashboard").await;
    assert_eq!(d.reminders_total, n);
    assert_eq!(d.reminders.len(), Dashboard::REMINDERS);
    let page: ReminderPage = app.get_json(&sup, "/api/v1/reminders").await;
    let all = page.reminders;
    assert_eq!((page.total, all.len()), (n, n));
    assert_eq!(
        d.reminders[..],
        all[..Dashboard::REMINDERS],
        "the most urgent first"
    );
    // Pages of the same list, read from the ledger's columns: the same reminders in the same
    // order, and the total on each.
    let part: ReminderPage = app
        .get_json(&sup, "/api/v1/reminders?offset=5&limit=4")
        .await;
    assert_eq!((part.total, &part.reminders[..]), (n, &all[5..9]));
    let tail: ReminderPage = app
        .get_json(&sup, &format!("/api/v1/reminders?offset={}", n - 2))
        .await;
    assert_eq!(&tail.reminders[..], &all[n - 2..]);
    // The inspector who reported them is not chased: they concern the owner and the center.
    let own: ReminderPage = app.get_json(&inspector, "/api/v1/reminders").await;
    assert_eq!((own.total, own.reminders.len()), (0, 0));
    let r = app.get(&sup, "/api/v1/reminders?limit=lots").await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(
        d.reminders[0]
            .description
            .contains(&format!("逾期隐患 {}", n - 1))
    );
}

/// A monthly extinguisher round (灭火器月检) keeps the equipment register: the extinguishers of
/// the rooms it visits take its day as their last check.
pub async fn a_monthly_round_checks_the_registers_extinguishers(app: &TestApp) {
    use saferounds_shared::checklist::{InspectionType, Template};
    use saferounds_shared::ids::{EquipmentId, VisitId};
    use saferounds_shared::inspection::Visit;
    use saferounds_shared::sync::OpBody;

    let sup = app.login("supervisor").await;
    let inspector = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let room = &b.rooms[0];
    let other = &b.rooms[1];
    let ext = |room: &saferounds_shared::org::Room, serial: &str| Equipment {
        id: EquipmentId::from_uuid(uuid::Uuid::now_v7()),
        site_id: room.site_id,
        room_id: room.id,
        kind: EquipmentKind::DryPowderExtinguisher,
        serial: serial.into(),
        produced_on: b.today - chrono::Days::new(400),
        service_life_years: 10,
        last_checked_on: Some(b.today - chrono::Days::new(45)),
        last_serviced_on: None,
    };
    let (here, elsewhere) = (ext(room, "MFZ-月检-1"), ext(other, "MFZ-月检-2"));
    for e in [&here, &elsewhere] {
        let r = app
            .put(&sup, &format!("/api/v1/equipment/{}", e.id), e)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let t: &Template = b
        .templates
        .iter()
        .find(|t| t.inspection_type == InspectionType::ExtinguisherMonthly)
        .unwrap();
    let now = chrono::Utc::now();
    let round = round_of(t, &inspector, room.site_id, now);
    let answers = all_pass(t, room);
    let visit = Visit {
        id: VisitId::from_uuid(uuid::Uuid::now_v7()),
        round_id: round.id,
        room_id: room.id,
        site_id: room.site_id,
        inspector_id: inspector.user.id,
        inspection_type: InspectionType::ExtinguisherMonthly,
        template_id: t.id,
        via_qr: true,
        started_at: now,
        finished_at: now,
        answers,
        signatures: None,
        note: None,
    };
    let r = app
        .push(
            &inspector,
            vec![
                inspector.op(round.id.0, 0, OpBody::StartRound(round.clone())),
                inspector.op(visit.id.0, 0, OpBody::RecordVisit(visit)),
            ],
        )
        .await;
    assert!(
        r.results
            .iter()
            .all(|x| x.outcome == saferounds_shared::sync::Outcome::Applied),
        "{r:?}"
    );
    let register: Vec<Equipment> = app.get_json(&sup, "/api/v1/equipment").await;
    let got = |id| {
        register
            .iter()
            .find(|e| e.id == id)
            .unwrap()
            .last_checked_on
    };
    assert_eq!(got(here.id), Some(b.today), "checked by the round");
    assert_eq!(
        got(elsewhere.id),
        elsewhere.last_checked_on,
        "another room's is not"
    );
}

fn png(shade: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(60, 20, image::Rgb([shade, shade, shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Every round prints its record: the periodic check with the two signatures drawn on the
/// phone, the daily patrol with lines for the patroller and the person in charge; the rooms in
/// the order walked, each answer, what failed and what was put right on the spot.
pub async fn a_round_prints_its_record(app: &TestApp) {
    use saferounds_shared::checklist::InspectionType;
    use saferounds_shared::hazard::FixedOnSpot;
    use saferounds_shared::ids::{HazardId, Reason, VisitId};
    use saferounds_shared::inspection::{AnswerValue, Signatures, Visit};
    use saferounds_shared::sync::{OpBody, Outcome};

    let inspector = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let t = b
        .templates
        .iter()
        .find(|t| t.inspection_type == InspectionType::PeriodicCheck)
        .unwrap();
    let now = chrono::Utc::now();
    let round = round_of(t, &inspector, b.rooms[0].site_id, now);
    let (_, me) = app.upload(&inspector, &png(10)).await;
    let (_, head) = app.upload(&inspector, &png(90)).await;
    let (_, before) = app.upload(&inspector, &jpeg(31)).await;
    let (_, after) = app.upload(&inspector, &jpeg(32)).await;
    let mut ops = vec![inspector.op(round.id.0, 0, OpBody::StartRound(round.clone()))];
    for (n, room) in b.rooms.iter().take(2).enumerate() {
        let mut answers = all_pass(t, room);
        if n == 0 {
            // The first item fails and is put right on the spot.
            answers[0].value = AnswerValue::Fail;
            answers[0].photos = vec![before.clone()];
            answers[0].hazard_id = Some(HazardId::from_uuid(uuid::Uuid::now_v7()));
            answers[0].fixed_on_spot = Some(FixedOnSpot {
                what_was_done: Reason::parse("灭火器已移回指定位置").unwrap(),
                photos_after: vec![after.clone()],
            });
        }
        let visit = Visit {
            id: VisitId::from_uuid(uuid::Uuid::now_v7()),
            round_id: round.id,
            room_id: room.id,
            site_id: room.site_id,
            inspector_id: inspector.user.id,
            inspection_type: InspectionType::PeriodicCheck,
            template_id: t.id,
            via_qr: true,
            started_at: now + chrono::Duration::minutes(n as i64 * 10),
            finished_at: now + chrono::Duration::minutes(n as i64 * 10 + 5),
            answers,
            signatures: Some(Signatures {
                inspector: me.clone(),
                department_head: head.clone(),
                department_head_name: "站长 刘洋".into(),
            }),
            note: None,
        };
        ops.push(inspector.op(visit.id.0, 0, OpBody::RecordVisit(visit.clone())));
        for report in visit.findings(t, room, b.today) {
            ops.push(inspector.op(report.id.0, 0, OpBody::ReportHazard(report)));
        }
    }
    let r = app.push(&inspector, ops).await;
    assert!(
        r.results.iter().all(|x| x.outcome == Outcome::Applied),
        "{r:?}"
    );

    let record = app
        .get(
            &inspector,
            &format!("/api/v1/inspections/{}/record", round.id),
        )
        .await;
    assert_eq!(record.status(), StatusCode::OK);
    assert!(
        record.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = record.text().await.unwrap();
    assert!(html.contains("防火检查记录") && html.contains(&app.settings.center_name));
    let (first, second) = (&b.rooms[0].name.zh, &b.rooms[1].name.zh);
    let (i, j) = (
        html.find(first.as_str()).unwrap(),
        html.find(second.as_str()).unwrap(),
    );
    assert!(i < j, "rooms in the order walked");
    assert!(html.contains("不合格") && html.contains("当场整改：灭火器已移回指定位置"));
    assert!(
        html.contains("发现不合格 1 项，其中当场整改 1 项"),
        "{html}"
    );
    assert!(html.contains("站长 刘洋"));
    assert_eq!(
        html.matches("<img class=\"signature\" alt=\"签名\" src=\"data:image/png;base64,")
            .count(),
        4,
        "both signatures of both rooms, drawn on the phone"
    );
    assert!(html.contains("检查人（签名）") && html.contains("被检查部门负责人（签名）"));

    // A daily patrol's record: signed on paper by the patroller and the person in charge.
    let (ops, _, _) = crate::stories::walk_through(app, &inspector, 2).await;
    let patrol = ops[0].entity_id;
    app.push(&inspector, ops).await;
    let html = app
        .get(&inspector, &format!("/api/v1/inspections/{patrol}/record"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("防火巡查记录"));
    assert!(html.contains("巡查人（签名）") && html.contains("消防安全管理人（签名）"));
    // Another station's inspector may not read it.
    let hq = app.login("inspector_hq").await;
    assert_eq!(
        app.get(&hq, &format!("/api/v1/inspections/{patrol}/record"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// `--demo-history`: a center in the middle of its campaign — hazards in every state, some
/// overdue, training short of everyone, drills, equipment with warnings — the same each time.
#[tokio::test]
async fn the_demo_history_is_a_live_center() {
    use saferounds_shared::api::{Dashboard, LedgerPage};
    use saferounds_shared::hazard::Status;
    let app = spawn_app_with(Backend::Sqlite, |s| s.demo_history = true)
        .await
        .unwrap();
    let sup = app.login("supervisor").await;
    let all: LedgerPage = app.get_json(&sup, "/api/v1/hazards?limit=500").await;
    assert!(all.total >= 20, "{} hazards", all.total);
    for status in Status::ALL {
        assert!(
            all.rows.iter().any(|h| h.status == status),
            "no hazard {status:?}"
        );
    }
    let d: Dashboard = app.get_json(&sup, "/api/v1/dashboard").await;
    assert!(d.stats.total.overdue > 0, "some are overdue");
    assert!(
        d.stats
            .total
            .closure_rate()
            .is_some_and(|r| r > 0.2 && r < 1.0)
    );
    let rate = d.training.rate().unwrap();
    assert!(
        rate > 0.5 && rate < 1.0,
        "training short of everyone: {rate}"
    );
    let rounds: saferounds_shared::api::InspectionPage =
        app.get_json(&sup, "/api/v1/inspections?limit=500").await;
    assert!(rounds.total > 100, "{} rounds", rounds.total);
    // The plan assigns each station's patrol; the days the history skipped are missed rounds.
    let plans: Vec<saferounds_shared::plan::PatrolPlan> = app.get_json(&sup, "/api/v1/plans").await;
    assert_eq!(plans.len(), 4);
    let risks: Vec<saferounds_shared::risk::RiskPoint> = app.get_json(&sup, "/api/v1/risks").await;
    assert!(
        risks
            .iter()
            .any(|r| r.level == saferounds_shared::risk::RiskLevel::Red),
        "the oxygen store is red: {risks:?}"
    );
    assert!(
        d.missed_rounds
            .iter()
            .any(|r| r.frequency == saferounds_shared::plan::Frequency::Daily
                && r.remaining.len() == r.rooms),
        "a day without a patrol: {:?}",
        d.missed_rounds
    );
    let equipment: Vec<Equipment> = app.get_json(&sup, "/api/v1/equipment").await;
    let today = d.stats.today;
    assert!(equipment.iter().any(|e| !e.warnings(today).is_empty()));
    assert!(
        equipment.iter().any(|e| e.last_checked_on.is_some()),
        "monthly rounds checked the extinguishers"
    );
    // The summary report speaks of the campaign under way.
    let html = app
        .get(&sup, "/api/v1/reports/summary")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("本轮"), "the current campaign");
    // The same seed, the same history: another fresh center has the same hazards.
    let again = spawn_app_with(Backend::Sqlite, |s| s.demo_history = true)
        .await
        .unwrap();
    let sup2 = again.login("supervisor").await;
    let all2: LedgerPage = again.get_json(&sup2, "/api/v1/hazards?limit=500").await;
    let ids = |p: &LedgerPage| {
        let mut v: Vec<_> = p.rows.iter().map(|h| (h.id, h.status)).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&all), ids(&all2));
    again.stop().await;
    app.stop().await;
}

/// A round of `t`'s inspection type by `s` at `site`, starting `now`.
pub(crate) fn round_of(
    t: &saferounds_shared::checklist::Template,
    s: &Session,
    site: saferounds_shared::ids::SiteId,
    now: chrono::DateTime<chrono::Utc>,
) -> saferounds_shared::inspection::Round {
    saferounds_shared::inspection::Round {
        id: saferounds_shared::ids::RoundId::from_uuid(uuid::Uuid::now_v7()),
        inspector_id: s.user.id,
        inspection_type: t.inspection_type,
        site_id: site,
        template_id: t.id,
        template_version: t.version,
        started_at: now,
        finished_at: None,
    }
}

/// Every item of `t` for `room` answered: pass, or not applicable where it is no yes/no item.
pub(crate) fn all_pass(
    t: &saferounds_shared::checklist::Template,
    room: &saferounds_shared::org::Room,
) -> Vec<saferounds_shared::inspection::Answer> {
    use saferounds_shared::inspection::{Answer, AnswerValue};
    t.items_for(room.kind)
        .into_iter()
        .flat_map(|(_, v)| v)
        .map(|i| Answer {
            item_code: i.code.clone(),
            value: match i.answer {
                saferounds_shared::checklist::AnswerKind::PassFailNa => AnswerValue::Pass,
                _ => AnswerValue::NotApplicable,
            },
            note: None,
            photos: vec![],
            hazard_id: None,
            fixed_on_spot: None,
        })
        .collect()
}
