//! Custom agents: external services an admin registers over HTTP (name, type, endpoint,
//! routing keywords, timeout). The coordinator calls one with the request as JSON and records
//! its reply like any other agent's. A slow, failing or unreachable custom agent costs only its
//! own answer (an `AgentFailed` event), and its circuit breaker stops calling it when it keeps
//! failing. Registration and removal are events on `custom-agent-{id}`.
//!
//! The protocol: `POST <endpoint>` with
//! `{"agent_id", "agent_type", "message_id", "conversation_id", "content", "language", "context"}`
//! (no user id: an external service does not learn who asked), answered by `200` with
//! `{"response": "<text>", "confidence": 0..1, "metadata": {...}}`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use hijraah_domain::EventMetadata;
use hijraah_domain::aggregates::custom_agent::CustomAgentRecord;
use hijraah_domain::events::CustomAgentRegistered;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::Registry;
use super::routing::{combine, matches};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::projector::Projector;
use crate::store::{DecideError, EventStore, StoreError, decide};

/// Agent types served by Hijraah's own agents, which a custom agent may not claim.
pub const BUILT_IN_TYPES: &[&str] = &[
    "user_interface",
    "knowledge",
    "financial_services",
    "community",
    "migration",
    "analytics",
];

/// The largest reply we read from a custom agent.
const MAX_REPLY_BYTES: usize = 256 * 1024;
/// The longest reply text we keep.
const MAX_REPLY_CHARS: usize = 10_000;
/// How strongly one of its keywords points to a custom agent.
const KEYWORD_WEIGHT: f64 = 0.8;

/// A registration as an admin sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[schema(min_length = 2, max_length = 64, pattern = "^[a-z][a-z0-9_-]+$")]
    pub agent_id: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    #[schema(min_length = 2, max_length = 40, pattern = "^[a-z][a-z0-9_]+$")]
    pub agent_type: String,
    /// An `http://` URL the coordinator POSTs requests to: a host name or an IPv4 address, a
    /// port, a path. (The server also takes what a URL parser makes a host of, IPv6 and
    /// international names among them; the pattern keeps to what every client can write.)
    #[schema(
        example = "http://127.0.0.1:9000/answer",
        pattern = r"^http://(?:(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])|(?:[A-Za-z0-9_-]+\.)*[A-Za-z_][A-Za-z0-9_-]*\.?)(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0))?(?:/\S*)?$"
    )]
    pub endpoint: String,
    /// Words or phrases that route a request to it.
    #[schema(min_items = 1, max_items = 50, value_type = Vec<crate::http::openapi::items::Keyword>)]
    pub keywords: Vec<String>,
    #[serde(default = "default_timeout_ms", deserialize_with = "whole_milliseconds")]
    #[schema(minimum = 100, maximum = 30000, default = 5000)]
    pub timeout_ms: u64,
}

/// `timeout_ms` as JSON may write a whole number: `5000` or `5000.0`.
fn whole_milliseconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    hijraah_domain::json::whole_number(&value)
        .ok_or_else(|| serde::de::Error::custom("timeout_ms must be a whole number of milliseconds"))
}

fn default_timeout_ms() -> u64 {
    5_000
}

