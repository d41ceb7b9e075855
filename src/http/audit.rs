//! `GET /api/v1/audit` (admin): the curators' and admins' actions, newest first, each an event
//! of the log naming its actor in `metadata.actor`: texts imported, revised and retracted, editions described or withheld,
//! reindexes, mosques and community events, custom agents, workflow definitions, review
//! verdicts, routing models promoted or rolled back, and erasures.

use axum::Json;
use axum::extract::State;
use hijraah_domain::Envelope;
use hijraah_domain::user::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppQuery, Auth};

/// The event types that record a staff action.
pub const STAFF_ACTIONS: [&str; 20] = [
    "KnowledgeDocumentAdded",
    "KnowledgeDocumentRevised",
    "KnowledgeDocumentRetracted",
    "KnowledgeDocumentGraded",
    "KnowledgeEditionRecorded",
    "KnowledgeReindexRequested",
    "EncoderModelImported",
    "MosquePublished",
    "MosqueUpdated",
    "MosqueRemoved",
    "CommunityEventPublished",
    "CommunityEventUpdated",
    "CommunityEventCancelled",
    "CustomAgentRegistered",
    "CustomAgentRemoved",
    "WorkflowDefinitionRegistered",
    "AnswerReviewed",
    "RouterModelPromoted",
    "RouterRolledBack",
    "UserErased",
];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Actions before this log position (the previous page's `next_before`).
    #[param(minimum = 1)]
    before: Option<i64>,
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: i64,
}

fn default_limit() -> i64 {
    50
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditPage {
    #[schema(value_type = Vec<Object>)]
    events: Vec<Envelope>,
    /// Where the next (older) page starts; null at the log's beginning.
    next_before: Option<i64>,
}

/// Staff actions, newest first.
#[utoipa::path(get, path = "/audit", tag = "operations",
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 422, description = "A parameter is out of range", body = ErrorBody),
    ))]
async fn audit(
    State(state): State<AppState>,
    auth: Auth,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    auth.require(&[Role::Admin])?;
    if !(1..=500).contains(&query.limit) || query.before.is_some_and(|before| before < 1) {
        return Err(ApiError::invalid(
            "`limit` is 1 to 500 and `before` a position of 1 or more",
        ));
    }
    let mut events = state
        .store
        .read_types_backwards(&STAFF_ACTIONS, query.before, query.limit)
        .await?;
    state
        .vault
        .unseal_pooled(&mut events)
        .await
        .map_err(ApiError::internal)?;
    let next_before = (events.len() as i64 == query.limit)
        .then(|| events.last().map(|event| event.position))
        .flatten();
    Ok(Json(AuditPage { events, next_before }))
}
