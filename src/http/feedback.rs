//! Feedback on an agent's reply: `POST /api/v1/messages/{message_id}/feedback`. Only the owner
//! of the conversation may give it (anyone else: 404, as if the reply did not exist); giving it
//! again records a revision. It is a `FeedbackGiven` event on the conversation's stream, its
//! comment sealed like the messages; the conversation shows the latest, analytics count it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::events::FeedbackGiven;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_projections::Projection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_http::request_id::RequestId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppPath, Auth};
use super::{AppState, correlation_id};
use crate::privacy::seal_event;
use crate::store::{ExpectedVersion, StoreError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(give))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FeedbackRequest {
    helpful: bool,
    /// The agent type that should have answered: one this deployment runs (the built-in ones and
    /// the custom agents registered; `GET /api/v1/agents/health` lists them).
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]+$", min_length = 2, max_length = 40)]
    correct_agent: Option<String>,
    /// At most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct FeedbackRecorded {
    message_id: Uuid,
    /// `helpful`, `correct_agent`, `comment`, `revision`.
    #[schema(value_type = Object)]
    feedback: Value,
}

const ATTEMPTS: usize = 8;

/// Records the conversation owner's feedback on a reply (again: a revision).
#[utoipa::path(post, path = "/messages/{message_id}/feedback", tag = "conversations", request_body = FeedbackRequest,
    params(("message_id" = Uuid, Path, description = "An agent's reply")),
    responses(
        (status = 202, body = FeedbackRecorded),
        (status = 404, description = "No such reply in one of the caller's conversations", body = ErrorBody),
        (status = 422, description = "An unknown agent type, or a comment over 2,000 characters", body = ErrorBody),
    ))]
async fn give(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(message_id): AppPath<Uuid>,
    AppJson(body): AppJson<FeedbackRequest>,
) -> Result<(StatusCode, Json<FeedbackRecorded>), ApiError> {
    let mut reply = hijraah_projections::queries::reply(&state.pool, message_id).await?;
    if reply.is_none() {
        // Given a moment after the chat, perhaps on another server.
        state.read_models_current(&[Projection::Conversations]).await?;
        reply = hijraah_projections::queries::reply(&state.pool, message_id).await?;
    }
    let reply = reply
        .filter(|reply| reply.owner == auth.0.user_id.as_str())
        .ok_or_else(|| ApiError::not_found("no such reply in your conversations"))?;
    let comment = body.comment.unwrap_or_default();
    if comment.chars().count() > 2_000 {
        return Err(ApiError::invalid("comment must be at most 2000 characters"));
    }
    if let Some(correct) = &body.correct_agent {
        let known = state.registry.agent_types();
        if !known.contains(correct) {
            return Err(ApiError::invalid(format!(
                "correct_agent `{correct}` is not an agent type; the agents are: {}",
                known.join(", ")
            )));
        }
    }
    let stream = format!("conversation-{}", reply.conversation_id);
    let owner = reply.owner.as_str();
    let key = state.vault.key_for_writing(owner).await?;
    let correlation = correlation_id(request_id.as_deref());
    for _ in 0..ATTEMPTS {
        // The earlier feedback on this reply, from the stream (the truth, not the read model).
        let mut version = 0;
        let mut previous: Option<(u32, bool)> = None;
        for envelope in state.store.read_stream(&stream, 0).await? {
            version = envelope.stream_version;
            if envelope.event_type == "FeedbackGiven"
                && let Ok(Event::FeedbackGiven(given)) = envelope.decode()
                && given.message_id == message_id
            {
                previous = Some((given.revision, given.helpful));
            }
        }
        let given = FeedbackGiven {
            message_id,
            conversation_id: reply.conversation_id,
            agent_type: reply.agent_type.clone().unwrap_or_default(),
            helpful: body.helpful,
            correct_agent: body.correct_agent.clone(),
            comment: comment.clone(),
            revision: previous.map_or(1, |(revision, _)| revision + 1),
            previous_helpful: previous.map(|(_, helpful)| helpful),
            confidence: reply.confidence,
        };
        let event = Event::FeedbackGiven(given.clone());
        let mut new_event = NewEvent::new(
            &event,
            EventMetadata::by(auth.0.user_id.as_str(), correlation.as_deref()),
        );
        seal_event(&mut new_event, &key, owner);
        match state
            .store
            .append(&stream, ExpectedVersion::Exact(version), &[new_event])
            .await
        {
            Ok(appended) => {
                state
                    .projector
                    .wait_for(Projection::Conversations, appended.last, state.read_your_writes_timeout)
                    .await;
                return Ok((
                    StatusCode::ACCEPTED,
                    Json(FeedbackRecorded {
                        message_id,
                        feedback: json!({"helpful": given.helpful, "correct_agent": given.correct_agent,
                                         "comment": given.comment, "revision": given.revision}),
                    }),
                ));
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::new(
        super::error::ErrorCode::ConversationBusy,
        "the conversation kept changing; send the feedback again",
    ))
}
