//! The HTTP API (axum), one module per resource, each owning its routes and its request and
//! response types. [`router`] assembles them with the middleware every route shares.

pub mod agents;
pub mod analytics;
pub mod calculators;
pub mod chat;
pub mod community;
pub mod conversations;
pub mod error;
pub mod events;
pub mod extract;
pub mod knowledge;
pub mod migration;
pub mod ops;
pub mod security;
pub mod users;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Response, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::agents::Registry;
use crate::auth::JwtKeys;
use crate::chat::ChatService;
use crate::metrics::Metrics;
use crate::projector::Projector;
use crate::store::{LogNotifier, PgEventStore};
use error::ApiError;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub store: PgEventStore,
    pub notifier: LogNotifier,
    pub projector: Projector,
    pub chat: Arc<ChatService>,
    pub registry: Arc<Registry>,
    pub keys: JwtKeys,
    pub metrics: Arc<Metrics>,
    pub shutdown: CancellationToken,
    pub knowledge: Arc<crate::knowledge::KnowledgeService>,
    /// How long a curator's change waits for the index to include it.
    pub read_your_writes_timeout: std::time::Duration,
    /// The client that calls custom agents.
    pub http_client: reqwest::Client,
    pub rate_limiter: Arc<security::RateLimiter>,
    /// The users' data keys.
    pub vault: crate::privacy::Vault,
    /// Held while the registry's custom agents change (an admin's request, or the periodic
    /// sync), so a sync cannot re-add an agent from a list read before its removal.
    pub custom_agents_lock: Arc<tokio::sync::Mutex<()>>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState, body_limit_bytes: usize, cors_origins: &[String]) -> Router {
    let api = Router::new()
        .merge(chat::router())
        .merge(conversations::router())
        .merge(agents::router())
        .merge(analytics::router())
        .merge(events::router())
        .merge(knowledge::router())
        .merge(calculators::router())
        .merge(community::router())
        .merge(migration::router())
        .merge(users::router());
    Router::new()
        .nest("/api/v1", api)
        .merge(ops::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), security::rate_limit))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(DefaultBodyLimit::max(body_limit_bytes))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
            let request_id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("http", method = %request.method(), uri = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower::util::option_layer(security::cors(cors_origins)))
        .layer(middleware::from_fn(security::security_headers))
        .with_state(state)
}

/// The id of this request, which becomes the correlation id of the events it writes. A
/// client-sent `x-request-id` is kept if it is short and printable.
pub fn correlation_id(request_id: Option<&RequestId>) -> Option<String> {
    let value = request_id?.header_value().to_str().ok()?;
    (!value.is_empty() && value.len() <= 128 && value.chars().all(|c| c.is_ascii_graphic())).then(|| value.to_owned())
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> impl IntoResponse {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    state
        .metrics
        .record_request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "an internal error occurred",
    )
    .into_response()
}
