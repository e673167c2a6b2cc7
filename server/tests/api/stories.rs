//! The stories every backend must pass.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::StatusCode;
use saferounds_shared::ApiError;
use saferounds_shared::api::{Bootstrap, HazardDetail, LedgerPage, Stats};
use saferounds_shared::checklist::{Category, InspectionType, Template};
use saferounds_shared::hazard::{
    Event, Field, FieldValue, Grade, HazardReport, Registration, Status,
};
use saferounds_shared::ids::{Fen, HazardId, Reason, RoundId, VisitId};
use saferounds_shared::inspection::{Answer, AnswerValue, Round, Visit};
use saferounds_shared::lists::HazardFilter;
use saferounds_shared::org::Role;
use saferounds_shared::sync::{Entity, OpBody, Operation, Outcome, PullResponse};

use crate::helpers::*;

pub async fn health_and_headers(app: &TestApp) {
    let r = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let h: saferounds_shared::api::Health = r.json().await.unwrap();
    assert_eq!(h.status, "ok");
    // A missing asset is a 404, never the app's HTML.
    let r = app
        .client
        .get(app.url("/pkg/missing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.code, "not_found");
}

pub async fn login_logout_and_errors(app: &TestApp) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "inspector", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.code, "bad_credentials");
    assert!(!e.message_zh.is_empty() && !e.message_en.is_empty());
    let s = app.login("inspector").await;
    assert_eq!(s.user.role, Role::Inspector);
    let me: saferounds_shared::org::User = app.get_json(&s, "/api/v1/me").await;
    assert_eq!(me.username, "inspector");
    let r = app
        .post(&s, "/api/v1/auth/logout", &serde_json::json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.get(&s, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no token");
}

pub async fn login_rate_limited(app: &TestApp) {
    for _ in 0..5 {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "owner", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "owner", "password": "demo1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.code, "rate_limited");
    // Other users are not affected.
    app.login("verifier").await;
}

pub async fn bootstrap_is_scoped(app: &TestApp) {
    let s = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&s, "/api/v1/bootstrap").await;
    assert!(!b.rooms.is_empty());
    assert!(
        b.rooms.iter().all(|r| Some(r.site_id) == s.user.site_id),
        "an east inspector gets east rooms only"
    );
    assert_eq!(b.templates.len(), 3);
    // The phone counts days in the center's time zone, which the bootstrap tells it.
    assert_eq!(b.utc_offset_minutes, 8 * 60);
    assert_eq!(
        b.today,
        saferounds_shared::api::center_day(chrono::Utc::now(), b.utc_offset_minutes)
    );
    let sup = app.login("supervisor").await;
    let all: Bootstrap = app.get_json(&sup, "/api/v1/bootstrap").await;
    assert!(all.rooms.len() >= 30);
    assert!(all.rooms.len() > b.rooms.len());
}

/// A walk-through: start a round, one visit per room with a failed item (photo) and a pass,
/// the hazards it reports, and finish.
pub async fn walk_through(
    app: &TestApp,
    s: &Session,
    rooms: usize,
) -> (Vec<Operation>, Vec<HazardId>, Bootstrap) {
    let b: Bootstrap = app.get_json(s, "/api/v1/bootstrap").await;
    let t: &Template = b
        .templates
        .iter()
        .find(|t| t.inspection_type == InspectionType::DailyPatrol)
        .unwrap();
    let now = chrono::Utc::now();
    let round = Round {
        id: RoundId::from_uuid(uuid::Uuid::now_v7()),
        inspector_id: s.user.id,
        inspection_type: InspectionType::DailyPatrol,
        site_id: s.user.site_id.unwrap(),
        template_id: t.id,
        template_version: t.version,
        started_at: now,
        finished_at: None,
    };
    let mut ops = vec![s.op(round.id.0, 0, OpBody::StartRound(round.clone()))];
    let mut hazards = vec![];
    for (i, room) in b.rooms.iter().take(rooms).enumerate() {
        let items: Vec<_> = t
            .items_for(room.kind)
            .into_iter()
            .flat_map(|(_, v)| v)
            .filter(|i| i.photo_on_fail)
            .collect();
        let (code_fail, code_pass) = (items[0].code.clone(), items[1].code.clone());
        let (status, photo) = app
            .upload(
                s,
                &jpeg(i as u32 + 1000 * (s.seq.load(std::sync::atomic::Ordering::SeqCst) as u32)),
            )
            .await;
        assert!(status.is_success());
        let hid = HazardId::from_uuid(uuid::Uuid::now_v7());
        let visit = Visit {
            id: VisitId::from_uuid(uuid::Uuid::now_v7()),
            round_id: round.id,
            room_id: room.id,
            site_id: room.site_id,
            inspector_id: s.user.id,
            inspection_type: InspectionType::DailyPatrol,
            template_id: t.id,
            via_qr: i % 2 == 0,
            started_at: now,
            finished_at: now,
            answers: vec![
                Answer {
                    item_code: code_fail,
                    value: AnswerValue::Fail,
                    note: Some(format!("房间 {i}")),
                    photos: vec![photo],
                    hazard_id: Some(hid),
                    fixed_on_spot: None,
                },
                Answer {
                    item_code: code_pass,
                    value: AnswerValue::Pass,
                    note: None,
                    photos: vec![],
                    hazard_id: None,
                    fixed_on_spot: None,
                },
            ],
            signatures: None,
            note: None,
        };
        ops.push(s.op(visit.id.0, 0, OpBody::RecordVisit(visit.clone())));
        for report in visit.findings(t, room, b.today) {
            hazards.push(report.id);
            ops.push(s.op(report.id.0, 0, OpBody::ReportHazard(report)));
        }
    }
    ops.push(s.op(round.id.0, 1, OpBody::FinishRound { finished_at: now }));
    (ops, hazards, b)
}

async fn ledger_ids(app: &TestApp, s: &Session, query: &str) -> (i64, Vec<HazardId>) {
    let p: LedgerPage = app
        .get_json(s, &format!("/api/v1/hazards?limit=500&{query}"))
        .await;
    (p.total, p.rows.iter().map(|h| h.id).collect())
}

pub async fn walk_through_push_is_idempotent(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, hazards, _) = walk_through(app, &s, 3).await;
    let r1 = app.push(&s, ops.clone()).await;
    assert_eq!(r1.results.len(), ops.len());
    assert!(
        r1.results.iter().all(|r| r.outcome == Outcome::Applied),
        "{:?}",
        r1.results
    );
    assert_eq!(r1.last_seq, ops.len() as u64);
    // The same batch again (a retry after a lost response): same outcomes, nothing new.
    let r2 = app.push(&s, ops.clone()).await;
    assert_eq!(
        r1.results
            .iter()
            .map(|r| (&r.op_id, &r.outcome))
            .collect::<Vec<_>>(),
        r2.results
            .iter()
            .map(|r| (&r.op_id, &r.outcome))
            .collect::<Vec<_>>()
    );
    let sup = app.login("supervisor").await;
    let (total, ids) = ledger_ids(app, &sup, "").await;
    assert_eq!(total, 3);
    assert_eq!(
        ids.into_iter().collect::<BTreeSet<_>>(),
        hazards.iter().copied().collect()
    );
    for h in &hazards {
        let d: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{h}")).await;
        assert_eq!(d.audit.len(), 1, "reported once");
        assert_eq!(d.hazard.status, Status::Reported);
        assert_eq!(d.hazard.photos_before.len(), 1);
        assert_eq!(d.audit[0].device_id, s.device);
    }
}

pub async fn device_seq_gap_asks_for_resend(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, _, _) = walk_through(app, &s, 2).await;
    let r = app.push(&s, ops[2..].to_vec()).await;
    assert_eq!(r.resend_from, Some(1));
    assert!(r.results.is_empty());
    let r = app.push(&s, ops[..1].to_vec()).await;
    assert_eq!(r.last_seq, 1);
    let r = app.push(&s, ops[2..].to_vec()).await;
    assert_eq!(r.resend_from, Some(2), "still missing op 2");
    let r = app.push(&s, ops.clone()).await;
    assert_eq!(r.resend_from, None);
    assert_eq!(r.last_seq, ops.len() as u64);
}

