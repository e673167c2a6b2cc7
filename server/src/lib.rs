//! SafeRounds server: keeps the truth for the whole center. It applies the rules of
//! `saferounds-shared` and never restates them.
//!
//! [`launch`] takes settings and a bound listener and runs until told to stop; `main.rs` only
//! parses configuration, starts logging and calls it.
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate, Utc};
use tokio::net::TcpListener;

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_history;
pub mod error;
pub mod export;
pub mod notify;
pub mod openapi;
pub mod photos;
pub mod pusher;
pub mod routes;
pub mod store;

pub use config::Settings;
use db::Db;

/// The demo history's seed: the same seed, the same history.
pub const DEMO_SEED: u64 = 120;

/// Pull pages read and encoded at once (the SQLite read pool has eight connections).
const PULLS_AT_ONCE: usize = 8;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub photos: photos::PhotoStore,
    pub settings: Arc<Settings>,
    /// Sync pushes go through one writer task (group commit).
    pub pusher: pusher::Pusher,
    /// Pull pages decoded at once (memory under a burst of phones).
    pub pulls: Arc<tokio::sync::Semaphore>,
    /// Password hashes computed at once, off the async workers (see [`auth::Hashing`]).
    pub hashing: auth::Hashing,
}

impl AppState {
    /// The state of a server, with its push writer started.
    pub fn new(db: Db, photos: photos::PhotoStore, settings: Settings) -> AppState {
        AppState {
            pusher: pusher::Pusher::start(db.clone()),
            pulls: Arc::new(tokio::sync::Semaphore::new(PULLS_AT_ONCE)),
            hashing: auth::Hashing::new(),
            db,
            photos,
            settings: Arc::new(settings),
        }
    }

    /// The center's date now (deadlines and overdue are counted in the center's days).
    pub fn today(&self) -> NaiveDate {
        saferounds_shared::api::center_day(Utc::now(), self.settings.utc_offset_hours * 60)
    }

    /// The center's time zone (UTC+8 unless configured otherwise).
    pub fn offset(&self) -> FixedOffset {
        saferounds_shared::api::center_offset(self.settings.utc_offset_hours * 60)
    }
}

/// Opens the database, migrates it, and seeds what every installation needs (the starter
/// checklists and the default campaign), plus the demo center when asked and the database is new.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let photos = photos::PhotoStore::from_settings(&settings)?;
    let state = AppState::new(db, photos, settings);
    demo::seed_reference_data(&state.db).await?;
    if state.settings.demo && store::count_users(&state.db).await? == 0 {
        demo::load(&state).await?;
        if state.settings.demo_history {
            demo_history::load(&state, DEMO_SEED).await?;
        }
    }
    Ok(state)
}

/// A running server.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    shutdown: tokio::sync::oneshot::Sender<()>,
    join: tokio::task::JoinHandle<std::io::Result<()>>,
    reminders: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests, closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        if let Some(r) = &self.reminders {
            r.abort();
        }
        let _ = self.shutdown.send(());
        self.join.await??;
        self.state.db.close().await;
        Ok(())
    }
}

/// Serves on a free port of 127.0.0.1: what the tests and the benchmark start.
pub async fn launch_local(settings: Settings) -> anyhow::Result<Running> {
    launch(settings, TcpListener::bind("127.0.0.1:0").await?).await
}

/// Serves again on `addr` (after `Running::stop`, or a crash): the same address, database and
/// files, as a restarted server.
pub async fn relaunch(settings: Settings, addr: std::net::SocketAddr) -> anyhow::Result<Running> {
    launch(settings, TcpListener::bind(addr).await?).await
}

/// Serves the API and the app on `listener` until `stop` is called.
pub async fn launch(settings: Settings, listener: TcpListener) -> anyhow::Result<Running> {
    let state = prepare(settings).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = routes::router(state.clone());
    let limits = ConnectionLimits::from(&*state.settings);
    let join = tokio::spawn(serve(listener, app, limits, async move {
        let _ = rx.await;
    }));
    tracing::info!(%addr, "SafeRounds listening");
    let reminders = notify::spawn_daily(state.clone());
    Ok(Running {
        addr,
        state,
        shutdown: tx,
        join,
        reminders,
    })
}

/// What one connection may take: how long to send a request's headers (and to sit idle between
/// requests), and how many connections are served at once.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

impl From<&Settings> for ConnectionLimits {
    fn from(s: &Settings) -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(s.header_timeout_secs.max(1)),
            max_connections: s.max_connections.max(1),
        }
    }
}

/// Accepts connections until `shutdown`, then lets the ones in flight finish. Each connection
/// is served by hyper (HTTP/1.1 or HTTP/2) with a timer, so a client that sends its headers
/// too slowly, or keeps an idle connection open, is cut off after `header_timeout`; a
/// connection over `max_connections` is closed at once. (axum's own `serve` sets no timer, so
/// hyper's header timeout never fired and slow clients held connections for ever.)
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_timeout)
        .keep_alive_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = limits.max_connections, "connection refused: too many open");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut req: axum::extract::Request<_>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
