//! Reminders posted to a WeCom (企业微信) or DingTalk (钉钉) group robot: once a day at the
//! configured hour, and on demand from the desk. The rule of who is reminded and when is
//! `shared::reminders`; this module only formats and delivers.
//!
//! With several instances, the day's run is claimed in the database first, so only one posts.

use std::time::Duration;

use saferounds_shared::i18n::Label;
use saferounds_shared::lists::Names;
use saferounds_shared::org::{Actor, Role};
use saferounds_shared::plan::{PlanRound, newly_missed};
use saferounds_shared::reminders::{Due, Reminder, reminders};
use serde_json::{Value, json};

use crate::AppState;
use crate::config::RobotKind;
use crate::export::Directory;
use crate::store;

/// Most items one message lists (robots cap a message at a few KB).
pub const MAX_LINES: usize = 25;
/// Most missed rounds one message lists.
pub const MAX_MISSED_LINES: usize = 8;

fn due_text(d: Due) -> String {
    match d {
        Due::Overdue { days } => format!("逾期 {days} 天"),
        Due::DueToday => "今日到期".into(),
        Due::DueSoon { days_left } => format!("{days_left} 天后到期"),
    }
}

/// The message body for the robot, in its own JSON shape: overdue and due hazards, then the
/// inspection plan's rounds missed since the day before.
pub fn robot_message(
    kind: RobotKind,
    center: &str,
    today: chrono::NaiveDate,
    list: &[Reminder],
    missed: &[&PlanRound],
    names: &Directory,
) -> Value {
    let count = |f: fn(&Due) -> bool| list.iter().filter(|r| f(&r.due)).count();
    let overdue = count(|d| matches!(d, Due::Overdue { .. }));
    let today_n = count(|d| matches!(d, Due::DueToday));
    let soon = count(|d| matches!(d, Due::DueSoon { .. }));
    let title = format!("{center} 隐患整改催办（{today}）");
    let mut text = format!(
        "**{title}**\n\n> 已逾期 {overdue} 项，今日到期 {today_n} 项，即将到期 {soon} 项\n\n"
    );
    for r in list.iter().take(MAX_LINES) {
        let who = r.owner_id.map(|u| names.person(u)).unwrap_or_default();
        let dept = r
            .department_id
            .map(|d| names.department(d))
            .unwrap_or_default();
        let desc: String = r.description.chars().take(40).collect();
        let flag = match (kind, r.due) {
            (RobotKind::Wecom, Due::Overdue { .. }) => {
                format!("<font color=\"warning\">{}</font>", due_text(r.due))
            }
            _ => format!("**{}**", due_text(r.due)),
        };
        text.push_str(&format!(
            "- {flag} {} {desc}（责任人：{who} {dept}，期限 {}）\n",
            r.number, r.deadline
        ));
    }
    if list.len() > MAX_LINES {
        text.push_str(&format!(
            "\n…另有 {} 项，请登录安巡查看。\n",
            list.len() - MAX_LINES
        ));
    }
    if !missed.is_empty() {
        text.push_str(&format!("\n**漏巡 {} 次**\n", missed.len()));
        for r in missed.iter().take(MAX_MISSED_LINES) {
            let rooms: Vec<String> = r
                .remaining
                .iter()
                .take(3)
                .map(|id| names.location(*id))
                .collect();
            let more = if r.remaining.len() > 3 { "等" } else { "" };
            text.push_str(&format!(
                "- {}（{}）{}：{}/{} 间未查（负责人：{}）{}{more}\n",
                r.inspection_type.zh(),
                r.frequency.zh(),
                r.period_label(saferounds_shared::Lang::Zh),
                r.remaining.len(),
                r.rooms,
                names.person(r.assignee),
                rooms.join("、"),
            ));
        }
    }
    match kind {
        RobotKind::Wecom => json!({"msgtype": "markdown", "markdown": {"content": text}}),
        RobotKind::Dingtalk => {
            json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
        }
    }
}

