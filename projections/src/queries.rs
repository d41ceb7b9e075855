//! Reads of the read models, shaped as the API returns them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, Row};
use uuid::Uuid;

mod community;
mod workflows;

pub use community::*;
pub use workflows::*;

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
    /// Requests routed per day (UTC) and agent type, the last 30 days with any, oldest first.
    pub requests_per_day: Vec<DailyRequests>,
    pub total_users: i64,
    pub total_conversations: i64,
    pub ended_conversations: i64,
    pub total_messages: i64,
    pub total_requests: i64,
    pub requests_by_agent_type: BTreeMap<String, i64>,
    pub agent_types: BTreeMap<String, AgentTypeStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyRequests {
    pub day: chrono::NaiveDate,
    pub agent_type: String,
    pub requests: i64,
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
    let mut connection = pool.acquire().await?;
    analytics_on(&mut connection).await
}

/// [`analytics`] on one connection: the tables its `search_path` names (an as-of replay puts
/// its own first).
pub async fn analytics_on(connection: &mut sqlx::PgConnection) -> Result<AnalyticsView, sqlx::Error> {
    let totals: BTreeMap<String, i64> = sqlx::query("SELECT metric, value FROM analytics_totals")
        .fetch_all(&mut *connection)
        .await?
        .into_iter()
        .map(|row| (row.get("metric"), row.get("value")))
        .collect();
    let mut latency: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for row in
        sqlx::query("SELECT agent_type, upper_ms, count FROM analytics_agent_latency ORDER BY agent_type, upper_ms")
            .fetch_all(&mut *connection)
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
    .fetch_all(&mut *connection)
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
    .fetch_all(&mut *connection)
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
    let requests_per_day = sqlx::query(
        "SELECT day, agent_type, requests FROM analytics_daily
         WHERE day >= (SELECT max(day) FROM analytics_daily) - 29 ORDER BY day, agent_type",
    )
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|row| DailyRequests {
        day: row.get("day"),
        agent_type: row.get("agent_type"),
        requests: row.get("requests"),
    })
    .collect();
    let total = |metric: &str| totals.get(metric).copied().unwrap_or(0);
    Ok(AnalyticsView {
        requests_per_day,
        total_users: total("users"),
        total_conversations: total("conversations"),
        ended_conversations: total("conversations_ended"),
        total_messages: total("messages"),
        total_requests: total("requests"),
        requests_by_agent_type,
        agent_types,
    })
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

/// How often a shadow model agreed with the live router.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShadowAgreement {
    pub compared: i64,
    pub agreed: i64,
    /// agreed ÷ compared, to three places, once anything was compared.
    pub rate: Option<f64>,
}

/// The shadow model's agreement so far (zero counts before any request was routed).
pub async fn shadow_agreement(pool: &PgPool, name: &str, version: &str) -> Result<ShadowAgreement, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT compared, agreed FROM analytics_shadow WHERE name = $1 AND version = $2")
            .bind(name)
            .bind(version)
            .fetch_optional(pool)
            .await?;
    let (compared, agreed) = row.unwrap_or((0, 0));
    Ok(ShadowAgreement {
        compared,
        agreed,
        rate: (compared > 0).then(|| (agreed as f64 / compared as f64 * 1000.0).round() / 1000.0),
    })
}

/// Routing decisions per router (`rules`, or `name@version`).
pub async fn router_decisions(pool: &PgPool) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT router, decisions FROM analytics_routers ORDER BY router")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().collect())
}
