//! `saferounds`: parses configuration, starts logging, runs a command.

use anyhow::Context;
use clap::Parser;
use saferounds_server::config::{Cli, Command};
use saferounds_server::{auth, demo, launch, prepare, store};
use tracing_subscriber::EnvFilter;

/// mimalloc: under a burst of phones glibc's per-thread arenas kept freed memory (peaks of
/// 164–297 MB for a heap that never held more than ~30 MB); mimalloc returns it (peak ~100 MB),
/// and allocation-heavy pushes run faster. Built without transparent huge pages (`no_thp`): with
/// them the kernel zeroed a 2 MB page at the first touch of each region, 10% of the CPU of a
/// burst, and memory grew in 2 MB steps (figures in the history of BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .init();
    let cli = Cli::parse();
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(settings.bind)
                .await
                .with_context(|| format!("binding {}", settings.bind))?;
            let demo = settings.demo;
            let running = launch(settings, listener).await?;
            println!("SafeRounds 安巡: http://{}", running.addr);
            if demo {
                demo::print_logins();
            }
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
            running.stop().await?;
        }
        Command::CreateAdmin {
            username,
            display_name,
        } => {
            let password = new_password()?;
            check_new_password(&password, &[&username, &display_name])?;
            let state = prepare(settings).await?;
            let user = demo::admin_user(&username, &display_name);
            store::put_user(&state.db, &user, &auth::hash_password(&password)?)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.body().1.message_en))?;
            println!("created administrator {username}");
        }
        Command::ResetPassword { username } => {
            let password = new_password()?;
            check_new_password(&password, &[&username])?;
            let state = prepare(settings).await?;
            let user = store::set_password(&state.db, &username, &auth::hash_password(&password)?)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.body().1.message_en))?
                .with_context(|| format!("no user {username}"))?;
            auth::revoke_all(&state.db, user.id)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.body().1.message_en))?;
            println!("password reset for {username}; their sessions were revoked");
        }
        Command::Backup { to } => {
            let state = prepare(settings).await?;
            saferounds_server::routes::ops::backup(&state, &to).await?;
            println!("backup written to {}", to.display());
        }
        Command::Restore { from } => {
            saferounds_server::routes::ops::restore(&settings, &from).await?;
            println!("restored from {}", from.display());
        }
    }
    Ok(())
}

fn check_new_password(password: &str, personal: &[&str]) -> anyhow::Result<()> {
    saferounds_shared::limits::check_new_password(password, personal)
        .map_err(|e| anyhow::anyhow!("{}", e.to_api().message_en))
}

/// A new password from `SAFEROUNDS_PASSWORD`, else the first line of standard input.
fn new_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("SAFEROUNDS_PASSWORD") {
        return Ok(p);
    }
    eprintln!("password (one line on standard input):");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
