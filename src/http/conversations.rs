//! Reading conversations: one whole, or a user's list; and ending one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::ids::UserId;
use hijraah_projections::Projection;
use hijraah_projections::queries::{self, ConversationSummary, ConversationView};
use serde::{Deserialize, Serialize};
use tower_http::request_id::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(conversation))
        .routes(routes!(end_conversation))
        .routes(routes!(user_conversations))
}

/// A conversation with its messages in the order they happened. A user reads only their own
/// conversations; admins read any. Another user's conversation is answered as not found, so
/// ids cannot be probed.
#[utoipa::path(get, path = "/conversations/{conversation_id}", tag = "conversations",
    params(("conversation_id" = Uuid, Path, description = "From a reply's `metadata.conversation_id`")),
    responses(
        (status = 200, body = ConversationView, links(
            ("feedback" = (operation_id = "give", parameters(("message_id" = "$response.body#/messages/1/message_id")))),
        )),
        (status = 404, description = "No such conversation (or another user's)", body = ErrorBody),
    ))]
async fn conversation(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(conversation_id): AppPath<Uuid>,
) -> Result<Json<ConversationView>, ApiError> {
    state.read_models_current(&[Projection::Conversations]).await?;
    let view = queries::conversation(&state.pool, conversation_id)
        .await?
        .filter(|view| auth.0.is_admin() || view.user_id == auth.0.user_id.as_str())
        .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    Ok(Json(view))
}

/// Ends a conversation: nothing more can be added to it (addition to the contract).
#[utoipa::path(post, path = "/conversations/{conversation_id}/end", tag = "conversations",
    params(("conversation_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such conversation (or another user's)", body = ErrorBody),
        (status = 409, description = "Already ended", body = ErrorBody),
    ))]
async fn end_conversation(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(conversation_id): AppPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let mut owner = queries::conversation_owner(&state.pool, conversation_id).await?;
    if owner.is_none() {
        // Started a moment ago, perhaps on another server.
        state.read_models_current(&[Projection::Conversations]).await?;
        owner = queries::conversation_owner(&state.pool, conversation_id).await?;
    }
    let owner = owner
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: i64,
    #[serde(default)]
    #[param(minimum = 0, default = 0)]
    offset: i64,
}

fn default_limit() -> i64 {
    50
}

#[derive(Debug, Serialize, ToSchema)]
struct ConversationList {
    user_id: String,
    conversations: Vec<ConversationSummary>,
}

/// A user's conversations, newest first.
#[utoipa::path(get, path = "/users/{user_id}/conversations", tag = "conversations",
    params(("user_id" = String, Path), Page),
    responses(
        (status = 200, body = ConversationList),
        (status = 403, description = "Another user's list (admins excepted)", body = ErrorBody),
    ))]
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
    state.read_models_current(&[Projection::Conversations]).await?;
    let conversations = queries::user_conversations(&state.pool, &user_id, page.limit, page.offset).await?;
    Ok(Json(ConversationList { user_id, conversations }))
}
