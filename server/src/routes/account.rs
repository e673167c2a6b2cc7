//! Login, logout, the current user.

use axum::Json;
use axum::extract::State;
use saferounds_shared::api::{LoginRequest, LoginResponse};
use saferounds_shared::org::User;

use super::ApiJson;
use crate::auth::{self, Session};
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

#[tracing::instrument(skip_all, fields(username = %req.username))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::BadCredentials);
    }
    if auth::too_many_failures(&state.db, username, state.settings.login_limit).await? {
        return Err(AppError::RateLimited);
    }
    let found = store::user_by_name(&state.db, username).await?;
    let ok = match &found {
        Some((u, hash)) => state.hashing.verify(&req.password, hash).await? && u.active,
        None => {
            // Spend the same time as a real check, so user names cannot be probed by timing.
            let _ = state
                .hashing
                .verify(&req.password, auth::dummy_hash())
                .await?;
            false
        }
    };
    auth::record_attempt(&state.db, username, ok).await?;
    let Some((user, _)) = found.filter(|_| ok) else {
        return Err(AppError::BadCredentials);
    };
    let (token, expires_at) =
        auth::issue_token(&state.db, user.id, state.settings.token_days).await?;
    tracing::info!(user = %user.username, "login");
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user,
    }))
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<serde_json::Value>> {
    auth::revoke_token(&state.db, &session.token).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

pub async fn me(session: Session) -> Json<User> {
    Json(session.user)
}
