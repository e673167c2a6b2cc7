//! Queries over [`Db`]: organisation documents, the sync push and pull, the hazard ledger
//! projection, the audit trail, photo presence. Every SQL string is a constant or assembled from
//! constant pieces; values are always bound, never formatted in.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use saferounds_shared::DomainError;
use saferounds_shared::checklist::Template;
use saferounds_shared::hazard::{Hazard, Status};
use saferounds_shared::ids::{PhotoHash, RoomId, TemplateId};
use saferounds_shared::lists::{HazardFilter, SortKey};
use saferounds_shared::org::{Actor, Building, Department, Room, Site, User};
use saferounds_shared::sync::apply::Ctx;
use saferounds_shared::sync::{
    AuditEntry, Change, Entity, OpResult, Operation, Outcome, PullResponse, PushRequest,
    PushResponse, SeqCheck, World, apply, check_seq, visible_to,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::db::{Db, now_ms};
use crate::error::{AppError, AppResult};

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    Ok(serde_json::to_string(v)?)
}
fn parse<T: DeserializeOwned>(row: &AnyRow, col: usize) -> AppResult<T> {
    Ok(serde_json::from_str(&row.try_get::<String, _>(col)?)?)
}
fn opt_str<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

// ---------------------------------------------------------------- organisation

pub async fn put_site(db: &Db, s: &Site) -> AppResult<()> {
    sqlx::query("INSERT INTO sites (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data")
        .bind(s.id.to_string())
        .bind(json(s)?)
        .execute(&db.write)
        .await?;
    Ok(())
}
pub async fn put_department(db: &Db, d: &Department) -> AppResult<()> {
    sqlx::query("INSERT INTO departments (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data")
        .bind(d.id.to_string())
        .bind(json(d)?)
        .execute(&db.write)
        .await?;
    Ok(())
}
pub async fn put_building(db: &Db, b: &Building) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO buildings (id, site_id, data) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, data = excluded.data",
    )
    .bind(b.id.to_string())
    .bind(b.site_id.to_string())
    .bind(json(b)?)
    .execute(&db.write)
    .await?;
    Ok(())
}
pub async fn put_room(db: &Db, r: &Room) -> AppResult<()> {
    let res = sqlx::query(
        "INSERT INTO rooms (id, site_id, department_id, qr_code, data) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, \
         qr_code = excluded.qr_code, data = excluded.data",
    )
    .bind(r.id.to_string())
    .bind(r.site_id.to_string())
    .bind(r.department_id.to_string())
    .bind(&r.qr_code)
    .bind(json(r)?)
    .execute(&db.write)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Conflict(
            "二维码编号已被其他房间使用 / QR code used by another room".into(),
        )),
        other => other.map(|_| ()).map_err(Into::into),
    }
}
pub async fn put_template(db: &Db, t: &Template) -> AppResult<()> {
    sqlx::query("INSERT INTO templates (id, code, version, data) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
        .bind(t.id.to_string())
        .bind(&t.code)
        .bind(i64::from(t.version))
        .bind(json(t)?)
        .execute(&db.write)
        .await?;
    Ok(())
}
pub async fn put_campaign(db: &Db, c: &saferounds_shared::campaign::Campaign) -> AppResult<()> {
    sqlx::query("INSERT INTO campaigns (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data")
        .bind(c.id.to_string())
        .bind(json(c)?)
        .execute(&db.write)
        .await?;
    Ok(())
}
pub async fn put_user(db: &Db, u: &User, password_hash: &str) -> AppResult<()> {
    let res = sqlx::query(
        "INSERT INTO users (id, username, password_hash, role, site_id, department_id, active, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(u.id.to_string())
    .bind(&u.username)
    .bind(password_hash)
    .bind(u.role.as_str())
    .bind(opt_str(u.site_id))
    .bind(opt_str(u.department_id))
    .bind(i64::from(u.active))
    .bind(json(u)?)
    .execute(&db.write)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(AppError::Conflict("用户名已存在 / user name taken".into()))
        }
        other => other.map(|_| ()).map_err(Into::into),
    }
}
/// Replaces a user's record (and password, when given). The user name must stay unique.
pub async fn update_user(db: &Db, u: &User, password_hash: Option<&str>) -> AppResult<()> {
    let res = sqlx::query("UPDATE users SET username = $1, role = $2, site_id = $3, department_id = $4, active = $5, data = $6 WHERE id = $7")
        .bind(&u.username)
        .bind(u.role.as_str())
        .bind(opt_str(u.site_id))
        .bind(opt_str(u.department_id))
        .bind(i64::from(u.active))
        .bind(json(u)?)
        .bind(u.id.to_string())
        .execute(&db.write)
        .await;
    if let Err(sqlx::Error::Database(e)) = &res
        && e.is_unique_violation()
    {
        return Err(AppError::Conflict("用户名已存在 / user name taken".into()));
    }
    res?;
    if let Some(h) = password_hash {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(h)
            .bind(u.id.to_string())
            .execute(&db.write)
            .await?;
    }
    Ok(())
}