/// A DingTalk webhook address signed for `timestamp_ms` (its "加签" security setting): `sign` is
/// the Base64 HMAC-SHA256, keyed by the secret, of `"{timestamp}\n{secret}"`; the robot refuses
/// a timestamp more than an hour old.
pub fn signed_url(url: &str, secret: &str, timestamp_ms: i64) -> anyhow::Result<String> {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut url = reqwest::Url::parse(url)?;
    url.query_pairs_mut()
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &sign);
    Ok(url.into())
}

fn center() -> Actor {
    Actor {
        user_id: saferounds_shared::ids::UserId::nil(),
        role: Role::SafetySupervisor,
        extra_roles: vec![],
        department_id: None,
        site_id: None,
    }
}

fn anyhow(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.body().1.message_en)
}

/// Today's reminders for the whole center.
pub async fn todays(state: &AppState) -> anyhow::Result<Vec<Reminder>> {
    let hazards = store::hazards_visible(&state.db, &center())
        .await
        .map_err(anyhow)?;
    Ok(reminders(&hazards, state.today()))
}

/// The whole center's rounds missed lately (the message picks those that ended in the last day).
pub async fn missed(state: &AppState) -> anyhow::Result<Vec<PlanRound>> {
    let rooms = store::rooms_all(&state.db).await.map_err(anyhow)?;
    crate::routes::dashboard::missed_rounds(state, &center(), &rooms)
        .await
        .map_err(anyhow)
}

/// Posts today's reminders and newly missed rounds to the configured robot. Returns how many
/// items were listed (0 posts nothing).
pub async fn send(state: &AppState) -> anyhow::Result<usize> {
    let url = state
        .settings
        .robot_webhook
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("no robot webhook configured"))?;
    let list = todays(state).await?;
    let missed = missed(state).await?;
    let missed = newly_missed(
        &missed,
        chrono::Utc::now(),
        state.settings.utc_offset_hours * 60,
    );
    if list.is_empty() && missed.is_empty() {
        return Ok(0);
    }
    let names = crate::routes::exports::directory(state)
        .await
        .map_err(anyhow)?;
    let body = robot_message(
        state.settings.robot_kind,
        &state.settings.center_name,
        state.today(),
        &list,
        &missed,
        &names,
    );
    let url = match (state.settings.robot_kind, &state.settings.robot_secret) {
        (RobotKind::Dingtalk, Some(secret)) => {
            signed_url(url, secret, chrono::Utc::now().timestamp_millis())?
        }
        _ => url.to_owned(),
    };
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()?
        .post(url)
        .json(&body)
        .send()
        .await
        // The webhook's address carries its key: never in an error, a log or an answer.
        .map_err(reqwest::Error::without_url)?;
    anyhow::ensure!(
        resp.status().is_success(),
        "the robot answered {}",
        resp.status()
    );
    // Both robots answer 200 with {"errcode": 0} on success and a non-zero errcode otherwise.
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    if let Some(code) = answer.get("errcode").and_then(Value::as_i64) {
        anyhow::ensure!(code == 0, "the robot refused the message: {answer}");
    }
    tracing::info!(
        items = list.len(),
        missed = missed.len(),
        "reminders posted to the group robot"
    );
    Ok(list.len() + missed.len())
}

/// The daily run at the center's current hour.
pub async fn daily(state: &AppState) -> anyhow::Result<bool> {
    let offset = state.offset();
    let hour = chrono::Timelike::hour(&chrono::Utc::now().with_timezone(&offset));
    daily_at(state, hour).await
}

/// At or after the configured hour, the first instance to claim the day posts. Returns whether
/// this call posted.
pub async fn daily_at(state: &AppState, hour: u32) -> anyhow::Result<bool> {
    if hour < state.settings.remind_hour {
        return Ok(false);
    }
    let claimed = store::claim_reminder_day(&state.db, state.today())
        .await
        .map_err(anyhow)?;
    if !claimed {
        return Ok(false);
    }
    send(state).await?;
    Ok(true)
}

