//! `cargo xtask bench`: server benchmarks over real HTTP on 127.0.0.1, in release mode.
//!
//! - sync ingest: operations per second, 8 devices pushing batches of 100 reports, in five rounds
//!   (their median too): first N reports of history (found over 900 days), later N/10 reports
//!   found today into the full database (day to day);
//! - a new phone's first pull for a station with 200 rooms and 1,000 open hazards: time and
//!   gzipped bytes;
//! - a ledger page (filter + sort + 50 rows) at N hazards: p50 / p95;
//! - C concurrent syncing clients: p99 latency (push and pull apart), errors, process RSS; with
//!   the clients in a separate process; and with the server in its own process (started on the
//!   loaded database), for the server's own memory.
//!
//! Usage: `bench [--pg URL] [--only-pg] [--history-only] [--hazards N] [--clients C]`. Everything runs against a fresh
//! database and stops by itself.

use saferounds_shared::endpoints as ep;
use std::time::{Duration, Instant};

/// The product's allocator (see `src/main.rs`): step 6 runs the server in this binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use chrono::Utc;
use reqwest::Client;
use saferounds_server::{Settings, demo, launch, store};
use saferounds_shared::api::{Bootstrap, PullQuery};
use saferounds_shared::checklist::Category;
use saferounds_shared::checklist::{AnswerKind, InspectionType, Template};
use saferounds_shared::hazard::{Grade, HazardReport};
use saferounds_shared::i18n::Text;
use saferounds_shared::ids::{HazardId, RoomId};
use saferounds_shared::ids::{RoundId, VisitId};
use saferounds_shared::inspection::{Answer, AnswerValue, Round, Visit};
use saferounds_shared::org::{Room, RoomKind};
use saferounds_shared::sync::{
    OpBody, Operation, Outcome, PullResponse, PushRequest, PushResponse,
};

/// A logged-in device: the one client kit's (`saferounds-client`), which numbers operations as
/// the app does.
type Dev = saferounds_client::Device;

async fn login(c: &Client, base: &str, user: &str) -> Dev {
    saferounds_client::Client::with(c.clone(), base)
        .login(user)
        .await
        .unwrap()
}

/// The `i`-th report of the run: found `i % 900` days ago for the history, today when `fresh`
/// (what phones send day to day).
fn report(dev: &mut Dev, boot: &Bootstrap, i: usize, fresh: bool) -> Operation {
    let room = &boot.rooms[i % boot.rooms.len()];
    let id = HazardId::from_uuid(uuid::Uuid::now_v7());
    let cats = Category::ALL;
    dev.op(
        id.0,
        0,
        OpBody::ReportHazard(HazardReport {
            id,
            site_id: room.site_id,
            room_id: Some(room.id),
            department_id: Some(room.department_id),
            round_id: None,
            visit_id: None,
            category: cats[i % cats.len()],
            item_code: Some(format!("EL-{:02}", i % 11 + 1)),
            description: format!("基准测试隐患 {i}：插线板串接，电线老化"),
            grade: if i.is_multiple_of(17) {
                Grade::Major
            } else {
                Grade::General
            },
            basis: "公安部令第61号 §31".into(),
            found_on: boot.today - chrono::Duration::days(if fresh { 0 } else { (i % 900) as i64 }),
            deadline: None,
            photos_before: vec![],
            fixed_on_spot: None,
        }),
    )
}

/// When the `i`-th patrol visit of the run finished: nine a day, over 900 days.
fn patrol_time(i: usize) -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::days((i / 9 % 900) as i64)
}

/// The round the patrol visits from the `i`-th on go into.
fn patrol_round(dev: &mut Dev, boot: &Bootstrap, template: &Template, i: usize) -> Operation {
    let id = RoundId::from_uuid(uuid::Uuid::now_v7());
    dev.op(
        id.0,
        0,
        OpBody::StartRound(Round {
            id,
            inspector_id: boot.user.id,
            inspection_type: template.inspection_type,
            site_id: boot.rooms[0].site_id,
            template_id: template.id,
            template_version: template.version,
            started_at: patrol_time(i) - chrono::Duration::minutes(30),
            finished_at: None,
        }),
    )
}

