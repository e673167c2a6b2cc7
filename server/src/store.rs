//! Queries over [`Db`]: organisation documents, the sync push and pull, the hazard ledger
//! projection, the audit trail, photo presence. Every SQL string is a constant or assembled from
//! constant pieces; values are always bound, never formatted in.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use futures_util::TryStreamExt;
use saferounds_shared::checklist::{InspectionType, Template};
use saferounds_shared::hazard::{Hazard, HazardFacts, Status};
use saferounds_shared::ids::{
    DepartmentId, Fen, HazardId, OpId, PhotoHash, RoomId, SiteId, TemplateId,
};
use saferounds_shared::inspection::{LastVisits, Visit};
use saferounds_shared::lists::{HazardFilter, SortKey};
use saferounds_shared::org::{Actor, Building, Department, Room, Site, User};
use saferounds_shared::sync::{
    AuditEntry, Change, Effect, Entity, Operation, Outcome, PullResponse, PushRequest,
    PushResponse, Replica, World, apply_batch, scope_visible_to, visible_to,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

use crate::db::{Backend, Db, now_ms};
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
    // Decoded as the rows arrive: the database reads the next rows meanwhile (on SQLite, on its
    // own thread), and the raw rows are never all held at once.
    let mut rows = q.fetch(&db.read);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(parse(&row, 0)?);
    }
    Ok(out)
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
fn ref_visible(actor: &Actor, site: Option<&str>, dept: Option<&str>) -> bool {
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
        if ref_visible(actor, site.as_deref(), dept.as_deref()) {
            return Ok(Some(ct));
        }
    }
    Err(AppError::Forbidden)
}

// ---------------------------------------------------------------- sync

/// What `apply` may look up: the rooms, templates and stored photos a batch names, loaded once.
#[derive(Default)]
struct Preloaded {
    rooms: HashMap<RoomId, Room>,
    templates: HashMap<TemplateId, Template>,
    /// Stored photos the group names, each with who uploaded it and the scopes of the records
    /// that already use it.
    photos: HashMap<PhotoHash, PhotoAccess>,
    /// Whose batch is being applied: a photo counts as present for them only if they uploaded
    /// it or may already see it, so naming another site's photo by its hash opens nothing.
    actor: Option<Actor>,
}

#[derive(Default)]
struct PhotoAccess {
    holders: HashSet<String>,
    scopes: Vec<(Option<String>, Option<String>)>,
}
impl World for Preloaded {
    fn room(&self, id: RoomId) -> Option<Room> {
        self.rooms.get(&id).cloned()
    }
    fn template(&self, id: TemplateId) -> Option<Template> {
        self.templates.get(&id).cloned()
    }
    fn has_photo(&self, hash: &PhotoHash) -> bool {
        let (Some(actor), Some(access)) = (&self.actor, self.photos.get(hash)) else {
            return false;
        };
        actor.role.center_wide()
            || access.holders.contains(&actor.user_id.to_string())
            || access
                .scopes
                .iter()
                .any(|(s, d)| ref_visible(actor, s.as_deref(), d.as_deref()))
    }
}

/// One device's batch, as received.
pub struct PushJob {
    pub actor: Actor,
    pub req: PushRequest,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    /// The center's time zone (a visit's day).
    pub offset: FixedOffset,
}

/// Applies the batches of several devices in one transaction (group commit: the writer takes
/// every batch waiting for it at once), in order, as if each had been pushed alone. One answer
/// per batch: a batch refused as a whole (a device of another user) does not affect the others.
/// A group that loses a deadlock or serialization race (PostgreSQL), or a race to insert the
/// same row, is simply run again: it then finds what the winner stored.
pub async fn push_group(db: &Db, jobs: &[PushJob]) -> AppResult<Vec<AppResult<PushResponse>>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push_group_once(db, jobs).await {
            Err(AppError::Unexpected(e)) if attempt < 4 && is_retryable(&e) => {
                tracing::warn!(error = %e, attempt, "push retried");
            }
            other => return other,
        }
    }
}

fn is_retryable(e: &anyhow::Error) -> bool {
    let Some(d) = e
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
    else {
        return false;
    };
    d.is_unique_violation() || matches!(d.code().as_deref(), Some("40P01" | "40001"))
}

/// The placeholders of a multi-row VALUES list: `($1, $2), ($3, $4)…` on PostgreSQL, anonymous
/// `(?, ?), (?, ?)…` on SQLite (binding numbered parameters there costs a lookup by name per
/// value, quadratic in the statement's size).
fn placeholders(pg: bool, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            if pg {
                s.push('$');
                s.push_str(&(r * cols + c + 1).to_string());
            } else {
                s.push('?');
            }
        }
        s.push(')');
    }
    s
}

