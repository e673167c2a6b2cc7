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

use saferounds_shared::endpoints::{self, Api, Endpoint, HtmlPage, Method, Photo, Xlsx};
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

/// The API's routes, built from its one table (`shared::endpoints`): each entry with its
/// handler, whose answer is the entry's type ([`Answers`], checked when this compiles). An entry
/// without a handler, or with two, stops the server from starting (and fails
/// `every_endpoint_has_a_handler`); a route cannot exist outside the table.
fn api_routes() -> Router<AppState> {
    use endpoints as ep;
    Routes::default()
        .on(ep::HEALTH, ops::health)
        .on(ep::OPENAPI, crate::openapi::serve)
        .on(ep::LOGIN, account::login)
        .on(ep::LOGOUT, account::logout)
        .on(ep::ME, account::me)
        .on(ep::CHANGE_PASSWORD, account::change_password)
        .on(ep::BOOTSTRAP, org::bootstrap)
        .on(ep::PUSH, sync::push)
        .on(ep::PULL, sync::pull)
        .with(ep::PUT_BLOB, blobs::put, |h| {
            h.layer(DefaultBodyLimit::max(
                saferounds_shared::sync::MAX_PHOTO_BYTES,
            ))
        })
        .on(ep::BLOB, blobs::get)
        .on(ep::INSPECTIONS, inspections::list)
        .on(ep::ROUND_RECORD, inspections::record)
        .on(ep::REMINDERS, reminders::list)
        .on(ep::SEND_REMINDERS, reminders::send)
        .on(ep::LEDGER, hazards::list)
        .on(ep::HAZARD, hazards::detail)
        .on(ep::STATS, hazards::stats)
        .on(ep::DASHBOARD, dashboard::dashboard)
        .on(ep::LEDGER_XLSX, exports::ledger)
        .on(ep::BULLETIN, exports::bulletin)
        .on(ep::MEASURES, exports::measures)
        .on(ep::MEASURES_XLSX, exports::measures_export)
        .on(ep::ROOM_LABELS, exports::labels)
        .on(ep::SUMMARY, exports::summary)
        .on(ep::PUT_SITE, admin::put_site)
        .on(ep::PUT_DEPARTMENT, admin::put_department)
        .on(ep::PUT_BUILDING, admin::put_building)
        .on(ep::PUT_ROOM, admin::put_room)
        .on(ep::PUT_USER, admin::put_user)
        .on(ep::USERS, admin::list_users)
        .on(ep::TEMPLATES, registers::templates)
        .on(ep::NEW_TEMPLATE_VERSION, registers::new_template_version)
        .on(ep::CAMPAIGNS, registers::campaigns)
        .on(ep::PUT_CAMPAIGN, registers::put_campaign)
        .on(ep::STAFF, registers::list::<StaffMember>)
        .on(ep::PUT_STAFF, registers::put::<StaffMember>)
        .on(ep::CLASSES, registers::list::<TrainingClass>)
        .on(ep::PUT_CLASS, registers::put::<TrainingClass>)
        .on(ep::DRILLS, registers::list::<Drill>)
        .on(ep::PUT_DRILL, registers::put::<Drill>)
        .on(ep::EQUIPMENT, registers::list::<Equipment>)
        .on(ep::PUT_EQUIPMENT, registers::put::<Equipment>)
        .on(ep::PLANS, registers::list::<PatrolPlan>)
        .on(ep::PUT_PLAN, registers::put::<PatrolPlan>)
        .on(ep::RISKS, registers::list::<RiskPoint>)
        .on(ep::PUT_RISK, registers::put::<RiskPoint>)
        .build()
}

/// The router being built: the entries given a handler so far.
#[derive(Default)]
struct Routes {
    router: Router<AppState>,
    done: Vec<Endpoint>,
}

impl Routes {
    /// The entry `api` answered by `h`, whose answer must be the entry's `R`.
    fn on<Q, B, R, H, T, A>(self, api: Api<Q, B, R>, h: H) -> Self
    where
        H: Handler<T, AppState> + Answers<R, A>,
        T: 'static,
    {
        self.with(api, h, |m| m)
    }

    /// As [`Routes::on`], with layers of its own.
    fn with<Q, B, R, H, T, A>(
        mut self,
        api: Api<Q, B, R>,
        h: H,
        layers: impl FnOnce(MethodRouter<AppState>) -> MethodRouter<AppState>,
    ) -> Self
    where
        H: Handler<T, AppState> + Answers<R, A>,
        T: 'static,
    {
        let e = api.endpoint;
        assert!(
            !self.done.contains(&e),
            "two handlers for {} {}",
            e.method.as_str(),
            e.path
        );
        let method = match e.method {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
        };
        self.router = self.router.route(
            e.path.trim_start_matches("/api"),
            layers(axum::routing::on(method, h)),
        );
        self.done.push(e);
        self
    }

    fn build(self) -> Router<AppState> {
        let missing: Vec<String> = endpoints::ALL
            .iter()
            .filter(|e| !self.done.contains(e))
            .map(|e| format!("{} {}", e.method.as_str(), e.path))
            .collect();
        assert!(missing.is_empty(), "no handler for {missing:?}");
        self.router
    }
}

/// A handler (an async function of `A`'s extractors) whose answer is the table's `R`.
pub trait Answers<R, A> {}

/// An answer that is the table's `R`.
pub trait Gives<R> {}

macro_rules! answers {
    ($($a:ident),*) => {
        impl<F, Fut, X, R, $($a,)*> Answers<R, ($($a,)*)> for F
        where
            F: FnOnce($($a),*) -> Fut,
            Fut: std::future::Future<Output = X>,
            X: Gives<R>,
        {
        }
    };
}
answers!();
answers!(A1);
answers!(A1, A2);
answers!(A1, A2, A3);
answers!(A1, A2, A3, A4);
answers!(A1, A2, A3, A4, A5);
answers!(A1, A2, A3, A4, A5, A6);

impl<R, X: Gives<R>> Gives<R> for Result<X, AppError> {}
impl<R> Gives<R> for Json<R> {}
impl<R> Gives<R> for (StatusCode, Json<R>) {}
impl Gives<HtmlPage> for axum::response::Html<String> {}
/// The answers a handler writes itself, as bytes: workbooks, photos, and pulled changes (the
/// stored records go out as stored, never decoded and encoded again).
impl<R: Written> Gives<R> for Response {}

/// What a handler answers as a plain [`Response`].
pub trait Written {}
impl Written for Xlsx {}
impl Written for Photo {}
impl Written for saferounds_shared::sync::PullResponse {}

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

    use super::{Routes, ops};

    /// Every entry of the table has exactly one handler, so the router (built from the table)
    /// builds.
    #[test]
    fn every_endpoint_has_a_handler() {
        let _ = super::api_routes();
    }

    #[test]
    #[should_panic(expected = "no handler for")]
    fn an_entry_without_a_handler_stops_the_router() {
        let _ = Routes::default().on(endpoints::HEALTH, ops::health).build();
    }

    #[test]
    #[should_panic(expected = "two handlers for get /api/health")]
    fn an_entry_with_two_handlers_stops_the_router() {
        let _ = Routes::default()
            .on(endpoints::HEALTH, ops::health)
            .on(endpoints::HEALTH, ops::health);
    }
}
