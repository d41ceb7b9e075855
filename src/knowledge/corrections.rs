//! Corrections through review: a proposal is a `text_correction` workflow run (see
//! `src/workflows/builtin/text_correction.json`), and what became of it is read from the run.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Principal;
use crate::workflows::{WorkflowError, WorkflowService};

/// One proposed correction and what became of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Correction {
    pub correction_id: Uuid,
    pub run_id: Uuid,
    pub document_id: Option<String>,
    pub field: Option<String>,
    /// The field's wording when it was proposed (null until the review has read it).
    pub current: Option<String>,
    pub proposed: Option<String>,
    pub reason: Option<String>,
    pub proposed_by: String,
    /// `open`, `approved`, `rejected`, `expired` (no verdict in time), `not_applied` (approved,
    /// but the text changed or was retracted meanwhile: see `why`) or `failed`.
    pub status: String,
    /// The revision the approval recorded.
    pub revision: Option<i64>,
    pub why: Option<String>,
    pub reviewer: Option<String>,
    pub note: Option<String>,
    pub proposed_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn correction_of(view: hijraah_domain::workflow::run::RunView) -> Correction {
    let input = &view.input;
    let text = |value: &Value| value.as_str().filter(|text| !text.is_empty()).map(str::to_owned);
    let proposal = view
        .steps
        .iter()
        .find(|step| step.id == "proposal")
        .and_then(|step| step.output.clone())
        .unwrap_or(Value::Null);
    let output = view.output.clone().unwrap_or(Value::Null);
    let verdict = view
        .steps
        .iter()
        .find(|step| step.id == "verdict")
        .and_then(|step| step.output.clone())
        .unwrap_or(Value::Null);
    let status = match (
        view.status.as_str(),
        output["verdict"].as_str(),
        output["applied"].as_bool(),
    ) {
        ("completed", Some("approved"), Some(true)) => "approved",
        ("completed", Some("approved"), _) => "not_applied",
        ("completed", Some("rejected"), _) => "rejected",
        ("completed", Some("timed_out"), _) => "expired",
        ("failed" | "cancelled", ..) => "failed",
        _ => "open",
    };
    Correction {
        correction_id: view.run_id,
        run_id: view.run_id,
        document_id: text(&input["document_id"]),
        field: text(&input["field"]),
        current: text(&proposal["current"]),
        proposed: text(&input["proposed"]),
        reason: text(&input["reason"]),
        proposed_by: view.started_by.clone(),
        status: status.to_owned(),
        revision: output["revision"].as_i64().filter(|_| status == "approved"),
        why: text(&output["why"]).or_else(|| view.error.clone()),
        reviewer: text(&verdict["by"]),
        note: text(&verdict["payload"]["note"]),
        proposed_at: view.created_at,
        decided_at: view.finished_at,
    }
}

/// Proposed corrections, newest first, of `status` (`open`, `approved`, `rejected`; `None`:
/// all), at most `limit`: every one for staff, one's own for anyone else.
pub async fn list(
    workflows: &WorkflowService,
    by: &Principal,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<Correction>, WorkflowError> {
    // Runs of any state: open reviews are running or waiting, decided ones completed.
    let runs = workflows.list(by, None, Some("text_correction"), None, 200).await?;
    let mut corrections = Vec::new();
    for run in runs {
        let correction = correction_of(workflows.view(run.run_id, by).await?);
        if status.is_none_or(|status| status == correction.status) {
            corrections.push(correction);
            if corrections.len() as i64 >= limit {
                break;
            }
        }
    }
    Ok(corrections)
}
