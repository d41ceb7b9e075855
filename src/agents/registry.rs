//! The registered agents and their health: requests, errors, timeouts and latency percentiles
//! over a recent window.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Agent;

/// How many recent outcomes decide an agent's status and latency percentiles.
const WINDOW: usize = 256;

/// Where time comes from, so the breaker's cooldown can be tested without waiting.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// When an agent's circuit opens, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Consecutive failures (errors or timeouts) that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit refuses calls before letting one trial call through.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// The circuit breaker's state: closed (calls go through), open (calls fail fast until the
/// cooldown ends), half-open (one trial call decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Circuit {
    Closed { consecutive_failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

impl Circuit {
    fn name(self) -> &'static str {
        match self {
            Circuit::Closed { .. } => "closed",
            Circuit::Open { .. } => "open",
            Circuit::HalfOpen { .. } => "half_open",
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    requests: u64,
    errors: u64,
    timeouts: u64,
    /// Recent outcomes: (latency, succeeded).
    recent: VecDeque<(Duration, bool)>,
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
}

pub struct RegisteredAgent {
    pub agent: Arc<dyn Agent>,
    window: Mutex<Window>,
    circuit: Mutex<Circuit>,
    breaker: BreakerSettings,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentMetrics {
    pub requests: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub recent_error_rate: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// `closed`, `open` (calls fail fast) or `half_open` (a trial call decides).
    #[schema(value_type = String)]
    pub circuit: &'static str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentHealth {
    pub agent_id: String,
    pub agent_type: String,
    pub status: HealthStatus,
    pub metrics: AgentMetrics,
    pub timestamp: DateTime<Utc>,
}

/// The outcome of one call, for the metrics.
pub enum CallOutcome<'a> {
    Succeeded,
    Failed(&'a str),
    TimedOut,
}

pub struct Registry {
    agents: RwLock<Vec<Arc<RegisteredAgent>>>,
    breaker: BreakerSettings,
    clock: Arc<dyn Clock>,
    /// Bumped on every register or unregister.
    version: tokio::sync::watch::Sender<u64>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new(BreakerSettings::default(), Arc::new(SystemClock))
    }
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some((sorted[rank - 1] * 100.0).round() / 100.0)
}

impl Registry {
    pub fn new(breaker: BreakerSettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            agents: RwLock::new(Vec::new()),
            breaker,
            clock,
            version: tokio::sync::watch::Sender::new(0),
        }
    }

    pub fn register(&self, agent: Arc<dyn Agent>) {
        let mut agents = self.agents.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        agents.retain(|registered| registered.agent.agent_id() != agent.agent_id());
        agents.push(Arc::new(RegisteredAgent {
            agent,
            window: Mutex::new(Window::default()),
            circuit: Mutex::new(Circuit::Closed {
                consecutive_failures: 0,
            }),
            breaker: self.breaker,
            clock: self.clock.clone(),
        }));
        drop(agents);
        self.version.send_modify(|version| *version += 1);
    }

    /// Removes an agent; true when it was registered.
    pub fn unregister(&self, agent_id: &str) -> bool {
        let mut agents = self.agents.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = agents.len();
        agents.retain(|registered| registered.agent.agent_id() != agent_id);
        let removed = agents.len() != before;
        drop(agents);
        if removed {
            self.version.send_modify(|version| *version += 1);
        }
        removed
    }

    /// Waits until `condition` holds of the registry, re-checking after every change; false if
    /// it still does not after `timeout`.
    pub async fn wait_until(&self, condition: impl Fn(&Registry) -> bool, timeout: Duration) -> bool {
        let mut version = self.version.subscribe();
        let waited = tokio::time::timeout(timeout, async {
            loop {
                version.borrow_and_update();
                if condition(self) {
                    return;
                }
                if version.changed().await.is_err() {
                    return;
                }
            }
        });
        waited.await.is_ok() && condition(self)
    }

    pub fn agents(&self) -> Vec<Arc<RegisteredAgent>> {
        self.agents
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn agent_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.agents().iter().map(|r| r.agent.agent_type().to_owned()).collect();
        types.sort();
        types.dedup();
        types
    }

    pub fn health(&self) -> Vec<AgentHealth> {
        let now = Utc::now();
        self.agents()
            .iter()
            .map(|registered| {
                let window = registered
                    .window
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let recent_failures = window.recent.iter().filter(|(_, ok)| !ok).count();
                let recent_error_rate = if window.recent.is_empty() {
                    0.0
                } else {
                    recent_failures as f64 / window.recent.len() as f64
                };
                let circuit = registered.circuit_state();
                let status = if recent_error_rate >= 0.5 || circuit == "open" {
                    HealthStatus::Unhealthy
                } else if recent_error_rate >= 0.1 {
                    HealthStatus::Degraded
                } else {
                    HealthStatus::Healthy
                };
                let mut latencies: Vec<f64> = window
                    .recent
                    .iter()
                    .filter(|(_, ok)| *ok)
                    .map(|(latency, _)| latency.as_secs_f64() * 1000.0)
                    .collect();
                latencies.sort_by(f64::total_cmp);
                AgentHealth {
                    agent_id: registered.agent.agent_id().to_owned(),
                    agent_type: registered.agent.agent_type().to_owned(),
                    status,
                    metrics: AgentMetrics {
                        requests: window.requests,
                        errors: window.errors,
                        timeouts: window.timeouts,
                        recent_error_rate,
                        latency_p50_ms: percentile(&latencies, 0.50),
                        latency_p95_ms: percentile(&latencies, 0.95),
                        latency_p99_ms: percentile(&latencies, 0.99),
                        last_error: window.last_error.clone(),
                        last_error_at: window.last_error_at,
                        circuit,
                    },
                    timestamp: now,
                }
            })
            .collect()
    }
}

impl RegisteredAgent {
    /// Whether a call may go through now. An open circuit whose cooldown has ended lets exactly
    /// one trial call through (half-open).
    pub fn try_call(&self) -> bool {
        let mut circuit = self.circuit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match *circuit {
            Circuit::Closed { .. } => true,
            Circuit::Open { until } if self.clock.now() >= until => {
                *circuit = Circuit::HalfOpen { trial_running: true };
                true
            }
            Circuit::Open { .. } | Circuit::HalfOpen { trial_running: true } => false,
            Circuit::HalfOpen { trial_running: false } => {
                *circuit = Circuit::HalfOpen { trial_running: true };
                true
            }
        }
    }

    pub fn circuit_state(&self) -> &'static str {
        let circuit = *self.circuit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match circuit {
            // An expired open circuit is ready for its trial call.
            Circuit::Open { until } if self.clock.now() >= until => "half_open",
            other => other.name(),
        }
    }

    fn update_circuit(&self, succeeded: bool) {
        let mut circuit = self.circuit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let open = Circuit::Open {
            until: self.clock.now() + self.breaker.cooldown,
        };
        *circuit = match (*circuit, succeeded) {
            (_, true) => Circuit::Closed {
                consecutive_failures: 0,
            },
            (Circuit::Closed { consecutive_failures }, false)
                if consecutive_failures + 1 >= self.breaker.failure_threshold =>
            {
                open
            }
            (Circuit::Closed { consecutive_failures }, false) => Circuit::Closed {
                consecutive_failures: consecutive_failures + 1,
            },
            (Circuit::HalfOpen { .. } | Circuit::Open { .. }, false) => open,
        };
    }

    pub fn record(&self, latency: Duration, outcome: CallOutcome<'_>) {
        let mut window = self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        window.requests += 1;
        let succeeded = matches!(outcome, CallOutcome::Succeeded);
        self.update_circuit(succeeded);
        match outcome {
            CallOutcome::Succeeded => {}
            CallOutcome::Failed(error) => {
                window.errors += 1;
                window.last_error = Some(error.chars().take(500).collect());
                window.last_error_at = Some(Utc::now());
            }
            CallOutcome::TimedOut => {
                window.timeouts += 1;
                window.last_error = Some("timed out".to_owned());
                window.last_error_at = Some(Utc::now());
            }
        }
        if window.recent.len() == WINDOW {
            window.recent.pop_front();
        }
        window.recent.push_back((latency, succeeded));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{AgentAnswer, AgentError, AgentRequest, RouteScore};
    use futures_util::future::BoxFuture;

    struct Manual(Mutex<Instant>);

    impl Clock for Manual {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap()
        }
    }

    struct Quiet;

    impl Agent for Quiet {
        fn agent_id(&self) -> &str {
            "quiet"
        }
        fn agent_type(&self) -> &str {
            "knowledge"
        }
        fn score(&self, _: &AgentRequest) -> RouteScore {
            RouteScore {
                score: 0.0,
                reasons: vec![],
            }
        }
        fn handle<'a>(&'a self, _: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
            Box::pin(async { Err(AgentError::Failed("unused".into())) })
        }
    }

    #[test]
    fn the_circuit_opens_after_repeated_failures_and_closes_after_a_good_trial() {
        let clock = Arc::new(Manual(Mutex::new(Instant::now())));
        let registry = Registry::new(
            BreakerSettings {
                failure_threshold: 3,
                cooldown: Duration::from_secs(30),
            },
            clock.clone(),
        );
        registry.register(Arc::new(Quiet));
        let agent = registry.agents().remove(0);
        for _ in 0..2 {
            assert!(agent.try_call());
            agent.record(Duration::from_millis(1), CallOutcome::Failed("boom"));
        }
        assert_eq!(agent.circuit_state(), "closed", "two failures are not yet enough");
        assert!(agent.try_call());
        agent.record(Duration::from_millis(1), CallOutcome::TimedOut);
        assert_eq!(agent.circuit_state(), "open");
        assert!(!agent.try_call(), "an open circuit fails fast");
        assert_eq!(registry.health()[0].status, HealthStatus::Unhealthy);

        *clock.0.lock().unwrap() += Duration::from_secs(31);
        assert_eq!(agent.circuit_state(), "half_open");
        assert!(agent.try_call(), "one trial call after the cooldown");
        assert!(!agent.try_call(), "and only one at a time");
        agent.record(Duration::from_millis(1), CallOutcome::Failed("still broken"));
        assert_eq!(agent.circuit_state(), "open", "a failed trial opens it again");

        *clock.0.lock().unwrap() += Duration::from_secs(31);
        assert!(agent.try_call());
        agent.record(Duration::from_millis(1), CallOutcome::Succeeded);
        assert_eq!(agent.circuit_state(), "closed", "a good trial closes it");
        assert!(agent.try_call());
    }
}
