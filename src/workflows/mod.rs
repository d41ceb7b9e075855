//! Durable workflows: the service behind the API and the CLI (definitions, starting runs,
//! signals, cancelling, reading a run), and the worker that advances runs ([`worker`]).
//!
//! A run is the stream `workflow-run-{id}`: every decision and every step's result is an event
//! in the one ordered log, so a run is read by replaying its stream (the truth, always current)
//! and listed from the `workflows` read model. Definitions are data: the built-ins ship with the
//! binary (`builtin/*.json`), and an admin registers a new version of any definition as an event
//! on `workflow-definition-{name}`; a run keeps the definition it started with, whole, in its
//! `WorkflowStarted`.

pub mod steps;
pub mod worker;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hijraah_domain::user::Role;
use hijraah_domain::workflow::definition::{self, Definition, DefinitionError, StepKind};
use hijraah_domain::workflow::events::{
    SignalReceived, WorkflowCancelled, WorkflowDefinitionRegistered, WorkflowStarted,
};
use hijraah_domain::workflow::{Run, RunView, definition_stream, run_stream};
use hijraah_domain::{Envelope, Event, EventMetadata, NewEvent};
use hijraah_projections::queries::{self, RunFilter, RunSummary};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::auth::Principal;
use crate::privacy::{PrivacyError, Vault, seal_event};
use crate::store::{AppendResult, EventStore, ExpectedVersion, StoreError};

/// The definitions that ship with the binary.
const BUILTIN: [&str; 4] = [
    include_str!("builtin/zakat_assessment.json"),
    include_str!("builtin/relocation_onboarding.json"),
    include_str!("builtin/answer_review.json"),
    include_str!("builtin/text_correction.json"),
];

