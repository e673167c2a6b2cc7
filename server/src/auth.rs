//! Accounts: argon2id password hashes, bearer tokens stored only as SHA-256 hashes, revocation,
//! and a login rate limit kept in the database (so several instances share it).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use saferounds_shared::ids::UserId;
use saferounds_shared::org::{Actor, User};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::AppState;
use crate::db::{Db, now_ms};
use crate::error::{AppError, AppResult};

/// argon2id with the crate's defaults (19 MiB memory, 2 iterations, 1 lane: OWASP's minimum).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?
        .to_string())
}

/// A real argon2id hash of nothing in particular, to verify against when the user does not exist.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("saferounds-timing-equaliser").unwrap_or_default())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Where request handlers hash and check passwords: on the blocking pool, as many at once as
/// there are cores. An argon2id hash takes 19 MiB and tens of milliseconds of CPU; on the async
/// workers a few logins at once would stall every sync request behind them, and a crowd of
/// them would hold 19 MiB each.
#[derive(Clone, Debug)]
pub struct Hashing(std::sync::Arc<tokio::sync::Semaphore>);

impl Default for Hashing {
    fn default() -> Self {
        Self::new()
    }
}

impl Hashing {
    pub fn new() -> Hashing {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hashing(std::sync::Arc::new(tokio::sync::Semaphore::new(cores)))
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let _permit = self
            .0
            .acquire()
            .await
            .map_err(|_| anyhow::anyhow!("server shutting down"))?;
        Ok(tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| anyhow::anyhow!("password hashing: {e}"))?)
    }

    /// [`verify_password`], off the async workers.
    pub async fn verify(&self, password: &str, hash: &str) -> AppResult<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.run(move || verify_password(&password, &hash)).await
    }

    /// [`hash_password`], off the async workers.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let password = password.to_owned();
        Ok(self.run(move || hash_password(&password)).await??)
    }
}

/// Password rule for new passwords.
pub fn check_new_password(password: &str) -> AppResult<()> {
    if password.chars().count() < 8 {
        return Err(AppError::BadRequest(
            "密码至少 8 位 / the password needs at least 8 characters".into(),
        ));
    }
    Ok(())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub async fn issue_token(db: &Db, user: UserId, days: i64) -> AppResult<(String, i64)> {
    let token = new_token();
    let now = now_ms();
    let expires = now + days * 86_400_000;
    sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, 0)")
        .bind(token_hash(&token))
        .bind(user.to_string())
        .bind(now)
        .bind(expires)
        .execute(&db.write)
        .await?;
    Ok((token, expires))
}

pub async fn revoke_token(db: &Db, token: &str) -> AppResult<()> {
    sqlx::query("UPDATE tokens SET revoked = 1 WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.write)
        .await?;
    Ok(())
}

pub async fn revoke_all(db: &Db, user: UserId) -> AppResult<()> {
    sqlx::query("UPDATE tokens SET revoked = 1 WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&db.write)
        .await?;
    Ok(())
}

const WINDOW_MS: i64 = 15 * 60 * 1000;

pub async fn too_many_failures(db: &Db, username: &str, limit: i64) -> AppResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at > $2 AND ok = 0",
    )
    .bind(username)
    .bind(now_ms() - WINDOW_MS)
    .fetch_one(&db.read)
    .await?;
    Ok(row.try_get::<i64, _>(0)? >= limit)
}

pub async fn record_attempt(db: &Db, username: &str, ok: bool) -> AppResult<()> {
    sqlx::query("INSERT INTO login_attempts (username, at, ok) VALUES ($1, $2, $3)")
        .bind(username)
        .bind(now_ms())
        .bind(i64::from(ok))
        .execute(&db.write)
        .await?;
    if ok {
        sqlx::query("DELETE FROM login_attempts WHERE username = $1")
            .bind(username)
            .execute(&db.write)
            .await?;
    }
    Ok(())
}

/// The authenticated user of a request.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub actor: Actor,
    pub token: String,
}

impl Session {
    pub fn require(&self, ok: bool) -> AppResult<()> {
        if ok { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized)?;
        let row = sqlx::query(
            "SELECT u.data FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked = 0 AND t.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash(token))
        .bind(now_ms())
        .fetch_optional(&state.db.read)
        .await?
        .ok_or(AppError::Unauthorized)?;
        let user: User = serde_json::from_str(&row.try_get::<String, _>(0)?)?;
        let actor = Actor::from(&user);
        Ok(Session {
            user,
            actor,
            token: token.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(
            dummy_hash().starts_with("$argon2id$"),
            "unknown users cost a real verification"
        );
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(token_hash(&t), t);
        assert!(check_new_password("short").is_err());
    }

    /// Hashing runs off the async worker: on a one-thread runtime the worker keeps running other
    /// tasks while a password is checked (on the worker itself, the check would run to its end
    /// at the first yield).
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_runs_off_the_async_worker() {
        let hashing = Hashing::new();
        let hash = hashing.hash("alpha-pass").await.unwrap();
        assert!(verify_password("alpha-pass", &hash));
        let check = tokio::spawn({
            let (hashing, hash) = (hashing.clone(), hash.clone());
            async move { hashing.verify("alpha-pass", &hash).await }
        });
        let mut turns = 0u64;
        while !check.is_finished() {
            tokio::task::yield_now().await;
            turns += 1;
        }
        assert!(turns > 1, "the worker was blocked by the check");
        assert!(check.await.unwrap().unwrap());
        assert!(!hashing.verify("wrong", &hash).await.unwrap());
    }
}