/// Rows per multi-row statement: far below both backends' limits on bound values. (Cutting lists
/// into a few fixed sizes, so that every statement stays prepared, was measured slower: more
/// round trips per group.)
const ROWS_PER_STATEMENT: usize = 200;

/// One stored operation: (op_id, device_id, device_seq, user_id, entity_id, kind, outcome JSON).
type OpRow = (String, String, i64, String, String, &'static str, String);

/// A group in memory: what it read (the replica `shared::sync::apply_batch` works on) and what it
/// will write, gathered while its operations are applied and written at the end with a few
/// statements per table.
#[derive(Default)]
struct Group {
    world: Preloaded,
    current: HashMap<Uuid, Entity>,
    seen: HashMap<OpId, (u64, Outcome)>,
    /// The user whose batch is being applied.
    user: String,
    /// The center's time zone.
    offset: Option<FixedOffset>,
    /// Entities changed, in first-change order, each with its final state and the index (into
    /// the changing operations) of the last operation that changed it.
    entities: Vec<(Entity, usize)>,
    entity_pos: HashMap<Uuid, usize>,
    /// Operations that changed an entity, in order; each takes the next `change_seq`.
    changed: usize,
    /// (op_id, entity_id, index into the changing operations or none, audit JSON)
    audit: Vec<(String, String, Option<usize>, String)>,
    ops: Vec<OpRow>,
    blob_refs: Vec<(String, String, Option<String>, Option<String>)>,
    blob_ref_seen: HashSet<(String, String)>,
    /// (device_id, last_seq) of devices that advanced.
    devices: Vec<(String, u64)>,
    /// A record that could not be encoded (never expected): the group fails.
    error: Option<serde_json::Error>,
}

impl Replica for Group {
    fn seen(&self, op_id: OpId) -> Option<(u64, Outcome)> {
        self.seen.get(&op_id).cloned()
    }
    fn entity(&self, id: Uuid) -> Option<&Entity> {
        self.current.get(&id)
    }
    fn world(&self) -> &dyn World {
        &self.world
    }
    fn keep(&mut self, req: &PushRequest, op: &Operation, effect: Effect) {
        let entity_id = op.entity_id.to_string();
        let mut change = None;
        if let Some(state) = effect.new_state {
            let k = self.changed;
            self.changed += 1;
            change = Some(k);
            let (site, dept) = state.scope();
            for p in op.photo_refs() {
                if self
                    .blob_ref_seen
                    .insert((p.as_str().to_owned(), entity_id.clone()))
                {
                    self.blob_refs.push((
                        p.as_str().to_owned(),
                        entity_id.clone(),
                        opt_str(site),
                        opt_str(dept),
                    ));
                }
            }
            match self.entity_pos.get(&op.entity_id) {
                Some(&i) => self.entities[i] = (state.clone(), k),
                None => {
                    self.entity_pos.insert(op.entity_id, self.entities.len());
                    self.entities.push((state.clone(), k));
                }
            }
            self.current.insert(op.entity_id, state);
        }
        let encoded = effect
            .audit
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .and_then(|a| Ok((a, serde_json::to_string(&effect.outcome)?)));
        let (audit, outcome) = match encoded {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        if let Some(a) = audit {
            self.audit
                .push((op.op_id.to_string(), entity_id.clone(), change, a));
        }
        self.ops.push((
            op.op_id.to_string(),
            req.device_id.to_string(),
            op.device_seq as i64,
            self.user.clone(),
            entity_id,
            op.body.kind(),
            outcome,
        ));
        self.seen.insert(op.op_id, (op.device_seq, effect.outcome));
    }
}

async fn push_group_once(db: &Db, jobs: &[PushJob]) -> AppResult<Vec<AppResult<PushResponse>>> {
    let pg = db.backend == Backend::Postgres;
    let mut tx = db.write.begin().await?;
    // The device rows first, created on first use and locked until commit: batches of one device
    // queue behind each other on every instance. A device id is never shared between users.
    // One statement for the group, in device order, so two groups running at once (PostgreSQL)
    // do not deadlock.
    // A new device belongs to the user of its first batch in the group.
    let mut first_user: HashMap<String, String> = HashMap::new();
    for j in jobs {
        first_user
            .entry(j.req.device_id.to_string())
            .or_insert_with(|| j.actor.user_id.to_string());
    }
    let mut devices: Vec<(String, String)> = first_user.into_iter().collect();
    devices.sort();
    let mut owners: HashMap<String, (String, u64)> = HashMap::new();
    for chunk in devices.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO devices (device_id, user_id, last_seq) VALUES {} \
             ON CONFLICT (device_id) DO UPDATE SET last_seq = devices.last_seq \
             RETURNING device_id, user_id, last_seq",
            placeholders(pg, chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (device, user) in chunk {
            q = q.bind(device).bind(user).bind(0i64);
        }
        for row in q.fetch_all(&mut *tx).await? {
            owners.insert(
                row.try_get(0)?,
                (row.try_get(1)?, row.try_get::<i64, _>(2)? as u64),
            );
        }
    }
    let last_seqs: Vec<Option<u64>> = jobs
        .iter()
        .map(|j| {
            owners
                .get(&j.req.device_id.to_string())
                .filter(|(owner, _)| *owner == j.actor.user_id.to_string())
                .map(|(_, seq)| *seq)
        })
        .collect();
    let all_ops = || {
        jobs.iter()
            .zip(&last_seqs)
            .filter(|(_, l)| l.is_some())
            .flat_map(|(j, _)| &j.req.ops)
    };

    // Everything the group reads, in one query per table. On PostgreSQL the existing entities
    // are locked (in id order) so a concurrent group cannot apply to a state this one replaces.
    let mut op_ids: Vec<String> = all_ops().map(|o| o.op_id.to_string()).collect();
    op_ids.sort();
    op_ids.dedup();
    let mut g = Group::default();
    for chunk in op_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT op_id, device_seq, outcome FROM ops WHERE op_id IN {}",
            in_list(pg, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *tx).await? {
            let op_id = OpId::parse(&r.try_get::<String, _>(0)?)?;
            g.seen
                .insert(op_id, (r.try_get::<i64, _>(1)? as u64, parse(&r, 2)?));
        }
    }
    let mut entity_ids: Vec<String> = all_ops().map(|o| o.entity_id.to_string()).collect();
    entity_ids.sort();
    entity_ids.dedup();
    for chunk in entity_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, data FROM entities WHERE id IN {} ORDER BY id{}",
            in_list(pg, chunk.len()),
            if pg { " FOR UPDATE" } else { "" }
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *tx).await? {
            let e: Entity = parse(&r, 1)?;
            g.current.insert(e.id(), e);
        }
    }
    g.world = preload(&mut tx, pg, all_ops()).await?;

    let mut answers = Vec::with_capacity(jobs.len());
    // A device may have two batches in one group (two tabs): the second starts where the first
    // left off.
    let mut stored_seq: HashMap<String, u64> = HashMap::new();
    let mut device_seq: HashMap<String, u64> = HashMap::new();
    for (job, fetched) in jobs.iter().zip(&last_seqs) {
        let Some(fetched) = *fetched else {
            answers.push(Err(AppError::Forbidden));
            continue;
        };
        let device = job.req.device_id.to_string();
        stored_seq.entry(device.clone()).or_insert(fetched);
        let first_seq = *device_seq.entry(device.clone()).or_insert(fetched);
        g.user = job.actor.user_id.to_string();
        g.offset = Some(job.offset);
        g.world.actor = Some(job.actor.clone());
        let resp = apply_batch(&mut g, &job.req, &job.actor, job.now, job.today, first_seq);
        if let Some(e) = g.error.take() {
            return Err(e.into());
        }
        device_seq.insert(device, resp.last_seq);
        answers.push(Ok(resp));
    }
    g.devices = device_seq
        .into_iter()
        .filter(|(d, seq)| stored_seq.get(d) != Some(seq))
        .collect();

    // Everything that does not carry a change number is written first, so the counter row
    // below stays locked only while the rows that do (entities, audit) are written.
    write_unsequenced(&mut tx, pg, &g).await?;
    // Taken inside the writing transaction just before commit: the counter row stays locked
    // only briefly, and change_seq order is commit order, so a reader paging by cursor never
    // skips a row.
    let first_change = if g.changed > 0 {
        let last: i64 = sqlx::query(
            "UPDATE counters SET value = value + $1 WHERE name = 'change_seq' RETURNING value",
        )
        .bind(g.changed as i64)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        last - g.changed as i64 + 1
    } else {
        0
    };
    write_sequenced(&mut tx, pg, &g, first_change).await?;
    tx.commit().await?;
    Ok(answers)
}

