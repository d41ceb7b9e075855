//! The HTTP API (axum), one module per resource, each owning its routes and its request and
//! response types. [`router`] assembles them with the middleware every route shares.

pub mod agents;
pub mod analytics;
pub mod audit;
pub mod authentication;
pub mod calculators;
pub mod chat;
pub mod community;
pub mod conversations;
pub mod error;
pub mod events;
pub mod extract;
pub mod feedback;
pub mod knowledge;
pub mod migration;
pub mod openapi;
pub mod ops;
pub mod projections;
pub mod router;
pub mod security;
pub mod session;
pub mod users;
pub mod web;
pub mod workflows;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Response};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::{Extension, Router};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::agents::Registry;
use crate::auth::JwtKeys;
use crate::chat::ChatService;
use crate::metrics::Metrics;
use crate::projector::Projector;
use crate::store::{EventStore, LogNotifier};
use error::{ApiError, ErrorCode};
use hijraah_projections::Projection;

/// Everything a handler may need, cheap to clone.
/// What every handler shares, behind one `Arc`: each request clones the handle, not the parts.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(std::sync::Arc::new(services))
    }
}

impl AppState {
    /// Read-your-writes for a read of `projections`' read models: waits until they hold every
    /// event committed before the read, on whichever server committed it
    /// ([`Projector::wait_for_head`]).
    pub(crate) async fn read_models_current(&self, projections: &[Projection]) -> Result<(), ApiError> {
        self.projector
            .wait_for_head(&self.pool, projections, self.read_your_writes_timeout)
            .await?;
        Ok(())
    }
}

impl AppState {
    /// For a read that found nothing in `projection`'s read model: waits until the model holds
    /// every event committed before the read, by its stored checkpoint, so that a read model
    /// being rebuilt is waited for too ([`Projector::wait_for_stored`]).
    pub(crate) async fn read_model_stored_current(&self, projection: Projection) -> Result<(), ApiError> {
        self.projector
            .wait_for_stored(&self.pool, projection, self.read_your_writes_timeout)
            .await?;
        Ok(())
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub pool: PgPool,
    pub store: EventStore,
    pub notifier: LogNotifier,
    pub projector: Projector,
    pub chat: Arc<ChatService>,
    pub registry: Arc<Registry>,
    pub keys: JwtKeys,
    pub metrics: Arc<Metrics>,
    /// Cancelled when the server starts ending live event streams (after the drain).
    pub shutdown: CancellationToken,
    /// Cancelled when the server is asked to stop: `/readyz` answers 503 from then on.
    pub draining: CancellationToken,
    pub knowledge: Arc<crate::knowledge::KnowledgeService>,
    /// How long a curator's change waits for the index to include it.
    pub read_your_writes_timeout: std::time::Duration,
    /// The client that calls custom agents.
    pub http_client: reqwest::Client,
    pub rate_limiter: Arc<security::RateLimiter>,
    /// The users' data keys.
    pub vault: crate::privacy::Vault,
    /// The custom agents: registered and removed through the API, followed from other servers.
    pub custom_agents: Arc<crate::agents::custom::CustomAgents>,
    /// Durable workflows: definitions, runs, signals.
    pub workflows: crate::workflows::Workflows,
    /// The worker that advances this server's share of the runs.
    pub workflow_worker: Arc<crate::workflows::worker::Worker>,
    /// Which learned routing model routes (or the rules), followed from the log.
    pub router: Arc<crate::learn::LearnedRouter>,
    /// How the web app signs people in.
    pub web: WebSettings,
    /// Analytics as of past points of the log, cached by position.
    pub analytics_as_of: crate::asof::AnalyticsAsOf,
}

/// The web app's sign-in settings, from the bind address.
#[derive(Debug, Clone, Copy)]
pub struct WebSettings {
    /// The development sign-in (anyone, any role) is open: on a loopback bind only.
    pub dev_sign_in: bool,
    /// Session cookies carry `Secure` (off only on loopback, which browsers treat as secure).
    pub secure_cookies: bool,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route with its documentation: the API under `/api/v1` and the operations endpoints.
pub fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(chat::router())
        .merge(conversations::router())
        .merge(feedback::router())
        .merge(projections::router())
        .merge(router::router())
        .merge(agents::router())
        .merge(analytics::router())
        .merge(events::router())
        .merge(knowledge::router())
        .merge(calculators::router())
        .merge(community::router())
        .merge(migration::router())
        .merge(users::router())
        .merge(session::router())
        .merge(audit::router())
        .merge(workflows::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", api)
        .merge(ops::router())
        .merge(web::router())
}

/// The OpenAPI document of [`routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = routes().split_for_parts();
    openapi::complete(document)
}

pub fn router(state: AppState, body_limit_bytes: usize, cors_origins: &[String]) -> Router {
    let (routes, document) = routes().split_for_parts();
    let rendered = serde_json::to_string(&openapi::complete(document)).unwrap_or_default();
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(ops::RenderedDocument(Arc::new(rendered))))
        .layer(middleware::from_fn_with_state(state.clone(), security::rate_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authentication::authenticate,
        ))
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
    ApiError::new(ErrorCode::MethodNotAllowed, "this endpoint does not accept that method")
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "a request handler panicked");
    ApiError::new(ErrorCode::InternalError, "an internal error occurred").into_response()
}
