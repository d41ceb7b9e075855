//! The learned router's model: for each agent, a Bernoulli naive Bayes classifier (`linfa-bayes`)
//! over the request's hashed features, "should this agent answer?". A judged example counts
//! [`JUDGED_REPEAT`] times against a weak one (the weights of [`WEAK_WEIGHT`], as whole samples).
//!
//! A trained classifier is linear in its binary features: its log-odds are a bias plus one weight
//! per feature present. Those numbers, read off the fitted model, are what the file keeps and
//! what a server computes per chat: a sum over the few dozen features a request has, instead of
//! a dense pass over all [`DIMENSIONS`]. A unit test checks the two agree with linfa's own
//! probabilities.
//!
//! A model file is JSON named by the SHA-256 of its content (its version): the promotion event
//! names that hash, so a replay with the same model reproduces the same decisions.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use hijraah_domain::learn::{DIMENSIONS, Example, Features, WEAK_WEIGHT, features};
use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_bayes::{BernoulliNb, NaiveBayes};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How many times a judged example counts against one labelled by the rules (1 / [`WEAK_WEIGHT`]).
pub const JUDGED_REPEAT: usize = (1.0 / WEAK_WEIGHT) as usize;
/// Laplace smoothing.
const ALPHA: f32 = 1.0;
/// An agent is chosen when the model gives it at least this probability.
pub const THRESHOLD: f64 = 0.5;

/// One agent's linear classifier: log-odds = bias + Σ weights of the features present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentClassifier {
    pub agent_type: String,
    pub bias: f64,
    pub weights: Vec<f32>,
    /// Training examples labelled positive and negative for this agent.
    pub positives: u64,
    pub negatives: u64,
}

/// A trained routing model, as its file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterModel {
    pub name: String,
    pub trained_at: DateTime<Utc>,
    /// The last log position training read.
    pub trained_until: i64,
    /// Examples at or after this position were held out for evaluation.
    pub held_out_from: i64,
    pub dimensions: usize,
    pub classifiers: Vec<AgentClassifier>,
    /// The evaluation made when it was trained (model, rules and random forest on the held-out
    /// examples).
    pub report: Value,
}