pub async fn missing_photo_holds_operation(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, hazards, _) = walk_through(app, &s, 1).await;
    // A hazard reported with a photo the server does not have yet.
    let Some(OpBody::ReportHazard(mut report)) = ops.iter().find_map(|o| {
        if let OpBody::ReportHazard(_) = o.body {
            Some(o.body.clone())
        } else {
            None
        }
    }) else {
        panic!()
    };
    let late = jpeg(777_777);
    report.photos_before.push(photo_hash(&late));
    let mut ops2 = ops.clone();
    let idx = ops2
        .iter()
        .position(|o| matches!(o.body, OpBody::ReportHazard(_)))
        .unwrap();
    ops2[idx].body = OpBody::ReportHazard(report);
    let r = app.push(&s, ops2.clone()).await;
    assert_eq!(r.resend_from, Some(ops2[idx].device_seq));
    assert!(matches!(
        r.results.last().unwrap().outcome,
        Outcome::Pending { .. }
    ));
    let sup = app.login("supervisor").await;
    assert_eq!(
        app.get(&sup, &format!("/api/v1/hazards/{}", hazards[0]))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "nothing half-applied"
    );
    let (st, _) = app.upload(&s, &late).await;
    assert_eq!(st, StatusCode::CREATED);
    let r = app.push(&s, ops2[idx..].to_vec()).await;
    assert_eq!(r.resend_from, None);
    let d: HazardDetail = app
        .get_json(&sup, &format!("/api/v1/hazards/{}", hazards[0]))
        .await;
    assert_eq!(d.hazard.photos_before.len(), 2);
}

pub fn registration(b: &Bootstrap, owner: &Session) -> Registration {
    Registration {
        grade: Grade::General,
        measures: Reason::parse("更换为带过载保护的插线板").unwrap(),
        department_id: owner.user.department_id.unwrap(),
        owner_id: owner.user.id,
        deadline: b.today + Duration::days(10),
        interim_precautions: None,
        funds: Fen::parse(8_000).unwrap(),
        plan_approved_by: None,
    }
}

