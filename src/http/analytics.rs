//! `GET /api/v1/analytics`: usage aggregates for analysts (no user ids, no message text).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use hijraah_domain::user::Role;
use hijraah_projections::queries::{self, AnalyticsView};

use super::AppState;
use super::error::ApiError;
use super::extract::Auth;

pub fn router() -> Router<AppState> {
    Router::new().route("/analytics", get(analytics))
}

async fn analytics(State(state): State<AppState>, auth: Auth) -> Result<Json<AnalyticsView>, ApiError> {
    auth.require(&[Role::Analyst, Role::Admin])?;
    Ok(Json(queries::analytics(&state.pool).await?))
}
