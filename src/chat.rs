//! The chat command: record a user's request and the agents' replies as one append to the
//! conversation's stream, then answer once the read model includes it (read-your-writes).
//!
//! Agents run before the append, so the request, its routing and every reply commit together:
//! a chat the client saw answered is in the log whole, and one that failed left nothing behind.
//! Concurrent chats on one session race on the stream version; the loser reloads the
//! conversation and appends again, so each is recorded exactly once.

use crate::privacy::{DataKey, Vault, seal_event};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hijraah_domain::conversation::{AgentOutcome, Conversation, ConversationError, EndConversation, RecordExchange};
use hijraah_domain::events::{AgentFailed, AgentReplied, RequestRouted, UserRegistered};
use hijraah_domain::ids::{SessionId, UserId, conversation_id_for, conversation_stream_id};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_projections::Projection;
use lru::LruCache;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::agents::coordinator::DispatchFailure;
use crate::agents::{AgentRequest, Coordinator};
use crate::metrics::Metrics;
use crate::projector::Projector;
use crate::store::{AppendResult, EventStore, ExpectedVersion, StoreError};

/// How often a chat re-reads its conversation after losing a race for the stream.
const MAX_APPEND_ATTEMPTS: u32 = 64;

/// A validated chat request.
#[derive(Debug, Clone)]
pub struct ChatCommand {
    pub user_id: UserId,
    pub session_id: Option<SessionId>,
    pub content: String,
    pub language: Option<String>,
    pub context: Value,
    /// Who asked (the token's subject): equals `user_id` unless an admin acts for a user.
    pub actor: UserId,
    /// The actor's role.
    pub role: hijraah_domain::user::Role,
    pub correlation_id: Option<String>,
}

/// One agent's reply as the API returns it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AgentResponse {
    pub agent_id: String,
    /// `user_interface`, `knowledge`, `financial_services`, `community`, `migration`,
    /// `analytics`, or a registered custom agent's type.
    pub agent_type: String,
    pub response: String,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence: f64,
    /// `conversation_id`, `session_id`, `message_id`, `citations` (every text the reply quotes
    /// or relies on, by its knowledge document id), and what the agent used (inputs, parameters).
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub timestamp: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("this conversation has ended: start a new session")]
    Ended,
    #[error("this conversation belongs to another user")]
    NotOwner,
    #[error("the conversation does not exist")]
    NotFound,
    #[error("too many concurrent writers on this conversation, try again")]
    Contended,
    #[error("the conversation's history is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Privacy(#[from] crate::privacy::PrivacyError),
}

impl From<ConversationError> for ChatError {
    fn from(error: ConversationError) -> Self {
        match error {
            ConversationError::Ended => ChatError::Ended,
            ConversationError::NotOwner => ChatError::NotOwner,
            ConversationError::NotFound => ChatError::NotFound,
            other => ChatError::Corrupt(other.to_string()),
        }
    }
}

pub struct ChatService {
    /// The users' data keys: personal content is sealed before it is appended.
    vault: Vault,
    store: EventStore,
    coordinator: Arc<Coordinator>,
    /// The learned routing model, when one is promoted (else the rules route alone).
    router: Arc<crate::learn::LearnedRouter>,
    projector: Projector,
    metrics: Arc<Metrics>,
    read_your_writes_timeout: Duration,
    /// Users whose `UserRegistered` is known to be in the log (a miss costs one append).
    known_users: Mutex<LruCache<String, ()>>,
    /// Conversations as of their last append by this process, so a chat need not re-read its
    /// stream. A stale entry (another process wrote) costs one version conflict and a reload,
    /// which replaces it.
    conversations: Mutex<LruCache<String, Conversation>>,
    /// The sentence encoder, when one is attached: intents by meaning for what the rules cannot
    /// place.
    semantic: Option<Arc<crate::semantic::SemanticService>>,
}

/// The most conversations and known users held; the least recently used go first.
const CACHED_CONVERSATIONS: usize = 50_000;
const CACHED_USERS: usize = 100_000;

fn lru<V>(capacity: usize) -> Mutex<LruCache<String, V>> {
    Mutex::new(LruCache::new(
        std::num::NonZeroUsize::new(capacity).unwrap_or(std::num::NonZeroUsize::MIN),
    ))
}

