//! Photo presence, who holds a photo and who may see it.

use super::*;

pub async fn has_blob(db: &Db, sha: &str) -> AppResult<bool> {
    Ok(sqlx::query("SELECT 1 FROM blobs WHERE sha256 = $1")
        .bind(sha)
        .fetch_optional(&db.read)
        .await?
        .is_some())
}
pub async fn put_blob(
    db: &Db,
    sha: &str,
    size: i64,
    content_type: &str,
    by: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO blobs (sha256, size, content_type, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha)
    .bind(size)
    .bind(content_type)
    .bind(by)
    .bind(now_ms())
    .execute(&db.write)
    .await?;
    hold_blob(db, sha, by).await
}

/// `user` has proved they hold the photo's bytes (they uploaded them): they may name it.
pub async fn hold_blob(db: &Db, sha: &str, user: &str) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO blob_holders (sha256, user_id) VALUES ($1, $2) ON CONFLICT (sha256, user_id) DO NOTHING",
    )
    .bind(sha)
    .bind(user)
    .execute(&db.write)
    .await?;
    Ok(())
}

/// Does a photo reference stored with this scope make the photo visible to `actor`?
pub(super) fn ref_visible(actor: &Actor, site: Option<&str>, dept: Option<&str>) -> bool {
    let site_ok = site.is_some() && site == opt_str(actor.site_id).as_deref();
    let dept_ok = dept.is_some() && dept == opt_str(actor.department_id).as_deref();
    site_ok || dept_ok
}
/// May this user fetch this photo? Center-wide roles: yes; others when it belongs to something
/// they can see, or they uploaded it.
pub async fn blob_visible(db: &Db, sha: &str, actor: &Actor) -> AppResult<Option<String>> {
    let Some(row) = sqlx::query("SELECT content_type, uploaded_by FROM blobs WHERE sha256 = $1")
        .bind(sha)
        .fetch_optional(&db.read)
        .await?
    else {
        return Ok(None);
    };
    let ct: String = row.try_get(0)?;
    if actor.roles().center_wide() || row.try_get::<String, _>(1)? == actor.user_id.to_string() {
        return Ok(Some(ct));
    }
    let refs = sqlx::query("SELECT site_id, department_id FROM blob_refs WHERE sha256 = $1")
        .bind(sha)
        .fetch_all(&db.read)
        .await?;
    for r in refs {
        let site: Option<String> = r.try_get(0)?;
        let dept: Option<String> = r.try_get(1)?;
        if ref_visible(actor, site.as_deref(), dept.as_deref()) {
            return Ok(Some(ct));
        }
    }
    Err(AppError::Forbidden)
}
