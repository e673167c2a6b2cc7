//! The `backup` and `restore` commands of the real binary: a backup taken while the server runs
//! is consistent (database and photos), a restore puts it back, and what the backup lacks comes
//! back from the phones (the server asks them to resend; cursors never go back).

use std::process::Command;

use reqwest::StatusCode;
use saferounds_shared::api::{HazardDetail, LedgerPage};
use saferounds_shared::sync::PullResponse;

use crate::helpers::*;
use crate::stories::walk_through;

fn command(app: &TestApp, args: &[&str], path: &std::path::Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_saferounds"))
        .args(["--database-url", &app.settings.database_url])
        .arg("--blobs")
        .arg(&app.settings.blobs)
        .args(args)
        .arg(path)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the server binary");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn ledger_total(app: &TestApp, s: &Session) -> i64 {
    let page: LedgerPage = app.get_json(s, "/api/v1/hazards?limit=1").await;
    page.total
}

#[tokio::test]
async fn backup_while_running_then_restore_and_recover_from_phones() {
    let mut app = spawn_app(Backend::Sqlite).await.unwrap();
    let inspector = app.login("inspector").await;
    let sup = app.login("supervisor").await;
    let (ops, first, _) = walk_through(&app, &inspector, 2).await;
    app.push(&inspector, ops).await;
    let before = ledger_total(&app, &sup).await;
    assert_eq!(before, first.len() as i64);

    let dir = tempfile::tempdir().unwrap();
    let bk = dir.path().join("backup-1");
    command(&app, &["backup", "--to"], &bk);
    // Whatever the umask, a backup (every password hash, every photo) is its owner's alone.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&bk), 0o700, "backup folder");
        assert_eq!(
            mode(&bk.join("saferounds.sqlite")),
            0o600,
            "backup database"
        );
    }
    assert!(bk.join("saferounds.sqlite").exists());
    // A second backup into the same folder is refused rather than overwriting it.
    let again = Command::new(env!("CARGO_BIN_EXE_saferounds"))
        .args([
            "--database-url",
            &app.settings.database_url,
            "backup",
            "--to",
        ])
        .arg(&bk)
        .output()
        .unwrap();
    assert!(!again.status.success());

    // Work after the backup: one more room, pulled by the supervisor's desk.
    let (later_ops, later, _) = walk_through(&app, &inspector, 1).await;
    let resp = app.push(&inspector, later_ops.clone()).await;
    assert_eq!(resp.last_seq, later_ops.last().unwrap().device_seq);
    let pulled: PullResponse = app
        .get_json(&sup, "/api/v1/sync/pull?cursor=0&limit=500")
        .await;
    let cursor = pulled.cursor;
    assert_eq!(ledger_total(&app, &sup).await, before + later.len() as i64);

    // Restore the older backup with the server stopped.
    app.running.take().unwrap().stop().await.unwrap();
    command(&app, &["restore", "--from"], &bk);
    let db_file = app
        .settings
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        std::path::Path::new(&db_file)
            .with_extension("sqlite.before-restore")
            .exists()
    );
    app.restart_stopped().await;
    let sup = app.login("supervisor").await;
    assert_eq!(ledger_total(&app, &sup).await, before, "the backup's state");
    let d: HazardDetail = app
        .get_json(&sup, &format!("/api/v1/hazards/{}", first[0]))
        .await;
    let photo = &d.hazard.photos_before[0];
    let r = app.get(&sup, &format!("/api/v1/blobs/{photo}")).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "photos come back with the database"
    );
    assert_eq!(photo_hash(&r.bytes().await.unwrap()), *photo);
    let r = app
        .get(&sup, &format!("/api/v1/hazards/{}", later[0]))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The phone pushes its next operation: the server is behind and asks for a resend from the
    // first operation it lost; the phone resends from its journal and everything is back.
    let (next_ops, next, _) = walk_through(&app, &inspector, 1).await;
    let resp = app.push(&inspector, next_ops.clone()).await;
    assert_eq!(resp.resend_from, Some(later_ops[0].device_seq));
    let mut journal = later_ops.clone();
    journal.extend(next_ops);
    let resp = app.push(&inspector, journal).await;
    assert_eq!(resp.resend_from, None);
    assert_eq!(
        ledger_total(&app, &sup).await,
        before + (later.len() + next.len()) as i64
    );
    // The desk's cursor from before the restore still sees the recovered hazards.
    let pulled: PullResponse = app
        .get_json(
            &sup,
            &format!("/api/v1/sync/pull?cursor={cursor}&limit=500"),
        )
        .await;
    for h in later.iter().chain(&next) {
        assert!(
            pulled.changes.iter().any(|c| c.entity.id() == h.0),
            "hazard {h} visible past the old cursor"
        );
    }
    app.stop().await;
}
