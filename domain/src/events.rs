//! Every fact Hijraah records. Events are named in the past tense and never change shape once
//! released: a new shape is a new `schema_version`, and [`Event::decode`] upcasts older ones.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A user appeared for the first time (the first event of `user-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRegistered {
    pub user_id: String,
}

/// A conversation began (the first event of `conversation-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationStarted {
    pub conversation_id: Uuid,
    pub user_id: String,
    pub session_id: String,
}

/// A user's message, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRequestReceived {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub user_id: String,
    pub content: String,
    /// The language the user asked in: theirs if given, else detected.
    pub language: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
}

/// One agent's score in a routing decision, with the reasons that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentScore {
    pub agent_id: String,
    pub agent_type: String,
    pub score: f64,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// The coordinator chose which agents answer a request, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRouted {
    pub request_message_id: Uuid,
    pub scores: Vec<AgentScore>,
    pub selected: Vec<String>,
    /// `selected` (agents at or above the threshold), `ambiguous` (none was, the closest
    /// candidates answered) or `no_specialist`; absent in events recorded before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

/// An agent answered a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentReplied {
    pub message_id: Uuid,
    pub request_message_id: Uuid,
    pub agent_id: String,
    pub agent_type: String,
    pub content: String,
    pub confidence: f64,
    /// What the agent used and relied on: citations, parameters, inputs.
    #[serde(default)]
    pub metadata: Value,
    pub latency_ms: u64,
}

/// An agent could not answer a request: it failed or ran out of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentFailed {
    pub request_message_id: Uuid,
    pub agent_id: String,
    pub agent_type: String,
    /// `timeout` or `error`.
    pub reason: String,
    pub error: String,
    pub latency_ms: u64,
}

/// A conversation was closed; nothing more can be added to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationEnded {
    pub reason: String,
}

/// A curator added a text to the knowledge store (the first event of `knowledge-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeDocumentAdded {
    pub document: crate::knowledge::KnowledgeDocument,
    pub content_hash: String,
}

/// A curator replaced a text with a new version (or restored a retracted one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeDocumentRevised {
    pub document: crate::knowledge::KnowledgeDocument,
    pub content_hash: String,
}

/// A curator withdrew a text: it is no longer found or quoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeDocumentRetracted {
    pub id: String,
    #[serde(default)]
    pub reason: String,
}

/// A curator published a mosque (the first event of `mosque-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MosquePublished {
    pub mosque: crate::community::Mosque,
}

/// A curator changed a mosque's details; the body is its whole new state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MosqueUpdated {
    pub mosque: crate::community::Mosque,
}

/// A curator removed a mosque (closed, or listed by mistake).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MosqueRemoved {
    pub mosque_id: Uuid,
    #[serde(default)]
    pub reason: String,
}

/// A curator published a community event (the first event of `community-event-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityEventPublished {
    pub event: crate::community::CommunityEvent,
}

/// A curator changed a community event; the body is its whole new state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityEventUpdated {
    pub event: crate::community::CommunityEvent,
}

/// A curator cancelled a community event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityEventCancelled {
    pub event_id: Uuid,
    #[serde(default)]
    pub reason: String,
}

/// A user ticked (or unticked) an item of their settling-in checklist (`checklist-{user}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItemMarked {
    pub user_id: String,
    pub item_id: String,
    pub done: bool,
}

/// An admin registered an external agent the coordinator may call over HTTP
/// (`custom-agent-{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomAgentRegistered {
    pub agent_id: String,
    pub name: String,
    pub agent_type: String,
    pub endpoint: String,
    pub keywords: Vec<String>,
    pub timeout_ms: u64,
}

/// A user's personal data was erased (by themself or an admin): their data key is destroyed, so
/// their sealed content reads as erased everywhere, and read models drop their rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserErased {
    pub user_id: String,
}

/// A curator or admin started a rebuild of the knowledge index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeReindexRequested {
    pub job_id: Uuid,
}

/// An admin removed an external agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomAgentRemoved {
    pub agent_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    UserRegistered(UserRegistered),
    ConversationStarted(ConversationStarted),
    UserRequestReceived(UserRequestReceived),
    RequestRouted(RequestRouted),
    AgentReplied(AgentReplied),
    AgentFailed(AgentFailed),
    ConversationEnded(ConversationEnded),
    KnowledgeDocumentAdded(KnowledgeDocumentAdded),
    KnowledgeDocumentRevised(KnowledgeDocumentRevised),
    KnowledgeDocumentRetracted(KnowledgeDocumentRetracted),
    MosquePublished(MosquePublished),
    MosqueUpdated(MosqueUpdated),
    MosqueRemoved(MosqueRemoved),
    CommunityEventPublished(CommunityEventPublished),
    CommunityEventUpdated(CommunityEventUpdated),
    CommunityEventCancelled(CommunityEventCancelled),
    ChecklistItemMarked(ChecklistItemMarked),
    CustomAgentRegistered(CustomAgentRegistered),
    CustomAgentRemoved(CustomAgentRemoved),
    UserErased(UserErased),
    KnowledgeReindexRequested(KnowledgeReindexRequested),
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event type `{event_type}` (schema version {schema_version})")]
    UnknownType { event_type: String, schema_version: i32 },
    #[error("event `{event_type}` v{schema_version} has an invalid body: {source}")]
    InvalidBody {
        event_type: String,
        schema_version: i32,
        source: serde_json::Error,
    },
}

