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
    /// What chose: `"rules"` or the learned model `{"name", "version"}` (events recorded before
    /// the learned router existed were the rules').
    #[serde(default)]
    pub router: RouterUsed,
    /// A candidate model running in shadow: what it would have chosen, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowProposal>,
    /// What the message was read to ask for by meaning (the sentence encoder against labelled
    /// examples), when the rules could not place it and a model was loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<MeaningRead>,
    /// How the message was read, once, before the agents scored it: the cues that fired and
    /// the roles of the amounts it gives (absent in events recorded before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<MessageRead>,
}

/// What one reading of a message found (#23): no values of the user's (no amounts, no places),
/// only which of the rules' cues fired and what roles the amounts were read in, so an analyst
/// can see why a message went where it did without opening the sealed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRead {
    pub language: String,
    /// The cue of each kind that fired, by kind: `greeting`, `prayer`, `practice`, `ruling`,
    /// `follow_up`, `prayer_times`, `calendar`.
    pub cues: std::collections::BTreeMap<String, String>,
    /// The roles of the amounts read (`cash`, `gold_price_per_gram`, `debts_due_now`, `income`,
    /// `persons`…), one per amount.
    pub amounts: Vec<String>,
    /// The parts of the places named, in order (`city_from`, `city_to`, `city_at`, `city_faced`,
    /// `country_at`…), one per place; not the places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// What holds of it: `question`, `supplication`, `mentions_religion`, `zakat_al_fitr`,
    /// `zakat_recipients`, `computing`, `names_a_city`.
    pub flags: Vec<String>,
}

/// A message's best intent by meaning, and whether it changed the routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeaningRead {
    pub intent: String,
    /// Mean cosine of the intent's closest examples.
    pub score: f32,
    /// Its lead over the best intent of another agent (or of none).
    pub margin: f32,
    /// Its closest example.
    pub example: String,
    /// Whether it was clear enough to change which agents answer.
    pub applied: bool,
}

/// The router that made a decision: written `"rules"`, or the model as `{"name", "version"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RouterUsed {
    #[default]
    Rules,
    Model(ModelRef),
}

impl Serialize for RouterUsed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RouterUsed::Rules => serializer.serialize_str("rules"),
            RouterUsed::Model(model) => model.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for RouterUsed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(deserializer)? {
            Value::String(text) if text == "rules" => Ok(RouterUsed::Rules),
            Value::Null => Ok(RouterUsed::Rules),
            other => ModelRef::deserialize(other)
                .map(RouterUsed::Model)
                .map_err(|error| D::Error::custom(format!("router: {error}"))),
        }
    }
}

/// A learned routing model: its name and its version, the hash of its file's content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelRef {
    pub name: String,
    pub version: String,
}

/// What a shadow model would have chosen (agent types, best first), and whether that was the
/// live router's choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowProposal {
    pub name: String,
    pub version: String,
    pub agents: Vec<String>,
    pub agrees: bool,
}

/// An admin promoted a learned routing model (stream `router`): from now on it proposes the
/// agents on every server, within the rules' hard constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterModelPromoted {
    pub name: String,
    pub version: String,
    /// The model's and the rules' scores on the held-out examples when it was promoted.
    pub metrics: Value,
    /// The last log position its training read.
    pub trained_until: i64,
    pub promoted_by: String,
}

/// An admin returned routing to the rules (stream `router`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterRolledBack {
    /// The model that was active, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<ModelRef>,
    pub by: String,
}

/// An admin set a candidate model to run in shadow beside the live router (stream `router`), or
/// stopped it (`model` null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterShadowSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRef>,
    pub by: String,
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

/// A curator recorded a grader's verdict on a hadith, beside any it carries. It applies to the
/// document until it is retracted, across revisions of its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeDocumentGraded {
    pub id: String,
    pub grade: crate::grades::Grade,
}

/// A curator withdrew a text: it is no longer found or quoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeDocumentRetracted {
    pub id: String,
    #[serde(default)]
    pub reason: String,
}

/// A curator described an edition, or changed whether the agents may quote it (the first
/// event of `edition-{id}` records it; each later one is its whole new state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeEditionRecorded {
    pub edition: crate::editions::Edition,
    /// Whether the agents may quote its texts.
    pub quotable: bool,
    /// Why, when the curator said.
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

