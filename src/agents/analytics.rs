//! The analytics agent: answers usage questions from the analytics read model, which holds
//! aggregates only (no user ids, no message text). Analysts and admins get the service-wide
//! figures, as `GET /api/v1/analytics` gives them; anyone else gets their own usage, from their
//! own row of the users read model, and never a figure about other users.

use futures_util::future::BoxFuture;
use hijraah_domain::user::Role;
use hijraah_projections::queries;
use serde_json::json;
use sqlx::PgPool;

use super::routing::{Keyword, kw, score_keywords};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};

const KEYWORDS: &[Keyword] = &[
    kw("analytics", 0.9),
    kw("statistics", 0.8),
    kw("stats", 0.8),
    kw("usage", 0.7),
    kw("how many conversations", 0.9),
    kw("how many messages", 0.9),
    kw("how many requests", 0.9),
    kw("how many users", 0.9),
    kw("most used agent", 0.9),
    kw("most popular", 0.5),
    kw("average confidence", 0.9),
    kw("latency", 0.7),
    kw("إحصائيات", 0.8),
];

pub struct AnalyticsAgent {
    agent_id: String,
    pool: PgPool,
}

impl AnalyticsAgent {
    pub fn new(agent_id: impl Into<String>, pool: PgPool) -> Self {
        Self {
            agent_id: agent_id.into(),
            pool,
        }
    }

    async fn own_usage(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let profile = queries::user_profile(&self.pool, &request.user_id)
            .await
            .map_err(|error| AgentError::Failed(format!("cannot read usage: {error}")))?;
        let (conversations, messages) = profile
            .map(|profile| (profile.conversation_count, profile.message_count))
            .unwrap_or_default();
        Ok(AgentAnswer {
            content: format!(
                "Your own usage: {conversations} conversations and {messages} messages with Hijraah (this one may not \
                 be counted yet). Service-wide usage statistics are for analysts; no one is shown figures about other \
                 users."
            ),
            confidence: 0.8,
            metadata: json!({"scope": "own", "conversations": conversations, "messages": messages, "citations": []}),
        })
    }

    async fn service_wide(&self) -> Result<AgentAnswer, AgentError> {
        let view = queries::analytics(&self.pool)
            .await
            .map_err(|error| AgentError::Failed(format!("cannot read analytics: {error}")))?;
        let mut by_type: Vec<(&String, &i64)> = view.requests_by_agent_type.iter().collect();
        by_type.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let lines: Vec<String> = by_type
            .iter()
            .map(|(agent_type, requests)| {
                let stats = &view.agent_types[*agent_type];
                format!(
                    "- {agent_type}: {requests} requests, {} failures, average confidence {}, latency p50 ≤ {} ms, \
                     p99 ≤ {} ms",
                    stats.failures,
                    stats.average_confidence.map_or("n/a".to_owned(), |c| format!("{c:.2}")),
                    stats.latency_ms.p50_ms.map_or("n/a".to_owned(), |v| v.to_string()),
                    stats.latency_ms.p99_ms.map_or("n/a".to_owned(), |v| v.to_string()),
                )
            })
            .collect();
        let content = format!(
            "Service-wide usage: {} users, {} conversations ({} ended), {} messages, {} requests.{}{}",
            view.total_users,
            view.total_conversations,
            view.ended_conversations,
            view.total_messages,
            view.total_requests,
            by_type
                .first()
                .map(|(agent_type, _)| format!(" The most used agent type is {agent_type}."))
                .unwrap_or_default(),
            if lines.is_empty() {
                String::new()
            } else {
                format!("\nBy agent type:\n{}", lines.join("\n"))
            }
        );
        Ok(AgentAnswer {
            content,
            confidence: 0.9,
            metadata: json!({"scope": "service", "analytics": view, "citations": []}),
        })
    }
}

impl Agent for AnalyticsAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "analytics"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        score_keywords(&request.content, KEYWORDS)
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async move {
            if matches!(request.role, Role::Analyst | Role::Admin) {
                self.service_wide().await
            } else {
                self.own_usage(request).await
            }
        })
    }
}
