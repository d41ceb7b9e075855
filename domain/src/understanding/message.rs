//! A message as the readers match it, prepared once: lowercased and normalised ([`normalize`]),
//! and that again folded for Arabic matching ([`fold_arabic`]). Every reader of
//! [`super::questions`] takes a [`Message`], so a request pays for these once, not once per
//! reader and per cue; and every cue table is folded once per process ([`Cues`]), not inside
//! the loops that match it.

use std::sync::OnceLock;

use super::text::{Token, contains_word, fold_arabic, normalize, starts_word, tokenize};

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// As the user wrote it.
    pub raw: String,
    /// Lowercased, digits in ASCII, separators and quotes normalised.
    pub lower: String,
    /// `lower` with Arabic folded (marks removed, alef forms, ى, ة).
    pub folded: String,
    /// `lower` read into words, numbers and marks.
    pub tokens: Vec<Token>,
}

impl Message {
    pub fn new(raw: &str) -> Self {
        let lower = normalize(&raw.to_lowercase());
        let folded = fold_arabic(&lower);
        Self {
            raw: raw.to_owned(),
            tokens: tokenize(&lower),
            lower,
            folded,
        }
    }

    /// Whether the message says `cue` (lowercase) as whole words, in its own spelling.
    pub fn says(&self, cue: &str) -> bool {
        contains_word(&self.lower, cue)
    }

    /// Whether a word of the message starts with `cue` ("pray" in "prayers").
    pub fn says_word_start(&self, cue: &str) -> bool {
        starts_word(&self.lower, cue)
    }

    /// Whether the message says `folded_cue` (already folded) once both are folded.
    pub fn says_folded(&self, folded_cue: &str) -> bool {
        contains_word(&self.folded, folded_cue)
    }

    pub fn has_arabic(&self) -> bool {
        self.lower.chars().any(super::text::is_arabic)
    }
}

impl From<&str> for Message {
    fn from(raw: &str) -> Self {
        Self::new(raw)
    }
}

/// A table of cues (lowercase words or phrases, either script), with its folded form computed
/// the first time it is matched.
pub struct Cues {
    list: &'static [&'static str],
    folded: OnceLock<Vec<String>>,
}

impl Cues {
    pub const fn new(list: &'static [&'static str]) -> Self {
        Self {
            list,
            folded: OnceLock::new(),
        }
    }

    /// The cues, each folded.
    pub fn folded(&self) -> &[String] {
        self.folded
            .get_or_init(|| self.list.iter().map(|cue| fold_arabic(cue)).collect())
    }

    /// The first cue the message says, as written or once both are folded.
    pub fn find(&self, message: &Message) -> Option<&'static str> {
        self.list
            .iter()
            .zip(self.folded())
            .find(|(cue, folded)| message.says(cue) || message.says_folded(folded))
            .map(|(cue, _)| *cue)
    }

    /// The first cue the message says as written (no folding).
    pub fn find_as_written(&self, message: &Message) -> Option<&'static str> {
        self.list.iter().find(|cue| message.says(cue)).copied()
    }

    /// The first cue the message says once both are folded.
    pub fn find_folded(&self, message: &Message) -> Option<&'static str> {
        self.list
            .iter()
            .zip(self.folded())
            .find(|(_, folded)| message.says_folded(folded))
            .map(|(cue, _)| *cue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_prepared_once_for_every_reader() {
        let message = Message::new("ما حُكمُ الصلاةِ في الطائرة؟ ١٢٣");
        assert_eq!(message.lower, "ما حُكمُ الصلاةِ في الطائرة؟ 123");
        assert_eq!(message.folded, "ما حكم الصلاه في الطائره؟ 123");
        assert!(message.says_folded("الصلاه"));
        assert!(!message.says("الصلاه"));
        assert!(message.has_arabic());
    }

    #[test]
    fn a_table_finds_a_cue_as_written_or_folded() {
        static TABLE: Cues = Cues::new(&["combine", "قصر الصلاة", "jam'"]);
        assert_eq!(TABLE.find(&Message::new("Can I COMBINE them?")), Some("combine"));
        assert_eq!(TABLE.find(&Message::new("ما حكم قصر الصلاه")), Some("قصر الصلاة"));
        assert_eq!(TABLE.find(&Message::new("is jam’ allowed")), Some("jam'"));
        assert_eq!(TABLE.find(&Message::new("combined")), None);
        assert_eq!(TABLE.find_as_written(&Message::new("ما حكم قصر الصلاه")), None);
        assert_eq!(TABLE.find_folded(&Message::new("ما حكم قصر الصلاه")), Some("قصر الصلاة"));
    }
}