pub async fn set_password(db: &Db, username: &str, password_hash: &str) -> AppResult<Option<User>> {
    let user = user_by_name(db, username).await?;
    if let Some((u, _)) = &user {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(u.id.to_string())
            .execute(&db.write)
            .await?;
    }
    Ok(user.map(|(u, _)| u))
}
pub async fn user_by_name(db: &Db, username: &str) -> AppResult<Option<(User, String)>> {
    let row = sqlx::query("SELECT data, password_hash FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&db.read)
        .await?;
    row.map(|r| Ok((parse(&r, 0)?, r.try_get::<String, _>(1)?)))
        .transpose()
}
pub async fn count_users(db: &Db) -> AppResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(&db.read)
        .await?
        .try_get::<i64, _>(0)?)
}

async fn docs<T: DeserializeOwned>(
    db: &Db,
    sql: &'static str,
    bind: Option<String>,
) -> AppResult<Vec<T>> {
    let mut q = sqlx::query(sql);
    if let Some(b) = bind {
        q = q.bind(b);
    }
    q.fetch_all(&db.read)
        .await?
        .iter()
        .map(|r| parse(r, 0))
        .collect()
}

pub async fn sites(db: &Db) -> AppResult<Vec<Site>> {
    docs(db, "SELECT data FROM sites ORDER BY data", None).await
}
pub async fn departments(db: &Db) -> AppResult<Vec<Department>> {
    docs(db, "SELECT data FROM departments ORDER BY data", None).await
}
pub async fn buildings(db: &Db) -> AppResult<Vec<Building>> {
    docs(db, "SELECT data FROM buildings ORDER BY data", None).await
}
pub async fn rooms_all(db: &Db) -> AppResult<Vec<Room>> {
    docs(db, "SELECT data FROM rooms ORDER BY site_id, data", None).await
}
pub async fn rooms_of_site(db: &Db, site: &str) -> AppResult<Vec<Room>> {
    docs(
        db,
        "SELECT data FROM rooms WHERE site_id = $1 ORDER BY data",
        Some(site.to_owned()),
    )
    .await
}
pub async fn templates(db: &Db) -> AppResult<Vec<Template>> {
    docs(
        db,
        "SELECT data FROM templates ORDER BY code, version",
        None,
    )
    .await
}
pub async fn campaigns(db: &Db) -> AppResult<Vec<saferounds_shared::campaign::Campaign>> {
    docs(db, "SELECT data FROM campaigns", None).await
}
pub async fn users(db: &Db) -> AppResult<Vec<User>> {
    docs(db, "SELECT data FROM users ORDER BY username", None).await
}

