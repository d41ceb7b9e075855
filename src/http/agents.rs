//! Agents: `GET /api/v1/agents/health` (any authenticated role), and the custom agents an admin
//! registers, lists and removes (`/api/v1/agents/custom`), each change an event naming the admin.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::events::CustomAgentRegistered;
use hijraah_domain::user::Role;
use serde::Serialize;
use tower_http::request_id::RequestId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppPath, Auth};
use super::{AppState, correlation_id};
use crate::agents::custom::Registration;
use crate::agents::registry::AgentHealth;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(list_custom, register_custom))
        .routes(routes!(remove_custom))
}

/// One entry per registered agent: its status, metrics and circuit breaker.
#[utoipa::path(get, path = "/agents/health", tag = "agents",
    responses((status = 200, body = Vec<AgentHealth>)))]
async fn health(State(state): State<AppState>, _auth: Auth) -> Json<Vec<AgentHealth>> {
    Json(state.registry.health())
}

#[derive(Debug, Serialize, ToSchema)]
struct CustomAgentList {
    agents: Vec<CustomAgentRegistered>,
}

/// The custom agents registered (admin).
#[utoipa::path(get, path = "/agents/custom", tag = "agents",
    responses(
        (status = 200, body = CustomAgentList),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
    ))]
async fn list_custom(State(state): State<AppState>, auth: Auth) -> Result<Json<CustomAgentList>, ApiError> {
    auth.require(&[Role::Admin])?;
    Ok(Json(CustomAgentList {
        agents: state.custom_agents.list().await?,
    }))
}

/// Registers an external agent (admin); every server follows it from the log.
#[utoipa::path(post, path = "/agents/custom", tag = "agents", request_body = Registration,
    responses(
        (status = 201, body = CustomAgentRegistered, links(
            ("remove" = (operation_id = "remove_custom",
                parameters(("agent_id" = "$response.body#/agent_id")))),
        )),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 409, description = "An agent with that id is registered, or a built-in agent has that id or serves that type", body = ErrorBody),
    ))]
async fn register_custom(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(registration): AppJson<Registration>,
) -> Result<(StatusCode, Json<CustomAgentRegistered>), ApiError> {
    let admin = auth.require(&[Role::Admin])?;
    let correlation = correlation_id(request_id.as_deref());
    let registered = state
        .custom_agents
        .register(registration, admin.user_id.as_str(), correlation.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// Removes a custom agent (admin).
#[utoipa::path(delete, path = "/agents/custom/{agent_id}", tag = "agents",
    params(("agent_id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 404, description = "No such custom agent", body = ErrorBody),
    ))]
async fn remove_custom(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(agent_id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    let admin = auth.require(&[Role::Admin])?;
    let correlation = correlation_id(request_id.as_deref());
    state
        .custom_agents
        .remove(&agent_id, admin.user_id.as_str(), correlation.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
