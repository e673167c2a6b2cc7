//! Register entries (roster, classes, drills, equipment, the inspection plan), stored whole by id.

use super::*;

/// Saves a register entry whole (create or replace).
pub async fn put_record<T: saferounds_shared::registers::Register>(
    db: &Db,
    r: &T,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO records (id, kind, site_id, data, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, data = excluded.data, \
         updated_at = excluded.updated_at WHERE records.kind = excluded.kind",
    )
    .bind(r.key().to_string())
    .bind(T::KIND)
    .bind(opt_str(r.site()))
    .bind(json(r)?)
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&db.write)
    .await?;
    Ok(())
}

/// Every entry of one register.
pub async fn records<T: saferounds_shared::registers::Register>(db: &Db) -> AppResult<Vec<T>> {
    sqlx::query("SELECT data FROM records WHERE kind = $1 ORDER BY updated_at, id")
        .bind(T::KIND)
        .fetch_all(&db.read)
        .await?
        .iter()
        .map(|r| parse(r, 0))
        .collect()
}

/// The kind of the record stored under this id, if any.
pub async fn record_kind(db: &Db, id: &str) -> AppResult<Option<String>> {
    Ok(sqlx::query("SELECT kind FROM records WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.read)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?)
}