/// `($1, $2, …)` for an IN list of `n` values.
fn in_list(pg: bool, n: usize) -> String {
    placeholders(pg, 1, n)
}

/// The rooms, templates and stored photos the batch's operations name.
async fn preload<'a>(
    tx: &mut Transaction<'_, Any>,
    pg: bool,
    ops: impl Iterator<Item = &'a Operation> + Clone,
) -> AppResult<Preloaded> {
    let mut rooms = BTreeSet::new();
    let mut templates = BTreeSet::new();
    let mut photos = BTreeSet::new();
    for op in ops.clone() {
        let (room, template) = op.needs();
        rooms.extend(room.map(|r| r.to_string()));
        templates.extend(template.map(|t| t.to_string()));
        photos.extend(op.photo_refs().into_iter().map(|p| p.as_str().to_owned()));
    }
    let mut world = Preloaded::default();
    let fetch = async |tx: &mut Transaction<'_, Any>, head: &str, keys: &BTreeSet<String>| {
        let keys: Vec<&String> = keys.iter().collect();
        let mut rows = Vec::new();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let sql = format!("{head} IN {}", in_list(pg, chunk.len()));
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            rows.extend(q.fetch_all(&mut **tx).await?);
        }
        AppResult::Ok(rows)
    };
    for r in fetch(tx, "SELECT data FROM rooms WHERE id", &rooms).await? {
        let room: Room = parse(&r, 0)?;
        world.rooms.insert(room.id, room);
    }
    for r in fetch(tx, "SELECT data FROM templates WHERE id", &templates).await? {
        let t: Template = parse(&r, 0)?;
        world.templates.insert(t.id, t);
    }
    let mut stored: HashMap<String, PhotoAccess> = HashMap::new();
    for r in fetch(tx, "SELECT sha256 FROM blobs WHERE sha256", &photos).await? {
        stored.insert(r.try_get::<String, _>(0)?, PhotoAccess::default());
    }
    let head = "SELECT sha256, user_id FROM blob_holders WHERE sha256";
    for r in fetch(tx, head, &photos).await? {
        if let Some(a) = stored.get_mut(&r.try_get::<String, _>(0)?) {
            a.holders.insert(r.try_get(1)?);
        }
    }
    let head = "SELECT sha256, site_id, department_id FROM blob_refs WHERE sha256";
    for r in fetch(tx, head, &photos).await? {
        if let Some(a) = stored.get_mut(&r.try_get::<String, _>(0)?) {
            a.scopes.push((r.try_get(1)?, r.try_get(2)?));
        }
    }
    for p in ops.flat_map(|op| op.photo_refs()) {
        if let Some(a) = stored.remove(p.as_str()) {
            world.photos.insert(p, a);
        }
    }
    Ok(world)
}

