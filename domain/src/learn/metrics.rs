//! How well a router chose: precision, recall and F1 per agent and over all agents (micro), and
//! top-1 accuracy (its first choice is one of the agents that should answer), over examples
//! whose right answer is known.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One router's choice on one example: the agents chosen, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub truth: BTreeSet<String>,
    pub chosen: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// How many examples this agent should have answered.
    pub support: u64,
}

impl Prf {
    fn of(true_positives: u64, false_positives: u64, false_negatives: u64) -> Prf {
        let ratio = |num: u64, den: u64| if den == 0 { 0.0 } else { num as f64 / den as f64 };
        let precision = ratio(true_positives, true_positives + false_positives);
        let recall = ratio(true_positives, true_positives + false_negatives);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Prf {
            precision: round(precision),
            recall: round(recall),
            f1: round(f1),
            support: true_positives + false_negatives,
        }
    }
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// A router's scores on a set of examples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub examples: u64,
    pub per_agent: BTreeMap<String, Prf>,
    /// Over every (example, agent) decision.
    pub micro: Prf,
    /// The share of examples with an agent to choose whose first choice was one of them.
    pub top1_accuracy: f64,
}

/// Scores choices.
pub fn score(choices: &[Choice]) -> Scores {
    let mut counts: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let (mut top1_right, mut top1_total) = (0u64, 0u64);
    for choice in choices {
        let chosen: BTreeSet<&String> = choice.chosen.iter().collect();
        for agent in choice.truth.iter().chain(choice.chosen.iter()) {
            counts.entry(agent.clone()).or_default();
        }
        for (agent, (tp, fp, fn_)) in counts.iter_mut() {
            match (choice.truth.contains(agent), chosen.contains(agent)) {
                (true, true) => *tp += 1,
                (false, true) => *fp += 1,
                (true, false) => *fn_ += 1,
                (false, false) => {}
            }
        }
        if !choice.truth.is_empty() {
            top1_total += 1;
            if choice.chosen.first().is_some_and(|first| choice.truth.contains(first)) {
                top1_right += 1;
            }
        }
    }
    let (tp, fp, fn_) = counts
        .values()
        .fold((0, 0, 0), |(a, b, c), (x, y, z)| (a + x, b + y, c + z));
    Scores {
        examples: choices.len() as u64,
        per_agent: counts
            .into_iter()
            .map(|(agent, (tp, fp, fn_))| (agent, Prf::of(tp, fp, fn_)))
            .collect(),
        micro: Prf::of(tp, fp, fn_),
        top1_accuracy: if top1_total == 0 {
            0.0
        } else {
            round(top1_right as f64 / top1_total as f64)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(truth: &[&str], chosen: &[&str]) -> Choice {
        Choice {
            truth: truth.iter().map(|s| s.to_string()).collect(),
            chosen: chosen.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn precision_recall_and_top1_count_what_they_say() {
        let scores = score(&[
            choice(&["financial"], &["financial"]),
            choice(&["financial", "knowledge"], &["knowledge"]),
            choice(&["community"], &["financial", "community"]),
            choice(&[], &[]),
        ]);
        assert_eq!(scores.examples, 4);
        let financial = scores.per_agent["financial"];
        // Chosen twice, right once; should have answered twice, did once.
        assert_eq!(
            (financial.precision, financial.recall, financial.support),
            (0.5, 0.5, 2)
        );
        assert_eq!(scores.per_agent["knowledge"].f1, 1.0);
        // 3 right of 4 chosen, 3 found of 4 expected.
        assert_eq!((scores.micro.precision, scores.micro.recall), (0.75, 0.75));
        // First choices: right, right, wrong; the empty case does not count.
        assert_eq!(scores.top1_accuracy, 0.667);
    }
}
