//! `GET /api/v1/analytics`: usage aggregates for analysts (no user ids, no message text).

use axum::Json;
use axum::extract::State;
use hijraah_domain::user::Role;
use hijraah_projections::queries::{self, AnalyticsView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::Auth;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(analytics))
}

/// Service-wide aggregates: counts, requests per agent type, confidence and latency percentiles.
#[utoipa::path(get, path = "/analytics", tag = "analytics",
    responses(
        (status = 200, body = AnalyticsView),
        (status = 403, description = "Needs the analyst or admin role", body = ErrorBody),
    ))]
async fn analytics(State(state): State<AppState>, auth: Auth) -> Result<Json<AnalyticsView>, ApiError> {
    auth.require(&[Role::Analyst, Role::Admin])?;
    Ok(Json(queries::analytics(&state.pool).await?))
}
