//! A short reply that only changes what the previous question was about ("and in Ankara?",
//! "what about tomorrow?", «وغدا؟»).

use hijraah_domain::understanding::questions;

use super::*;
use crate::community::gazetteer;

/// A reply that only changes what the previous question was about.
pub(super) struct FollowUp {
    /// What it changes: "place", "day", "method", "prayer".
    pub(super) changes: Vec<&'static str>,
    /// It names a prayer ("and fajr?"): the times, whatever the previous answer was.
    pub(super) prayer: bool,
}

/// Words that carry no request of their own in a follow-up.
pub(super) const LINKING: &[&str] = &[
    "and",
    "what",
    "whats",
    "what's",
    "about",
    "how",
    "for",
    "in",
    "at",
    "on",
    "the",
    "then",
    "same",
    "please",
    "ok",
    "okay",
    "there",
    "instead",
    "also",
    "is",
    "it",
    "with",
    "from",
    "by",
    "using",
    "of",
    "time",
    "times",
    "when",
    "so",
    "now",
    "thanks",
    "thank",
    "you",
    "again",
    "do",
    "does",
    "one",
    "that",
    "this",
    "و",
    "ماذا",
    "عن",
    "في",
    "فى",
    "طيب",
    "من",
    "الى",
    "إلى",
    "ل",
    "ثم",
    "اذن",
    "إذن",
    "ايضا",
    "أيضا",
    "كذلك",
    "بالنسبة",
    "متى",
    "وقت",
    "موعد",
    "هل",
    "يا",
    "شكرا",
];
pub(super) const DAY_WORDS: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "tmrw",
    "tmr",
    "yesterday",
    "day",
    "after",
    "next",
    "week",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "اليوم",
    "الليلة",
    "غدا",
    "غداً",
    "بكرة",
    "بكره",
    "امس",
    "أمس",
    "بعد",
    "غد",
    "الغد",
    "يوم",
];
pub(super) const METHOD_WORDS: &[&str] = &[
    "method",
    "calculation",
    "madhab",
    "hanafi",
    "shafi",
    "shafii",
    "shafi'i",
    "standard",
    "طريقة",
    "حنفي",
    "الحنفي",
];

/// Reads a short reply as a follow-up: at most eight words, each a linking word, a day (when the
/// words make a date), a method, a prayer's name, or part of one city's name, and at least one of
/// them a change.
pub(super) fn follow_up(content: &str, names_place: bool, has_date: bool) -> Option<FollowUp> {
    let lower = content.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || ('\u{064B}'..='\u{065F}').contains(&c)))
        .filter(|word| !word.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let method_words: Vec<&str> = METHOD_NAMES
        .iter()
        .flat_map(|(name, _)| name.split([' ', '-']))
        .collect();
    let bare = |word: &str| -> String {
        // Arabic joins "and" and "in" to the next word: "وغدا", "وفي".
        let arabic = word.chars().any(hijraah_domain::understanding::text::is_arabic);
        match word
            .strip_prefix('و')
            .filter(|rest| arabic && rest.chars().count() >= 2)
        {
            Some(rest) => rest.to_owned(),
            None => word.to_owned(),
        }
    };
    let (mut day, mut method, mut prayer) = (false, false, false);
    let mut rest = Vec::new();
    for word in &words {
        let plain = bare(word);
        if LINKING.contains(word) || LINKING.contains(&plain.as_str()) {
            continue;
        }
        // Day words and numbers count only where they make a date ("and tomorrow?", "and on
        // 3 March?"); "what's 2+2?" is not a follow-up.
        if has_date && (DAY_WORDS.contains(&plain.as_str()) || plain.chars().all(|c| c.is_numeric())) {
            day = true;
        } else if METHOD_WORDS.contains(&plain.as_str()) || method_words.contains(word) {
            method = true;
        } else if questions::prayer_named(&plain.as_str().into()).is_some() {
            prayer = true;
        } else {
            rest.push(*word);
        }
    }
    let place = !rest.is_empty();
    if place && !(names_place && rest.len() <= 4 && gazetteer::named_exactly(&rest.join(" ")).is_some()) {
        return None;
    }
    let changes: Vec<&'static str> = [(place, "place"), (day, "day"), (method, "method"), (prayer, "prayer")]
        .into_iter()
        .filter_map(|(changed, what)| changed.then_some(what))
        .collect();
    (!changes.is_empty()).then_some(FollowUp { changes, prayer })
}
