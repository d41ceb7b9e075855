//! Reads of the read models, shaped as the API returns them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hijraah_domain::community::snap;
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, Row};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub message_id: Uuid,
    pub role: String,
    pub agent_id: Option<String>,
    pub agent_type: Option<String>,
    pub content: String,
    pub confidence: Option<f64>,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    /// The owner's latest feedback on this reply: `helpful`, `correct_agent`, `comment`,
    /// `revision`, `given_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub feedback: Option<Value>,
    /// A curator's verdict on this reply (the `answer_review` workflow): `verdict` (`approved`,
    /// `corrected`, `rejected` or `timed_out`), `note`, `reviewer`, `run_id`, `reviewed_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub review: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationView {
    pub conversation_id: Uuid,
    pub user_id: String,
    pub session_id: String,
    pub status: String,
    pub messages: Vec<MessageView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    pub conversation_id: Uuid,
    pub session_id: String,
    pub status: String,
    pub message_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn message_view(message: &sqlx::postgres::PgRow) -> MessageView {
    MessageView {
        message_id: message.get("message_id"),
        role: message.get("role"),
        agent_id: message.get("agent_id"),
        agent_type: message.get("agent_type"),
        content: message.get("content"),
        confidence: message.get("confidence"),
        metadata: message.get("metadata"),
        created_at: message.get("created_at"),
        review: message.get("review"),
        feedback: message.get("feedback"),
    }
}

/// A conversation with its messages in the order they happened, if it exists.
pub async fn conversation(pool: &PgPool, conversation_id: Uuid) -> Result<Option<ConversationView>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT conversation_id, user_id, session_id, status, created_at, updated_at
         FROM conversations WHERE conversation_id = $1",
    )
    .bind(conversation_id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let messages = sqlx::query(
        "SELECT message_id, role, agent_id, agent_type, content, confidence, metadata, created_at, review, feedback
         FROM messages WHERE conversation_id = $1 ORDER BY stream_version",
    )
    .bind(conversation_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|message| message_view(&message))
    .collect();
    Ok(Some(ConversationView {
        conversation_id: row.get("conversation_id"),
        user_id: row.get("user_id"),
        session_id: row.get("session_id"),
        status: row.get("status"),
        messages,
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }))
}

/// Every conversation of a user with its messages, oldest first, in two queries whatever their
/// number (for the export).
pub async fn user_conversations_whole(pool: &PgPool, user_id: &str) -> Result<Vec<ConversationView>, sqlx::Error> {
    let mut conversations: Vec<ConversationView> = sqlx::query(
        "SELECT conversation_id, user_id, session_id, status, created_at, updated_at
         FROM conversations WHERE user_id = $1 ORDER BY created_at, conversation_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| ConversationView {
        conversation_id: row.get("conversation_id"),
        user_id: row.get("user_id"),
        session_id: row.get("session_id"),
        status: row.get("status"),
        messages: Vec::new(),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    })
    .collect();
    let index: std::collections::HashMap<Uuid, usize> = conversations
        .iter()
        .enumerate()
        .map(|(position, conversation)| (conversation.conversation_id, position))
        .collect();
    let messages = sqlx::query(
        "SELECT m.conversation_id, m.message_id, m.role, m.agent_id, m.agent_type, m.content, m.confidence,
                m.metadata, m.created_at, m.review, m.feedback
         FROM messages m JOIN conversations c ON c.conversation_id = m.conversation_id
         WHERE c.user_id = $1 ORDER BY m.conversation_id, m.stream_version",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    for message in messages {
        let conversation_id: Uuid = message.get("conversation_id");
        if let Some(&position) = index.get(&conversation_id) {
            conversations[position].messages.push(message_view(&message));
        }
    }
    Ok(conversations)
}

/// A user's agent interactions (request and reply of each agent call), oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InteractionView {
    pub request_message_id: Uuid,
    pub agent_id: String,
    pub agent_type: String,
    pub status: String,
    pub input: Value,
    pub output: Value,
    pub confidence: Option<f64>,
    pub latency_ms: i64,
    pub created_at: DateTime<Utc>,
}

