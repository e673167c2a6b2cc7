//! Would PostgreSQL's own column types and a typed pool pay for themselves?
//!
//! The store speaks portable SQL through sqlx's `Any` driver to one schema of TEXT and BIGINT
//! columns on both backends. The alternative (Atuin's) is a typed pool per backend, and on
//! PostgreSQL its native types: `uuid` ids, `date` days, `boolean` flags, `jsonb` records. This
//! measures the three steps on the store's hot statements, on a fresh schema of `--rows` hazards
//! (each an entity row with its JSON record and a ledger row), medians of `--runs`:
//!
//! - `any/text`: today — `AnyPool`, TEXT columns;
//! - `pg/text`: a typed `PgPool` on the same schema (the driver alone);
//! - `pg/native`: a typed `PgPool` on uuid / date / boolean / jsonb columns;
//! - `pg/native, json`: the same with the records in `json` (kept as written) instead of `jsonb`.
//!
//! Statements: a first pull (every record by change number, pages of 500), a ledger page (two
//! statuses of one site, newest first, 50 rows at an offset, joined to the records), 1,000
//! lookups of a record by id, and an ingest (2,000 records in statements of 100 rows, one
//! transaction).
//!
//! Usage: `cargo run --release -p saferounds-server --example pg_types -- --pg URL [--rows N]
//! [--runs R]`. It works in a schema of its own, dropped at the end, and stops by itself.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::value::RawValue;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::postgres::PgPoolOptions;
use sqlx::types::Json;
use sqlx::{AnyPool, PgPool, Row};

const STATUSES: [&str; 5] = [
    "reported",
    "registered",
    "rectifying",
    "awaiting_recheck",
    "closed",
];

/// One hazard of the data set.
struct Hazard {
    id: uuid::Uuid,
    site: uuid::Uuid,
    department: uuid::Uuid,
    seq: i64,
    status: &'static str,
    found_on: NaiveDate,
    deadline: NaiveDate,
    fixed_on_spot: bool,
    data: String,
}

