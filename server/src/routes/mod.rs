//! HTTP: the API under `/api`, the app and its static files everywhere else.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use saferounds_shared::equipment::Equipment;
use saferounds_shared::plan::PatrolPlan;
use saferounds_shared::risk::RiskPoint;
use saferounds_shared::training::{Drill, StaffMember, TrainingClass};

use crate::AppState;
use crate::error::AppError;

pub mod account;
pub mod admin;
pub mod blobs;
pub mod dashboard;
pub mod exports;
pub mod hazards;
pub mod inspections;
pub mod ops;
pub mod org;
pub mod registers;
pub mod reminders;
pub mod static_files;
pub mod sync;

/// The content security policy: only our own scripts (and WebAssembly compiled from them).
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; \
base-uri 'self'; form-action 'self'; object-src 'none'";

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(ops::health))
        .route("/v1/openapi.json", get(crate::openapi::serve))
        .route("/v1/auth/login", post(account::login))
        .route("/v1/auth/logout", post(account::logout))
        .route("/v1/me", get(account::me))
        .route("/v1/me/password", post(account::change_password))
        .route("/v1/bootstrap", get(org::bootstrap))
        .route("/v1/sync/push", post(sync::push))
        .route("/v1/sync/pull", get(sync::pull))
        .route(
            "/v1/blobs/{sha256}",
            put(blobs::put).get(blobs::get).layer(DefaultBodyLimit::max(
                saferounds_shared::sync::MAX_PHOTO_BYTES,
            )),
        )
        .route("/v1/inspections", get(inspections::list))
        .route("/v1/inspections/{id}/record", get(inspections::record))
        .route("/v1/reminders", get(reminders::list))
        .route("/v1/reminders/send", post(reminders::send))
        .route("/v1/hazards", get(hazards::list))
        .route("/v1/hazards/{id}", get(hazards::detail))
        .route("/v1/stats", get(hazards::stats))
        .route("/v1/dashboard", get(dashboard::dashboard))
        .route("/v1/export/ledger.xlsx", get(exports::ledger))
        .route("/v1/reports/bulletin", get(exports::bulletin))
        .route("/v1/measures", get(exports::measures))
        .route("/v1/export/measures.xlsx", get(exports::measures_export))
        .route("/v1/rooms/labels", get(exports::labels))
        .route("/v1/admin/sites/{id}", put(admin::put_site))
        .route("/v1/admin/departments/{id}", put(admin::put_department))
        .route("/v1/admin/buildings/{id}", put(admin::put_building))
        .route("/v1/admin/rooms/{id}", put(admin::put_room))
        .route("/v1/admin/users/{id}", put(admin::put_user))
        .route("/v1/admin/users", get(admin::list_users))
        .route("/v1/templates", get(registers::templates))
        .route(
            "/v1/templates/{code}/versions",
            post(registers::new_template_version),
        )
        .route("/v1/campaigns", get(registers::campaigns))
        .route("/v1/campaigns/{id}", put(registers::put_campaign))
        .route("/v1/staff", get(registers::list::<StaffMember>))
        .route("/v1/staff/{id}", put(registers::put::<StaffMember>))
        .route(
            "/v1/training/classes",
            get(registers::list::<TrainingClass>),
        )
        .route(
            "/v1/training/classes/{id}",
            put(registers::put::<TrainingClass>),
        )
        .route("/v1/drills", get(registers::list::<Drill>))
        .route("/v1/drills/{id}", put(registers::put::<Drill>))
        .route("/v1/equipment", get(registers::list::<Equipment>))
        .route("/v1/equipment/{id}", put(registers::put::<Equipment>))
        .route("/v1/plans", get(registers::list::<PatrolPlan>))
        .route("/v1/plans/{id}", put(registers::put::<PatrolPlan>))
        .route("/v1/risks", get(registers::list::<RiskPoint>))
        .route("/v1/risks/{id}", put(registers::put::<RiskPoint>))
        .route("/v1/reports/summary", get(exports::summary))
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(8 * 1024 * 1024))
        // What the API answers is one user's data: no cache keeps it (photos and documents
        // included) for the next person on a shared phone or computer.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let settings = state.settings.clone();
    let trust_forwarded_for = settings.trust_forwarded_for;
    Router::new()
        .nest("/api", api)
        .fallback(static_files::serve)
        // XLSX exports are zip archives already: compressing them again only costs CPU.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                NotForContentType::const_new("application/vnd.openxmlformats"),
            )),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // A request waits at most this long for its body's next piece, and takes at most this
        // long in all (the connection's own limits are in `crate::serve`).
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            settings.body_timeout_secs,
        )))
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(settings.request_timeout_secs),
            deadline,
        ))
        // Each request's span names the client's address and, once its token is read, its
        // user (`auth::Session`), so every refusal logged inside it says who and from where.
        .layer(
            TraceLayer::new_for_http().make_span_with(move |req: &Request| {
                let client =
                    crate::auth::client_addr(req.headers(), req.extensions(), trust_forwarded_for);
                tracing::info_span!(
                    "request",
                    method = %req.method(),
                    path = %req.uri().path(),
                    %client,
                    user = tracing::field::Empty,
                )
            }),
        )
        .with_state(state)
}

/// The whole request within `limit`, or a JSON 408.
async fn deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout.into_response(),
    }
}

/// `Json` whose rejections are our JSON errors (400, or 413 when too large).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

/// JSON that is not JSON is 400; JSON whose values do not fit the type (a float where a whole
/// number goes, an empty string as a date) is 422, as axum's own `Json` answers: well-formed,
/// not acceptable.
fn json_rejection(e: JsonRejection) -> AppError {
    let detail: String = e.body_text().chars().take(300).collect();
    match e {
        _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        JsonRejection::JsonDataError(_) => {
            saferounds_shared::DomainError::Invalid { detail }.into()
        }
        _ => AppError::BadRequest(detail),
    }
}

/// `Query` whose rejections are our JSON errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> AppError {
    AppError::BadRequest(e.body_text().chars().take(300).collect())
}
