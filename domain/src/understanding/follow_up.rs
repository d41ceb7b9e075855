//! Whether a message continues the previous exchange rather than asking afresh: "and dhuhr?",
//! "what about the qibla there?", "I forgot, I also owe 3,000", «وفي دمشق؟», «وكم لو كان عندي
//! أيضًا ١٠ غرامات؟». Only the form is read here; which answer it continues is the caller's
//! (the conversation's previous exchange), so a first message is never a follow-up.

use super::message::Message;
use super::text::{contains_any_word, fold_arabic, normalize};

/// Openings that carry a question over from the previous answer.
const OPENINGS: &[&str] = &[
    "and",
    "what about",
    "how about",
    "what if",
    "and if",
    "and what",
    "also",
    "plus",
    "same for",
    "same but",
    "but what",
    "then",
    "ok and",
    "okay and",
    "oh and",
    "oh,",
    "i forgot",
    "forgot",
    "actually",
    "sorry,",
    "instead",
];

/// Words that add to or change what was said before.
const ADDING: &[&str] = &[
    "also",
    "as well",
    "another",
    "in addition",
    "additionally",
    "on top",
    "plus",
    "forgot",
    "instead",
    "ايضا",
    "كمان",
    "كذلك",
    "بدلا",
];

/// Arabic openings, folded: «و…», «ماذا عن», «طيب», «وماذا لو», «وإذا كان…» (and if, as "and if").
const ARABIC_OPENINGS: &[&str] = &[
    "ماذا عن",
    "وماذا",
    "واذا",
    "طيب",
    "وكم",
    "وهل",
    "وفي",
    "وما",
    "ولو",
    "لو كان",
    "نسيت",
];

/// Arabic opening words, folded, that add a fact to what was asked («وعليّ دين…», «وعندي…»,
/// «لكن…»): whole words only, so «وعليكم السلام» is not one.
const ARABIC_OPENING_WORDS: &[&str] = &["وعلي", "وعندي", "ولدي", "ولكن", "لكن", "بس", "وان"];

/// Words in a message at most this long can be a follow-up; a longer one is a question of its own.
const LONGEST: usize = 16;

/// Why a message reads as a continuation of the previous exchange, or `None`.
pub fn reads_as_follow_up(message: &Message) -> Option<&'static str> {
    let lower = &message.lower;
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.is_empty() || words.len() > LONGEST {
        return None;
    }
    let trimmed = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    if let Some(opening) = OPENINGS.iter().find(|opening| {
        trimmed.starts_with(*opening)
            && trimmed[opening.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
    }) {
        return Some(opening);
    }
    let folded = fold_arabic(trimmed);
    if let Some(opening) = ARABIC_OPENINGS.iter().find(|opening| folded.starts_with(*opening)) {
        return Some(opening);
    }
    let first = folded.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    // «وعليكم السلام» returns a greeting; it continues nothing.
    if first == "وعليكم" {
        return None;
    }
    if let Some(opening) = ARABIC_OPENING_WORDS.iter().find(|opening| **opening == first) {
        return Some(opening);
    }
    // «والعصر؟», «وبكرة؟»: one or two words joined to "and".
    if words.len() <= 3
        && folded.starts_with('و')
        && folded.chars().nth(1).is_some_and(|c| c != 'ا' || words.len() == 1)
    {
        return Some("و");
    }
    if let Some(word) = ADDING.iter().find(|word| contains_any_word(&message.folded, &[word])) {
        return Some(word);
    }
    None
}

/// Whether the follow-up adds figures to the previous ones ("I also have…", "another 2,000")
/// rather than replacing them ("actually it's 12,000").
pub fn adds(message: &str) -> bool {
    let lower = fold_arabic(&normalize(&message.to_lowercase()));
    contains_any_word(
        &lower,
        &[
            "also",
            "too",
            "as well",
            "another",
            "more",
            "in addition",
            "additionally",
            "plus",
            "on top",
            "forgot",
            "ايضا",
            "كمان",
            "كذلك",
            "زياده",
            "اضافه",
            "نسيت",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_continuations_in_both_languages() {
        for message in [
            "and dhuhr?",
            "what about asr?",
            "And eid al-adha?",
            "what about the qibla there?",
            "I forgot, I also have 3,000 of rent arrears I must pay this month",
            "and I also own 30 grams of gold",
            "what if gold is 100 a gram?",
            "and for 6 people?",
            "وفي دمشق؟",
            "والعصر؟",
            "ماذا عن العشاء؟",
            "وماذا لو كان عندي ١٠ غرامات ذهب أيضا؟",
            "نسيت، علي دين ٣٠٠٠",
            "وعليّ دين ٣٠٠٠ دولار مستحق الآن",
            "وعندي ٥٠ غرام ذهب",
            "لكن الذهب بـ ٩٠ دولار للغرام",
            // "And if…": after a zakat answer, «وإذا كان علي دين» was out of scope.
            "وإذا كان علي دين ١٠٠٠٠ ريال؟",
            "وإن كان سعر الذهب ٩٠ دولارا؟",
        ] {
            assert!(reads_as_follow_up(&Message::new(message)).is_some(), "{message}");
        }
    }

    #[test]
    fn questions_of_their_own_are_not() {
        for message in [
            "When is asr in Manchester today?",
            "what does the quran say about patience",
            "hello",
            "I have 10,000 pounds in the bank, gold is 80 pounds a gram, how much zakat?",
            "Android or iPhone, which is better for a student and also for work and for games and for everything else I do",
            "وعليكم السلام ورحمة الله وبركاته",
            "وعليكم السلام",
            "لكنني لا أفهم معنى الصبر في القرآن الكريم ولماذا هو مهم جدا في حياة المسلم اليومية كلها",
            "ما هو اتجاه مكة من عمّان؟",
            "Is it allowed to see the girl before I propose to her?",
            "is there a hadith about honouring guests",
            "is it too late to pray fajr now",
            // «وأنا» is not «وإن».
            "وأنا طالب، هل يجب علي الحج؟",
        ] {
            assert_eq!(reads_as_follow_up(&Message::new(message)), None, "{message}");
        }
    }

    #[test]
    fn adding_or_replacing() {
        assert!(adds("and I also own 30 grams of gold"));
        assert!(adds("I forgot, I have another 2,000 in cash"));
        assert!(adds("وعندي أيضا ٢٠٠٠"));
        assert!(!adds("actually my savings are 12,000"));
        assert!(!adds("what if gold is 100 a gram?"));
    }
}
