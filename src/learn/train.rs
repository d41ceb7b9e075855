//! Training and evaluating a routing model from the log. The examples are read with the same
//! reader as a replay (global order, personal content unsealed; erased requests left out). The
//! most recent 20% by log position are held out. On the held-out requests somebody judged, the
//! model is scored beside the current rules (re-run on the same requests) and beside a random
//! forest (`linfa-ensemble`, one tree per bootstrap sample over a random third of the features,
//! trained on a bounded sample: the system design's sketch, kept for comparison).

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use hijraah_domain::learn::{Choice, Example, Examples, Features, Scores, examples::ALWAYS_ANSWERING, score};
use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_ensemble::RandomForestParams;
use linfa_trees::DecisionTree;
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::model::{RouterModel, features_of, fit, label_counts};
use crate::agents::{AgentRequest, Coordinator};
use crate::privacy::Vault;
use crate::store::{Checkpoint, EventStore};

/// The share of the most recent examples held out for evaluation.
pub const HELD_OUT: f64 = 0.2;
const READ_BATCH: i64 = 10_000;
/// The random forest's bounds: it is a comparison, not what serves.
const FOREST_SAMPLE: usize = 3_000;
const FOREST_TREES: usize = 15;
const FOREST_BUCKETS: usize = 512;

/// Every request in the log up to `until` (a position; the whole log without), as examples in
/// log order, and the last position read.
pub async fn read_examples(
    store: &EventStore,
    vault: &Vault,
    until: Option<i64>,
) -> anyhow::Result<(Vec<Example>, i64)> {
    let mut examples = Examples::new();
    let mut after = Checkpoint::START;
    let mut last = 0;
    'read: loop {
        let batch = store.read_all(after, READ_BATCH, None).await?;
        let Some((checkpoint, _)) = batch.last() else {
            break;
        };
        after = *checkpoint;
        let mut envelopes: Vec<_> = batch.into_iter().map(|(_, envelope)| envelope).collect();
        vault.unseal_pooled(&mut envelopes).await?;
        for envelope in &envelopes {
            if until.is_some_and(|until| envelope.position > until) {
                continue;
            }
            last = last.max(envelope.position);
            if let Ok(event) = envelope.decode() {
                examples.push(envelope.position, &event);
            }
        }
        if until.is_some_and(|until| after.position > until && envelopes.iter().all(|e| e.position > until)) {
            break 'read;
        }
    }
    let mut examples = examples.finish();
    examples.sort_by_key(|example| example.position);
    Ok((examples, last))
}

/// The position from which examples are held out: the most recent [`HELD_OUT`] of them.
pub fn held_out_from(examples: &[Example]) -> i64 {
    if examples.is_empty() {
        return i64::MAX;
    }
    let cut = ((examples.len() as f64) * (1.0 - HELD_OUT)).floor() as usize;
    examples.get(cut).map_or(i64::MAX, |example| example.position)
}

/// Trains a model on the examples before the held-out ones, and evaluates it.
pub fn train(name: &str, examples: &[Example], trained_until: i64, rules: &Coordinator) -> anyhow::Result<RouterModel> {
    let started = std::time::Instant::now();
    let split = held_out_from(examples);
    let (training, held_out): (Vec<&Example>, Vec<&Example>) =
        examples.iter().partition(|example| example.position < split);
    let training: Vec<Example> = training.into_iter().cloned().collect();
    anyhow::ensure!(!training.is_empty(), "the log holds no requests to learn from");
    let features = features_of(&training);
    let classifiers = fit(&training, &features)?;
    anyhow::ensure!(
        !classifiers.is_empty(),
        "no agent has both positive and negative examples to learn from"
    );
    let fitted_in = started.elapsed().as_secs_f64();
    let mut model = RouterModel {
        name: name.to_owned(),
        trained_at: Utc::now(),
        trained_until,
        held_out_from: split,
        dimensions: hijraah_domain::learn::DIMENSIONS,
        classifiers,
        report: Value::Null,
    };
    let judged: Vec<&Example> = held_out.iter().copied().filter(|example| example.is_judged()).collect();
    let forest_started = std::time::Instant::now();
    let forest = forest_scores(&training, &features, &judged).unwrap_or_else(|error| {
        tracing::warn!(error = %error, "the random forest could not be trained");
        Scores::default()
    });
    let forest_seconds = forest_started.elapsed().as_secs_f64();
    model.report = json!({
        "training": {
            "examples": training.len(),
            "judged": training.iter().filter(|example| example.is_judged()).count(),
            "labels": label_counts(&training),
            "seconds": (fitted_in * 1000.0).round() / 1000.0,
        },
        "held_out": {"examples": held_out.len(), "judged": judged.len(), "from_position": split},
        "model": model_scores(&model, &judged),
        "rules": rules_scores(rules, &judged),
        "random_forest": forest,
        "random_forest_seconds": (forest_seconds * 1000.0).round() / 1000.0,
    });
    Ok(model)
}

