//! A message as the readers match it, prepared once: lowercased and normalised ([`normalize`]),
//! and that again folded for Arabic matching ([`fold_arabic`]). Every reader of
//! [`super::questions`] takes a [`Message`], so a request pays for these once, not once per
//! reader and per cue; and every cue table is folded once per process ([`Cues`]), not inside
//! the loops that match it.

use std::sync::OnceLock;

use super::text::{Token, contains_word, fold_arabic, normalize, starts_word, tokenize, word_at};

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

/// A table of cues (lowercase words or phrases, either script), with its folded form and its
/// automata built the first time it is matched.
///
/// A table is matched in one pass over the message, not one search per cue: an Aho-Corasick
/// automaton over every cue as written, and one over every cue folded, report each occurrence,
/// and the whole-word rules of [`contains_word`] are checked only where a cue occurs. The first
/// cue *of the table* that the message says wins, as before (#27: a cue search per cue and per
/// table was a sixth of a greeting chat's CPU).
pub struct Cues {
    list: &'static [&'static str],
    prepared: OnceLock<Prepared>,
}

struct Prepared {
    folded: Vec<String>,
    written: Automaton,
    folded_automaton: Automaton,
}

/// Every cue of a table, searched at once; `arabic[i]`: cue `i` has Arabic letters (its
/// whole-word rule allows clitics in front).
struct Automaton {
    searcher: Option<aho_corasick::AhoCorasick>,
    arabic: Vec<bool>,
}

impl Automaton {
    fn new<S: AsRef<str>>(cues: &[S]) -> Self {
        // An empty cue never matches ([`contains_word`]); it stays out of the automaton, which
        // would report it everywhere, and keeps its index by standing in as an impossible byte.
        let patterns: Vec<&[u8]> = cues
            .iter()
            .map(|cue| {
                let cue = cue.as_ref().as_bytes();
                if cue.is_empty() { &[0xFF][..] } else { cue }
            })
            .collect();
        let searcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&patterns)
            .ok();
        Self {
            searcher,
            arabic: cues
                .iter()
                .map(|cue| cue.as_ref().chars().any(super::text::is_arabic))
                .collect(),
        }
    }

    /// The smallest index of a cue said in `haystack` as whole words, if one is below `below`.
    fn first_said<S: AsRef<str>>(&self, cues: &[S], haystack: &str, below: usize) -> Option<usize> {
        let searcher = self.searcher.as_ref()?;
        let mut best: Option<usize> = None;
        for found in searcher.find_overlapping_iter(haystack) {
            let index = found.pattern().as_usize();
            if index < best.unwrap_or(below)
                && word_at(haystack, found.start(), cues[index].as_ref(), self.arabic[index])
            {
                best = Some(index);
            }
        }
        best
    }
}

impl Cues {
    pub const fn new(list: &'static [&'static str]) -> Self {
        Self {
            list,
            prepared: OnceLock::new(),
        }
    }

    fn prepared(&self) -> &Prepared {
        self.prepared.get_or_init(|| {
            let folded: Vec<String> = self.list.iter().map(|cue| fold_arabic(cue)).collect();
            Prepared {
                written: Automaton::new(self.list),
                folded_automaton: Automaton::new(&folded),
                folded,
            }
        })
    }

    /// The cues, each folded.
    pub fn folded(&self) -> &[String] {
        &self.prepared().folded
    }

    /// The first cue the message says, as written or once both are folded.
    pub fn find(&self, message: &Message) -> Option<&'static str> {
        let prepared = self.prepared();
        let written = prepared.written.first_said(self.list, &message.lower, self.list.len());
        let folded =
            prepared
                .folded_automaton
                .first_said(&prepared.folded, &message.folded, written.unwrap_or(self.list.len()));
        folded.or(written).map(|index| self.list[index])
    }

    /// The first cue the message says as written (no folding).
    pub fn find_as_written(&self, message: &Message) -> Option<&'static str> {
        let prepared = self.prepared();
        prepared
            .written
            .first_said(self.list, &message.lower, self.list.len())
            .map(|index| self.list[index])
    }

    /// The first cue the message says once both are folded.
    pub fn find_folded(&self, message: &Message) -> Option<&'static str> {
        let prepared = self.prepared();
        prepared
            .folded_automaton
            .first_said(&prepared.folded, &message.folded, self.list.len())
            .map(|index| self.list[index])
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

    /// What [`Cues::find`] did before it had an automaton: each cue in the table's order, searched
    /// on its own.
    fn find_one_by_one(table: &Cues, message: &Message) -> Option<&'static str> {
        table
            .list
            .iter()
            .zip(table.folded())
            .find(|(cue, folded)| contains_word(&message.lower, cue) || contains_word(&message.folded, folded))
            .map(|(cue, _)| *cue)
    }

    #[test]
    fn the_automaton_finds_the_same_cue_as_a_search_per_cue() {
        // Cues that overlap, nest, share prefixes, carry Arabic clitics, fold, and are two
        // Arabic letters long (whose endings are restricted).
        static TABLE: Cues = Cues::new(&[
            "prayer times",
            "pray",
            "prayer",
            "ray",
            "is it",
            "it",
            "الصلاة",
            "صلاة",
            "حج",
            "بر الوالدين",
            "بر",
            "قصر الصلاة",
            "",
            "jam'",
        ]);
        let pieces = [
            "what are the prayer times",
            "spray",
            "prayers",
            "is it allowed",
            "it's",
            "والصلاة",
            "للصلاة",
            "الصلاه",
            "صلاةٌ",
            "حجز",
            "حجكم",
            "البرمجة",
            "بر الوالدين",
            "بره",
            "قصر الصلاه",
            "jam’",
            "x-ray",
            "؟",
            "",
        ];
        let mut checked = 0;
        for first in pieces {
            for second in pieces {
                for separator in [" ", ", ", ""] {
                    let message = Message::new(&format!("{first}{separator}{second}"));
                    assert_eq!(
                        TABLE.find(&message),
                        find_one_by_one(&TABLE, &message),
                        "{:?}",
                        message.raw
                    );
                    let written = TABLE
                        .list
                        .iter()
                        .find(|cue| contains_word(&message.lower, cue))
                        .copied();
                    assert_eq!(TABLE.find_as_written(&message), written, "{:?}", message.raw);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, pieces.len() * pieces.len() * 3);
        // And the table's order decides, not the message's: "prayer times" is listed first.
        assert_eq!(TABLE.find(&Message::new("pray at prayer times")), Some("prayer times"));
        assert_eq!(TABLE.find(&Message::new("x-ray")), Some("ray"));
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
