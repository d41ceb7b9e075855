//! The `Conversation` aggregate: one user's exchange with the agents, as one event stream.
//!
//! Rules: a conversation belongs to the user who started it; nothing is added after it ended;
//! its history has contiguous versions from 1.
//!
//! It also remembers its last exchange (the request and each reply's metadata), so an agent
//! that asked for a missing figure can use the earlier message's values when the answer comes:
//! the memory is folded from the conversation's own events, so it survives a restart and is the
//! same on every server.

use serde_json::Value;
use uuid::Uuid;

use crate::events::{
    AgentFailed, AgentReplied, ConversationEnded, ConversationStarted, Event, RequestRouted, UserRequestReceived,
};
use crate::ids::{SessionId, UserId};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConversationError {
    #[error("the conversation has ended")]
    Ended,
    #[error("the conversation does not exist")]
    NotFound,
    #[error("the conversation belongs to another user")]
    NotOwner,
    #[error("event version {found} follows version {current}: the history has a gap")]
    VersionGap { current: i64, found: i64 },
    #[error("event `{0}` does not belong to a conversation stream")]
    ForeignEvent(&'static str),
    #[error("a conversation must start with ConversationStarted")]
    NotStarted,
}

/// What one agent did with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentOutcome {
    Replied(AgentReplied),
    Failed(AgentFailed),
}

/// Record one exchange: the user's request, how it was routed and what each agent answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordExchange {
    pub conversation_id: Uuid,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub message_id: Uuid,
    pub content: String,
    pub language: String,
    pub context: Value,
    pub routing: RequestRouted,
    pub outcomes: Vec<AgentOutcome>,
}

/// Close a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct EndConversation {
    pub user_id: UserId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Started {
    owner: String,
    ended: bool,
}

/// One agent's reply in the last exchange: who answered and what it recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeReply {
    pub agent_type: String,
    pub metadata: Value,
}

/// The conversation's last exchange: the user's message and the replies to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LastExchange {
    pub content: String,
    pub language: String,
    pub context: Value,
    pub replies: Vec<ExchangeReply>,
}

/// The state the rules need, folded from the stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    started: Option<Started>,
    version: i64,
    last_exchange: Option<LastExchange>,
}

