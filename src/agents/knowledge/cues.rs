//! What the knowledge agent reads in a message before it searches: the words of a question
//! about the texts (topics, conduct, rulings, a passage's virtue), the errands and computations
//! that are other agents' business, and a verse or hadith named outright.

use hijraah_domain::understanding::text;

pub(super) const KEYWORDS: &[&str] = &[
    "quran",
    "qur'an",
    "koran",
    "verse",
    "ayah",
    "ayat",
    "surah",
    "sura ",
    "hadith",
    "sunnah",
    "prophet",
    "messenger",
    "allah say",
    "islam say",
    "القرآن",
    "قرآن",
    "آية",
    "اية",
    "سورة",
    "حديث",
    "أحاديث",
    "احاديث",
    "آيات",
    "ايات",
    "النبي",
    "رسول الله",
    // Stories are the texts' ("story of the people of the cave", «قصة أصحاب الكهف»), asked
    // with or without a question word or a prophet's title.
    "story of",
    "stories of",
    "قصة",
    "قصص",
    // Words for what to say ("what should I say when I sneeze", "a dua for rain"): the texts'.
    "what should i say when",
    "what should i say after",
    "what should i say before",
    "what do i say when",
    "what do i say after",
    "what do i say before",
    "what to say when",
    "what to say after",
    "what to say before",
    "dua for",
    "dua when",
    "dua to",
    "dua after",
    "dua before",
    "dhikr",
    "adhkar",
    "supplication",
    "دعاء",
    "ماذا أقول",
    "ماذا اقول",
];

/// Words of religious topics that, without a clearer signal, still belong to the texts.
/// Errands of daily life that mention the religion's places ("how do I register my address and
/// find a mosque?"): the settling-in and community agents answer them, and texts that merely share
/// a word ("In a Register well-protected") would only mislead.
pub(super) const ERRANDS: &[&str] = &[
    "find a mosque",
    "nearest mosque",
    "mosque near",
    "mosques near",
    "moved to",
    "moving to",
    "move to",
    "register my",
    "registration",
    "settle in",
    "settling in",
    "halal food",
    "halal shop",
    "halal restaurant",
    "halal butcher",
    "bank account",
    "find a job",
    "school",
    "visa",
    "residence permit",
    // Where to find or buy something: an errand of daily life, whatever it names ("where can I
    // find halal food", «أين أشتري لحمًا حلالًا»). A question for the texts that opens so still
    // names them ("where in the quran…"), which claims it by that word.
    "where can i find",
    "where can i buy",
    "where can we find",
    "where can we buy",
    "where do i find",
    "where do i buy",
    "where to find",
    "where to buy",
    "أين أجد",
    "اين اجد",
    "أين نجد",
    "اين نجد",
    "أين أشتري",
    "اين اشتري",
    "أين نشتري",
    "اين نشتري",
    "أين يوجد",
    "اين يوجد",
];

/// Whether the message opens by asking if something is allowed ("can I eat…", «هل يجوز…»): a
/// question for the texts even when it names an errand ("can I eat halal food from a shop that
/// sells alcohol?").
pub(crate) fn opens_asking_if_allowed(message: &str) -> bool {
    let lower = message.trim_start().to_lowercase();
    [
        "is it ",
        "is ",
        "are ",
        "can i ",
        "can we ",
        "may i ",
        "should i ",
        "do i have to",
        "هل ",
        "يجوز",
        "أيجوز",
        "ايجوز",
        "ما حكم",
        "حكم ",
    ]
    .iter()
    .any(|start| lower.starts_with(start))
}

/// Arabic words that ask for a ruling, folded: left out of the topic an answer names.
pub(super) const ARABIC_RULING_WORDS: &[&str] = &[
    "يجوز", "حكم", "يجب", "يحل", "يحرم", "حلال", "حرام", "جايز", "جائز", "مباح",
];

pub(crate) fn is_errand(message: &str) -> bool {
    let lower = message.to_lowercase();
    ERRANDS.iter().any(|errand| text::contains_word(&lower, errand))
}

pub(super) const TOPICS: &[&str] = &[
    "patience",
    "sabr",
    "paradise",
    "jannah",
    "hell",
    "jahannam",
    "angels",
    "iman",
    "faith",
    "sin",
    "sins",
    "repentance",
    "tawbah",
    "dua",
    "dhikr",
    "tawhid",
    "shirk",
    "hereafter",
    "judgement",
    "judgment",
    "backbiting",
    "gossip",
    "orphans",
    "sadaqah",
    "wudu",
    "ablution",
    "ghusl",
    "tayammum",
    "hajj",
    "umrah",
    "fasting",
    "ihsan",
    "taqwa",
    "mercy",
    "forgiveness",
    "jinn",
    "satan",
    "shaytan",
    "الصبر",
    "الجنة",
    "النار",
    "التوبة",
    "الدعاء",
    "الذكر",
    "الوضوء",
    "الصيام",
    "الحج",
    "الغيبة",
    "الربا",
];

/// Words that tell of a death, in a question or not.
pub(super) const BEREAVEMENT: &[&str] = &[
    "passed away",
    "has died",
    "just died",
    "have died",
    "توفي",
    "توفيت",
    "توفى",
    "ماتت",
    "وفاة",
];