/// Moves the change counter up to at least `value` (after a restore: cursors never go back).
pub async fn raise_change_seq(db: &Db, value: i64) -> AppResult<()> {
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'change_seq' AND value < $1")
        .bind(value)
        .execute(&db.write)
        .await?;
    Ok(())
}

/// Claims the day's reminder run; `true` for the one caller (of any instance) that gets it.
pub async fn claim_reminder_day(db: &Db, day: NaiveDate) -> AppResult<bool> {
    let r = sqlx::query(
        "INSERT INTO reminder_runs (day, at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
    )
    .bind(day.to_string())
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&db.write)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---------------------------------------------------------------- registers

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

// ---------------------------------------------------------------- photos

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
    Ok(())
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
    if actor.role.center_wide() || row.try_get::<String, _>(1)? == actor.user_id.to_string() {
        return Ok(Some(ct));
    }
    let refs = sqlx::query("SELECT site_id, department_id FROM blob_refs WHERE sha256 = $1")
        .bind(sha)
        .fetch_all(&db.read)
        .await?;
    for r in refs {
        let site: Option<String> = r.try_get(0)?;
        let dept: Option<String> = r.try_get(1)?;
        let site_ok = site.is_some() && site == opt_str(actor.site_id);
        let dept_ok = dept.is_some() && dept == opt_str(actor.department_id);
        if site_ok || dept_ok {
            return Ok(Some(ct));
        }
    }
    Err(AppError::Forbidden)
}

// ---------------------------------------------------------------- sync

/// What `apply` may look up, preloaded for one operation.
struct Preloaded {
    room: Option<Room>,
    template: Option<Template>,
    photos: HashSet<PhotoHash>,
}
impl World for Preloaded {
    fn room(&self, id: RoomId) -> Option<Room> {
        self.room.clone().filter(|r| r.id == id)
    }
    fn template(&self, id: TemplateId) -> Option<Template> {
        self.template.clone().filter(|t| t.id == id)
    }
    fn has_photo(&self, hash: &PhotoHash) -> bool {
        self.photos.contains(hash)
    }
}

enum Step {
    Done(OpResult),
    Stop {
        result: Option<OpResult>,
        resend_from: u64,
    },
}

fn rejected(op: &Operation, e: DomainError) -> OpResult {
    OpResult {
        op_id: op.op_id,
        device_seq: op.device_seq,
        outcome: Outcome::Rejected { error: e.to_api() },
        entity: None,
    }
}

/// Applies a batch, each operation in its own transaction.
pub async fn push(
    db: &Db,
    actor: &Actor,
    req: &PushRequest,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<PushResponse> {
    // Bind the device to its user on first use; a device id is never shared between users.
    sqlx::query("INSERT INTO devices (device_id, user_id, last_seq) VALUES ($1, $2, 0) ON CONFLICT (device_id) DO NOTHING")
        .bind(req.device_id.to_string())
        .bind(actor.user_id.to_string())
        .execute(&db.write)
        .await?;
    let owner = sqlx::query("SELECT user_id FROM devices WHERE device_id = $1")
        .bind(req.device_id.to_string())
        .fetch_one(&db.read)
        .await?;
    if owner.try_get::<String, _>(0)? != actor.user_id.to_string() {
        return Err(AppError::Forbidden);
    }
    // One transaction for the batch, one savepoint per operation: each operation is applied
    // whole or not at all, and nothing is acknowledged before the batch is committed. A batch
    // that loses a deadlock or serialization race (PostgreSQL) is simply run again.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push_batch(db, actor, req, now, today).await {
            Err(AppError::Unexpected(e)) if attempt < 4 && is_retryable(&e) => {
                tracing::warn!(error = %e, attempt, "push batch retried");
            }
            other => return other,
        }
    }
}

fn is_retryable(e: &anyhow::Error) -> bool {
    let code = e
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .and_then(|d| d.code().map(|c| c.into_owned()));
    matches!(code.as_deref(), Some("40P01" | "40001"))
}

