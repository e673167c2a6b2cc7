//! The role × endpoint matrix: every endpoint of the OpenAPI document, called by every role with
//! a valid request. Allowed means a 2xx answer; refused means 403 with the JSON error.
//! The expected sets are written here by hand from the product's rules, independently of the
//! server's table, and the matrix must name exactly the documented endpoints.

use reqwest::{Method, StatusCode};
use saferounds_shared::ApiError;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::checklist::InspectionType;
use saferounds_shared::checklist::Template;
use saferounds_shared::equipment::{Equipment, EquipmentKind};
use saferounds_shared::ids::{ClassId, DrillId, EquipmentId, PlanId, RiskId, UserId};
use saferounds_shared::org::User;
use saferounds_shared::plan::{Frequency, PatrolPlan};
use saferounds_shared::risk::{RiskLevel, RiskPoint};
use saferounds_shared::training::{ClassKind, Drill, DrillKind, StaffMember, TrainingClass};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::stories::walk_through;

const ROLES: [&str; 7] = [
    "admin",
    "supervisor",
    "leader",
    "inspector",
    "owner",
    "verifier",
    "owner_hq",
];
const ALL: &[&str] = &ROLES;
const ADMIN: &[&str] = &["admin"];
const KEEPERS: &[&str] = &["admin", "supervisor"];
const READERS: &[&str] = &["admin", "supervisor", "leader"];
const NOT_LEADER: &[&str] = &[
    "admin",
    "supervisor",
    "inspector",
    "owner",
    "verifier",
    "owner_hq",
];
/// Center-wide roles and the east station's people (the hazard is at the east station).
const EAST: &[&str] = &[
    "admin",
    "supervisor",
    "leader",
    "inspector",
    "owner",
    "verifier",
];
const PUBLIC: &[&str] = &[];

/// (method, documented path, who may call it; `PUBLIC` = no login needed)
const MATRIX: &[(&str, &str, &[&str])] = &[
    ("get", "/api/health", PUBLIC),
    ("get", "/api/v1/openapi.json", PUBLIC),
    ("post", "/api/v1/auth/login", PUBLIC),
    ("post", "/api/v1/auth/logout", ALL),
    ("get", "/api/v1/me", ALL),
    ("get", "/api/v1/bootstrap", ALL),
    ("post", "/api/v1/sync/push", ALL),
    ("get", "/api/v1/sync/pull", ALL),
    ("put", "/api/v1/blobs/{sha256}", NOT_LEADER),
    ("get", "/api/v1/blobs/{sha256}", READERS),
    ("get", "/api/v1/reminders", ALL),
    ("post", "/api/v1/reminders/send", KEEPERS),
    ("get", "/api/v1/inspections", ALL),
    ("get", "/api/v1/inspections/{id}/record", EAST),
    ("get", "/api/v1/hazards", ALL),
    ("get", "/api/v1/hazards/{id}", EAST),
    ("get", "/api/v1/stats", READERS),
    ("get", "/api/v1/dashboard", READERS),
    ("get", "/api/v1/export/ledger.xlsx", READERS),
    ("get", "/api/v1/reports/bulletin", READERS),
    ("get", "/api/v1/reports/summary", READERS),
    ("get", "/api/v1/rooms/labels", KEEPERS),
    ("get", "/api/v1/measures", ALL),
    ("get", "/api/v1/export/measures.xlsx", READERS),
    ("put", "/api/v1/admin/sites/{id}", ADMIN),
    ("put", "/api/v1/admin/departments/{id}", ADMIN),
    ("put", "/api/v1/admin/buildings/{id}", ADMIN),
    ("put", "/api/v1/admin/rooms/{id}", ADMIN),
    ("put", "/api/v1/admin/users/{id}", ADMIN),
    ("get", "/api/v1/admin/users", ADMIN),
    ("get", "/api/v1/templates", ALL),
    ("post", "/api/v1/templates/{code}/versions", ADMIN),
    ("get", "/api/v1/campaigns", ALL),
    ("put", "/api/v1/campaigns/{id}", KEEPERS),
    ("get", "/api/v1/staff", ALL),
    ("put", "/api/v1/staff/{id}", KEEPERS),
    ("get", "/api/v1/training/classes", ALL),
    ("put", "/api/v1/training/classes/{id}", KEEPERS),
    ("get", "/api/v1/drills", ALL),
    ("put", "/api/v1/drills/{id}", KEEPERS),
    ("get", "/api/v1/equipment", ALL),
    ("put", "/api/v1/equipment/{id}", KEEPERS),
    ("get", "/api/v1/plans", ALL),
    ("put", "/api/v1/plans/{id}", KEEPERS),
    ("get", "/api/v1/risks", ALL),
    ("put", "/api/v1/risks/{id}", KEEPERS),
    // Last: it changes the caller's password, after which "demo1234" no longer logs them in.
    ("post", "/api/v1/me/password", ALL),
];

