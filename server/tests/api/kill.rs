//! The real server binary killed with SIGKILL in the middle of a batch, then restarted on the
//! same database: every operation the phone sends ends up applied exactly once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use saferounds_shared::api::{Bootstrap, LoginResponse};
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::{Grade, HazardReport};
use saferounds_shared::ids::{DeviceId, HazardId, OpId};
use saferounds_shared::sync::{
    OpBody, Operation, PullResponse, PushRequest, PushResponse, SCHEMA_VERSION,
};

use crate::helpers::pg_admin_url;

fn spawn(port: u16, url: &str, dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_saferounds"))
        .args([
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
        ])
        .arg("--blobs")
        .arg(dir.join("blobs"))
        .arg("--dist")
        .arg(dir.join("dist"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server binary starts")
}

async fn wait_healthy(c: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if c.get(format!("{base}/api/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come up");
}

/// Reports the phone sends: enough that the kill lands well before the last batch.
const N: u64 = 3_000;

/// Every change the phone sees, by cursor: their `change_seq`s in order.
async fn pull_all(c: &reqwest::Client, base: &str, token: &str) -> Vec<u64> {
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let p: PullResponse = c
            .get(format!(
                "{base}/api/v1/sync/pull?cursor={cursor}&limit=1000"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(p.changes.iter().map(|ch| ch.change_seq));
        cursor = p.cursor;
        if !p.more {
            break;
        }
    }
    seen
}

async fn story(url: String) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let c = reqwest::Client::new();
    let mut child = spawn(port, &url, dir.path());
    wait_healthy(&c, &base).await;
    let login: LoginResponse = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "inspector", "password": "demo1234"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login.token;
    let boot: Bootstrap = c
        .get(format!("{base}/api/v1/bootstrap"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = DeviceId::from_uuid(uuid::Uuid::now_v7());
    let ops: Vec<Operation> = (0..N)
        .map(|i| {
            let room = &boot.rooms[i as usize % boot.rooms.len()];
            let id = HazardId::from_uuid(uuid::Uuid::now_v7());
            Operation {
                op_id: OpId::from_uuid(uuid::Uuid::now_v7()),
                device_id: device,
                device_seq: i + 1,
                schema_version: SCHEMA_VERSION,
                entity_id: id.0,
                base_version: 0,
                body: OpBody::ReportHazard(HazardReport {
                    id,
                    site_id: room.site_id,
                    room_id: Some(room.id),
                    department_id: Some(room.department_id),
                    round_id: None,
                    visit_id: None,
                    category: Category::FireEquipment,
                    item_code: None,
                    description: format!("断电测试 {i}"),
                    grade: Grade::General,
                    basis: "GB 50444".into(),
                    found_on: boot.today,
                    deadline: None,
                    photos_before: vec![],
                    fixed_on_spot: None,
                }),
                recorded_at: chrono::Utc::now(),
            }
        })
        .collect();
    // Send batches of 100; the server is killed as soon as the first one is acknowledged, while
    // the next ones are on their way.
    let (first_acked, acked_rx) = tokio::sync::oneshot::channel();
    let sender = {
        let (c, base, token, ops) = (c.clone(), base.clone(), token.clone(), ops.clone());
        tokio::spawn(async move {
            let mut first_acked = Some(first_acked);
            for chunk in ops.chunks(100) {
                let r = c
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&PushRequest {
                        device_id: device,
                        ops: chunk.to_vec(),
                    })
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status().is_success())
                    && let Some(tx) = first_acked.take()
                {
                    let _ = tx.send(());
                }
            }
        })
    };
    acked_rx.await.expect("the first batch is acknowledged");
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let _ = sender.await;
    // Restart on the same database and resend until everything is acknowledged.
    let mut child = spawn(port, &url, dir.path());
    wait_healthy(&c, &base).await;
    let before = pull_all(&c, &base, &token).await.len() as u64;
    assert!(
        (100..N).contains(&before),
        "the acknowledged batch survived the kill and the last did not land before it: {before}"
    );
    let mut acked = std::collections::BTreeSet::new();
    for _ in 0..(2 * N / 100) {
        let pending: Vec<Operation> = ops
            .iter()
            .filter(|o| !acked.contains(&o.op_id))
            .cloned()
            .collect();
        if pending.is_empty() {
            break;
        }
        let batch: Vec<Operation> = pending.into_iter().take(100).collect();
        let r: PushResponse = c
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&token)
            .json(&PushRequest {
                device_id: device,
                ops: batch,
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        acked.extend(
            r.results
                .iter()
                .filter(|r| r.outcome.is_final())
                .map(|r| r.op_id),
        );
    }
    assert_eq!(
        acked.len() as u64,
        N,
        "every operation acknowledged after the restart"
    );
    let seen = pull_all(&c, &base, &token).await;
    assert_eq!(seen.len() as u64, N, "each report exactly once");
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn killed_mid_batch_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    story(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("k.sqlite").display()
    ))
    .await;
}

#[tokio::test]
async fn killed_mid_batch_postgres() {
    let Some(admin) = pg_admin_url() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL story skipped");
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("sr_kill_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    story(format!("{}/{name}", admin.rsplit_once('/').unwrap().0)).await;
    let _ = sqlx::Executor::execute(
        &mut conn,
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
    )
    .await;
}
