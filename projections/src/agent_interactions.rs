//! `agent_interactions`: each agent invocation with its input, output and timing, and whose it
//! was (so an erasure deletes it). The requests are kept in `agent_requests`, so a reply in a
//! later batch finds its input without reading the (sealed) log.

use chrono::{DateTime, Utc};
use hijraah_domain::Event;
use hijraah_domain::events::UserRequestReceived;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{ProjectionError, Recorded};

#[derive(Default)]
struct InteractionRows {
    interaction_id: Vec<Uuid>,
    conversation_id: Vec<Uuid>,
    request_message_id: Vec<Uuid>,
    agent_id: Vec<String>,
    agent_type: Vec<String>,
    status: Vec<&'static str>,
    output: Vec<Value>,
    confidence: Vec<Option<f64>>,
    latency_ms: Vec<i64>,
    created_at: Vec<DateTime<Utc>>,
}

/// What the agents were given: the request's content, language and context (from the decoded
/// event; a replay does not build the stored JSON).
fn request_input(request: &UserRequestReceived) -> Value {
    json!({
        "content": request.content,
        "language": request.language,
        "context": request.context,
    })
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    let mut requests: Vec<(Uuid, Uuid, String, Value)> = Vec::new();
    let mut rows = InteractionRows::default();
    for recorded in events {
        let conversation_id = recorded
            .envelope
            .stream_id
            .strip_prefix("conversation-")
            .and_then(|id| Uuid::parse_str(id).ok());
        let Some(conversation_id) = conversation_id else {
            continue;
        };
        let (request_message_id, agent_id, agent_type, status, output, confidence, latency_ms) = match &recorded.event {
            Event::UserRequestReceived(request) => {
                requests.push((
                    request.message_id,
                    conversation_id,
                    request.user_id.clone(),
                    request_input(request),
                ));
                continue;
            }
            Event::AgentReplied(reply) => (
                reply.request_message_id,
                &reply.agent_id,
                &reply.agent_type,
                "replied",
                json!({"content": reply.content, "confidence": reply.confidence, "metadata": reply.metadata}),
                Some(reply.confidence),
                reply.latency_ms,
            ),
            Event::AgentFailed(failure) => (
                failure.request_message_id,
                &failure.agent_id,
                &failure.agent_type,
                "failed",
                json!({"reason": failure.reason, "error": failure.error}),
                None,
                failure.latency_ms,
            ),
            _ => continue,
        };
        // Event ids are unique, so they identify the interaction on every rebuild.
        rows.interaction_id.push(recorded.envelope.event_id);
        rows.conversation_id.push(conversation_id);
        rows.request_message_id.push(request_message_id);
        rows.agent_id.push(agent_id.clone());
        rows.agent_type.push(agent_type.clone());
        rows.status.push(status);
        rows.output.push(output);
        rows.confidence.push(confidence);
        rows.latency_ms.push(i64::try_from(latency_ms).unwrap_or(i64::MAX));
        rows.created_at.push(recorded.envelope.recorded_at);
    }
    if !requests.is_empty() {
        let (ids, conversations, users, request_inputs): (Vec<Uuid>, Vec<Uuid>, Vec<String>, Vec<Value>) = requests
            .into_iter()
            .fold(Default::default(), |mut columns, (id, conversation, user, input)| {
                columns.0.push(id);
                columns.1.push(conversation);
                columns.2.push(user);
                columns.3.push(input);
                columns
            });
        sqlx::query(
            "INSERT INTO agent_requests (request_message_id, conversation_id, user_id, input)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])
             ON CONFLICT (request_message_id) DO NOTHING",
        )
        .bind(&ids)
        .bind(&conversations)
        .bind(&users)
        .bind(&request_inputs)
        .execute(&mut *connection)
        .await?;
    }
    if rows.interaction_id.is_empty() {
        return Ok(());
    }
    // Each reply's input and owner come from its request's row, in this batch or an earlier one:
    // PostgreSQL copies the stored JSON rather than parsing it a second time.
    sqlx::query(
        "INSERT INTO agent_interactions (interaction_id, conversation_id, request_message_id, agent_id, agent_type,
                                         status, input, output, confidence, latency_ms, created_at, user_id)
         SELECT d.interaction_id, d.conversation_id, d.request_message_id, d.agent_id, d.agent_type, d.status,
                coalesce(r.input, 'null'::jsonb), d.output, d.confidence, d.latency_ms, d.created_at,
                coalesce(r.user_id, '')
         FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                     $8::float8[], $9::int8[], $10::timestamptz[])
              AS d(interaction_id, conversation_id, request_message_id, agent_id, agent_type, status, output,
                   confidence, latency_ms, created_at)
         LEFT JOIN agent_requests AS r ON r.request_message_id = d.request_message_id",
    )
    .bind(&rows.interaction_id)
    .bind(&rows.conversation_id)
    .bind(&rows.request_message_id)
    .bind(&rows.agent_id)
    .bind(&rows.agent_type)
    .bind(&rows.status)
    .bind(&rows.output)
    .bind(&rows.confidence)
    .bind(&rows.latency_ms)
    .bind(&rows.created_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
