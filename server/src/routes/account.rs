//! Login, logout, the current user.

use axum::Json;
use axum::extract::State;
use saferounds_shared::api::{ChangePassword, Done, LoginRequest, LoginResponse};
use saferounds_shared::org::User;

use super::ApiJson;
use crate::auth::{self, ClientAddr, Session, Throttle};
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

/// Logs in. The attempt is reserved against the throttle before the password is checked (see
/// [`Throttle`]); failures and refusals are logged with the name and the address.
#[tracing::instrument(skip_all, fields(username = %req.username.chars().take(64).collect::<String>()))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::BadCredentials);
    }
    let throttle = Throttle::new(state.settings.login_limit);
    throttle.reserve(&state.db, username, &addr).await?;
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
    let Some((user, _)) = found.filter(|_| ok) else {
        tracing::warn!("login failed");
        return Err(AppError::BadCredentials);
    };
    throttle.succeeded(&state.db, username, &addr).await?;
    let (token, expires_at) =
        auth::issue_token(&state.db, user.id, state.settings.token_days).await?;
    tracing::info!(user = %user.username, "login");
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user,
    }))
}

/// A user changes their own password: the current one is checked (throttled like a login), the
/// new one must pass `shared`'s rule, and every other session of the user ends.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(req): ApiJson<ChangePassword>,
) -> AppResult<Json<Done>> {
    let user = &session.user;
    saferounds_shared::limits::check_new_password(
        &req.new_password,
        &[&user.username, &user.display_name],
    )?;
    let throttle = Throttle::new(state.settings.login_limit);
    throttle.reserve(&state.db, &user.username, &addr).await?;
    let hash = store::user_by_name(&state.db, &user.username)
        .await?
        .map(|(_, h)| h)
        .ok_or(AppError::Unauthorized)?;
    if req.current_password.len() > 256
        || !state.hashing.verify(&req.current_password, &hash).await?
    {
        tracing::warn!(user = %user.username, "password change: wrong current password");
        return Err(AppError::BadCredentials);
    }
    throttle.succeeded(&state.db, &user.username, &addr).await?;
    let new_hash = state.hashing.hash(&req.new_password).await?;
    store::set_password(&state.db, &user.username, &new_hash).await?;
    auth::revoke_others(&state.db, user.id, &session.token).await?;
    tracing::info!(user = %user.username, "password changed");
    Ok(Json(Done { ok: true }))
}

pub async fn logout(State(state): State<AppState>, session: Session) -> AppResult<Json<Done>> {
    auth::revoke_token(&state.db, &session.token).await?;
    Ok(Json(Done { ok: true }))
}

pub async fn me(session: Session) -> Json<User> {
    Json(session.user)
}
