//! Reading conversations: one whole, or a user's list; and ending one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hijraah_domain::ids::UserId;
use hijraah_projections::queries::{self, ConversationSummary, ConversationView};
use serde::{Deserialize, Serialize};
use tower_http::request_id::RequestId;
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/conversations/{conversation_id}", get(conversation))
        .route("/conversations/{conversation_id}/end", post(end_conversation))
        .route("/users/{user_id}/conversations", get(user_conversations))
}

/// A user reads only their own conversations; admins read any. Another user's conversation is
/// answered as not found, so ids cannot be probed.
async fn conversation(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(conversation_id): AppPath<Uuid>,
) -> Result<Json<ConversationView>, ApiError> {
    let view = queries::conversation(&state.pool, conversation_id)
        .await?
        .filter(|view| auth.0.is_admin() || view.user_id == auth.0.user_id.as_str())
        .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    Ok(Json(view))
}

async fn end_conversation(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(conversation_id): AppPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let owner = queries::conversation_owner(&state.pool, conversation_id)
        .await?
        .filter(|owner| auth.0.is_admin() || owner == auth.0.user_id.as_str())
        .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    let owner = UserId::parse(&owner).map_err(ApiError::internal)?;
    state
        .chat
        .end(
            conversation_id,
            owner,
            &auth.0.user_id,
            &correlation_id(request_id.as_deref()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

fn default_limit() -> i64 {
    50
}

#[derive(Debug, Serialize)]
struct ConversationList {
    user_id: String,
    conversations: Vec<ConversationSummary>,
}

async fn user_conversations(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(user_id): AppPath<String>,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<ConversationList>, ApiError> {
    if user_id != auth.0.user_id.as_str() && !auth.0.is_admin() {
        return Err(ApiError::forbidden("you may list only your own conversations"));
    }
    if !(1..=200).contains(&page.limit) || page.offset < 0 {
        return Err(ApiError::invalid("limit must be 1 to 200 and offset not negative"));
    }
    let conversations = queries::user_conversations(&state.pool, &user_id, page.limit, page.offset).await?;
    Ok(Json(ConversationList { user_id, conversations }))
}
