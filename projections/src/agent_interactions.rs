//! `agent_interactions`: each agent invocation with its input, output and timing, and whose it
//! was (so an erasure deletes it). The requests are kept in `agent_requests`, so a reply in a
//! later batch finds its input without reading the (sealed) log.

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
    let mut inputs: HashMap<Uuid, (Value, String)> = HashMap::new();
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
                let input = request_input(&recorded.envelope.data);
                requests.push((
                    request.message_id,
                    conversation_id,
                    request.user_id.clone(),
                    input.clone(),
                ));
                inputs.insert(request.message_id, (input, request.user_id.clone()));
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
    // Requests answered in an earlier batch.
    let missing: Vec<Uuid> = rows
        .request_message_id
        .iter()
        .filter(|id| !inputs.contains_key(id))
        .copied()
        .collect();
    if !missing.is_empty() {
        let found = sqlx::query(
            "SELECT request_message_id, input, user_id FROM agent_requests WHERE request_message_id = ANY($1)",
        )
        .bind(&missing)
        .fetch_all(&mut *connection)
        .await?;
        for row in found {
            inputs.insert(row.get("request_message_id"), (row.get("input"), row.get("user_id")));
        }
    }
    let (input, user_id): (Vec<Value>, Vec<String>) = rows
        .request_message_id
        .iter()
        .map(|id| inputs.get(id).cloned().unwrap_or((Value::Null, String::new())))
        .unzip();
    sqlx::query(
        "INSERT INTO agent_interactions (interaction_id, conversation_id, request_message_id, agent_id, agent_type,
                                         status, input, output, confidence, latency_ms, created_at, user_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                              $8::jsonb[], $9::float8[], $10::int8[], $11::timestamptz[], $12::text[])",
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
    .bind(&user_id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
