//! `GET /api/v1/reminders` (today's reminders that concern the caller) and
//! `POST /api/v1/reminders/send` (post them to the group robot now).

use axum::Json;
use axum::extract::State;
use saferounds_shared::DomainError;
use saferounds_shared::api::{PageQuery, Sent};
use saferounds_shared::reminders::{ReminderPage, most_urgent, reminders};

use super::ApiQuery;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, notify, store};

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<ReminderPage>> {
    let (db, actor, today) = (&state.db, &session.actor, state.today());
    let limit = ReminderPage::limit(q.limit.map(|l| l as usize));
    let offset = q.offset as usize;
    if actor.roles().center_wide() {
        // Every reminder in scope concerns the center's roles: pick the page from the ledger's
        // columns and read whole documents for it alone (a neglected ledger has ~10^5).
        let facts = store::hazard_facts_visible(db, actor).await?;
        let (ids, total) = most_urgent(&facts, today, offset.saturating_add(limit));
        let ids: Vec<String> = ids.iter().skip(offset).map(ToString::to_string).collect();
        let page = reminders(&store::hazards_by_id(db, actor, &ids).await?, today);
        return Ok(Json(ReminderPage {
            total,
            reminders: page,
        }));
    }
    let mine: Vec<_> = reminders(&store::hazards_visible(db, actor).await?, today)
        .into_iter()
        .filter(|r| r.concerns(actor))
        .collect();
    Ok(Json(ReminderPage {
        total: mine.len(),
        reminders: mine.into_iter().skip(offset).take(limit).collect(),
    }))
}

pub async fn send(State(state): State<AppState>, session: Session) -> AppResult<Json<Sent>> {
    session.require(session.actor.roles().supervises())?;
    if state.settings.robot_webhook.is_none() {
        return Err(DomainError::Invalid {
            detail: "未配置群机器人地址（--robot-webhook）/ no group robot webhook configured (--robot-webhook)".into(),
        }
        .into());
    }
    let n = notify::send(&state).await.map_err(|e| {
        AppError::Conflict(format!(
            "群机器人未接收消息，请检查地址后重试 / the group robot did not take the message; check the address and retry ({e})"
        ))
    })?;
    Ok(Json(Sent { sent: n }))
}
