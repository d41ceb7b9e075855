//! `GET /api/v1/agents/health`: each registered agent's status and metrics.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::AppState;
use super::extract::Auth;
use crate::agents::registry::AgentHealth;

pub fn router() -> Router<AppState> {
    Router::new().route("/agents/health", get(health))
}

async fn health(State(state): State<AppState>, _auth: Auth) -> Json<Vec<AgentHealth>> {
    Json(state.registry.health())
}
