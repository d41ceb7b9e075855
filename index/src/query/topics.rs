//! Common questions and the words their answers are written in (`data/topics_en.txt`), and
//! modern words the texts do not use in the user's sense, with the words to search instead.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::arabic;

const TOPICS: &str = include_str!("../../data/topics_en.txt");

/// The weight of a word a common question adds, against 1 for a word the user typed.
pub const ADDED_WEIGHT: f32 = 0.6;

/// A common question: what asks it, and the words its answer is written in.
struct Question {
    trigger: Vec<String>,
    answer: Vec<&'static str>,
    /// Whether the trigger describes the asker's circumstances ("slept through fajr") rather
    /// than naming the topic ("anger", "wudu"): such words are shared by stories that do not
    /// answer, so the answer's words are searched first.
    situation: bool,
}

impl Question {
    /// The trigger's words, whatever its parts.
    fn trigger_words(&self) -> Vec<&str> {
        self.trigger.iter().flat_map(|part| part.split(' ')).collect()
    }
}

/// What [`Topics::recognise`] found in a question.
#[derive(Debug, Default)]
pub struct Recognised {
    /// The words the answers are written in.
    pub answer: Vec<&'static str>,
    /// The question's own words, as written (lowercase, Arabic folded), that describe the
    /// asker's circumstances, from the questions marked `situation` in the file.
    pub situation: Vec<String>,
    /// The question's own words, as written, that a recognised question's trigger names: words
    /// the file bridges to the texts' words ("suhoor"), whether or not the texts hold them.
    pub triggered: Vec<String>,
}

pub struct Topics {
    /// Triggers and the words they add. A trigger is one phrase (lowercase words, space-joined),
    /// or several joined by `+` in the file, each to be found anywhere in the question
    /// ("rakat + journey": the words of a question need not be next to each other).
    questions: Vec<Question>,
    replacements: HashMap<String, Vec<&'static str>>,
}

/// Lowercase words; Arabic words folded and without their clitics.
fn words_of(text: &str) -> Vec<String> {
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
        .collect()
}

/// Past forms English does not make with "-ed", as their verb: a trigger written "forgot how
/// many" is asked as "I forget how many", and "slept through" as "sleeping through".
const IRREGULAR: &[(&str, &str)] = &[
    ("forgot", "forget"),
    ("forgotten", "forget"),
    ("slept", "sleep"),
    ("ate", "eat"),
    ("eaten", "eat"),
    ("drank", "drink"),
    ("drunk", "drink"),
    ("woke", "wake"),
    ("woken", "wake"),
    ("said", "say"),
    ("gave", "give"),
    ("given", "give"),
    ("went", "go"),
    ("gone", "go"),
    ("came", "come"),
    ("told", "tell"),
    ("bought", "buy"),
    ("sold", "sell"),
    ("made", "make"),
    ("paid", "pay"),
    ("fell", "fall"),
    ("fallen", "fall"),
    ("felt", "feel"),
    ("saw", "see"),
    ("seen", "see"),
    ("heard", "hear"),
    ("broke", "break"),
    ("broken", "break"),
    ("spent", "spend"),
    ("stole", "steal"),
    ("stolen", "steal"),
    ("swore", "swear"),
    ("sworn", "swear"),
    ("fought", "fight"),
    ("lent", "lend"),
    ("kept", "keep"),
    ("took", "take"),
    ("taken", "take"),
    ("began", "begin"),
    ("begun", "begin"),
    ("forgave", "forgive"),
    ("forgiven", "forgive"),
    ("met", "meet"),
    ("sat", "sit"),
    ("stood", "stand"),
    ("hurt", "hurt"),
    ("lost", "lose"),
    ("got", "get"),
    ("did", "do"),
    ("done", "do"),
];

