//! Labelled examples from the log. Each user request becomes one example: what was asked (see
//! [`super::features`]) and, per agent, whether it should answer. Feedback decides where it
//! exists (the latest revision of each reply's judgment): a reply judged helpful makes its agent
//! a positive label, one judged unhelpful a negative one, and `correct_agent` names a positive.
//! Where nobody judged, the rule router's choice at the time is a weak label, weighted
//! [`WEAK_WEIGHT`], so the model first learns the rules and then where people disagree with them.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use uuid::Uuid;

use crate::events::Event;

/// The weight of a label taken from the rule router's own choice, against 1 for feedback.
pub const WEAK_WEIGHT: f64 = 0.25;

/// Agents that answer every request: never labels, never predicted.
pub const ALWAYS_ANSWERING: [&str; 1] = ["user_interface"];

/// One agent's label on one example.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    pub positive: bool,
    /// 1 from feedback, [`WEAK_WEIGHT`] from the rules.
    pub weight: f64,
}

impl Label {
    pub fn is_judged(&self) -> bool {
        self.weight >= 1.0
    }
}

/// A request with its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The log position of the request (examples are split by it: the latest are held out).
    pub position: i64,
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub text: String,
    pub language: String,
    pub context: Value,
    pub previous_agent: Option<String>,
    /// The intent it was read as by meaning, and whether that was clear (`RequestRouted`'s
    /// `meaning`), when it was.
    pub meaning: Option<(String, bool)>,
    pub labels: BTreeMap<String, Label>,
}

impl Example {
    /// Whether anybody judged a reply to it (only such examples can show the rules wrong).
    pub fn is_judged(&self) -> bool {
        self.labels.values().any(Label::is_judged)
    }

    /// The agents that should answer.
    pub fn positives(&self) -> Vec<&str> {
        self.labels
            .iter()
            .filter(|(_, label)| label.positive)
            .map(|(agent, _)| agent.as_str())
            .collect()
    }

    pub fn request(&self) -> super::features::Request<'_> {
        super::features::Request {
            text: &self.text,
            language: &self.language,
            context: &self.context,
            previous_agent: self.previous_agent.as_deref(),
            meaning: self.meaning.as_ref().map(|(intent, clear)| (intent.as_str(), *clear)),
        }
    }
}

#[derive(Default)]
struct Conversation {
    /// The last specialised agent that replied to the conversation's latest request.
    last_agent: Option<String>,
}

#[derive(Default)]
struct Judgment {
    helpful: bool,
    correct_agent: Option<String>,
    revision: u32,
}

/// Builds examples from events fed in log order. Feedback may come long after its request, so
/// examples are finished only by [`Examples::finish`].
#[derive(Default)]
pub struct Examples {
    conversations: HashMap<Uuid, Conversation>,
    examples: Vec<Example>,
    by_message: HashMap<Uuid, usize>,
    /// A reply's message id → (example index, agent type).
    replies: HashMap<Uuid, (usize, String)>,
    judgments: HashMap<Uuid, Judgment>,
}

