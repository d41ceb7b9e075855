//! Agents: `GET /api/v1/agents/health` (any authenticated role), and the custom agents an admin
//! registers, lists and removes (`/api/v1/agents/custom`), each change an event naming the admin.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use serde_json::{Value, json};
use tower_http::request_id::RequestId;

use super::error::ApiError;
use super::extract::{AppJson, AppPath, Auth};
use super::{AppState, correlation_id};
use crate::agents::custom::{self, CustomAgent, CustomAgentError, Registration};
use crate::agents::registry::AgentHealth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agents/health", get(health))
        .route("/agents/custom", get(list_custom).post(register_custom))
        .route("/agents/custom/{agent_id}", delete(remove_custom))
}

async fn health(State(state): State<AppState>, _auth: Auth) -> Json<Vec<AgentHealth>> {
    Json(state.registry.health())
}

impl From<CustomAgentError> for ApiError {
    fn from(error: CustomAgentError) -> Self {
        match error {
            CustomAgentError::Exists(_) => ApiError::conflict("agent_exists", error.to_string()),
            CustomAgentError::NotFound(_) => ApiError::not_found(error.to_string()),
            CustomAgentError::Corrupt(_) => ApiError::internal(error),
            CustomAgentError::Store(store) => store.into(),
        }
    }
}

async fn list_custom(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Admin])?;
    let agents = custom::load(&state.pool).await?;
    Ok(Json(json!({"agents": agents})))
}

async fn register_custom(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(registration): AppJson<Registration>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let admin = auth.require(&[Role::Admin])?;
    let built_in: Vec<String> = state
        .registry
        .agents()
        .iter()
        .filter(|registered| custom::BUILT_IN_TYPES.contains(&registered.agent.agent_type()))
        .map(|registered| registered.agent.agent_id().to_owned())
        .collect();
    let registered = registration.validate(&built_in).map_err(ApiError::invalid)?;
    let correlation = correlation_id(request_id.as_deref());
    let _changing = state.custom_agents_lock.lock().await;
    let checkpoint = custom::register(
        &state.store,
        &registered,
        admin.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    state
        .projector
        .wait_for(Projection::CustomAgents, checkpoint, state.read_your_writes_timeout)
        .await;
    state.registry.register(Arc::new(CustomAgent::new(
        registered.clone(),
        state.http_client.clone(),
    )));
    tracing::info!(actor = %admin.user_id, agent_id = %registered.agent_id, "custom agent registered");
    Ok((StatusCode::CREATED, Json(json!(registered))))
}

async fn remove_custom(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(agent_id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    let admin = auth.require(&[Role::Admin])?;
    let correlation = correlation_id(request_id.as_deref());
    let _changing = state.custom_agents_lock.lock().await;
    let checkpoint = custom::remove(&state.store, &agent_id, admin.user_id.as_str(), correlation.as_deref()).await?;
    state
        .projector
        .wait_for(Projection::CustomAgents, checkpoint, state.read_your_writes_timeout)
        .await;
    state.registry.unregister(&agent_id);
    tracing::info!(actor = %admin.user_id, %agent_id, "custom agent removed");
    Ok(StatusCode::NO_CONTENT)
}