fn truth(example: &Example) -> BTreeSet<String> {
    example.positives().into_iter().map(str::to_owned).collect()
}

/// The model's scores on examples.
pub fn model_scores(model: &RouterModel, examples: &[&Example]) -> Scores {
    let choices: Vec<Choice> = examples
        .iter()
        .map(|example| Choice {
            truth: truth(example),
            chosen: model.choose(&hijraah_domain::learn::features(&example.request())),
        })
        .collect();
    score(&choices)
}

/// The current rules' scores on the same examples (re-run on each request's text and context).
pub fn rules_scores(rules: &Coordinator, examples: &[&Example]) -> Scores {
    let choices: Vec<Choice> = examples
        .iter()
        .map(|example| Choice {
            truth: truth(example),
            chosen: rules_choice(rules, &example.text, &example.language, &example.context),
        })
        .collect();
    score(&choices)
}

/// The specialised agents the rules choose for a request, best first.
pub fn rules_choice(rules: &Coordinator, text: &str, language: &str, context: &Value) -> Vec<String> {
    rules_choice_after(rules, text, language, context, &[])
}

/// The rules' choice for a message that follows an exchange the agents `previous` answered.
fn rules_choice_after(
    rules: &Coordinator,
    text: &str,
    language: &str,
    context: &Value,
    previous: &[String],
) -> Vec<String> {
    rules
        .route(&rules_request(rules, text, language, context, previous))
        .selected
        .iter()
        .map(|registered| registered.agent.agent_type().to_owned())
        .filter(|agent| !ALWAYS_ANSWERING.contains(&agent.as_str()))
        .collect()
}

/// A request as the chat makes it for `text`, following an exchange the agents `previous`
/// answered (none: a first message), for running the rules without a server.
pub fn rules_request(
    rules: &Coordinator,
    text: &str,
    language: &str,
    context: &Value,
    previous: &[String],
) -> AgentRequest {
    let previous = (!previous.is_empty()).then(|| {
        std::sync::Arc::new(hijraah_domain::conversation::LastExchange {
            content: String::new(),
            language: language.to_owned(),
            context: Value::Null,
            replies: previous
                .iter()
                .map(|agent_type| hijraah_domain::conversation::ExchangeReply {
                    agent_type: agent_type.clone(),
                    metadata: Value::Null,
                })
                .collect(),
        })
    });
    AgentRequest {
        message_id: Uuid::nil(),
        conversation_id: Uuid::nil(),
        user_id: "learn".into(),
        content: text.to_owned(),
        language: language.to_owned(),
        context: context.clone(),
        role: hijraah_domain::user::Role::User,
        available_agent_types: rules.registry().agent_types(),
        asked_at: Utc::now(),
        previous,
        answered: Vec::new(),
        intent_by_meaning: None,
        read: Default::default(),
    }
}

fn forest_scores(training: &[Example], features: &[Features], judged: &[&Example]) -> anyhow::Result<Scores> {
    let agents = super::model::agents_of(training);
    let none = agents.len();
    // The agent the example is mostly about: a judged positive first, else the rules' first.
    let primary = |example: &Example| {
        example
            .labels
            .iter()
            .filter(|(_, label)| label.positive)
            .max_by(|a, b| a.1.weight.total_cmp(&b.1.weight))
            .and_then(|(agent, _)| agents.iter().position(|known| known == agent))
            .unwrap_or(none)
    };
    let step = training.len().div_ceil(FOREST_SAMPLE).max(1);
    let rows: Vec<usize> = (0..training.len()).step_by(step).collect();
    let dense = |features: &Features, row: &mut ndarray::ArrayViewMut1<f64>| {
        for (bucket, _) in features {
            row[*bucket as usize % FOREST_BUCKETS] = 1.0;
        }
    };
    let mut records = Array2::<f64>::zeros((rows.len(), FOREST_BUCKETS));
    let mut targets = Array1::<usize>::zeros(rows.len());
    for (row, &index) in rows.iter().enumerate() {
        dense(&features[index], &mut records.row_mut(row));
        targets[row] = primary(&training[index]);
    }
    let forest = RandomForestParams::new_fixed_rng(
        DecisionTree::params().max_depth(Some(12)),
        rand::rngs::StdRng::seed_from_u64(7),
    )
    .ensemble_size(FOREST_TREES)
    .bootstrap_proportion(0.7)
    .feature_proportion(0.3)
    .fit(&DatasetBase::new(records, targets))
    .context("fitting the random forest")?;
    let mut test = Array2::<f64>::zeros((judged.len(), FOREST_BUCKETS));
    for (row, example) in judged.iter().enumerate() {
        dense(
            &hijraah_domain::learn::features(&example.request()),
            &mut test.row_mut(row),
        );
    }
    let predicted: Array1<usize> = forest.predict(&test);
    let choices: Vec<Choice> = judged
        .iter()
        .zip(predicted.iter())
        .map(|(example, class)| Choice {
            truth: truth(example),
            chosen: agents.get(*class).cloned().into_iter().collect(),
        })
        .collect();
    Ok(score(&choices))
}