impl Examples {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one event of the log, at its position. Personal content must be unsealed; a request
    /// whose content was erased is left out.
    pub fn push(&mut self, position: i64, event: &Event) {
        match event {
            Event::UserRequestReceived(request) => {
                if request.content == "[erased]" || request.content.trim().is_empty() {
                    return;
                }
                // The agent of the previous exchange only, as a live conversation knows it.
                let previous_agent = self
                    .conversations
                    .entry(request.conversation_id)
                    .or_default()
                    .last_agent
                    .take();
                self.by_message.insert(request.message_id, self.examples.len());
                self.examples.push(Example {
                    position,
                    message_id: request.message_id,
                    conversation_id: request.conversation_id,
                    text: request.content.clone(),
                    language: request.language.clone(),
                    context: request.context.clone(),
                    previous_agent,
                    meaning: None,
                    labels: BTreeMap::new(),
                });
            }
            Event::RequestRouted(routed) => {
                let Some(&index) = self.by_message.get(&routed.request_message_id) else {
                    return;
                };
                let type_of: HashMap<&str, &str> = routed
                    .scores
                    .iter()
                    .map(|score| (score.agent_id.as_str(), score.agent_type.as_str()))
                    .collect();
                self.examples[index].meaning = routed
                    .meaning
                    .as_ref()
                    .map(|meaning| (meaning.intent.clone(), meaning.applied));
                let labels = &mut self.examples[index].labels;
                for score in &routed.scores {
                    if !ALWAYS_ANSWERING.contains(&score.agent_type.as_str()) {
                        labels.insert(
                            score.agent_type.clone(),
                            Label {
                                positive: false,
                                weight: WEAK_WEIGHT,
                            },
                        );
                    }
                }
                for agent_id in &routed.selected {
                    if let Some(agent_type) = type_of.get(agent_id.as_str())
                        && let Some(label) = labels.get_mut(*agent_type)
                    {
                        label.positive = true;
                    }
                }
            }
            Event::AgentReplied(reply) => {
                let Some(&index) = self.by_message.get(&reply.request_message_id) else {
                    return;
                };
                // A judgment of the user interface's reply still says, through `correct_agent`,
                // which agent should have answered.
                self.replies.insert(reply.message_id, (index, reply.agent_type.clone()));
                if ALWAYS_ANSWERING.contains(&reply.agent_type.as_str()) {
                    return;
                }
                let conversation_id = self.examples[index].conversation_id;
                self.conversations.entry(conversation_id).or_default().last_agent = Some(reply.agent_type.clone());
            }
            Event::FeedbackGiven(feedback) => {
                let judgment = self.judgments.entry(feedback.message_id).or_default();
                if feedback.revision >= judgment.revision {
                    *judgment = Judgment {
                        helpful: feedback.helpful,
                        correct_agent: feedback.correct_agent.clone(),
                        revision: feedback.revision,
                    };
                }
            }
            _ => {}
        }
    }