enum Body {
    None,
    Json(Value),
    Bytes(Vec<u8>),
}

/// Valid requests for every endpoint, built from the demo data.
struct Fixtures {
    boot: Bootstrap,
    hazard: String,
    round: String,
    photo: String,
    template: Template,
    staff: StaffMember,
    user: User,
}

impl Fixtures {
    /// The concrete path and a valid body; `n` makes each caller's new records distinct.
    fn request(&self, method: &str, path: &str, who: &str, n: u32) -> (String, Body) {
        let b = &self.boot;
        let site = &b.sites[0];
        let room = &b.rooms[0];
        let today = b.today;
        let (id, body) = match (method, path) {
            ("post", "/api/v1/auth/login") => (
                String::new(),
                Body::Json(json!({"username": who, "password": "demo1234"})),
            ),
            ("post", "/api/v1/sync/push") => (
                String::new(),
                Body::Json(json!({"device_id": uuid::Uuid::now_v7(), "ops": []})),
            ),
            ("post", "/api/v1/me/password") => (
                String::new(),
                Body::Json(
                    json!({"current_password": "demo1234", "new_password": format!("Tb7#kq9!Lm2x-{n}")}),
                ),
            ),
            ("put", "/api/v1/blobs/{sha256}") => {
                let bytes = jpeg(50_000 + n);
                (photo_hash(&bytes).to_string(), Body::Bytes(bytes))
            }
            ("get", "/api/v1/blobs/{sha256}") => (self.photo.clone(), Body::None),
            ("get", "/api/v1/hazards/{id}") => (self.hazard.clone(), Body::None),
            ("get", "/api/v1/inspections/{id}/record") => (self.round.clone(), Body::None),
            ("put", "/api/v1/admin/sites/{id}") => (site.id.to_string(), Body::Json(json!(site))),
            ("put", "/api/v1/admin/departments/{id}") => {
                let d = &b.departments[0];
                (d.id.to_string(), Body::Json(json!(d)))
            }
            ("put", "/api/v1/admin/buildings/{id}") => {
                let x = &b.buildings[0];
                (x.id.to_string(), Body::Json(json!(x)))
            }
            ("put", "/api/v1/admin/rooms/{id}") => (room.id.to_string(), Body::Json(json!(room))),
            ("put", "/api/v1/admin/users/{id}") => (
                self.user.id.to_string(),
                Body::Json(json!({"user": self.user})),
            ),
            ("post", "/api/v1/templates/{code}/versions") => (
                self.template.code.clone(),
                Body::Json(json!({"items": self.template.items})),
            ),
            ("put", "/api/v1/campaigns/{id}") => {
                let c = &b.campaigns[0];
                (c.id.to_string(), Body::Json(json!(c)))
            }
            ("put", "/api/v1/staff/{id}") => {
                (self.staff.id.to_string(), Body::Json(json!(self.staff)))
            }
            ("put", "/api/v1/training/classes/{id}") => {
                let c = TrainingClass {
                    id: ClassId::from_uuid(uuid::Uuid::now_v7()),
                    kind: ClassKind::Periodic,
                    topic: "消防安全四个能力".into(),
                    held_on: today,
                    attendees: vec![self.staff.id],
                };
                (c.id.to_string(), Body::Json(json!(c)))
            }
            ("put", "/api/v1/drills/{id}") => {
                let d = Drill {
                    id: DrillId::from_uuid(uuid::Uuid::now_v7()),
                    kind: DrillKind::Evacuation,
                    site_id: site.id,
                    held_on: today,
                    participants: vec![self.staff.id],
                    note: None,
                };
                (d.id.to_string(), Body::Json(json!(d)))
            }
            ("put", "/api/v1/equipment/{id}") => {
                let room = b.rooms.iter().find(|r| r.site_id == site.id).unwrap();
                let e = Equipment {
                    id: EquipmentId::from_uuid(uuid::Uuid::now_v7()),
                    site_id: site.id,
                    room_id: room.id,
                    kind: EquipmentKind::DryPowderExtinguisher,
                    serial: format!("MFZ-{n}"),
                    produced_on: today - chrono::Days::new(400),
                    service_life_years: 10,
                    last_checked_on: Some(today),
                    last_serviced_on: None,
                };
                (e.id.to_string(), Body::Json(json!(e)))
            }
            ("put", "/api/v1/plans/{id}") => {
                let assignee = b
                    .people
                    .iter()
                    .find(|p| p.role.inspects() && p.site_id.is_none_or(|s| s == site.id))
                    .unwrap();
                let p = PatrolPlan {
                    id: PlanId::from_uuid(uuid::Uuid::now_v7()),
                    site_id: site.id,
                    inspection_type: InspectionType::DailyPatrol,
                    frequency: Frequency::Daily,
                    assignee: assignee.id,
                    rooms: vec![],
                    starts_on: today,
                    ends_on: None,
                    note: None,
                };
                (p.id.to_string(), Body::Json(json!(p)))
            }
            ("put", "/api/v1/risks/{id}") => {
                let room = b.rooms.iter().find(|r| r.site_id == site.id).unwrap();
                let p = RiskPoint {
                    id: RiskId::from_uuid(uuid::Uuid::now_v7()),
                    site_id: site.id,
                    room_id: room.id,
                    hazard: "配电柜前堆放杂物".into(),
                    lec: None,
                    level: RiskLevel::Yellow,
                    controls: "柜前一米内不得堆物；每日巡查".into(),
                    responsible: self.user.id,
                    item_codes: vec![],
                    assessed_on: today,
                };
                (p.id.to_string(), Body::Json(json!(p)))
            }
            _ => (String::new(), Body::None),
        };
        let path = path
            .replace("{sha256}", &id)
            .replace("{id}", &id)
            .replace("{code}", &id);
        (path, body)
    }
}

