//! Routing and dispatch. Routing is deterministic: each agent scores the request with stated
//! reasons; agents that always answer (the user interface) are selected first, then every agent
//! at or above the threshold, best first. Selected agents run concurrently, each in its own task
//! with a timeout, so a slow, failing or panicking agent costs only its own answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hijraah_domain::events::AgentScore;

use crate::semantic::intents::IntentReading;

use super::registry::{CallOutcome, RegisteredAgent, Registry};
use super::{AgentAnswer, AgentRequest};

pub use super::routing::SELECTION_THRESHOLD;

pub struct Routing {
    pub scores: Vec<AgentScore>,
    pub selected: Vec<Arc<RegisteredAgent>>,
    /// `selected`, `ambiguous` or `no_specialist` (see [`super::routing::select`]).
    pub decision: &'static str,
    /// The message's intent by meaning, when it was read for it.
    pub meaning: Option<hijraah_domain::events::MeaningRead>,
}

/// Why an agent produced no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchFailure {
    TimedOut(Duration),
    Failed(String),
    /// The agent failed repeatedly and its circuit is open: not called at all.
    CircuitOpen,
}

pub struct Dispatched {
    pub agent_id: String,
    pub agent_type: String,
    pub latency: Duration,
    pub result: Result<AgentAnswer, DispatchFailure>,
}

pub struct Coordinator {
    registry: Arc<Registry>,
    timeout: Duration,
}

impl Coordinator {
    pub fn new(registry: Arc<Registry>, timeout: Duration) -> Self {
        Self { registry, timeout }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Routes by the rules alone.
    pub fn route(&self, request: &AgentRequest) -> Routing {
        self.route_with(request, None)
    }

    /// Routes by the rules, then by meaning where the rules could not place the message
    /// ([`super::routing::by_meaning`]).
    pub fn route_with(&self, request: &AgentRequest, meaning: Option<&IntentReading>) -> Routing {
        let mut scored: Vec<(Arc<RegisteredAgent>, AgentScore, bool)> = self
            .registry
            .agents()
            .into_iter()
            .map(|registered| {
                let agent = &registered.agent;
                let route = agent.score(request);
                let always = agent.always_answers();
                let score = AgentScore {
                    agent_id: agent.agent_id().to_owned(),
                    agent_type: agent.agent_type().to_owned(),
                    score: (route.score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
                    reasons: route.reasons,
                };
                (registered, score, always)
            })
            .collect();
        let mut scores: Vec<AgentScore> = scored.iter().map(|(_, score, _)| score.clone()).collect();
        super::routing::precedence(request, &mut scores);
        let meaning = meaning.and_then(|reading| {
            let best = reading.best()?;
            Some(hijraah_domain::events::MeaningRead {
                intent: best.intent.clone(),
                score: best.score,
                margin: (reading.margin() * 1000.0).round() / 1000.0,
                example: best.example.clone(),
                applied: super::routing::by_meaning(reading, &mut scores),
            })
        });
        for ((_, score, _), ranked) in scored.iter_mut().zip(scores) {
            *score = ranked;
        }
        scored.sort_by(|(_, a, a_always), (_, b, b_always)| {
            b_always
                .cmp(a_always)
                .then(b.score.total_cmp(&a.score))
                .then(a.agent_id.cmp(&b.agent_id))
        });
        let specialists: Vec<usize> = (0..scored.len()).filter(|&i| !scored[i].2).collect();
        let (chosen, decision) =
            super::routing::select(&specialists.iter().map(|&i| scored[i].1.score).collect::<Vec<_>>());
        let selected = scored
            .iter()
            .enumerate()
            .filter(|(index, (_, _, always))| *always || chosen.iter().any(|&c| specialists[c] == *index))
            .map(|(_, (registered, _, _))| registered.clone())
            .collect();
        Routing {
            scores: scored.into_iter().map(|(_, score, _)| score).collect(),
            selected,
            decision,
            meaning,
        }
    }

    /// Runs the selected agents: the specialised ones concurrently, then those that answer every
    /// request (the user interface), told which specialised agents answered, so what they say
    /// about the other replies is true. Results come back with those first, then in selection
    /// order.
    pub async fn dispatch(&self, request: &AgentRequest, selected: &[Arc<RegisteredAgent>]) -> Vec<Dispatched> {
        let (closing, specialised): (Vec<_>, Vec<_>) = selected
            .iter()
            .cloned()
            .partition(|registered| registered.agent.always_answers());
        let specialists = self.run(request, &specialised).await;
        if closing.is_empty() {
            return specialists;
        }
        let mut told = request.clone();
        told.answered = specialists
            .iter()
            .filter(|dispatched| matches!(&dispatched.result, Ok(answer) if !answer.content.trim().is_empty()))
            .map(|dispatched| dispatched.agent_type.clone())
            .collect();
        let mut all = self.run(&told, &closing).await;
        all.extend(specialists);
        all
    }

    /// Runs agents concurrently, each in its own task with the timeout; results in their order.
    async fn run(&self, request: &AgentRequest, selected: &[Arc<RegisteredAgent>]) -> Vec<Dispatched> {
        let request = Arc::new(request.clone());
        let timeout = self.timeout;
        let tasks: Vec<_> = selected
            .iter()
            .map(|registered| {
                if !registered.try_call() {
                    return (registered.clone(), None, Instant::now());
                }
                let for_task = registered.clone();
                let request = request.clone();
                let started = Instant::now();
                let task = tokio::spawn(async move {
                    let answer = tokio::time::timeout(timeout, for_task.agent.handle(&request)).await;
                    (answer, started.elapsed())
                });
                (registered.clone(), Some(task), started)
            })
            .collect();
        let mut dispatched = Vec::with_capacity(tasks.len());
        for (registered, task, started) in tasks {
            let Some(task) = task else {
                dispatched.push(Dispatched {
                    agent_id: registered.agent.agent_id().to_owned(),
                    agent_type: registered.agent.agent_type().to_owned(),
                    latency: std::time::Duration::ZERO,
                    result: Err(DispatchFailure::CircuitOpen),
                });
                continue;
            };
            let (result, latency) = match task.await {
                Ok((Ok(Ok(answer)), latency)) => {
                    registered.record(latency, CallOutcome::Succeeded);
                    (Ok(answer), latency)
                }
                Ok((Ok(Err(error)), latency)) => {
                    let message = error.to_string();
                    registered.record(latency, CallOutcome::Failed(&message));
                    (Err(DispatchFailure::Failed(message)), latency)
                }
                Ok((Err(_elapsed), latency)) => {
                    registered.record(latency, CallOutcome::TimedOut);
                    (Err(DispatchFailure::TimedOut(timeout)), latency)
                }
                Err(join_error) => {
                    let latency = started.elapsed();
                    let message = if join_error.is_panic() {
                        "the agent panicked"
                    } else {
                        "the agent was cancelled"
                    };
                    tracing::error!(agent_id = registered.agent.agent_id(), "{message}");
                    registered.record(latency, CallOutcome::Failed(message));
                    (Err(DispatchFailure::Failed(message.to_owned())), latency)
                }
            };
            dispatched.push(Dispatched {
                agent_id: registered.agent.agent_id().to_owned(),
                agent_type: registered.agent.agent_type().to_owned(),
                latency,
                result,
            });
        }
        dispatched
    }
}
