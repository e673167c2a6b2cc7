//! What an attacker tries: guessing passwords fast and in parallel, megabytes in a text field,
//! another site's photo named by its hash, reporting at another site, connections held open
//! with nothing sent, secrets in logs. Each on SQLite and, when reachable, PostgreSQL.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use saferounds_shared::ApiError;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::hazard::HazardReport;
use saferounds_shared::org::Site;
use saferounds_shared::sync::{OpBody, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn try_login(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// 100 wrong passwords at once: each attempt is reserved before its check, so no more than the
/// limit are ever checked; the right password then waits too — but only from that address.
pub async fn concurrent_guesses_are_reserved_before_checking(app: &TestApp) {
    let limit = app.settings.login_limit as usize;
    let attacker = client_from("127.0.0.1");
    let guesses = (0..100).map(|i| {
        let attacker = attacker.clone();
        async move {
            try_login(app, &attacker, "admin", &format!("guess-{i}"))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, 100, "{statuses:?}");
    assert!(
        (1..=limit).contains(&checked),
        "{checked} guesses were checked; at most {limit} may be"
    );
    let r = try_login(app, &attacker, "admin", "demo1234").await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right one waits too"
    );
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "Retry-After {wait}");
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.code, "rate_limited");
    assert!(
        e.message_zh.contains("秒") && e.message_en.contains(" s"),
        "{e:?}"
    );
    // The administrator, at their own desk, is not locked out by someone guessing elsewhere.
    let desk = client_from("127.0.0.2");
    let r = try_login(app, &desk, "admin", "demo1234").await;
    assert_eq!(r.status(), StatusCode::OK, "admin from another address");
}

/// One address trying many names is throttled too, after four times the per-name limit.
pub async fn one_address_many_names_is_throttled(app: &TestApp) {
    let per_address = 4 * app.settings.login_limit as usize;
    let c = client_from("127.0.0.3");
    let mut checked = 0;
    let mut refused = 0;
    for i in 0..per_address + 10 {
        match try_login(app, &c, &format!("nobody{i}"), "wrong password")
            .await
            .status()
        {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            s => panic!("{s}"),
        }
    }
    assert_eq!(checked, per_address);
    assert_eq!(refused, 10);
    // Successful logins from an address do not use up its allowance.
    let c = client_from("127.0.0.4");
    for _ in 0..per_address + 5 {
        assert_eq!(
            try_login(app, &c, "inspector", "demo1234").await.status(),
            StatusCode::OK
        );
    }
}

/// Passwords: weak ones refused with the rule in both languages; users change their own.
pub async fn passwords_follow_the_rule_and_users_change_their_own(app: &TestApp) {
    let admin = app.login("admin").await;
    let users: Vec<saferounds_shared::org::User> =
        app.get_json(&admin, "/api/v1/admin/users").await;
    let mut u = users.into_iter().find(|u| u.username == "owner").unwrap();
    for weak in ["        ", "password", "password1234", "owner-owner-owner"] {
        let r = app
            .put(
                &admin,
                &format!("/api/v1/admin/users/{}", u.id),
                &serde_json::json!({"user": u, "password": weak}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{weak:?}");
        let e: ApiError = r.json().await.unwrap();
        assert_eq!(e.code, "weak_password");
        assert!(e.message_zh.contains("12") && e.message_en.contains("12"));
    }
    u.display_name = "王 整改".into();
    let owner = app.login("owner").await;
    let other = app.login("owner").await;
    let change = |current: &str, new: &str| serde_json::json!({"current_password": current, "new_password": new});
    let r = app
        .post(
            &owner,
            "/api/v1/me/password",
            &change("wrong one", "Fire-lane 7 stays clear"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .post(
            &owner,
            "/api/v1/me/password",
            &change("demo1234", "12345678901234"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &owner,
            "/api/v1/me/password",
            &change("demo1234", "Fire-lane 7 stays clear"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.get(&owner, "/api/v1/me").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        app.get(&other, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    let c = reqwest::Client::new();
    assert_eq!(
        try_login(app, &c, "owner", "Fire-lane 7 stays clear")
            .await
            .status(),
        StatusCode::OK
    );
}

fn rejected_code(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Rejected { error } => &error.code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Text limits from `shared`, through push and REST; the exports still open.
pub async fn long_text_is_refused_where_it_enters(app: &TestApp) {
    let s = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&s, "/api/v1/bootstrap").await;
    let room = &b.rooms[0];
    let huge = "隐".repeat(7 * 1024 * 1024 / 3);
    let cases: Vec<HazardReport> = vec![
        report_in(room, b.today, huge),
        report_in(room, b.today, "x".repeat(2001)),
        HazardReport {
            basis: "GB".repeat(300),
            ..report_in(room, b.today, "灭火器压力不足".into())
        },
        HazardReport {
            item_code: Some("C".repeat(33)),
            ..report_in(room, b.today, "灭火器压力不足".into())
        },
    ];
    for report in cases {
        let op = s.op(report.id.0, 0, OpBody::ReportHazard(report));
        let r = app.push(&s, vec![op]).await;
        assert_eq!(rejected_code(&r.results[0].outcome), "text_too_long");
        let Outcome::Rejected { error } = &r.results[0].outcome else {
            unreachable!()
        };
        assert!(error.message_zh.contains("最多") && error.message_en.contains("at most"));
    }
    // At the limit it is kept, and the center-wide workbook still opens.
    let at_limit = report_in(room, b.today, "满".repeat(2000));
    let op = s.op(at_limit.id.0, 0, OpBody::ReportHazard(at_limit));
    let r = app.push(&s, vec![op]).await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    let sup = app.login("supervisor").await;
    let x = app.get(&sup, "/api/v1/export/ledger.xlsx").await;
    assert_eq!(x.status(), StatusCode::OK);
    // REST bodies: the same rule, the same error.
    let admin = app.login("admin").await;
    let boot: Bootstrap = app.get_json(&admin, "/api/v1/bootstrap").await;
    let mut site: Site = boot.sites[0].clone();
    site.name.zh = "站".repeat(101);
    let r = app
        .put(&admin, &format!("/api/v1/admin/sites/{}", site.id), &site)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<ApiError>().await.unwrap().code, "text_too_long");
}

/// A photo's hash alone opens nothing: a reference is accepted only from someone who uploaded
/// the bytes or may already see the photo.
pub async fn a_photo_hash_alone_opens_nothing(app: &TestApp) {
    let east = app.login("inspector").await;
    let hq = app.login("inspector_hq").await;
    let (st, photo) = app.upload(&east, &jpeg(4242)).await;
    assert_eq!(st, StatusCode::CREATED);
    let hq_boot: Bootstrap = app.get_json(&hq, "/api/v1/bootstrap").await;
    let hq_room = &hq_boot.rooms[0];
    let report = HazardReport {
        photos_before: vec![photo.clone()],
        ..report_in(hq_room, hq_boot.today, "借用他站照片".into())
    };
    let op = hq.op(report.id.0, 0, OpBody::ReportHazard(report));
    let r = app.push(&hq, vec![op.clone()]).await;
    assert!(
        matches!(&r.results[0].outcome, Outcome::Pending { missing } if missing == &vec![photo.clone()]),
        "{:?}",
        r.results[0].outcome
    );
    let got = app
        .get(&hq, &format!("/api/v1/blobs/{photo}"))
        .await
        .status();
    assert!(
        got == StatusCode::FORBIDDEN || got == StatusCode::NOT_FOUND,
        "{got}"
    );
    // Sending the bytes proves holding them: then the reference is taken.
    let (st, _) = app.upload(&hq, &jpeg(4242)).await;
    assert_eq!(st, StatusCode::OK, "already stored");
    let r = app.push(&hq, vec![op]).await;
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert_eq!(
        app.get(&hq, &format!("/api/v1/blobs/{photo}"))
            .await
            .headers()["cache-control"],
        "no-store",
        "photos are not kept in a shared phone's HTTP cache"
    );
}

/// A field user reports only at their own site, whatever department they name; a transition on
/// a hazard they may not see says nothing of its state.
pub async fn scope_before_anything_else(app: &TestApp) {
    let east = app.login("inspector").await;
    let admin = app.login("admin").await;
    let boot: Bootstrap = app.get_json(&admin, "/api/v1/bootstrap").await;
    let east_boot: Bootstrap = app.get_json(&east, "/api/v1/bootstrap").await;
    let other_site = boot
        .sites
        .iter()
        .find(|s| !east_boot.rooms.iter().any(|r| r.site_id == s.id))
        .expect("a site the east inspector does not work at");
    let mut report = report_in(&east_boot.rooms[0], east_boot.today, "越站上报".into());
    report.site_id = other_site.id;
    report.room_id = None;
    report.department_id = east
        .user
        .department_id
        .or(Some(east_boot.rooms[0].department_id));
    let op = east.op(report.id.0, 0, OpBody::ReportHazard(report));
    let r = app.push(&east, vec![op]).await;
    assert_eq!(rejected_code(&r.results[0].outcome), "out_of_scope");

    // A hazard at headquarters, registered; the east inspector sends a stale transition on it.
    let hq = app.login("inspector_hq").await;
    let hq_boot: Bootstrap = app.get_json(&hq, "/api/v1/bootstrap").await;
    let h = report_in(&hq_boot.rooms[0], hq_boot.today, "总部隐患".into());
    let id = h.id;
    let op = hq.op(id.0, 0, OpBody::ReportHazard(h));
    assert_eq!(
        app.push(&hq, vec![op]).await.results[0].outcome,
        Outcome::Applied
    );
    let op = east.op(
        id.0,
        1,
        OpBody::Transition {
            from: saferounds_shared::hazard::Status::Rectifying,
            event: saferounds_shared::hazard::Event::StartRectification,
        },
    );
    let r = app.push(&east, vec![op]).await;
    assert_eq!(rejected_code(&r.results[0].outcome), "out_of_scope");
    let Outcome::Rejected { error } = &r.results[0].outcome else {
        unreachable!()
    };
    assert!(
        !error.message_zh.contains("已上报")
            && !error.message_en.to_lowercase().contains("reported")
    );
}

/// The tracing output of this test binary, for the tests that check what is logged.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("saferounds_server=info")
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .try_init();
        buf
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Failed logins, throttling and 403s are logged with the user and the address; passwords
/// and tokens never are.
#[tokio::test]
async fn refusals_are_logged_without_secrets() {
    let logs = captured_logs();
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let c = client_from("127.0.0.5");
    let secret = "not-the-password-4711";
    for _ in 0..6 {
        try_login(&app, &c, "verifier", secret).await;
    }
    let s = app.login("inspector").await;
    assert_eq!(
        app.get(&s, "/api/v1/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let line = |needle: &[&str]| text.lines().any(|l| needle.iter().all(|n| l.contains(n)));
    assert!(
        line(&["login failed", "username=verifier", "client=127.0.0.5"]),
        "{text}"
    );
    assert!(
        line(&["refused", "status=429", "client=127.0.0.5"]),
        "{text}"
    );
    assert!(
        line(&[
            "refused",
            "status=403",
            "user=inspector",
            "/api/v1/admin/users"
        ]),
        "{text}"
    );
    assert!(
        !text.contains(secret) && !text.contains(&s.token),
        "a secret was logged"
    );
    app.stop().await;
}

async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> (bool, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    while start.elapsed() < limit {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (true, String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    (false, String::from_utf8_lossy(&got).into_owned())
}

/// Slow or idle clients are cut off, and connections past the cap are closed at once.
#[tokio::test]
async fn slow_and_idle_connections_are_cut_off() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.header_timeout_secs = 1;
        s.body_timeout_secs = 1;
        s.request_timeout_secs = 3;
        s.max_connections = 4;
    })
    .await
    .unwrap();
    let addr = app.running.as_ref().unwrap().addr;
    let connect = || tokio::net::TcpStream::connect(addr);

    // Headers that never end.
    let mut c = connect().await.unwrap();
    c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let (closed, _) = closed_within(&mut c, Duration::from_secs(5)).await;
    assert!(closed, "partial headers were still open after 5 s");

    // A body that stops halfway: answered and closed.
    let mut c = connect().await.unwrap();
    c.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let (closed, answer) = closed_within(&mut c, Duration::from_secs(6)).await;
    assert!(closed, "a stalled body was still open after 6 s: {answer}");
    assert!(
        answer.starts_with("HTTP/1.1 4"),
        "a stalled body gets a 4xx: {answer}"
    );

    // An idle keep-alive connection after a request.
    let mut c = connect().await.unwrap();
    c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (closed, answer) = closed_within(&mut c, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        closed,
        "an idle keep-alive connection was still open after 5 s"
    );

    // The cap: four silent connections hold every slot; a fifth is closed at once.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect().await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = connect().await.unwrap();
    let _ = fifth
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (closed, answer) = closed_within(&mut fifth, Duration::from_millis(800)).await;
    assert!(closed && answer.is_empty(), "over the cap: {answer:?}");
    // Once the silent ones are cut off (1 s), the server serves again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    app.stop().await;
}

/// The robot's webhook address carries its key: a failed post says so without the address.
#[tokio::test]
async fn the_webhook_key_never_reaches_an_answer() {
    // Nothing listens on port 9 of the loopback: the post fails at once.
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.robot_webhook = Some("http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET-KEY-123".into());
        s.remind_hour = 24;
    })
    .await
    .unwrap();
    let logs = captured_logs();
    let inspector = app.login("inspector").await;
    let (ops, _, b) = crate::stories::walk_through(&app, &inspector, 1).await;
    app.push(&inspector, ops).await;
    let sup = app.login("supervisor").await;
    let owner = app.login("owner").await;
    // A hazard due today: there is something to post.
    let page: saferounds_shared::api::LedgerPage =
        app.get_json(&sup, "/api/v1/hazards?limit=1").await;
    let h = &page.rows[0];
    let reg = saferounds_shared::hazard::Registration {
        grade: saferounds_shared::hazard::Grade::General,
        measures: saferounds_shared::ids::Reason::parse("更换插线板").unwrap(),
        department_id: owner.user.department_id.unwrap(),
        owner_id: owner.user.id,
        deadline: b.today,
        interim_precautions: None,
        funds: saferounds_shared::ids::Fen::parse(0).unwrap(),
        plan_approved_by: None,
    };
    let op = sup.op(
        h.id.0,
        h.version,
        OpBody::Transition {
            from: saferounds_shared::hazard::Status::Reported,
            event: saferounds_shared::hazard::Event::Register(reg),
        },
    );
    assert_eq!(
        app.push(&sup, vec![op]).await.results[0].outcome,
        Outcome::Applied
    );
    let r = app
        .post(&sup, "/api/v1/reminders/send", &serde_json::json!({}))
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let body = r.text().await.unwrap();
    assert!(body.contains("group robot"), "{body}");
    assert!(!body.contains("SECRET-KEY-123"), "{body}");
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(!text.contains("SECRET-KEY-123"), "the key was logged");
    app.stop().await;
}

/// Workbook photo links point at `--public-url`, never at what a request's `Host` header says.
pub async fn workbook_links_ignore_the_host_header(app: &TestApp) {
    let s = app.login("inspector").await;
    let b: Bootstrap = app.get_json(&s, "/api/v1/bootstrap").await;
    let (_, photo) = app.upload(&s, &jpeg(5151)).await;
    let report = HazardReport {
        photos_before: vec![photo],
        ..report_in(&b.rooms[0], b.today, "插座过载".into())
    };
    let op = s.op(report.id.0, 0, OpBody::ReportHazard(report));
    assert_eq!(
        app.push(&s, vec![op]).await.results[0].outcome,
        Outcome::Applied
    );
    let sup = app.login("supervisor").await;
    let bytes = app
        .client
        .get(app.url("/api/v1/export/ledger.xlsx"))
        .bearer_auth(&sup.token)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut all = String::new();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    for i in 0..zip.len() {
        use std::io::Read;
        let _ = zip.by_index(i).unwrap().read_to_string(&mut all);
    }
    assert!(all.contains("照片 1 张"), "the photo is counted");
    assert!(
        !all.contains("evil.example"),
        "a link followed the Host header"
    );
}

/// `--help` shows no secret taken from the environment, and passwords are read from the
/// environment or standard input, never from an argument (`ps` shows arguments).
#[test]
fn secrets_stay_out_of_help_and_arguments() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = env!("CARGO_BIN_EXE_saferounds");
    let help = Command::new(bin)
        .arg("--help")
        .env("SAFEROUNDS_ROBOT_SECRET", "SECabcdef123")
        .env(
            "SAFEROUNDS_ROBOT_WEBHOOK",
            "https://robot.example/send?key=K-998877",
        )
        .env("AWS_SECRET_ACCESS_KEY", "aws-secret-4455")
        .env("SAFEROUNDS_DATABASE_URL", "postgres://u:dbpass-3322@h/db")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for secret in ["SECabcdef123", "K-998877", "aws-secret-4455", "dbpass-3322"] {
        assert!(!text.contains(secret), "--help shows {secret}");
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let refused = Command::new(bin)
        .args(["--database-url", &url, "create-admin", "--username", "boss"])
        .args(["--password", "Tb7#kq9!Lm2x-chief"])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a password argument is not accepted"
    );
    let mut child = Command::new(bin)
        .args(["--database-url", &url, "create-admin", "--username", "boss"])
        .env_remove("SAFEROUNDS_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Tb7#kq9!Lm2x-chief\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let weak = Command::new(bin)
        .args([
            "--database-url",
            &url,
            "create-admin",
            "--username",
            "boss2",
        ])
        .env("SAFEROUNDS_PASSWORD", "password1234")
        .output()
        .unwrap();
    assert!(!weak.status.success(), "a weak password is refused");
    assert!(String::from_utf8_lossy(&weak.stderr).contains("too weak"));
}

/// A real photo (a small JPEG), as a phone uploads it.
fn real_jpeg(shade: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(640, 480, image::Rgb([shade, 90, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// The ledger workbook as a safety office keeps it: 序号, where it came from, the department
/// where it was found beside the one answering for it, the place, funds as a number that adds
/// up, and the photo itself as a thumbnail.
pub async fn ledger_workbook_has_the_offices_columns(app: &TestApp) {
    let s = app.login("inspector").await;
    let (ops, hazards, b) = crate::stories::walk_through(app, &s, 1).await;
    app.push(&s, ops).await;
    let (st, photo) = app.upload(&s, &real_jpeg(200)).await;
    assert_eq!(st, StatusCode::CREATED);
    let spot = HazardReport {
        photos_before: vec![photo],
        ..report_in(&b.rooms[0], b.today, "随手拍：配电箱前堆放纸箱".into())
    };
    let op = s.op(spot.id.0, 0, OpBody::ReportHazard(spot));
    assert_eq!(
        app.push(&s, vec![op]).await.results[0].outcome,
        Outcome::Applied
    );
    let sup = app.login("supervisor").await;
    let owner = app.login("owner").await;
    let mut reg = crate::stories::registration(&b, &owner);
    reg.funds = saferounds_shared::ids::Fen::parse(123_456).unwrap();
    let op = sup.op(
        hazards[0].0,
        1,
        OpBody::Transition {
            from: saferounds_shared::hazard::Status::Reported,
            event: saferounds_shared::hazard::Event::Register(reg),
        },
    );
    assert_eq!(
        app.push(&sup, vec![op]).await.results[0].outcome,
        Outcome::Applied
    );

    let bytes = app
        .get(&sup, "/api/v1/export/ledger.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let strings = crate::stories::xlsx_strings(&bytes);
    for column in [
        "序号",
        "隐患来源",
        "所在科室",
        "部位（站点·楼·层·房间）",
        "整改责任科室",
        "整改方案审批人",
        "原定时限",
        "延期次数",
        "逾期天数",
        "整改人",
        "整改完成时间",
    ] {
        assert!(strings.contains(column), "no column {column}");
    }
    assert!(
        strings.contains("日常巡查") && strings.contains("随手拍"),
        "sources"
    );
    assert!(
        strings.contains(" · "),
        "places are site · building · floor · room"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheet = String::new();
    {
        use std::io::Read;
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
    }
    // Funds are a number cell (no t="s"), so SUM adds them up.
    assert!(sheet.contains("<v>1234.56</v>"), "funds as a number");
    let media: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/media/"))
        .map(|n| n.into_owned())
        .collect();
    assert_eq!(media.len(), 1, "the real photo's thumbnail: {media:?}");
    let thumb = {
        use std::io::Read;
        let mut v = Vec::new();
        zip.by_name(&media[0]).unwrap().read_to_end(&mut v).unwrap();
        v
    };
    let t = image::load_from_memory(&thumb).unwrap();
    assert!(
        t.width() <= 120 && t.height() <= 120,
        "a thumbnail, not the photo"
    );
}
