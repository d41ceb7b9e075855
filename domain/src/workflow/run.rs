//! A workflow run as its stream tells it, and what should happen next. The run is replayed from
//! its events every time a worker looks at it: a completed step's recorded output is what the run
//! goes on with, so nothing completed is ever executed again. Deciding is pure: given the run and
//! the time, [`Run::next`] says which events to record, which step to execute (a worker records
//! `StepScheduled` first, under optimistic concurrency, so two workers never both do it), or until
//! when there is nothing to do.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::definition::{Definition, END, StepKind};
use super::events::*;
use super::template;
use crate::Event;

mod view;

pub use view::{AttemptView, RunView, SignalView, StepView};

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepState {
    pub attempts: Vec<Attempt>,
    pub output: Option<Value>,
    pub completed_at: Option<DateTime<Utc>>,
    pub timer: Option<DateTime<Utc>>,
    pub timer_fired: bool,
    /// Completed in the current pass (a loop starts its steps afresh).
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub name: String,
    pub payload: Value,
    pub by: String,
    pub at: DateTime<Utc>,
    pub consumed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    Completed(Value),
    Failed { step_id: String, error: String },
    Cancelled { by: String, reason: String },
}

/// What the worker should do with a run now.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Record these events (they have no side effect).
    Record(Vec<Event>),
    /// Execute this step (attempt `attempt`), with this rendered input.
    Execute { step: usize, attempt: u32 },
    /// Nothing to do before `until` (None: until a signal arrives).
    Idle { until: Option<DateTime<Utc>> },
    /// The run has ended.
    Ended,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run_id: Uuid,
    pub definition: Definition,
    pub input: Value,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub steps: Vec<StepState>,
    /// The step to do next; None once past the last.
    pub cursor: Option<usize>,
    pub signals: Vec<Signal>,
    pub ending: Option<(Ending, DateTime<Utc>)>,
    pub version: i64,
    /// When its last event was recorded.
    pub updated_at: DateTime<Utc>,
}

/// A failure of a run's history to make sense (events out of order, an unknown step).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the run's history is inconsistent: {0}")]
pub struct Inconsistent(pub String);

impl Run {
    /// Replays a run's stream: `(stream version, recorded at, event)` in order.
    pub fn from_history<'a>(
        history: impl IntoIterator<Item = (i64, DateTime<Utc>, &'a Event)>,
    ) -> Result<Option<Run>, Inconsistent> {
        let mut run: Option<Run> = None;
        for (version, at, event) in history {
            match (run.as_mut(), event) {
                (None, Event::WorkflowStarted(started)) => {
                    run = Some(Run {
                        run_id: started.run_id,
                        steps: vec![StepState::default(); started.definition.steps.len()],
                        definition: started.definition.clone(),
                        input: started.input.clone(),
                        started_by: started.started_by.clone(),
                        started_at: at,
                        cursor: Some(0),
                        signals: Vec::new(),
                        ending: None,
                        version,
                        updated_at: at,
                    });
                }
                (None, other) => return Err(Inconsistent(format!("{} before WorkflowStarted", other.event_type()))),
                (Some(run), event) => {
                    run.apply(event, at)?;
                    run.version = version;
                    run.updated_at = at;
                }
            }
        }
        Ok(run)
    }

    fn index_of(&self, step_id: &str) -> Result<usize, Inconsistent> {
        self.definition
            .step(step_id)
            .map(|(index, _)| index)
            .ok_or_else(|| Inconsistent(format!("no step `{step_id}`")))
    }