impl ChatService {
    pub fn new(
        store: EventStore,
        coordinator: Arc<Coordinator>,
        router: Arc<crate::learn::LearnedRouter>,
        projector: Projector,
        metrics: Arc<Metrics>,
        read_your_writes_timeout: Duration,
        vault: Vault,
    ) -> Self {
        Self {
            vault,
            store,
            coordinator,
            router,
            projector,
            metrics,
            read_your_writes_timeout,
            known_users: lru(CACHED_USERS),
            conversations: lru(CACHED_CONVERSATIONS),
            semantic: None,
        }
    }

    /// Reads what the rules cannot place by meaning, through this encoder (once it has a model).
    pub fn with_semantic(mut self, semantic: Option<Arc<crate::semantic::SemanticService>>) -> Self {
        self.semantic = semantic;
        self
    }

    #[tracing::instrument(skip_all, fields(user_id = %command.user_id))]
    pub async fn chat(&self, command: ChatCommand) -> Result<Vec<AgentResponse>, ChatError> {
        self.ensure_registered(&command.user_id, &command.correlation_id)
            .await?;
        let session_id = command.session_id.clone().unwrap_or_else(SessionId::generate);
        let conversation_id = conversation_id_for(&command.user_id, &session_id);
        let stream_id = conversation_stream_id(conversation_id);

        // Refuse early what the aggregate would refuse anyway, before running any agent.
        let conversation = self.load_cached(&stream_id).await?;
        if conversation
            .owner()
            .is_some_and(|owner| owner != command.user_id.as_str())
        {
            return Err(ChatError::NotOwner);
        }
        if conversation.is_ended() {
            return Err(ChatError::Ended);
        }

        let language = command
            .language
            .clone()
            .unwrap_or_else(|| crate::agents::language::detect(&command.content).to_owned());
        let message_id = Uuid::now_v7();
        let mut request = AgentRequest {
            message_id,
            conversation_id,
            user_id: command.user_id.as_str().to_owned(),
            content: command.content.clone(),
            language: language.clone(),
            context: command.context.clone(),
            role: command.role,
            available_agent_types: self.coordinator.registry().agent_types(),
            asked_at: Utc::now(),
            previous: conversation.last_exchange().cloned().map(Arc::new),
            answered: Vec::new(),
            intent_by_meaning: None,
            read: Default::default(),
        };
        let mut routing = self.coordinator.route(&request);
        // A message the rules cannot place is read for meaning (the encoder's cost is paid only
        // here, and the vector is the one a question for the texts then searches with).
        if let Some(semantic) = &self.semantic
            && crate::agents::routing::wants_meaning(&request, &routing.scores)
            && let Some(reading) = semantic.read_intents(&request.content).await
        {
            routing = self.coordinator.route_with(&request, Some(&reading));
        }
        let decided = self
            .router
            .decide(&request, routing, &self.coordinator.registry().agents());
        let routing = decided.routing;
        // What the message was read as by meaning, for the user interface's own reply.
        request.intent_by_meaning = routing
            .meaning
            .as_ref()
            .filter(|meaning| meaning.applied)
            .map(|meaning| meaning.intent.clone());
        // The user's key is fetched (or made) while the agents work.
        let (dispatched, key) = tokio::join!(
            self.coordinator.dispatch(&request, &routing.selected),
            self.vault.key_for_writing(command.user_id.as_str())
        );
        let key = key?;
        let routed = RequestRouted {
            request_message_id: message_id,
            scores: routing.scores,
            selected: routing.selected.iter().map(|r| r.agent.agent_id().to_owned()).collect(),
            decision: Some(routing.decision.to_owned()),
            router: decided.router,
            shadow: decided.shadow,
            meaning: routing.meaning,
            reading: Some(request.reading().record()),
        };
        let outcomes: Vec<AgentOutcome> = dispatched
            .into_iter()
            .map(|dispatched| {
                let latency_ms = u64::try_from(dispatched.latency.as_millis()).unwrap_or(u64::MAX);
                match dispatched.result {
                    Ok(answer) => {
                        let reply_id = Uuid::now_v7();
                        let mut metadata = match answer.metadata {
                            Value::Object(map) => Value::Object(map),
                            Value::Null => json!({}),
                            other => json!({ "agent": other }),
                        };
                        metadata["conversation_id"] = json!(conversation_id);
                        metadata["session_id"] = json!(session_id.as_str());
                        metadata["message_id"] = json!(reply_id);
                        metadata["request_message_id"] = json!(message_id);
                        if metadata.get("citations").is_none() {
                            metadata["citations"] = json!([]);
                        }
                        AgentOutcome::Replied(AgentReplied {
                            message_id: reply_id,
                            request_message_id: message_id,
                            agent_id: dispatched.agent_id,
                            agent_type: dispatched.agent_type,
                            content: answer.content,
                            confidence: answer.confidence.clamp(0.0, 1.0),
                            metadata,
                            latency_ms,
                        })
                    }
                    Err(failure) => {
                        let (reason, error) = match failure {
                            DispatchFailure::TimedOut(after) => {
                                ("timeout", format!("no answer within {} ms", after.as_millis()))
                            }
                            DispatchFailure::Failed(error) => ("error", error),
                            DispatchFailure::CircuitOpen => (
                                "circuit_open",
                                "not called: the agent failed repeatedly and its circuit is open".to_owned(),
                            ),
                        };
                        AgentOutcome::Failed(AgentFailed {
                            request_message_id: message_id,
                            agent_id: dispatched.agent_id,
                            agent_type: dispatched.agent_type,
                            reason: reason.to_owned(),
                            error,
                            latency_ms,
                        })
                    }
                }
            })
            .collect();
        let exchange = RecordExchange {
            conversation_id,
            user_id: command.user_id.clone(),
            session_id: session_id.clone(),
            message_id,
            content: command.content,
            language,
            context: command.context,
            routing: routed,
            outcomes,
        };
        let (events, appended) = self
            .append_with_retry(
                &stream_id,
                conversation,
                &command.actor,
                &command.correlation_id,
                Some((&key, &command.user_id)),
                |conversation| conversation.record_exchange(exchange.clone()),
            )
            .await?;
        self.metrics.chats.fetch_add(1, Ordering::Relaxed);
        // The reply does not wait for the read models: a read of them waits instead, until they
        // hold what was acknowledged before it (`Projector::wait_for_head`, #27 item 3).

        Ok(events
            .into_iter()
            .filter_map(|event| match event {
                Event::AgentReplied(reply) => Some(AgentResponse {
                    agent_id: reply.agent_id,
                    agent_type: reply.agent_type,
                    response: reply.content,
                    confidence: reply.confidence,
                    metadata: reply.metadata,
                    timestamp: appended.recorded_at,
                }),
                _ => None,
            })
            .collect())
    }

