//! Accounts: argon2id password hashes, bearer tokens stored only as SHA-256 hashes, revocation,
//! and a login rate limit kept in the database (so several instances share it); their SQL is in
//! `store::sessions`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use saferounds_shared::ids::UserId;
use saferounds_shared::org::{Actor, User};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::db::{Db, now_ms};
use crate::error::{AppError, AppResult};
use crate::store;

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
    store::insert_token(db, &token_hash(&token), &user.to_string(), now, expires).await?;
    Ok((token, expires))
}

pub async fn revoke_token(db: &Db, token: &str) -> AppResult<()> {
    store::revoke_token_hash(db, &token_hash(token)).await
}

/// Ends every session of the user but this one (after they changed their password).
pub async fn revoke_others(db: &Db, user: UserId, keep: &str) -> AppResult<()> {
    store::revoke_user_tokens(db, &user.to_string(), Some(&token_hash(keep))).await
}

pub async fn revoke_all(db: &Db, user: UserId) -> AppResult<()> {
    store::revoke_user_tokens(db, &user.to_string(), None).await
}

/// Login throttling, kept in the database (several instances share it). Every attempt first
/// reserves a failure on three counters — this user name from this address, this address, this
/// user name — in one atomic statement each, *before* the password is checked, so concurrent
/// guesses cannot all slip through between a read and a write. A counter lets its first
/// `free` attempts through; after that each attempt must wait a pause that doubles from 1 s to
/// 15 minutes. A success clears the name's counters; a counter untouched for an hour is
/// forgotten. Because the pair counter is the tightest, guessing a known name from one address
/// does not lock its owner out elsewhere.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// Failures of one name from one address before pauses begin (`--login-limit`).
    pub per_pair: i64,
    /// Failures from one address over all names.
    pub per_address: i64,
    /// Failures of one name over all addresses.
    pub per_name: i64,
}

const FIRST_PAUSE_MS: i64 = 1_000;
const MAX_PAUSE_MS: i64 = 15 * 60 * 1000;
const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;

impl Throttle {
    pub fn new(login_limit: i64) -> Throttle {
        let l = login_limit.max(1);
        Throttle {
            per_pair: l,
            per_address: l.saturating_mul(4),
            per_name: l.saturating_mul(10),
        }
    }

    fn keys(&self, username: &str, address: &str) -> [(String, i64); 3] {
        [
            (format!("pair:{address}:{username}"), self.per_pair),
            (format!("addr:{address}"), self.per_address),
            (format!("name:{username}"), self.per_name),
        ]
    }

    /// Reserves one attempt for this name from this address; `Err(RateLimited)` with the
    /// seconds to wait when any counter is pausing.
    pub async fn reserve(&self, db: &Db, username: &str, address: &str) -> AppResult<()> {
        let now = now_ms();
        for (key, free) in self.keys(username, address) {
            let rule = store::CounterRule {
                free,
                first_pause_ms: FIRST_PAUSE_MS,
                max_pause_ms: MAX_PAUSE_MS,
                forget_after_ms: FORGET_AFTER_MS,
            };
            if let Some(next) = store::reserve_attempt(db, &key, now, rule).await? {
                return Err(AppError::RateLimited {
                    retry_after_secs: ((next - now).max(0) + 999) / 1000,
                });
            }
        }
        Ok(())
    }

    /// After a successful login: the name's counters start again; the address's only takes
    /// back this attempt's reservation (clearing it would let a guesser reset their run by
    /// logging into an account of their own).
    pub async fn succeeded(&self, db: &Db, username: &str, address: &str) -> AppResult<()> {
        let [(pair, _), (addr, free), (name, _)] = self.keys(username, address);
        store::clear_counters(db, [&pair, &name]).await?;
        store::release_attempt(db, &addr, free).await
    }
}

/// The client's address: the peer, or behind a proxy that sets it (`--trust-forwarded-for`),
/// the last `X-Forwarded-For` entry (the one the proxy added).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(
            &parts.headers,
            &parts.extensions,
            state.settings.trust_forwarded_for,
        )))
    }
}

pub fn client_addr(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    trust_forwarded_for: bool,
) -> String {
    if trust_forwarded_for
        && let Some(last) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
    {
        return last.to_owned();
    }
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
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
        let user = store::user_of_token(&state.db, &token_hash(token), now_ms())
            .await?
            .ok_or(AppError::Unauthorized)?;
        // The request's span names its user from here on (refusals are logged in it).
        tracing::Span::current().record("user", tracing::field::display(&user.username));
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