/// The `i`-th daily patrol visit of the run, in `round`: every item of the room passed.
fn patrol(
    dev: &mut Dev,
    boot: &Bootstrap,
    template: &Template,
    i: usize,
    round: RoundId,
) -> Operation {
    let room = &boot.rooms[i % boot.rooms.len()];
    let finished = patrol_time(i);
    let answers = template
        .items
        .iter()
        .filter(|it| it.applies_to(room.kind) && it.answer == AnswerKind::PassFailNa)
        .map(|it| Answer {
            item_code: it.code.clone(),
            value: AnswerValue::Pass,
            note: None,
            photos: vec![],
            hazard_id: None,
            fixed_on_spot: None,
        })
        .collect();
    let id = VisitId::from_uuid(uuid::Uuid::now_v7());
    dev.op(
        id.0,
        0,
        OpBody::RecordVisit(Visit {
            id,
            round_id: round,
            room_id: room.id,
            site_id: room.site_id,
            inspector_id: boot.user.id,
            inspection_type: template.inspection_type,
            template_id: template.id,
            via_qr: true,
            started_at: finished - chrono::Duration::minutes(3),
            finished_at: finished,
            answers,
            signatures: None,
            note: None,
        }),
    )
}

/// Decodes push bodies of 100 operations as the server does (`serde_json::from_slice`), 2,000
/// times each for reports and for patrol visits: median microseconds per operation.
fn decode(boot: &Bootstrap, mut dev: Dev) {
    let daily = boot
        .templates
        .iter()
        .find(|t| t.inspection_type == InspectionType::DailyPatrol)
        .expect("a daily patrol checklist");
    let round = RoundId::from_uuid(uuid::Uuid::now_v7());
    let bodies = [
        (
            "reports",
            (0..100)
                .map(|i| report(&mut dev, boot, i, false))
                .collect::<Vec<_>>(),
        ),
        (
            "patrol visits",
            (0..100)
                .map(|i| patrol(&mut dev, boot, daily, i, round))
                .collect(),
        ),
    ];
    for (what, ops) in bodies {
        let body = serde_json::to_vec(&PushRequest {
            device_id: dev.device,
            ops,
        })
        .unwrap();
        let mut per_op = Vec::new();
        for _ in 0..2_000 {
            let t = Instant::now();
            let r: PushRequest = serde_json::from_slice(std::hint::black_box(&body)).unwrap();
            per_op.push(t.elapsed().as_secs_f64() * 1e6 / r.ops.len() as f64);
        }
        println!(
            "decode a push of 100 {what} ({} bytes): median {:.2} µs per operation",
            body.len(),
            pct(&mut per_op, 0.5)
        );
    }
}

async fn push(dev: &Dev, ops: Vec<Operation>) -> PushResponse {
    dev.push(ops).await.unwrap()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// Each device pushes `per_dev` reports in batches of 100, all devices at once, in five rounds so
/// that the median of the rounds' rates shows through the noise of a shared machine (and how the
/// rate changes as the tables grow). Returns the devices (their sequence numbers moved on).
async fn ingest(
    boot: &Bootstrap,
    mut devs: Vec<Dev>,
    per_dev: usize,
    first: usize,
    fresh: bool,
    title: &str,
) -> Vec<Dev> {
    let n_devs = devs.len();
    let rounds = 5;
    let mut rates = Vec::new();
    let mut done = 0;
    let start = Instant::now();
    for round in 0..rounds {
        let k_round = if round == rounds - 1 {
            per_dev - done
        } else {
            per_dev / rounds
        };
        let round_start = Instant::now();
        let mut tasks = Vec::new();
        for (d, mut dev) in devs.into_iter().enumerate() {
            let boot = boot.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0;
                while n < k_round {
                    let k = 100.min(k_round - n);
                    let ops: Vec<Operation> = (0..k)
                        .map(|j| report(&mut dev, &boot, first + d * per_dev + done + n + j, fresh))
                        .collect();
                    let r = push(&dev, ops).await;
                    assert_eq!(r.results.len(), k);
                    n += k;
                }
                dev
            }));
        }
        devs = Vec::new();
        for t in tasks {
            devs.push(t.await.unwrap());
        }
        rates.push((k_round * n_devs) as f64 / round_start.elapsed().as_secs_f64());
        done += k_round;
    }
    let secs = start.elapsed().as_secs_f64();
    let rounds_text: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "{title}: {} ops in {secs:.1} s = {:.0} ops/s; rounds of a fifth: {} ops/s, median {:.0} ops/s",
        per_dev * n_devs,
        (per_dev * n_devs) as f64 / secs,
        rounds_text.join(" / "),
        pct(&mut rates, 0.5)
    );
    devs
}