    /// Applies one event after the start (also used by a worker for the events it just recorded).
    pub fn apply(&mut self, event: &Event, at: DateTime<Utc>) -> Result<(), Inconsistent> {
        match event {
            Event::StepScheduled(scheduled) => {
                let index = self.index_of(&scheduled.step_id)?;
                self.steps[index].attempts.push(Attempt {
                    number: scheduled.attempt,
                    started_at: at,
                    lease_until: scheduled.lease_until,
                    finished_at: None,
                    error: None,
                    retry_at: None,
                    duration_ms: None,
                });
            }
            Event::StepCompleted(completed) => {
                let index = self.index_of(&completed.step_id)?;
                let step = &mut self.steps[index];
                if let Some(attempt) = step.attempts.last_mut().filter(|a| a.number == completed.attempt) {
                    attempt.finished_at = Some(at);
                    attempt.duration_ms = Some(completed.duration_ms);
                }
                step.output = Some(completed.output.clone());
                step.completed_at = Some(at);
                step.done = true;
                let kind = &self.definition.steps[index].kind;
                if let StepKind::WaitSignal { signal, .. } = kind
                    && completed.output.get("received") == Some(&Value::Bool(true))
                    && let Some(taken) = self.signals.iter_mut().find(|s| !s.consumed && &s.name == signal)
                {
                    taken.consumed = true;
                }
                self.cursor = match kind {
                    StepKind::Branch { .. } => match completed.output.get("next").and_then(Value::as_str) {
                        Some(END) | None => None,
                        Some(target) => Some(self.index_of(target)?),
                    },
                    _ => (index + 1 < self.steps.len()).then_some(index + 1),
                };
                // A jump back starts the loop's steps afresh (their last outputs stay readable
                // until they are done again).
                if let Some(target) = self.cursor.filter(|target| *target <= index) {
                    for state in &mut self.steps[target..=index] {
                        state.attempts.clear();
                        state.timer = None;
                        state.timer_fired = false;
                        state.completed_at = None;
                        state.done = false;
                    }
                }
            }
            Event::StepFailed(failed) => {
                let index = self.index_of(&failed.step_id)?;
                if let Some(attempt) = self.steps[index]
                    .attempts
                    .last_mut()
                    .filter(|a| a.number == failed.attempt)
                {
                    attempt.finished_at = Some(at);
                    attempt.error = Some(failed.error.clone());
                    attempt.retry_at = failed.retry_at;
                    attempt.duration_ms = Some(failed.duration_ms);
                }
            }
            Event::TimerScheduled(timer) => {
                let index = self.index_of(&timer.step_id)?;
                self.steps[index].timer = Some(timer.fire_at);
            }
            Event::TimerFired(fired) => {
                let index = self.index_of(&fired.step_id)?;
                self.steps[index].timer_fired = true;
            }
            Event::SignalReceived(signal) => self.signals.push(Signal {
                name: signal.name.clone(),
                payload: signal.payload.clone(),
                by: signal.by.clone(),
                at,
                consumed: false,
            }),
            Event::WorkflowCompleted(completed) => {
                self.ending = Some((Ending::Completed(completed.output.clone()), at))
            }
            Event::WorkflowFailed(failed) => {
                self.ending = Some((
                    Ending::Failed {
                        step_id: failed.step_id.clone(),
                        error: failed.error.clone(),
                    },
                    at,
                ))
            }
            Event::WorkflowCancelled(cancelled) => {
                self.ending = Some((
                    Ending::Cancelled {
                        by: cancelled.by.clone(),
                        reason: cancelled.reason.clone(),
                    },
                    at,
                ))
            }
            other => return Err(Inconsistent(format!("{} in a run's stream", other.event_type()))),
        }
        Ok(())
    }

    pub fn is_finished(&self) -> bool {
        self.ending.is_some()
    }