/// Checks every few minutes until the server stops; off without a webhook or with an hour of 24
/// or more.
pub fn spawn_daily(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    state.settings.robot_webhook.as_ref()?;
    if state.settings.remind_hour >= 24 {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            if let Err(e) = daily(&state).await {
                tracing::warn!("daily reminders: {e:#}");
            }
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use saferounds_shared::ids::{HazardId, UserId};

    fn reminder(n: u128, due: Due) -> Reminder {
        Reminder {
            hazard_id: HazardId::from_uuid(uuid::Uuid::from_u128(n)),
            number: format!("YH20261101-00000{n}"),
            description: "配电室插线板串接使用".into(),
            owner_id: Some(UserId::from_uuid(uuid::Uuid::from_u128(7))),
            department_id: None,
            deadline: "2026-11-20".parse().unwrap(),
            due,
        }
    }

    /// Known answer, computed with Python's `hmac` and `base64` modules.
    #[test]
    fn dingtalk_posts_are_signed() {
        let url = signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "SEC0123456789abcdef",
            1_764_403_200_000,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1764403200000\
             &sign=Z1EGlljVA%2BOhXt6opJ3cn%2BfsdTEDkABqzK5rwmA6O0Q%3D"
        );
    }

    #[test]
    fn wecom_and_dingtalk_shapes() {
        let mut names = Directory::default();
        names
            .people
            .insert(UserId::from_uuid(uuid::Uuid::from_u128(7)), "陈静".into());
        let room = saferounds_shared::ids::RoomId::from_uuid(uuid::Uuid::from_u128(3));
        names.rooms.insert(
            room,
            (
                "城东急救站 · 配电室".into(),
                saferounds_shared::ids::DepartmentId::from_uuid(uuid::Uuid::from_u128(4)),
            ),
        );
        let list = vec![
            reminder(1, Due::Overdue { days: 9 }),
            reminder(2, Due::DueToday),
        ];
        let today = "2026-11-29".parse().unwrap();
        let missed = PlanRound {
            plan_id: saferounds_shared::ids::PlanId::from_uuid(uuid::Uuid::from_u128(1)),
            site_id: saferounds_shared::ids::SiteId::from_uuid(uuid::Uuid::from_u128(2)),
            inspection_type: saferounds_shared::checklist::InspectionType::DailyPatrol,
            frequency: saferounds_shared::plan::Frequency::Nightly,
            assignee: UserId::from_uuid(uuid::Uuid::from_u128(7)),
            period: "2026-11-28".parse().unwrap(),
            rooms: 4,
            remaining: vec![room],
        };
        let w = robot_message(
            RobotKind::Wecom,
            "市紧急救援中心",
            today,
            &list,
            &[&missed],
            &names,
        );
        assert_eq!(w["msgtype"], "markdown");
        let content = w["markdown"]["content"].as_str().unwrap();
        assert!(content.contains("已逾期 1 项，今日到期 1 项"));
        assert!(content.contains("逾期 9 天") && content.contains("陈静"));
        assert!(content.contains("YH20261101-000001"));
        assert!(content.contains("漏巡 1 次"), "{content}");
        assert!(
            content.contains(
                "防火巡查（夜间）2026-11-28 夜：1/4 间未查（负责人：陈静）城东急救站 · 配电室"
            ),
            "{content}"
        );
        let d = robot_message(
            RobotKind::Dingtalk,
            "市紧急救援中心",
            today,
            &list,
            &[],
            &names,
        );
        assert!(d["markdown"]["title"].as_str().unwrap().contains("催办"));
        assert!(d["markdown"]["text"].as_str().unwrap().contains("今日到期"));
        // Long lists are cut with a pointer to the app.
        let many: Vec<Reminder> = (0..40).map(|n| reminder(n, Due::DueToday)).collect();
        let w = robot_message(
            RobotKind::Wecom,
            "中心",
            today,
            &many,
            &[&missed; 20],
            &names,
        );
        let content = w["markdown"]["content"].as_str().unwrap();
        assert!(content.contains("另有 15 项"));
        assert!(content.len() < 4096, "WeCom caps markdown at 4096 bytes");
    }
}
