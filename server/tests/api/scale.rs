//! Scale-out: two server instances on one PostgreSQL database; phones sync through both at once.
//! No duplicates, no lost operations, one `change_seq` order seen identically from either.

use std::collections::BTreeSet;

use saferounds_shared::api::HazardDetail;
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::HazardReport;
use saferounds_shared::ids::OpId;
use saferounds_shared::sync::{OpBody, Outcome, PullResponse};

use crate::helpers::*;

async fn pull_all(app: &TestApp, base: &str, s: &Session) -> Vec<(u64, uuid::Uuid)> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let p: PullResponse = app
            .client
            .get(format!("{base}/api/v1/sync/pull?cursor={cursor}&limit=7"))
            .bearer_auth(&s.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.extend(p.changes.iter().map(|c| (c.change_seq, c.entity.id())));
        cursor = p.cursor;
        if !p.more {
            break;
        }
    }
    out
}

pub async fn two_instances_one_database(app: &TestApp) {
    if app.pg.is_none() {
        return; // scale-out is a PostgreSQL deployment; the SQLite run has nothing to prove here
    }
    let second = saferounds_server::launch_local(app.settings.clone())
        .await
        .unwrap();
    let base_b = format!("http://{}", second.addr);
    let bases = [app.base.clone(), base_b.clone()];

    let boot: saferounds_shared::api::Bootstrap = {
        let s = app.login("inspector").await;
        app.get_json(&s, "/api/v1/bootstrap").await
    };
    let mut phones = Vec::new();
    for _ in 0..4 {
        phones.push(app.login("inspector").await);
    }
    // Each phone pushes its batches alternately to A and B, all phones at once, and repeats
    // every batch on the other instance (a retry after a lost response, through the balancer).
    let mut tasks = Vec::new();
    for (p, s) in phones.into_iter().enumerate() {
        let client = app.client.clone();
        let bases = bases.clone();
        let room = boot.rooms[p % boot.rooms.len()].clone();
        let today = boot.today;
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for batch in 0..5 {
                let ops: Vec<_> = (0..10)
                    .map(|i| {
                        let r = HazardReport {
                            category: Category::Flammables,
                            basis: "61号令".into(),
                            ..report_in(&room, today, format!("扩展测试 {p}-{batch}-{i}"))
                        };
                        s.op(r.id.0, 0, OpBody::ReportHazard(r))
                    })
                    .collect();
                made.extend(ops.iter().map(|o| o.op_id));
                let req = saferounds_shared::sync::PushRequest {
                    device_id: s.device,
                    ops,
                };
                let (first, second) = (&bases[batch % 2], &bases[(batch + 1) % 2]);
                let a = client
                    .post(format!("{first}/api/v1/sync/push"))
                    .bearer_auth(&s.token)
                    .json(&req);
                let b = client
                    .post(format!("{second}/api/v1/sync/push"))
                    .bearer_auth(&s.token)
                    .json(&req);
                let (ra, rb) = tokio::join!(a.send(), b.send());
                for r in [ra.unwrap(), rb.unwrap()] {
                    assert!(r.status().is_success());
                    let body: saferounds_shared::sync::PushResponse = r.json().await.unwrap();
                    for res in body.results {
                        assert!(matches!(res.outcome, Outcome::Applied), "{:?}", res.outcome);
                    }
                }
            }
            (s, made)
        }));
    }
    let mut sessions = Vec::new();
    let mut all_ops: BTreeSet<OpId> = BTreeSet::new();
    for t in tasks {
        let (s, made) = t.await.unwrap();
        all_ops.extend(made);
        sessions.push(s);
    }
    let sup = app.login("supervisor").await;
    let from_a = pull_all(app, &bases[0], &sup).await;
    let from_b = pull_all(app, &bases[1], &sup).await;
    assert_eq!(from_a, from_b, "both instances give one order");
    assert_eq!(from_a.len(), 4 * 5 * 10, "no duplicates, nothing lost");
    assert!(
        from_a.windows(2).all(|w| w[0].0 < w[1].0),
        "change_seq strictly increasing"
    );
    let mut audited = BTreeSet::new();
    for (_, id) in &from_a {
        let d: HazardDetail = app.get_json(&sup, &format!("/api/v1/hazards/{id}")).await;
        assert_eq!(d.audit.len(), 1);
        audited.insert(d.audit[0].op_id);
    }
    assert_eq!(audited, all_ops, "every operation applied exactly once");
    second.stop().await.unwrap();
    drop(sessions);
}
