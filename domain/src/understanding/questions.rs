//! What kind of question a message asks, for routing: a question about the texts (a ruling, a
//! meaning, how a practice is done), a request for prayer times, a greeting, zakat al-fitr or
//! the recipients of zakat. Each test returns the phrase that decided it, so the routing
//! decision can say why.

mod cues;

use self::cues::*;
use super::text::{contains_word, fold_arabic, normalize, starts_word};

/// Whether the message asks something (a question mark, or a question word first).
pub fn is_question(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase());
    let first = lower.split_whitespace().next().unwrap_or_default();
    lower.contains('?')
        || lower.contains('؟')
        || matches!(
            first,
            "how"
                | "what"
                | "why"
                | "when"
                | "who"
                | "which"
                | "where"
                | "is"
                | "are"
                | "can"
                | "do"
                | "does"
                | "should"
                | "tell"
                | "explain"
                | "give"
                | "ما"
                | "ماذا"
                | "لماذا"
                | "كيف"
                | "هل"
                | "متى"
                | "من"
        )
}

/// Whether the message is about the religion at all.
pub fn religious_context(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase()).replace('’', "'");
    lower.chars().any(super::text::is_arabic)
        || RELIGIOUS_WORDS.iter().any(|word| contains_word(&lower, word))
        || prayer_named(message).is_some()
}

/// Whether the message names something of the religion, in either script. Unlike
/// [`religious_context`], Arabic script alone does not count: "وفي دمشق؟" ("and in Damascus?")
/// or "I am moving to the Netherlands" in Arabic is no question about the texts.
pub fn mentions_religion(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase()).replace('’', "'");
    let folded = fold_arabic(&lower);
    RELIGIOUS_WORDS.iter().any(|word| contains_word(&lower, word))
        || ARABIC_RELIGIOUS_WORDS
            .iter()
            .any(|word| contains_word(&folded, &fold_arabic(word)))
        || prayer_named(message).is_some()
}

/// Whether the message asks what the texts say, and the phrase that shows it. `computing`:
/// the message also asks for a computation, a time or a place (then weak phrases do not count,
/// nor do they in a message about something else than the religion).
pub fn ruling_cue(message: &str, computing: bool) -> Option<&'static str> {
    let lower = normalize(&message.to_lowercase()).replace('’', "'");
    if let Some(cue) = STRONG_RULING.iter().find(|cue| contains_word(&lower, cue)) {
        return Some(cue);
    }
    let folded = fold_arabic(&lower);
    if let Some(cue) = ARABIC_RULING
        .iter()
        .find(|cue| contains_word(&folded, &fold_arabic(cue)))
    {
        return Some(cue);
    }
    // How a prayer is done ("can I combine maghrib with isha?", "how many rakat for asr on a
    // journey?") is a question for the texts even beside a prayer's name.
    if is_question(message)
        && let Some(cue) = practice_cue(message)
    {
        return Some(cue);
    }
    if computing || !religious_context(message) {
        return None;
    }
    WEAK_RULING.iter().find(|cue| contains_word(&lower, cue)).copied()
}

/// Whether the message asks for words to say (a supplication, a remembrance): a question for
/// the texts, whatever place or occasion it names ("the dua for entering the mosque").
pub fn asks_for_a_supplication(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase()).replace('’', "'");
    let folded = fold_arabic(&lower);
    SUPPLICATION
        .iter()
        .any(|cue| contains_word(&lower, cue) || contains_word(&folded, &fold_arabic(cue)))
}

/// A word of how a prayer is done (combining, shortening, units, making one up), if any.
pub fn practice_cue(message: &str) -> Option<&'static str> {
    let lower = normalize(&message.to_lowercase()).replace('’', "'");
    let folded = fold_arabic(&lower);
    PRACTICE
        .iter()
        .find(|cue| contains_word(&lower, cue) || contains_word(&folded, &fold_arabic(cue)))
        .copied()
}

/// The prayer a message names, if any.
pub fn prayer_named(message: &str) -> Option<&'static str> {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    PRAYER_NAMES
        .iter()
        .find(|name| contains_word(&lower, name) || contains_word(&folded, &fold_arabic(name)))
        .copied()
}