    /// `running`, `waiting` (for a signal or a timer), `completed`, `failed` or `cancelled`.
    pub fn status(&self) -> &'static str {
        match &self.ending {
            Some((Ending::Completed(_), _)) => return "completed",
            Some((Ending::Failed { .. }, _)) => return "failed",
            Some((Ending::Cancelled { .. }, _)) => return "cancelled",
            None => {}
        }
        match self
            .cursor
            .map(|index| (&self.definition.steps[index].kind, &self.steps[index]))
        {
            Some((StepKind::WaitSignal { signal, .. }, _)) if !self.has_signal(signal) => "waiting",
            Some((StepKind::Sleep { .. }, state)) if state.timer.is_some() => "waiting",
            _ => "running",
        }
    }

    fn has_signal(&self, name: &str) -> bool {
        self.signals
            .iter()
            .any(|signal| !signal.consumed && signal.name == name)
    }

    /// The names of the signals the run can still wait for (its current and later steps').
    pub fn awaits_signal(&self, name: &str) -> Option<&StepKind> {
        let from = self.cursor?;
        self.definition.steps[from..]
            .iter()
            .map(|step| &step.kind)
            .find(|kind| matches!(kind, StepKind::WaitSignal { signal, .. } if signal == name))
    }

    /// What templates see: the input, every completed step's output, the run, the time.
    pub fn scope(&self, now: DateTime<Utc>) -> Value {
        let mut steps = Map::new();
        for (step, state) in self.definition.steps.iter().zip(&self.steps) {
            if let Some(output) = &state.output {
                steps.insert(step.id.clone(), json!({"output": output}));
            }
        }
        json!({
            "input": self.input,
            "steps": steps,
            "run": {"id": self.run_id, "started_by": self.started_by},
            "now": now.to_rfc3339(),
            "today": now.date_naive().to_string(),
        })
    }

    fn output(&self, now: DateTime<Utc>) -> Value {
        if self.definition.output.is_null() {
            let mut all = Map::new();
            for (step, state) in self.definition.steps.iter().zip(&self.steps) {
                if let (Some(output), false) = (&state.output, matches!(step.kind, StepKind::Branch { .. })) {
                    all.insert(step.id.clone(), output.clone());
                }
            }
            Value::Object(all)
        } else {
            template::render(&self.definition.output, &self.scope(now))
        }
    }

    fn completed(step_id: &str, output: Value) -> Event {
        Event::StepCompleted(StepCompleted {
            step_id: step_id.to_owned(),
            attempt: 1,
            output,
            duration_ms: 0,
        })
    }

    fn failed(step_id: &str, attempt: u32, error: String) -> Vec<Event> {
        vec![
            Event::StepFailed(StepFailed {
                step_id: step_id.to_owned(),
                attempt,
                error: error.clone(),
                retry_at: None,
                duration_ms: 0,
            }),
            Event::WorkflowFailed(WorkflowFailed {
                step_id: step_id.to_owned(),
                error,
            }),
        ]
    }

    /// What should happen now.
    pub fn next(&self, now: DateTime<Utc>) -> Next {
        if self.ending.is_some() {
            return Next::Ended;
        }
        let Some(index) = self.cursor else {
            return Next::Record(vec![Event::WorkflowCompleted(WorkflowCompleted {
                output: self.output(now),
            })]);
        };
        let step = &self.definition.steps[index];
        let state = &self.steps[index];
        let timer = |fire_at: DateTime<Utc>| {
            Next::Record(vec![Event::TimerScheduled(TimerScheduled {
                step_id: step.id.clone(),
                fire_at,
            })])
        };
        match &step.kind {
            StepKind::Branch {
                condition,
                then,
                otherwise,
            } => {
                let holds = condition.holds(&self.scope(now));
                let next = if holds {
                    then.clone()
                } else {
                    otherwise.clone().unwrap_or_else(|| {
                        self.definition
                            .steps
                            .get(index + 1)
                            .map_or_else(|| END.to_owned(), |next| next.id.clone())
                    })
                };
                Next::Record(vec![Self::completed(&step.id, json!({"taken": holds, "next": next}))])
            }
            StepKind::WaitSignal { signal, .. } => {
                if let Some(received) = self.signals.iter().find(|s| !s.consumed && &s.name == signal) {
                    return Next::Record(vec![Self::completed(
                        &step.id,
                        json!({"received": true, "payload": received.payload, "by": received.by}),
                    )]);
                }
                match state.timer {
                    None => timer(now + step.timeout()),
                    Some(fire_at) if fire_at <= now => Next::Record(vec![
                        Event::TimerFired(TimerFired {
                            step_id: step.id.clone(),
                        }),
                        Self::completed(&step.id, json!({"received": false, "timed_out": true})),
                    ]),
                    Some(fire_at) => Next::Idle { until: Some(fire_at) },
                }
            }
            StepKind::Sleep { duration, until } => match state.timer {
                None => match (duration, until) {
                    (Some(duration), _) => timer(now + duration.0),
                    (None, Some(until)) => match instant(&template::render(&json!(until), &self.scope(now))) {
                        Some(fire_at) => timer(fire_at.max(now)),
                        None => Next::Record(Self::failed(
                            &step.id,
                            1,
                            format!("`{until}` is not an instant or a date to sleep until"),
                        )),
                    },
                    (None, None) => timer(now),
                },
                Some(fire_at) if fire_at <= now => Next::Record(vec![
                    Event::TimerFired(TimerFired {
                        step_id: step.id.clone(),
                    }),
                    Self::completed(&step.id, json!({"woke_at": fire_at})),
                ]),
                Some(fire_at) => Next::Idle { until: Some(fire_at) },
            },
            _ => match state.attempts.last() {
                None => Next::Execute {
                    step: index,
                    attempt: 1,
                },
                Some(last) if last.finished_at.is_none() => {
                    if last.lease_until > now {
                        Next::Idle {
                            until: Some(last.lease_until),
                        }
                    } else if last.number < step.retry.attempts {
                        // The worker that took it stopped: another attempt.
                        Next::Execute {
                            step: index,
                            attempt: last.number + 1,
                        }
                    } else {
                        Next::Record(Self::failed(
                            &step.id,
                            last.number,
                            "the worker running the last attempt stopped".to_owned(),
                        ))
                    }
                }
                Some(last) => match last.retry_at {
                    Some(retry_at) if retry_at <= now => Next::Execute {
                        step: index,
                        attempt: last.number + 1,
                    },
                    Some(retry_at) => Next::Idle { until: Some(retry_at) },
                    None => Next::Record(vec![Event::WorkflowFailed(WorkflowFailed {
                        step_id: step.id.clone(),
                        error: last.error.clone().unwrap_or_default(),
                    })]),
                },
            },
        }
    }

    /// The events that record an executed attempt's result.
    pub fn record_result(
        &self,
        step: usize,
        attempt: u32,
        result: Result<Value, String>,
        duration_ms: u64,
        now: DateTime<Utc>,
    ) -> Vec<Event> {
        let definition = &self.definition.steps[step];
        match result {
            Ok(output) => vec![Event::StepCompleted(StepCompleted {
                step_id: definition.id.clone(),
                attempt,
                output,
                duration_ms,
            })],
            Err(error) => {
                let retry_at = definition
                    .retry
                    .wait_after(attempt)
                    .and_then(|wait| chrono::Duration::from_std(wait).ok())
                    .map(|wait| now + wait);
                let mut events = vec![Event::StepFailed(StepFailed {
                    step_id: definition.id.clone(),
                    attempt,
                    error: error.clone(),
                    retry_at,
                    duration_ms,
                })];
                if retry_at.is_none() {
                    events.push(Event::WorkflowFailed(WorkflowFailed {
                        step_id: definition.id.clone(),
                        error,
                    }));
                }
                events
            }
        }
    }

    /// The step's input with its templates filled.
    pub fn rendered(&self, step: usize, now: DateTime<Utc>) -> StepKind {
        let scope = self.scope(now);
        let render_text = |text: &str| match template::render(&json!(text), &scope) {
            Value::String(text) => text,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match &self.definition.steps[step].kind {
            StepKind::Agent {
                agent_type,
                content,
                context,
            } => StepKind::Agent {
                agent_type: agent_type.clone(),
                content: render_text(content),
                context: template::render(context, &scope),
            },
            StepKind::Calculator { calculator, input } => StepKind::Calculator {
                calculator: *calculator,
                input: template::render(input, &scope),
            },
            StepKind::KnowledgeSearch {
                query,
                ids,
                limit,
                source,
            } => StepKind::KnowledgeSearch {
                query: render_text(query),
                ids: ids.clone(),
                limit: *limit,
                source: source.clone(),
            },
            StepKind::Action { action, input } => StepKind::Action {
                action: *action,
                input: template::render(input, &scope),
            },
            other => other.clone(),
        }
    }

    /// When a worker should look at the run again (None: only when a signal arrives; the run
    /// has ended when it is finished).
    pub fn wake_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.next(now) {
            Next::Idle { until } => until,
            Next::Ended => None,
            Next::Record(_) | Next::Execute { .. } => Some(now),
        }
    }
}

/// An instant from a template's value: RFC 3339, or a date (its midnight, UTC).
fn instant(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|midnight| midnight.and_utc())
        })
}