/// Conduct the texts teach about, asked in everyday words ("how do I deal with anger?", "how
/// should I treat my parents when they get old?"): a question about one is for the texts.
pub(super) const CONDUCT: &[&str] = &[
    // Being wronged in words ("what should I do when someone insults me?").
    "insult",
    "insults",
    "insulted",
    "insulting",
    "curses me",
    "cursed me",
    "abuses me",
    "abused me",
    "parents",
    "mother",
    "father",
    "anger",
    "angry",
    "temper",
    "the sick",
    "neighbour",
    "neighbours",
    "neighbor",
    "neighbors",
    "kindness",
    "honesty",
    "truthfulness",
    "lying",
    "lies",
    "envy",
    "jealousy",
    "arrogance",
    "pride",
    "humility",
    "modesty",
    "gratitude",
    "grateful",
    "thankful",
    "justice",
    "injustice",
    "oppression",
    "slander",
    "stealing",
    "cheating",
    "bribe",
    "bribery",
    "hospitality",
    "guests",
    "relatives",
    "kinship",
    "good deeds",
    "good character",
    "manners",
    "grief",
    "grieving",
    "the grave",
    "afterlife",
    "orphan",
    "widow",
    "the poor",
    "the needy",
    "feeding",
    "animals",
    "seeking knowledge",
    "cleanliness",
    "promises",
    "keeping a promise",
    "trustworthiness",
    "forgive",
    "forgiving",
];

/// Words of a ruling question that do not help find the texts that answer it.
pub(super) const RULING_WORDS: &[&str] = &[
    "haram",
    "halal",
    "sinful",
    "makruh",
    "allowed",
    "permissible",
    "permitted",
    "ok",
    "okay",
    "fine",
    "ruling",
    "rulings",
    "islamically",
    "really",
];

/// Words that ask about a passage (its virtue, its reward, a hadith on it) rather than for its
/// text: "what's the reward for reading ayat al-kursi?" is answered by the hadith about it, not by
/// the verse itself.
pub(super) const ABOUT_A_PASSAGE: &[&str] = &[
    "reward",
    "rewards",
    "virtue",
    "virtues",
    "benefit",
    "benefits",
    "merit",
    "merits",
    "excellence",
    "blessing",
    "blessings",
    "fadl",
    "fadilah",
    "fazilat",
    "hadith about",
    "hadith on",
    "hadiths about",
    "a hadith",
    "third of the quran",
    "فضل",
    "فضائل",
    "ثواب",
    "أجر",
    "اجر",
    "فوائد",
    "حديث عن",
];

/// Surahs named as prayers are: "what about asr?" after prayer times asks for a time, not for
/// Surah al-'Asr.
pub(super) const PRAYER_NAMED_SURAHS: &[&str] = &["fajr", "asr", "al-fajr", "al-asr", "الفجر", "العصر", "فجر", "عصر"];

/// Words that put a message in the Qur'an's context.
pub(super) const QURANIC_CONTEXT: &[&str] = &[
    "quran",
    "qur'an",
    "koran",
    "surah",
    "sura",
    "surat",
    "verse",
    "ayah",
    "ayat",
    "recite",
    "قرآن",
    "القرآن",
    "آية",
    "سورة",
];

pub(super) fn quranic_context(content: &str) -> bool {
    let lower = content.to_lowercase();
    QURANIC_CONTEXT.iter().any(|word| lower.contains(word))
}

/// Whether the message asks about a named passage (its virtue, reward, a hadith on it) rather than
/// to see it.
pub(super) fn asks_about_a_passage(content: &str) -> bool {
    text::contains_any_word(&content.to_lowercase(), ABOUT_A_PASSAGE)
}

/// Whether a surah's first verse is short enough to be what people call the surah by («قل هو
/// الله أحد», «تبارك الذي بيده الملك», «يس»), and not the basmala, which opens far more than one.
pub(super) fn is_a_surah_s_call_name(first_verse: &str) -> bool {
    let words = first_verse.split_whitespace().count();
    // Letters only: the Mushaf's small marks (U+06D6 onwards) are not folded away.
    let letters: String = text::fold_arabic(first_verse)
        .chars()
        .filter(|c| ('\u{0621}'..='\u{064A}').contains(c))
        .collect();
    (1..=5).contains(&words) && !letters.starts_with("بسم")
}

/// Words that ask for something within a named surah rather than for the surah itself.
pub(super) const WITHIN_A_SURAH: &[&str] = &[
    "story",
    "stories",
    "verse about",
    "verses about",
    "where in",
    "قصة",
    "قصص",
    "آية عن",
    "آيات عن",
];

pub(super) fn asks_within_a_surah(content: &str) -> bool {
    text::contains_any_word(&content.to_lowercase(), WITHIN_A_SURAH)
}

/// A bare "10:30" is a time as often as a verse: a numeric reference counts only in a Qur'anic
/// context or as the whole message.
pub(crate) fn names_a_text(content: &str) -> Option<hijraah_index::query::Named> {
    let named = hijraah_index::query::named(content)?;
    if named.kind == "reference" && !quranic_context(content) && content.split_whitespace().count() > 2 {
        return None;
    }
    if named.kind == "surah" && !quranic_context(content) && names_a_prayer(content) {
        return None;
    }
    Some(named)
}

/// Whether the message names a prayer that is also a surah's name ("asr", "fajr").
fn names_a_prayer(content: &str) -> bool {
    content
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .any(|word| PRAYER_NAMED_SURAHS.contains(&word))
}

/// Whether a question speaks of a surah or a named passage among its other words ("what advice
/// did luqman give his son"), a prayer's name aside unless the Qur'an is named too.
pub(super) fn speaks_of_a_named_text(content: &str) -> bool {
    hijraah_index::query::mentions_a_name(content) && (quranic_context(content) || !names_a_prayer(content))
}

/// Words that ask for a story: it is told verse by verse, each verse covering a part of the
/// question, so no verse of it is left out as a stray.
pub(super) const STORY_WORDS: &[&str] = &["story", "stories", "قصة", "قصه", "قصص"];
