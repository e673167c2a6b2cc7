//! The hazard ledger projection and its query, and reads of records, audit and scope.

use super::*;

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
    if !actor.roles().center_wide() {
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
    let hinted = db.backend.needs_plan_hints();
    let not_status = if hinted { "+" } else { "" };
    let walk = if by_found && hinted { "+" } else { "" };
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
    if let Some(t) = text {
        let at = format!("${}", binds.len() + 1);
        let (cond, value) = db.backend.contains("h.search", &at, t);
        binds.push(value);
        wh.push(cond);
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
    let (count_where, walk_all) = if hinted && text.is_some() {
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
    let counted = if equality && hinted && !walk_all {
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
    let mut out = Vec::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{select} {}", db.backend.in_list(chunk.len()));
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
    let q = if actor.roles().center_wide() {
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
        use crate::db::Backend::{Postgres, Sqlite};
        assert_eq!(Postgres.placeholders(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(Sqlite.placeholders(2, 2), "(?, ?), (?, ?)");
        assert_eq!(Postgres.in_list(3), "($1, $2, $3)");
    }
}