async fn push_batch(
    db: &Db,
    actor: &Actor,
    req: &PushRequest,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<PushResponse> {
    let mut tx = db.write.begin().await?;
    // The device row first: batches of one device queue behind each other on every instance.
    sqlx::query("UPDATE devices SET last_seq = last_seq WHERE device_id = $1")
        .bind(req.device_id.to_string())
        .execute(&mut *tx)
        .await?;
    let mut results = Vec::with_capacity(req.ops.len());
    let mut resend_from = None;
    let mut changed: Vec<(i64, String)> = Vec::new();
    for op in &req.ops {
        let mut attempt = 0;
        let step = loop {
            attempt += 1;
            sqlx::query("SAVEPOINT sr_op").execute(&mut *tx).await?;
            let before = changed.len();
            match push_one(&mut tx, actor, req, op, now, today, &mut changed).await {
                Ok(step) => {
                    if let Step::Stop { .. } = step {
                        sqlx::query("ROLLBACK TO SAVEPOINT sr_op")
                            .execute(&mut *tx)
                            .await?;
                        changed.truncate(before);
                    }
                    sqlx::query("RELEASE SAVEPOINT sr_op")
                        .execute(&mut *tx)
                        .await?;
                    break step;
                }
                Err(AppError::Unexpected(e)) if attempt < 3 && is_unique_violation(&e) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT sr_op")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("RELEASE SAVEPOINT sr_op")
                        .execute(&mut *tx)
                        .await?;
                    changed.truncate(before);
                }
                Err(e) => return Err(e),
            }
        };
        match step {
            Step::Done(r) => results.push(r),
            Step::Stop {
                result,
                resend_from: from,
            } => {
                results.extend(result);
                resend_from = Some(from);
                break;
            }
        }
    }
    if !changed.is_empty() {
        // Taken inside the writing transaction: the counter row stays locked until commit, so
        // change_seq order is commit order and a reader paging by cursor never skips a row.
        let last: i64 = sqlx::query(
            "UPDATE counters SET value = value + $1 WHERE name = 'change_seq' RETURNING value",
        )
        .bind(changed.len() as i64)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let first = last - changed.len() as i64 + 1;
        for (k, (provisional, op_id)) in changed.iter().enumerate() {
            let seq = first + k as i64;
            sqlx::query("UPDATE entities SET change_seq = $1 WHERE change_seq = $2")
                .bind(seq)
                .bind(provisional)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE audit SET change_seq = $1 WHERE op_id = $2")
                .bind(seq)
                .bind(op_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    let row = sqlx::query("SELECT last_seq FROM devices WHERE device_id = $1")
        .bind(req.device_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    let last_seq = row.try_get::<i64, _>(0)? as u64;
    tx.commit().await?;
    Ok(PushResponse {
        results,
        resend_from,
        last_seq,
    })
}

fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .is_some_and(|d| d.is_unique_violation())
}

async fn entity_in(tx: &mut Transaction<'_, Any>, id: &str) -> AppResult<Option<Entity>> {
    let row = sqlx::query("SELECT data FROM entities WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| parse(&r, 0)).transpose()
}

async fn push_one(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    req: &PushRequest,
    op: &Operation,
    now: DateTime<Utc>,
    today: NaiveDate,
    changed: &mut Vec<(i64, String)>,
) -> AppResult<Step> {
    let entity_id = op.entity_id.to_string();
    let visible = |e: Option<Entity>| e.filter(|e| visible_to(e, actor));
    if let Some(row) = sqlx::query("SELECT device_seq, outcome FROM ops WHERE op_id = $1")
        .bind(op.op_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
    {
        let outcome: Outcome = parse(&row, 1)?;
        let entity = visible(entity_in(tx, &entity_id).await?);
        return Ok(Step::Done(OpResult {
            op_id: op.op_id,
            device_seq: row.try_get::<i64, _>(0)? as u64,
            outcome,
            entity,
        }));
    }
    if op.device_id != req.device_id {
        return Ok(Step::Done(rejected(
            op,
            DomainError::Invalid {
                detail: "设备编号不一致 / device id mismatch".into(),
            },
        )));
    }
    let last = sqlx::query("SELECT last_seq FROM devices WHERE device_id = $1")
        .bind(req.device_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let last = last.try_get::<i64, _>(0)? as u64;
    match check_seq(last, op.device_seq) {
        SeqCheck::Repeat => {
            return Ok(Step::Done(rejected(
                op,
                DomainError::Invalid {
                    detail: "序号已被其他操作使用 / sequence number reused".into(),
                },
            )));
        }
        SeqCheck::Gap { resend_from } => {
            return Ok(Step::Stop {
                result: None,
                resend_from,
            });
        }
        SeqCheck::Next => {}
    }
    let current = entity_in(tx, &entity_id).await?;
    let (room_id, template_id) = op.needs();
    let mut photos = HashSet::new();
    for p in op.photo_refs() {
        if sqlx::query("SELECT 1 FROM blobs WHERE sha256 = $1")
            .bind(p.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .is_some()
        {
            photos.insert(p);
        }
    }
    // Looked up inside the transaction: a second connection from the pool per operation could
    // exhaust it under load (every connection held by a transaction waiting for another).
    let room = match room_id {
        Some(id) => sqlx::query("SELECT data FROM rooms WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| parse(&r, 0))
            .transpose()?,
        None => None,
    };
    let template = match template_id {
        Some(id) => sqlx::query("SELECT data FROM templates WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| parse(&r, 0))
            .transpose()?,
        None => None,
    };
    let world = Preloaded {
        room,
        template,
        photos,
    };
    let effect = apply(
        current.as_ref(),
        op,
        &Ctx {
            actor,
            now,
            today,
            world: &world,
        },
    );
    if let Outcome::Pending { .. } = effect.outcome {
        let r = OpResult {
            op_id: op.op_id,
            device_seq: op.device_seq,
            outcome: effect.outcome,
            entity: None,
        };
        return Ok(Step::Stop {
            result: Some(r),
            resend_from: op.device_seq,
        });
    }
    // The entity gets a provisional (negative, random) change_seq here; the real ones are taken
    // for the whole batch just before commit (see `push`), so the counter is locked only briefly.
    let mut change_seq = 0i64;
    let mut final_state = current;
    if let Some(state) = effect.new_state {
        change_seq = i64::MIN | (rand::random::<i64>() & i64::MAX);
        write_entity(tx, &state, change_seq).await?;
        for p in op.photo_refs() {
            let (site, dept) = state.scope();
            sqlx::query("INSERT INTO blob_refs (sha256, entity_id, site_id, department_id) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256, entity_id) DO NOTHING")
                .bind(p.as_str())
                .bind(&entity_id)
                .bind(opt_str(site))
                .bind(opt_str(dept))
                .execute(&mut **tx)
                .await?;
        }
        final_state = Some(state);
    }
    if let Some(a) = &effect.audit {
        sqlx::query(
            "INSERT INTO audit (op_id, entity_id, change_seq, data) VALUES ($1, $2, $3, $4)",
        )
        .bind(op.op_id.to_string())
        .bind(&entity_id)
        .bind(change_seq)
        .bind(json(a)?)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("INSERT INTO ops (op_id, device_id, device_seq, user_id, entity_id, kind, outcome, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(op.op_id.to_string())
        .bind(req.device_id.to_string())
        .bind(op.device_seq as i64)
        .bind(actor.user_id.to_string())
        .bind(&entity_id)
        .bind(op.body.kind())
        .bind(json(&effect.outcome)?)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?;
    sqlx::query("UPDATE devices SET last_seq = $1 WHERE device_id = $2")
        .bind(op.device_seq as i64)
        .bind(req.device_id.to_string())
        .execute(&mut **tx)
        .await?;
    if change_seq != 0 {
        changed.push((change_seq, op.op_id.to_string()));
    }
    Ok(Step::Done(OpResult {
        op_id: op.op_id,
        device_seq: op.device_seq,
        outcome: effect.outcome,
        entity: visible(final_state),
    }))
}

async fn write_entity(
    tx: &mut Transaction<'_, Any>,
    state: &Entity,
    change_seq: i64,
) -> AppResult<()> {
    let (site, dept) = state.scope();
    sqlx::query(
        "INSERT INTO entities (id, kind, site_id, department_id, version, change_seq, data) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, \
         version = excluded.version, change_seq = excluded.change_seq, data = excluded.data",
    )
    .bind(state.id().to_string())
    .bind(state.kind())
    .bind(opt_str(site))
    .bind(opt_str(dept))
    .bind(state.version() as i64)
    .bind(change_seq)
    .bind(json(state)?)
    .execute(&mut **tx)
    .await?;
    if let Entity::Hazard(h) = state {
        write_hazard_row(tx, h).await?;
    }
    Ok(())
}

async fn write_hazard_row(tx: &mut Transaction<'_, Any>, h: &Hazard) -> AppResult<()> {
    let search = format!(
        "{} {} {} {}",
        h.description,
        h.measures.as_deref().unwrap_or(""),
        h.item_code.as_deref().unwrap_or(""),
        h.basis
    );
    sqlx::query(
        "INSERT INTO hazards (id, site_id, department_id, room_id, status, grade, category, found_on, deadline, closed_on, fixed_on_spot, funds, has_conflict, search) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, room_id = excluded.room_id, \
         status = excluded.status, grade = excluded.grade, category = excluded.category, found_on = excluded.found_on, \
         deadline = excluded.deadline, closed_on = excluded.closed_on, fixed_on_spot = excluded.fixed_on_spot, funds = excluded.funds, \
         has_conflict = excluded.has_conflict, search = excluded.search",
    )
    .bind(h.id.to_string())
    .bind(h.site_id.to_string())
    .bind(opt_str(h.department_id))
    .bind(opt_str(h.room_id))
    .bind(h.status.as_str())
    .bind(enum_str(&h.grade))
    .bind(enum_str(&h.category))
    .bind(h.found_on.to_string())
    .bind(opt_str(h.deadline))
    .bind(opt_str(h.closed_on))
    .bind(i64::from(h.fixed_on_spot))
    .bind(h.funds.get())
    .bind(i64::from(h.has_conflict()))
    .bind(search)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The serde name of a unit enum variant (how it is stored and filtered).
pub fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub async fn pull(db: &Db, actor: &Actor, cursor: u64, limit: u32) -> AppResult<PullResponse> {
    let limit = limit.clamp(1, saferounds_shared::sync::MAX_PULL_LIMIT);
    let rows = if actor.role.center_wide() {
        sqlx::query("SELECT change_seq, data FROM entities WHERE change_seq > $1 ORDER BY change_seq LIMIT $2")
            .bind(cursor as i64)
            .bind(i64::from(limit) + 1)
            .fetch_all(&db.read)
            .await?
    } else {
        sqlx::query("SELECT change_seq, data FROM entities WHERE change_seq > $1 AND (site_id = $2 OR department_id = $3) ORDER BY change_seq LIMIT $4")
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
        let entity: Entity = parse(r, 1)?;
        next = seq;
        if visible_to(&entity, actor) {
            changes.push(Change {
                change_seq: seq,
                entity,
            });
        }
    }
    Ok(PullResponse {
        changes,
        cursor: next,
        more,
    })
}

// ---------------------------------------------------------------- ledger

/// How a ledger page counts its total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Exact,
    /// Count at most this many; beyond it the total is reported as "at least".
    UpTo(i64),
}

pub struct LedgerPage {
    pub total: i64,
    /// `total` is the count cap, not an exact count.
    pub total_at_least: bool,
    pub rows: Vec<Hazard>,
}

/// The ledger: the hazard list filtered as [`HazardFilter::matches`] defines, sorted, paged.
pub async fn ledger(
    db: &Db,
    actor: &Actor,
    f: &HazardFilter,
    today: NaiveDate,
    offset: i64,
    limit: i64,
    count: Count,
) -> AppResult<LedgerPage> {
    let mut wh: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let bind = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if !actor.role.center_wide() {
        let a = bind(&mut binds, opt_str(actor.site_id).unwrap_or_default());
        let b = bind(&mut binds, opt_str(actor.department_id).unwrap_or_default());
        wh.push(format!("(h.site_id = {a} OR h.department_id = {b})"));
    }
    if let Some(s) = f.status {
        wh.push(format!(
            "h.status = {}",
            bind(&mut binds, s.as_str().into())
        ));
    }
    if let Some(g) = f.grade {
        wh.push(format!("h.grade = {}", bind(&mut binds, enum_str(&g))));
    }
    if let Some(c) = f.category {
        wh.push(format!("h.category = {}", bind(&mut binds, enum_str(&c))));
    }
    if let Some(d) = f.department_id {
        wh.push(format!(
            "h.department_id = {}",
            bind(&mut binds, d.to_string())
        ));
    }
    if let Some(s) = f.site_id {
        wh.push(format!("h.site_id = {}", bind(&mut binds, s.to_string())));
    }
    if let Some(d) = f.found_from {
        wh.push(format!("h.found_on >= {}", bind(&mut binds, d.to_string())));
    }
    if let Some(d) = f.found_to {
        wh.push(format!("h.found_on <= {}", bind(&mut binds, d.to_string())));
    }
    // SQLite: when the page is ordered by `found_on`, walking that covering index and filtering
    // in it beats gathering every overdue row and sorting them (most open items are overdue in a
    // neglected ledger); the unary `+` keeps the planner off the status index for this filter.
    let by_found = matches!(f.sort, SortKey::FoundDesc | SortKey::FoundAsc);
    let walk = if by_found && db.backend == crate::db::Backend::Sqlite {
        "+"
    } else {
        ""
    };
    if let Some(o) = f.overdue {
        let chased: Vec<String> = Status::CHASED
            .iter()
            .map(|s| bind(&mut binds, s.as_str().into()))
            .collect();
        let t = bind(&mut binds, today.to_string());
        let cond = format!(
            "({walk}h.status IN ({}) AND h.deadline IS NOT NULL AND {walk}h.deadline < {t})",
            chased.join(", ")
        );
        wh.push(if o { cond } else { format!("NOT {cond}") });
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        wh.push(format!(
            "h.search LIKE {} ESCAPE '\\'",
            bind(&mut binds, format!("%{escaped}%"))
        ));
    }
    let where_sql = if wh.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wh.join(" AND "))
    };
    let order = match f.sort {
        SortKey::FoundDesc => "h.found_on DESC, h.id DESC",
        SortKey::FoundAsc => "h.found_on ASC, h.id ASC",
        SortKey::DeadlineAsc => "h.deadline ASC, h.id ASC",
        SortKey::DeadlineDesc => "h.deadline DESC, h.id DESC",
    };
    // The page first: ids in order from the index, then their documents (a deferred join, so the
    // sort never carries the JSON).
    let n = binds.len();
    let (key, outer) = match f.sort {
        SortKey::FoundDesc => ("found_on", "p.k DESC, p.id DESC"),
        SortKey::FoundAsc => ("found_on", "p.k ASC, p.id ASC"),
        SortKey::DeadlineAsc => ("deadline", "p.k ASC, p.id ASC"),
        SortKey::DeadlineDesc => ("deadline", "p.k DESC, p.id DESC"),
    };
    let page_sql = format!(
        "SELECT e.data FROM (SELECT h.id AS id, h.{key} AS k FROM hazards h {where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}) p \
         JOIN entities e ON e.id = p.id ORDER BY {outer}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(&page_sql);
    for b in &binds {
        q = q.bind(b);
    }
    let (limit, offset) = (limit.max(1), offset.max(0));
    q = q.bind(limit).bind(offset);
    let rows = q
        .fetch_all(&db.read)
        .await?
        .iter()
        .map(|r| parse::<Entity>(r, 0))
        .collect::<AppResult<Vec<_>>>()?;
    let rows: Vec<Hazard> = rows.into_iter().filter_map(Entity::into_hazard).collect();
    // A short page that starts at a known offset ends the list: its total needs no count. Else
    // count, up to the cap unless an exact figure is asked for (exports).
    let mut at_least = false;
    let total = if (rows.len() as i64) < limit && (offset == 0 || !rows.is_empty()) {
        offset + rows.len() as i64
    } else {
        let count_sql = match count {
            Count::Exact => format!("SELECT COUNT(*) FROM hazards h {where_sql}"),
            Count::UpTo(cap) => format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM hazards h {where_sql} LIMIT {}) c",
                cap.max(0) + 1
            ),
        };
        let mut q = sqlx::query(&count_sql);
        for b in &binds {
            q = q.bind(b);
        }
        let n: i64 = q.fetch_one(&db.read).await?.try_get(0)?;
        match count {
            Count::UpTo(cap) if n > cap => {
                at_least = true;
                cap.max(offset + rows.len() as i64)
            }
            _ => n,
        }
    };
    Ok(LedgerPage {
        total,
        total_at_least: at_least,
        rows,
    })
}

pub async fn entity(db: &Db, id: &str) -> AppResult<Option<Entity>> {
    let row = sqlx::query("SELECT data FROM entities WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    row.map(|r| parse(&r, 0)).transpose()
}

pub async fn audit_of(db: &Db, id: &str) -> AppResult<Vec<AuditEntry>> {
    docs(
        db,
        "SELECT data FROM audit WHERE entity_id = $1 ORDER BY change_seq",
        Some(id.to_owned()),
    )
    .await
}

/// Every hazard the actor may see (for statistics and exports).
/// Every entity of one kind (`round`, `visit` …), of one site when given.
pub async fn entities_of_kind(db: &Db, kind: &str, site: Option<&str>) -> AppResult<Vec<Entity>> {
    let rows = match site {
        Some(site) => {
            sqlx::query("SELECT data FROM entities WHERE kind = $1 AND site_id = $2")
                .bind(kind)
                .bind(site)
                .fetch_all(&db.read)
                .await?
        }
        None => {
            sqlx::query("SELECT data FROM entities WHERE kind = $1")
                .bind(kind)
                .fetch_all(&db.read)
                .await?
        }
    };
    rows.iter().map(|r| parse(r, 0)).collect()
}

pub async fn hazards_visible(db: &Db, actor: &Actor) -> AppResult<Vec<Hazard>> {
    let rows: Vec<Entity> =
        docs(db, "SELECT data FROM entities WHERE kind = 'hazard'", None).await?;
    Ok(rows
        .into_iter()
        .filter(|e| visible_to(e, actor))
        .filter_map(Entity::into_hazard)
        .collect())
}

/// Every institutional measure the actor may see (the second of the two lists).
pub async fn measures_visible(
    db: &Db,
    actor: &Actor,
) -> AppResult<Vec<saferounds_shared::lists::Measure>> {
    let rows: Vec<Entity> =
        docs(db, "SELECT data FROM entities WHERE kind = 'measure'", None).await?;
    let mut v: Vec<_> = rows
        .into_iter()
        .filter(|e| visible_to(e, actor))
        .filter_map(|e| {
            if let Entity::Measure(m) = e {
                Some(m)
            } else {
                None
            }
        })
        .collect();
    v.sort_by(|a, b| (a.deadline, &a.title).cmp(&(b.deadline, &b.title)));
    Ok(v)
}
