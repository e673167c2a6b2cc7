//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`.

use axum::Json;
use axum::extract::State;
use saferounds_shared::sync::{MAX_PUSH_OPS, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;

use super::{ApiJson, ApiQuery};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

#[tracing::instrument(skip_all, fields(user = %session.user.username, ops = req.ops.len()))]
pub async fn push(
    State(state): State<AppState>,
    session: Session,
    ApiJson(req): ApiJson<PushRequest>,
) -> AppResult<Json<PushResponse>> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::BadRequest(format!(
            "一次最多 {MAX_PUSH_OPS} 条 / at most {MAX_PUSH_OPS} operations per push"
        )));
    }
    let resp = store::push(
        &state.db,
        &session.actor,
        &req,
        chrono::Utc::now(),
        state.today(),
    )
    .await?;
    Ok(Json(resp))
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    cursor: u64,
    #[serde(default = "default_limit")]
    limit: u32,
}
fn default_limit() -> u32 {
    500
}

#[tracing::instrument(skip_all, fields(user = %session.user.username, cursor = q.cursor))]
pub async fn pull(
    State(state): State<AppState>,
    session: Session,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> AppResult<Json<PullResponse>> {
    Ok(Json(
        store::pull(&state.db, &session.actor, q.cursor, q.limit).await?,
    ))
}
