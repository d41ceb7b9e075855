//! `conversations` and `messages`: what was said in each conversation, in order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hijraah_domain::Event;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{ProjectionError, Recorded};

struct NewConversation<'a> {
    user_id: &'a str,
    session_id: &'a str,
    created_at: DateTime<Utc>,
}

#[derive(Default)]
struct ConversationDelta<'a> {
    started: Option<NewConversation<'a>>,
    ended: bool,
    updated_at: Option<DateTime<Utc>>,
    messages: i64,
}

#[derive(Default)]
struct MessageRows {
    message_id: Vec<Uuid>,
    conversation_id: Vec<Uuid>,
    stream_version: Vec<i64>,
    role: Vec<&'static str>,
    agent_id: Vec<Option<String>>,
    agent_type: Vec<Option<String>>,
    content: Vec<String>,
    confidence: Vec<Option<f64>>,
    metadata: Vec<Value>,
    created_at: Vec<DateTime<Utc>>,
}

/// The conversation a stream belongs to: `conversation-{uuid}`.
fn conversation_of(stream_id: &str) -> Option<Uuid> {
    stream_id
        .strip_prefix("conversation-")
        .and_then(|id| Uuid::parse_str(id).ok())
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    let mut deltas: BTreeMap<Uuid, ConversationDelta> = BTreeMap::new();
    let mut messages = MessageRows::default();
    let mut reviews: Vec<(Uuid, serde_json::Value)> = Vec::new();
    let mut feedback: Vec<(Uuid, serde_json::Value)> = Vec::new();
    for recorded in events {
        let Some(conversation_id) = conversation_of(&recorded.envelope.stream_id) else {
            continue;
        };
        let at = recorded.envelope.recorded_at;
        let delta = deltas.entry(conversation_id).or_default();
        delta.updated_at = Some(delta.updated_at.map_or(at, |updated| updated.max(at)));
        match &recorded.event {
            Event::ConversationStarted(started) => {
                delta.started = Some(NewConversation {
                    user_id: &started.user_id,
                    session_id: &started.session_id,
                    created_at: at,
                });
            }
            Event::ConversationEnded(_) => delta.ended = true,
            Event::UserRequestReceived(request) => {
                delta.messages += 1;
                let mut metadata = json!({"language": request.language});
                if !request.context.is_null() {
                    metadata["context"] = request.context.clone();
                }
                messages.message_id.push(request.message_id);
                messages.conversation_id.push(conversation_id);
                messages.stream_version.push(recorded.envelope.stream_version);
                messages.role.push("user");
                messages.agent_id.push(None);
                messages.agent_type.push(None);
                messages.content.push(request.content.clone());
                messages.confidence.push(None);
                messages.metadata.push(metadata);
                messages.created_at.push(at);
            }
            Event::AgentReplied(reply) => {
                delta.messages += 1;
                messages.message_id.push(reply.message_id);
                messages.conversation_id.push(conversation_id);
                messages.stream_version.push(recorded.envelope.stream_version);
                messages.role.push("agent");
                messages.agent_id.push(Some(reply.agent_id.clone()));
                messages.agent_type.push(Some(reply.agent_type.clone()));
                messages.content.push(reply.content.clone());
                messages.confidence.push(Some(reply.confidence));
                messages.metadata.push(reply.metadata.clone());
                messages.created_at.push(at);
            }
            Event::FeedbackGiven(given) => feedback.push((
                given.message_id,
                json!({
                    "helpful": given.helpful,
                    "correct_agent": given.correct_agent,
                    "comment": given.comment,
                    "revision": given.revision,
                    "given_at": at,
                }),
            )),
            Event::AnswerReviewed(review) => reviews.push((
                review.message_id,
                json!({
                    "verdict": review.verdict,
                    "note": review.note,
                    "reviewer": review.reviewer,
                    "run_id": review.run_id,
                    "reviewed_at": at,
                }),
            )),
            _ => {}
        }
    }
    write_conversations(connection, &deltas).await?;
    if !messages.message_id.is_empty() {
        sqlx::query(
            "INSERT INTO messages (message_id, conversation_id, stream_version, role, agent_id, agent_type, content,
                                   confidence, metadata, created_at)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[],
                                  $8::float8[], $9::jsonb[], $10::timestamptz[])",
        )
        .bind(&messages.message_id)
        .bind(&messages.conversation_id)
        .bind(&messages.stream_version)
        .bind(&messages.role)
        .bind(&messages.agent_id)
        .bind(&messages.agent_type)
        .bind(&messages.content)
        .bind(&messages.confidence)
        .bind(&messages.metadata)
        .bind(&messages.created_at)
        .execute(&mut *connection)
        .await?;
    }
    // Feedback and verdicts come after their reply in the log, so the reply's row is there.
    for (message_id, given) in feedback {
        sqlx::query("UPDATE messages SET feedback = $2 WHERE message_id = $1")
            .bind(message_id)
            .bind(given)
            .execute(&mut *connection)
            .await?;
    }
    for (message_id, review) in reviews {
        sqlx::query("UPDATE messages SET review = $2 WHERE message_id = $1")
            .bind(message_id)
            .bind(review)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

async fn write_conversations(
    connection: &mut PgConnection,
    deltas: &BTreeMap<Uuid, ConversationDelta<'_>>,
) -> Result<(), ProjectionError> {
    let (started, continued): (Vec<_>, Vec<_>) = deltas.iter().partition(|(_, delta)| delta.started.is_some());
    if !started.is_empty() {
        let mut ids = Vec::new();
        let mut user_ids = Vec::new();
        let mut session_ids = Vec::new();
        let mut statuses = Vec::new();
        let mut created = Vec::new();
        let mut updated = Vec::new();
        let mut counts = Vec::new();
        for (id, delta) in &started {
            let Some(new) = &delta.started else { continue };
            ids.push(**id);
            user_ids.push(new.user_id);
            session_ids.push(new.session_id);
            statuses.push(if delta.ended { "ended" } else { "active" });
            created.push(new.created_at);
            updated.push(delta.updated_at.unwrap_or(new.created_at));
            counts.push(delta.messages);
        }
        sqlx::query(
            "INSERT INTO conversations (conversation_id, user_id, session_id, status, created_at, updated_at, message_count)
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                                  $7::int8[])",
        )
        .bind(&ids)
        .bind(&user_ids)
        .bind(&session_ids)
        .bind(&statuses)
        .bind(&created)
        .bind(&updated)
        .bind(&counts)
        .execute(&mut *connection)
        .await?;
    }
    if !continued.is_empty() {
        let ids: Vec<Uuid> = continued.iter().map(|(id, _)| **id).collect();
        let ended: Vec<bool> = continued.iter().map(|(_, delta)| delta.ended).collect();
        let updated: Vec<Option<DateTime<Utc>>> = continued.iter().map(|(_, delta)| delta.updated_at).collect();
        let counts: Vec<i64> = continued.iter().map(|(_, delta)| delta.messages).collect();
        sqlx::query(
            "UPDATE conversations AS c SET
                 status = CASE WHEN d.ended THEN 'ended' ELSE c.status END,
                 updated_at = GREATEST(c.updated_at, d.updated_at),
                 message_count = c.message_count + d.messages
             FROM UNNEST($1::uuid[], $2::bool[], $3::timestamptz[], $4::int8[]) AS d(id, ended, updated_at, messages)
             WHERE c.conversation_id = d.id",
        )
        .bind(&ids)
        .bind(&ended)
        .bind(&updated)
        .bind(&counts)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