impl RouterModel {
    /// Each agent's probability of being the one to answer, highest first.
    pub fn probabilities(&self, features: &Features) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = self
            .classifiers
            .iter()
            .map(|classifier| {
                let log_odds = features.iter().fold(classifier.bias, |sum, (bucket, _)| {
                    sum + f64::from(classifier.weights[*bucket as usize])
                });
                (classifier.agent_type.clone(), 1.0 / (1.0 + (-log_odds).exp()))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// The agents the model chooses, best first.
    pub fn choose(&self, features: &Features) -> Vec<String> {
        self.probabilities(features)
            .into_iter()
            .filter(|(_, p)| *p >= THRESHOLD)
            .map(|(agent, _)| agent)
            .collect()
    }

    /// The agent types this model knows.
    pub fn knows(&self, agent_type: &str) -> bool {
        self.classifiers
            .iter()
            .any(|classifier| classifier.agent_type == agent_type)
    }

    /// The file's bytes and its version (the hex SHA-256 of those bytes).
    pub fn to_file(&self) -> anyhow::Result<(Vec<u8>, String)> {
        let bytes = serde_json::to_vec(self)?;
        let version = hijraah_domain::hex(&Sha256::digest(&bytes));
        Ok((bytes, version))
    }

    /// A model from its file, checked against the version it is known by.
    pub fn from_file(bytes: &[u8], version: &str) -> anyhow::Result<RouterModel> {
        let actual = hijraah_domain::hex(&Sha256::digest(bytes));
        anyhow::ensure!(
            actual == version,
            "the model file's content hash is {actual}, not {version}: it was changed or corrupted"
        );
        let model: RouterModel = serde_json::from_slice(bytes).context("the model file is not a router model")?;
        anyhow::ensure!(
            model.dimensions == DIMENSIONS
                && model
                    .classifiers
                    .iter()
                    .all(|classifier| classifier.weights.len() == DIMENSIONS),
            "the model was trained with {} feature buckets; this build uses {DIMENSIONS}",
            model.dimensions
        );
        Ok(model)
    }
}

/// The agent types with at least one positive label, sorted.
pub fn agents_of(examples: &[Example]) -> Vec<String> {
    let mut agents: Vec<String> = examples
        .iter()
        .flat_map(|example| example.positives().into_iter().map(str::to_owned))
        .collect();
    agents.sort();
    agents.dedup();
    agents
}

/// Fits one classifier per agent on the examples (their features precomputed, in the same
/// order).
pub fn fit(examples: &[Example], features: &[Features]) -> anyhow::Result<Vec<AgentClassifier>> {
    let mut classifiers = Vec::new();
    for agent in agents_of(examples) {
        // The rows that carry a label for this agent, each as many times as its weight says.
        let mut rows: Vec<(usize, bool)> = Vec::new();
        for (index, example) in examples.iter().enumerate() {
            if let Some(label) = example.labels.get(&agent) {
                let repeat = if label.is_judged() { JUDGED_REPEAT } else { 1 };
                rows.extend(std::iter::repeat_n((index, label.positive), repeat));
            }
        }
        let positives = rows.iter().filter(|(_, positive)| *positive).count() as u64;
        let negatives = rows.len() as u64 - positives;
        if positives == 0 || negatives == 0 {
            continue;
        }
        // The vocabulary: the buckets these rows use. A bucket no training request had is not
        // evidence either way (without this, the absence of thousands of never-seen buckets
        // would weigh against the agent with fewer examples).
        let mut vocabulary: Vec<u32> = rows
            .iter()
            .flat_map(|(index, _)| features[*index].iter().map(|(bucket, _)| *bucket))
            .collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let column = |bucket: u32| vocabulary.binary_search(&bucket).ok();
        // One `fit` over all the rows: linfa-bayes 0.8.1's incremental `fit_with` divides each
        // class's cumulative feature counts by the row count of the last batch only, which
        // gives probabilities above 1 after the first batch. f32 keeps the matrix at 4 bytes a cell.
        let mut records = Array2::<f32>::zeros((rows.len(), vocabulary.len()));
        let mut targets = Array1::<usize>::zeros(rows.len());
        for (row, (index, positive)) in rows.iter().enumerate() {
            for (bucket, _) in &features[*index] {
                if let Some(column) = column(*bucket) {
                    records[[row, column]] = 1.0;
                }
            }
            targets[row] = usize::from(*positive);
        }
        let model = BernoulliNb::<f32, usize>::params()
            .alpha(ALPHA)
            .binarize(Some(0.0))
            .fit(&DatasetBase::new(records, targets))
            .with_context(|| format!("fitting the classifier of {agent}"))?;
        let (bias, compact) = linear_form(&model, vocabulary.len());
        let mut weights = vec![0.0f32; DIMENSIONS];
        for (bucket, weight) in vocabulary.iter().zip(compact) {
            weights[*bucket as usize] = weight;
        }
        classifiers.push(AgentClassifier {
            agent_type: agent,
            bias,
            weights,
            positives,
            negatives,
        });
    }
    Ok(classifiers)
}

/// The log-odds of class 1 against class 0 at `x`.
fn log_odds(model: &BernoulliNb<f32, usize>, x: ndarray::ArrayView2<f32>) -> Array1<f32> {
    let jll = model.joint_log_likelihood(x);
    let of = |class: usize| {
        jll.iter()
            .find(|(label, _)| ***label == class)
            .map(|(_, values)| values.clone())
    };
    match (of(1), of(0)) {
        (Some(yes), Some(no)) => yes - no,
        // Only one class seen: certain either way.
        (Some(yes), None) => yes.mapv(|_| f32::INFINITY),
        _ => Array1::from_elem(x.nrows(), f32::NEG_INFINITY),
    }
}

/// Reads the fitted model's bias and per-feature weights (over its `width` columns): its log-odds at the empty request,
/// and how much each feature alone moves them (exact, as naive Bayes is linear in binary
/// features).
fn linear_form(model: &BernoulliNb<f32, usize>, width: usize) -> (f64, Vec<f32>) {
    let bias = f64::from(log_odds(model, Array2::<f32>::zeros((1, width)).view())[0]);
    let mut weights = Vec::with_capacity(width);
    for start in (0..width).step_by(512) {
        let rows = 512.min(width - start);
        let mut unit = Array2::<f32>::zeros((rows, width));
        for row in 0..rows {
            unit[[row, start + row]] = 1.0;
        }
        weights.extend(
            log_odds(model, unit.view())
                .iter()
                .map(|value| (f64::from(*value) - bias) as f32),
        );
    }
    (bias, weights)
}

/// Hashed features of every example.
pub fn features_of(examples: &[Example]) -> Vec<Features> {
    use rayon::prelude::*;
    examples
        .par_iter()
        .map(|example| features(&example.request()))
        .collect()
}

/// Counts per agent of the examples' labels, for the report.
pub fn label_counts(examples: &[Example]) -> BTreeMap<String, (u64, u64)> {
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for example in examples {
        for (agent, label) in &example.labels {
            let entry = counts.entry(agent.clone()).or_default();
            if label.positive {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hijraah_domain::learn::Label;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn example(text: &str, agent: &str, judged: bool) -> Example {
        let weight = if judged { 1.0 } else { WEAK_WEIGHT };
        let mut labels = BTreeMap::new();
        for other in ["financial_services", "knowledge"] {
            labels.insert(
                other.to_owned(),
                Label {
                    positive: other == agent,
                    weight,
                },
            );
        }
        Example {
            position: 1,
            message_id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            text: text.into(),
            language: "en".into(),
            context: json!(null),
            previous_agent: None,
            meaning: None,
            labels,
        }
    }

    #[test]
    fn the_linear_form_is_the_fitted_models_own_probability_and_the_file_is_checked_by_its_hash() {
        let examples = vec![
            example("how much zakat on my savings", "financial_services", false),
            example("zakat on gold and cash", "financial_services", false),
            example("what does the quran say about patience", "knowledge", false),
            example("hadith about patience", "knowledge", true),
        ];
        let features = features_of(&examples);
        let classifiers = fit(&examples, &features).unwrap();
        assert_eq!(classifiers.len(), 2);
        let model = RouterModel {
            name: "t".into(),
            trained_at: Utc::now(),
            trained_until: 4,
            held_out_from: 4,
            dimensions: DIMENSIONS,
            classifiers,
            report: json!({}),
        };
        let question =
            hijraah_domain::learn::features(&example("zakat on savings", "financial_services", false).request());
        assert_eq!(model.choose(&question), vec!["financial_services"]);
        // The same numbers as linfa's own predict_proba on the same fitted model.
        let params = BernoulliNb::<f32, usize>::params().alpha(ALPHA).binarize(Some(0.0));
        let mut vocabulary: Vec<u32> = features.iter().flatten().map(|(bucket, _)| *bucket).collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let column = |bucket: &u32| vocabulary.binary_search(bucket).unwrap();
        let mut records = Array2::<f32>::zeros((4, vocabulary.len()));
        let targets = Array1::from(vec![1usize, 1, 0, 0]);
        for (row, features) in features.iter().enumerate() {
            for (bucket, _) in features {
                records[[row, column(bucket)]] = 1.0;
            }
        }
        // The knowledge example was judged: it counts JUDGED_REPEAT times.
        let mut rows: Vec<usize> = vec![0, 1, 2];
        rows.extend(std::iter::repeat_n(3, JUDGED_REPEAT));
        let records = records.select(ndarray::Axis(0), &rows);
        let targets = targets.select(ndarray::Axis(0), &rows);
        let fitted = params.fit(&DatasetBase::new(records, targets)).unwrap();
        let mut x = Array2::<f32>::zeros((1, vocabulary.len()));
        for (bucket, _) in &question {
            if let Ok(column) = vocabulary.binary_search(bucket) {
                x[[0, column]] = 1.0;
            }
        }
        let (probabilities, classes) = fitted.predict_proba(x.view());
        let linfa = f64::from(probabilities[[0, classes.iter().position(|c| **c == 1).unwrap()]]);
        let ours = model
            .probabilities(&question)
            .into_iter()
            .find(|(agent, _)| agent == "financial_services")
            .unwrap()
            .1;
        assert!((linfa - ours).abs() < 1e-5, "linfa {linfa}, linear form {ours}");

        let (bytes, version) = model.to_file().unwrap();
        assert_eq!(RouterModel::from_file(&bytes, &version).unwrap(), model);
        let mut tampered = bytes.clone();
        tampered[10] ^= 1;
        assert!(RouterModel::from_file(&tampered, &version).is_err());
    }

    /// A model of these classifiers, as training names and dates one.
    fn model_of(classifiers: Vec<AgentClassifier>) -> RouterModel {
        RouterModel {
            name: "t".into(),
            trained_at: Utc::now(),
            trained_until: 1,
            held_out_from: 1,
            dimensions: DIMENSIONS,
            classifiers,
            report: json!({}),
        }
    }

    #[test]
    fn the_intent_read_by_meaning_carries_to_words_the_model_never_saw() {
        // Words that say nothing the model learned; what they were read as by meaning does.
        let read = |text: &str, agent: &str, intent: &str| {
            let mut example = example(text, agent, false);
            example.meaning = Some((intent.to_owned(), true));
            example
        };
        let examples: Vec<Example> = (0..40)
            .map(|n| {
                if n % 2 == 0 {
                    read(&format!("alpha{n} bravo{n}"), "financial_services", "zakat")
                } else {
                    read(&format!("charlie{n} delta{n}"), "knowledge", "texts")
                }
            })
            .collect();
        let model = model_of(fit(&examples, &features_of(&examples)).unwrap());
        let ask = |text: &str, intent: &str| {
            model.choose(&hijraah_domain::learn::features(
                &read(text, "knowledge", intent).request(),
            ))
        };
        assert_eq!(ask("tell me about the night journey", "texts"), vec!["knowledge"]);
        assert_eq!(
            ask("tell me about the night journey", "zakat"),
            vec!["financial_services"]
        );
    }

    #[test]
    fn thousands_of_examples_give_finite_weights_and_the_right_choice() {
        // More rows than one batch of linfa's incremental fit: its bug there gave NaN weights.
        let examples: Vec<Example> = (0..6_000)
            .map(|n| {
                if n % 2 == 0 {
                    example(
                        &format!("zakat on {n} dollars of savings"),
                        "financial_services",
                        n % 50 == 0,
                    )
                } else {
                    example(&format!("a hadith about patience number {n}"), "knowledge", false)
                }
            })
            .collect();
        let features = features_of(&examples);
        let classifiers = fit(&examples, &features).unwrap();
        assert!(
            classifiers
                .iter()
                .all(|c| c.bias.is_finite() && c.weights.iter().all(|w| w.is_finite()))
        );
        let model = model_of(classifiers);
        let ask = |text: &str| {
            model.choose(&hijraah_domain::learn::features(
                &example(text, "knowledge", false).request(),
            ))
        };
        assert_eq!(ask("how much zakat on my savings"), vec!["financial_services"]);
        assert_eq!(ask("hadith on patience"), vec!["knowledge"]);
    }
}
