//! Operations endpoints, no token needed: liveness, readiness, metrics and the OpenAPI document.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;

/// The generated document, rendered once when the router is built.
#[derive(Clone)]
pub struct RenderedDocument(pub Arc<String>);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

#[derive(Serialize, ToSchema)]
struct Alive {
    /// Always `ok`.
    status: String,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Alive)))]
async fn healthz() -> Json<Alive> {
    Json(Alive { status: "ok".into() })
}

#[derive(Serialize, ToSchema)]
struct Ready {
    /// `ready`.
    status: String,
    database: String,
    index: String,
    indexed_documents: u64,
    /// This server's name among several (`HIJRAAH_NODE_NAME`, default host:port).
    node: String,
    /// Whether this server holds the projection lease, and so runs the live projections.
    projection_lease: bool,
    /// The server holding the lease, if any does (the lease is retried every half second).
    lease_holder: Option<String>,
    /// Events in the log after the furthest-behind projection, as this server sees them.
    projection_lag_events: i64,
    /// The sentence encoder: with no model, search is by words alone, as it is until the texts'
    /// vectors are ready.
    encoder: crate::semantic::SemanticStatus,
}

/// The database and the search index are usable; which server runs the projections, and how far
/// behind they are. 503 while the server drains before stopping, or cannot reach the database.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, body = Ready),
    (status = 503, description = "Draining, or the database or the index is not usable", body = super::error::ErrorBody),
))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Ready>, ApiError> {
    if state.draining.is_cancelled() {
        return Err(ApiError::unavailable("draining: this server is stopping"));
    }
    crate::store::postgres::ping(&state.pool)
        .await
        .map_err(|error| ApiError::unavailable(format!("database not reachable: {error}")))?;
    let index = state.knowledge.index();
    if !index.dir().is_dir() {
        return Err(ApiError::unavailable("index directory missing"));
    }
    let head: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&state.pool)
        .await
        .map_err(|error| ApiError::unavailable(format!("database not reachable: {error}")))?;
    let slowest = state.projector.slowest_position();
    let lease_holder = crate::lease::holder(&state.pool)
        .await
        .map_err(|error| ApiError::unavailable(format!("database not reachable: {error}")))?;
    Ok(Json(Ready {
        status: "ready".into(),
        database: "ok".into(),
        index: "ok".into(),
        indexed_documents: index.num_docs(),
        node: state.projector.lease().node().to_owned(),
        projection_lease: state.projector.leads(),
        lease_holder,
        projection_lag_events: (head.unwrap_or(0) - slowest).max(0),
        encoder: state
            .knowledge
            .semantic()
            .map(|semantic| semantic.status())
            .unwrap_or_else(|| crate::semantic::SemanticStatus {
                state: "no_model".to_owned(),
                ..Default::default()
            }),
    }))
}

/// Prometheus metrics: requests, chats, events, projection positions and lag.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let positions: BTreeMap<String, i64> = state
        .projector
        .progress()
        .into_iter()
        .map(|(projection, checkpoint)| (projection.name().to_owned(), checkpoint.position))
        .collect();
    let head: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&state.pool)
        .await
        .ok()
        .flatten();
    let mut text = state.metrics.render(&positions, head);
    if let Ok((by_status, due)) = hijraah_projections::queries::run_counts(&state.pool, chrono::Utc::now()).await {
        text.push_str(&state.metrics.render_workflows(&by_status, due));
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}

/// This document (OpenAPI 3.1), generated from the code that serves the routes.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
async fn openapi(Extension(document): Extension<RenderedDocument>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.as_str().to_owned(),
    )
}
