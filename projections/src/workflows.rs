//! `workflows`: one row per workflow run (its status, its current step, and when a worker should
//! look at it again), and the definitions admins registered. The run's stream is the truth; this
//! is what lists runs and what workers poll, so it needs only the facts each event states.

use hijraah_domain::Event;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{ProjectionError, Recorded, json};

fn run_id_of(stream_id: &str) -> Option<Uuid> {
    stream_id
        .strip_prefix("workflow-")
        .and_then(|id| Uuid::parse_str(id).ok())
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    for recorded in events {
        let envelope = recorded.envelope;
        let at = envelope.recorded_at;
        if let Event::WorkflowDefinitionRegistered(registered) = &recorded.event {
            sqlx::query(
                "INSERT INTO workflow_definitions (name, version, definition, registered_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition,
                     registered_at = EXCLUDED.registered_at",
            )
            .bind(&registered.definition.name)
            .bind(registered.definition.version as i32)
            .bind(json(&registered.definition))
            .bind(at)
            .execute(&mut *connection)
            .await?;
            continue;
        }
        let Some(run_id) = run_id_of(&envelope.stream_id) else {
            continue;
        };
        // Every later event says how the run moved: its status, its current step, and when a
        // worker should look at it again.
        let version = envelope.stream_version;
        match &recorded.event {
            Event::WorkflowStarted(started) => {
                let definition = &started.definition;
                let ids: Vec<&str> = definition.steps.iter().map(|step| step.id.as_str()).collect();
                sqlx::query(
                    "INSERT INTO workflow_runs (run_id, definition, version, started_by, status, current_step, step_ids,
                                                wake_at, stream_version, started_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8, $7, $7)
                     ON CONFLICT (run_id) DO NOTHING",
                )
                .bind(run_id)
                .bind(&definition.name)
                .bind(definition.version as i32)
                .bind(&started.started_by)
                .bind(ids.first().copied())
                .bind(&ids)
                .bind(at)
                .bind(version)
                .execute(&mut *connection)
                .await?;
            }
            Event::StepScheduled(scheduled) => {
                update(
                    connection,
                    run_id,
                    version,
                    at,
                    "running",
                    Some(&scheduled.step_id),
                    Some(scheduled.lease_until),
                )
                .await?;
            }
            Event::StepCompleted(completed) => {
                // The next step is the run's business (a branch may jump); a worker looks at once.
                sqlx::query(
                    "UPDATE workflow_runs SET status = 'running',
                         current_step = step_ids[array_position(step_ids, $2) + 1],
                         wake_at = $3, stream_version = $4, updated_at = $3
                     WHERE run_id = $1 AND finished_at IS NULL",
                )
                .bind(run_id)
                .bind(&completed.step_id)
                .bind(at)
                .bind(version)
                .execute(&mut *connection)
                .await?;
            }
            Event::StepFailed(failed) => {
                update(
                    connection,
                    run_id,
                    version,
                    at,
                    "running",
                    Some(&failed.step_id),
                    Some(failed.retry_at.unwrap_or(at)),
                )
                .await?;
            }
            Event::TimerScheduled(timer) => {
                update(
                    connection,
                    run_id,
                    version,
                    at,
                    "waiting",
                    Some(&timer.step_id),
                    Some(timer.fire_at),
                )
                .await?;
            }
            Event::TimerFired(_) | Event::SignalReceived(_) => {
                update(connection, run_id, version, at, "running", None, Some(at)).await?;
            }
            Event::WorkflowCompleted(_) | Event::WorkflowFailed(_) | Event::WorkflowCancelled(_) => {
                let status = match &recorded.event {
                    Event::WorkflowCompleted(_) => "completed",
                    Event::WorkflowFailed(_) => "failed",
                    _ => "cancelled",
                };
                sqlx::query(
                    "UPDATE workflow_runs SET status = $2, current_step = NULL, wake_at = NULL, stream_version = $3,
                         updated_at = $4, finished_at = $4
                     WHERE run_id = $1",
                )
                .bind(run_id)
                .bind(status)
                .bind(version)
                .bind(at)
                .execute(&mut *connection)
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}

async fn update(
    connection: &mut PgConnection,
    run_id: Uuid,
    version: i64,
    at: chrono::DateTime<chrono::Utc>,
    status: &str,
    step: Option<&str>,
    wake_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE workflow_runs SET status = $2, current_step = COALESCE($3, current_step), wake_at = $4,
             stream_version = $5, updated_at = $6
         WHERE run_id = $1 AND finished_at IS NULL",
    )
    .bind(run_id)
    .bind(status)
    .bind(step)
    .bind(wake_at)
    .bind(version)
    .bind(at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