/// The built-in definitions, parsed and validated (a broken one is a build defect, caught by the
/// tests, so it is left out with an error in the log rather than stopping the server).
pub fn builtin_definitions() -> Vec<Definition> {
    BUILTIN
        .iter()
        .filter_map(|text| {
            serde_json::from_str(text)
                .map_err(|error| DefinitionError::Malformed(error.to_string()))
                .and_then(Definition::from_json)
                .map_err(|error| tracing::error!(%error, "a built-in workflow definition is invalid"))
                .ok()
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("no workflow definition `{0}`")]
    UnknownDefinition(String),
    #[error("no workflow run {0}")]
    UnknownRun(Uuid),
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Forbidden(String),
    /// The run cannot take this now (it has ended, or waits for no such signal).
    #[error("{0}")]
    Refused(String),
    #[error("a run with id {0} exists already")]
    RunExists(Uuid),
    #[error("the run's history cannot be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    #[error("read model database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Whether `principal` may see every run (staff), or only their own.
fn sees_all(principal: &Principal) -> bool {
    principal.has_any_role(&[Role::Admin, Role::Curator])
}

pub struct WorkflowService {
    store: EventStore,
    pool: sqlx::PgPool,
    vault: Vault,
    builtin: Vec<Definition>,
    /// Runs to look at now (started or signalled here), for this server's worker.
    kick: mpsc::UnboundedSender<Uuid>,
    kicked: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Uuid>>>,
}

impl WorkflowService {
    pub fn new(store: EventStore, pool: sqlx::PgPool, vault: Vault) -> Self {
        let (kick, kicked) = mpsc::unbounded_channel();
        Self {
            store,
            pool,
            vault,
            builtin: builtin_definitions(),
            kick,
            kicked: std::sync::Mutex::new(Some(kicked)),
        }
    }

    /// The kicks this server's worker takes (once).
    pub(crate) fn take_kicks(&self) -> Option<mpsc::UnboundedReceiver<Uuid>> {
        self.kicked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Every definition, at its latest version: registered ones over the built-ins of that name.
    pub async fn definitions(&self) -> Result<Vec<Definition>, WorkflowError> {
        let mut all: std::collections::BTreeMap<String, Definition> = self
            .builtin
            .iter()
            .map(|definition| (definition.name.clone(), definition.clone()))
            .collect();
        for value in queries::workflow_definitions(&self.pool).await? {
            match serde_json::from_value::<Definition>(value) {
                Ok(definition) => {
                    all.insert(definition.name.clone(), definition);
                }
                Err(error) => tracing::warn!(%error, "a registered workflow definition cannot be read"),
            }
        }
        Ok(all.into_values().collect())
    }

    /// A definition's latest version, read from its stream (so a registration is seen at once)
    /// or the built-in; and the stream's version.
    async fn definition_with_version(&self, name: &str) -> Result<(Option<Definition>, i64), WorkflowError> {
        let mut latest = self.builtin.iter().find(|definition| definition.name == name).cloned();
        let mut version = 0;
        for envelope in self.store.read_stream(&definition_stream(name), 0).await? {
            version = envelope.stream_version;
            if let Ok(Event::WorkflowDefinitionRegistered(registered)) = envelope.decode() {
                latest = Some(registered.definition);
            }
        }
        Ok((latest, version))
    }

    pub async fn definition(&self, name: &str) -> Result<Definition, WorkflowError> {
        self.definition_with_version(name)
            .await?
            .0
            .ok_or_else(|| WorkflowError::UnknownDefinition(name.to_owned()))
    }

    /// Registers a definition as the next version of its name (runs already started keep
    /// theirs). Returns it as registered.
    pub async fn register(&self, name: &str, body: Value, by: &Principal) -> Result<Definition, WorkflowError> {
        let mut body = body;
        match body.as_object_mut() {
            Some(fields) => {
                match fields.get("name").and_then(Value::as_str) {
                    Some(given) if given != name => {
                        return Err(WorkflowError::Input(format!(
                            "the definition is called `{given}` but the path says `{name}`"
                        )));
                    }
                    _ => {}
                }
                fields.insert("name".into(), Value::String(name.to_owned()));
                // The server numbers versions; a version sent is only checked to be newer.
                fields.remove("version");
            }
            None => return Err(WorkflowError::Input("send the definition as a JSON object".into())),
        }
        let mut definition = Definition::from_json(body)?;
        for _ in 0..8 {
            let (current, stream_version) = self.definition_with_version(name).await?;
            definition.version = current.map_or(1, |current| current.version + 1);
            let event = Event::WorkflowDefinitionRegistered(WorkflowDefinitionRegistered {
                definition: definition.clone(),
            });
            let metadata = EventMetadata::by(by.user_id.as_str(), None);
            match self
                .store
                .append(
                    &definition_stream(name),
                    ExpectedVersion::Exact(stream_version),
                    &[NewEvent::new(&event, metadata)],
                )
                .await
            {
                Ok(_) => return Ok(definition),
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(WorkflowError::Refused(
            "the definition kept changing while it was registered; try again".into(),
        ))
    }

    /// Starts a run of the latest version of `name`. With a `run_id` from the client, starting
    /// the same run again is answered with the same id and records nothing.
    pub async fn start(
        &self,
        name: &str,
        input: Value,
        by: &Principal,
        run_id: Option<Uuid>,
        correlation_id: Option<&str>,
    ) -> Result<(Uuid, AppendResult), WorkflowError> {
        let definition = self.definition(name).await?;
        let input = if input.is_null() {
            Value::Object(Default::default())
        } else {
            input
        };
        definition::check_against(&definition.input, &input, "input").map_err(|error| WorkflowError::Input(error.0))?;
        let run_id = run_id.unwrap_or_else(Uuid::now_v7);
        let started_by = by.user_id.as_str();
        let event = Event::WorkflowStarted(WorkflowStarted {
            run_id,
            definition,
            input,
            started_by: started_by.to_owned(),
        });
        let mut new_event = NewEvent::new(&event, EventMetadata::by(started_by, correlation_id));
        // The start of a run has an id fixed by the run: a retried request is the same start.
        new_event.event_id = Uuid::new_v5(&run_id, b"started");
        let key = self.vault.key_for_writing(started_by).await?;
        seal_event(&mut new_event, &key, started_by);
        let appended = match self
            .store
            .append(&run_stream(run_id), ExpectedVersion::NoStream, &[new_event])
            .await
        {
            Ok(appended) => appended,
            Err(StoreError::Conflict { .. } | StoreError::EventIdReused { .. }) => {
                return Err(WorkflowError::RunExists(run_id));
            }
            Err(other) => return Err(other.into()),
        };
        let _ = self.kick.send(run_id);
        Ok((run_id, appended))
    }

    /// A run's events, unsealed.
    pub async fn history(&self, run_id: Uuid) -> Result<Vec<Envelope>, WorkflowError> {
        let mut envelopes = self.store.read_stream(&run_stream(run_id), 0).await?;
        self.vault.unseal_pooled(&mut envelopes).await?;
        Ok(envelopes)
    }

    /// A run replayed from its stream.
    pub async fn load(&self, run_id: Uuid) -> Result<Option<Run>, WorkflowError> {
        let envelopes = self.history(run_id).await?;
        let mut events = Vec::with_capacity(envelopes.len());
        for envelope in &envelopes {
            events.push((
                envelope.stream_version,
                envelope.recorded_at,
                envelope
                    .decode()
                    .map_err(|error| WorkflowError::Corrupt(error.to_string()))?,
            ));
        }
        Run::from_history(events.iter().map(|(version, at, event)| (*version, *at, event)))
            .map_err(|error| WorkflowError::Corrupt(error.to_string()))
    }

    /// A run the caller may see (their own; staff see all). Others' runs are "not found".
    async fn visible(&self, run_id: Uuid, by: &Principal) -> Result<Run, WorkflowError> {
        match self.load(run_id).await? {
            Some(run) if run.started_by == by.user_id.as_str() || sees_all(by) => Ok(run),
            _ => Err(WorkflowError::UnknownRun(run_id)),
        }
    }

    pub async fn view(&self, run_id: Uuid, by: &Principal) -> Result<RunView, WorkflowError> {
        Ok(self.visible(run_id, by).await?.view(Utc::now()))
    }

    /// Sends a run a signal. The run must still be able to wait for it; a signal with a payload
    /// schema is checked against it; `from_roles` say who besides the starter may send it.
    pub async fn signal(
        &self,
        run_id: Uuid,
        name: &str,
        payload: Value,
        by: &Principal,
        correlation_id: Option<&str>,
    ) -> Result<RunView, WorkflowError> {
        for _ in 0..8 {
            let run = self.visible_for_signal(run_id, by).await?;
            if run.is_finished() {
                return Err(WorkflowError::Refused(format!(
                    "run {run_id} has {} and takes no more signals",
                    run.status()
                )));
            }
            let Some(StepKind::WaitSignal {
                payload: schema,
                from_roles,
                ..
            }) = run.awaits_signal(name)
            else {
                return Err(WorkflowError::Refused(format!(
                    "run {run_id} does not wait for a `{name}` signal"
                )));
            };
            let allowed = if from_roles.is_empty() {
                run.started_by == by.user_id.as_str() || by.is_admin()
            } else {
                from_roles.iter().any(|role| role == by.role.as_str())
            };
            if !allowed {
                return Err(WorkflowError::Forbidden(if from_roles.is_empty() {
                    "only the run's starter (or an admin) may send this signal".into()
                } else {
                    format!("this signal is sent by: {}", from_roles.join(", "))
                }));
            }
            if !schema.is_empty() {
                definition::check_against(schema, &payload, "signal's payload")
                    .map_err(|error| WorkflowError::Input(error.0))?;
            }
            let event = Event::SignalReceived(SignalReceived {
                name: name.to_owned(),
                payload: payload.clone(),
                by: by.user_id.as_str().to_owned(),
            });
            let mut new_event = NewEvent::new(&event, EventMetadata::by(by.user_id.as_str(), correlation_id));
            let key = self.vault.key_for_writing(&run.started_by).await?;
            seal_event(&mut new_event, &key, &run.started_by);
            match self
                .store
                .append(&run_stream(run_id), ExpectedVersion::Exact(run.version), &[new_event])
                .await
            {
                Ok(_) => {
                    let _ = self.kick.send(run_id);
                    let mut run = run;
                    run.apply(&event, Utc::now())
                        .map_err(|error| WorkflowError::Corrupt(error.to_string()))?;
                    return Ok(run.view(Utc::now()));
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(WorkflowError::Refused(
            "the run kept moving; send the signal again".into(),
        ))
    }

    /// A run a signal may be sent to: visible to the caller, or waiting for a signal the caller's
    /// role may send (a curator's verdict on someone else's run).
    async fn visible_for_signal(&self, run_id: Uuid, by: &Principal) -> Result<Run, WorkflowError> {
        let run = self.load(run_id).await?.ok_or(WorkflowError::UnknownRun(run_id))?;
        let reviewer = run.definition.steps.iter().any(|step| {
            matches!(&step.kind, StepKind::WaitSignal { from_roles, .. } if from_roles.iter().any(|role| role == by.role.as_str()))
        });
        if run.started_by == by.user_id.as_str() || sees_all(by) || reviewer {
            Ok(run)
        } else {
            Err(WorkflowError::UnknownRun(run_id))
        }
    }

    /// Cancels a run (its starter or an admin). A finished run is refused.
    pub async fn cancel(&self, run_id: Uuid, reason: &str, by: &Principal) -> Result<RunView, WorkflowError> {
        for _ in 0..8 {
            let run = self.visible(run_id, by).await?;
            if run.started_by != by.user_id.as_str() && !by.is_admin() {
                return Err(WorkflowError::Forbidden(
                    "only the run's starter or an admin may cancel it".into(),
                ));
            }
            if run.is_finished() {
                return Err(WorkflowError::Refused(format!(
                    "run {run_id} has {} already",
                    run.status()
                )));
            }
            let event = Event::WorkflowCancelled(WorkflowCancelled {
                by: by.user_id.as_str().to_owned(),
                reason: reason.to_owned(),
            });
            let new_event = NewEvent::new(&event, EventMetadata::by(by.user_id.as_str(), None));
            match self
                .store
                .append(&run_stream(run_id), ExpectedVersion::Exact(run.version), &[new_event])
                .await
            {
                Ok(_) => {
                    let mut run = run;
                    let now = Utc::now();
                    run.apply(&event, now)
                        .map_err(|error| WorkflowError::Corrupt(error.to_string()))?;
                    return Ok(run.view(now));
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(WorkflowError::Refused("the run kept moving; cancel it again".into()))
    }

    /// Runs from the read model: the caller's own, or all for staff; newest first.
    pub async fn list(
        &self,
        by: &Principal,
        status: Option<&str>,
        definition: Option<&str>,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> Result<Vec<RunSummary>, WorkflowError> {
        let filter = RunFilter {
            started_by: (!sees_all(by)).then(|| by.user_id.as_str()),
            status,
            definition,
            before,
            limit,
        };
        Ok(queries::workflow_runs(&self.pool, &filter).await?)
    }
}

/// The service, shared.
pub type Workflows = Arc<WorkflowService>;
