//! Common questions and the words their answers are written in (`data/topics_en.txt`), and
//! modern words the texts do not use in the user's sense, with the words to search instead.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::arabic;

const TOPICS: &str = include_str!("../../data/topics_en.txt");

/// The weight of a word a common question adds, against 1 for a word the user typed.
pub const ADDED_WEIGHT: f32 = 0.6;

pub struct Topics {
    /// Triggers and the words they add. A trigger is one phrase (lowercase words, space-joined),
    /// or several joined by `+` in the file, each to be found anywhere in the question
    /// ("rakat + journey": the words of a question need not be next to each other).
    questions: Vec<(Vec<String>, Vec<&'static str>)>,
    replacements: HashMap<String, Vec<&'static str>>,
}

/// Lowercase words, space-joined; Arabic words folded and without their clitics.
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || arabic::fold_char(c).is_none()))
        .filter(|word| !word.is_empty())
        .map(|word| {
            if arabic::has_arabic(word) {
                arabic::strip_clitics(&arabic::fold(word)).to_owned()
            } else {
                word.to_owned()
            }
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn whole_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(start, _)| {
        let before = haystack[..start].chars().next_back();
        let after = haystack[start + needle.len()..].chars().next();
        before.is_none_or(|c| c == ' ') && after.is_none_or(|c| c == ' ')
    })
}

impl Topics {
    fn load() -> Self {
        let mut questions = Vec::new();
        let mut replacements = HashMap::new();
        for line in TOPICS.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((triggers, answer)) = line.split_once("=>") else {
                continue;
            };
            let words: Vec<&'static str> = answer.split_whitespace().collect();
            if let Some(modern) = triggers.trim().strip_prefix("replace ") {
                for word in modern.split('|') {
                    replacements.insert(word.trim().to_lowercase(), words.clone());
                }
                continue;
            }
            for trigger in triggers.split('|') {
                let parts: Vec<String> = trigger
                    .split('+')
                    .map(normalize)
                    .filter(|part| !part.is_empty())
                    .collect();
                if !parts.is_empty() {
                    questions.push((parts, words.clone()));
                }
            }
        }
        Self {
            questions,
            replacements,
        }
    }

    pub fn get() -> &'static Topics {
        static TOPICS: OnceLock<Topics> = OnceLock::new();
        TOPICS.get_or_init(Topics::load)
    }

    /// The texts' words for a modern word, if it is one.
    pub fn replacement(&self, word: &str) -> Option<&[&'static str]> {
        self.replacements.get(word).map(Vec::as_slice)
    }

    /// The words the answers to the questions in `text` are written in.
    pub fn answers_for(&self, text: &str) -> Vec<&'static str> {
        let words = normalize(text);
        let words = words.as_str();
        let mut added: Vec<&'static str> = Vec::new();
        for (trigger, answer) in &self.questions {
            if trigger.iter().all(|part| whole_words(words, part)) {
                for word in answer {
                    if !added.contains(word) {
                        added.push(word);
                    }
                }
            }
        }
        added
    }
}
