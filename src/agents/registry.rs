//! The registered agents and their health: requests, errors, timeouts and latency percentiles
//! over a recent window.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Agent;

/// How many recent outcomes decide an agent's status and latency percentiles.
const WINDOW: usize = 256;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Default)]
pub struct Registry {
    agents: RwLock<Vec<Arc<RegisteredAgent>>>,
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some((sorted[rank - 1] * 100.0).round() / 100.0)
}

impl Registry {
    pub fn register(&self, agent: Arc<dyn Agent>) {
        let mut agents = self.agents.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        agents.retain(|registered| registered.agent.agent_id() != agent.agent_id());
        agents.push(Arc::new(RegisteredAgent {
            agent,
            window: Mutex::new(Window::default()),
        }));
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
                let status = if recent_error_rate >= 0.5 {
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
                    },
                    timestamp: now,
                }
            })
            .collect()
    }
}

impl RegisteredAgent {
    pub fn record(&self, latency: Duration, outcome: CallOutcome<'_>) {
        let mut window = self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        window.requests += 1;
        let succeeded = matches!(outcome, CallOutcome::Succeeded);
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
