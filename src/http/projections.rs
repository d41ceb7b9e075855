//! `GET /api/v1/projections` (admin, analyst): each read model's checkpoint and how far behind
//! the log it is, in events and in seconds, as the database holds them (so any server answers
//! the same). `leader` says whether this server holds the projection lease, and so runs them.

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
use super::extract::{AppPath, Auth};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(projections))
        .routes(routes!(rebuild))
}

#[derive(Debug, Serialize, ToSchema)]
struct Rebuilding {
    name: String,
}

/// Rebuilds one read model online (admin): it is emptied under its lock and the live runner
/// applies the whole log to it again, while the other read models and the API keep serving.
/// Watch its lag fall to 0 in `GET /api/v1/projections`.
#[utoipa::path(post, path = "/projections/{name}/rebuild", tag = "operations",
    params(("name" = String, Path, description = "users, conversations, agent_interactions, analytics, community, checklists, custom_agents or workflows")),
    responses(
        (status = 202, body = Rebuilding),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 404, description = "No such projection", body = ErrorBody),
    ))]
async fn rebuild(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(name): AppPath<String>,
) -> Result<(axum::http::StatusCode, Json<Rebuilding>), ApiError> {
    auth.require(&[Role::Admin])?;
    let projection: Projection = name
        .parse()
        .map_err(|_| ApiError::not_found(format!("no projection named `{name}`")))?;
    crate::projector::reset(&state.pool, &[projection])
        .await
        .map_err(|error| ApiError::internal(error.to_string()))?;
    state.notifier.notify();
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(Rebuilding {
            name: projection.name().to_owned(),
        }),
    ))
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
    /// Whether this server holds the projection lease and so runs the live projections.
    leader: Option<bool>,
    /// On `knowledge_vectors` only: the sentence encoder's state (`lag_events` there counts the
    /// texts still to embed).
    #[serde(skip_serializing_if = "Option::is_none")]
    encoder: Option<crate::semantic::SemanticStatus>,
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
            leader: Some(state.projector.leads()),
            encoder: None,
        });
    }
    if let Some(semantic) = state.knowledge.semantic() {
        let status = semantic.status();
        statuses.push(ProjectionStatus {
            name: "knowledge_vectors".to_owned(),
            position: status.vectors as i64,
            lag_events: status.documents.saturating_sub(status.vectors) as i64,
            lag_seconds: 0.0,
            leader: Some(state.projector.leads()),
            encoder: Some(status),
        });
    }
    Ok(Json(statuses))
}
