//! Reads for the workflows: a reply to review, a checklist's country, runs and definitions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, Row};
use uuid::Uuid;

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
