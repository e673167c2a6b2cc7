//! HTTP: the API under `/api`, the app and its static files everywhere else.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use saferounds_shared::endpoints::{self, Endpoint, Method};
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
    let api = api_routes()
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

/// The API's routes, built from its one table (`shared::endpoints`): each entry's path and
/// method, with its handler.
fn api_routes() -> Router<AppState> {
    endpoints::ALL.iter().fold(Router::new(), |r, e| {
        let h =
            handler(e).unwrap_or_else(|| panic!("no handler for {} {}", e.method.as_str(), e.path));
        r.route(e.path.trim_start_matches("/api"), h)
    })
}

/// `h` answering the endpoint's method.
fn on<H, T>(e: &Endpoint, h: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let method = match e.method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
    };
    axum::routing::on(method, h)
}

/// The handler of each entry of the table. An entry without one stops the server from starting
/// (and fails `every_endpoint_has_a_handler`); a route cannot exist outside the table.
fn handler(e: &Endpoint) -> Option<MethodRouter<AppState>> {
    use endpoints as ep;
    Some(match *e {
        ep::HEALTH => on(e, ops::health),
        ep::OPENAPI => on(e, crate::openapi::serve),
        ep::LOGIN => on(e, account::login),
        ep::LOGOUT => on(e, account::logout),
        ep::ME => on(e, account::me),
        ep::CHANGE_PASSWORD => on(e, account::change_password),
        ep::BOOTSTRAP => on(e, org::bootstrap),
        ep::PUSH => on(e, sync::push),
        ep::PULL => on(e, sync::pull),
        ep::PUT_BLOB => on(e, blobs::put).layer(DefaultBodyLimit::max(
            saferounds_shared::sync::MAX_PHOTO_BYTES,
        )),
        ep::BLOB => on(e, blobs::get),
        ep::INSPECTIONS => on(e, inspections::list),
        ep::ROUND_RECORD => on(e, inspections::record),
        ep::REMINDERS => on(e, reminders::list),
        ep::SEND_REMINDERS => on(e, reminders::send),
        ep::LEDGER => on(e, hazards::list),
        ep::HAZARD => on(e, hazards::detail),
        ep::STATS => on(e, hazards::stats),
        ep::DASHBOARD => on(e, dashboard::dashboard),
        ep::LEDGER_XLSX => on(e, exports::ledger),
        ep::BULLETIN => on(e, exports::bulletin),
        ep::MEASURES => on(e, exports::measures),
        ep::MEASURES_XLSX => on(e, exports::measures_export),
        ep::ROOM_LABELS => on(e, exports::labels),
        ep::SUMMARY => on(e, exports::summary),
        ep::PUT_SITE => on(e, admin::put_site),
        ep::PUT_DEPARTMENT => on(e, admin::put_department),
        ep::PUT_BUILDING => on(e, admin::put_building),
        ep::PUT_ROOM => on(e, admin::put_room),
        ep::PUT_USER => on(e, admin::put_user),
        ep::USERS => on(e, admin::list_users),
        ep::TEMPLATES => on(e, registers::templates),
        ep::NEW_TEMPLATE_VERSION => on(e, registers::new_template_version),
        ep::CAMPAIGNS => on(e, registers::campaigns),
        ep::PUT_CAMPAIGN => on(e, registers::put_campaign),
        ep::STAFF => on(e, registers::list::<StaffMember>),
        ep::PUT_STAFF => on(e, registers::put::<StaffMember>),
        ep::CLASSES => on(e, registers::list::<TrainingClass>),
        ep::PUT_CLASS => on(e, registers::put::<TrainingClass>),
        ep::DRILLS => on(e, registers::list::<Drill>),
        ep::PUT_DRILL => on(e, registers::put::<Drill>),
        ep::EQUIPMENT => on(e, registers::list::<Equipment>),
        ep::PUT_EQUIPMENT => on(e, registers::put::<Equipment>),
        ep::PLANS => on(e, registers::list::<PatrolPlan>),
        ep::PUT_PLAN => on(e, registers::put::<PatrolPlan>),
        ep::RISKS => on(e, registers::list::<RiskPoint>),
        ep::PUT_RISK => on(e, registers::put::<RiskPoint>),
        _ => return None,
    })
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

#[cfg(test)]
mod tests {
    use saferounds_shared::endpoints;

    /// Every entry of the table has its handler, so the router (built from the table) builds.
    #[test]
    fn every_endpoint_has_a_handler() {
        let missing: Vec<&str> = endpoints::ALL
            .iter()
            .filter(|e| super::handler(e).is_none())
            .map(|e| e.path)
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
        let _ = super::api_routes();
    }
}