pub async fn user_interactions(pool: &PgPool, user_id: &str) -> Result<Vec<InteractionView>, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT request_message_id, agent_id, agent_type, status, input, output, confidence, latency_ms, created_at
         FROM agent_interactions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| InteractionView {
        request_message_id: row.get("request_message_id"),
        agent_id: row.get("agent_id"),
        agent_type: row.get("agent_type"),
        status: row.get("status"),
        input: row.get("input"),
        output: row.get("output"),
        confidence: row.get("confidence"),
        latency_ms: row.get("latency_ms"),
        created_at: row.get("created_at"),
    })
    .collect())
}

/// Who owns a conversation (for access checks before reading it whole).
pub async fn conversation_owner(pool: &PgPool, conversation_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM conversations WHERE conversation_id = $1")
        .bind(conversation_id)
        .fetch_optional(pool)
        .await
}

/// A user's conversations, newest first.
pub async fn user_conversations(
    pool: &PgPool,
    user_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT conversation_id, session_id, status, message_count, created_at, updated_at
         FROM conversations WHERE user_id = $1
         ORDER BY created_at DESC, conversation_id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ConversationSummary {
            conversation_id: row.get("conversation_id"),
            session_id: row.get("session_id"),
            status: row.get("status"),
            message_count: row.get("message_count"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyPercentiles {
    /// Upper bounds (ms) of the histogram buckets holding the 50th, 90th and 99th percentile.
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub p99_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentTypeStats {
    pub requests: i64,
    pub replies: i64,
    pub failures: i64,
    pub average_confidence: Option<f64>,
    pub latency_ms: LatencyPercentiles,
    /// Replies their owners judged helpful, and not helpful (the latest judgment of each).
    pub helpful: i64,
    pub unhelpful: i64,
    /// helpful ÷ (helpful + unhelpful), when any feedback was given.
    pub helpful_rate: Option<f64>,
    /// The helpful rate per confidence decile of the replies judged (only deciles with
    /// feedback): whether the agent's confidence means what it says.
    pub calibration: Vec<CalibrationBucket>,
}

/// helpful ÷ (helpful + unhelpful) to three places, when anything was judged.
fn helpful_rate(helpful: i64, unhelpful: i64) -> Option<f64> {
    (helpful + unhelpful > 0).then(|| (helpful as f64 / (helpful + unhelpful) as f64 * 1000.0).round() / 1000.0)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalibrationBucket {
    /// The decile's lower bound: 0.0, 0.1, ... 0.9 (the last includes 1.0).
    pub confidence_from: f64,
    pub helpful: i64,
    pub unhelpful: i64,
    pub helpful_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsView {
    pub total_users: i64,
    pub total_conversations: i64,
    pub ended_conversations: i64,
    pub total_messages: i64,
    pub total_requests: i64,
    pub requests_by_agent_type: BTreeMap<String, i64>,
    pub agent_types: BTreeMap<String, AgentTypeStats>,
}

/// The value at quantile `q` of a histogram given as sorted `(upper bound, count)` buckets.
pub fn histogram_quantile(buckets: &[(i64, i64)], q: f64) -> Option<i64> {
    let total: i64 = buckets.iter().map(|(_, count)| count).sum();
    if total == 0 {
        return None;
    }
    let rank = (q * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (upper, count) in buckets {
        seen += count;
        if seen >= rank {
            return Some(*upper);
        }
    }
    buckets.last().map(|(upper, _)| *upper)
}

pub async fn analytics(pool: &PgPool) -> Result<AnalyticsView, sqlx::Error> {
    let totals: BTreeMap<String, i64> = sqlx::query("SELECT metric, value FROM analytics_totals")
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| (row.get("metric"), row.get("value")))
        .collect();
    let mut latency: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for row in
        sqlx::query("SELECT agent_type, upper_ms, count FROM analytics_agent_latency ORDER BY agent_type, upper_ms")
            .fetch_all(pool)
            .await?
    {
        latency
            .entry(row.get("agent_type"))
            .or_default()
            .push((row.get("upper_ms"), row.get("count")));
    }
    let mut calibration: BTreeMap<String, Vec<CalibrationBucket>> = BTreeMap::new();
    for row in sqlx::query(
        "SELECT agent_type, decile, helpful, unhelpful FROM analytics_calibration
         WHERE helpful + unhelpful > 0 ORDER BY agent_type, decile",
    )
    .fetch_all(pool)
    .await?
    {
        let (helpful, unhelpful): (i64, i64) = (row.get("helpful"), row.get("unhelpful"));
        let decile: i32 = row.get("decile");
        calibration
            .entry(row.get("agent_type"))
            .or_default()
            .push(CalibrationBucket {
                confidence_from: f64::from(decile) / 10.0,
                helpful,
                unhelpful,
                helpful_rate: helpful_rate(helpful, unhelpful).unwrap_or_default(),
            });
    }
    let mut requests_by_agent_type = BTreeMap::new();
    let mut agent_types = BTreeMap::new();
    for row in sqlx::query(
        "SELECT agent_type, requests, replies, failures, confidence_micros_sum, helpful, unhelpful
         FROM analytics_agent_types",
    )
    .fetch_all(pool)
    .await?
    {
        let agent_type: String = row.get("agent_type");
        let replies: i64 = row.get("replies");
        let confidence_sum: i64 = row.get("confidence_micros_sum");
        let (helpful, unhelpful): (i64, i64) = (row.get("helpful"), row.get("unhelpful"));
        let buckets = latency.get(&agent_type).map(Vec::as_slice).unwrap_or_default();
        let agent_type_key = agent_type.clone();
        requests_by_agent_type.insert(agent_type.clone(), row.get("requests"));
        agent_types.insert(
            agent_type,
            AgentTypeStats {
                requests: row.get("requests"),
                replies,
                failures: row.get("failures"),
                average_confidence: (replies > 0)
                    .then(|| (confidence_sum as f64 / replies as f64 / 1_000_000.0 * 1000.0).round() / 1000.0),
                latency_ms: LatencyPercentiles {
                    p50_ms: histogram_quantile(buckets, 0.50),
                    p90_ms: histogram_quantile(buckets, 0.90),
                    p99_ms: histogram_quantile(buckets, 0.99),
                },
                helpful,
                unhelpful,
                helpful_rate: helpful_rate(helpful, unhelpful),
                calibration: calibration.remove(&agent_type_key).unwrap_or_default(),
            },
        );
    }
    let total = |metric: &str| totals.get(metric).copied().unwrap_or(0);
    Ok(AnalyticsView {
        total_users: total("users"),
        total_conversations: total("conversations"),
        ended_conversations: total("conversations_ended"),
        total_messages: total("messages"),
        total_requests: total("requests"),
        requests_by_agent_type,
        agent_types,
    })
}

// --- The `community` read model: mosques nearest first, upcoming community events. ---

/// Great-circle distance from `($1, $2)` in SQL (haversine, as
/// `hijraah_domain::community::distance_km`), a macro so queries stay static strings.
macro_rules! distance_sql {
    () => {
        "2 * 6371.0088 * asin(least(1, sqrt(power(sin(radians(latitude - $1) / 2), 2) \
         + cos(radians($1)) * cos(radians(latitude)) * power(sin(radians(longitude - $2) / 2), 2))))"
    };
}

fn round_km(km: f64) -> f64 {
    (km * 100.0).round() / 100.0
}

/// Where to search from and how far.
#[derive(Debug, Clone, Copy)]
pub struct Near {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
}

/// A mosque as the read model holds it, with its distance from the place searched from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MosqueView {
    #[serde(flatten)]
    pub mosque: hijraah_domain::community::Mosque,
    /// Kilometres from the place searched from (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

/// A community event as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityEventView {
    #[serde(flatten)]
    pub event: hijraah_domain::community::CommunityEvent,
    /// `scheduled` or `cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// Kilometres from the place searched from (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

fn body<T: serde::de::DeserializeOwned>(row: &sqlx::postgres::PgRow) -> Result<T, sqlx::Error> {
    let value: Value = row.try_get("body")?;
    serde_json::from_value(value).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

fn mosque_view(row: &sqlx::postgres::PgRow) -> Result<MosqueView, sqlx::Error> {
    Ok(MosqueView {
        mosque: body(row)?,
        distance_km: row
            .try_get::<Option<f64>, _>("distance_km")
            .ok()
            .flatten()
            .map(round_km),
    })
}

/// Mosques nearest first (within the radius), or by name without a place.
pub async fn mosques(pool: &PgPool, near: Option<Near>, limit: i64) -> Result<Vec<MosqueView>, sqlx::Error> {
    let rows = match near {
        Some(near) => {
            sqlx::query(concat!(
                "SELECT body, distance_km FROM (SELECT body, ",
                distance_sql!(),
                " AS distance_km FROM mosques) m
                 WHERE distance_km <= $3 ORDER BY distance_km, body->>'name' LIMIT $4"
            ))
            .bind(snap(near.latitude))
            .bind(snap(near.longitude))
            .bind(near.radius_km)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT body, NULL::float8 AS distance_km FROM mosques ORDER BY body->>'name', mosque_id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(mosque_view).collect()
}

pub async fn mosque(pool: &PgPool, mosque_id: Uuid) -> Result<Option<MosqueView>, sqlx::Error> {
    sqlx::query("SELECT body, NULL::float8 AS distance_km FROM mosques WHERE mosque_id = $1")
        .bind(mosque_id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(mosque_view)
        .transpose()
}

fn event_view(row: &sqlx::postgres::PgRow) -> Result<CommunityEventView, sqlx::Error> {
    Ok(CommunityEventView {
        event: body(row)?,
        status: row.try_get("status")?,
        cancel_reason: row.try_get("cancel_reason")?,
        distance_km: row
            .try_get::<Option<f64>, _>("distance_km")
            .ok()
            .flatten()
            .map(round_km),
    })
}

/// Scheduled events not yet over at `now`, soonest first, optionally within a radius.
pub async fn upcoming_events(
    pool: &PgPool,
    now: DateTime<Utc>,
    near: Option<Near>,
    limit: i64,
) -> Result<Vec<CommunityEventView>, sqlx::Error> {
    let rows = match near {
        Some(near) => {
            sqlx::query(concat!(
                "SELECT * FROM (SELECT body, status, cancel_reason, starts_at, ends_at, ",
                distance_sql!(),
                " AS distance_km
                     FROM community_events WHERE status = 'scheduled' AND coalesce(ends_at, starts_at) >= $5) e
                 WHERE distance_km <= $3 ORDER BY starts_at, distance_km LIMIT $4"
            ))
            .bind(snap(near.latitude))
            .bind(snap(near.longitude))
            .bind(near.radius_km)
            .bind(limit)
            .bind(now)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT body, status, cancel_reason, NULL::float8 AS distance_km FROM community_events
                 WHERE status = 'scheduled' AND coalesce(ends_at, starts_at) >= $1
                 ORDER BY starts_at, event_id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(event_view).collect()
}

pub async fn community_event(pool: &PgPool, event_id: Uuid) -> Result<Option<CommunityEventView>, sqlx::Error> {
    sqlx::query(
        "SELECT body, status, cancel_reason, NULL::float8 AS distance_km FROM community_events WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(event_view)
    .transpose()
}

// --- `checklists` and `custom_agents`. ---

/// A checklist item's state, as the user last marked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistMark {
    pub item_id: String,
    pub done: bool,
    pub updated_at: DateTime<Utc>,
}

pub async fn checklist_marks(pool: &PgPool, user_id: &str) -> Result<Vec<ChecklistMark>, sqlx::Error> {
    Ok(
        sqlx::query("SELECT item_id, done, updated_at FROM checklist_items WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| ChecklistMark {
                item_id: row.get("item_id"),
                done: row.get("done"),
                updated_at: row.get("updated_at"),
            })
            .collect(),
    )
}

/// The custom agents registered now; a body that no longer reads is logged and left out.
pub async fn custom_agents(pool: &PgPool) -> Result<Vec<hijraah_domain::events::CustomAgentRegistered>, sqlx::Error> {
    let rows = sqlx::query("SELECT body FROM custom_agents ORDER BY agent_id")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let body: Value = row.get("body");
            serde_json::from_value(body)
                .inspect_err(|error| tracing::error!(%error, "a custom agent registration cannot be read"))
                .ok()
        })
        .collect())
}

// --- `users`: one user's own counts (their usage, their export). ---

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub conversation_count: i64,
    pub message_count: i64,
}

pub async fn user_profile(pool: &PgPool, user_id: &str) -> Result<Option<UserProfile>, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT first_seen_at, last_seen_at, conversation_count, message_count FROM users WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .map(|row| UserProfile {
        first_seen_at: row.get("first_seen_at"),
        last_seen_at: row.get("last_seen_at"),
        conversation_count: row.get("conversation_count"),
        message_count: row.get("message_count"),
    }))
}

#[cfg(test)]
mod tests {
    use super::histogram_quantile;

    #[test]
    fn quantiles_come_from_the_bucket_that_reaches_the_rank() {
        let buckets = [(1, 50), (5, 40), (100, 9), (1000, 1)];
        assert_eq!(histogram_quantile(&buckets, 0.5), Some(1));
        assert_eq!(histogram_quantile(&buckets, 0.9), Some(5));
        assert_eq!(histogram_quantile(&buckets, 0.99), Some(100));
        assert_eq!(histogram_quantile(&buckets, 1.0), Some(1000));
        assert_eq!(histogram_quantile(&[], 0.5), None);
    }
}

/// An agent's reply as the workflows find it: its conversation and owner, its text, its agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyFound {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub owner: String,
    pub agent_type: Option<String>,
    pub content: String,
    pub confidence: Option<f64>,
}

/// An agent's reply by message id (user messages are not replies).
pub async fn reply(pool: &PgPool, message_id: Uuid) -> Result<Option<ReplyFound>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT m.message_id, m.conversation_id, c.user_id, m.agent_type, m.content, m.confidence
         FROM messages m JOIN conversations c ON c.conversation_id = m.conversation_id
         WHERE m.message_id = $1 AND m.role = 'agent'",
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| ReplyFound {
        message_id: row.get("message_id"),
        conversation_id: row.get("conversation_id"),
        owner: row.get("user_id"),
        agent_type: row.get("agent_type"),
        content: row.get("content"),
        confidence: row.get("confidence"),
    }))
}