pub async fn stale_transition_and_field_conflict(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, hazards, b) = walk_through(app, &s, 1).await;
    app.push(&s, ops).await;
    let h = hazards[0];
    let sup = app.login("supervisor").await;
    let sup_tab2 = app.login("supervisor").await;
    let owner = app.login("owner").await;
    let reg = registration(&b, &owner);
    let r = app
        .push(
            &sup,
            vec![sup.op(
                h.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(reg.clone()),
                },
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    // Another tab registers the same hazard: its target is reached already, a no-op.
    let r = app
        .push(
            &sup_tab2,
            vec![sup_tab2.op(
                h.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(reg),
                },
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::AlreadyApplied);
    // A void made against the old state is rejected with a reason the user can read.
    let r = app
        .push(
            &sup_tab2,
            vec![sup_tab2.op(
                h.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Void {
                        reason: Reason::parse("误报").unwrap(),
                    },
                },
            )],
        )
        .await;
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!("{:?}", r.results)
    };
    assert_eq!(error.code, "stale_transition");
    // Supervisor and owner edit the measures from the same base version.
    let d: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{h}")).await;
    let v = d.hazard.version;
    let r = app
        .push(
            &sup,
            vec![sup.op(
                h.0,
                v,
                OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some("拆除串接插线板".into()))],
                },
            )],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let r = app
        .push(
            &owner,
            vec![owner.op(
                h.0,
                v,
                OpBody::EditHazard {
                    changes: vec![FieldValue::Measures(Some("增设墙面插座".into()))],
                },
            )],
        )
        .await;
    assert_eq!(
        r.results[0].outcome,
        Outcome::Conflict {
            fields: vec![Field::Measures]
        }
    );
    let d: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{h}")).await;
    assert_eq!(d.hazard.measures.as_deref(), Some("拆除串接插线板"));
    assert_eq!(d.hazard.conflicts.len(), 1);
    assert_eq!(
        d.hazard.conflicts[0].losing,
        FieldValue::Measures(Some("增设墙面插座".into()))
    );
    // An edit that would empty the description is refused whole, with what to do, and changes
    // nothing (not even the measures it also carries).
    let r = app
        .push(
            &sup,
            vec![sup.op(
                h.0,
                d.hazard.version,
                OpBody::EditHazard {
                    changes: vec![
                        FieldValue::Measures(Some("另一措施".into())),
                        FieldValue::Description("   ".into()),
                    ],
                },
            )],
        )
        .await;
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!("{:?}", r.results)
    };
    assert_eq!(error.code, "missing_field");
    assert!(
        error.message_zh.contains("隐患描述"),
        "{}",
        error.message_zh
    );
    let after: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{h}")).await;
    assert_eq!(after.hazard, d.hazard);
}

pub async fn closing_the_loop_and_audit_trail(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, hazards, b) = walk_through(app, &s, 1).await;
    app.push(&s, ops).await;
    let h = hazards[0];
    let sup = app.login("supervisor").await;
    let owner = app.login("owner").await;
    let verifier = app.login("verifier").await;
    let ok = |r: saferounds_shared::sync::PushResponse| {
        assert_eq!(r.results[0].outcome, Outcome::Applied, "{:?}", r.results)
    };
    ok(app
        .push(
            &sup,
            vec![sup.op(
                h.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(registration(&b, &owner)),
                },
            )],
        )
        .await);
    ok(app
        .push(
            &owner,
            vec![owner.op(
                h.0,
                2,
                OpBody::Transition {
                    from: Status::Registered,
                    event: Event::StartRectification,
                },
            )],
        )
        .await);
    let (_, after) = app.upload(&owner, &jpeg(42)).await;
    ok(app
        .push(
            &owner,
            vec![owner.op(
                h.0,
                3,
                OpBody::Transition {
                    from: Status::Rectifying,
                    event: Event::SubmitRectification {
                        what_was_done: Reason::parse("已更换").unwrap(),
                        photos_after: vec![after],
                    },
                },
            )],
        )
        .await);
    ok(app
        .push(
            &verifier,
            vec![verifier.op(
                h.0,
                4,
                OpBody::Transition {
                    from: Status::AwaitingRecheck,
                    event: Event::RecheckPass {
                        note: Some("合格".into()),
                        photos: vec![],
                    },
                },
            )],
        )
        .await);
    let d: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{h}")).await;
    assert_eq!(d.hazard.status, Status::Closed);
    assert_eq!(d.hazard.closed_on, Some(b.today));
    let actions: Vec<&str> = d.audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "report",
            "register",
            "start_rectification",
            "submit_rectification",
            "recheck_pass"
        ]
    );
    assert_eq!(d.audit[4].user_id, verifier.user.id);
    assert_eq!(d.audit[4].device_id, verifier.device);
    // The owner's photo is visible to the inspector of that station; statistics count the closure.
    assert_eq!(
        app.get(&s, &format!("/api/v1/blobs/{}", d.hazard.photos_after[0]))
            .await
            .status(),
        StatusCode::OK
    );
    let stats: Stats = app.get_json(&sup, "/api/v1/stats").await;
    assert_eq!((stats.total.found, stats.total.closed), (1, 1));
    statistics_columns_agree_with_documents(app, &sup, b.today).await;
}

/// Statistics are computed from the ledger's columns: for every hazard they hold what the
/// document says, and `/stats` equals `shared`'s statistics over the documents.
async fn statistics_columns_agree_with_documents(
    app: &TestApp,
    sup: &Session,
    today: chrono::NaiveDate,
) {
    use saferounds_shared::campaign::stats_by;
    use saferounds_shared::hazard::Facts;
    let docs: LedgerPage = app.get_json(sup, "/api/v1/hazards?limit=500").await;
    let db = &app.running.as_ref().unwrap().state.db;
    let actor = saferounds_shared::org::Actor::from(&sup.user);
    let mut columns = saferounds_server::store::hazard_facts_visible(db, &actor)
        .await
        .unwrap();
    columns.sort_by_key(|f| f.id);
    let mut from_docs: Vec<_> = docs.rows.iter().map(Facts::facts).collect();
    from_docs.sort_by_key(|f| f.id);
    assert_eq!(columns, from_docs);
    let stats: Stats = app.get_json(sup, "/api/v1/stats").await;
    let want = stats_by(&docs.rows, today, |_| Some(())).remove(&());
    assert_eq!(Some(stats.total), want);
}