/// `clients` devices, each pushing 5 reports then pulling a page, all at once: latency p50 and
/// p99 (ms), errors, seconds.
async fn clients_run(
    c: &Client,
    base: &str,
    boot: &Bootstrap,
    clients: usize,
    first: usize,
) -> (f64, f64, u32, f64) {
    let mut devs = Vec::new();
    for _ in 0..clients {
        devs.push(login(c, base, "inspector").await);
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (k, mut dev) in devs.into_iter().enumerate() {
        let c = c.clone();
        let base = base.to_owned();
        let boot = boot.clone();
        tasks.push(tokio::spawn(async move {
            let ops: Vec<Operation> = (0..5)
                .map(|j| report(&mut dev, &boot, first + k * 5 + j, true))
                .collect();
            // Like the app in a browser: it asks for gzip and reads each answer to the end.
            let read = |r: reqwest::Result<reqwest::Response>| async move {
                match r {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                }
            };
            let t = Instant::now();
            let ok1 = read(
                c.post(format!("{base}{}", ep::PUSH.path()))
                    .bearer_auth(&dev.token)
                    .header("accept-encoding", "gzip")
                    .json(&PushRequest {
                        device_id: dev.device,
                        ops,
                    })
                    .send()
                    .await,
            )
            .await;
            let l1 = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let ok2 = read(
                c.get(format!(
                    "{base}{}",
                    ep::PULL
                        .query(&PullQuery {
                            cursor: 0,
                            limit: 100
                        })
                        .path
                ))
                .bearer_auth(&dev.token)
                .header("accept-encoding", "gzip")
                .send()
                .await,
            )
            .await;
            (
                vec![l1, t.elapsed().as_secs_f64() * 1000.0],
                u32::from(!ok1) + u32::from(!ok2),
            )
        }));
    }
    let mut lat = Vec::new();
    let (mut pushes, mut pulls) = (Vec::new(), Vec::new());
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        pushes.push(l[0]);
        pulls.push(l[1]);
        lat.extend(l);
        errors += e;
    }
    println!(
        "    push p50 {:.0} ms, p99 {:.0} ms; pull p50 {:.0} ms, p99 {:.0} ms",
        pct(&mut pushes, 0.5),
        pct(&mut pushes, 0.99),
        pct(&mut pulls, 0.5),
        pct(&mut pulls, 0.99)
    );
    (
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        errors,
        start.elapsed().as_secs_f64(),
    )
}

