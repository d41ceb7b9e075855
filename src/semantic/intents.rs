//! What a message asks for, by meaning: the message's vector against labelled examples
//! (`intents.jsonl`, English and Arabic, each intent beside its near-misses: a ruling about prayer
//! is not a request for prayer times, the weather in a city is not a prayer question).
//!
//! The rules keep what they are good at (amounts, dates, places, hard constraints); this reading
//! speaks where they cannot place a message, and [`crate::agents::routing::by_meaning`] decides
//! what it changes. An intent's score is the mean cosine of its closest examples, so one stray
//! example does not carry a message; the reading names those examples, and `RequestRouted`
//! records them.

use std::sync::LazyLock;

use hijraah_encoder::{Encoder, Kind, cosine};
use serde::{Deserialize, Serialize};

/// Examples of an intent that count towards its score.
const NEAREST: usize = 3;

#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    pub intent: String,
    pub text: String,
}

/// The labelled examples, shipped with the binary: they are part of the product, not of a model.
pub static EXAMPLES: LazyLock<Vec<Example>> = LazyLock::new(|| parse(include_str!("intents.jsonl")));

fn parse(source: &str) -> Vec<Example> {
    source
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| match serde_json::from_str::<Example>(line) {
            Ok(example) if agent_for(&example.intent).is_some() || closes(&example.intent) => Some(example),
            Ok(example) => {
                tracing::error!(intent = example.intent, "an intent example names no known intent");
                None
            }
            Err(error) => {
                tracing::error!(%error, "an intent example does not parse");
                None
            }
        })
        .collect()
}

/// The agent type that answers an intent; `None` for what only the user interface answers.
pub fn agent_for(intent: &str) -> Option<&'static str> {
    Some(match intent {
        "prayer_times" | "qibla" | "calendar" | "mosques" => "community",
        "zakat" | "zakat_al_fitr" | "zakat_recipients" => "financial_services",
        "texts" => "knowledge",
        "migration" => "migration",
        "analytics" => "analytics",
        _ => return None,
    })
}

/// Intents no specialist answers: the user interface alone replies.
fn closes(intent: &str) -> bool {
    matches!(intent, "greeting" | "out_of_scope")
}

/// One intent's claim on a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentScore {
    pub intent: String,
    /// The agent type that answers it; `None` for a greeting or a question out of scope.
    pub agent: Option<&'static str>,
    /// Mean cosine of its closest examples.
    pub score: f32,
    /// Its closest example.
    pub example: String,
}

/// The intents of a message, best first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntentReading {
    pub ranked: Vec<IntentScore>,
}

impl IntentReading {
    pub fn best(&self) -> Option<&IntentScore> {
        self.ranked.first()
    }

    /// How far the best intent leads the best one answered by someone else (another agent, or
    /// no specialist).
    pub fn margin(&self) -> f32 {
        let Some(best) = self.best() else {
            return 0.0;
        };
        let other = self
            .ranked
            .iter()
            .find(|score| score.agent != best.agent)
            .map_or(0.0, |score| score.score);
        best.score - other
    }
}

/// The examples' vectors under one model.
pub struct IntentIndex {
    examples: &'static [Example],
    vectors: Vec<Vec<f32>>,
}

impl IntentIndex {
    /// Embeds every example: a few seconds of CPU, once per model.
    pub fn build(encoder: &Encoder) -> Self {
        let examples: &'static [Example] = EXAMPLES.as_slice();
        let texts: Vec<&str> = examples.iter().map(|example| example.text.as_str()).collect();
        let vectors = encoder.embed_many(&texts, Kind::Query, None);
        Self { examples, vectors }
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Every intent's claim on a message's vector (embedded as a query), best first.
    pub fn classify(&self, message: &[f32]) -> IntentReading {
        let mut by_intent: Vec<(&str, Vec<(f32, &str)>)> = Vec::new();
        for (example, vector) in self.examples.iter().zip(&self.vectors) {
            let similarity = cosine(message, vector);
            match by_intent.iter_mut().find(|(intent, _)| *intent == example.intent) {
                Some((_, found)) => found.push((similarity, &example.text)),
                None => by_intent.push((&example.intent, vec![(similarity, &example.text)])),
            }
        }
        let mut ranked: Vec<IntentScore> = by_intent
            .into_iter()
            .map(|(intent, mut found)| {
                found.sort_by(|a, b| b.0.total_cmp(&a.0));
                let nearest = &found[..found.len().min(NEAREST)];
                let score = nearest.iter().map(|(similarity, _)| similarity).sum::<f32>() / nearest.len() as f32;
                IntentScore {
                    intent: intent.to_owned(),
                    agent: agent_for(intent),
                    score: (score * 1000.0).round() / 1000.0,
                    example: nearest[0].1.to_owned(),
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.intent.cmp(&b.intent)));
        IntentReading { ranked }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_example_names_a_known_intent_and_each_intent_has_both_languages() {
        let source = include_str!("intents.jsonl");
        let lines = source.lines().filter(|line| !line.trim().is_empty()).count();
        assert_eq!(EXAMPLES.len(), lines, "every line parses and names a known intent");
        assert!(EXAMPLES.len() >= 300, "several hundred examples: {}", EXAMPLES.len());
        let intents: std::collections::BTreeSet<&str> = EXAMPLES.iter().map(|e| e.intent.as_str()).collect();
        for intent in intents {
            let arabic = EXAMPLES
                .iter()
                .filter(|e| e.intent == intent)
                .any(|e| hijraah_index::arabic::has_arabic(&e.text));
            let english = EXAMPLES
                .iter()
                .filter(|e| e.intent == intent)
                .any(|e| !hijraah_index::arabic::has_arabic(&e.text));
            assert!(arabic && english, "{intent} has examples in both languages");
        }
    }

    #[test]
    fn an_example_worded_again_is_read_as_its_own_intent_with_a_margin() {
        // Random weights carry no meaning, but a text's vector is its own nearest: the mechanism
        // (scores per intent, the best and its margin, the example named) is what this checks.
        let encoder = Encoder::from_bytes(&hijraah_encoder::synthetic::tiny_model(7)).expect("tiny model");
        let index = IntentIndex::build(&encoder);
        assert_eq!(index.len(), EXAMPLES.len());
        for example in EXAMPLES.iter().filter(|e| e.intent == "qibla").take(3) {
            let vector = encoder.embed(&example.text, Kind::Query);
            let reading = index.classify(&vector);
            let best = reading.best().expect("a reading");
            assert!(
                reading
                    .ranked
                    .iter()
                    .any(|score| score.intent == "qibla" && score.example == example.text)
            );
            assert_eq!(reading.ranked.len(), 12, "every intent is scored");
            assert!(best.score >= reading.ranked[1].score);
            assert!(reading.margin() >= 0.0);
        }
    }
}
