//! What the visits' columns answer without their documents: last visits, visit times, round types.

use super::*;

pub async fn round_types(
    db: &Db,
) -> AppResult<std::collections::BTreeMap<saferounds_shared::ids::RoundId, InspectionType>> {
    let rows = sqlx::query("SELECT DISTINCT round_id, inspection_type FROM visits")
        .fetch_all(&db.read)
        .await?;
    let mut out = std::collections::BTreeMap::new();
    for r in rows {
        let round = saferounds_shared::ids::RoundId::parse(&r.try_get::<String, _>(0)?)?;
        let kind: InspectionType =
            serde_json::from_value(serde_json::Value::String(r.try_get::<String, _>(1)?))
                .map_err(anyhow::Error::from)?;
        out.insert(round, kind);
    }
    Ok(out)
}

/// When each room was last inspected, per inspection type (coverage's input), from the visits'
/// columns; `offset` is the center's time zone.
pub async fn last_visits(db: &Db, offset: FixedOffset) -> AppResult<LastVisits> {
    let rows = sqlx::query(
        "SELECT room_id, inspection_type, MAX(finished_at) FROM visits GROUP BY room_id, inspection_type",
    )
    .fetch_all(&db.read)
    .await?;
    let mut last = LastVisits::new();
    for r in rows {
        let (room, kind, at) = mark(&r)?;
        last.insert((room, kind), at.with_timezone(&offset).date_naive());
    }
    Ok(last)
}

/// A row of `room_id, inspection_type, finished_at` read back.
fn mark(r: &AnyRow) -> AppResult<saferounds_shared::plan::VisitMark> {
    let room = RoomId::parse(&r.try_get::<String, _>(0)?)?;
    let kind: InspectionType =
        serde_json::from_value(serde_json::Value::String(r.try_get::<String, _>(1)?))
            .map_err(anyhow::Error::from)?;
    let at = DateTime::from_timestamp(r.try_get::<i64, _>(2)?, 0)
        .ok_or_else(|| anyhow::anyhow!("visit time out of range"))?;
    Ok((room, kind, at))
}

/// Every visit that ended at or after `since`: room, inspection type and time (what the
/// inspection plan counts), from the visits' columns.
pub async fn visit_marks(
    db: &Db,
    since: DateTime<Utc>,
) -> AppResult<Vec<saferounds_shared::plan::VisitMark>> {
    let rows = sqlx::query(
        "SELECT room_id, inspection_type, finished_at FROM visits WHERE finished_at >= $1",
    )
    .bind(since.timestamp())
    .fetch_all(&db.read)
    .await?;
    rows.iter().map(mark).collect()
}
