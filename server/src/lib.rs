//! SafeRounds server: keeps the truth for the whole center. It applies the rules of
//! `saferounds-shared` and never restates them.
//!
//! [`launch`] takes settings and a bound listener and runs until told to stop; `main.rs` only
//! parses configuration, starts logging and calls it.
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate, Utc};
use tokio::net::TcpListener;

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
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

/// Serves the API and the app on `listener` until `stop` is called.
pub async fn launch(settings: Settings, listener: TcpListener) -> anyhow::Result<Running> {
    let state = prepare(settings).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = routes::router(state.clone());
    let join = tokio::spawn(serve(listener, app, async move {
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

async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
