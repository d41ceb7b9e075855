//! The worker in `serve` that advances runs. It looks at a run when this server started or
//! signalled it, when the `workflows` read model says one is due (a timer, a retry, a lease
//! that ran out, a run another server started), and at least every second.
//!
//! Advancing a run is: replay its stream, ask [`Run::next`], and record what it says, always
//! appending at the exact version read. Before executing a step, the worker records
//! `StepScheduled` with a lease; only the server whose append won executes it, so two servers
//! never execute the same attempt, and the result is recorded at the version after the lease
//! (a worker that lost its lease to another finds its result refused and drops it). After a
//! crash, every unfinished run is due again and resumes from its stream: completed steps are
//! never executed again, their recorded output is used.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hijraah_domain::workflow::events::StepScheduled;
use hijraah_domain::workflow::run::{Next, Run};
use hijraah_domain::workflow::run_stream;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_projections::Projection;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::steps::{self, Running, StepContext};
use super::{WorkflowError, Workflows};
use crate::metrics::Metrics;
use crate::privacy::seal_event;
use crate::projector::Projector;
use crate::store::{ExpectedVersion, StoreError};

/// How often the read model is polled for due runs when nothing else wakes the worker.
const POLL: Duration = Duration::from_secs(1);
/// A lease outlives the step's timeout by this much before another worker may take it over.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// Runs advanced at once by one server.
const CONCURRENT_RUNS: usize = 32;
/// Events one pass records for one run before it lets the others have a turn.
const STEPS_PER_PASS: usize = 200;

/// The run after this worker recorded `events` on it (None when they do not apply: replay).
fn applied(mut run: Run, events: &[Event], at: DateTime<Utc>) -> Option<Run> {
    for event in events {
        run.apply(event, at).ok()?;
    }
    run.version += events.len() as i64;
    run.updated_at = at;
    Some(run)
}

/// The stream version a run was found idle at, and until when.
type Idle = (i64, Option<DateTime<Utc>>);

pub struct Worker {
    workflows: Workflows,
    steps: StepContext,
    metrics: Arc<Metrics>,
    /// Runs being advanced by this server now.
    in_flight: Mutex<HashSet<Uuid>>,
    /// Runs found idle: at which stream version, and until when (None: until a signal). A
    /// read-model row at that version or older is not looked at again before then.
    idle: Mutex<HashMap<Uuid, Idle>>,
    permits: Arc<Semaphore>,
}

