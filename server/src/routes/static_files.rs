//! The built app: files from `dist/` with correct types and cache headers. Content-hashed assets
//! under `/pkg/` are immutable; `index.html`, the service worker and the manifest are revalidated.
//! Only navigations (paths without a file extension) fall back to `index.html`; a missing asset
//! is a 404, never HTML (which a service worker would otherwise cache as the asset).
//! `cargo xtask build` writes each text and WASM file also as `.br` and `.gz`; they are sent as
//! they are to a browser that accepts them (no compression work per request, and smaller than
//! on-the-fly compression would make them).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

pub fn cache_control(path: &str) -> &'static str {
    if path.starts_with("/pkg/") {
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/icons/") {
        "public, max-age=86400"
    } else {
        "no-cache"
    }
}

fn is_navigation(method: &Method, path: &str) -> bool {
    method == Method::GET && !path.rsplit('/').next().unwrap_or("").contains('.')
}

pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let accept_encoding = req.headers().get(header::ACCEPT_ENCODING).cloned();
    let dist = state.settings.dist.clone();
    let res = match ServeDir::new(&dist)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(req)
        .await
    {
        Ok(r) => r.map(Body::new),
        Err(e) => match e {},
    };
    let mut res = if res.status() == StatusCode::NOT_FOUND && is_navigation(&method, &path) {
        let mut index = Request::builder()
            .uri("/index.html")
            .body(Body::empty())
            .expect("valid request");
        if let Some(v) = accept_encoding {
            index.headers_mut().insert(header::ACCEPT_ENCODING, v);
        }
        match ServeFile::new(dist.join("index.html"))
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(index)
            .await
        {
            // The common headers below apply: a navigation's cache rule is "no-cache".
            Ok(r) if r.status().is_success() => r.map(Body::new),
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The app is not built yet: run `cargo xtask run`. 应用尚未构建。",
            )
                .into_response(),
        }
    } else {
        res
    };
    if res.status().is_success() {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control(&path)),
        );
        // The body depends on Accept-Encoding: caches between must keep the forms apart.
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_rules() {
        assert!(cache_control("/pkg/app-1a2b3c.wasm").contains("immutable"));
        assert_eq!(cache_control("/sw.js"), "no-cache");
        assert_eq!(cache_control("/index.html"), "no-cache");
        assert!(is_navigation(&Method::GET, "/rooms/abc"));
        assert_eq!(
            cache_control("/rooms/abc"),
            "no-cache",
            "the app page, revalidated"
        );
        assert!(!is_navigation(&Method::GET, "/pkg/app.js"));
        assert!(!is_navigation(&Method::POST, "/rooms"));
    }
}
