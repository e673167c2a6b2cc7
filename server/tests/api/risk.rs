//! 风险分级管控: risk points kept at the desk, each room's level handed to the phones, the
//! four-colour summary in the campaign's report.

use reqwest::StatusCode;
use saferounds_shared::ApiError;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::ids::RiskId;
use saferounds_shared::org::Role;
use saferounds_shared::risk::{Lec, RiskLevel, RiskPoint};

use crate::helpers::*;

async fn put(app: &TestApp, s: &Session, p: &RiskPoint) -> (StatusCode, Option<String>) {
    let r = app.put(s, &format!("/api/v1/risks/{}", p.id), p).await;
    let status = r.status();
    if status.is_success() {
        return (status, None);
    }
    (status, r.json::<ApiError>().await.ok().map(|e| e.code))
}

pub async fn risk_points_are_kept_and_shown(app: &TestApp) {
    let sup = app.login("supervisor").await;
    let inspector = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let site = inspector.user.site_id.unwrap();
    let room = b.rooms.iter().find(|r| r.site_id == site).unwrap();
    let owner = b
        .people
        .iter()
        .find(|p| p.role == Role::RectificationOwner && p.site_id == Some(site))
        .unwrap();
    let item = b.templates[0].items[0].code.clone();
    let red = Lec {
        l: 3.0,
        e: 6.0,
        c: 40.0,
    };
    let point = RiskPoint {
        id: RiskId::from_uuid(uuid::Uuid::now_v7()),
        site_id: site,
        room_id: room.id,
        hazard: "医用氧气瓶泄漏遇火源燃爆".into(),
        lec: Some(red),
        level: RiskLevel::Red,
        controls: "专库存放、通风、禁火、防倾倒；每日巡查".into(),
        responsible: owner.id,
        item_codes: vec![item],
        assessed_on: b.today,
    };

    // Kept by the safety office; an inspector may read, not write; its rules hold.
    assert_eq!(put(app, &inspector, &point).await.0, StatusCode::FORBIDDEN);
    let mut contradicts = point.clone();
    contradicts.level = RiskLevel::Blue;
    assert_eq!(
        put(app, &sup, &contradicts).await,
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid".into()))
    );
    let mut no_such_item = point.clone();
    no_such_item.item_codes = vec!["ZZ-99".into()];
    assert_eq!(
        put(app, &sup, &no_such_item).await,
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid".into()))
    );
    let hq_inspector = app.login("inspector_hq").await;
    let hq: Bootstrap = app.get_json(&hq_inspector, "/api/v1/bootstrap").await;
    let mut elsewhere = point.clone();
    elsewhere.room_id = hq.rooms[0].id;
    assert_ne!(put(app, &sup, &elsewhere).await.0, StatusCode::OK);
    assert_eq!(put(app, &sup, &point).await, (StatusCode::OK, None));
    // A second, milder point in the same room leaves the room red.
    let mild = RiskPoint {
        id: RiskId::from_uuid(uuid::Uuid::now_v7()),
        lec: None,
        level: RiskLevel::Yellow,
        hazard: "插线板串接".into(),
        controls: "禁止串接；每月检查".into(),
        item_codes: vec![],
        ..point.clone()
    };
    assert_eq!(put(app, &sup, &mild).await, (StatusCode::OK, None));
    let listed: Vec<RiskPoint> = app.get_json(&inspector, "/api/v1/risks").await;
    assert_eq!(listed.len(), 2);

    // The station's phones see the room's level; the headquarters' do not.
    let b: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    assert_eq!(b.room_risks, vec![(room.id, RiskLevel::Red)]);
    let hq: Bootstrap = app.get_json(&hq_inspector, "/api/v1/bootstrap").await;
    assert!(hq.room_risks.is_empty());

    // The summary report counts the four colours and lists the red one with its controls.
    let html = app
        .get(&sup, "/api/v1/reports/summary")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("九、风险分级管控"), "{html}");
    assert!(
        html.contains("辨识风险点 2 处：重大风险（红） 1 处，较大风险（橙） 0 处，一般风险（黄） 1 处，低风险（蓝） 0 处"),
        "{html}"
    );
    assert!(html.contains("医用氧气瓶泄漏遇火源燃爆") && html.contains(&owner.display_name));
    assert!(
        !html.contains("插线板串接"),
        "only red and orange are listed"
    );
}
