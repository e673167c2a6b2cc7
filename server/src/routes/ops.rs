//! Operations: health, backup and restore.

use std::path::Path;

use anyhow::Context;
use axum::Json;
use axum::extract::State;
use saferounds_shared::api::Health;

use crate::db::{Backend, sqlite_path};
use crate::error::AppResult;
use crate::{AppState, Settings};

/// `GET /api/health`: answers only when the database does.
pub async fn health(State(state): State<AppState>) -> AppResult<Json<Health>> {
    let change_seq = state.db.health().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        change_seq,
    }))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut n = 0;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_dir(&entry.path(), &target)?;
        } else if !entry.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(entry.path(), &target)?;
            n += 1;
        }
    }
    Ok(n)
}

/// A consistent copy of the SQLite database (taken while the server runs) and the photos.
/// Photos are written before the database row that names them, so every photo the copied
/// database knows is in the copied folder.
pub async fn backup(state: &AppState, to: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        state.db.backend == Backend::Sqlite,
        "backup copies SQLite deployments; for PostgreSQL use pg_dump and copy the object store"
    );
    anyhow::ensure!(
        !to.exists(),
        "{} exists already; choose a new folder",
        to.display()
    );
    std::fs::create_dir_all(to)?;
    state
        .db
        .backup_sqlite(&to.join("saferounds.sqlite"))
        .await?;
    let n = if state.settings.blobs.exists() {
        copy_dir(&state.settings.blobs, &to.join("blobs"))?
    } else {
        0
    };
    tracing::info!(photos = n, dest = %to.display(), "backup written");
    Ok(())
}

/// Puts a backup back in place. The server must be stopped; the current files are kept aside
/// with a `.before-restore` suffix.
pub fn restore(settings: &Settings, from: &Path) -> anyhow::Result<()> {
    let db_file =
        sqlite_path(&settings.database_url).context("restore works on SQLite deployments")?;
    let src = from.join("saferounds.sqlite");
    anyhow::ensure!(
        src.exists(),
        "{} has no saferounds.sqlite: not a backup folder",
        from.display()
    );
    let db_file = Path::new(&db_file);
    if db_file.exists() {
        std::fs::rename(db_file, db_file.with_extension("sqlite.before-restore"))?;
    }
    for ext in ["sqlite-wal", "sqlite-shm"] {
        let _ = std::fs::remove_file(db_file.with_extension(ext));
    }
    std::fs::copy(&src, db_file)?;
    if from.join("blobs").exists() {
        copy_dir(&from.join("blobs"), &settings.blobs)?;
    }
    Ok(())
}
