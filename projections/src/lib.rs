//! Read models: PostgreSQL tables folded from the event log, and the queries that read them.
//!
//! Each projection applies a batch of events inside a transaction the runner owns, together with
//! its checkpoint ([`checkpoint`]), so a batch takes effect exactly once. Projections are pure
//! functions of the log: rebuilding one from the start gives the same rows as following it live.
//!
//! - [`users`], [`conversations`] (conversations and their messages), [`agent_interactions`] and
//!   [`analytics`] (counts only: no user ids, no text) write the models;
//! - [`queries`] reads them for the API.

pub mod agent_interactions;
pub mod analytics;
mod checklists;
pub mod checkpoint;
pub mod community;
pub mod conversations;
mod custom_agents;
pub mod deferred;
pub mod queries;
pub mod users;
mod workflows;

use std::fmt;
use std::str::FromStr;

use hijraah_domain::{DecodeError, Envelope, Event};
use sqlx::PgConnection;

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("read model database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event at position {position} cannot be decoded: {source}")]
    Decode { position: i64, source: DecodeError },
}

/// Every projection this crate maintains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Projection {
    Users,
    Conversations,
    AgentInteractions,
    Analytics,
    Community,
    Checklists,
    CustomAgents,
    Workflows,
}

impl Projection {
    pub const ALL: [Projection; 8] = [
        Projection::Users,
        Projection::Conversations,
        Projection::AgentInteractions,
        Projection::Analytics,
        Projection::Community,
        Projection::Checklists,
        Projection::CustomAgents,
        Projection::Workflows,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Projection::Users => "users",
            Projection::Conversations => "conversations",
            Projection::AgentInteractions => "agent_interactions",
            Projection::Analytics => "analytics",
            Projection::Community => "community",
            Projection::Checklists => "checklists",
            Projection::CustomAgents => "custom_agents",
            Projection::Workflows => "workflows",
        }
    }

    /// The event types this projection reads (it passes over the others); the runner tells the
    /// other servers which read models a batch changed by it. Every projection that holds user
    /// rows reads `UserErased`.
    pub fn reads(self, event_type: &str) -> bool {
        match self {
            Projection::Users => matches!(
                event_type,
                "UserRegistered" | "ConversationStarted" | "UserRequestReceived" | "UserErased"
            ),
            Projection::Conversations => matches!(
                event_type,
                "ConversationStarted"
                    | "ConversationEnded"
                    | "UserRequestReceived"
                    | "AgentReplied"
                    | "AnswerReviewed"
                    | "FeedbackGiven"
                    | "UserErased"
            ),
            Projection::AgentInteractions => matches!(
                event_type,
                "UserRequestReceived" | "AgentReplied" | "AgentFailed" | "UserErased"
            ),
            Projection::Analytics => true,
            Projection::Community => event_type.starts_with("Mosque") || event_type.starts_with("CommunityEvent"),
            Projection::Checklists => matches!(event_type, "ChecklistItemMarked" | "ChecklistSeeded" | "UserErased"),
            Projection::CustomAgents => event_type.starts_with("CustomAgent"),
            Projection::Workflows => {
                event_type.starts_with("Workflow")
                    || event_type.starts_with("Step")
                    || event_type.starts_with("Timer")
                    || event_type == "SignalReceived"
                    || event_type == "UserErased"
            }
        }
    }

    /// Applies a batch of decoded events, in log order, inside the caller's transaction (the
    /// live runner and rebuilds decode a batch once for every projection; each passes over the
    /// types it does not read). An erasure splits the batch: what came before it is applied,
    /// then erased, then the rest follows.
    pub async fn apply_decoded(
        self,
        connection: &mut PgConnection,
        events: &[Recorded<'_>],
    ) -> Result<(), ProjectionError> {
        let mut start = 0;
        for (index, recorded) in events.iter().enumerate() {
            if let Event::UserErased(erased) = &recorded.event {
                self.apply_segment(connection, &events[start..index]).await?;
                self.erase(connection, &erased.user_id).await?;
                start = index + 1;
            }
        }
        self.apply_segment(connection, &events[start..]).await
    }

    /// Deletes a user's rows from this projection's tables (analytics only count the erasure).
    pub async fn erase(self, connection: &mut PgConnection, user_id: &str) -> Result<(), ProjectionError> {
        let statements: &[&'static str] = match self {
            Projection::Users => &["DELETE FROM users WHERE user_id = $1"],
            Projection::Conversations => &[
                "DELETE FROM messages WHERE conversation_id IN (SELECT conversation_id FROM conversations WHERE user_id = $1)",
                "DELETE FROM conversations WHERE user_id = $1",
            ],
            Projection::AgentInteractions => &[
                "DELETE FROM agent_interactions WHERE user_id = $1",
                "DELETE FROM agent_requests WHERE user_id = $1",
            ],
            Projection::Checklists => &[
                "DELETE FROM checklist_items WHERE user_id = $1",
                "DELETE FROM checklist_destinations WHERE user_id = $1",
            ],
            Projection::Workflows => &["DELETE FROM workflow_runs WHERE started_by = $1"],
            Projection::Analytics => {
                // Counted, never named: analytics hold no user ids.
                sqlx::query(
                    "INSERT INTO analytics_totals (metric, value) VALUES ('users_erased', 1)
                     ON CONFLICT (metric) DO UPDATE SET value = analytics_totals.value + 1",
                )
                .execute(&mut *connection)
                .await?;
                &[]
            }
            Projection::Community | Projection::CustomAgents => &[],
        };
        for statement in statements.iter().copied() {
            sqlx::query(statement).bind(user_id).execute(&mut *connection).await?;
        }
        Ok(())
    }

    async fn apply_segment(
        self,
        connection: &mut PgConnection,
        events: &[Recorded<'_>],
    ) -> Result<(), ProjectionError> {
        if events.is_empty() {
            return Ok(());
        }
        match self {
            Projection::Users => users::apply(connection, events).await,
            Projection::Conversations => conversations::apply(connection, events).await,
            Projection::AgentInteractions => agent_interactions::apply(connection, events).await,
            Projection::Analytics => analytics::apply(connection, events).await,
            Projection::Community => community::apply_community(connection, events).await,
            Projection::Checklists => checklists::apply(connection, events).await,
            Projection::CustomAgents => custom_agents::apply(connection, events).await,
            Projection::Workflows => workflows::apply(connection, events).await,
        }
    }

    /// Whether it stores personal content (message text, context), so its events must be
    /// unsealed first; the others need only ids and counts.
    pub fn reads_personal_content(self) -> bool {
        matches!(self, Projection::Conversations | Projection::AgentInteractions)
    }

    /// The read-model tables this projection writes (and nothing else).
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Projection::Users => &["users"],
            Projection::Conversations => &["conversations", "messages"],
            Projection::AgentInteractions => &["agent_interactions", "agent_requests"],
            Projection::Analytics => &[
                "analytics_totals",
                "analytics_agent_types",
                "analytics_agent_latency",
                "analytics_calibration",
                "analytics_routers",
                "analytics_shadow",
                "analytics_daily",
            ],
            Projection::Community => &["mosques", "community_events"],
            Projection::Checklists => &["checklist_items", "checklist_destinations"],
            Projection::CustomAgents => &["custom_agents"],
            Projection::Workflows => &["workflow_runs", "workflow_definitions"],
        }
    }

    /// Empties the projection's tables, to rebuild them from the start of the log.
    pub async fn reset(self, connection: &mut PgConnection) -> Result<(), ProjectionError> {
        reset_all(connection, &[self]).await
    }
}

/// Empties the tables of `projections` in one statement, and their checkpoints.
pub async fn reset_all(connection: &mut PgConnection, projections: &[Projection]) -> Result<(), ProjectionError> {
    let tables: Vec<&str> = projections
        .iter()
        .flat_map(|projection| projection.tables())
        .copied()
        .collect();
    if tables.is_empty() {
        return Ok(());
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {}", tables.join(", "))))
        .execute(&mut *connection)
        .await?;
    for projection in projections {
        checkpoint::reset(connection, *projection).await?;
    }
    Ok(())
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown projection `{0}`: expected users, conversations, agent_interactions, analytics, community, checklists, custom_agents or workflows"
)]
pub struct UnknownProjection(pub String);

impl FromStr for Projection {
    type Err = UnknownProjection;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Projection::ALL
            .into_iter()
            .find(|projection| projection.name() == value)
            .ok_or_else(|| UnknownProjection(value.to_owned()))
    }
}

/// An event with the envelope it came in.
pub struct Recorded<'a> {
    pub envelope: &'a Envelope,
    pub event: Event,
}

/// A value as the JSON a read model stores (its serialization cannot fail for our types).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