/// A user's checklist was set up for a destination (by the relocation onboarding workflow).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistSeeded {
    pub user_id: String,
    /// ISO 3166 code of the country settled in.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<Uuid>,
}

/// The conversation's owner judged an agent's reply (recorded on the conversation's stream).
/// Giving it again records a revision: `previous_helpful` is what the last one said, so counts
/// folded from the log move rather than add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackGiven {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    /// The agent type of the reply judged.
    pub agent_type: String,
    pub helpful: bool,
    /// The agent that should have answered, in the owner's view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_agent: Option<String>,
    /// Personal content: sealed like messages.
    #[serde(default)]
    pub comment: String,
    /// 1 for the first feedback on this reply, then 2, 3...
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_helpful: Option<bool>,
    /// The confidence the agent gave the reply (for calibration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// A curator's verdict on an agent's reply (the `answer_review` workflow), recorded on the
/// conversation's stream beside the reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerReviewed {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    /// `approved`, `corrected`, `rejected`, or `timed_out` (no verdict in time).
    pub verdict: String,
    #[serde(default)]
    pub note: String,
    /// Who gave the verdict (empty when it timed out).
    #[serde(default)]
    pub reviewer: String,
    pub run_id: Uuid,
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

/// An operator imported a sentence encoder's model file (stream `encoder-model`). The bytes are
/// kept once in `model_files` under their sha256; the latest of these events names the model
/// every server uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderModelImported {
    pub sha256: String,
    /// The file's name as imported (`e5-small-q4.bin`).
    pub name: String,
    pub size_bytes: u64,
    pub dimensions: u64,
}

/// An admin removed an external agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomAgentRemoved {
    pub agent_id: String,
}

pub use crate::workflow::events::*;

/// Declares the `Event` enum over the event structs (each variant named as its struct, which is
/// also its stored type name) with their stored names, bodies and decoders at schema version 1.
macro_rules! events {
    ($($name:ident),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $($name($name),)*
        }

        impl Event {
            pub fn event_type(&self) -> &'static str {
                match self {
                    $(Event::$name(_) => stringify!($name),)*
                }
            }

            pub fn to_data(&self) -> Value {
                let result = match self {
                    $(Event::$name(body) => serde_json::to_value(body),)*
                };
                // Serialising plain structs of strings, numbers and JSON values cannot fail.
                result.unwrap_or(Value::Null)
            }

            /// Today's shape of each type: `None` for a type this build does not know.
            fn decode_current(event_type: &str, data: &Value) -> Option<Result<Event, serde_json::Error>> {
                match event_type {
                    $(stringify!($name) => Some($name::deserialize(data).map(Event::$name)),)*
                    _ => None,
                }
            }

            /// [`Event::decode_current`] from the stored JSON text, with no `Value` tree between.
            fn decode_current_text(event_type: &str, text: &str) -> Option<Result<Event, serde_json::Error>> {
                match event_type {
                    $(stringify!($name) => Some(serde_json::from_str::<$name>(text).map(Event::$name)),)*
                    _ => None,
                }
            }
        }
    };
}

