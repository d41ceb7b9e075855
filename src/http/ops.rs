//! Operations endpoints, no token needed: liveness, readiness, metrics and the OpenAPI document.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;

/// The OpenAPI 3 document, written by hand next to the code it describes; a test checks that
/// every route the router serves is in it.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    crate::store::postgres::ping(&state.pool)
        .await
        .map_err(|error| ApiError::unavailable(format!("database not reachable: {error}")))?;
    let index = state.knowledge.index();
    if !index.dir().is_dir() {
        return Err(ApiError::unavailable("index directory missing"));
    }
    Ok(Json(
        json!({"status": "ready", "database": "ok", "index": "ok", "indexed_documents": index.num_docs()}),
    ))
}

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
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(&positions, head),
    )
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
