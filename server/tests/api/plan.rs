//! The inspection plan (巡查计划): assignments kept at the desk, handed to the assignee's phone
//! in the bootstrap, and rounds missed shown on the dashboard and posted with the robot's
//! reminders.

use chrono::{DateTime, Days, Utc};
use reqwest::StatusCode;
use saferounds_shared::ApiError;
use saferounds_shared::api::{Bootstrap, Dashboard};
use saferounds_shared::checklist::{InspectionType, Template};
use saferounds_shared::ids::{PlanId, VisitId};
use saferounds_shared::inspection::Visit;
use saferounds_shared::org::{Role, Room};
use saferounds_shared::plan::{Frequency, PatrolPlan};
use saferounds_shared::sync::{OpBody, Outcome};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::registers::{all_pass, round_of};

/// The east station's daily patrol of two rooms, assigned to its inspector, in force for three
/// days before today.
fn patrol(b: &Bootstrap, inspector: &Session) -> (PatrolPlan, Vec<Room>) {
    let site = inspector.user.site_id.unwrap();
    let rooms: Vec<Room> = b
        .rooms
        .iter()
        .filter(|r| r.site_id == site && InspectionType::DailyPatrol.covers(r))
        .take(2)
        .cloned()
        .collect();
    assert_eq!(rooms.len(), 2, "the demo station has rooms to patrol");
    let plan = PatrolPlan {
        id: PlanId::from_uuid(uuid::Uuid::now_v7()),
        site_id: site,
        inspection_type: InspectionType::DailyPatrol,
        frequency: Frequency::Daily,
        assignee: inspector.user.id,
        rooms: rooms.iter().map(|r| r.id).collect(),
        starts_on: b.today - Days::new(3),
        ends_on: None,
        note: Some("含夜班宿舍".into()),
    };
    (plan, rooms)
}

/// A daily patrol of `room` by `s`, ended at `at`.
async fn walk(app: &TestApp, s: &Session, b: &Bootstrap, room: &Room, at: DateTime<Utc>) {
    let t: &Template = b
        .templates
        .iter()
        .filter(|t| t.inspection_type == InspectionType::DailyPatrol)
        .max_by_key(|t| t.version)
        .unwrap();
    let round = round_of(t, s, room.site_id, at);
    let visit = Visit {
        id: VisitId::from_uuid(uuid::Uuid::now_v7()),
        round_id: round.id,
        room_id: room.id,
        site_id: room.site_id,
        inspector_id: s.user.id,
        inspection_type: InspectionType::DailyPatrol,
        template_id: t.id,
        via_qr: true,
        started_at: at,
        finished_at: at,
        answers: all_pass(t, room),
        signatures: None,
        note: None,
    };
    let r = app
        .push(
            s,
            vec![
                s.op(round.id.0, 0, OpBody::StartRound(round.clone())),
                s.op(visit.id.0, 0, OpBody::RecordVisit(visit)),
            ],
        )
        .await;
    assert!(
        r.results.iter().all(|x| x.outcome == Outcome::Applied),
        "{r:?}"
    );
}

async fn refused(app: &TestApp, s: &Session, plan: &PatrolPlan) -> (StatusCode, String) {
    let r = app
        .put(s, &format!("/api/v1/plans/{}", plan.id), plan)
        .await;
    let status = r.status();
    let e: ApiError = r.json().await.unwrap();
    (status, e.code)
}