/// The country a user's checklist was seeded for, if any.
pub async fn checklist_destination(pool: &PgPool, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT country FROM checklist_destinations WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
}

/// A workflow run as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunSummary {
    pub run_id: Uuid,
    pub definition: String,
    pub version: i32,
    pub started_by: String,
    /// `running`, `retrying`, `waiting`, `sleeping`, `completed`, `failed` or `cancelled`.
    pub status: String,
    pub current_step: Option<String>,
    pub wake_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which runs to list: a user's own (None: all), by status and definition, newest first, after a
/// cursor `(started_at, run_id)`.
pub struct RunFilter<'a> {
    pub started_by: Option<&'a str>,
    pub status: Option<&'a str>,
    pub definition: Option<&'a str>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn workflow_runs(pool: &PgPool, filter: &RunFilter<'_>) -> Result<Vec<RunSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT run_id, definition, version, started_by, status, current_step, wake_at, started_at, updated_at,
                finished_at
         FROM workflow_runs
         WHERE ($1::text IS NULL OR started_by = $1) AND ($2::text IS NULL OR status = $2)
           AND ($3::text IS NULL OR definition = $3)
           AND ($4::timestamptz IS NULL OR (started_at, run_id) < ($4, $5))
         ORDER BY started_at DESC, run_id DESC LIMIT $6",
    )
    .bind(filter.started_by)
    .bind(filter.status)
    .bind(filter.definition)
    .bind(filter.before.map(|(at, _)| at))
    .bind(filter.before.map(|(_, id)| id))
    .bind(filter.limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| RunSummary {
            run_id: row.get("run_id"),
            definition: row.get("definition"),
            version: row.get("version"),
            started_by: row.get("started_by"),
            status: row.get("status"),
            current_step: row.get("current_step"),
            wake_at: row.get("wake_at"),
            started_at: row.get("started_at"),
            updated_at: row.get("updated_at"),
            finished_at: row.get("finished_at"),
        })
        .collect())
}

/// Unfinished runs a worker should look at now: `(run_id, stream_version)`, the most overdue
/// first.
pub async fn due_runs(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT run_id, stream_version FROM workflow_runs
         WHERE finished_at IS NULL AND wake_at <= $1 ORDER BY wake_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Counts of runs by status, and how many timers are due (for the metrics).
pub async fn run_counts(pool: &PgPool, now: DateTime<Utc>) -> Result<(Vec<(String, i64)>, i64), sqlx::Error> {
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM workflow_runs GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?;
    let due: i64 = sqlx::query_scalar("SELECT count(*) FROM workflow_runs WHERE finished_at IS NULL AND wake_at <= $1")
        .bind(now)
        .fetch_one(pool)
        .await?;
    Ok((by_status, due))
}

/// The definitions admins registered (latest version of each).
pub async fn workflow_definitions(pool: &PgPool) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar("SELECT definition FROM workflow_definitions ORDER BY name")
        .fetch_all(pool)
        .await
}

/// When a run started (the list's cursor), if it is in the read model.
pub async fn run_started_at(pool: &PgPool, run_id: Uuid) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT started_at FROM workflow_runs WHERE run_id = $1")
        .bind(run_id)
        .fetch_optional(pool)
        .await
}