/// A word as triggers are matched: an English word by its stem, after its irregular past
/// ("forgot", "forgetting" and "forget" are one word; "rakats" is "rakat", "prayed" is "pray"),
/// so that a question is recognised however its verbs are inflected. Only inflections are
/// stemmed: "forgetfully" stays itself, not "forget". Arabic words as folded.
fn stem(word: &str) -> String {
    use std::cell::RefCell;

    use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer};

    thread_local! {
        static ENGLISH: RefCell<TextAnalyzer> = RefCell::new(
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        );
    }
    if !word.chars().all(|c| c.is_ascii_alphanumeric()) {
        return word.to_owned();
    }
    if let Some((_, verb)) = IRREGULAR.iter().find(|(past, _)| *past == word) {
        return (*verb).to_owned();
    }
    if !(word.ends_with('s') || word.ends_with("ed") || word.ends_with("ing")) {
        return word.to_owned();
    }
    ENGLISH.with(|analyzer| {
        let mut analyzer = analyzer.borrow_mut();
        let mut stream = analyzer.token_stream(word);
        let mut stemmed = word.to_owned();
        if stream.advance() {
            stemmed.clone_from(&stream.token().text);
        }
        stemmed
    })
}

/// Stems of lowercase words, space-joined, as triggers are matched.
fn normalize(text: &str) -> String {
    words_of(text)
        .iter()
        .map(|word| stem(word))
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
            let (triggers, situation) = match triggers.trim().strip_prefix("situation ") {
                Some(triggers) => (triggers, true),
                None => (triggers, false),
            };
            if let Some(modern) = triggers.trim().strip_prefix("replace ") {
                for word in modern.split('|') {
                    // An Arabic word is looked up as folded and without its clitics («الطائرة»
                    // and «طائرة» are one word).
                    let word = word.trim();
                    let key = if arabic::has_arabic(word) {
                        words_of(word).join(" ")
                    } else {
                        word.to_lowercase()
                    };
                    replacements.insert(key, words.clone());
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
                    questions.push(Question {
                        trigger: parts,
                        answer: words.clone(),
                        situation,
                    });
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

    /// The texts' words for a modern word, if it is one: an English word lowercase, an Arabic
    /// word folded and without its clitics.
    pub fn replacement(&self, word: &str) -> Option<&[&'static str]> {
        self.replacements.get(word).map(Vec::as_slice)
    }

    /// The words the answers to the questions in `text` are written in.
    pub fn answers_for(&self, text: &str) -> Vec<&'static str> {
        self.recognise(text).answer
    }

    /// The common questions in `text`: the words their answers are written in, and the words of
    /// `text` that describe a situation (lowercase, Arabic folded, as written).
    pub fn recognise(&self, text: &str) -> Recognised {
        let written = words_of(text);
        let stems: Vec<String> = written.iter().map(|word| stem(word)).collect();
        let words = stems.join(" ");
        let words = words.as_str();
        let asked: Vec<&Question> = self
            .questions
            .iter()
            .filter(|question| question.trigger.iter().all(|part| whole_words(words, part)))
            .collect();
        let mut recognised = Recognised::default();
        for question in &asked {
            // The most specific question asked wins: "does sleeping break my wudu?" asks
            // "sleep + wudu", and not also "wudu" (how to make it), whose words would outnumber
            // the answer's.
            let narrower_asked = asked.iter().any(|other| {
                let (mine, theirs) = (question.trigger_words(), other.trigger_words());
                theirs.len() > mine.len() && mine.iter().all(|word| theirs.contains(word))
            });
            if narrower_asked {
                continue;
            }
            for word in &question.answer {
                if !recognised.answer.contains(word) {
                    recognised.answer.push(word);
                }
            }
            let trigger = question.trigger_words();
            for (asked, stemmed) in written.iter().zip(&stems) {
                if trigger.contains(&stemmed.as_str()) && !recognised.triggered.contains(asked) {
                    recognised.triggered.push(asked.clone());
                }
            }
            if !question.situation {
                continue;
            }
            // The question's words as written whose stems the trigger names.
            for (asked, stemmed) in written.iter().zip(&stems) {
                if trigger.contains(&stemmed.as_str()) && !recognised.situation.contains(asked) {
                    recognised.situation.push(asked.clone());
                }
            }
        }
        recognised
    }
}