events! {
    UserRegistered,
    ConversationStarted,
    UserRequestReceived,
    RequestRouted,
    AgentReplied,
    AgentFailed,
    ConversationEnded,
    KnowledgeDocumentAdded,
    KnowledgeDocumentRevised,
    KnowledgeDocumentRetracted,
    KnowledgeDocumentGraded,
    KnowledgeEditionRecorded,
    MosquePublished,
    MosqueUpdated,
    MosqueRemoved,
    CommunityEventPublished,
    CommunityEventUpdated,
    CommunityEventCancelled,
    ChecklistItemMarked,
    ChecklistSeeded,
    CustomAgentRegistered,
    CustomAgentRemoved,
    UserErased,
    KnowledgeReindexRequested,
    EncoderModelImported,
    AnswerReviewed,
    FeedbackGiven,
    RouterModelPromoted,
    RouterRolledBack,
    RouterShadowSet,
    WorkflowDefinitionRegistered,
    WorkflowStarted,
    StepScheduled,
    StepCompleted,
    StepFailed,
    TimerScheduled,
    TimerFired,
    SignalReceived,
    WorkflowCompleted,
    WorkflowFailed,
    WorkflowCancelled,
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
    pub const CURRENT_SCHEMA_VERSION: i32 = 1;

    pub fn schema_version(&self) -> i32 {
        Self::CURRENT_SCHEMA_VERSION
    }

    /// Decodes a stored event, upcasting older schema versions to today's shape. Every released
    /// version stays decodable forever: when a shape changes, its old version gets an arm here
    /// that upcasts it, never an edit of the current one.
    pub fn decode(event_type: &str, schema_version: i32, data: &Value) -> Result<Event, DecodeError> {
        Self::decode_with(event_type, schema_version, || Self::decode_current(event_type, data))
    }

    /// [`Event::decode`] from the stored JSON text: the same event, without building a
    /// `serde_json::Value` first. A replay reads most of the log this way; the tree and its
    /// freeing were a third of its own CPU.
    pub fn decode_text(event_type: &str, schema_version: i32, text: &str) -> Result<Event, DecodeError> {
        Self::decode_with(event_type, schema_version, || {
            Self::decode_current_text(event_type, text)
        })
    }

    /// Refuses versions this build does not know, and names the type of a body that fails.
    fn decode_with(
        event_type: &str,
        schema_version: i32,
        decode_current: impl FnOnce() -> Option<Result<Event, serde_json::Error>>,
    ) -> Result<Event, DecodeError> {
        let unknown = || DecodeError::UnknownType {
            event_type: event_type.to_owned(),
            schema_version,
        };
        if schema_version != Self::CURRENT_SCHEMA_VERSION {
            return Err(unknown());
        }
        match decode_current() {
            Some(Ok(event)) => Ok(event),
            Some(Err(source)) => Err(DecodeError::InvalidBody {
                event_type: event_type.to_owned(),
                schema_version,
                source,
            }),
            None => Err(unknown()),
        }
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
                router: RouterUsed::Rules,
                shadow: None,
                meaning: None,
                reading: None,
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
            let text = event.to_data().to_string();
            let from_text = Event::decode_text(event.event_type(), event.schema_version(), &text).unwrap();
            assert_eq!(from_text, event, "{text}");
        }
    }

    #[test]
    fn decoding_the_stored_text_reads_what_decoding_its_json_tree_reads() {
        // Stored bodies as older writers left them: fields omitted (defaults), fields no longer
        // read (ignored), numbers written as integers where a float is read, nulls.
        let stored = [
            (
                "UserRequestReceived",
                json!({"message_id": Uuid::nil(), "conversation_id": Uuid::nil(),
                "user_id": "u", "content": "enc:v2:abc", "language": "ar", "retired_field": [1, 2]}),
            ),
            (
                "UserRequestReceived",
                json!({"message_id": Uuid::nil(), "conversation_id": Uuid::nil(),
                "user_id": "u", "content": "سلام", "language": "ar", "context": {"city": "Amman"}}),
            ),
            (
                "AgentReplied",
                json!({"message_id": Uuid::nil(), "request_message_id": Uuid::nil(),
                "agent_id": "k", "agent_type": "knowledge", "content": "…", "confidence": 1, "latency_ms": 3}),
            ),
            (
                "FeedbackGiven",
                json!({"message_id": Uuid::nil(), "agent_type": "knowledge", "helpful": true}),
            ),
            (
                "AnswerReviewed",
                json!({"message_id": Uuid::nil(), "verdict": "approved", "reviewer": "c",
                "run_id": Uuid::nil(), "note": null}),
            ),
            ("UserRegistered", json!({"user": 3})),
            ("UserRegistered", json!(null)),
            ("Nope", json!({})),
        ];
        for (event_type, body) in stored {
            let from_tree = Event::decode(event_type, 1, &body);
            let from_text = Event::decode_text(event_type, 1, &body.to_string());
            match (&from_tree, &from_text) {
                (Ok(tree), Ok(text)) => assert_eq!(tree, text, "{event_type} {body}"),
                (Err(DecodeError::UnknownType { .. }), Err(DecodeError::UnknownType { .. }))
                | (Err(DecodeError::InvalidBody { .. }), Err(DecodeError::InvalidBody { .. })) => {}
                _ => panic!("{event_type} {body}: tree {from_tree:?}, text {from_text:?}"),
            }
        }
        assert!(matches!(
            Event::decode_text("UserRegistered", 2, r#"{"user_id": "a"}"#),
            Err(DecodeError::UnknownType { .. })
        ));
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