pub async fn pull_pages_and_scope(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, _, _) = walk_through(app, &s, 4).await;
    let n_entities = 1 + 4 + 4;
    app.push(&s, ops).await;
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let p: PullResponse = app
            .get_json(&s, &format!("/api/v1/sync/pull?cursor={cursor}&limit=3"))
            .await;
        pages += 1;
        assert!(
            p.changes
                .windows(2)
                .all(|w| w[0].change_seq < w[1].change_seq)
        );
        seen.extend(p.changes.iter().map(|c| c.entity.id()));
        cursor = p.cursor;
        if !p.more {
            break;
        }
    }
    assert_eq!(seen.len(), n_entities);
    assert!(pages >= 3);
    // A phone's browser asks for gzip: the page comes compressed (by the handler, under its
    // permit) and is the same page once decoded.
    let path = "/api/v1/sync/pull?cursor=0&limit=100";
    let plain = app.get(&s, path).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let gz = app.get_accepting(&s, path, "gzip, deflate, br").await;
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["content-type"], "application/json");
    assert_eq!(gz.headers()["vary"], "accept-encoding");
    let gz = gz.bytes().await.unwrap();
    assert!(gz.len() < plain.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    let (a, b): (PullResponse, PullResponse) = (
        serde_json::from_slice(&unzipped).unwrap(),
        serde_json::from_slice(&plain).unwrap(),
    );
    assert_eq!(
        a.changes.iter().map(|c| c.change_seq).collect::<Vec<_>>(),
        b.changes.iter().map(|c| c.change_seq).collect::<Vec<_>>()
    );
    assert_eq!(a.changes.len(), n_entities);
    // An HQ inspector sees none of the east station's records.
    let hq = app.login("inspector_hq").await;
    let p: PullResponse = app.get_json(&hq, "/api/v1/sync/pull?cursor=0").await;
    assert!(p.changes.is_empty());
    let owner = app.login("owner").await;
    let p: PullResponse = app.get_json(&owner, "/api/v1/sync/pull?cursor=0").await;
    assert!(
        p.changes
            .iter()
            .any(|c| matches!(c.entity, Entity::Hazard(_)))
    );
}

