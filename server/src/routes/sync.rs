//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use saferounds_shared::sync::{MAX_PUSH_OPS, PullResponse, PushRequest, PushResponse};
use serde::Deserialize;
use sha2::Digest;

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
    recover_photos(&state, &session, &req).await?;
    let job = store::PushJob {
        actor: session.actor.clone(),
        now: chrono::Utc::now(),
        today: state.today(),
        req,
    };
    let resp = state.pusher.push(job).await?;
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
) -> AppResult<Response> {
    // A page is read, decoded, checked and encoded under a permit, so that a burst of phones
    // holds a bounded number of decoded pages in memory at once; what waits is only the encoded
    // bytes.
    let _permit = state
        .pulls
        .acquire()
        .await
        .map_err(|_| anyhow::anyhow!("server shutting down"))?;
    let page: PullResponse = store::pull(&state.db, &session.actor, q.cursor, q.limit).await?;
    let body = serde_json::to_vec(&page)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A photo whose bytes are in storage but whose row the database lacks (after restoring an older
/// backup) is registered again, once its bytes check out against its hash; so an operation
/// resent after a restore is not held waiting for a photo the phone has already let go of.
async fn recover_photos(state: &AppState, session: &Session, req: &PushRequest) -> AppResult<()> {
    for hash in req.ops.iter().flat_map(|op| op.photo_refs()) {
        if store::has_blob(&state.db, hash.as_str()).await? {
            continue;
        }
        let Some(bytes) = state.photos.get(&hash).await? else {
            continue;
        };
        let ok = hex::encode(sha2::Sha256::digest(&bytes)) == hash.as_str();
        if let (true, Some(content_type)) = (ok, super::blobs::sniff(&bytes)) {
            tracing::info!(%hash, "photo found in storage, registered again");
            store::put_blob(
                &state.db,
                hash.as_str(),
                bytes.len() as i64,
                content_type,
                &session.actor.user_id.to_string(),
            )
            .await?;
        }
    }
    Ok(())
}
