//! `POST /api/v1/chat`: a user's message in, the agents' replies out.

use axum::extract::State;
use axum::{Extension, Json};
use hijraah_domain::ids::{SessionId, UserId};
use serde::Deserialize;
use serde_json::Value;
use tower_http::request_id::RequestId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Auth};
use super::{AppState, correlation_id};
use crate::agents::language;
use crate::chat::{AgentResponse, ChatCommand};

/// The longest message we accept, in characters.
pub const MAX_CONTENT_CHARS: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(chat))
}

/// A user's message.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserRequest {
    /// Must be the token's own user (admins may act for a user).
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF](?:[^\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF])?$"
    )]
    pub user_id: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub content: String,
    /// A language tag such as `en` or `ar`; absent, it is detected from the script.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    pub language: Option<String>,
    /// Structured input for agents: a place (`latitude`, `longitude`, `timezone`, `city`), the
    /// day asked on (`date`), the zakat calculator's fields…
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub context: Option<Value>,
    /// Continues that conversation; absent, a new conversation starts.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128)]
    pub session_id: Option<String>,
}

/// PostgreSQL cannot store U+0000 in text or jsonb: refuse it at the edge rather than fail later.
fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(key, value)| key.contains('\0') || contains_nul(value)),
        _ => false,
    }
}

impl UserRequest {
    fn parse(self, auth: &Auth, correlation_id: Option<String>) -> Result<ChatCommand, ApiError> {
        let user_id = UserId::parse(&self.user_id).map_err(|error| ApiError::invalid(error.to_string()))?;
        if user_id != auth.0.user_id && !auth.0.is_admin() {
            return Err(ApiError::forbidden("user_id must be the token's own user"));
        }
        let content = self.content.trim();
        if content.is_empty() {
            return Err(ApiError::invalid("content must not be empty"));
        }
        if content.chars().count() > MAX_CONTENT_CHARS {
            return Err(ApiError::invalid(format!(
                "content is longer than {MAX_CONTENT_CHARS} characters"
            )));
        }
        if content.contains('\0') {
            return Err(ApiError::invalid("content must not contain NUL characters"));
        }
        let session_id = self
            .session_id
            .map(|session| SessionId::parse(&session))
            .transpose()
            .map_err(|error| ApiError::invalid(error.to_string()))?;
        let language = match self.language.map(|tag| tag.trim().to_owned()) {
            Some(tag) if language::is_valid_tag(&tag) => Some(tag.to_ascii_lowercase()),
            Some(tag) => {
                return Err(ApiError::invalid(format!(
                    "language `{tag}` is not a language tag like en or ar"
                )));
            }
            None => None,
        };
        let context = self.context.unwrap_or(Value::Null);
        if !(context.is_object() || context.is_null()) {
            return Err(ApiError::invalid("context must be a JSON object"));
        }
        if contains_nul(&context) {
            return Err(ApiError::invalid("context must not contain NUL characters"));
        }
        Ok(ChatCommand {
            user_id,
            session_id,
            content: content.to_owned(),
            language,
            context,
            actor: auth.0.user_id.clone(),
            role: auth.0.role,
            correlation_id,
        })
    }
}

/// Send a message; the agents' replies come back, the user interface agent's first.
#[utoipa::path(post, path = "/chat", tag = "conversations", request_body = UserRequest,
    responses(
        (status = 200, description = "The replies, the user interface agent's first", body = Vec<AgentResponse>),
        (status = 403, description = "`user_id` is not the token's own, or the conversation is another user's", body = ErrorBody),
        (status = 409, description = "The conversation has ended, or too many writers raced on it", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %auth.0.user_id))]
async fn chat(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(request): AppJson<UserRequest>,
) -> Result<Json<Vec<AgentResponse>>, ApiError> {
    let command = request.parse(&auth, correlation_id(request_id.as_deref()))?;
    Ok(Json(state.chat.chat(command).await?))
}