pub async fn photos_upload_rules(app: &TestApp) {
    let s = app.login("inspector").await;
    let (st, h) = app.upload(&s, &jpeg(1)).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = app.upload(&s, &jpeg(1)).await;
    assert_eq!(st, StatusCode::OK, "repeat is idempotent");
    // Wrong hash.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/blobs/{h}")))
        .bearer_auth(&s.token)
        .body(jpeg(2))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json::<ApiError>().await.unwrap();
    assert_eq!(e.code, "invalid");
    assert!(e.message_en.contains("does not match its hash"), "{e:?}");
    // Not an image.
    let text = b"hello".to_vec();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/blobs/{}", photo_hash(&text))))
        .bearer_auth(&s.token)
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Oversize: a clear JSON 413.
    let mut big = jpeg(3);
    big.resize(saferounds_shared::sync::MAX_PHOTO_BYTES + 10, 0);
    let r = app
        .client
        .put(app.url(&format!("/api/v1/blobs/{}", photo_hash(&big))))
        .bearer_auth(&s.token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.code, "too_large");
    // A path that tries to escape storage is not a hash.
    let r = app
        .client
        .get(app.url("/api/v1/blobs/..%2F..%2Fetc%2Fpasswd"))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Unauthenticated and unrelated users cannot download it.
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/blobs/{h}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (ops, _, _) = walk_through(app, &s, 1).await;
    app.push(&s, ops.clone()).await;
    let Some(OpBody::RecordVisit(v)) = ops.iter().find_map(|o| {
        if let OpBody::RecordVisit(_) = o.body {
            Some(o.body.clone())
        } else {
            None
        }
    }) else {
        panic!()
    };
    let p = &v.answers[0].photos[0];
    let hq = app.login("inspector_hq").await;
    assert_eq!(
        app.get(&hq, &format!("/api/v1/blobs/{p}")).await.status(),
        StatusCode::FORBIDDEN
    );
    let sup = app.login("supervisor").await;
    let r = app.get(&sup, &format!("/api/v1/blobs/{p}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
}

/// Role rules that live in the domain (through push) rather than on an endpoint; the endpoint
/// matrix is `matrix.rs`.
pub async fn authorization_matrix(app: &TestApp) {
    // Domain rules through push: an inspector may not register; anyone reports only where they
    // work.
    let insp = app.login("inspector").await;
    let (ops, hazards, b) = walk_through(app, &insp, 1).await;
    app.push(&insp, ops).await;
    let owner = app.login("owner").await;
    let r = app
        .push(
            &insp,
            vec![insp.op(
                hazards[0].0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(registration(&b, &owner)),
                },
            )],
        )
        .await;
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!()
    };
    assert_eq!(error.code, "forbidden");
    // Anyone may report what they come across (随手拍) where they work, and nowhere else.
    let room = b
        .rooms
        .iter()
        .find(|r| Some(r.site_id) == owner.user.site_id)
        .unwrap();
    let snap = report_in(room, b.today, "楼道堆放纸箱".into());
    let r = app
        .push(
            &owner,
            vec![owner.op(snap.id.0, 0, OpBody::ReportHazard(snap.clone()))],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied, "{r:?}");
    let hq_owner = app.login("owner_hq").await;
    let elsewhere = report_in(room, b.today, "楼道堆放纸箱".into());
    let r = app
        .push(
            &hq_owner,
            vec![hq_owner.op(elsewhere.id.0, 0, OpBody::ReportHazard(elsewhere))],
        )
        .await;
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!("{r:?}")
    };
    assert_eq!(error.code, "out_of_scope");
    let r = app
        .push(
            &hq_owner,
            vec![hq_owner.op(
                hazards[0].0,
                1,
                OpBody::Comment {
                    text: "看看".into(),
                },
            )],
        )
        .await;
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        panic!()
    };
    assert_eq!(error.code, "out_of_scope");
    // A device belongs to one user.
    let mut stolen = app.login("verifier").await;
    stolen.device = insp.device;
    let r = app
        .post(
            &stolen,
            "/api/v1/sync/push",
            &saferounds_shared::sync::PushRequest {
                device_id: insp.device,
                ops: vec![],
            },
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

pub async fn ledger_filters_agree_with_domain(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, _, b) = walk_through(app, &s, 6).await;
    app.push(&s, ops).await;
    let sup = app.login("supervisor").await;
    let owner = app.login("owner").await;
    let page: LedgerPage = app.get_json(&sup, "/api/v1/hazards?limit=500").await;
    // Register two, one with a deadline already past, so "overdue" has both answers.
    for (i, h) in page.rows.iter().take(2).enumerate() {
        let mut reg = registration(&b, &owner);
        reg.grade = if i == 0 { Grade::Major } else { Grade::General };
        reg.interim_precautions = Some(Reason::parse("设置警示").unwrap());
        reg.plan_approved_by = Some(Reason::parse("主任").unwrap());
        reg.deadline = b.today;
        app.push(
            &sup,
            vec![sup.op(
                h.id.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(reg),
                },
            )],
        )
        .await;
    }
    let all: LedgerPage = app.get_json(&sup, "/api/v1/hazards?limit=500").await;
    let tomorrow = b.today + Duration::days(1);
    let filters: Vec<(&str, HazardFilter)> = vec![
        (
            "status=registered",
            HazardFilter {
                status: Some(Status::Registered),
                ..Default::default()
            },
        ),
        (
            "grade=major",
            HazardFilter {
                grade: Some(Grade::Major),
                ..Default::default()
            },
        ),
        (
            "category=electrical",
            HazardFilter {
                category: Some(Category::Electrical),
                ..Default::default()
            },
        ),
        (
            "text=%E6%88%BF%E9%97%B4%203",
            HazardFilter {
                text: Some("房间 3".into()),
                ..Default::default()
            },
        ),
        (
            "overdue=false",
            HazardFilter {
                overdue: Some(false),
                ..Default::default()
            },
        ),
    ];
    for (q, f) in filters {
        let (total, ids) = ledger_ids(app, &sup, q).await;
        let want: BTreeSet<HazardId> = all
            .rows
            .iter()
            .filter(|h| f.matches(h, b.today))
            .map(|h| h.id)
            .collect();
        assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), want, "{q}");
        assert_eq!(total as usize, want.len(), "{q}");
    }
    // Overdue is judged on the center's today: nothing is overdue on its deadline day; tomorrow
    // the two registered ones would be, and the reported ones whose item is put right on the
    // spot (their time limit is the day they were found).
    assert!(all.rows.iter().all(|h| !h.is_overdue(b.today)));
    let overdue_tomorrow: Vec<_> = all.rows.iter().filter(|h| h.is_overdue(tomorrow)).collect();
    assert!(overdue_tomorrow.iter().all(|h| h.deadline == Some(b.today)));
    for h in page.rows.iter().take(2) {
        assert!(
            overdue_tomorrow.iter().any(|o| o.id == h.id),
            "registered for today"
        );
    }
    assert!(
        all.rows
            .iter()
            .filter(|h| h.status == Status::Reported)
            .all(|h| h.deadline.is_some_and(|d| d > b.today) || h.is_overdue(tomorrow)),
        "a reported hazard's deadline is its item's time limit"
    );

    // Totals: a short page needs no count; a capped count says "at least"; exports count exactly.
    let db = &app.running.as_ref().unwrap().state.db;
    let sup_actor = saferounds_shared::org::Actor::from(&sup.user);
    let f = HazardFilter::default();
    let n = all.rows.len() as i64;
    assert!(n >= 6);
    use saferounds_server::store::{Count, ledger};
    let capped = ledger(db, &sup_actor, &f, b.today, 0, 2, Count::UpTo(3))
        .await
        .unwrap();
    assert_eq!(
        (capped.total, capped.total_at_least, capped.rows.len()),
        (3, true, 2)
    );
    let roomy = ledger(db, &sup_actor, &f, b.today, 0, 2, Count::UpTo(1000))
        .await
        .unwrap();
    assert_eq!((roomy.total, roomy.total_at_least), (n, false));
    let exact = ledger(db, &sup_actor, &f, b.today, 0, 2, Count::Exact)
        .await
        .unwrap();
    assert_eq!((exact.total, exact.total_at_least), (n, false));
    let tail = ledger(db, &sup_actor, &f, b.today, n - 1, 50, Count::UpTo(3))
        .await
        .unwrap();
    assert_eq!(
        (tail.total, tail.total_at_least, tail.rows.len()),
        (n, false, 1)
    );
    let beyond = ledger(db, &sup_actor, &f, b.today, n + 5, 50, Count::UpTo(1000))
        .await
        .unwrap();
    assert_eq!((beyond.total, beyond.rows.len()), (n, 0));
    statistics_columns_agree_with_documents(app, &sup, b.today).await;
}

