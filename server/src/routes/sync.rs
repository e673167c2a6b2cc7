//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use saferounds_shared::api::PullQuery;
use saferounds_shared::sync::{MAX_PUSH_OPS, PushRequest, PushResponse};
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
        offset: state.offset(),
        req,
    };
    let resp = state.pusher.push(job).await?;
    Ok(Json(resp))
}

#[tracing::instrument(skip_all, fields(user = %session.user.username, cursor = q.cursor))]
pub async fn pull(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> AppResult<Response> {
    if i64::try_from(q.cursor).is_err() {
        return Err(AppError::BadRequest(
            "cursor 超出范围 / cursor out of range".into(),
        ));
    }
    // A page is read, checked, assembled and compressed under a permit, so that a burst of
    // phones holds a bounded number of pages and compressors (~300 KB each) in memory at once;
    // what waits for the network is only the compressed bytes.
    let _permit = state
        .pulls
        .acquire()
        .await
        .map_err(|_| anyhow::anyhow!("server shutting down"))?;
    let page = store::pull(&state.db, &session.actor, q.cursor, q.limit).await?;
    let body = serde_json::to_vec(&page)?;
    drop(page);
    let mut res = if accepts_gzip(&headers) {
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 4),
            flate2::Compression::default(),
        );
        std::io::Write::write_all(&mut gz, &body).map_err(anyhow::Error::from)?;
        let gz = gz.finish().map_err(anyhow::Error::from)?;
        ([(header::CONTENT_ENCODING, "gzip")], gz).into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}

/// Whether `Accept-Encoding` names gzip (or `*`) without refusing it with `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn gzip_when_accepted() {
        assert!(accepts_gzip(&with("gzip")));
        assert!(accepts_gzip(&with("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("br")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