async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Body,
) -> reqwest::Response {
    let mut rb = app.client.request(
        Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
        app.url(path),
    );
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    rb = match body {
        Body::None => rb,
        Body::Json(v) => rb.json(&v),
        Body::Bytes(b) => rb.body(b),
    };
    rb.send().await.unwrap()
}

pub async fn role_endpoint_matrix(app: &TestApp) {
    // The matrix names exactly the documented endpoints.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.clone(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    documented.sort();
    let mut listed: Vec<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        listed, documented,
        "the matrix covers every documented endpoint"
    );

    // Fixtures: a hazard at the east station, a photo uploaded by the supervisor (not attached
    // to anything, so only center-wide roles may fetch it), a person on the roster.
    let admin = app.login("admin").await;
    let inspector = app.login("inspector").await;
    let (ops, hazards, _) = walk_through(app, &inspector, 1).await;
    let round = ops[0].entity_id.to_string();
    app.push(&inspector, ops).await;
    let sup = app.login("supervisor").await;
    let (st, photo) = app.upload(&sup, &jpeg(77_777)).await;
    assert_eq!(st, StatusCode::CREATED);
    let boot: Bootstrap = app.get_json(&admin, "/api/v1/bootstrap").await;
    let template = boot.templates[0].clone();
    let users: Vec<User> = app.get_json(&admin, "/api/v1/admin/users").await;
    let user = users
        .into_iter()
        .find(|u| u.username == "inspector")
        .unwrap();
    let staff = StaffMember {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        name: "测试 人员".into(),
        department_id: None,
        site_id: Some(boot.sites[0].id),
        hired_on: boot.today,
        post_changed_on: None,
        active: true,
    };
    let r = send(
        app,
        Some(&admin.token),
        "put",
        &format!("/api/v1/staff/{}", staff.id),
        Body::Json(json!(staff)),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "roster fixture");
    let fx = Fixtures {
        boot,
        hazard: hazards[0].to_string(),
        round,
        photo: photo.to_string(),
        template,
        staff,
        user,
    };

    let mut checked = 0;
    for (i, who) in ROLES.iter().enumerate() {
        let s = app.login(who).await;
        for (j, (method, path, allowed)) in MATRIX.iter().enumerate() {
            let n = (i * 100 + j) as u32;
            let (url, body) = fx.request(method, path, who, n);
            // Logging out ends the session: use a session of its own.
            let token = if *path == "/api/v1/auth/logout" {
                app.login(who).await.token
            } else {
                s.token.clone()
            };
            let r = send(app, Some(&token), method, &url, body).await;
            let status = r.status();
            if allowed.is_empty() || allowed.contains(who) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{who} may {method} {path}, got {status}"
                );
                // This server has no group robot configured: sending is allowed but answers 422.
                let no_robot =
                    *path == "/api/v1/reminders/send" && status == StatusCode::UNPROCESSABLE_ENTITY;
                assert!(
                    status.is_success() || no_robot,
                    "{who} {method} {path}: {status}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who} may not {method} {path}"
                );
                let e: ApiError = r.json().await.unwrap();
                assert_eq!(e.code, "forbidden");
                assert!(!e.message_zh.is_empty() && !e.message_en.is_empty());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROLES.len() * MATRIX.len());

    // Without a token every endpoint but the public ones is 401.
    for (j, (method, path, allowed)) in MATRIX.iter().enumerate() {
        // Every role above changed its password last; a user outside the matrix logs in here.
        let (url, body) = fx.request(method, path, "inspector_hq", 900 + j as u32);
        let status = send(app, None, method, &url, body).await.status();
        if allowed.is_empty() {
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is public"
            );
        } else {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "anonymous {method} {path}"
            );
        }
    }
}
