//! Group commit: batches of several devices applied in one transaction stay apart — each is
//! answered as if pushed alone, a refused batch does not touch the others, and a device's second
//! batch in the same group continues where its first left off.

use std::collections::BTreeSet;

use saferounds_server::store::{PushJob, push_group};
use saferounds_shared::api::{Bootstrap, HazardDetail};
use saferounds_shared::org::{Actor, Room};
use saferounds_shared::sync::{OpBody, Operation, Outcome, PullResponse, PushRequest};

use crate::helpers::*;

fn report(s: &Session, room: &Room, today: chrono::NaiveDate, n: usize) -> Operation {
    let r = report_in(room, today, format!("成组提交 {n}"));
    s.op(r.id.0, 0, OpBody::ReportHazard(r))
}

async fn pulled_hazards(app: &TestApp, s: &Session) -> Vec<(u64, uuid::Uuid)> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let p: PullResponse = app
            .get_json(s, &format!("/api/v1/sync/pull?cursor={cursor}&limit=500"))
            .await;
        out.extend(
            p.changes
                .iter()
                .filter(|c| c.entity.kind() == "hazard")
                .map(|c| (c.change_seq, c.entity.id())),
        );
        cursor = p.cursor;
        if !p.more {
            break;
        }
    }
    out
}

pub async fn group_commit_keeps_batches_apart(app: &TestApp) {
    let state = &app.running.as_ref().expect("running").state;
    let inspector = app.login("inspector").await;
    let supervisor = app.login("supervisor").await;
    let boot: Bootstrap = app.get_json(&inspector, "/api/v1/bootstrap").await;
    let room = &boot.rooms[0];
    let first: Vec<Operation> = (0..3)
        .map(|n| report(&inspector, room, boot.today, n))
        .collect();
    let second: Vec<Operation> = (3..5)
        .map(|n| report(&inspector, room, boot.today, n))
        .collect();
    let job = |s: &Session, ops: Vec<Operation>| PushJob {
        actor: Actor::from(&s.user),
        req: PushRequest {
            device_id: inspector.device,
            ops,
        },
        now: chrono::Utc::now(),
        today: boot.today,
        offset: chrono::FixedOffset::east_opt(8 * 3600).unwrap(),
    };
    // One group: the inspector's first batch, the supervisor claiming the inspector's device,
    // the inspector's second batch, and the first batch again (a retry racing the original).
    let jobs = vec![
        job(&inspector, first.clone()),
        job(&supervisor, vec![report(&supervisor, room, boot.today, 9)]),
        job(&inspector, second.clone()),
        job(&inspector, first.clone()),
    ];
    let answers = push_group(&state.db, &jobs).await.expect("group applied");
    assert_eq!(answers.len(), 4, "one answer per batch");
    let a = answers[0].as_ref().expect("first batch");
    assert_eq!(a.last_seq, 3);
    assert!(a.results.iter().all(|r| r.outcome == Outcome::Applied));
    assert!(
        matches!(
            answers[1],
            Err(saferounds_server::error::AppError::Forbidden)
        ),
        "another user's device is refused"
    );
    let b = answers[2].as_ref().expect("second batch");
    assert_eq!(b.last_seq, 5, "continues where the first batch left off");
    assert_eq!(b.results.len(), 2);
    assert!(b.results.iter().all(|r| r.outcome == Outcome::Applied));
    let again = answers[3].as_ref().expect("retry");
    assert_eq!(
        again
            .results
            .iter()
            .map(|r| (r.op_id, r.device_seq, &r.outcome))
            .collect::<Vec<_>>(),
        a.results
            .iter()
            .map(|r| (r.op_id, r.device_seq, &r.outcome))
            .collect::<Vec<_>>(),
        "a repeat in the same group answers what the original got"
    );
    let seen = pulled_hazards(app, &inspector).await;
    assert_eq!(seen.len(), 5, "five reports, each once: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    let expected: BTreeSet<uuid::Uuid> = first.iter().chain(&second).map(|o| o.entity_id).collect();
    assert_eq!(seen.iter().map(|s| s.1).collect::<BTreeSet<_>>(), expected);
    for id in &expected {
        let d: HazardDetail = app
            .get_json(&supervisor, &format!("/api/v1/hazards/{id}"))
            .await;
        assert_eq!(d.audit.len(), 1, "audited once");
    }

    // Over HTTP, forty phones at once, each sending its batch twice concurrently (a retry
    // through a second connection): every report applied once, every phone answered in full.
    let mut phones = Vec::new();
    for _ in 0..40 {
        phones.push(app.login("inspector").await);
    }
    let mut tasks = Vec::new();
    for (p, s) in phones.iter().enumerate() {
        let ops: Vec<Operation> = (0..5)
            .map(|n| {
                report(
                    s,
                    &boot.rooms[p % boot.rooms.len()],
                    boot.today,
                    100 + p * 5 + n,
                )
            })
            .collect();
        for _ in 0..2 {
            let (client, url, token, device, ops) = (
                app.client.clone(),
                app.url("/api/v1/sync/push"),
                s.token.clone(),
                s.device,
                ops.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&PushRequest {
                        device_id: device,
                        ops,
                    })
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "push: {}", r.status());
                let r: saferounds_shared::sync::PushResponse = r.json().await.unwrap();
                assert_eq!(r.last_seq, 5);
                assert!(r.results.iter().all(|r| r.outcome == Outcome::Applied));
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seen = pulled_hazards(app, &inspector).await;
    assert_eq!(seen.len(), 5 + 40 * 5, "every report once");
    assert_eq!(
        seen.iter().map(|s| s.1).collect::<BTreeSet<_>>().len(),
        seen.len()
    );
}
