//! The agents that answer users, and the machinery around them.
//!
//! - [`Agent`]: what every agent implements: a routing score for a request, and an answer.
//! - [`registry`]: the registered agents with their health metrics.
//! - [`coordinator`]: routes a request to agents and runs them concurrently, each with a timeout.
//! - [`user_interface`]: the agent that answers first, in the user's language.
//! - [`language`]: script-based language detection.

pub mod analytics;
pub mod community;
pub mod coordinator;
pub mod custom;
pub mod financial;
pub mod knowledge;
pub mod language;
pub mod migration;
pub mod reading;
pub mod registry;
pub mod routing;
#[cfg(test)]
mod routing_snapshot;
pub mod user_interface;
pub mod workflow;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use hijraah_domain::conversation::LastExchange;
use serde_json::Value;
use uuid::Uuid;

pub use coordinator::Coordinator;
pub use registry::Registry;

/// What an agent is asked.
#[derive(Debug, Clone)]
pub struct AgentRequest {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub user_id: String,
    pub content: String,
    pub language: String,
    pub context: Value,
    /// The role of whoever asked (an admin acting for a user keeps the admin role), so an agent
    /// can keep to what that role may see.
    pub role: hijraah_domain::user::Role,
    /// The agent types registered right now, so an agent can say who else answers.
    pub available_agent_types: Vec<String>,
    /// When the question was asked: "today" for the agents, unless `context.date` says otherwise.
    pub asked_at: DateTime<Utc>,
    /// The conversation's previous exchange, folded from its events (so a follow-up such as "90
    /// dollars a gram" can complete the calculation the financial agent asked a figure for).
    pub previous: Option<Arc<LastExchange>>,
    /// For the agents that answer last (the user interface): the specialised agents that did
    /// answer this request, so nothing is promised that is not in the same response.
    pub answered: Vec<String>,
    /// The intent the message was read as by meaning, when that reading was clear enough to
    /// route by (`RequestRouted.meaning.applied`): so the user interface greets a greeting the
    /// rules do not know («شو أخبارك؟») instead of calling it out of scope.
    pub intent_by_meaning: Option<String>,
    /// The message read once, the first time an agent or the coordinator asks ([`Self::reading`]);
    /// `Default::default()` when a request is made.
    pub read: OnceLock<Arc<reading::Reading>>,
}

#[cfg(test)]
impl AgentRequest {
    /// A first message from `alice`, in English, asked at noon UTC on 29 November 2026: the
    /// request the agents' unit tests score and answer.
    pub(crate) fn first_message(content: &str) -> Self {
        use chrono::TimeZone;
        Self {
            message_id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            user_id: "alice".into(),
            content: content.into(),
            language: "en".into(),
            context: Value::Null,
            role: hijraah_domain::user::Role::User,
            available_agent_types: vec![],
            asked_at: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
            previous: None,
            answered: vec![],
            intent_by_meaning: None,
            read: Default::default(),
        }
    }
}

impl AgentRequest {
    /// The day the question is asked on: `context.date` (YYYY-MM-DD) when given, else the
    /// request's time in `timezone` (UTC when unknown).
    pub fn today(&self, timezone: Option<Tz>) -> NaiveDate {
        self.context
            .get("date")
            .and_then(Value::as_str)
            .and_then(|date| NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok())
            .unwrap_or_else(|| self.asked_at.with_timezone(&timezone.unwrap_or(Tz::UTC)).date_naive())
    }

    pub fn in_arabic(&self) -> bool {
        self.language == "ar" || self.language.starts_with("ar-")
    }

    /// The message read once for every agent: its cues, amounts with their roles, the city it
    /// names, the computation or ruling it asks for ([`reading::Reading`]).
    pub fn reading(&self) -> &reading::Reading {
        self.read.get_or_init(|| {
            Arc::new(reading::Reading::new(
                &self.content,
                &self.language,
                self.today(None),
                self.previous.is_some(),
            ))
        })
    }

    /// Why this message continues the previous exchange ("and dhuhr?", «وفي دمشق؟»), or `None`
    /// for a first message and for a question of its own.
    pub fn follow_up(&self) -> Option<&'static str> {
        self.reading().follow_up
    }

    /// The specialised agents that answered the previous exchange.
    pub fn previous_specialists(&self) -> Vec<&str> {
        self.previous
            .as_ref()
            .map(|previous| {
                previous
                    .replies
                    .iter()
                    .map(|reply| reply.agent_type.as_str())
                    .filter(|agent_type| *agent_type != "user_interface")
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The previous exchange's reply of an agent type, if it answered.
    pub fn previous_reply(&self, agent_type: &str) -> Option<&Value> {
        self.previous
            .as_ref()?
            .replies
            .iter()
            .find(|reply| reply.agent_type == agent_type)
            .map(|reply| &reply.metadata)
    }
}

/// An agent's answer. `metadata` records what it used (citations, parameters, inputs).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentAnswer {
    pub content: String,
    pub confidence: f64,
    pub metadata: Value,
}

/// How strongly an agent wants a request, and why (recorded in `RequestRouted`).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteScore {
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Failed(String),
}

pub trait Agent: Send + Sync {
    fn agent_id(&self) -> &str;
    fn agent_type(&self) -> &str;
    /// Always answers, whatever the scores (the user interface agent).
    fn always_answers(&self) -> bool {
        false
    }
    /// A custom agent's registration (None for Hijraah's own agents).
    fn custom_spec(&self) -> Option<&hijraah_domain::events::CustomAgentRegistered> {
        None
    }
    fn score(&self, request: &AgentRequest) -> RouteScore;
    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>>;
}