/// A monthly extinguisher check checks the extinguishers of the rooms it visits: their register
/// entries take the visit's day as their last check (`Equipment::checked_by`), in the push's
/// transaction.
async fn mark_extinguishers_checked(
    tx: &mut Transaction<'_, Any>,
    pg: bool,
    visits: &[&Visit],
    offset: FixedOffset,
) -> AppResult<()> {
    let monthly: Vec<&Visit> = visits
        .iter()
        .copied()
        .filter(|v| v.inspection_type == InspectionType::ExtinguisherMonthly)
        .collect();
    if monthly.is_empty() {
        return Ok(());
    }
    let sites: BTreeSet<String> = monthly.iter().map(|v| v.site_id.to_string()).collect();
    let sites: Vec<String> = sites.into_iter().collect();
    let sql = format!(
        "SELECT data FROM records WHERE kind = 'equipment' AND site_id IN {}",
        placeholders(pg, 1, sites.len())
    );
    let mut q = sqlx::query(&sql);
    for s in &sites {
        q = q.bind(s);
    }
    let rows = q.fetch_all(&mut **tx).await?;
    let now = chrono::Utc::now().timestamp_millis();
    for r in rows {
        let mut e: saferounds_shared::equipment::Equipment = parse(&r, 0)?;
        let mut changed = false;
        for v in &monthly {
            let day = v.finished_at.with_timezone(&offset).date_naive();
            if let Some(next) = e.checked_by(v, day) {
                e = next;
                changed = true;
            }
        }
        if changed {
            sqlx::query("UPDATE records SET data = $1, updated_at = $2 WHERE id = $3")
                .bind(json(&e)?)
                .bind(now)
                .bind(e.id.to_string())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The inspection type of every round that has a visit (where a hazard came from).
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
        let room = RoomId::parse(&r.try_get::<String, _>(0)?)?;
        let kind: InspectionType =
            serde_json::from_value(serde_json::Value::String(r.try_get::<String, _>(1)?))
                .map_err(anyhow::Error::from)?;
        let at = DateTime::from_timestamp(r.try_get::<i64, _>(2)?, 0)
            .ok_or_else(|| anyhow::anyhow!("visit time out of range"))?;
        last.insert((room, kind), at.with_timezone(&offset).date_naive());
    }
    Ok(last)
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
    let mut marks = Vec::with_capacity(rows.len());
    for r in rows {
        let room = RoomId::parse(&r.try_get::<String, _>(0)?)?;
        let kind: InspectionType =
            serde_json::from_value(serde_json::Value::String(r.try_get::<String, _>(1)?))
                .map_err(anyhow::Error::from)?;
        let at = DateTime::from_timestamp(r.try_get::<i64, _>(2)?, 0)
            .ok_or_else(|| anyhow::anyhow!("visit time out of range"))?;
        marks.push((room, kind, at));
    }
    Ok(marks)
}

/// Writes what a group gathered that carries no change number: ledger rows, visit rows, photo
/// references, operation records, devices' sequence numbers; a few statements per table.
async fn write_unsequenced(tx: &mut Transaction<'_, Any>, pg: bool, w: &Group) -> AppResult<()> {
    let hazards: Vec<&Hazard> = w
        .entities
        .iter()
        .filter_map(|(e, _)| match e {
            Entity::Hazard(h) => Some(h),
            _ => None,
        })
        .collect();
    for chunk in hazards.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO hazards (id, site_id, department_id, room_id, status, grade, category, found_on, deadline, closed_on, fixed_on_spot, funds, has_conflict, search) \
             VALUES {} \
             ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, room_id = excluded.room_id, \
             status = excluded.status, grade = excluded.grade, category = excluded.category, found_on = excluded.found_on, \
             deadline = excluded.deadline, closed_on = excluded.closed_on, fixed_on_spot = excluded.fixed_on_spot, funds = excluded.funds, \
             has_conflict = excluded.has_conflict, search = excluded.search",
            placeholders(pg, chunk.len(), 14)
        );
        let mut q = sqlx::query(&sql);
        for h in chunk {
            let search = h.search_text();
            q = q
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
                .bind(search);
        }
        q.execute(&mut **tx).await?;
    }
    let visits: Vec<&Visit> = w
        .entities
        .iter()
        .filter_map(|(e, _)| match e {
            Entity::Visit(v) => Some(v),
            _ => None,
        })
        .collect();
    for chunk in visits.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO visits (id, round_id, room_id, inspection_type, finished_at) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET round_id = excluded.round_id, room_id = excluded.room_id, \
             inspection_type = excluded.inspection_type, finished_at = excluded.finished_at",
            placeholders(pg, chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q
                .bind(v.id.to_string())
                .bind(v.round_id.to_string())
                .bind(v.room_id.to_string())
                .bind(enum_str(&v.inspection_type))
                .bind(v.finished_at.timestamp());
        }
        q.execute(&mut **tx).await?;
    }
    let offset = w
        .offset
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    mark_extinguishers_checked(tx, pg, &visits, offset).await?;
    for chunk in w.blob_refs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO blob_refs (sha256, entity_id, site_id, department_id) VALUES {} \
             ON CONFLICT (sha256, entity_id) DO NOTHING",
            placeholders(pg, chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (sha, entity, site, dept) in chunk {
            q = q.bind(sha).bind(entity).bind(site).bind(dept);
        }
        q.execute(&mut **tx).await?;
    }
    let received = now_ms();
    for chunk in w.ops.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ops (op_id, device_id, device_seq, user_id, entity_id, kind, outcome, received_at) VALUES {}",
            placeholders(pg, chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for (op_id, device, device_seq, user, entity, kind, outcome) in chunk {
            q = q
                .bind(op_id)
                .bind(device)
                .bind(*device_seq)
                .bind(user)
                .bind(entity)
                .bind(*kind)
                .bind(outcome)
                .bind(received);
        }
        q.execute(&mut **tx).await?;
    }
    // The rows exist (the group created them); `user_id` is only there to satisfy the insert.
    for chunk in w.devices.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO devices (device_id, user_id, last_seq) VALUES {} \
             ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq",
            placeholders(pg, chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (device, last_seq) in chunk {
            q = q.bind(device).bind("").bind(*last_seq as i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Writes the rows that carry change numbers, from the group's first: the entities' final
/// states, and the audit entries of the operations that changed them.
async fn write_sequenced(
    tx: &mut Transaction<'_, Any>,
    pg: bool,
    w: &Group,
    first_change: i64,
) -> AppResult<()> {
    let seq = |k: usize| first_change + k as i64;
    for chunk in w.entities.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO entities (id, kind, site_id, department_id, version, change_seq, data) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, \
             version = excluded.version, change_seq = excluded.change_seq, data = excluded.data",
            placeholders(pg, chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for (state, k) in chunk {
            let (site, dept) = state.scope();
            q = q
                .bind(state.id().to_string())
                .bind(state.kind())
                .bind(opt_str(site))
                .bind(opt_str(dept))
                .bind(state.version() as i64)
                .bind(seq(*k))
                .bind(json(state)?);
        }
        q.execute(&mut **tx).await?;
    }
    for chunk in w.audit.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO audit (op_id, entity_id, change_seq, data) VALUES {}",
            placeholders(pg, chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (op_id, entity, k, data) in chunk {
            q = q.bind(op_id).bind(entity).bind(k.map_or(0, seq)).bind(data);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The serde name of a unit enum variant (how it is stored and filtered).
pub fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

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
    let rows = if actor.role.center_wide() {
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

// ---------------------------------------------------------------- ledger

/// A filtered ledger page sorts its matches when there are at most this many (SQLite), and walks
/// an index in the page's order when there are more.
const SORT_AT_MOST: i64 = 2_000;

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
        wh.push(format!("(@h.site_id = {a} OR @h.department_id = {b})"));
    }
    if let Some(s) = f.status {
        wh.push(format!(
            "@h.status = {}",
            bind(&mut binds, s.as_str().into())
        ));
    }
    if let Some(g) = f.grade {
        wh.push(format!("@h.grade = {}", bind(&mut binds, enum_str(&g))));
    }
    if let Some(c) = f.category {
        wh.push(format!("@h.category = {}", bind(&mut binds, enum_str(&c))));
    }
    if let Some(d) = f.department_id {
        wh.push(format!(
            "@h.department_id = {}",
            bind(&mut binds, d.to_string())
        ));
    }
    if let Some(s) = f.site_id {
        wh.push(format!("@h.site_id = {}", bind(&mut binds, s.to_string())));
    }
    if let Some(d) = f.found_from {
        wh.push(format!("h.found_on >= {}", bind(&mut binds, d.to_string())));
    }
    if let Some(d) = f.found_to {
        wh.push(format!("h.found_on <= {}", bind(&mut binds, d.to_string())));
    }
    // SQLite: an overdue page walks a covering index in its order and filters in it — by
    // `found_on` (most open items are overdue in a neglected ledger, so gathering and sorting
    // them is slower), or the deadline range in `hazards_deadline_cover`. The unary `+` keeps the
    // planner off the status index (and, ordered by `found_on`, off the deadline index).
    let by_found = matches!(f.sort, SortKey::FoundDesc | SortKey::FoundAsc);
    let sqlite = db.backend == crate::db::Backend::Sqlite;
    let not_status = if sqlite { "+" } else { "" };
    let walk = if by_found && sqlite { "+" } else { "" };
    if let Some(o) = f.overdue {
        let chased: Vec<String> = Status::CHASED
            .iter()
            .map(|s| bind(&mut binds, s.as_str().into()))
            .collect();
        let t = bind(&mut binds, today.to_string());
        let cond = format!(
            "({not_status}h.status IN ({}) AND h.deadline IS NOT NULL AND {walk}h.deadline < {t})",
            chased.join(", ")
        );
        wh.push(if o { cond } else { format!("NOT {cond}") });
    }
    let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    // `Hazard::mentions`: a case-sensitive substring of the stored search text, as on the phone.
    // SQLite's `LIKE` folds ASCII case, so it uses `instr`; PostgreSQL's `LIKE` is
    // case-sensitive and its trigram index serves it.
    if let Some(t) = text {
        wh.push(if sqlite {
            format!("instr(h.search, {}) > 0", bind(&mut binds, t.to_owned()))
        } else {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!(
                "h.search LIKE {} ESCAPE '\\'",
                bind(&mut binds, format!("%{escaped}%"))
            )
        });
    }
    // The equality filters (marked `@`) can be read from their indexes or checked while walking
    // a covering index in the page's order (`hazards_found_cover`, `hazards_deadline_cover`).
    // Which is faster depends on how many hazards match, which SQLite's planner cannot know
    // without fresh statistics: it gathered a whole station's 100,000 hazards through the
    // scope's indexes and sorted them (210 ms). So the matches are counted first through those
    // indexes (at most the cap); few are sorted, many are walked (unary `+` keeps an index from
    // being used). PostgreSQL plans from its own statistics.
    let equality = wh.iter().any(|w| w.contains('@'));
    let where_with = |prefix: &str| {
        if wh.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", wh.join(" AND ").replace('@', prefix))
        }
    };
    // A text search is checked inside `hazards_found_cover` (it carries the search text): with
    // one, page and count both walk it, whatever else is filtered — through an equality index
    // every candidate would be read from the table to test the text.
    let (count_where, walk_all) = if sqlite && text.is_some() {
        (where_with("+"), true)
    } else {
        (where_with(""), false)
    };
    let count_sql = match count {
        Count::Exact => format!("SELECT COUNT(*) FROM hazards h {count_where}"),
        Count::UpTo(cap) => format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM hazards h {count_where} LIMIT {}) c",
            cap.max(0) + 1
        ),
    };
    let count_rows = || async {
        let mut q = sqlx::query(&count_sql);
        for b in &binds {
            q = q.bind(b);
        }
        AppResult::Ok(q.fetch_one(&db.read).await?.try_get::<i64, _>(0)?)
    };
    let counted = if equality && sqlite && !walk_all {
        Some(count_rows().await?)
    } else {
        None
    };
    let page_where = match counted {
        Some(n) if n > SORT_AT_MOST => where_with("+"),
        _ => count_where.clone(),
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
        "SELECT e.data FROM (SELECT h.id AS id, h.{key} AS k FROM hazards h {page_where} ORDER BY {order} LIMIT ${} OFFSET ${}) p \
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
        let n = match counted {
            Some(n) => n,
            None => count_rows().await?,
        };
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

/// The entities `select` (a query ending in `IN`) finds for `keys`, in statements of at most
/// `ROWS_PER_STATEMENT` keys.
async fn entities_in(db: &Db, select: &str, keys: &[String]) -> AppResult<Vec<Entity>> {
    let pg = db.backend == crate::db::Backend::Postgres;
    let mut out = Vec::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{select} {}", in_list(pg, chunk.len()));
        let mut q = sqlx::query(&sql);
        for key in chunk {
            q = q.bind(key);
        }
        for r in q.fetch_all(&db.read).await? {
            out.push(parse::<Entity>(&r, 0)?);
        }
    }
    Ok(out)
}

/// The visits of these rounds (through the visits' `round_id` column, not a scan of every visit).
pub async fn visits_of_rounds(db: &Db, rounds: &[String]) -> AppResult<Vec<Entity>> {
    entities_in(
        db,
        "SELECT e.data FROM visits v JOIN entities e ON e.id = v.id WHERE v.round_id IN",
        rounds,
    )
    .await
}

/// What statistics need of every hazard the actor may see, from the ledger's columns (no
/// document is decoded).
pub async fn hazard_facts_visible(db: &Db, actor: &Actor) -> AppResult<Vec<HazardFacts>> {
    // One text column per row: the database driver's cost is per column, and these are ids,
    // enum names, ISO dates and integers (no commas).
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id || ',' || site_id || ',' || COALESCE(department_id, '') || ',' || status \
         || ',' || grade || ',' || category || ',' || found_on || ',' || COALESCE(deadline, '') \
         || ',' || COALESCE(closed_on, '') || ',' || fixed_on_spot || ',' || funds FROM hazards",
    )
    .fetch_all(&db.read)
    .await?;
    fn name<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<T> {
        Ok(serde_json::from_value(serde_json::Value::String(
            s.to_owned(),
        ))?)
    }
    fn opt<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<Option<T>> {
        if s.is_empty() {
            Ok(None)
        } else {
            name(s).map(Some)
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let c: Vec<&str> = row.split(',').collect();
        let [
            id,
            site,
            dept,
            status,
            grade,
            category,
            found,
            deadline,
            closed,
            fixed,
            funds,
        ] = c[..]
        else {
            return Err(anyhow::anyhow!("ledger row has {} columns", c.len()).into());
        };
        let f = HazardFacts {
            id: HazardId::parse(id)?,
            site_id: SiteId::parse(site)?,
            department_id: if dept.is_empty() {
                None
            } else {
                Some(DepartmentId::parse(dept)?)
            },
            status: Status::parse(status)
                .ok_or_else(|| anyhow::anyhow!("unknown status {status}"))?,
            grade: name(grade)?,
            category: name(category)?,
            found_on: found.parse().map_err(anyhow::Error::from)?,
            deadline: opt(deadline)?,
            closed_on: opt(closed)?,
            fixed_on_spot: fixed != "0",
            funds: Fen::parse(funds.parse().map_err(anyhow::Error::from)?)?,
        };
        if actor.can_see(f.site_id, f.department_id) {
            out.push(f);
        }
    }
    Ok(out)
}

/// Whole hazards by id (those the actor may see), for the few a page shows in full.
pub async fn hazards_by_id(db: &Db, actor: &Actor, ids: &[String]) -> AppResult<Vec<Hazard>> {
    Ok(
        entities_in(db, "SELECT data FROM entities WHERE id IN", ids)
            .await?
            .into_iter()
            .filter_map(Entity::into_hazard)
            .filter(|h| actor.can_see(h.site_id, h.department_id))
            .collect(),
    )
}

/// The ids of the hazards with a field conflict waiting for a decision.
pub async fn conflicted_hazard_ids(db: &Db) -> AppResult<Vec<String>> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT id FROM hazards WHERE has_conflict = 1")
            .fetch_all(&db.read)
            .await?,
    )
}

/// The entities of one kind the actor may see. Scoped in SQL first, by the scope kept beside each
/// record (as a pull is), so a station's user decodes their station's records, not the center's;
/// then by [`visible_to`] itself.
async fn visible_entities(db: &Db, actor: &Actor, kind: &'static str) -> AppResult<Vec<Entity>> {
    let q = if actor.role.center_wide() {
        sqlx::query("SELECT data FROM entities WHERE kind = $1").bind(kind)
    } else {
        sqlx::query(
            "SELECT data FROM entities WHERE kind = $1 AND (site_id = $2 OR department_id = $3)",
        )
        .bind(kind)
        .bind(opt_str(actor.site_id).unwrap_or_default())
        .bind(opt_str(actor.department_id).unwrap_or_default())
    };
    let mut rows = q.fetch(&db.read);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        let e: Entity = parse(&row, 0)?;
        if visible_to(&e, actor) {
            out.push(e);
        }
    }
    Ok(out)
}