    /// Ends a conversation; only its owner (or an admin acting for them) may.
    pub async fn end(
        &self,
        conversation_id: Uuid,
        owner: UserId,
        actor: &UserId,
        correlation_id: &Option<String>,
    ) -> Result<(), ChatError> {
        let stream_id = conversation_stream_id(conversation_id);
        let conversation = self.load_cached(&stream_id).await?;
        let command = EndConversation {
            user_id: owner,
            reason: "ended by request".to_owned(),
        };
        let (_, appended) = self
            .append_with_retry(&stream_id, conversation, actor, correlation_id, None, |conversation| {
                conversation.end(command.clone())
            })
            .await?;
        self.await_read_model(&appended).await;
        Ok(())
    }

    async fn load_cached(&self, stream_id: &str) -> Result<Conversation, ChatError> {
        let cached = self
            .conversations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(stream_id)
            .cloned();
        match cached {
            Some(conversation) => Ok(conversation),
            None => self.load(stream_id).await,
        }
    }

    fn remember(&self, stream_id: &str, conversation: Conversation) {
        self.conversations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .put(stream_id.to_owned(), conversation);
    }

    async fn load(&self, stream_id: &str) -> Result<Conversation, ChatError> {
        let mut history = self.store.read_stream(stream_id, 0).await?;
        // The aggregate remembers the last exchange's content for follow-up questions: unseal it.
        self.vault.unseal_pooled(&mut history).await?;
        let mut events = Vec::with_capacity(history.len());
        for envelope in &history {
            let event = envelope
                .decode()
                .map_err(|error| ChatError::Corrupt(error.to_string()))?;
            events.push((envelope.stream_version, event));
        }
        Ok(Conversation::from_history(
            events.iter().map(|(version, event)| (*version, event)),
        )?)
    }

    /// Brings a conversation held here up to date with what other writers (another server) appended
    /// after it: reads only the events after its version, not the whole stream again.
    async fn catch_up(&self, stream_id: &str, mut conversation: Conversation) -> Result<Conversation, ChatError> {
        let mut newer = self.store.read_stream(stream_id, conversation.version()).await?;
        self.vault.unseal_pooled(&mut newer).await?;
        let mut events = Vec::with_capacity(newer.len());
        for envelope in &newer {
            events.push(
                envelope
                    .decode()
                    .map_err(|error| ChatError::Corrupt(error.to_string()))?,
            );
        }
        match conversation.apply_new(&events) {
            Ok(()) => Ok(conversation),
            // Not a contiguous continuation (cannot happen with an append-only stream): start over.
            Err(_) => self.load(stream_id).await,
        }
    }

