//! Sessions and login throttling: bearer tokens (stored as hashes only) and the throttle's
//! counters. The policy — token lifetimes, which counters, how long a pause — is `auth`'s.

use super::*;

/// Stores a new session's token hash.
pub async fn insert_token(
    db: &Db,
    token_hash: &str,
    user: &str,
    now: i64,
    expires: i64,
) -> AppResult<()> {
    sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, 0)")
        .bind(token_hash)
        .bind(user)
        .bind(now)
        .bind(expires)
        .execute(&db.write)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn revoke_token_hash(db: &Db, token_hash: &str) -> AppResult<()> {
    sqlx::query("UPDATE tokens SET revoked = 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.write)
        .await?;
    Ok(())
}

/// Ends every session of `user`, but the one whose hash is `keep` if given.
pub async fn revoke_user_tokens(db: &Db, user: &str, keep: Option<&str>) -> AppResult<()> {
    sqlx::query("UPDATE tokens SET revoked = 1 WHERE user_id = $1 AND token_hash <> $2")
        .bind(user)
        .bind(keep.unwrap_or(""))
        .execute(&db.write)
        .await?;
    Ok(())
}

/// The active user a live, unrevoked token belongs to.
pub async fn user_of_token(db: &Db, token_hash: &str, now: i64) -> AppResult<Option<User>> {
    let row = sqlx::query(
        "SELECT u.data FROM tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked = 0 AND t.expires_at > $2 AND u.active = 1",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.read)
    .await?;
    row.map(|r| parse(&r, 0)).transpose()
}

/// One login throttle counter's rule: attempts let through free, then a pause that doubles from
/// `first_pause_ms` up to `max_pause_ms`.
#[derive(Clone, Copy, Debug)]
pub struct CounterRule {
    pub free: i64,
    pub first_pause_ms: i64,
    pub max_pause_ms: i64,
    /// A counter untouched this long is forgotten.
    pub forget_after_ms: i64,
}

/// Reserves one attempt on the counter `key` in one atomic statement: `Ok(None)` when it is
/// reserved, `Ok(Some(next_at))` when the counter is pausing until `next_at`.
pub async fn reserve_attempt(
    db: &Db,
    key: &str,
    now: i64,
    rule: CounterRule,
) -> AppResult<Option<i64>> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1 AND last_at < $2")
        .bind(key)
        .bind(now - rule.forget_after_ms)
        .execute(&db.write)
        .await?;
    // The pause after the `failures + 1`-th attempt: none while free, then doubling.
    let pause = "CASE WHEN login_throttle.failures + 1 < $3 THEN 0 \
         WHEN login_throttle.pause_ms = 0 THEN $4 \
         WHEN login_throttle.pause_ms * 2 > $5 THEN $5 \
         ELSE login_throttle.pause_ms * 2 END";
    let sql = format!(
        "INSERT INTO login_throttle (key, failures, last_at, pause_ms, next_at) \
         VALUES ($1, 1, $2, CASE WHEN 1 < $3 THEN 0 ELSE $4 END, $2 + CASE WHEN 1 < $3 THEN 0 ELSE $4 END) \
         ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, last_at = $2, \
         pause_ms = {pause}, next_at = $2 + {pause} \
         WHERE login_throttle.next_at <= $2 \
         RETURNING failures"
    );
    let reserved = sqlx::query(&sql)
        .bind(key)
        .bind(now)
        .bind(rule.free)
        .bind(rule.first_pause_ms)
        .bind(rule.max_pause_ms)
        .fetch_optional(&db.write)
        .await?;
    if reserved.is_some() {
        return Ok(None);
    }
    let next: i64 = sqlx::query("SELECT next_at FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.write)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(now);
    Ok(Some(next))
}

/// Forgets the counters `keys`.
pub async fn clear_counters(db: &Db, keys: [&str; 2]) -> AppResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1 OR key = $2")
        .bind(keys[0])
        .bind(keys[1])
        .execute(&db.write)
        .await?;
    Ok(())
}

/// Takes back one reserved attempt of the counter `key` (its pause ends once it is free again).
pub async fn release_attempt(db: &Db, key: &str, free: i64) -> AppResult<()> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1, \
         pause_ms = CASE WHEN failures - 1 < $2 THEN 0 ELSE pause_ms END, \
         next_at = CASE WHEN failures - 1 < $2 THEN 0 ELSE next_at END \
         WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .bind(free)
    .execute(&db.write)
    .await?;
    Ok(())
}
