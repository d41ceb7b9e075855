//! The facts of a workflow run (stream `workflow-run-{id}`) and of workflow definitions
//! (stream `workflow-definition-{name}`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::definition::Definition;

/// An admin registered a definition (or a new version of one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowDefinitionRegistered {
    pub definition: Definition,
}

/// A run began. It carries its whole definition, so it runs the version it started with
/// whatever is registered later, and replays from its own stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowStarted {
    pub run_id: Uuid,
    pub definition: Definition,
    pub input: Value,
    /// Who started it (the token's subject).
    pub started_by: String,
}

/// A worker took a step, for one attempt, until `lease_until`: another worker takes it over only
/// after that (the first one died).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepScheduled {
    pub step_id: String,
    pub attempt: u32,
    pub lease_until: DateTime<Utc>,
}

/// A step finished; its output is what every later read of the run uses, never re-executed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCompleted {
    pub step_id: String,
    pub attempt: u32,
    pub output: Value,
    pub duration_ms: u64,
}

/// An attempt of a step failed; `retry_at` is when the next attempt may start (none: no more).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepFailed {
    pub step_id: String,
    pub attempt: u32,
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<DateTime<Utc>>,
    pub duration_ms: u64,
}

/// A durable timer: a `sleep` step's end, or the deadline of a `wait_signal` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimerScheduled {
    pub step_id: String,
    pub fire_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimerFired {
    pub step_id: String,
}

/// Someone sent the run a signal (kept until a `wait_signal` step of that name takes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalReceived {
    pub name: String,
    pub payload: Value,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowCompleted {
    pub output: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowFailed {
    pub step_id: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowCancelled {
    pub by: String,
    #[serde(default)]
    pub reason: String,
}