/// Whether the message asks for prayer times, and why: a timetable phrase, or a prayer (or
/// "prayer") with a word asking for a time. `has_place`: it names a place, which with a prayer's
/// name is a time request ("maghrib in cairo").
pub fn asks_prayer_times(message: &str, has_place: bool) -> Option<String> {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    for phrase in [
        "prayer time",
        "prayer times",
        "prayer timetable",
        "prayer timing",
        "prayer timings",
        "prayer schedule",
        "salah time",
        "salah times",
        "salat times",
        "namaz time",
        "namaz times",
        "namaz timing",
        "iftar time",
        "suhoor time",
        "sehri time",
        "when to pray",
        "مواقيت الصلاه",
        "اوقات الصلاه",
        "مواقيت",
        "موعد الصلاه",
        "وقت الصلاه",
    ] {
        if contains_word(&lower, phrase) || contains_word(&folded, &fold_arabic(phrase)) {
            return Some(format!("asks for prayer times: `{phrase}`"));
        }
    }
    let prayer = prayer_named(message).or_else(|| {
        (starts_word(&lower, "pray") || contains_word(&lower, "salah") || contains_word(&lower, "namaz"))
            .then_some("prayer")
    })?;
    let said = |cue: &&&str| contains_word(&lower, cue) || contains_word(&folded, &fold_arabic(cue));
    let strong = STRONG_TIME_CUES.iter().find(said);
    let time = strong.or_else(|| WEAK_TIME_CUES.iter().find(said));
    // "my flight lands after maghrib ends, can I combine it with isha?": a question of practice
    // whose only time word is "ends" asks what to do, not when.
    if strong.is_none() && !has_place && practice_cue(message).is_some() {
        return None;
    }
    match (time, has_place) {
        (Some(cue), _) => Some(format!("asks when `{prayer}` is: `{cue}`")),
        (None, true) if prayer != "prayer" => Some(format!("asks for `{prayer}` in a place")),
        _ => None,
    }
}

/// Whether the message opens with a greeting (and which).
pub fn greeting(message: &str) -> Option<&'static str> {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    for phrase in [
        "assalamu alaikum",
        "assalamu alaykum",
        "as-salamu alaykum",
        "as salamu alaikum",
        "asalamu alaikum",
        "assalamualaikum",
        "salam alaikum",
        "salaam alaikum",
        "salam alaykum",
        "salamu alaikum",
        "salam",
        "salaam",
        "asalam",
        "assalam",
        "peace be upon you",
    ] {
        if contains_word(&lower, phrase) {
            return Some("salam");
        }
    }
    if contains_word(&folded, "السلام عليكم") || contains_word(&folded, "سلام عليكم") {
        return Some("salam");
    }
    for phrase in [
        "hello",
        "hi",
        "hey",
        "good morning",
        "good evening",
        "good afternoon",
        "greetings",
        "مرحبا",
        "اهلا",
    ] {
        if contains_word(&lower, phrase) || contains_word(&folded, phrase) {
            return Some("hello");
        }
    }
    None
}

/// Zakat al-fitr by any of its names.
pub fn asks_zakat_al_fitr(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    [
        "zakat al-fitr",
        "zakat al fitr",
        "zakat ul fitr",
        "zakat-ul-fitr",
        "zakatul fitr",
        "zakat al-fitra",
        "zakat ul fitra",
        "zakah al-fitr",
        "zakah al fitr",
        "zakat fitr",
        "fitrana",
        "fitra",
        "fitrah",
        "sadaqat al-fitr",
        "sadaqatul fitr",
        "sadaqah al-fitr",
        "sadqa fitr",
        "sadqa-e-fitr",
        "sadaqa fitr",
        "zakaat ul fitr",
        "zakaatul fitr",
    ]
    .iter()
    .any(|phrase| contains_word(&lower, phrase))
        || contains_word(&folded, "زكاه الفطر")
        || contains_word(&folded, "صدقه الفطر")
        || contains_word(&folded, "الفطره")
}

