//! Reminders: in the app for the person responsible, and posted to a group robot (a local
//! receiver standing in for WeCom) on demand and once a day, by one instance only.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::post;
use chrono::Duration;
use reqwest::StatusCode;
use saferounds_shared::api::{Bootstrap, LedgerPage};
use saferounds_shared::hazard::{Event, Registration, Status};
use saferounds_shared::ids::{Fen, Reason};
use saferounds_shared::reminders::{Due, ReminderPage};
use saferounds_shared::sync::OpBody;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::stories::walk_through;

/// A robot that records what it is sent and answers like WeCom.
pub(crate) async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/cgi-bin/webhook/send",
        post(move |Json(v): Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                Json(json!({"errcode": 0, "errmsg": "ok"}))
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/cgi-bin/webhook/send?key=test",
        l.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, got)
}

#[tokio::test]
async fn reminders_in_the_app_and_to_the_group_robot() {
    let (url, got) = receiver().await;
    let backend = if pg_admin_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let app = spawn_app_with(backend, |s| {
        s.robot_webhook = Some(url.clone());
        // No background run: the test drives the daily run itself.
        s.remind_hour = 24;
    })
    .await
    .unwrap();
    let inspector = app.login("inspector").await;
    let (ops, _, b): (_, _, Bootstrap) = walk_through(&app, &inspector, 3).await;
    app.push(&inspector, ops).await;
    let sup = app.login("supervisor").await;
    let owner = app.login("owner").await;
    let page: LedgerPage = app.get_json(&sup, "/api/v1/hazards?limit=10").await;
    // Deadlines today, in two days, and in ten days (no reminder yet).
    for (h, days) in page.rows.iter().zip([0, 2, 10]) {
        let reg = Registration {
            grade: saferounds_shared::hazard::Grade::General,
            measures: Reason::parse("更换插线板").unwrap(),
            department_id: owner.user.department_id.unwrap(),
            owner_id: owner.user.id,
            deadline: b.today + Duration::days(days),
            interim_precautions: None,
            funds: Fen::parse(0).unwrap(),
            plan_approved_by: None,
        };
        let r = app
            .push(
                &sup,
                vec![sup.op(
                    h.id.0,
                    h.version,
                    OpBody::Transition {
                        from: Status::Reported,
                        event: Event::Register(reg),
                    },
                )],
            )
            .await;
        assert!(r.resend_from.is_none());
    }

    // In the app: the owner and the supervisor see two reminders; the inspector none.
    let mine = app
        .get_json::<ReminderPage>(&owner, "/api/v1/reminders")
        .await
        .reminders;
    let dues: Vec<Due> = mine.iter().map(|r| r.due).collect();
    assert_eq!(dues, vec![Due::DueToday, Due::DueSoon { days_left: 2 }]);
    let all: ReminderPage = app.get_json(&sup, "/api/v1/reminders").await;
    assert_eq!((all.total, all.reminders.len()), (2, 2));
    let none: ReminderPage = app.get_json(&inspector, "/api/v1/reminders").await;
    assert!(none.reminders.is_empty());

    // On demand from the desk.
    let r = app.post(&sup, "/api/v1/reminders/send", &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sent"], 2);
    let sent = got.lock().unwrap().clone();
    let last = sent.last().expect("the robot got a message");
    assert_eq!(last["msgtype"], "markdown");
    let content = last["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("今日到期 1 项，即将到期 1 项"),
        "{content}"
    );
    for r in &mine {
        assert!(content.contains(&r.number), "{content}");
    }
    assert!(content.contains(&owner.user.display_name));

    // The daily run: nothing before the hour; then one post per day, however often (or by
    // however many instances) it is tried.
    let mut settings = app.settings.clone();
    settings.remind_hour = 8;
    let state = saferounds_server::AppState {
        settings: std::sync::Arc::new(settings),
        ..app.running.as_ref().unwrap().state.clone()
    };
    let before = got.lock().unwrap().len();
    assert!(
        !saferounds_server::notify::daily_at(&state, 7)
            .await
            .unwrap()
    );
    assert!(
        saferounds_server::notify::daily_at(&state, 9)
            .await
            .unwrap()
    );
    assert!(
        !saferounds_server::notify::daily_at(&state, 10)
            .await
            .unwrap()
    );
    assert_eq!(got.lock().unwrap().len(), before + 1);
    app.stop().await;
}