fn snake_case(value: &str, max: usize) -> bool {
    (2..=max).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Registration {
    /// Whether a built-in agent has this id or serves this type already: not a malformed
    /// registration, but one that conflicts with what exists.
    pub fn taken(&self, built_in_ids: &[String]) -> Option<String> {
        if built_in_ids.contains(&self.agent_id) {
            return Some(format!("agent_id `{}` belongs to a built-in agent", self.agent_id));
        }
        BUILT_IN_TYPES
            .contains(&self.agent_type.as_str())
            .then(|| format!("agent_type `{}` is served by a built-in agent", self.agent_type))
    }

    /// The event this registration becomes, or what is wrong with it.
    pub fn validate(self, built_in_ids: &[String]) -> Result<CustomAgentRegistered, String> {
        if !snake_case(&self.agent_id, 64) {
            return Err(
                "agent_id must be 2 to 64 lowercase letters, digits, `_` or `-`, starting with a letter".into(),
            );
        }
        if let Some(taken) = self.taken(built_in_ids) {
            return Err(taken);
        }
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err("name must be 1 to 100 characters, without control characters".into());
        }
        if !snake_case(&self.agent_type, 40) || self.agent_type.contains('-') {
            return Err("agent_type must be 2 to 40 lowercase letters, digits or `_`, starting with a letter".into());
        }
        let url = reqwest::Url::parse(&self.endpoint).map_err(|error| format!("endpoint is not a URL: {error}"))?;
        if url.scheme() != "http" || url.host_str().is_none() {
            return Err("endpoint must be an http:// URL with a host (this build has no TLS client)".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("endpoint must not carry credentials".into());
        }
        let keywords: Vec<String> = self.keywords.iter().map(|k| k.trim().to_lowercase()).collect();
        if keywords.is_empty()
            || keywords.len() > 50
            || keywords.iter().any(|k| k.is_empty() || k.chars().count() > 100)
        {
            return Err("keywords must be 1 to 50 words or phrases of 1 to 100 characters".into());
        }
        if !(100..=30_000).contains(&self.timeout_ms) {
            return Err("timeout_ms must be 100 to 30000".into());
        }
        Ok(CustomAgentRegistered {
            agent_id: self.agent_id,
            name,
            agent_type: self.agent_type,
            endpoint: url.to_string(),
            keywords,
            timeout_ms: self.timeout_ms,
        })
    }
}

pub fn stream_id(agent_id: &str) -> String {
    format!("custom-agent-{agent_id}")
}

#[derive(Debug, thiserror::Error)]
pub enum CustomAgentError {
    #[error("{0}")]
    Invalid(String),
    /// A built-in agent has the id or serves the type.
    #[error("{0}")]
    Taken(String),
    #[error(transparent)]
    Refused(#[from] hijraah_domain::aggregates::custom_agent::CustomAgentError),
    #[error("stored event cannot be read: {0}")]
    Corrupt(String),
    #[error("another admin changed this agent at the same time; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("custom agents read model error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<DecideError<hijraah_domain::aggregates::custom_agent::CustomAgentError>> for CustomAgentError {
    fn from(error: DecideError<hijraah_domain::aggregates::custom_agent::CustomAgentError>) -> Self {
        match error {
            DecideError::Refused(refused) => CustomAgentError::Refused(refused),
            DecideError::Corrupt(reason) => CustomAgentError::Corrupt(reason),
            DecideError::Contended => CustomAgentError::Contended,
            DecideError::Store(store) => CustomAgentError::Store(store),
        }
    }
}

/// The registrations in the `custom_agents` read model.
pub async fn load(pool: &PgPool) -> Result<Vec<CustomAgentRegistered>, sqlx::Error> {
    hijraah_projections::queries::custom_agents(pool).await
}

/// This server's custom agents: registering and removing them (each decided by the domain's
/// `CustomAgentRecord` against its stream, recorded as an event naming the admin), and
/// following those made through other servers. It owns the lock that serialises an admin's
/// change with the periodic sync, so a sync cannot re-add an agent from a list read before its
/// removal.
pub struct CustomAgents {
    store: EventStore,
    registry: Arc<Registry>,
    projector: Projector,
    client: reqwest::Client,
    read_your_writes_timeout: Duration,
    changing: tokio::sync::Mutex<()>,
}

impl CustomAgents {
    pub fn new(
        store: EventStore,
        registry: Arc<Registry>,
        projector: Projector,
        client: reqwest::Client,
        read_your_writes_timeout: Duration,
    ) -> Self {
        Self {
            store,
            registry,
            projector,
            client,
            read_your_writes_timeout,
            changing: tokio::sync::Mutex::new(()),
        }
    }

    pub async fn list(&self) -> Result<Vec<CustomAgentRegistered>, sqlx::Error> {
        load(self.store.pool()).await
    }

    /// Registers an agent (refused if the id or type belongs to a built-in agent, or it is
    /// registered already), then serves it here at once.
    pub async fn register(
        &self,
        registration: Registration,
        actor: &str,
        correlation_id: Option<&str>,
    ) -> Result<CustomAgentRegistered, CustomAgentError> {
        let built_in: Vec<String> = self
            .registry
            .agents()
            .iter()
            .filter(|registered| BUILT_IN_TYPES.contains(&registered.agent.agent_type()))
            .map(|registered| registered.agent.agent_id().to_owned())
            .collect();
        if let Some(taken) = registration.taken(&built_in) {
            return Err(CustomAgentError::Taken(taken));
        }
        let spec = registration.validate(&built_in).map_err(CustomAgentError::Invalid)?;
        let _changing = self.changing.lock().await;
        let (_, appended) = decide(
            &self.store,
            &stream_id(&spec.agent_id),
            &EventMetadata::by(actor, correlation_id),
            |record: &CustomAgentRecord| record.register(spec.clone()),
        )
        .await?;
        self.settle(appended).await;
        self.registry
            .register(Arc::new(CustomAgent::new(spec.clone(), self.client.clone())));
        tracing::info!(actor, agent_id = %spec.agent_id, "custom agent registered");
        Ok(spec)
    }

    pub async fn remove(
        &self,
        agent_id: &str,
        actor: &str,
        correlation_id: Option<&str>,
    ) -> Result<(), CustomAgentError> {
        let _changing = self.changing.lock().await;
        let (_, appended) = decide(
            &self.store,
            &stream_id(agent_id),
            &EventMetadata::by(actor, correlation_id),
            |record: &CustomAgentRecord| record.remove(agent_id),
        )
        .await?;
        self.settle(appended).await;
        self.registry.unregister(agent_id);
        tracing::info!(actor, agent_id, "custom agent removed");
        Ok(())
    }

    /// Read-your-writes: the change is in the read model before the admin gets the answer.
    async fn settle(&self, appended: Option<crate::store::AppendResult>) {
        if let Some(appended) = appended {
            self.projector
                .wait_for(
                    hijraah_projections::Projection::CustomAgents,
                    appended.last,
                    self.read_your_writes_timeout,
                )
                .await;
        }
    }

    /// Makes the registry's custom agents those of the read model: registers new or changed ones,
    /// removes removed ones. Hijraah's own agents are never touched.
    pub async fn sync(&self) -> Result<(), sqlx::Error> {
        let _changing = self.changing.lock().await;
        let wanted = load(self.store.pool()).await?;
        for registered in self.registry.agents() {
            if let Some(spec) = registered.agent.custom_spec()
                && !wanted.iter().any(|w| w.agent_id == spec.agent_id)
            {
                self.registry.unregister(&spec.agent_id);
            }
        }
        let current = self.registry.agents();
        for spec in wanted {
            let unchanged = current
                .iter()
                .any(|registered| registered.agent.custom_spec() == Some(&spec));
            if !unchanged {
                tracing::info!(agent_id = %spec.agent_id, "custom agent (re)loaded");
                self.registry
                    .register(Arc::new(CustomAgent::new(spec, self.client.clone())));
            }
        }
        Ok(())
    }
}

pub struct CustomAgent {
    spec: CustomAgentRegistered,
    client: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(alias = "content")]
    response: String,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    metadata: Value,
}

impl CustomAgent {
    pub fn new(spec: CustomAgentRegistered, client: reqwest::Client) -> Self {
        Self { spec, client }
    }

    pub fn spec(&self) -> &CustomAgentRegistered {
        &self.spec
    }

    async fn call(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let failed = |what: String| AgentError::Failed(format!("custom agent {}: {what}", self.spec.agent_id));
        let body = json!({
            "agent_id": self.spec.agent_id,
            "agent_type": self.spec.agent_type,
            "message_id": request.message_id,
            "conversation_id": request.conversation_id,
            "content": request.content,
            "language": request.language,
            "context": request.context,
        });
        let mut response = self
            .client
            .post(&self.spec.endpoint)
            .timeout(Duration::from_millis(self.spec.timeout_ms))
            .json(&body)
            .send()
            .await
            .map_err(|error| {
                failed(if error.is_timeout() {
                    format!("no answer within {} ms", self.spec.timeout_ms)
                } else {
                    "unreachable".to_owned()
                })
            })?;
        if !response.status().is_success() {
            return Err(failed(format!("answered HTTP {}", response.status().as_u16())));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| failed("the reply was cut off or too slow".to_owned()))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_REPLY_BYTES {
                return Err(failed(format!("the reply is larger than {MAX_REPLY_BYTES} bytes")));
            }
        }
        let reply: Reply = serde_json::from_slice(&bytes)
            .map_err(|error| failed(format!("the reply is not the expected JSON: {error}")))?;
        let text = reply.response.trim();
        if text.is_empty() {
            return Err(failed("the reply is empty".to_owned()));
        }
        let confidence = reply
            .confidence
            .filter(|c| c.is_finite())
            .unwrap_or(0.5)
            .clamp(0.0, 1.0);
        Ok(AgentAnswer {
            content: text.chars().take(MAX_REPLY_CHARS).collect(),
            confidence,
            // Its own metadata is kept apart: only our knowledge index backs `citations`.
            metadata: json!({
                "custom_agent": {"name": self.spec.name, "endpoint": self.spec.endpoint},
                "agent_metadata": reply.metadata,
                "citations": [],
            }),
        })
    }
}

