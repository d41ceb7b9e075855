//! The right to erasure and the right of access: `DELETE /api/v1/users/{id}` destroys the user's
//! data key and records `UserErased` (read models then drop their rows), and
//! `GET /api/v1/users/{id}/export` returns everything we hold about them. The user themself or
//! an admin.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use chrono::Utc;
use hijraah_domain::events::UserErased;
use hijraah_domain::ids::UserId;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_projections::{Projection, queries};
use serde_json::{Value, json};
use sqlx::Row;
use tower_http::request_id::RequestId;

use super::error::ApiError;
use super::extract::{AppPath, Auth};
use super::{AppState, correlation_id};
use crate::chat::ChatError;
use crate::store::ExpectedVersion;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{user_id}", delete(erase))
        .route("/users/{user_id}/export", get(export))
}

/// The user in the path, if the caller is them or an admin and we know them.
async fn subject(state: &AppState, auth: &Auth, user_id: &str) -> Result<UserId, ApiError> {
    let user_id = UserId::parse(user_id).map_err(|_| ApiError::not_found("no such user"))?;
    if user_id != auth.0.user_id && !auth.0.is_admin() {
        return Err(ApiError::forbidden("only the user themself or an admin may do this"));
    }
    let known = sqlx::query("SELECT 1 FROM streams WHERE stream_id = $1")
        .bind(user_id.stream_id())
        .fetch_optional(&state.pool)
        .await?;
    if known.is_none() {
        return Err(ApiError::not_found("no such user"));
    }
    Ok(user_id)
}

/// The projections that hold a user's rows, which an erasure waits for.
const PERSONAL: [Projection; 4] = [
    Projection::Users,
    Projection::Conversations,
    Projection::AgentInteractions,
    Projection::Checklists,
];

async fn erase(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(user_id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    let user_id = subject(&state, &auth, &user_id).await?;
    let correlation = correlation_id(request_id.as_deref());
    // Their open conversations end first, so an old session id cannot continue one whose rows
    // are about to go: a new session starts a new conversation.
    let open: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT conversation_id FROM conversations WHERE user_id = $1 AND status <> 'ended'")
            .bind(user_id.as_str())
            .fetch_all(&state.pool)
            .await?;
    for conversation_id in open {
        match state
            .chat
            .end(conversation_id, user_id.clone(), &auth.0.user_id, &correlation)
            .await
        {
            Ok(()) | Err(ChatError::Ended | ChatError::NotFound) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let event = Event::UserErased(UserErased {
        user_id: user_id.as_str().to_owned(),
    });
    let metadata = EventMetadata::by(auth.0.user_id.as_str(), correlation.as_deref());
    // The key goes and the erasure is recorded together, or neither.
    let mut transaction = state.pool.begin().await?;
    let destroyed = state
        .vault
        .destroy(&mut transaction, user_id.as_str())
        .await
        .map_err(ApiError::internal)?;
    let appended = state
        .store
        .append_in(
            &mut transaction,
            &user_id.stream_id(),
            ExpectedVersion::StreamExists,
            &[NewEvent::new(&event, metadata)],
        )
        .await?;
    transaction.commit().await?;
    tracing::info!(actor = %auth.0.user_id, user_id = %user_id, key_destroyed = destroyed, "user erased");
    if let Some(appended) = appended {
        for projection in PERSONAL {
            state
                .projector
                .wait_for(projection, appended.last, state.read_your_writes_timeout)
                .await;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn export(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(user_id): AppPath<String>,
) -> Result<Json<Value>, ApiError> {
    let user_id = subject(&state, &auth, &user_id).await?;
    let id = user_id.as_str();
    let profile = queries::user_profile(&state.pool, id).await?;
    let mut conversations = Vec::new();
    for summary in queries::user_conversations(&state.pool, id, i64::MAX, 0).await? {
        if let Some(conversation) = queries::conversation(&state.pool, summary.conversation_id).await? {
            conversations.push(json!(conversation));
        }
    }
    let interactions: Vec<Value> = sqlx::query(
        "SELECT request_message_id, agent_id, agent_type, status, input, output, confidence, latency_ms, created_at
         FROM agent_interactions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(id)
    .fetch_all(&state.pool)
    .await?
    .iter()
    .map(|row| {
        json!({
            "request_message_id": row.get::<uuid::Uuid, _>("request_message_id"),
            "agent_id": row.get::<String, _>("agent_id"),
            "agent_type": row.get::<String, _>("agent_type"),
            "status": row.get::<String, _>("status"),
            "input": row.get::<Value, _>("input"),
            "output": row.get::<Value, _>("output"),
            "confidence": row.get::<Option<f64>, _>("confidence"),
            "latency_ms": row.get::<i64, _>("latency_ms"),
            "created_at": row.get::<chrono::DateTime<Utc>, _>("created_at"),
        })
    })
    .collect();
    let checklist = crate::agents::migration::checklist(&state.pool, id).await?;
    let mut events = state.store.read_user_events(id).await?;
    state
        .vault
        .unseal_pooled(&mut events)
        .await
        .map_err(ApiError::internal)?;
    let has_key = sqlx::query("SELECT 1 FROM user_keys WHERE user_id = $1")
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .is_some();
    Ok(Json(json!({
        "user_id": id,
        "exported_at": Utc::now(),
        "encryption_key_held": has_key,
        "profile": profile,
        "conversations": conversations,
        "agent_interactions": interactions,
        "checklist": checklist,
        "events": events,
    })))
}
