//! The sync push: a group of devices' batches applied in one transaction through `shared`'s `apply_batch`, then written in a few statements per table.

use super::*;

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
        actor.roles().center_wide()
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

/// Rows per multi-row statement: far below both backends' limits on bound values. (Cutting lists
/// into a few fixed sizes, so that every statement stays prepared, was measured slower: more
/// round trips per group.)
pub(super) const ROWS_PER_STATEMENT: usize = 200;

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
    let dialect = db.backend;
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
            dialect.placeholders(chunk.len(), 3)
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
            dialect.in_list(chunk.len())
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
            dialect.in_list(chunk.len()),
            dialect.lock_rows()
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
    g.world = preload(&mut tx, dialect, all_ops()).await?;

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
    write_unsequenced(&mut tx, dialect, &g).await?;
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
    write_sequenced(&mut tx, dialect, &g, first_change).await?;
    tx.commit().await?;
    Ok(answers)
}

/// The rooms, templates and stored photos the batch's operations name.
async fn preload<'a>(
    tx: &mut Transaction<'_, Any>,
    dialect: Backend,
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
            let sql = format!("{head} IN {}", dialect.in_list(chunk.len()));
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
    dialect: Backend,
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
        dialect.placeholders(1, sites.len())
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
/// Writes what a group gathered that carries no change number: ledger rows, visit rows, photo
/// references, operation records, devices' sequence numbers; a few statements per table.
async fn write_unsequenced(
    tx: &mut Transaction<'_, Any>,
    dialect: Backend,
    w: &Group,
) -> AppResult<()> {
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
            dialect.placeholders(chunk.len(), 14)
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
            dialect.placeholders(chunk.len(), 5)
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
    mark_extinguishers_checked(tx, dialect, &visits, offset).await?;
    for chunk in w.blob_refs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO blob_refs (sha256, entity_id, site_id, department_id) VALUES {} \
             ON CONFLICT (sha256, entity_id) DO NOTHING",
            dialect.placeholders(chunk.len(), 4)
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
            dialect.placeholders(chunk.len(), 8)
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
            dialect.placeholders(chunk.len(), 3)
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
    dialect: Backend,
    w: &Group,
    first_change: i64,
) -> AppResult<()> {
    let seq = |k: usize| first_change + k as i64;
    for chunk in w.entities.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO entities (id, kind, site_id, department_id, version, change_seq, data) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, department_id = excluded.department_id, \
             version = excluded.version, change_seq = excluded.change_seq, data = excluded.data",
            dialect.placeholders(chunk.len(), 7)
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
            dialect.placeholders(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (op_id, entity, k, data) in chunk {
            q = q.bind(op_id).bind(entity).bind(k.map_or(0, seq)).bind(data);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
