//! The words that carry each community intent: the qibla (its own words, or the Kaaba or Mecca
//! beside a word for a direction), mosques, events, and the prayers.

use crate::agents::routing::{Keyword, kw, matches, score_keywords};

pub(in crate::agents::community) const QIBLA: &[Keyword] = &[
    kw("qibla", 0.95),
    kw("qiblah", 0.95),
    kw("kiblat", 0.95),
    kw("kibla", 0.95),
    kw("direction of the kaaba", 0.95),
    kw("direction of makkah", 0.9),
    kw("direction of mecca", 0.9),
    kw("which way is mecca", 0.9),
    kw("which way is makkah", 0.9),
    kw("which way do i face", 0.9),
    kw("which way should i face", 0.9),
    kw("which direction do i face", 0.9),
    kw("which direction should i face", 0.9),
    kw("which direction do i pray", 0.9),
    kw("which direction to pray", 0.9),
    kw("which way to pray", 0.9),
    kw("which way do i pray", 0.9),
    kw("direction of prayer", 0.9),
    kw("direction to pray", 0.9),
    kw("prayer direction", 0.9),
    kw("face when praying", 0.9),
    kw("face to pray", 0.9),
    kw("facing mecca", 0.9),
    kw("facing makkah", 0.9),
    kw("قبلة", 0.95),
    kw("اتجاه الصلاة", 0.9),
    kw("اتجاه مكة", 0.9),
    kw("القبلة", 0.95),
    kw("القبله", 0.95),
];
/// The Kaaba or Mecca named as a destination ("where is the Kaaba from Houston", «اتجاه مكة»).
pub(super) const HOLY_PLACE: &[&str] = &[
    "kaaba",
    "ka'ba",
    "kabah",
    "ka'bah",
    "mecca",
    "makkah",
    "makka",
    "الكعبة",
    "مكة",
    "مكه",
];
/// Words that ask for a direction or a way to it.
pub(super) const DIRECTION: &[&str] = &[
    "direction",
    "which way",
    "what way",
    "where is",
    "where's",
    "bearing",
    "heading",
    "face",
    "facing",
    "point",
    "اتجاه",
    "جهة",
    "وين",
    "أين",
    "اين",
    // How far it is: the same great circle, measured.
    "how far",
    "distance",
    "كم تبعد",
    "كم يبعد",
    "المسافة",
];

/// How strongly a message asks for the qibla: its own words ("qibla", «القبلة»), or the Kaaba or
/// Mecca named beside a word for a direction ("which way is Makkah from Oslo?").
pub(in crate::agents::community) fn qibla_score(content: &str) -> crate::agents::RouteScore {
    let scored = score_keywords(content, QIBLA);
    if scored.score >= 0.9 {
        return scored;
    }
    let lower = content.to_lowercase();
    let holy = HOLY_PLACE.iter().find(|word| matches(&lower, word));
    let direction = DIRECTION.iter().find(|word| matches(&lower, word));
    match (holy, direction) {
        (Some(holy), Some(direction)) => scored.with(0.9, format!("asks the direction (`{direction}`) of `{holy}`")),
        _ => scored,
    }
}

pub(in crate::agents::community) const MOSQUE: &[Keyword] = &[
    kw("mosque", 0.8),
    kw("masjid", 0.8),
    kw("jumu'ah", 0.6),
    kw("jummah", 0.6),
    kw("friday prayer", 0.6),
    kw("مسجد", 0.8),
    kw("المسجد", 0.8),
];
pub(in crate::agents::community) const EVENTS: &[Keyword] = &[
    kw("community event", 0.9),
    kw("events", 0.6),
    kw("halaqa", 0.7),
    kw("eid prayer", 0.7),
    kw("fundraiser", 0.5),
];
pub(in crate::agents::community) const PRAYER_WORDS: &[&str] = &[
    "prayer",
    "prayers",
    "pray",
    "salah",
    "salat",
    "namaz",
    "صلاة",
    "الصلاة",
    "الصلاه",
];
