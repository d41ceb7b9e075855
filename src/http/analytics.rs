//! `GET /api/v1/analytics`: usage aggregates for analysts (no user ids, no message text), live or
//! as of a past point of the log (`?as_of=TIME|POSITION`).

use axum::Json;
use axum::extract::State;
use hijraah_domain::user::Role;
use hijraah_projections::queries::{self, AnalyticsView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppQuery, Auth};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(analytics))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// The figures as they stood at that point of the log: a position, or a time (RFC 3339, or a
    /// date for that day's start, UTC), meaning the last event recorded at or before it.
    /// Computed from the log up to it. Omit for the live figures.
    #[param(
        pattern = r"^(?:[0-9]{1,18}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2}))?)$",
        example = "2026-11-01T00:00:00Z"
    )]
    pub as_of: Option<String>,
}

/// Service-wide aggregates: counts, requests per agent type, confidence and latency percentiles.
#[utoipa::path(get, path = "/analytics", tag = "analytics", params(AnalyticsParams),
    responses(
        (status = 200, body = AnalyticsView),
        (status = 403, description = "Needs the analyst or admin role", body = ErrorBody),
        (status = 422, description = "`as_of` is neither a position nor a time, or is past the log's end", body = ErrorBody),
    ))]
async fn analytics(
    State(state): State<AppState>,
    auth: Auth,
    AppQuery(params): AppQuery<AnalyticsParams>,
) -> Result<Json<AnalyticsView>, ApiError> {
    auth.require(&[Role::Analyst, Role::Admin])?;
    match params.as_of.as_deref() {
        None => Ok(Json(queries::analytics(&state.pool).await?)),
        Some(as_of) => {
            let as_of = crate::asof::AsOf::parse(as_of)?;
            let view = state.analytics_as_of.get(&state.pool, as_of).await?;
            Ok(Json(AnalyticsView::clone(&view)))
        }
    }
}
