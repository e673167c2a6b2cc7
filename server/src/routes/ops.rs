//! Operations: health, backup and restore.

use std::path::Path;

use anyhow::Context;
use axum::Json;
use axum::extract::State;
use saferounds_shared::api::Health;

use crate::db::{Backend, Db, sqlite_path};
use crate::error::AppResult;
use crate::{AppState, Settings, store};

/// `GET /api/health`: answers only when the database does.
pub async fn health(State(state): State<AppState>) -> AppResult<Json<Health>> {
    let change_seq = state.db.health().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        change_seq,
    }))
}

/// Creates a folder (and its parents) only its owner may open (0700): a backup holds every
/// password hash and photo, whatever the umask.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(path)
}

/// Folders 0700 and files 0600 below `path`, and `path` itself.
fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)?;
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(path)? {
                restrict(&entry?.path())?;
            }
        }
    }
    Ok(())
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
    private_dir(to)?;
    state
        .db
        .backup_sqlite(&to.join("saferounds.sqlite"))
        .await?;
    let n = match &state.photos {
        crate::photos::PhotoStore::Folder(dir) if dir.exists() => copy_dir(dir, &to.join("blobs"))?,
        crate::photos::PhotoStore::Folder(_) => 0,
        crate::photos::PhotoStore::Bucket(_) => {
            tracing::warn!("photos are in the object store: back the bucket up with its own tools");
            0
        }
    };
    restrict(to)?;
    tracing::info!(photos = n, dest = %to.display(), "backup written");
    Ok(())
}

/// Puts a backup back in place. The server must be stopped; the current files are kept aside
/// with a `.before-restore` suffix.
///
/// The change counter never goes back: phones hold pull cursors up to the current value, so the
/// restored database continues from the higher of the two. Operations the backup lacks come back
/// when their devices push again: the server's `device_seq` is behind theirs, it answers "resend
/// from N", and the devices resend from their journal of sent operations.
pub async fn restore(settings: &Settings, from: &Path) -> anyhow::Result<()> {
    let db_file =
        sqlite_path(&settings.database_url).context("restore works on SQLite deployments")?;
    let src = from.join("saferounds.sqlite");
    anyhow::ensure!(
        src.exists(),
        "{} has no saferounds.sqlite: not a backup folder",
        from.display()
    );
    let db_file = Path::new(&db_file);
    let mut counter_before = None;
    if db_file.exists() {
        match read_counter(&settings.database_url).await {
            Ok(v) => counter_before = Some(v),
            Err(e) => {
                tracing::warn!("the current database cannot be read ({e:#}); restoring anyway")
            }
        }
        std::fs::rename(db_file, db_file.with_extension("sqlite.before-restore"))?;
    }
    for ext in ["sqlite-wal", "sqlite-shm"] {
        let _ = std::fs::remove_file(db_file.with_extension(ext));
    }
    std::fs::copy(&src, db_file)?;
    if from.join("blobs").exists() {
        copy_dir(&from.join("blobs"), &settings.blobs)?;
    }
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    if let Some(v) = counter_before {
        store::raise_change_seq(&db, v)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.body().1.message_en))?;
    }
    db.close().await;
    Ok(())
}

async fn read_counter(url: &str) -> anyhow::Result<i64> {
    let db = Db::connect(url).await?;
    let v = db.health().await;
    db.close().await;
    v
}