    /// Decides events against the conversation and appends them, re-reading and re-deciding when
    /// another writer got there first.
    async fn append_with_retry(
        &self,
        stream_id: &str,
        mut conversation: Conversation,
        actor: &UserId,
        correlation_id: &Option<String>,
        seal_for: Option<(&DataKey, &UserId)>,
        decide: impl Fn(&Conversation) -> Result<Vec<Event>, ConversationError>,
    ) -> Result<(Vec<Event>, AppendResult), ChatError> {
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let events = decide(&conversation)?;
            let mut new_events = to_new_events(&events, actor, correlation_id);
            if let Some((key, subject)) = seal_for {
                for event in &mut new_events {
                    seal_event(event, key, subject.as_str());
                }
            }
            match self
                .store
                .append(stream_id, ExpectedVersion::Exact(conversation.version()), &new_events)
                .await
            {
                Ok(appended) => {
                    self.metrics
                        .events_appended
                        .fetch_add(new_events.len() as u64, Ordering::Relaxed);
                    // The next chat on this conversation starts from here, without a re-read.
                    conversation.apply_new(&events)?;
                    self.remember(stream_id, conversation);
                    return Ok((events, appended));
                }
                Err(StoreError::Conflict { .. }) => {
                    self.metrics.append_conflicts.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(stream_id, attempt, "stream moved on, retrying the append");
                    // Spread the retries of writers that collided so they do not collide again.
                    let jitter = Uuid::new_v4().as_u128() % (1 + u128::from(attempt.min(10)) * 2);
                    tokio::time::sleep(Duration::from_millis(jitter as u64)).await;
                    conversation = self.catch_up(stream_id, conversation).await?;
                    self.remember(stream_id, conversation.clone());
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(ChatError::Contended)
    }

    async fn ensure_registered(&self, user_id: &UserId, correlation_id: &Option<String>) -> Result<(), ChatError> {
        if self.is_known(user_id) {
            return Ok(());
        }
        let event = Event::UserRegistered(UserRegistered {
            user_id: user_id.as_str().to_owned(),
        });
        let new_event = NewEvent::new(&event, metadata(user_id, correlation_id, None));
        match self
            .store
            .append(&user_id.stream_id(), ExpectedVersion::NoStream, &[new_event])
            .await
        {
            Ok(_) => self.metrics.events_appended.fetch_add(1, Ordering::Relaxed),
            // Registered before (by an earlier run or a concurrent request).
            Err(StoreError::Conflict { .. }) => 0,
            Err(other) => return Err(other.into()),
        };
        self.known_users
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .put(user_id.as_str().to_owned(), ());
        Ok(())
    }

    fn is_known(&self, user_id: &UserId) -> bool {
        self.known_users
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(user_id.as_str())
            .is_some()
    }

    async fn await_read_model(&self, appended: &AppendResult) {
        let reached = self
            .projector
            .wait_for(Projection::Conversations, appended.last, self.read_your_writes_timeout)
            .await;
        if !reached {
            tracing::warn!(
                position = appended.last.position,
                "conversation read model did not catch up in time; answering anyway"
            );
        }
    }
}

fn metadata(actor: &UserId, correlation_id: &Option<String>, causation_id: Option<Uuid>) -> EventMetadata {
    EventMetadata {
        correlation_id: correlation_id.clone(),
        causation_id,
        actor: Some(actor.as_str().to_owned()),
        extra: Default::default(),
    }
}

/// Wraps decided events for the store. Each event is caused by the user's request event, which
/// is itself caused by nothing but the HTTP request (the correlation id).
fn to_new_events(events: &[Event], actor: &UserId, correlation_id: &Option<String>) -> Vec<NewEvent> {
    let mut request_event_id = None;
    let mut new_events = Vec::with_capacity(events.len());
    for event in events {
        let new_event = NewEvent::new(event, metadata(actor, correlation_id, request_event_id));
        if matches!(event, Event::UserRequestReceived(_)) {
            request_event_id = Some(new_event.event_id);
        }
        new_events.push(new_event);
    }
    new_events
}