async fn run(label: &str, url: String, hazards: usize, clients: usize, history_only: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_test(url.clone(), dir.path(), dir.path().join("dist"));
    settings.demo = true;
    settings.login_limit = 1_000_000;
    let running = saferounds_server::launch_local(settings).await.unwrap();
    let base = format!("http://{}", running.addr);
    let c = Client::new();

    // A station with 200 rooms.
    let east = demo::site_id("east");
    let b = saferounds_shared::ids::BuildingId::from_uuid(saferounds_shared::ids::stable_uuid(
        "demo-building",
        "east",
    ));
    for i in 0..191 {
        let id = RoomId::from_uuid(uuid::Uuid::now_v7());
        let room = Room {
            id,
            site_id: east,
            building_id: b,
            floor: format!("{}F", i % 6 + 1),
            name: Text::new(format!("房间 {i}"), format!("Room {i}")),
            kind: RoomKind::ALL[i % RoomKind::ALL.len()],
            key_location: false,
            department_id: demo::dept_id("east"),
            qr_code: id.0.simple().to_string()[20..].to_owned(),
        };
        store::put_room(&running.state.db, &room).await.unwrap();
    }

    // 1. Ingest: 8 devices, batches of 100.
    let mut devs = Vec::new();
    for _ in 0..8 {
        devs.push(login(&c, &base, "inspector").await);
    }
    let boot: Bootstrap = c
        .get(format!("{base}{}", ep::BOOTSTRAP.path()))
        .bearer_auth(&devs[0].token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!("[{label}] station rooms: {}", boot.rooms.len());
    // 0. Decoding push bodies (the server's serde decoders, no database): reports and visits.
    decode(&boot, login(&c, &base, "inspector").await);
    let per_dev = hazards / devs.len();
    let devs = ingest(
        &boot,
        devs,
        per_dev,
        0,
        false,
        &format!("[{label}] sync ingest of the history"),
    )
    .await;
    if history_only {
        return;
    }
    // Patrols over the same 900 days (one visit per five hazards, nine a day, one round a day):
    // what the dashboard's coverage and the inspections list read.
    let visits = hazards / 5;
    let mut inspector = login(&c, &base, "inspector").await;
    let daily = boot
        .templates
        .iter()
        .find(|t| t.inspection_type == InspectionType::DailyPatrol)
        .expect("a daily patrol checklist");
    let t = Instant::now();
    let mut round = None;
    for first in (0..visits).step_by(100) {
        let mut ops = Vec::new();
        for i in first..(first + 100).min(visits) {
            if i % 9 == 0 {
                let start = patrol_round(&mut inspector, &boot, daily, i);
                round = Some(RoundId::from_uuid(start.entity_id));
                ops.push(start);
            }
            ops.push(patrol(
                &mut inspector,
                &boot,
                daily,
                i,
                round.expect("a round"),
            ));
        }
        let r = push(&inspector, ops).await;
        assert!(
            r.results.iter().all(|x| x.outcome == Outcome::Applied),
            "visits applied"
        );
    }
    println!(
        "[{label}] {visits} visits in {} rounds (patrols over 900 days) pushed by one device: {:.0} visits/s",
        visits.div_ceil(9),
        visits as f64 / t.elapsed().as_secs_f64()
    );

    // The planner's statistics as autovacuum (PostgreSQL) or `PRAGMA optimize` would leave them
    // a minute after a bulk load.
    running.state.db.analyze().await.unwrap();

    // 2. First pull for the station (all of its hazards are open): time and gzipped bytes.
    let dev = login(&c, &base, "inspector").await;
    let mut cursor = 0;
    let mut bytes = 0usize;
    let mut n_changes = 0usize;
    let start = Instant::now();
    loop {
        let r = c
            .get(format!(
                "{base}{}",
                ep::PULL
                    .query(&PullQuery {
                        cursor,
                        limit: 1000
                    })
                    .path
            ))
            .bearer_auth(&dev.token)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        let body = r.bytes().await.unwrap();
        bytes += body.len();
        let mut d = flate2::read::GzDecoder::new(&body[..]);
        let mut s = String::new();
        std::io::Read::read_to_string(&mut d, &mut s).unwrap();
        let p: PullResponse = serde_json::from_str(&s).unwrap();
        n_changes += p.changes.len();
        cursor = p.cursor;
        if !p.more || n_changes >= 1000 {
            break;
        }
    }
    println!(
        "[{label}] first pull of 1,000 hazards: {:.0} ms, {} KB gzipped ({n_changes} records)",
        start.elapsed().as_secs_f64() * 1000.0,
        bytes / 1024
    );

    // 3. Ledger pages at this size.
    let sup = login(&c, &base, "supervisor").await;
    let station = login(&c, &base, "inspector").await;
    let hq = login(&c, &base, "inspector_hq").await;
    let hq_dept = format!("department_id={}", demo::dept_id("security"));
    // The supervisor's usual filters, then filters that match few or no rows (the worst case of
    // walking an index and filtering), then the ledger of a station's user (every hazard is in
    // that station) and of a headquarters user (none is in that scope).
    let queries: [(&str, &Dev, &str); 15] = [
        ("", &sup, ""),
        ("status=reported&sort=deadline_asc", &sup, ""),
        ("category=electrical&grade=general", &sup, ""),
        ("overdue=true", &sup, ""),
        ("text=%E4%B8%B2%E6%8E%A5", &sup, ""),
        ("offset=5000", &sup, ""),
        ("status=closed", &sup, ""),
        (&hq_dept, &sup, " (another department)"),
        ("", &station, " (station's inspector)"),
        ("", &hq, " (headquarters' inspector)"),
        ("sort=deadline_asc", &sup, ""),
        ("overdue=true&sort=deadline_asc", &sup, ""),
        ("sort=deadline_desc", &station, " (station's inspector)"),
        // A text that no hazard holds: the whole index is read.
        ("text=%E6%B0%A7%E6%B0%94%E7%93%B6", &sup, ""),
        (
            "text=%E6%B0%A7%E6%B0%94%E7%93%B6",
            &station,
            " (station's inspector)",
        ),
    ];
    let mut times = Vec::new();
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for round in 0..20 {
        for (qi, (q, who, _)) in queries.iter().enumerate() {
            let t = Instant::now();
            let r = c
                .get(format!(
                    "{base}{}",
                    ep::LEDGER.query(&format_args!("limit=50&{q}")).path
                ))
                .bearer_auth(&who.token)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
            if round > 0 {
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                times.push(ms);
                per_query[qi].push(ms);
            }
        }
    }
    println!(
        "[{label}] ledger page at {} hazards: p50 {:.1} ms, p95 {:.1} ms",
        per_dev * 8,
        pct(&mut times, 0.5),
        pct(&mut times, 0.95)
    );
    for ((q, _, whom), mut t) in queries.iter().zip(per_query) {
        let filter = if q.is_empty() { "(no filter)" } else { q };
        println!(
            "[{label}]   {:<40} p50 {:.1} ms, p95 {:.1} ms",
            format!("{filter}{whom}"),
            pct(&mut t, 0.5),
            pct(&mut t, 0.95)
        );
    }
    // The desk's other pages over the whole database (no goal in the plan; watched).
    for path in [
        ep::DASHBOARD.path(),
        ep::STATS.path(),
        ep::REMINDERS.path(),
        ep::INSPECTIONS.path(),
    ] {
        let (mut t, mut size) = (Vec::new(), 0);
        for _ in 0..5 {
            let start = Instant::now();
            let r = c
                .get(format!("{base}{path}"))
                .bearer_auth(&sup.token)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            size = r.bytes().await.unwrap().len();
            t.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "[{label}] {path} at {} hazards: median {:.0} ms, {} KB",
            per_dev * 8,
            pct(&mut t, 0.5),
            size / 1024
        );
    }

    // 4. Day-to-day ingest into the full database: phones report what they found today.
    let fresh = (hazards / 10).max(800) / devs.len();
    let devs = ingest(
        &boot,
        devs,
        fresh,
        10_000_000,
        true,
        &format!("[{label}] sync ingest of today's reports into {hazards} hazards"),
    )
    .await;
    drop(devs);

    // 5. Concurrent syncing clients: each pushes 5 reports and pulls one page. First from a
    // separate process, which leaves the server's own latency and memory; then in this process
    // (clients and server share the two cores and the RSS).
    let exe = std::env::current_exe().unwrap();
    let out = tokio::process::Command::new(exe)
        .args(["--clients-only", &base, "--clients", &clients.to_string()])
        .output()
        .await
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    println!(
        "[{label}] {clients} clients from a separate process: {} — server RSS {:.0} MB",
        line.trim(),
        rss_mb()
    );
    let (p50, p99, errors, secs) = clients_run(&c, &base, &boot, clients, 1_000_000).await;
    println!(
        "[{label}] {clients} concurrent syncing clients: p50 {p50:.0} ms, p99 {p99:.0} ms, {errors} errors, {secs:.1} s total, process RSS {:.0} MB (server and clients in one process)",
        rss_mb()
    );
    running.stop().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // 6. The server alone in its own process, started on the same database: the clients' latency
    // and the server's memory without the load generator's or the bulk load's.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--serve", &url, "--port", &port.to_string()])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let up = Instant::now();
    while !c
        .get(format!("{base}/api/health"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (idle, _) = process_memory_mb(server.id().unwrap());
    let (p50, p99, errors, secs) = clients_run(&c, &base, &boot, clients, 3_000_000).await;
    let (rss, peak) = process_memory_mb(server.id().unwrap());
    println!(
        "[{label}] {clients} clients, server in its own process: p50 {p50:.0} ms, p99 {p99:.0} ms, {errors} errors, {secs:.1} s total, server RSS {idle:.0} MB when started, {rss:.0} MB after (peak {peak:.0} MB)"
    );
    server.kill().await.unwrap();
}

/// VmRSS and VmHWM (peak) of a process, in MB.
fn process_memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let hazards: usize = flag("--hazards")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let clients: usize = flag("--clients")
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    // Step 6's server, in its own process, on the database the parent loaded, until killed.
    if let (Some(url), Some(port)) = (flag("--serve"), flag("--port")) {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_test(url, dir.path(), dir.path().join("dist"));
        settings.login_limit = 1_000_000;
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
            .await
            .unwrap();
        let _running = launch(settings, listener).await.unwrap();
        std::future::pending::<()>().await;
    }
    // The client side of step 5, in its own process, against a server started by the parent.
    if let Some(base) = flag("--clients-only") {
        let c = Client::new();
        let dev = login(&c, &base, "inspector").await;
        let boot: Bootstrap = c
            .get(format!("{base}{}", ep::BOOTSTRAP.path()))
            .bearer_auth(&dev.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (p50, p99, errors, secs) = clients_run(&c, &base, &boot, clients, 2_000_000).await;
        println!(
            "p50 {p50:.0} ms, p99 {p99:.0} ms, {errors} errors, {secs:.1} s total, client process RSS {:.0} MB",
            rss_mb()
        );
        return;
    }
    // `--history-only` stops each backend after the history ingest (step 1), for quick comparisons.
    let history_only = args.iter().any(|a| a == "--history-only");
    let dir = tempfile::tempdir().unwrap();
    // `--only-pg` skips SQLite (the PostgreSQL goal is at 1,000,000 hazards).
    if !args.iter().any(|a| a == "--only-pg") {
        run(
            "sqlite",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.sqlite").display()
            ),
            hazards,
            clients,
            history_only,
        )
        .await;
        let size = |name: &str| {
            std::fs::metadata(dir.path().join(name)).map_or(0.0, |m| m.len() as f64 / 1e6)
        };
        println!(
            "[sqlite] database file {:.0} MB, WAL {:.0} MB",
            size("bench.sqlite"),
            size("bench.sqlite-wal")
        );
    }
    if let Some(pg) = flag("--pg") {
        sqlx::any::install_default_drivers();
        let name = format!("sr_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&pg)
            .await
            .unwrap();
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let url = format!("{}/{name}", pg.rsplit_once('/').unwrap().0);
        run("postgres", url, hazards, clients, history_only).await;
        let _ = sqlx::Executor::execute(
            &mut conn,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
        )
        .await;
    }
}