pub async fn the_plan_shows_rounds_due_and_missed(app: &TestApp) {
    let sup = app.login("supervisor").await;
    let inspector = app.login("inspector").await;
    let other_site = app.login("inspector_hq").await;
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let (plan, rooms) = patrol(&b, &inspector);

    // Only those who keep the registers assign rounds; the plan's rules hold.
    assert_eq!(
        refused(app, &inspector, &plan).await.0,
        StatusCode::FORBIDDEN
    );
    let mut monthly_patrol = plan.clone();
    monthly_patrol.frequency = Frequency::Monthly;
    assert_eq!(
        refused(app, &sup, &monthly_patrol).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid".into())
    );
    let owner = b
        .people
        .iter()
        .find(|p| p.role == Role::RectificationOwner)
        .unwrap();
    let mut to_an_owner = plan.clone();
    to_an_owner.assignee = owner.id;
    assert_eq!(
        refused(app, &sup, &to_an_owner).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid".into())
    );
    let mut elsewhere = plan.clone();
    elsewhere.assignee = other_site.user.id;
    assert_eq!(
        refused(app, &sup, &elsewhere).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let hq: Bootstrap = app.get_json(&other_site, "/api/v1/bootstrap").await;
    let mut foreign_room = plan.clone();
    foreign_room.rooms = vec![hq.rooms[0].id];
    assert_ne!(refused(app, &sup, &foreign_room).await.0, StatusCode::OK);

    let r = app
        .put(&sup, &format!("/api/v1/plans/{}", plan.id), &plan)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let listed: Vec<PatrolPlan> = app.get_json(&sup, "/api/v1/plans").await;
    assert_eq!(listed, vec![plan.clone()]);

    // The assignee's phone gets the plan with its rooms; another site's does not.
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    assert_eq!(b.plans, vec![plan.clone()]);
    let hq: Bootstrap = app.get_json(&other_site, "/api/v1/bootstrap").await;
    assert!(hq.plans.is_empty());

    // Yesterday only the first room was walked (an offline phone's visit, sent today); the two
    // days before, neither.
    let now = Utc::now();
    walk(
        app,
        &inspector,
        &b,
        &rooms[0],
        now - chrono::Duration::days(1),
    )
    .await;
    let d: Dashboard = app.get_json(&sup, "/api/v1/dashboard").await;
    let missed: Vec<_> = d
        .missed_rounds
        .iter()
        .map(|r| (r.period, r.remaining.clone(), r.assignee))
        .collect();
    let both = vec![rooms[0].id, rooms[1].id];
    let id = inspector.user.id;
    assert_eq!(
        missed,
        vec![
            (b.today - Days::new(1), vec![rooms[1].id], id),
            (b.today - Days::new(2), both.clone(), id),
            (b.today - Days::new(3), both, id),
        ]
    );

    // Walking today's round does not change what was missed.
    walk(app, &inspector, &b, &rooms[0], now).await;
    walk(app, &inspector, &b, &rooms[1], now).await;
    let again: Dashboard = app.get_json(&sup, "/api/v1/dashboard").await;
    assert_eq!(again.missed_rounds, d.missed_rounds);

    // Retired the day before yesterday, the plan no longer counts the days after.
    let mut retired = plan.clone();
    retired.ends_on = Some(b.today - Days::new(3));
    let r = app
        .put(&sup, &format!("/api/v1/plans/{}", plan.id), &retired)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d: Dashboard = app.get_json(&sup, "/api/v1/dashboard").await;
    let periods: Vec<_> = d.missed_rounds.iter().map(|r| r.period).collect();
    assert_eq!(periods, vec![b.today - Days::new(3)]);
}

/// A round missed yesterday goes out with the day's reminders, even when no hazard is due.
#[tokio::test]
async fn a_missed_round_goes_out_with_the_robots_reminders() {
    let (url, got) = crate::robot::receiver().await;
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.robot_webhook = Some(url.clone());
        s.remind_hour = 24;
    })
    .await
    .unwrap();
    let sup = app.login("supervisor").await;
    let inspector = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let (plan, rooms) = patrol(&b, &inspector);
    let r = app
        .put(&sup, &format!("/api/v1/plans/{}", plan.id), &plan)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    walk(
        &app,
        &inspector,
        &b,
        &rooms[0],
        Utc::now() - chrono::Duration::days(1),
    )
    .await;

    let r = app.post(&sup, "/api/v1/reminders/send", &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sent"], 1, "yesterday's round only: {body}");
    let sent = got.lock().unwrap().clone();
    let content = sent.last().unwrap()["markdown"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let yesterday = (b.today - Days::new(1)).to_string();
    assert!(content.contains("漏巡 1 次"), "{content}");
    assert!(
        content.contains(&format!(
            "防火巡查（每日）{yesterday}：1/2 间未查（负责人：{}）",
            inspector.user.display_name
        )),
        "{content}"
    );
    assert!(content.contains(&rooms[1].name.zh), "{content}");
    app.stop().await;
}
