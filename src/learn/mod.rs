//! The router learned from the log: training and evaluating a model on replayed history
//! (`train`), the model and its file (`model`), and the model as every server follows and uses it
//! (`live`). Promotion, rollback and shadow mode are events on stream `router`.

pub mod commands;
pub mod live;
pub mod model;
pub mod train;

use hijraah_domain::events::{ModelRef, RouterModelPromoted, RouterRolledBack, RouterShadowSet};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde_json::Value;

pub use live::{LearnedRouter, ModelStore};
pub use model::RouterModel;

use crate::store::{EventStore, ExpectedVersion};

/// Why a model cannot be promoted or used.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("no model named `{0}`")]
    UnknownModel(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::store::StoreError> for LearnError {
    fn from(error: crate::store::StoreError) -> Self {
        LearnError::Other(error.into())
    }
}

/// The micro F1 of `who` in a model's training report, if it was scored.
fn f1_of(report: &Value, who: &str) -> Option<f64> {
    report[who]["micro"]["f1"].as_f64()
}

/// Whether the model beat the rules on its held-out judged examples; the reason if not.
pub fn beats_the_rules(model: &RouterModel) -> Result<(), String> {
    let judged = model.report["held_out"]["judged"].as_u64().unwrap_or(0);
    if judged == 0 {
        return Err(format!(
            "model `{}` has no judged requests in its held-out set to compare with the rules: gather feedback, then train again",
            model.name
        ));
    }
    let (Some(ours), Some(rules)) = (f1_of(&model.report, "model"), f1_of(&model.report, "rules")) else {
        return Err(format!("model `{}` has no evaluation", model.name));
    };
    if ours <= rules {
        return Err(format!(
            "model `{}` does not beat the rules on its {judged} held-out judged requests: F1 {ours:.3} against the rules' {rules:.3}",
            model.name
        ));
    }
    Ok(())
}

async fn append(store: &EventStore, event: Event, by: &str) -> Result<(), LearnError> {
    store
        .append(
            live::STREAM,
            ExpectedVersion::Any,
            &[NewEvent::new(&event, EventMetadata::by(by, None))],
        )
        .await?;
    Ok(())
}

/// Promotes the latest model saved under `name`, if it beats the rules.
pub async fn promote(store: &EventStore, models: &ModelStore, name: &str, by: &str) -> Result<ModelRef, LearnError> {
    let reference = models
        .find(name)
        .await?
        .ok_or_else(|| LearnError::UnknownModel(name.to_owned()))?;
    let model = models.load(&reference.version).await?;
    beats_the_rules(&model).map_err(LearnError::Refused)?;
    let metrics = serde_json::json!({
        "model": model.report["model"],
        "rules": model.report["rules"],
        "random_forest": model.report["random_forest"],
        "held_out": model.report["held_out"],
    });
    append(
        store,
        Event::RouterModelPromoted(RouterModelPromoted {
            name: reference.name.clone(),
            version: reference.version.clone(),
            metrics,
            trained_until: model.trained_until,
            promoted_by: by.to_owned(),
        }),
        by,
    )
    .await?;
    Ok(reference)
}

/// Returns routing to the rules.
pub async fn rollback(store: &EventStore, router: Option<&LearnedRouter>, by: &str) -> Result<(), LearnError> {
    let from = router.and_then(|router| router.current().0);
    append(
        store,
        Event::RouterRolledBack(RouterRolledBack {
            from,
            by: by.to_owned(),
        }),
        by,
    )
    .await
}

/// Runs the latest model saved under `name` in shadow (or stops the shadow, with `None`).
pub async fn shadow(store: &EventStore, models: &ModelStore, name: Option<&str>, by: &str) -> Result<(), LearnError> {
    let model = match name {
        Some(name) => {
            let reference = models
                .find(name)
                .await?
                .ok_or_else(|| LearnError::UnknownModel(name.to_owned()))?;
            models.load(&reference.version).await?;
            Some(reference)
        }
        None => None,
    };
    append(
        store,
        Event::RouterShadowSet(RouterShadowSet {
            model,
            by: by.to_owned(),
        }),
        by,
    )
    .await
}
