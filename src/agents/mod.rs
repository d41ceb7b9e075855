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
pub mod registry;
pub mod routing;
pub mod user_interface;

use futures_util::future::BoxFuture;
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
