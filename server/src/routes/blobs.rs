//! Photos: `PUT /api/v1/blobs/{sha256}` (checked against its hash, idempotent) and `GET`.
//! Bytes go to the [`crate::photos::PhotoStore`] (a folder or a bucket) before the database row
//! that names them, so a photo the database knows is always there.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use saferounds_shared::ids::PhotoHash;
use sha2::{Digest, Sha256};

use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::{AppState, store};

fn parse_hash(s: &str) -> AppResult<PhotoHash> {
    PhotoHash::parse(s).map_err(AppError::from)
}

/// JPEG or PNG by their magic numbers.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

#[tracing::instrument(skip_all, fields(sha = %sha))]
pub async fn put(
    State(state): State<AppState>,
    session: Session,
    Path(sha): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<saferounds_shared::api::Stored>)> {
    let hash = parse_hash(&sha)?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(e.body_text())
        }
    })?;
    if session.actor.roles().only_reads() {
        return Err(AppError::Forbidden);
    }
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != hash.as_str() {
        return Err(saferounds_shared::DomainError::Invalid {
            detail: "照片内容与其哈希不符，可能传输不完整；请重新上传 / the photo does not match its hash (incomplete upload?); upload it again".into(),
        }
        .into());
    }
    let content_type = sniff(&bytes).ok_or(AppError::UnsupportedMedia)?;
    let existed =
        store::has_blob(&state.db, hash.as_str()).await? && state.photos.exists(&hash).await?;
    let size = bytes.len();
    let user = session.actor.user_id.to_string();
    if existed {
        // Whoever sends the bytes holds them, and may name them in an operation.
        store::hold_blob(&state.db, hash.as_str(), &user).await?;
    } else {
        state.photos.put(&hash, bytes).await?;
        store::put_blob(&state.db, hash.as_str(), size as i64, content_type, &user).await?;
    }
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(saferounds_shared::api::Stored {
            sha256: hash.as_str().to_owned(),
            size,
        }),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    session: Session,
    Path(sha): Path<String>,
) -> AppResult<Response> {
    let hash = parse_hash(&sha)?;
    let content_type = store::blob_visible(&state.db, hash.as_str(), &session.actor)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = state.photos.get(&hash).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // Phones are shared between shifts: a photo is kept in the app's own store for the
            // user whose records use it, never in the browser's HTTP cache for the next user.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}