impl Agent for CustomAgent {
    fn agent_id(&self) -> &str {
        &self.spec.agent_id
    }

    fn agent_type(&self) -> &str {
        &self.spec.agent_type
    }

    fn custom_spec(&self) -> Option<&CustomAgentRegistered> {
        Some(&self.spec)
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        let lower = request.content.to_lowercase();
        let fired: Vec<&String> = self.spec.keywords.iter().filter(|k| matches(&lower, k)).collect();
        RouteScore {
            score: combine(fired.iter().map(|_| KEYWORD_WEIGHT)),
            reasons: fired
                .iter()
                .map(|k| format!("custom keyword `{k}` ({KEYWORD_WEIGHT})"))
                .collect(),
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.call(request))
    }
}

/// How often a server re-reads the registrations, to follow those made through other servers.
pub const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    fn registration() -> Registration {
        Registration {
            agent_id: "halal-eats".into(),
            name: "Halal eats".into(),
            agent_type: "restaurants".into(),
            endpoint: "http://127.0.0.1:9000/answer".into(),
            keywords: vec!["Restaurant".into()],
            timeout_ms: 2_000,
        }
    }

    #[test]
    fn registrations_are_checked() {
        let ok = registration().validate(&["ui-1".into()]).expect("valid");
        assert_eq!(ok.keywords, ["restaurant"]);
        let error = |change: fn(&mut Registration)| {
            let mut registration = registration();
            change(&mut registration);
            registration.validate(&["ui-1".into()]).expect_err("invalid")
        };
        assert!(error(|r| r.agent_id = "ui-1".into()).contains("built-in agent"));
        assert!(error(|r| r.agent_type = "knowledge".into()).contains("built-in agent"));
        assert!(error(|r| r.endpoint = "ftp://example.org".into()).contains("http://"));
        assert!(error(|r| r.endpoint = "not a url".into()).contains("not a URL"));
        assert!(error(|r| r.keywords.clear()).contains("keywords"));
        assert!(error(|r| r.timeout_ms = 10).contains("timeout_ms"));
        assert!(error(|r| r.agent_id = "Bad Id".into()).contains("agent_id"));
    }
}
