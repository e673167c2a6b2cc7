//! Configuration: flags, each with an `SAFEROUNDS_…` environment variable and a sane default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Which group robot the reminders go to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RobotKind {
    /// 企业微信群机器人
    Wecom,
    /// 钉钉群机器人
    Dingtalk,
}

#[derive(Parser, Debug)]
#[command(name = "saferounds", version, about = "SafeRounds 安巡 server")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the app and the API (the default).
    Serve,
    /// Create an administrator account (the first one, on a real deployment). The password is
    /// read from `SAFEROUNDS_PASSWORD` or, when that is not set, from the first line of standard
    /// input — never from an argument, which any user of the machine could read in `ps`.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "系统管理员")]
        display_name: String,
    },
    /// Set a new password for a user (from `SAFEROUNDS_PASSWORD` or standard input, as for
    /// `create-admin`) and revoke their sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Make a consistent copy of the SQLite database and the photos into a new folder.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup made by `backup` (the server must be stopped).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// `sqlite://path?mode=rwc` (default, created on first start) or `postgres://…`.
    #[arg(
        long,
        env = "SAFEROUNDS_DATABASE_URL",
        default_value = "sqlite://data/saferounds.sqlite?mode=rwc",
        hide_env_values = true
    )]
    pub database_url: String,
    #[arg(long, env = "SAFEROUNDS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The built app (index.html, pkg/, sw.js …).
    #[arg(long, env = "SAFEROUNDS_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Where photos are stored.
    #[arg(long, env = "SAFEROUNDS_BLOBS", default_value = "data/blobs")]
    pub blobs: PathBuf,
    /// Keep photos in this S3-compatible bucket instead of `--blobs` (several instances behind a
    /// load balancer need this).
    #[arg(long, env = "SAFEROUNDS_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The S3-compatible service's address, e.g. `http://minio.local:9000` (default: AWS).
    #[arg(long, env = "SAFEROUNDS_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
    /// Load the demo center on first start of an empty database (never on a real deployment).
    #[arg(long, env = "SAFEROUNDS_DEMO", default_value_t = false)]
    pub demo: bool,
    /// With `--demo`: also a few months of history (rounds, hazards in every state, training,
    /// drills, equipment), generated from a fixed seed.
    #[arg(long, env = "SAFEROUNDS_DEMO_HISTORY", default_value_t = false)]
    pub demo_history: bool,
    /// How long a login stays valid, in days (phones work offline for weeks).
    #[arg(long, env = "SAFEROUNDS_TOKEN_DAYS", default_value_t = 30)]
    pub token_days: i64,
    /// The center's UTC offset in hours: "today" for deadlines and overdue.
    #[arg(
        long,
        env = "SAFEROUNDS_UTC_OFFSET_HOURS",
        default_value_t = 8,
        allow_hyphen_values = true
    )]
    pub utc_offset_hours: i32,
    /// Failed logins for one user name from one address before each further attempt must wait
    /// (1 s, doubling up to 15 minutes). One address may fail 4× as often over all names, and
    /// one name 10× as often over all addresses (README, *Security*).
    #[arg(long, env = "SAFEROUNDS_LOGIN_LIMIT", default_value_t = 5)]
    pub login_limit: i64,
    /// Take the client's address from the last `X-Forwarded-For` entry (only behind a proxy
    /// that sets it; otherwise every client could claim any address).
    #[arg(long, env = "SAFEROUNDS_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Seconds a client may take to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    #[arg(long, env = "SAFEROUNDS_HEADER_TIMEOUT_SECS", default_value_t = 20)]
    pub header_timeout_secs: u64,
    /// Seconds a request body may pause between two pieces.
    #[arg(long, env = "SAFEROUNDS_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds a whole request may take, body and answer included (a 10 MB photo over a slow
    /// mobile link fits).
    #[arg(long, env = "SAFEROUNDS_REQUEST_TIMEOUT_SECS", default_value_t = 300)]
    pub request_timeout_secs: u64,
    /// Connections served at once; further ones are closed at once until one ends.
    #[arg(long, env = "SAFEROUNDS_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// A WeCom or DingTalk group robot's webhook address: reminders are posted there daily.
    #[arg(long, env = "SAFEROUNDS_ROBOT_WEBHOOK", hide_env_values = true)]
    pub robot_webhook: Option<String>,
    #[arg(
        long,
        env = "SAFEROUNDS_ROBOT_KIND",
        value_enum,
        default_value = "wecom"
    )]
    pub robot_kind: RobotKind,
    /// A DingTalk robot's signing secret (加签, `SEC…`): each post is then signed with it.
    #[arg(long, env = "SAFEROUNDS_ROBOT_SECRET", hide_env_values = true)]
    pub robot_secret: Option<String>,
    /// The hour (center time) after which the day's reminders are posted; 24 turns the daily
    /// post off (sending from the desk still works).
    #[arg(long, env = "SAFEROUNDS_REMIND_HOUR", default_value_t = 8)]
    pub remind_hour: u32,
    /// The address people reach this server at (`https://anxun.example.cn`): photo links in
    /// exported workbooks point there. Without it, workbooks count photos without links.
    #[arg(long, env = "SAFEROUNDS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The center's name on reports.
    #[arg(long, env = "SAFEROUNDS_CENTER_NAME", default_value = "市紧急救援中心")]
    pub center_name: String,
}

impl Settings {
    /// Settings for tests: the demo center in a fresh SQLite file under `dir`, its photos there
    /// too, serving the app from `dist`. (A test on PostgreSQL sets `database_url`.)
    pub fn demo_in(dir: &std::path::Path, dist: PathBuf) -> Settings {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.join("saferounds.sqlite").display()
        );
        Settings {
            demo: true,
            ..Settings::for_test(url, dir, dist)
        }
    }

    /// Settings for tests: a given database, no demo, files under `dir`.
    pub fn for_test(database_url: String, dir: &std::path::Path, dist: PathBuf) -> Settings {
        Settings {
            database_url,
            bind: "127.0.0.1:0".parse().expect("literal address"),
            dist,
            blobs: dir.join("blobs"),
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            robot_webhook: None,
            robot_kind: RobotKind::Wecom,
            robot_secret: None,
            remind_hour: 8,
            demo: false,
            demo_history: false,
            token_days: 30,
            utc_offset_hours: 8,
            login_limit: 5,
            trust_forwarded_for: false,
            header_timeout_secs: 20,
            body_timeout_secs: 30,
            request_timeout_secs: 300,
            max_connections: 4096,
            public_url: None,
            center_name: "市紧急救援中心".into(),
        }
    }
}
