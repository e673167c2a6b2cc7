//! Storage. One interface, [`Db`], over two backends chosen by the URL's scheme: SQLite (the
//! default, one file) and PostgreSQL. Both speak the same portable SQL through sqlx's `Any`
//! driver; what differs per backend lives here: the SQL dialect (placeholders, row locks, text
//! search, planner hints — the store asks [`Backend`], it never branches on it), the migrations
//! folder, connection setup, pool shape (SQLite gets a single writer connection so writers queue
//! instead of failing busy), and backup.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The SQL dialect: what the store's statements differ in between the two backends. The store
/// asks these questions and never names a backend itself.
impl Backend {
    /// The placeholders of a multi-row VALUES list: `($1, $2), ($3, $4)…` on PostgreSQL,
    /// anonymous `(?, ?), (?, ?)…` on SQLite (binding numbered parameters there costs a lookup by
    /// name per value, quadratic in the statement's size).
    pub fn placeholders(self, rows: usize, cols: usize) -> String {
        let mut s = String::with_capacity(rows * cols * 5);
        for r in 0..rows {
            if r > 0 {
                s.push_str(", ");
            }
            s.push('(');
            for c in 0..cols {
                if c > 0 {
                    s.push_str(", ");
                }
                match self {
                    Backend::Postgres => {
                        s.push('$');
                        s.push_str(&(r * cols + c + 1).to_string());
                    }
                    Backend::Sqlite => s.push('?'),
                }
            }
            s.push(')');
        }
        s
    }

    /// `($1, $2, …)` for an IN list of `n` values.
    pub fn in_list(self, n: usize) -> String {
        self.placeholders(1, n)
    }

    /// What a SELECT inside a write transaction adds to lock the rows it reads against
    /// concurrent writers: `FOR UPDATE` on PostgreSQL; SQLite's one writer needs nothing.
    pub fn lock_rows(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// Whether the planner needs the store's help to choose between an index and a walk in
    /// the page's order (SQLite without fresh statistics); PostgreSQL plans from its own.
    pub fn needs_plan_hints(self) -> bool {
        self == Backend::Sqlite
    }

    /// A condition that `column` contains `text` as a case-sensitive substring, and the value
    /// to bind for it. SQLite's `LIKE` folds ASCII case, so it uses `instr`; PostgreSQL's `LIKE`
    /// is case-sensitive and its trigram index serves it.
    pub fn contains(self, column: &str, placeholder: &str, text: &str) -> (String, String) {
        match self {
            Backend::Sqlite => (
                format!("instr({column}, {placeholder}) > 0"),
                text.to_owned(),
            ),
            Backend::Postgres => {
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                (
                    format!("{column} LIKE {placeholder} ESCAPE '\\'"),
                    format!("%{escaped}%"),
                )
            }
        }
    }

    /// The statement that refreshes the planner's statistics.
    fn analyze_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "PRAGMA optimize=0x10002",
            Backend::Postgres => "ANALYZE",
        }
    }
}

