//! `GET /api/v1/projections` (admin, analyst): each read model's checkpoint and how far behind
//! the log it is, in events and in seconds, as the database holds them (so any server answers
//! the same). `leader` says whether this server runs the live projections; every server does
//! today (there is no projection lease yet), so it is `null`: unknown across servers.

use axum::Json;
use axum::extract::State;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::Auth;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(projections))
}

#[derive(Debug, Serialize, ToSchema)]
struct ProjectionStatus {
    name: String,
    /// The log position of the last event it applied.
    position: i64,
    /// Events in the log after it.
    lag_events: i64,
    /// How long the oldest of those has been waiting (0 when caught up).
    lag_seconds: f64,
    /// Whether this server holds the projection lease (null: no lease; every server runs them).
    leader: Option<bool>,
}

/// Each projection's checkpoint and its lag.
#[utoipa::path(get, path = "/projections", tag = "operations",
    responses(
        (status = 200, body = Vec<ProjectionStatus>),
        (status = 403, description = "Needs the admin or analyst role", body = ErrorBody),
    ))]
async fn projections(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<ProjectionStatus>>, ApiError> {
    auth.require(&[Role::Admin, Role::Analyst])?;
    let mut connection = state.pool.acquire().await?;
    let checkpoints = hijraah_projections::checkpoint::read_many(&mut connection, &Projection::ALL).await?;
    let mut statuses = Vec::with_capacity(checkpoints.len());
    for (projection, checkpoint) in Projection::ALL.iter().zip(checkpoints) {
        // Positions are drawn in commit order (migration 0007): what follows the checkpoint's
        // position is what the projection has not applied.
        let (lag_events, lag_seconds): (i64, Option<f64>) = sqlx::query_as(
            "SELECT count(*), EXTRACT(EPOCH FROM (now() - min(recorded_at)))::float8 FROM events WHERE position > $1",
        )
        .bind(checkpoint.position)
        .fetch_one(&mut *connection)
        .await?;
        statuses.push(ProjectionStatus {
            name: projection.name().to_owned(),
            position: checkpoint.position,
            lag_events,
            lag_seconds: lag_seconds.map_or(0.0, |seconds| (seconds.max(0.0) * 1000.0).round() / 1000.0),
            leader: None,
        });
    }
    Ok(Json(statuses))
}