/// A labelled case file line (`../shared/eval/chat_dev.jsonl`'s format, and `chat_dev_2.jsonl`'s:
/// `turns` in place of `content`, the last one judged after the earlier ones).
#[derive(Debug, Deserialize)]
struct Case {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    turns: Vec<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    context: Value,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
struct Expect {
    /// Absent for a case that only says who must not answer (out of scope): then no specialist.
    #[serde(default)]
    agents: Vec<String>,
}

/// The model's and the rules' scores on a labelled case file.
pub fn evaluate_cases(
    model: &RouterModel,
    rules: &Coordinator,
    path: &std::path::Path,
) -> anyhow::Result<(Scores, Scores)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (mut by_model, mut by_rules) = (Vec::new(), Vec::new());
    for (line, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(raw).with_context(|| format!("{}:{}", path.display(), line + 1))?;
        let mut turns = case.turns;
        turns.extend(case.content);
        let Some(content) = turns.pop() else {
            anyhow::bail!("{}:{}: a case needs `content` or `turns`", path.display(), line + 1);
        };
        let language = case
            .language
            .unwrap_or_else(|| crate::agents::language::detect(&content).to_owned());
        // The earlier turns as the rules route them: the last one's agents answered before.
        let mut previous: Vec<String> = Vec::new();
        for turn in &turns {
            previous = rules_choice_after(rules, turn, &language, &case.context, &previous);
        }
        let truth: BTreeSet<String> = case
            .expect
            .agents
            .into_iter()
            .filter(|agent| !ALWAYS_ANSWERING.contains(&agent.as_str()))
            .collect();
        let features = hijraah_domain::learn::features(&hijraah_domain::learn::Request {
            text: &content,
            language: &language,
            context: &case.context,
            previous_agent: previous.first().map(String::as_str),
            // The development cases are scored as the rules read them, without the encoder.
            meaning: None,
        });
        by_model.push(Choice {
            truth: truth.clone(),
            chosen: model.choose(&features),
        });
        by_rules.push(Choice {
            truth,
            chosen: rules_choice_after(rules, &content, &language, &case.context, &previous),
        });
    }
    Ok((score(&by_model), score(&by_rules)))
}

/// A table of scores side by side, for the terminal.
pub fn table(columns: &[(&str, &Scores)]) -> String {
    let mut agents: BTreeSet<&String> = BTreeSet::new();
    for (_, scores) in columns {
        agents.extend(scores.per_agent.keys());
    }
    let mut out = format!("{:<20}", "agent (P / R / F1)");
    for (name, _) in columns {
        out.push_str(&format!(" | {name:^22}"));
    }
    out.push('\n');
    let cell = |prf: Option<&hijraah_domain::learn::Prf>| match prf {
        Some(prf) => format!("{:.2} / {:.2} / {:.2}", prf.precision, prf.recall, prf.f1),
        None => "-".to_owned(),
    };
    for agent in agents {
        out.push_str(&format!("{agent:<20}"));
        for (_, scores) in columns {
            out.push_str(&format!(" | {:^22}", cell(scores.per_agent.get(agent))));
        }
        out.push('\n');
    }
    out.push_str(&format!("{:<20}", "all (micro)"));
    for (_, scores) in columns {
        out.push_str(&format!(" | {:^22}", cell(Some(&scores.micro))));
    }
    out.push('\n');
    out.push_str(&format!("{:<20}", "top-1 accuracy"));
    for (_, scores) in columns {
        out.push_str(&format!(" | {:^22}", format!("{:.3}", scores.top1_accuracy)));
    }
    out.push('\n');
    out.push_str(&format!("{:<20}", "examples"));
    for (_, scores) in columns {
        out.push_str(&format!(" | {:^22}", scores.examples));
    }
    out.push('\n');
    out
}

/// A coordinator over Hijraah's own agents, to run the current rules beside a model.
pub fn rules_coordinator(
    store: EventStore,
    pool: sqlx::PgPool,
    vault: Vault,
    scratch: &std::path::Path,
) -> anyhow::Result<Coordinator> {
    let registry = crate::startup::default_registry();
    let knowledge = crate::knowledge::KnowledgeService::open(
        store.clone(),
        crate::store::LogNotifier::default(),
        scratch.to_path_buf(),
        true,
    )
    .context("cannot open a scratch index for the rules")?;
    let workflows = Arc::new(crate::workflows::WorkflowService::new(store, pool.clone(), vault));
    crate::startup::register_specialised_agents(&registry, &knowledge, &pool, &workflows, false);
    Ok(Coordinator::new(registry, std::time::Duration::from_secs(5)))
}
