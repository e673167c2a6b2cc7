//! `GET /api/v1/reminders` (today's reminders that concern the caller) and
//! `POST /api/v1/reminders/send` (post them to the group robot now).

use axum::Json;
use axum::extract::State;
use saferounds_shared::DomainError;
use saferounds_shared::reminders::{Reminder, reminders};
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, notify, store};

pub async fn list(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<Vec<Reminder>>> {
    let hazards = store::hazards_visible(&state.db, &session.actor).await?;
    Ok(Json(
        reminders(&hazards, state.today())
            .into_iter()
            .filter(|r| r.concerns(&session.actor))
            .collect(),
    ))
}

pub async fn send(State(state): State<AppState>, session: Session) -> AppResult<Json<Value>> {
    session.require(session.actor.role.supervises())?;
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
    Ok(Json(json!({ "sent": n })))
}