/// Who may receive zakat.
pub fn asks_zakat_recipients(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    let zakat = ["zakat", "zakah", "zakaat", "zakath"]
        .iter()
        .any(|word| contains_word(&lower, word))
        || folded.contains("زكاه")
        || folded.contains("الزكاه");
    let who = [
        "who should receive",
        "who can receive",
        "who receives",
        "who is eligible",
        "eligible for",
        "who can i give",
        "who should i give",
        "who do i give",
        "give my zakat to",
        "give zakat to",
        "pay my zakat to",
        "pay zakat to",
        "allowed to give",
        "recipients",
        "recipient",
        "categories",
        "who gets",
        "who deserves",
        "spend zakat on",
        "spent on",
        "given to",
    ]
    .iter()
    .any(|phrase| contains_word(&lower, phrase))
        // "who is allowed to receive zakat", "who may take it", "to whom do I pay it": a question
        // of who, with a verb of receiving or giving.
        || ((contains_word(&lower, "who") || contains_word(&lower, "whom"))
            && [
                "receive", "receives", "take", "takes", "get", "gets", "give", "given", "pay", "paid",
                "eligible", "entitled", "deserve", "deserves", "spend", "spent",
            ]
            .iter()
            .any(|verb| contains_word(&lower, verb)))
        || ["مصارف", "لمن تعطي", "لمن تدفع", "لمن ادفع", "لمن اعطي", "من يستحق", "المستحقين", "اهل الزكاه"]
            .iter()
            .any(|phrase| folded.contains(&fold_arabic(phrase)));
    zakat && who
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_to_say_are_asked_for_in_either_language() {
        for asked in [
            "what is the dua for entering the mosque?",
            "Du'a before sleeping",
            "what should I say when I enter the masjid",
            "ما هو دعاء دخول المسجد؟",
            "أذكار الصباح",
            "ماذا أقول عند دخول المسجد",
        ] {
            assert!(asks_for_a_supplication(asked), "{asked}");
        }
        for not_asked in [
            "is there a mosque near me?",
            "المسجد الأقرب في عمان",
            "duality of man",
            "I said no",
        ] {
            assert!(!asks_for_a_supplication(not_asked), "{not_asked}");
        }
    }

    use super::*;

    #[test]
    fn arabic_script_alone_is_not_a_question_about_the_religion() {
        assert!(!mentions_religion("وفي دمشق؟"));
        assert!(!mentions_religion("وغدا؟"));
        assert!(!mentions_religion("أنا منتقل إلى هولندا، من أين أبدأ؟"));
        assert!(mentions_religion("كيف أتعامل مع الغضب؟"));
        assert!(mentions_religion("كيف أبر والدي؟"));
        assert!(mentions_religion("ما حكم الصلاة في الطائرة؟"));
        assert!(mentions_religion("ماذا يقول الإسلام عن الغيبة؟"));
        assert!(mentions_religion("how many rakats is maghrib?"));
        assert!(!mentions_religion("what is the capital of France?"));
    }

    #[test]
    fn questions_about_the_texts() {
        assert!(ruling_cue("can I combine dhuhr and asr when I'm travelling for work?", false).is_some());
        // How a prayer is done, beside a prayer's name and a time word.
        assert_eq!(
            ruling_cue("my flight lands after maghrib ends, can I combine it with isha?", true),
            Some("combine")
        );
        assert_eq!(
            ruling_cue("how many rakat do I pray for asr when I'm on a journey?", true),
            Some("rakat")
        );
        assert!(ruling_cue("نمت عن صلاة الفجر فماذا أفعل؟", true).is_some());
        assert_eq!(
            ruling_cue("is it ok to pray on a train if i cant get off in time?", false),
            Some("is it ok")
        );
        assert_eq!(ruling_cue("what breaks the fast?", false), Some("what breaks"));
        assert_eq!(ruling_cue("What are the pillars of Islam?", false), Some("pillars"));
        assert!(ruling_cue("ما حكم الصلاة في السفر", false).is_some());
        assert!(ruling_cue("ماذا يقول الإسلام عن الغيبة؟", false).is_some());
        assert_eq!(ruling_cue("can i get the prayer times for london", true), None);
        assert_eq!(ruling_cue("What time is fajr in Manchester tomorrow?", true), None);
        assert_eq!(
            ruling_cue("which stocks should I buy this week to make a quick profit?", false),
            None
        );
    }

    #[test]
    fn prayer_time_requests_and_questions_that_only_name_a_prayer() {
        assert!(asks_prayer_times("What time is fajr in Manchester tomorrow?", true).is_some());
        assert!(asks_prayer_times("when is maghrib in cairo today", true).is_some());
        assert!(asks_prayer_times("prayer times for Jakarta on 15 January 2027", true).is_some());
        assert!(asks_prayer_times("مواقيت الصلاة في القاهرة", true).is_some());
        assert!(asks_prayer_times("isha in London", true).is_some());
        assert!(asks_prayer_times("can I combine dhuhr and asr when I'm travelling for work?", false).is_none());
        assert!(asks_prayer_times("my back really hurts, am i allowed to pray sitting on a chair?", false).is_none());
        assert!(asks_prayer_times("my flight lands after maghrib ends, can I combine it with isha?", false).is_none());
        assert!(
            asks_prayer_times(
                "I fell asleep and woke up after sunrise, what do I do about the fajr I slept through?",
                false
            )
            .is_none()
        );
        // A time asked for outright is still a time.
        assert!(asks_prayer_times("what time does isha end when I'm travelling?", false).is_some());
    }

    #[test]
    fn greetings_and_zakat_topics() {
        assert!(asks_zakat_recipients("who is allowed to receive zakat?"));
        assert!(asks_zakat_recipients("to whom should zakah be paid"));
        assert!(asks_zakat_recipients("لمن أدفع زكاة مالي؟"));
        assert!(!asks_zakat_recipients("how much zakat do I pay on 5000?"));
        assert_eq!(greeting("salam alaikum"), Some("salam"));
        assert_eq!(greeting("السلام عليكم ورحمة الله وبركاته"), Some("salam"));
        assert_eq!(greeting("What is today's Hijri date?"), None);
        assert_eq!(greeting("hi there"), Some("hello"));
        assert!(asks_zakat_al_fitr("how much zakat ul fitr for me"));
        assert!(asks_zakat_al_fitr("Fitrana for 4 people"));
        assert!(asks_zakat_al_fitr("كم زكاة الفطر عن ٤ أشخاص"));
        assert!(asks_zakat_recipients("who am I allowed to give my zakat to?"));
        assert!(asks_zakat_recipients("Who should receive zakat?"));
        assert!(!asks_zakat_recipients("how much zakat do I pay"));
    }
}