impl Conversation {
    /// Folds a stream's history, given as `(stream_version, event)` in order.
    pub fn from_history<'a>(history: impl IntoIterator<Item = (i64, &'a Event)>) -> Result<Self, ConversationError> {
        let mut conversation = Conversation::default();
        for (version, event) in history {
            conversation.apply(version, event)?;
        }
        Ok(conversation)
    }

    /// The stream version the next append must expect (0 for a stream with no events).
    pub fn version(&self) -> i64 {
        self.version
    }

    pub fn is_ended(&self) -> bool {
        self.started.as_ref().is_some_and(|started| started.ended)
    }

    pub fn owner(&self) -> Option<&str> {
        self.started.as_ref().map(|started| started.owner.as_str())
    }

    /// The last exchange recorded, if any.
    pub fn last_exchange(&self) -> Option<&LastExchange> {
        self.last_exchange.as_ref()
    }

    /// Advances the state past events just appended after the current version.
    pub fn apply_new(&mut self, events: &[Event]) -> Result<(), ConversationError> {
        for event in events {
            self.apply(self.version + 1, event)?;
        }
        Ok(())
    }

    fn apply(&mut self, version: i64, event: &Event) -> Result<(), ConversationError> {
        if version != self.version + 1 {
            return Err(ConversationError::VersionGap {
                current: self.version,
                found: version,
            });
        }
        match (event, self.started.as_mut()) {
            (Event::ConversationStarted(started), None) => {
                self.started = Some(Started {
                    owner: started.user_id.clone(),
                    ended: false,
                });
            }
            (Event::ConversationStarted(_), Some(_)) => {
                return Err(ConversationError::ForeignEvent("ConversationStarted"));
            }
            (_, None) => return Err(ConversationError::NotStarted),
            (Event::ConversationEnded(_), Some(started)) => {
                started.ended = true;
                // Nothing follows an ended conversation: its last words need not be kept.
                self.last_exchange = None;
            }
            (Event::UserRequestReceived(request), Some(_)) => {
                self.last_exchange = Some(LastExchange {
                    content: request.content.clone(),
                    language: request.language.clone(),
                    context: request.context.clone(),
                    replies: Vec::new(),
                });
            }
            (Event::AgentReplied(reply), Some(_)) => {
                if let Some(exchange) = self.last_exchange.as_mut() {
                    exchange.replies.push(ExchangeReply {
                        agent_type: reply.agent_type.clone(),
                        metadata: reply.metadata.clone(),
                    });
                }
            }
            (
                Event::RequestRouted(_) | Event::AgentFailed(_) | Event::AnswerReviewed(_) | Event::FeedbackGiven(_),
                Some(_),
            ) => {}
            (other, Some(_)) => {
                return Err(ConversationError::ForeignEvent(other.event_type()));
            }
        }
        self.version = version;
        Ok(())
    }

    /// Decides the events that record an exchange. A new conversation starts with
    /// `ConversationStarted`; every outcome follows the request and its routing.
    pub fn record_exchange(&self, command: RecordExchange) -> Result<Vec<Event>, ConversationError> {
        let mut events = Vec::with_capacity(command.outcomes.len() + 3);
        match &self.started {
            Some(started) if started.owner != command.user_id.as_str() => return Err(ConversationError::NotOwner),
            Some(started) if started.ended => return Err(ConversationError::Ended),
            Some(_) => {}
            None => events.push(Event::ConversationStarted(ConversationStarted {
                conversation_id: command.conversation_id,
                user_id: command.user_id.as_str().to_owned(),
                session_id: command.session_id.as_str().to_owned(),
            })),
        }
        events.push(Event::UserRequestReceived(UserRequestReceived {
            message_id: command.message_id,
            conversation_id: command.conversation_id,
            user_id: command.user_id.as_str().to_owned(),
            content: command.content,
            language: command.language,
            context: command.context,
        }));
        events.push(Event::RequestRouted(command.routing));
        events.extend(command.outcomes.into_iter().map(|outcome| match outcome {
            AgentOutcome::Replied(reply) => Event::AgentReplied(reply),
            AgentOutcome::Failed(failure) => Event::AgentFailed(failure),
        }));
        Ok(events)
    }

    pub fn end(&self, command: EndConversation) -> Result<Vec<Event>, ConversationError> {
        match &self.started {
            None => Err(ConversationError::NotFound),
            Some(started) if started.owner != command.user_id.as_str() => Err(ConversationError::NotOwner),
            Some(started) if started.ended => Err(ConversationError::Ended),
            Some(_) => Ok(vec![Event::ConversationEnded(ConversationEnded {
                reason: command.reason,
            })]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alice() -> UserId {
        UserId::parse("alice").unwrap()
    }

    fn exchange(user: UserId, outcomes: Vec<AgentOutcome>) -> RecordExchange {
        let message_id = Uuid::from_u128(7);
        RecordExchange {
            conversation_id: Uuid::from_u128(1),
            user_id: user,
            session_id: SessionId::parse("s1").unwrap(),
            message_id,
            content: "I need prayer guidance".into(),
            language: "en".into(),
            context: Value::Null,
            routing: RequestRouted {
                request_message_id: message_id,
                scores: vec![],
                selected: vec!["ui-1".into()],
                decision: Some("selected".into()),
                router: Default::default(),
                shadow: None,
                meaning: None,
                reading: None,
            },
            outcomes,
        }
    }

    fn reply() -> AgentOutcome {
        AgentOutcome::Replied(AgentReplied {
            message_id: Uuid::from_u128(8),
            request_message_id: Uuid::from_u128(7),
            agent_id: "ui-1".into(),
            agent_type: "user_interface".into(),
            content: "prayer guidance".into(),
            confidence: 0.9,
            metadata: json!({}),
            latency_ms: 1,
        })
    }

    fn given(events: &[Event]) -> Conversation {
        Conversation::from_history(
            events
                .iter()
                .enumerate()
                .map(|(index, event)| (index as i64 + 1, event)),
        )
        .unwrap()
    }

    fn started() -> Event {
        Event::ConversationStarted(ConversationStarted {
            conversation_id: Uuid::from_u128(1),
            user_id: "alice".into(),
            session_id: "s1".into(),
        })
    }

    #[test]
    fn given_no_history_when_a_request_arrives_then_the_conversation_starts_first() {
        let events = given(&[]).record_exchange(exchange(alice(), vec![reply()])).unwrap();
        let types: Vec<_> = events.iter().map(Event::event_type).collect();
        assert_eq!(
            types,
            [
                "ConversationStarted",
                "UserRequestReceived",
                "RequestRouted",
                "AgentReplied"
            ]
        );
    }

    #[test]
    fn given_a_started_conversation_when_a_request_arrives_then_it_is_not_started_again() {
        let failure = AgentOutcome::Failed(AgentFailed {
            request_message_id: Uuid::from_u128(7),
            agent_id: "slow".into(),
            agent_type: "community".into(),
            reason: "timeout".into(),
            error: "timed out".into(),
            latency_ms: 5000,
        });
        let events = given(&[started()])
            .record_exchange(exchange(alice(), vec![reply(), failure]))
            .unwrap();
        let types: Vec<_> = events.iter().map(Event::event_type).collect();
        assert_eq!(
            types,
            ["UserRequestReceived", "RequestRouted", "AgentReplied", "AgentFailed"]
        );
    }

    #[test]
    fn given_an_ended_conversation_when_anything_arrives_then_it_is_refused() {
        let ended = Event::ConversationEnded(ConversationEnded { reason: "done".into() });
        let conversation = given(&[started(), ended]);
        assert!(conversation.is_ended());
        assert_eq!(
            conversation.record_exchange(exchange(alice(), vec![])),
            Err(ConversationError::Ended)
        );
        let end = EndConversation {
            user_id: alice(),
            reason: "again".into(),
        };
        assert_eq!(conversation.end(end), Err(ConversationError::Ended));
    }

    #[test]
    fn given_alices_conversation_when_bob_writes_then_it_is_refused() {
        let bob = UserId::parse("bob").unwrap();
        let conversation = given(&[started()]);
        assert_eq!(
            conversation.record_exchange(exchange(bob.clone(), vec![])),
            Err(ConversationError::NotOwner)
        );
        assert_eq!(
            conversation.end(EndConversation {
                user_id: bob,
                reason: "x".into()
            }),
            Err(ConversationError::NotOwner)
        );
    }

    #[test]
    fn given_no_conversation_when_ending_then_it_is_not_found() {
        let end = EndConversation {
            user_id: alice(),
            reason: "x".into(),
        };
        assert_eq!(given(&[]).end(end), Err(ConversationError::NotFound));
    }

    #[test]
    fn a_history_with_a_gap_or_without_a_start_is_rejected() {
        let request = Event::ConversationEnded(ConversationEnded { reason: "x".into() });
        let gap = Conversation::from_history([(1, &started()), (3, &request)]);
        assert_eq!(gap, Err(ConversationError::VersionGap { current: 1, found: 3 }));
        let headless = Conversation::from_history([(1, &request)]);
        assert_eq!(headless, Err(ConversationError::NotStarted));
        let twice = Conversation::from_history([(1, &started()), (2, &started())]);
        assert_eq!(twice, Err(ConversationError::ForeignEvent("ConversationStarted")));
    }

    #[test]
    fn applying_decided_events_gives_the_state_a_reload_would() {
        let mut cached = given(&[]);
        let events = cached.record_exchange(exchange(alice(), vec![reply()])).unwrap();
        cached.apply_new(&events).unwrap();
        let reloaded = Conversation::from_history(events.iter().enumerate().map(|(i, e)| (i as i64 + 1, e))).unwrap();
        assert_eq!(cached, reloaded);
        assert_eq!(cached.version(), 4);
    }

    #[test]
    fn given_an_exchange_then_the_conversation_remembers_it_until_the_next() {
        let first = given(&[]).record_exchange(exchange(alice(), vec![reply()])).unwrap();
        let mut conversation = given(&first);
        let last = conversation.last_exchange().unwrap();
        assert_eq!(last.content, "I need prayer guidance");
        assert_eq!(last.replies.len(), 1);
        assert_eq!(last.replies[0].agent_type, "user_interface");
        let mut next = exchange(alice(), vec![]);
        next.content = "thank you".into();
        let second = conversation.record_exchange(next).unwrap();
        conversation.apply_new(&second).unwrap();
        let last = conversation.last_exchange().unwrap();
        assert_eq!(last.content, "thank you");
        assert!(last.replies.is_empty());
    }

    #[test]
    fn the_version_is_the_last_applied_stream_version() {
        assert_eq!(given(&[]).version(), 0);
        assert_eq!(given(&[started()]).version(), 1);
        assert_eq!(given(&[started()]).owner(), Some("alice"));
    }
}
