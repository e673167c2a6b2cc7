//! `spawn_app`: the real server on a random port with a fresh database (SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` names a reachable server).

use reqwest::{Client, Response, StatusCode};
use saferounds_server::{Running, Settings, launch_local, relaunch};
use saferounds_shared::checklist::Category;
use saferounds_shared::hazard::{Grade, HazardReport};
use saferounds_shared::ids::{HazardId, PhotoHash};
use saferounds_shared::org::Room;
use saferounds_shared::sync::{Operation, PushResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Executor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub settings: Settings,
    pub base: String,
    pub client: Client,
    pub running: Option<Running>,
    pub _dir: tempfile::TempDir,
    pub pg: Option<(String, String)>,
}

/// The PostgreSQL server to test against, if any.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::demo_in(dir.path(), dir.path().join("dist"));
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let admin = pg_admin_url()?;
            let name = format!("sr_test_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("PostgreSQL reachable");
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin.clone());
            settings.database_url = format!("{base}/{name}");
            Some((admin, name))
        }
    };
    tweak(&mut settings);
    let running = launch_local(settings.clone()).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    Some(TestApp {
        settings,
        base,
        client: Client::new(),
        running: Some(running),
        _dir: dir,
        pg,
    })
}

impl TestApp {
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean stop");
        }
        if let Some((admin, name)) = self.pg.take()
            && let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await
        {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }

    /// Stops the server (finishing in-flight requests) and starts it again on the same address
    /// and database, as after a crash and restart.
    pub async fn restart(&mut self) {
        let addr = self.running.as_ref().expect("running").addr;
        self.running
            .take()
            .expect("running")
            .stop()
            .await
            .expect("stop");
        self.running = Some(
            relaunch(self.settings.clone(), addr)
                .await
                .expect("restart"),
        );
    }

    /// Starts the server again after `running` was stopped (and its files changed).
    pub async fn restart_stopped(&mut self) {
        let addr: std::net::SocketAddr = self.base.trim_start_matches("http://").parse().unwrap();
        self.running = Some(
            relaunch(self.settings.clone(), addr)
                .await
                .expect("restart"),
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The API through the one client kit (`saferounds-client`), on this app's address.
    pub fn api(&self) -> saferounds_client::Client {
        saferounds_client::Client::with(self.client.clone(), &self.base)
    }

    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, saferounds_client::DEMO_PASSWORD)
            .await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Session {
        self.api()
            .login_with(username, password)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn get(&self, s: &Session, path: &str) -> Response {
        s.get(path).await.unwrap()
    }
    /// `GET` as a browser does it, accepting compressed answers.
    pub async fn get_accepting(&self, s: &Session, path: &str, encodings: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&s.token)
            .header("accept-encoding", encodings)
            .send()
            .await
            .unwrap()
    }
    pub async fn get_json<T: DeserializeOwned>(&self, s: &Session, path: &str) -> T {
        s.get_json(path).await.unwrap_or_else(|e| panic!("{e:#}"))
    }
    pub async fn post<B: Serialize>(&self, s: &Session, path: &str, body: &B) -> Response {
        s.post(path, body).await.unwrap()
    }
    pub async fn put<B: Serialize>(&self, s: &Session, path: &str, body: &B) -> Response {
        s.put(path, body).await.unwrap()
    }
    pub async fn push(&self, s: &Session, ops: Vec<Operation>) -> PushResponse {
        s.push(ops).await.unwrap_or_else(|e| panic!("{e:#}"))
    }
    pub async fn upload(&self, s: &Session, bytes: &[u8]) -> (StatusCode, PhotoHash) {
        s.upload(bytes).await.unwrap()
    }
}

/// A logged-in user on one device (the kit's `Device`: token, user, operation numbers).
pub use saferounds_client::Device as Session;
pub use saferounds_client::photo_hash;

/// A small valid-looking JPEG (magic number and some distinct bytes).
pub fn jpeg(n: u32) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend_from_slice(&n.to_be_bytes());
    v.extend_from_slice(b"saferounds test photo");
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// Runs each story against SQLite and, when reachable, PostgreSQL.
#[macro_export]
macro_rules! stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await else {
                        eprintln!("TEST_DATABASE_URL not set: PostgreSQL story skipped");
                        return;
                    };
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

/// A new hazard found in `room` on `found_on`: an electrical, general one with no photo (a story
/// changes what it needs with `..report_in(…)`).
pub fn report_in(room: &Room, found_on: chrono::NaiveDate, description: String) -> HazardReport {
    HazardReport {
        id: HazardId::from_uuid(uuid::Uuid::now_v7()),
        site_id: room.site_id,
        room_id: Some(room.id),
        department_id: Some(room.department_id),
        round_id: None,
        visit_id: None,
        category: Category::Electrical,
        item_code: None,
        description,
        grade: Grade::General,
        basis: "GB 50016".into(),
        found_on,
        deadline: None,
        photos_before: vec![],
        fixed_on_spot: None,
    }
}