    /// The examples, with the judgments applied, in log order.
    pub fn finish(mut self) -> Vec<Example> {
        // In reply order (ids are time-ordered), so two judgments on one request apply the same
        // way on every run.
        let mut judgments: Vec<_> = self.judgments.iter().collect();
        judgments.sort_by_key(|(reply, _)| **reply);
        for (reply, judgment) in judgments {
            let Some((index, agent_type)) = self.replies.get(reply) else {
                continue;
            };
            let labels = &mut self.examples[*index].labels;
            let always = ALWAYS_ANSWERING.contains(&agent_type.as_str());
            if !always {
                labels.insert(
                    agent_type.clone(),
                    Label {
                        positive: judgment.helpful,
                        weight: 1.0,
                    },
                );
            }
            if let Some(correct) = &judgment.correct_agent
                && !ALWAYS_ANSWERING.contains(&correct.as_str())
            {
                labels.insert(
                    correct.clone(),
                    Label {
                        positive: true,
                        weight: 1.0,
                    },
                );
                if correct != agent_type && !always {
                    labels.insert(
                        agent_type.clone(),
                        Label {
                            positive: false,
                            weight: 1.0,
                        },
                    );
                }
            }
        }
        self.examples
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::events::*;

    fn request(id: u128, conversation: u128, text: &str) -> Event {
        Event::UserRequestReceived(UserRequestReceived {
            message_id: Uuid::from_u128(id),
            conversation_id: Uuid::from_u128(conversation),
            user_id: "alice".into(),
            content: text.into(),
            language: "en".into(),
            context: Value::Null,
        })
    }

    fn routed(id: u128, selected: &[&str]) -> Event {
        let agents = ["user_interface", "financial", "knowledge", "community"];
        Event::RequestRouted(RequestRouted {
            request_message_id: Uuid::from_u128(id),
            scores: agents
                .iter()
                .map(|agent| AgentScore {
                    agent_id: format!("{agent}-1"),
                    agent_type: agent.to_string(),
                    score: 0.5,
                    reasons: vec![],
                })
                .collect(),
            selected: selected.iter().map(|agent| format!("{agent}-1")).collect(),
            decision: Some("selected".into()),
            router: RouterUsed::Rules,
            shadow: None,
            meaning: None,
            reading: None,
        })
    }

    fn replied(reply: u128, id: u128, agent: &str) -> Event {
        Event::AgentReplied(AgentReplied {
            message_id: Uuid::from_u128(reply),
            request_message_id: Uuid::from_u128(id),
            agent_id: format!("{agent}-1"),
            agent_type: agent.into(),
            content: "...".into(),
            confidence: 0.8,
            metadata: json!({}),
            latency_ms: 1,
        })
    }

    fn feedback(reply: u128, helpful: bool, correct: Option<&str>, revision: u32) -> Event {
        Event::FeedbackGiven(FeedbackGiven {
            message_id: Uuid::from_u128(reply),
            conversation_id: Uuid::from_u128(1),
            agent_type: "financial".into(),
            helpful,
            correct_agent: correct.map(str::to_owned),
            comment: String::new(),
            revision,
            previous_helpful: None,
            confidence: None,
        })
    }

    #[test]
    fn the_rules_choice_is_a_weak_label_and_the_latest_feedback_overrides_it() {
        let mut examples = Examples::new();
        let log = [
            request(10, 1, "zakat on my savings"),
            routed(10, &["user_interface", "financial"]),
            replied(11, 10, "user_interface"),
            replied(12, 10, "financial"),
            request(20, 1, "is it allowed to pay it late"),
            routed(20, &["user_interface", "financial"]),
            replied(21, 20, "financial"),
            // First judged helpful, then revised: the knowledge agent should have answered.
            feedback(21, true, None, 1),
            feedback(21, false, Some("knowledge"), 2),
        ];
        for (position, event) in log.iter().enumerate() {
            examples.push(position as i64 + 1, event);
        }
        let examples = examples.finish();
        assert_eq!(examples.len(), 2);
        let first = &examples[0];
        assert!(!first.is_judged());
        assert_eq!(first.positives(), vec!["financial"]);
        assert_eq!(first.labels["community"].weight, WEAK_WEIGHT);
        assert!(
            !first.labels.contains_key("user_interface"),
            "the user interface always answers"
        );
        let second = &examples[1];
        assert_eq!(second.previous_agent.as_deref(), Some("financial"));
        assert!(second.is_judged());
        assert_eq!(second.positives(), vec!["knowledge"]);
        assert_eq!(
            second.labels["financial"],
            Label {
                positive: false,
                weight: 1.0
            }
        );
    }

    #[test]
    fn the_intent_read_by_meaning_is_replayed_from_the_routing() {
        let mut examples = Examples::new();
        examples.push(1, &request(10, 1, "tell me about the night journey"));
        let Event::RequestRouted(mut read) = routed(10, &["user_interface", "knowledge"]) else {
            unreachable!()
        };
        read.meaning = Some(crate::events::MeaningRead {
            intent: "texts".into(),
            score: 0.87,
            margin: 0.02,
            example: "tell me about the battle of badr".into(),
            applied: true,
        });
        examples.push(2, &Event::RequestRouted(read));
        examples.push(3, &request(20, 2, "hello"));
        examples.push(4, &routed(20, &["user_interface"]));
        let examples = examples.finish();
        assert_eq!(examples[0].meaning, Some(("texts".to_owned(), true)));
        assert_eq!(examples[0].request().meaning, Some(("texts", true)));
        // Not read by meaning: no such feature.
        assert_eq!(examples[1].request().meaning, None);
    }

    #[test]
    fn erased_requests_are_left_out() {
        let mut examples = Examples::new();
        examples.push(1, &request(10, 1, "[erased]"));
        examples.push(2, &routed(10, &["financial"]));
        assert!(examples.finish().is_empty());
    }
}