fn hazards(n: usize, first_seq: i64) -> Vec<Hazard> {
    let sites: Vec<uuid::Uuid> = (0..12).map(|_| uuid::Uuid::now_v7()).collect();
    let departments: Vec<uuid::Uuid> = (0..20).map(|_| uuid::Uuid::now_v7()).collect();
    let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a day");
    (0..n)
        .map(|i| {
            let id = uuid::Uuid::now_v7();
            let (site, department) = (sites[i % sites.len()], departments[i % departments.len()]);
            let status = STATUSES[i % STATUSES.len()];
            let found_on = day0 + chrono::Duration::days((i % 900) as i64);
            let deadline = found_on + chrono::Duration::days(15);
            // A record of the size and shape the store keeps (about 1 KB).
            let data = serde_json::json!({
                "id": id, "site_id": site, "room_id": uuid::Uuid::now_v7(),
                "department_id": department, "round_id": null, "visit_id": null,
                "category": "electrical", "item_code": format!("EL-{:02}", i % 11 + 1),
                "description": format!("基准隐患 {i}：配电箱前堆放杂物，插线板串接，电线老化破损"),
                "grade": "general", "basis": "公安部令第61号 §31；GB 50054-2011",
                "found_on": found_on, "deadline": deadline, "status": status,
                "reported_by": uuid::Uuid::now_v7(), "owner_id": uuid::Uuid::now_v7(),
                "measures": "更换带过载保护的插线板，清理配电箱前杂物，张贴警示标识",
                "photos_before": [format!("{:064x}", i), format!("{:064x}", i + 1)],
                "photos_after": [], "funds": 5000, "fixed_on_spot": null,
                "version": 3, "conflict": null
            })
            .to_string();
            Hazard {
                id,
                site,
                department,
                seq: first_seq + i as i64,
                status,
                found_on,
                deadline,
                fixed_on_spot: i.is_multiple_of(9),
                data,
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    AnyText,
    PgText,
    PgNative,
    PgNativeJson,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::AnyText => "any/text",
            Variant::PgText => "pg/text",
            Variant::PgNative => "pg/native",
            Variant::PgNativeJson => "pg/native, json",
        }
    }
    fn schema(self, base: &str) -> String {
        match self {
            Variant::PgNative => format!("{base}_native"),
            Variant::PgNativeJson => format!("{base}_native_json"),
            _ => format!("{base}_text"),
        }
    }
}

fn ddl(s: &str, v: Variant) -> Vec<String> {
    let (id, day, flag, json) = match v {
        Variant::PgNative => ("UUID", "DATE", "BOOLEAN", "JSONB"),
        Variant::PgNativeJson => ("UUID", "DATE", "BOOLEAN", "JSON"),
        _ => ("TEXT", "TEXT", "BIGINT", "TEXT"),
    };
    vec![
        format!("DROP SCHEMA IF EXISTS {s} CASCADE"),
        format!("CREATE SCHEMA {s}"),
        format!(
            "CREATE TABLE {s}.entities (id {id} PRIMARY KEY, kind TEXT NOT NULL, site_id {id}, \
             department_id {id}, version BIGINT NOT NULL, change_seq BIGINT NOT NULL, data {json} NOT NULL)"
        ),
        format!("CREATE UNIQUE INDEX ON {s}.entities (change_seq)"),
        format!(
            "CREATE TABLE {s}.hazards (id {id} PRIMARY KEY, site_id {id} NOT NULL, department_id {id}, \
             status TEXT NOT NULL, found_on {day} NOT NULL, deadline {day}, fixed_on_spot {flag} NOT NULL)"
        ),
        format!("CREATE INDEX ON {s}.hazards (found_on, id)"),
        format!("CREATE INDEX ON {s}.hazards (status, found_on)"),
        format!("CREATE INDEX ON {s}.hazards (site_id, found_on)"),
    ]
}

fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The same two statements per 100 rows on either pool, in one transaction, binding what
/// `$e` and `$k` give for each hazard `$h` (entity row, ledger row).
macro_rules! write_rows {
    ($pool:expr, $rows:expr, $s:expr, |$h:ident| ($($e:expr),*) ($($k:expr),*)) => {{
        let mut tx = $pool.begin().await.expect("begin");
        for chunk in $rows.chunks(100) {
            let sql = format!(
                "INSERT INTO {}.entities (id, kind, site_id, department_id, version, change_seq, data) VALUES {}",
                $s,
                values(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for $h in chunk {
                q = q$(.bind($e))*;
            }
            q.execute(&mut *tx).await.expect("entities");
            let sql = format!(
                "INSERT INTO {}.hazards (id, site_id, department_id, status, found_on, deadline, fixed_on_spot) VALUES {}",
                $s,
                values(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for $h in chunk {
                q = q$(.bind($k))*;
            }
            q.execute(&mut *tx).await.expect("hazards");
        }
        tx.commit().await.expect("commit");
    }};
}

/// Writes `rows` into the variant's schema in statements of 100 rows, in one transaction.
async fn insert(pools: &Pools, v: Variant, s: &str, rows: &[Hazard]) {
    macro_rules! as_text {
        ($pool:expr) => {
            write_rows!($pool, rows, s, |h| (
                h.id.to_string(),
                "hazard",
                h.site.to_string(),
                h.department.to_string(),
                3_i64,
                h.seq,
                h.data.as_str()
            )(
                h.id.to_string(),
                h.site.to_string(),
                h.department.to_string(),
                h.status,
                h.found_on.to_string(),
                h.deadline.to_string(),
                i64::from(h.fixed_on_spot)
            ))
        };
    }
    match v {
        Variant::AnyText => as_text!(pools.any),
        Variant::PgText => as_text!(pools.pg),
        Variant::PgNative | Variant::PgNativeJson => write_rows!(pools.pg, rows, s, |h| (
            h.id,
            "hazard",
            h.site,
            h.department,
            3_i64,
            h.seq,
            Json(RawValue::from_string(h.data.clone()).expect("JSON"))
        )(
            h.id,
            h.site,
            h.department,
            h.status,
            h.found_on,
            h.deadline,
            h.fixed_on_spot
        )),
    }
}

struct Pools {
    any: AnyPool,
    pg: PgPool,
}

/// Every record by change number, in pages of 500: the bytes read.
async fn pull(pools: &Pools, v: Variant, s: &str) -> usize {
    let sql = format!(
        "SELECT change_seq, site_id, department_id, data FROM {s}.entities \
         WHERE change_seq > $1 ORDER BY change_seq LIMIT 500"
    );
    let (mut cursor, mut bytes) = (0_i64, 0);
    loop {
        macro_rules! as_text {
            ($pool:expr) => {
                sqlx::query(&sql)
                    .bind(cursor)
                    .fetch_all($pool)
                    .await
                    .expect("pull")
                    .iter()
                    .map(|r| {
                        let _: String = r.get(1);
                        (r.get(0), r.get::<String, _>(3).len())
                    })
                    .collect()
            };
        }
        let page: Vec<(i64, usize)> = match v {
            Variant::AnyText => as_text!(&pools.any),
            Variant::PgText => as_text!(&pools.pg),
            Variant::PgNative | Variant::PgNativeJson => sqlx::query(&sql)
                .bind(cursor)
                .fetch_all(&pools.pg)
                .await
                .expect("pull")
                .iter()
                .map(|r| {
                    let _: uuid::Uuid = r.get(1);
                    let data: Json<Box<RawValue>> = r.get(3);
                    (r.get(0), data.0.get().len())
                })
                .collect(),
        };
        let Some(&(last, _)) = page.last() else {
            return bytes;
        };
        bytes += page.iter().map(|(_, n)| n).sum::<usize>();
        cursor = last;
    }
}

/// One ledger page: two statuses of one site, newest first, 50 rows at `offset`, with records.
async fn ledger(pools: &Pools, v: Variant, s: &str, site: uuid::Uuid, offset: i64) -> usize {
    let sql = format!(
        "SELECT e.data FROM (SELECT h.id AS id, h.found_on AS k FROM {s}.hazards h \
         WHERE h.site_id = $1 AND h.status IN ($2, $3) ORDER BY h.found_on DESC, h.id DESC \
         LIMIT 50 OFFSET $4) p JOIN {s}.entities e ON e.id = p.id ORDER BY p.k DESC, p.id DESC"
    );
    macro_rules! page {
        ($pool:expr, $site:expr, $data:ty, $len:expr) => {
            sqlx::query(&sql)
                .bind($site)
                .bind("registered")
                .bind("rectifying")
                .bind(offset)
                .fetch_all($pool)
                .await
                .expect("ledger")
                .iter()
                .map(|r| $len(r.get::<$data, _>(0)))
                .sum()
        };
    }
    let text = |d: String| d.len();
    let json = |d: Json<Box<RawValue>>| d.0.get().len();
    match v {
        Variant::AnyText => page!(&pools.any, site.to_string(), String, text),
        Variant::PgText => page!(&pools.pg, site.to_string(), String, text),
        Variant::PgNative | Variant::PgNativeJson => {
            page!(&pools.pg, site, Json<Box<RawValue>>, json)
        }
    }
}

/// One record by id.
async fn lookup(pools: &Pools, v: Variant, s: &str, id: uuid::Uuid) -> usize {
    let sql = format!("SELECT data FROM {s}.entities WHERE id = $1");
    macro_rules! one {
        ($pool:expr, $id:expr, $data:ty) => {
            sqlx::query(&sql)
                .bind($id)
                .fetch_one($pool)
                .await
                .expect("lookup")
                .get::<$data, _>(0)
        };
    }
    match v {
        Variant::AnyText => one!(&pools.any, id.to_string(), String).len(),
        Variant::PgText => one!(&pools.pg, id.to_string(), String).len(),
        Variant::PgNative | Variant::PgNativeJson => {
            one!(&pools.pg, id, Json<Box<RawValue>>).0.get().len()
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let url = flag("--pg").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let rows: usize = flag("--rows")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let runs: usize = flag("--runs").and_then(|s| s.parse().ok()).unwrap_or(7);
    install_default_drivers();
    let pools = Pools {
        any: AnyPoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .expect("PostgreSQL (any)"),
        pg: PgPoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .expect("PostgreSQL (pg)"),
    };
    let base = format!("bench_types_{}", std::process::id());
    let data = hazards(rows, 1);
    let fresh = hazards(2_000, rows as i64 + 1);
    let site = data[0].site;
    let ids: Vec<uuid::Uuid> = data.iter().step_by(rows / 1000).map(|h| h.id).collect();
    let typed = [Variant::PgText, Variant::PgNative, Variant::PgNativeJson];
    for v in typed {
        let s = v.schema(&base);
        for stmt in ddl(&s, v) {
            sqlx::query(&stmt).execute(&pools.pg).await.expect("schema");
        }
        insert(&pools, v, &s, &data).await;
        sqlx::query(&format!("ANALYZE {s}.entities"))
            .execute(&pools.pg)
            .await
            .expect("analyze");
        sqlx::query(&format!("ANALYZE {s}.hazards"))
            .execute(&pools.pg)
            .await
            .expect("analyze");
    }
    println!(
        "{rows} hazards, medians of {runs} runs (ms); PostgreSQL at {}",
        url.split('@').next_back().unwrap_or("")
    );
    println!(
        "| variant | first pull (all, pages of 500) | ledger page | 1,000 lookups by id | ingest 2,000 in one transaction |"
    );
    println!("|---|---|---|---|---|");
    let mut any_text = None;
    for v in [
        Variant::AnyText,
        Variant::PgText,
        Variant::PgNative,
        Variant::PgNativeJson,
    ] {
        let s = v.schema(&base);
        let (mut p, mut l, mut k, mut w) = (vec![], vec![], vec![], vec![]);
        // One run unmeasured, to warm the caches and the statement caches alike.
        for run in 0..=runs {
            let t = Instant::now();
            let bytes = pull(&pools, v, &s).await;
            let pull_t = t.elapsed();
            assert!(bytes > rows * 500, "{} read {bytes} bytes", v.name());
            let t = Instant::now();
            let mut got = 0;
            for page in 0..10 {
                got += ledger(&pools, v, &s, site, page * 50).await;
            }
            let ledger_t = t.elapsed() / 10;
            assert!(got > 0, "{}: no ledger rows", v.name());
            let t = Instant::now();
            for id in &ids {
                assert!(lookup(&pools, v, &s, *id).await > 500);
            }
            let lookup_t = t.elapsed();
            let t = Instant::now();
            insert(&pools, v, &s, &fresh).await;
            let insert_t = t.elapsed();
            let first = fresh[0].seq;
            sqlx::query(&format!(
                "DELETE FROM {s}.hazards WHERE id IN (SELECT id FROM {s}.entities WHERE change_seq >= {first})"
            ))
            .execute(&pools.pg)
            .await
            .expect("clean");
            sqlx::query(&format!(
                "DELETE FROM {s}.entities WHERE change_seq >= {first}"
            ))
            .execute(&pools.pg)
            .await
            .expect("clean");
            if run > 0 {
                p.push(pull_t);
                l.push(ledger_t);
                k.push(lookup_t);
                w.push(insert_t);
            }
        }
        let m = [median(p), median(l), median(k), median(w)];
        let base_m = *any_text.get_or_insert(m);
        let cell = |i: usize| {
            if v == Variant::AnyText {
                ms(m[i])
            } else {
                format!(
                    "{} ({:.2}×)",
                    ms(m[i]),
                    m[i].as_secs_f64() / base_m[i].as_secs_f64()
                )
            }
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            v.name(),
            cell(0),
            cell(1),
            cell(2),
            cell(3)
        );
    }
    for v in typed {
        let s = v.schema(&base);
        sqlx::query(&format!("DROP SCHEMA {s} CASCADE"))
            .execute(&pools.pg)
            .await
            .expect("drop");
    }
}
