//! The sync pull: changes by cursor, scoped without decoding.

use super::*;

/// A page of changes for this actor, the stored records passed through as they are: scoping
/// needs only the scope kept beside each record ([`scope_visible_to`]), so a pull decodes and
/// re-encodes nothing (most of a burst of phones' pulls was that).
pub async fn pull(
    db: &Db,
    actor: &Actor,
    cursor: u64,
    limit: u32,
) -> AppResult<PullResponse<Box<RawValue>>> {
    let limit = limit.clamp(1, saferounds_shared::sync::MAX_PULL_LIMIT);
    let rows = if actor.roles().center_wide() {
        sqlx::query("SELECT change_seq, site_id, department_id, data FROM entities WHERE change_seq > $1 ORDER BY change_seq LIMIT $2")
            .bind(cursor as i64)
            .bind(i64::from(limit) + 1)
            .fetch_all(&db.read)
            .await?
    } else {
        sqlx::query("SELECT change_seq, site_id, department_id, data FROM entities WHERE change_seq > $1 AND (site_id = $2 OR department_id = $3) ORDER BY change_seq LIMIT $4")
            .bind(cursor as i64)
            .bind(opt_str(actor.site_id).unwrap_or_default())
            .bind(opt_str(actor.department_id).unwrap_or_default())
            .bind(i64::from(limit) + 1)
            .fetch_all(&db.read)
            .await?
    };
    let more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len());
    let mut next = cursor;
    for r in rows.iter().take(limit as usize) {
        let seq = r.try_get::<i64, _>(0)? as u64;
        let site = r
            .try_get::<Option<String>, _>(1)?
            .map(|s| SiteId::parse(&s))
            .transpose()?;
        let dept = r
            .try_get::<Option<String>, _>(2)?
            .map(|s| DepartmentId::parse(&s))
            .transpose()?;
        next = seq;
        if scope_visible_to(site, dept, actor) {
            changes.push(Change {
                change_seq: seq,
                entity: RawValue::from_string(r.try_get::<String, _>(3)?)?,
            });
        }
    }
    Ok(PullResponse {
        changes,
        cursor: next,
        more,
    })
}