pub async fn malformed_input_is_4xx(app: &TestApp) {
    let s = app.login("inspector").await;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "/api/v1/sync/push",
            serde_json::json!({"device_id": "x", "ops": []}),
        ),
        ("/api/v1/sync/push", serde_json::json!({"ops": []})),
        (
            "/api/v1/sync/push",
            serde_json::json!({"device_id": uuid::Uuid::now_v7(), "ops": [{"kind": "explode"}]}),
        ),
        ("/api/v1/auth/login", serde_json::json!({"username": 5})),
    ];
    for (path, body) in cases {
        let r = app.post(&s, path, &body).await;
        assert!(
            r.status().is_client_error(),
            "{path} {body}: {}",
            r.status()
        );
        let e: ApiError = r.json().await.unwrap();
        assert!(!e.message_zh.is_empty());
    }
    let r = app
        .client
        .post(app.url("/api/v1/sync/push"))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app.get(&s, "/api/v1/hazards?status=exploded").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app.get(&s, "/api/v1/hazards/not-a-uuid").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get(&s, "/api/v1/sync/pull?cursor=-1").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let huge = "隐".repeat(100_000);
    let r = app
        .post(
            &s,
            "/api/v1/auth/login",
            &serde_json::json!({"username": huge, "password": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

pub fn xlsx_strings(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a valid workbook");
    let mut s = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut s)
        .unwrap();
    assert!(zip.by_name("xl/worksheets/sheet1.xml").is_ok());
    s
}

pub async fn exports_open(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, _, _) = walk_through(app, &s, 3).await;
    app.push(&s, ops).await;
    let sup = app.login("supervisor").await;
    let r = app
        .get(
            &sup,
            "/api/v1/export/ledger.xlsx?text=%E6%88%BF%E9%97%B4%201",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let strings = xlsx_strings(&r.bytes().await.unwrap());
    // A zip archive already: not compressed again, even for a browser that accepts gzip; the
    // ledger's JSON is.
    for (path, gzipped) in [
        ("/api/v1/export/ledger.xlsx", false),
        ("/api/v1/hazards?limit=50", true),
    ] {
        let r = app.get_accepting(&sup, path, "gzip").await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.headers().get("content-encoding").is_some(),
            gzipped,
            "{path}"
        );
    }
    for header in [
        "编号",
        "排查日期",
        "隐患描述",
        "整改措施",
        "责任人",
        "整改时限",
        "复查结论",
        "销号日期",
    ] {
        assert!(strings.contains(header), "missing column {header}");
    }
    assert!(
        strings.contains("房间 1"),
        "the filtered hazard is exported"
    );
    assert!(!strings.contains("房间 2"), "only what the filter selects");
    let r = app
        .get(&sup, "/api/v1/reports/bulletin?month=2026-11")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("逾期未整改隐患的通报") && html.contains("@page{size:A4"));
    assert_eq!(
        app.get(&sup, "/api/v1/reports/bulletin?month=nope")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let admin = app.login("admin").await;
    let html = app
        .get(&admin, "/api/v1/rooms/labels")
        .await
        .text()
        .await
        .unwrap();
    let b: Bootstrap = app.get_json(&admin, "/api/v1/bootstrap").await;
    assert_eq!(
        html.matches("<svg").count(),
        b.rooms.len(),
        "one QR label per room"
    );
    assert!(html.contains(&b.rooms[0].qr_payload()));
    for path in [
        "/api/v1/export/ledger.xlsx",
        "/api/v1/reports/bulletin",
        "/api/v1/rooms/labels",
    ] {
        assert_eq!(
            app.get(&s, path).await.status(),
            StatusCode::FORBIDDEN,
            "inspector {path}"
        );
    }
}

pub async fn openapi_lists_every_endpoint(app: &TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let s = app.login("admin").await;
    let mut n = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            n += 1;
            assert!(
                op["summary"].as_str().unwrap().contains(" / "),
                "bilingual summary for {method} {path}"
            );
            // Every documented endpoint is routed: never the API's 404 fallback or a 405.
            let url = app.url(
                &path
                    .replace("{sha256}", &"0".repeat(64))
                    .replace("{id}", &uuid::Uuid::nil().to_string()),
            );
            let r = app
                .client
                .request(method.to_uppercase().parse().unwrap(), url)
                .bearer_auth(&s.token)
                .send()
                .await
                .unwrap();
            assert_ne!(
                r.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if r.status() == StatusCode::NOT_FOUND {
                let e: ApiError = r.json().await.unwrap();
                assert!(
                    path.contains('{'),
                    "{method} {path} is not routed: {}",
                    e.code
                );
            }
        }
    }
    assert_eq!(n, saferounds_shared::endpoints::ALL.len());
}