impl FromStr for Backend {
    type Err = anyhow::Error;
    fn from_str(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://… or postgres://…")
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    /// Readers.
    pub read: AnyPool,
    /// Writers: one connection on SQLite, the same pool as readers on PostgreSQL.
    pub write: AnyPool,
    pub backend: Backend,
    pub url: String,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend: Backend = url.parse()?;
        match backend {
            Backend::Sqlite => {
                if let Some(path) = sqlite_path(url)
                    && let Some(dir) = std::path::Path::new(&path).parent()
                    && !dir.as_os_str().is_empty()
                {
                    // The database holds password hashes: its folder is its owner's alone.
                    crate::routes::ops::private_dir(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                // The one writer keeps a larger page cache (32 MB instead of 2 MB): the ledger
                // indexes every report updates stay in memory instead of being read back.
                // `synchronous = FULL`: a commit is on disk before the push is acknowledged (the
                // phone then forgets the operation; with NORMAL a power cut could roll it back).
                // With group commit it costs one WAL sync per group, nothing measurable.
                // The WAL is copied back into the database every 20,000 pages (80 MB) instead of
                // 1,000: index pages dirtied by many groups are written back once (history ingest
                // +25%, see the history of BENCHMARKS.md); a file grown past 128 MB (one huge transaction) is cut back to that.
                let opts = |cache_kib: u32| {
                    AnyPoolOptions::new()
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                conn.execute("PRAGMA journal_mode = WAL").await?;
                                conn.execute("PRAGMA synchronous = FULL").await?;
                                conn.execute("PRAGMA wal_autocheckpoint = 20000").await?;
                                conn.execute("PRAGMA journal_size_limit = 134217728")
                                    .await?;
                                conn.execute("PRAGMA foreign_keys = ON").await?;
                                conn.execute("PRAGMA busy_timeout = 10000").await?;
                                let cache = format!("PRAGMA cache_size = -{cache_kib}");
                                conn.execute(cache.as_str()).await?;
                                Ok(())
                            })
                        })
                };
                let write = opts(32 * 1024)
                    .max_connections(1)
                    .connect(url)
                    .await
                    .context("opening the SQLite database")?;
                let read = opts(2 * 1024).max_connections(8).connect(url).await?;
                Ok(Db {
                    read,
                    write,
                    backend,
                    url: url.to_owned(),
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                Ok(Db {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    url: url.to_owned(),
                })
            }
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.write)
                    .await?;
                // Refresh the planner's statistics where they are stale (cheap when they are not).
                sqlx::query("PRAGMA optimize=0x10002")
                    .execute(&self.write)
                    .await?;
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.write)
                    .await?
            }
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics (PostgreSQL's autovacuum does this on its own
    /// schedule; a bulk load can call it at once).
    pub async fn analyze(&self) -> anyhow::Result<()> {
        sqlx::query(self.backend.analyze_sql())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn health(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("SELECT value FROM counters WHERE name = 'change_seq'")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Consistent copy of a SQLite database into `dest` (a file path), while it is in use.
    pub async fn backup_sqlite(&self, dest: &std::path::Path) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.backend == Backend::Sqlite,
            "backup copies SQLite databases; for PostgreSQL use pg_dump"
        );
        let dest = dest.to_str().context("backup path is not UTF-8")?;
        anyhow::ensure!(!dest.contains('\''), "backup path must not contain a quote");
        // VACUUM INTO takes a read transaction: the copy is a consistent snapshot.
        let sql = format!("VACUUM INTO '{dest}'");
        sqlx::query(&sql).execute(&self.write).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// The file path of a `sqlite://path?…` URL.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_search_is_literal_in_either_dialect() {
        let (cond, value) = Backend::Postgres.contains("h.search", "$3", "50%_a\\b");
        assert_eq!(cond, "h.search LIKE $3 ESCAPE '\\'");
        assert_eq!(value, "%50\\%\\_a\\\\b%");
        let (cond, value) = Backend::Sqlite.contains("h.search", "$3", "50%_a");
        assert_eq!(
            (cond.as_str(), value.as_str()),
            ("instr(h.search, $3) > 0", "50%_a")
        );
        assert_eq!(Backend::Postgres.lock_rows(), " FOR UPDATE");
        assert!(Backend::Sqlite.needs_plan_hints() && !Backend::Postgres.needs_plan_hints());
    }

    #[test]
    fn backend_by_scheme() {
        assert_eq!("sqlite://x.db".parse::<Backend>().unwrap(), Backend::Sqlite);
        assert_eq!(
            "postgres://u@h/db".parse::<Backend>().unwrap(),
            Backend::Postgres
        );
        assert!("mysql://x".parse::<Backend>().is_err());
        assert_eq!(
            sqlite_path("sqlite://data/a.sqlite?mode=rwc").as_deref(),
            Some("data/a.sqlite")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    /// Every SQLite connection syncs each commit (an acknowledged push must survive a power cut)
    /// and checkpoints at 20,000 pages.
    #[tokio::test]
    async fn sqlite_commits_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("t.sqlite").display()
        );
        let db = Db::connect(&url).await.unwrap();
        for pool in [&db.write, &db.read] {
            let mut conn = pool.acquire().await.unwrap();
            let mut get = async |sql| -> String {
                let row = sqlx::query(sql).fetch_one(&mut *conn).await.unwrap();
                // Integers and text both read back as text.
                row.try_get::<i64, _>(0)
                    .map(|v| v.to_string())
                    .or_else(|_| row.try_get::<String, _>(0))
                    .unwrap()
            };
            assert_eq!(get("PRAGMA journal_mode").await, "wal");
            assert_eq!(get("PRAGMA synchronous").await, "2", "FULL");
            assert_eq!(get("PRAGMA wal_autocheckpoint").await, "20000");
        }
        db.close().await;
    }
}
