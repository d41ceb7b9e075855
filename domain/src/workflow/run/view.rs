//! A run as the API shows it: its status, each step with its attempts, output and timings, the
//! signals it received and what it waits for.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::*;

impl Run {
    pub fn view(&self, now: DateTime<Utc>) -> RunView {
        let steps = self
            .definition
            .steps
            .iter()
            .zip(&self.steps)
            .enumerate()
            .map(|(index, (step, state))| {
                let last = state.attempts.last();
                let current = self.cursor == Some(index) && self.ending.is_none();
                let status = if state.done {
                    "completed"
                } else if current {
                    match &step.kind {
                        StepKind::WaitSignal { .. } => "waiting",
                        StepKind::Sleep { .. } if state.timer.is_some() => "waiting",
                        _ if last.is_some_and(|a| a.finished_at.is_none()) => "running",
                        _ if last.is_some_and(|a| a.retry_at.is_some()) => "retrying",
                        _ => "ready",
                    }
                } else if last.is_some_and(|a| a.error.is_some()) {
                    "failed"
                } else {
                    "pending"
                };
                StepView {
                    id: step.id.clone(),
                    kind: step.kind.name().to_owned(),
                    status: status.to_owned(),
                    attempts: state.attempts.len() as u32,
                    output: state.output.clone(),
                    error: last.and_then(|attempt| attempt.error.clone()),
                    started_at: state.attempts.first().map(|attempt| attempt.started_at),
                    finished_at: state
                        .completed_at
                        .or_else(|| last.and_then(|attempt| attempt.finished_at)),
                    timer: state.timer,
                    history: state
                        .attempts
                        .iter()
                        .map(|attempt| AttemptView {
                            attempt: attempt.number,
                            started_at: attempt.started_at,
                            finished_at: attempt.finished_at,
                            duration_ms: attempt.duration_ms,
                            error: attempt.error.clone(),
                            retry_at: attempt.retry_at,
                        })
                        .collect(),
                }
            })
            .collect();
        let waiting_for = self.cursor.filter(|_| self.ending.is_none()).and_then(|index| {
            let step = &self.definition.steps[index];
            let timer = self.steps[index].timer;
            match &step.kind {
                StepKind::WaitSignal { signal, .. } if !self.has_signal(signal) => {
                    Some(json!({"signal": signal, "step": step.id, "until": timer}))
                }
                StepKind::Sleep { .. } => timer.map(|fire_at| json!({"timer": fire_at, "step": step.id})),
                _ => None,
            }
        });
        let (output, error, finished_at) = match &self.ending {
            Some((Ending::Completed(output), at)) => (Some(output.clone()), None, Some(*at)),
            Some((Ending::Failed { step_id, error }, at)) => {
                (None, Some(format!("step `{step_id}`: {error}")), Some(*at))
            }
            Some((Ending::Cancelled { by, reason }, at)) => {
                (None, Some(format!("cancelled by {by}: {reason}")), Some(*at))
            }
            None => (None, None, None),
        };
        RunView {
            run_id: self.run_id,
            definition: self.definition.name.clone(),
            version: self.definition.version,
            status: self.status().to_owned(),
            started_by: self.started_by.clone(),
            input: self.input.clone(),
            output,
            error,
            current_step: self
                .cursor
                .filter(|_| self.ending.is_none())
                .map(|index| self.definition.steps[index].id.clone()),
            steps,
            waiting_for,
            wake_at: self.wake_at(now),
            signals: self
                .signals
                .iter()
                .map(|signal| SignalView {
                    name: signal.name.clone(),
                    by: signal.by.clone(),
                    at: signal.at,
                    consumed: signal.consumed,
                })
                .collect(),
            created_at: self.started_at,
            updated_at: self.updated_at,
            finished_at,
        }
    }
}

/// A run as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunView {
    pub run_id: Uuid,
    pub definition: String,
    pub version: u32,
    /// `running`, `waiting` (for a signal or a timer), `completed`, `failed` or `cancelled`.
    pub status: String,
    pub started_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input: Value,
    /// The run's result once completed (null before).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output: Option<Value>,
    /// Why it failed, or who cancelled it.
    pub error: Option<String>,
    pub current_step: Option<String>,
    pub steps: Vec<StepView>,
    /// What the run waits for now: `{"signal": name, "step", "until"}` or `{"timer": instant,
    /// "step"}`; null when it waits for nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub waiting_for: Option<Value>,
    /// When a worker looks at the run next (null: when a signal arrives, or it has ended).
    pub wake_at: Option<DateTime<Utc>>,
    pub signals: Vec<SignalView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepView {
    pub id: String,
    pub kind: String,
    /// `pending`, `ready`, `running`, `retrying`, `waiting`, `completed` or `failed`.
    pub status: String,
    /// Attempts made (executing steps; 0 for the others).
    pub attempts: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output: Option<Value>,
    /// The last attempt's error, if it failed.
    pub error: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A sleep's end or a wait's deadline.
    pub timer: Option<DateTime<Utc>>,
    /// Each attempt with its timing.
    pub history: Vec<AttemptView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptView {
    pub attempt: u32,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignalView {
    pub name: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub consumed: bool,
}