pub async fn admin_configures_a_new_station(app: &TestApp) {
    use saferounds_shared::i18n::Text;
    use saferounds_shared::ids::{BuildingId, DepartmentId, RoomId, SiteId, UserId};
    use saferounds_shared::org::{
        Building, Department, Room as OrgRoom, RoomKind, Site, SiteKind, User,
    };
    let admin = app.login("admin").await;
    let put = |path: String, body: serde_json::Value| {
        let c = app.client.clone();
        let url = app.url(&path);
        let token = admin.token.clone();
        async move {
            c.put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let site = Site {
        id: SiteId::from_uuid(uuid::Uuid::now_v7()),
        name: Text::new("城北急救站", "North station"),
        kind: SiteKind::Station,
        address: "北环路 1 号".into(),
    };
    assert_eq!(
        put(
            format!("/api/v1/admin/sites/{}", site.id),
            serde_json::to_value(&site).unwrap()
        )
        .await
        .status(),
        StatusCode::OK
    );
    let dept = Department {
        id: DepartmentId::from_uuid(uuid::Uuid::now_v7()),
        name: Text::new("城北急救站", "North station"),
        site_id: Some(site.id),
    };
    assert_eq!(
        put(
            format!("/api/v1/admin/departments/{}", dept.id),
            serde_json::to_value(&dept).unwrap()
        )
        .await
        .status(),
        StatusCode::OK
    );
    let building = Building {
        id: BuildingId::from_uuid(uuid::Uuid::now_v7()),
        site_id: site.id,
        name: Text::new("站房", "Station"),
        floors: vec!["1F".into()],
    };
    assert_eq!(
        put(
            format!("/api/v1/admin/buildings/{}", building.id),
            serde_json::to_value(&building).unwrap()
        )
        .await
        .status(),
        StatusCode::OK
    );
    let room = OrgRoom {
        id: RoomId::from_uuid(uuid::Uuid::now_v7()),
        site_id: site.id,
        building_id: building.id,
        floor: "1F".into(),
        name: Text::new("车库", "Garage"),
        kind: RoomKind::Garage,
        key_location: true,
        department_id: dept.id,
        qr_code: "north-garage".into(),
    };
    assert_eq!(
        put(
            format!("/api/v1/admin/rooms/{}", room.id),
            serde_json::to_value(&room).unwrap()
        )
        .await
        .status(),
        StatusCode::OK
    );
    // Another room with the same QR code: 409; a room in an unknown building: 422.
    let mut dup = room.clone();
    dup.id = RoomId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        put(
            format!("/api/v1/admin/rooms/{}", dup.id),
            serde_json::to_value(&dup).unwrap()
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    let mut lost = room.clone();
    lost.id = RoomId::from_uuid(uuid::Uuid::now_v7());
    lost.qr_code = "north-lost".into();
    lost.building_id = BuildingId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        put(
            format!("/api/v1/admin/rooms/{}", lost.id),
            serde_json::to_value(&lost).unwrap()
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put(
            format!("/api/v1/admin/rooms/{}", uuid::Uuid::now_v7()),
            serde_json::to_value(&room).unwrap()
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "path and body ids differ"
    );
    // A new inspector for the station logs in and sees exactly its room.
    let user = User {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        username: "north.inspector".into(),
        display_name: "巡查员 周敏".into(),
        role: Role::Inspector,
        extra_roles: vec![],
        department_id: Some(dept.id),
        site_id: Some(site.id),
        active: true,
    };
    let r = put(
        format!("/api/v1/admin/users/{}", user.id),
        serde_json::json!({"user": user, "password": "short"}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "password too short"
    );
    let r = put(
        format!("/api/v1/admin/users/{}", user.id),
        serde_json::json!({"user": user, "password": "north-station-safe-7"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(
            &serde_json::json!({"username": "north.inspector", "password": "north-station-safe-7"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b: Bootstrap = app
        .client
        .get(app.url("/api/v1/bootstrap"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        b.rooms.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![room.id]
    );
    // Deactivating the user ends their sessions.
    let mut off = user.clone();
    off.active = false;
    assert_eq!(
        put(
            format!("/api/v1/admin/users/{}", user.id),
            serde_json::json!({"user": off})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Only administrators.
    let sup = app.login("supervisor").await;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/admin/sites/{}", site.id)))
        .bearer_auth(&sup.token)
        .json(&site)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&sup, "/api/v1/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );
}

pub async fn measures_list_and_export(app: &TestApp) {
    use saferounds_shared::ids::MeasureId;
    use saferounds_shared::lists::{Measure, MeasureKind, MeasureStatus};
    let s = app.login("inspector").await;
    let (ops, hazards, b) = walk_through(app, &s, 1).await;
    app.push(&s, ops).await;
    let sup = app.login("supervisor").await;
    let m = Measure {
        id: MeasureId::from_uuid(uuid::Uuid::now_v7()),
        campaign_id: None,
        title: "值班室用电管理规定".into(),
        kind: MeasureKind::Create,
        description: "明确插线板配置和检查要求".into(),
        department_id: s.user.department_id.unwrap(),
        owner_id: None,
        deadline: b.today + Duration::days(30),
        status: MeasureStatus::InProgress,
        hazard_ids: hazards.clone(),
        done_on: None,
        version: 0,
    };
    let r = app
        .push(
            &sup,
            vec![sup.op(m.id.0, 0, OpBody::SaveMeasure(m.clone()))],
        )
        .await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    // An inspector may not write the list.
    let r = app
        .push(&s, vec![s.op(m.id.0, 1, OpBody::SaveMeasure(m.clone()))])
        .await;
    assert!(
        matches!(&r.results[0].outcome, Outcome::Rejected { error } if error.code == "forbidden")
    );
    let list: Vec<Measure> = app.get_json(&sup, "/api/v1/measures").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, m.title);
    // Scoped as a pull is: the station's department answers for the measure, so its inspector
    // sees it; the headquarters inspector (another site and department) does not.
    let mine: Vec<Measure> = app.get_json(&s, "/api/v1/measures").await;
    assert_eq!(mine.iter().map(|x| x.id).collect::<Vec<_>>(), vec![m.id]);
    let hq = app.login("inspector_hq").await;
    let theirs: Vec<Measure> = app.get_json(&hq, "/api/v1/measures").await;
    assert!(theirs.is_empty(), "{theirs:?}");
    let r = app.get(&sup, "/api/v1/export/measures.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let strings = xlsx_strings(&r.bytes().await.unwrap());
    assert!(
        strings.contains("值班室用电管理规定")
            && strings.contains("制度措施")
            && strings.contains("关联隐患")
    );
    assert!(
        strings.contains("YH"),
        "linked hazards are named by their ledger number"
    );
}

/// The ledger answers a filter either by sorting the few hazards that match or, when many match,
/// by walking an index in the page's order (SQLite, `store::ledger`). Both must give the page the
/// domain's order defines: a station with more hazards than the sorting limit, filters on both
/// sides of it, both sort keys, the last page, and a scope that matches nothing.
pub async fn ledger_pages_agree_sorted_or_walked(app: &TestApp) {
    let s = app.login("inspector").await;
    let boot: Bootstrap = app.get_json(&s, "/api/v1/bootstrap").await;
    let room = &boot.rooms[0];
    let mut reports = Vec::new();
    for i in 0..2_100usize {
        let mut r = report_in(
            room,
            boot.today - Duration::days((i * 7 % 400) as i64),
            format!("台账顺序 {i}"),
        );
        // One in ten is a fire-equipment item (few: sorted); one in six is major.
        if i % 10 == 0 {
            r.category = Category::FireEquipment;
        }
        if i % 6 == 0 {
            r.grade = Grade::Major;
        }
        reports.push(r);
    }
    // 重大 is the safety office's call: the supervisor reports the major ones.
    let office = app.login("supervisor").await;
    for major in [false, true] {
        let by = if major { &office } else { &s };
        let mine: Vec<&HazardReport> = reports
            .iter()
            .filter(|r| (r.grade == Grade::Major) == major)
            .collect();
        for chunk in mine.chunks(300) {
            let ops = chunk
                .iter()
                .map(|r| by.op(r.id.0, 0, OpBody::ReportHazard((*r).clone())))
                .collect();
            let res = app.push(by, ops).await;
            assert!(res.results.iter().all(|r| r.outcome == Outcome::Applied));
        }
    }
    let by_found =
        |a: &&HazardReport, b: &&HazardReport| (b.found_on, b.id).cmp(&(a.found_on, a.id));
    let deadline = |r: &HazardReport| r.grade.default_deadline(r.found_on);
    let mut newest: Vec<_> = reports.iter().collect();
    newest.sort_by(by_found);
    let fire: Vec<_> = newest
        .iter()
        .copied()
        .filter(|r| r.category == Category::FireEquipment)
        .collect();
    let ones: Vec<_> = newest
        .iter()
        .copied()
        .filter(|r| r.description.contains("台账顺序 1"))
        .collect();
    let mut soonest: Vec<_> = reports.iter().collect();
    soonest.sort_by_key(|r| (deadline(r), r.id));
    let ids = |rs: &[&HazardReport]| -> Vec<HazardId> { rs.iter().map(|r| r.id).collect() };
    // A text that runs from the end of one hazard's description into the next searched field:
    // found as `Hazard::mentions` finds it (the phone and the ledger agree).
    let as_hazard = |r: &HazardReport| {
        saferounds_shared::hazard::Hazard::from_report(r.clone(), s.user.id, chrono::Utc::now())
    };
    let last = as_hazard(newest[0]);
    // Its last character (the description ends with an ASCII digit) and what follows it.
    let cut = last.description.len() - 1;
    // Up to two characters into the next non-empty field (a search text is trimmed).
    let mut across = String::new();
    let mut past = 0;
    for c in last.search_text()[cut..].chars() {
        across.push(c);
        if across.contains(' ') && c != ' ' {
            past += 1;
            if past == 2 {
                break;
            }
        }
    }
    assert!(
        !last.description.contains(&across) && last.mentions(&across),
        "{across:?} spans two fields"
    );
    let spanning: Vec<_> = newest
        .iter()
        .copied()
        .filter(|r| as_hazard(r).mentions(&across))
        .collect();
    let sup = app.login("supervisor").await;
    let east = format!("site_id={}", room.site_id);
    let cases: Vec<(&Session, String, i64, Vec<HazardId>)> = vec![
        (
            &s,
            format!("text={}", urlencoding(&across)),
            spanning.len() as i64,
            ids(&spanning[..spanning.len().min(50)]),
        ),
        (&s, String::new(), 2_100, ids(&newest[..50])),
        (&s, "offset=2060".into(), 2_100, ids(&newest[2_060..])),
        (&s, "sort=found_asc".into(), 2_100, {
            let mut v = ids(&newest[newest.len() - 50..]);
            v.reverse();
            v
        }),
        (&s, "category=fire_equipment".into(), 210, ids(&fire[..50])),
        (&s, "sort=deadline_asc".into(), 2_100, ids(&soonest[..50])),
        (&sup, east.clone(), 2_100, ids(&newest[..50])),
        (
            &sup,
            format!("{east}&category=fire_equipment&offset=200"),
            210,
            ids(&fire[200..]),
        ),
        // Text, with the station's scope: matched as `Hazard::mentions` does, case-sensitively
        // (the basis is "GB 50016").
        (
            &s,
            "text=%E5%8F%B0%E8%B4%A6%E9%A1%BA%E5%BA%8F%201".into(),
            ones.len() as i64,
            ids(&ones[..50]),
        ),
        (
            &s,
            "text=GB%2050016&offset=2090".into(),
            2_100,
            ids(&newest[2_090..]),
        ),
        (&s, "text=gb%2050016".into(), 0, vec![]),
    ];
    for (who, q, total, want) in cases {
        let p: LedgerPage = app
            .get_json(who, &format!("/api/v1/hazards?limit=50&{q}"))
            .await;
        let got: Vec<HazardId> = p.rows.iter().map(|h| h.id).collect();
        assert_eq!(p.total, total, "total of {q:?}");
        assert_eq!(got, want, "page of {q:?}");
    }
    let hq = app.login("inspector_hq").await;
    let p: LedgerPage = app.get_json(&hq, "/api/v1/hazards?limit=50").await;
    assert_eq!(
        (p.total, p.rows.len()),
        (0, 0),
        "another site's inspector sees none"
    );
}

/// `text` as a query value (percent-encoded UTF-8; letters and digits as they are).
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