impl Event {
    /// The schema version every event is written with today.
    pub const CURRENT_SCHEMA_VERSION: i32 = 1;

    pub fn event_type(&self) -> &'static str {
        match self {
            Event::UserRegistered(_) => "UserRegistered",
            Event::ConversationStarted(_) => "ConversationStarted",
            Event::UserRequestReceived(_) => "UserRequestReceived",
            Event::RequestRouted(_) => "RequestRouted",
            Event::AgentReplied(_) => "AgentReplied",
            Event::AgentFailed(_) => "AgentFailed",
            Event::ConversationEnded(_) => "ConversationEnded",
            Event::KnowledgeDocumentAdded(_) => "KnowledgeDocumentAdded",
            Event::KnowledgeDocumentRevised(_) => "KnowledgeDocumentRevised",
            Event::KnowledgeDocumentRetracted(_) => "KnowledgeDocumentRetracted",
            Event::MosquePublished(_) => "MosquePublished",
            Event::MosqueUpdated(_) => "MosqueUpdated",
            Event::MosqueRemoved(_) => "MosqueRemoved",
            Event::CommunityEventPublished(_) => "CommunityEventPublished",
            Event::CommunityEventUpdated(_) => "CommunityEventUpdated",
            Event::CommunityEventCancelled(_) => "CommunityEventCancelled",
            Event::ChecklistItemMarked(_) => "ChecklistItemMarked",
            Event::CustomAgentRegistered(_) => "CustomAgentRegistered",
            Event::CustomAgentRemoved(_) => "CustomAgentRemoved",
            Event::UserErased(_) => "UserErased",
            Event::KnowledgeReindexRequested(_) => "KnowledgeReindexRequested",
        }
    }

    pub fn schema_version(&self) -> i32 {
        Self::CURRENT_SCHEMA_VERSION
    }

    pub fn to_data(&self) -> Value {
        let result = match self {
            Event::UserRegistered(body) => serde_json::to_value(body),
            Event::ConversationStarted(body) => serde_json::to_value(body),
            Event::UserRequestReceived(body) => serde_json::to_value(body),
            Event::RequestRouted(body) => serde_json::to_value(body),
            Event::AgentReplied(body) => serde_json::to_value(body),
            Event::AgentFailed(body) => serde_json::to_value(body),
            Event::ConversationEnded(body) => serde_json::to_value(body),
            Event::KnowledgeDocumentAdded(body) => serde_json::to_value(body),
            Event::KnowledgeDocumentRevised(body) => serde_json::to_value(body),
            Event::KnowledgeDocumentRetracted(body) => serde_json::to_value(body),
            Event::MosquePublished(body) => serde_json::to_value(body),
            Event::MosqueUpdated(body) => serde_json::to_value(body),
            Event::MosqueRemoved(body) => serde_json::to_value(body),
            Event::CommunityEventPublished(body) => serde_json::to_value(body),
            Event::CommunityEventUpdated(body) => serde_json::to_value(body),
            Event::CommunityEventCancelled(body) => serde_json::to_value(body),
            Event::ChecklistItemMarked(body) => serde_json::to_value(body),
            Event::CustomAgentRegistered(body) => serde_json::to_value(body),
            Event::CustomAgentRemoved(body) => serde_json::to_value(body),
            Event::UserErased(body) => serde_json::to_value(body),
            Event::KnowledgeReindexRequested(body) => serde_json::to_value(body),
        };
        // Serialising plain structs of strings, numbers and JSON values cannot fail.
        result.unwrap_or(Value::Null)
    }

    /// Decodes a stored event, upcasting older schema versions to today's shape. Every released
    /// version stays decodable forever: add an arm here when a shape changes, never edit one.
    pub fn decode(event_type: &str, schema_version: i32, data: &Value) -> Result<Event, DecodeError> {
        fn body<T: serde::de::DeserializeOwned>(
            event_type: &str,
            schema_version: i32,
            data: &Value,
        ) -> Result<T, DecodeError> {
            T::deserialize(data).map_err(|source| DecodeError::InvalidBody {
                event_type: event_type.to_owned(),
                schema_version,
                source,
            })
        }
        let event = match (event_type, schema_version) {
            ("UserRegistered", 1) => Event::UserRegistered(body(event_type, 1, data)?),
            ("ConversationStarted", 1) => Event::ConversationStarted(body(event_type, 1, data)?),
            ("UserRequestReceived", 1) => Event::UserRequestReceived(body(event_type, 1, data)?),
            ("RequestRouted", 1) => Event::RequestRouted(body(event_type, 1, data)?),
            ("AgentReplied", 1) => Event::AgentReplied(body(event_type, 1, data)?),
            ("AgentFailed", 1) => Event::AgentFailed(body(event_type, 1, data)?),
            ("ConversationEnded", 1) => Event::ConversationEnded(body(event_type, 1, data)?),
            ("KnowledgeDocumentAdded", 1) => Event::KnowledgeDocumentAdded(body(event_type, 1, data)?),
            ("KnowledgeDocumentRevised", 1) => Event::KnowledgeDocumentRevised(body(event_type, 1, data)?),
            ("KnowledgeDocumentRetracted", 1) => Event::KnowledgeDocumentRetracted(body(event_type, 1, data)?),
            ("MosquePublished", 1) => Event::MosquePublished(body(event_type, 1, data)?),
            ("MosqueUpdated", 1) => Event::MosqueUpdated(body(event_type, 1, data)?),
            ("MosqueRemoved", 1) => Event::MosqueRemoved(body(event_type, 1, data)?),
            ("CommunityEventPublished", 1) => Event::CommunityEventPublished(body(event_type, 1, data)?),
            ("CommunityEventUpdated", 1) => Event::CommunityEventUpdated(body(event_type, 1, data)?),
            ("CommunityEventCancelled", 1) => Event::CommunityEventCancelled(body(event_type, 1, data)?),
            ("ChecklistItemMarked", 1) => Event::ChecklistItemMarked(body(event_type, 1, data)?),
            ("CustomAgentRegistered", 1) => Event::CustomAgentRegistered(body(event_type, 1, data)?),
            ("CustomAgentRemoved", 1) => Event::CustomAgentRemoved(body(event_type, 1, data)?),
            ("UserErased", 1) => Event::UserErased(body(event_type, 1, data)?),
            ("KnowledgeReindexRequested", 1) => Event::KnowledgeReindexRequested(body(event_type, 1, data)?),
            _ => {
                return Err(DecodeError::UnknownType {
                    event_type: event_type.to_owned(),
                    schema_version,
                });
            }
        };
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_event_round_trips_through_its_stored_form() {
        let id = Uuid::now_v7();
        let events = vec![
            Event::UserRegistered(UserRegistered {
                user_id: "alice".into(),
            }),
            Event::ConversationStarted(ConversationStarted {
                conversation_id: id,
                user_id: "alice".into(),
                session_id: "s".into(),
            }),
            Event::UserRequestReceived(UserRequestReceived {
                message_id: id,
                conversation_id: id,
                user_id: "alice".into(),
                content: "السلام عليكم".into(),
                language: "ar".into(),
                context: json!({"city": "Cairo"}),
            }),
            Event::RequestRouted(RequestRouted {
                request_message_id: id,
                scores: vec![AgentScore {
                    agent_id: "ui-1".into(),
                    agent_type: "user_interface".into(),
                    score: 1.0,
                    reasons: vec!["always answers".into()],
                }],
                selected: vec!["ui-1".into()],
                decision: Some("selected".into()),
            }),
            Event::AgentReplied(AgentReplied {
                message_id: id,
                request_message_id: id,
                agent_id: "ui-1".into(),
                agent_type: "user_interface".into(),
                content: "hello".into(),
                confidence: 0.93,
                metadata: json!({"citations": []}),
                latency_ms: 3,
            }),
            Event::AgentFailed(AgentFailed {
                request_message_id: id,
                agent_id: "x".into(),
                agent_type: "community".into(),
                reason: "timeout".into(),
                error: "no answer within 5s".into(),
                latency_ms: 5000,
            }),
            Event::ConversationEnded(ConversationEnded { reason: "user".into() }),
        ];
        for event in events {
            let decoded = Event::decode(event.event_type(), event.schema_version(), &event.to_data()).unwrap();
            assert_eq!(decoded, event);
        }
    }

    #[test]
    fn unknown_types_and_versions_are_refused_not_guessed() {
        assert!(matches!(
            Event::decode("UserRegistered", 2, &json!({"user_id": "a"})),
            Err(DecodeError::UnknownType { .. })
        ));
        assert!(matches!(
            Event::decode("Nope", 1, &json!({})),
            Err(DecodeError::UnknownType { .. })
        ));
        assert!(matches!(
            Event::decode("UserRegistered", 1, &json!({"user": 3})),
            Err(DecodeError::InvalidBody { .. })
        ));
    }
}
