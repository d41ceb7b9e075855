//! `agent_interactions`: each agent invocation with its input, output and timing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hijraah_domain::Event;
use serde_json::{Value, json};
use sqlx::{PgConnection, Row};
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

fn request_input(data: &Value) -> Value {
    json!({
        "content": data.get("content").cloned().unwrap_or(Value::Null),
        "language": data.get("language").cloned().unwrap_or(Value::Null),
        "context": data.get("context").cloned().unwrap_or(Value::Null),
    })
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    let mut inputs: HashMap<Uuid, Value> = HashMap::new();
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
                inputs.insert(request.message_id, request_input(&recorded.envelope.data));
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
    if rows.interaction_id.is_empty() {
        return Ok(());
    }
    // Requests answered in an earlier batch: read their input from the log itself.
    let missing: Vec<Uuid> = rows
        .request_message_id
        .iter()
        .filter(|id| !inputs.contains_key(id))
        .copied()
        .collect();
    if !missing.is_empty() {
        let streams: Vec<String> = rows
            .conversation_id
            .iter()
            .map(|id| format!("conversation-{id}"))
            .collect();
        let found = sqlx::query(
            "SELECT data FROM events
             WHERE stream_id = ANY($1) AND event_type = 'UserRequestReceived'
               AND (data->>'message_id')::uuid = ANY($2)",
        )
        .bind(&streams)
        .bind(&missing)
        .fetch_all(&mut *connection)
        .await?;
        for row in found {
            let data: Value = row.get("data");
            if let Some(id) = data
                .get("message_id")
                .and_then(Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok())
            {
                inputs.insert(id, request_input(&data));
            }
        }
    }
    let input: Vec<Value> = rows
        .request_message_id
        .iter()
        .map(|id| inputs.get(id).cloned().unwrap_or(Value::Null))
        .collect();
    sqlx::query(
        "INSERT INTO agent_interactions (interaction_id, conversation_id, request_message_id, agent_id, agent_type,
                                         status, input, output, confidence, latency_ms, created_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                              $8::jsonb[], $9::float8[], $10::int8[], $11::timestamptz[])",
    )
    .bind(&rows.interaction_id)
    .bind(&rows.conversation_id)
    .bind(&rows.request_message_id)
    .bind(&rows.agent_id)
    .bind(&rows.agent_type)
    .bind(&rows.status)
    .bind(&input)
    .bind(&rows.output)
    .bind(&rows.confidence)
    .bind(&rows.latency_ms)
    .bind(&rows.created_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