pub async fn hazards_visible(db: &Db, actor: &Actor) -> AppResult<Vec<Hazard>> {
    Ok(visible_entities(db, actor, "hazard")
        .await?
        .into_iter()
        .filter_map(Entity::into_hazard)
        .collect())
}

/// Every institutional measure the actor may see (the second of the two lists).
pub async fn measures_visible(
    db: &Db,
    actor: &Actor,
) -> AppResult<Vec<saferounds_shared::lists::Measure>> {
    let mut v: Vec<_> = visible_entities(db, actor, "measure")
        .await?
        .into_iter()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Visits stored before the `visits` table existed are copied into it by the migration that
    /// creates it (SQLite, and PostgreSQL when reachable): coverage then reads from the columns
    /// the day the documents give, in the center's time zone.
    #[tokio::test]
    async fn the_visits_table_is_filled_from_the_stored_visits() {
        use saferounds_shared::ids::{RoundId, TemplateId, UserId, VisitId};
        let dir = tempfile::tempdir().unwrap();
        let mut urls = vec![(
            "sqlite",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("v.sqlite").display()
            ),
        )];
        sqlx::any::install_default_drivers();
        let admin = "postgres://postgres@127.0.0.1:5432/test";
        if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await {
            let name = format!("sr_visits_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .unwrap();
            urls.push((
                "postgres",
                format!("postgres://postgres@127.0.0.1:5432/{name}"),
            ));
        }
        let finished: DateTime<Utc> = "2026-11-02T17:30:00.123456Z".parse().unwrap();
        let visit = Visit {
            id: VisitId::from_uuid(Uuid::now_v7()),
            round_id: RoundId::from_uuid(Uuid::now_v7()),
            room_id: RoomId::from_uuid(Uuid::now_v7()),
            site_id: SiteId::from_uuid(Uuid::now_v7()),
            inspector_id: UserId::from_uuid(Uuid::now_v7()),
            inspection_type: InspectionType::PeriodicCheck,
            template_id: TemplateId::from_uuid(Uuid::now_v7()),
            via_qr: true,
            started_at: finished,
            finished_at: finished,
            answers: vec![],
            signatures: None,
            note: None,
        };
        for (folder, url) in urls {
            // The migrations before the one that adds the table, from a copy of their folder.
            let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(folder);
            let before = dir.path().join(format!("before-{folder}"));
            std::fs::create_dir_all(&before).unwrap();
            let mut names: Vec<String> = std::fs::read_dir(&src)
                .unwrap()
                .map(|f| f.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            for name in names.iter().take_while(|n| !n.contains("visit_days")) {
                std::fs::copy(src.join(name), before.join(name)).unwrap();
            }
            let db = Db::connect(&url).await.unwrap();
            sqlx::migrate::Migrator::new(before.as_path())
                .await
                .unwrap()
                .run(&db.write)
                .await
                .unwrap();
            let entity = Entity::Visit(visit.clone());
            sqlx::query(
                "INSERT INTO entities (id, kind, site_id, department_id, version, change_seq, data) \
                 VALUES ($1, 'visit', $2, NULL, 1, 1, $3)",
            )
            .bind(visit.id.to_string())
            .bind(visit.site_id.to_string())
            .bind(serde_json::to_string(&entity).unwrap())
            .execute(&db.write)
            .await
            .unwrap();
            db.migrate().await.unwrap();
            let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
            let of_round = visits_of_rounds(&db, &[visit.round_id.to_string()])
                .await
                .unwrap();
            assert_eq!(of_round, vec![Entity::Visit(visit.clone())], "{folder}");
            let last = last_visits(&db, beijing).await.unwrap();
            let day: NaiveDate = "2026-11-03".parse().unwrap();
            assert_eq!(
                last.into_iter().collect::<Vec<_>>(),
                vec![((visit.room_id, InspectionType::PeriodicCheck), day)],
                "{folder}"
            );
            db.close().await;
            if let Some(name) = url.strip_prefix("postgres://postgres@127.0.0.1:5432/") {
                let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("DROP DATABASE {name}"))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(placeholders(true, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(false, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(in_list(true, 3), "($1, $2, $3)");
    }
}
