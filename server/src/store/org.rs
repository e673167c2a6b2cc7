//! Organisation documents (sites, departments, buildings, rooms, templates, campaigns, users), counters and the daily reminder claim.

use super::*;

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

pub(super) async fn docs<T: DeserializeOwned>(
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