impl Worker {
    pub fn new(workflows: Workflows, steps: StepContext, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            workflows,
            steps,
            metrics,
            in_flight: Mutex::new(HashSet::new()),
            idle: Mutex::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(CONCURRENT_RUNS)),
        })
    }

    /// Runs until `shutdown`; a run being advanced then finishes its current step's recording or
    /// is left to its lease.
    pub async fn run(self: Arc<Self>, projector: Projector, shutdown: CancellationToken) {
        let Some(mut kicks) = self.workflows.take_kicks() else {
            tracing::error!("the workflow worker was started twice");
            return;
        };
        let mut changes = projector.changes();
        loop {
            let mut candidates: Vec<Uuid> = Vec::new();
            tokio::select! {
                kicked = kicks.recv() => match kicked {
                    Some(run_id) => {
                        self.forget(run_id);
                        candidates.push(run_id);
                        while let Ok(more) = kicks.try_recv() {
                            self.forget(more);
                            candidates.push(more);
                        }
                    }
                    None => return,
                },
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    // Only the workflows projection's moves matter; the poll below reads it.
                    let _ = changes.borrow_and_update().get(&Projection::Workflows).copied();
                    candidates.extend(self.due().await);
                }
                _ = tokio::time::sleep(POLL) => candidates.extend(self.due().await),
                _ = shutdown.cancelled() => return,
            }
            for run_id in candidates {
                self.clone().spawn(run_id, shutdown.clone());
            }
        }
    }

    fn forget(&self, run_id: Uuid) {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&run_id);
    }

    /// Runs the read model says are due, less those this worker already found idle at the
    /// version the read model has.
    async fn due(&self) -> Vec<Uuid> {
        let now = Utc::now();
        let rows = match hijraah_projections::queries::due_runs(self.workflows.pool(), now, 256).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "cannot read the due workflow runs");
                return Vec::new();
            }
        };
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        rows.into_iter()
            .filter(|(run_id, version)| match idle.get(run_id) {
                Some((seen, until)) => *version > *seen || until.is_some_and(|until| until <= now),
                None => true,
            })
            .map(|(run_id, _)| run_id)
            .collect()
    }

    fn spawn(self: Arc<Self>, run_id: Uuid, shutdown: CancellationToken) {
        if !self
            .in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(run_id)
        {
            return;
        }
        tokio::spawn(async move {
            let Ok(_permit) = self.permits.clone().acquire_owned().await else {
                return;
            };
            if !shutdown.is_cancelled()
                && let Err(error) = self.advance(run_id, &shutdown).await
            {
                tracing::warn!(%run_id, %error, "cannot advance workflow run");
            }
            self.in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&run_id);
        });
    }

    /// Appends `events` to the run at exactly `version`, sealed for the run's starter.
    async fn record(
        &self,
        run_id: Uuid,
        started_by: &str,
        version: i64,
        events: &[Event],
    ) -> Result<bool, WorkflowError> {
        let key = self.workflows.vault().key_for_writing(started_by).await?;
        let metadata = EventMetadata {
            causation_id: Some(run_id),
            ..EventMetadata::by("workflow-worker", None)
        };
        let new_events: Vec<NewEvent> = events
            .iter()
            .map(|event| {
                let mut new_event = NewEvent::new(event, metadata.clone());
                seal_event(&mut new_event, &key, started_by);
                new_event
            })
            .collect();
        match self
            .workflows
            .store()
            .append(&run_stream(run_id), ExpectedVersion::Exact(version), &new_events)
            .await
        {
            Ok(_) => Ok(true),
            // Another worker (or a signal, a cancel) moved the run first.
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// Advances one run as far as it goes now. The run is replayed from its stream once; what
    /// this worker decides is applied to it in memory and recorded in as few appends as the
    /// rules allow: the events that need no execution (a branch taken, a timer fired) and a
    /// step's result go out together with the next step's `StepScheduled`, in one append at the
    /// run's exact version, before that step is executed. A conflict (another writer moved the
    /// run) drops what was pending and replays the stream.
    pub async fn advance(&self, run_id: Uuid, shutdown: &CancellationToken) -> Result<(), WorkflowError> {
        let mut current: Option<Run> = None;
        // Decided, applied to `current`, not yet recorded.
        let mut pending: Vec<Event> = Vec::new();
        for _ in 0..STEPS_PER_PASS {
            let run = match current.take() {
                Some(run) => run,
                None => {
                    pending.clear();
                    match self.workflows.load(run_id).await? {
                        Some(run) => run,
                        None => return Ok(()),
                    }
                }
            };
            let now = Utc::now();
            let next = if shutdown.is_cancelled() {
                Next::Idle { until: Some(now) }
            } else {
                run.next(now)
            };
            match next {
                Next::Ended | Next::Idle { .. } => {
                    if !pending.is_empty() {
                        let base = run.version - pending.len() as i64;
                        let recorded = self.record(run_id, &run.started_by, base, &pending).await?;
                        pending.clear();
                        if !recorded {
                            continue;
                        }
                    }
                    match next {
                        Next::Idle { until } if !shutdown.is_cancelled() => {
                            self.idle
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .insert(run_id, (run.version, until));
                        }
                        _ => self.forget(run_id),
                    }
                    return Ok(());
                }
                Next::Record(events) => {
                    pending.extend(events.iter().cloned());
                    current = applied(run, &events, now);
                }
                Next::Execute { step, attempt } => {
                    let definition = run.definition.steps[step].clone();
                    let timeout = definition.timeout();
                    let scheduled = Event::StepScheduled(StepScheduled {
                        step_id: definition.id.clone(),
                        attempt,
                        lease_until: now + timeout + LEASE_MARGIN,
                    });
                    pending.push(scheduled.clone());
                    let base = run.version - (pending.len() as i64 - 1);
                    let recorded = self.record(run_id, &run.started_by, base, &pending).await?;
                    pending.clear();
                    if !recorded {
                        continue;
                    }
                    let Some(run) = applied(run, std::slice::from_ref(&scheduled), now) else {
                        continue;
                    };
                    if attempt > 1 {
                        self.metrics.record_workflow_retry();
                    }
                    let rendered = run.rendered(step, now);
                    let running = Running {
                        run_id,
                        step_id: &definition.id,
                        started_by: &run.started_by,
                        now,
                    };
                    let started = Instant::now();
                    let result =
                        match tokio::time::timeout(timeout, steps::execute(&self.steps, &running, &rendered)).await {
                            Ok(result) => result,
                            Err(_) => Err(format!(
                                "the step took longer than its timeout of {}s",
                                timeout.as_secs_f64()
                            )),
                        };
                    let elapsed = started.elapsed();
                    self.metrics
                        .record_workflow_step(rendered.name(), result.is_ok(), elapsed);
                    let finished = Utc::now();
                    let events = run.record_result(step, attempt, result, elapsed.as_millis() as u64, finished);
                    pending = events.clone();
                    current = applied(run, &events, finished);
                }
            }
        }
        // Long runs record what they have and give the others a turn; the next poll resumes them.
        if let Some(run) = current
            && !pending.is_empty()
        {
            let base = run.version - pending.len() as i64;
            self.record(run_id, &run.started_by, base, &pending).await?;
        }
        Ok(())
    }
}
