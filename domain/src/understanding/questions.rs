//! What kind of question a message asks, for routing: a question about the texts (a ruling, a
//! meaning, how a practice is done), a request for prayer times, a greeting, zakat al-fitr or
//! the recipients of zakat. Each test returns the phrase that decided it, so the routing
//! decision can say why.

mod cues;

use self::cues::*;
use super::message::{Cues, Message};
use super::text::Token;

static STRONG_RULING_CUES: Cues = Cues::new(STRONG_RULING);
static WEAK_RULING_CUES: Cues = Cues::new(WEAK_RULING);
static ARABIC_RULING_CUES: Cues = Cues::new(ARABIC_RULING);
static PRAYER_NAME_CUES: Cues = Cues::new(PRAYER_NAMES);
static PRACTICE_CUES: Cues = Cues::new(PRACTICE);
static PRACTICE_IN_CONTEXT_CUES: Cues = Cues::new(PRACTICE_IN_CONTEXT);
static STRONG_TIME: Cues = Cues::new(STRONG_TIME_CUES);
static WEAK_TIME: Cues = Cues::new(WEAK_TIME_CUES);
static RELIGIOUS: Cues = Cues::new(RELIGIOUS_WORDS);
static ARABIC_RELIGIOUS: Cues = Cues::new(ARABIC_RELIGIOUS_WORDS);
static SUPPLICATION_CUES: Cues = Cues::new(SUPPLICATION);

/// Whether the message asks something (a question mark, or a question word first).
pub fn is_question(message: &Message) -> bool {
    let lower = &message.lower;
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
                | "كم"
                | "أين"
                | "اين"
                | "أي"
                | "اي"
                | "ماذا"
                | "لماذا"
                | "كيف"
                | "هل"
                | "متى"
                | "من"
        )
}

/// Whether the message is about the religion at all.
pub fn religious_context(message: &Message) -> bool {
    message.has_arabic() || RELIGIOUS.find_as_written(message).is_some() || prayer_named(message).is_some()
}

/// Whether the message names something of the religion, in either script. Unlike
/// [`religious_context`], Arabic script alone does not count: "وفي دمشق؟" ("and in Damascus?")
/// or "I am moving to the Netherlands" in Arabic is no question about the texts.
pub fn mentions_religion(message: &Message) -> bool {
    RELIGIOUS.find_as_written(message).is_some()
        || ARABIC_RELIGIOUS.find_folded(message).is_some()
        || prayer_named(message).is_some()
}

/// Whether the message asks what the texts say, and the phrase that shows it. `computing`:
/// the message also asks for a computation, a time or a place (then weak phrases do not count,
/// nor do they in a message about something else than the religion).
pub fn ruling_cue(message: &Message, computing: bool) -> Option<&'static str> {
    if let Some(cue) = STRONG_RULING_CUES.find_as_written(message) {
        return Some(cue);
    }
    if let Some(cue) = ARABIC_RULING_CUES.find_folded(message) {
        return Some(cue);
    }
    // How a prayer is done ("can I combine maghrib with isha?", "how many rakat for asr on a
    // journey?") is a question for the texts even beside a prayer's name.
    if is_question(message)
        && let Some(cue) = practice_cue(message)
    {
        return Some(cue);
    }
    if computing {
        return None;
    }
    // "Is X allowed?", "are Y forbidden?": asked of this assistant, a yes-or-no question about
    // what is allowed asks for a ruling, whatever X is ("is taking a car loan allowed?").
    let first = message.lower.split_whitespace().next().unwrap_or_default();
    if matches!(first, "is" | "are" | "am" | "was" | "were")
        && let Some(cue) = ["allowed", "forbidden", "prohibited"]
            .into_iter()
            .find(|cue| message.says(cue))
    {
        return Some(cue);
    }
    if !religious_context(message) {
        return None;
    }
    WEAK_RULING_CUES.find_as_written(message)
}

/// Whether the message asks for words to say (a supplication, a remembrance): a question for
/// the texts, whatever place or occasion it names ("the dua for entering the mosque").
pub fn asks_for_a_supplication(message: &Message) -> bool {
    SUPPLICATION_CUES.find(message).is_some()
}

/// A word of how a prayer is done (combining, shortening, units, making one up), if any: a word
/// of travel, of forgetting or of combining counts only in a message that names the religion.
pub fn practice_cue(message: &Message) -> Option<&'static str> {
    PRACTICE_CUES.find(message).or_else(|| {
        PRACTICE_IN_CONTEXT_CUES
            .find(message)
            .filter(|_| mentions_religion(message))
    })
}

/// The prayer a message names, if any.
pub fn prayer_named(message: &Message) -> Option<&'static str> {
    PRAYER_NAME_CUES.find(message)
}

/// Whether the message asks for prayer times, and why: a timetable phrase, or a prayer (or
/// "prayer") with a word asking for a time. `has_place`: it names a place, which with a prayer's
/// name is a time request ("maghrib in cairo").
pub fn asks_prayer_times(message: &Message, has_place: bool) -> Option<String> {
    static TIMETABLE: Cues = Cues::new(&[
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
    ]);
    if let Some(phrase) = TIMETABLE.find(message) {
        return Some(format!("asks for prayer times: `{phrase}`"));
    }
    // When the fast ends or begins today, somewhere: maghrib's time, or fajr's ("what time does
    // the fast end today in Dubai?", «متى موعد الإفطار في الرياض؟»). Asked without a clock word
    // and a day or a place, it is a question of practice ("what breaks the fast?").
    static FAST_TIMES: Cues = Cues::new(&[
        "fast end",
        "fast ends",
        "fasting end",
        "fasting ends",
        "fast start",
        "fast starts",
        "fasting start",
        "fasting starts",
        "break my fast",
        "break the fast",
        "break our fast",
        "end my fast",
        "open my fast",
        "open the fast",
        "iftar",
        "suhoor",
        "suhur",
        "sehri",
        "imsak",
        "stop eating",
        "الافطار",
        "افطار",
        "الفطور",
        "السحور",
        "سحور",
        "الامساك",
        "امساك",
    ]);
    static DAY: Cues = Cues::new(&["today", "tonight", "tomorrow", "this evening", "اليوم", "الليله", "غدا"]);
    if let Some(fast) = FAST_TIMES.find(message)
        && STRONG_TIME.find(message).is_some()
        && (has_place || DAY.find(message).is_some())
    {
        return Some(format!("asks when the fast ends or begins: `{fast}`"));
    }
    let prayer = prayer_named(message).or_else(|| {
        (message.says_word_start("pray") || message.says("salah") || message.says("namaz")).then_some("prayer")
    })?;
    let strong = STRONG_TIME
        .find(message)
        .filter(|cue| !(matches!(*cue, "time" | "times") && counts_times(message)));
    let time = strong.or_else(|| WEAK_TIME.find(message));
    // "my flight lands after maghrib ends, can I combine it with isha?": a question of practice
    // whose only time word is "ends" asks what to do, not when.
    if strong.is_none() && !has_place && practice_cue(message).is_some() {
        return None;
    }
    // "my son is 7, when should he start praying?": praying in general with only a weak time
    // word ("when should", "start") asks about the practice. It asks for a time with a day
    // ("when do we pray today?") or a place ("when should I pray in Leeds?").
    if prayer == "prayer" && strong.is_none() && !has_place && DAY.find(message).is_none() {
        return None;
    }
    match (time, has_place) {
        (Some(cue), _) => Some(format!("asks when `{prayer}` is: `{cue}`")),
        (None, true) if prayer != "prayer" => Some(format!("asks for `{prayer}` in a place")),
        _ => None,
    }
}

/// Whether "times" in the message counts ("how many times should I say subhanallah after
/// prayer?", "33 times", "three times a day"): a number of times asks for no clock time.
fn counts_times(message: &Message) -> bool {
    message.tokens.windows(2).any(|pair| {
        matches!(pair[1].word(), Some("times" | "time"))
            && match &pair[0] {
                Token::Number { suffix, .. } => suffix.is_empty(),
                Token::Word(word) => matches!(
                    word.as_str(),
                    "many"
                        | "once"
                        | "two"
                        | "three"
                        | "four"
                        | "five"
                        | "seven"
                        | "ten"
                        | "hundred"
                        | "several"
                        | "few"
                ),
                _ => false,
            }
    })
}

/// Whether the message opens with a greeting (and which).
pub fn greeting(message: &Message) -> Option<&'static str> {
    static SALAM: Cues = Cues::new(&[
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
    ]);
    static SALAM_ARABIC: Cues = Cues::new(&["السلام عليكم", "سلام عليكم", "وعليكم السلام"]);
    static HELLO: &[&str] = &[
        "hello",
        "hi",
        "hey",
        "good morning",
        "good evening",
        "good afternoon",
        "greetings",
        "مرحبا",
        "اهلا",
        // Asked as a greeting, and never the start of a question in Arabic (unlike "how are
        // you supposed to…", left to the reading by meaning).
        "كيف حالك",
        "كيف الحال",
        "صباح الخير",
        "مساء الخير",
    ];
    if SALAM.find_as_written(message).is_some() || SALAM_ARABIC.find_folded(message).is_some() {
        return Some("salam");
    }
    // Matched folded as written, not folded again: «اهلا» is written folded.
    HELLO
        .iter()
        .any(|phrase| message.says(phrase) || message.says_folded(phrase))
        .then_some("hello")
}

/// Zakat al-fitr by any of its names.
pub fn asks_zakat_al_fitr(message: &Message) -> bool {
    static NAMES: Cues = Cues::new(&[
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
    ]);
    NAMES.find_as_written(message).is_some()
        || ["زكاه الفطر", "صدقه الفطر", "الفطره"]
            .iter()
            .any(|name| message.says_folded(name))
}

/// Who may receive zakat.
pub fn asks_zakat_recipients(message: &Message) -> bool {
    static WHO: Cues = Cues::new(&[
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
    ]);
    static VERBS: Cues = Cues::new(&[
        "receive", "receives", "take", "takes", "get", "gets", "give", "given", "pay", "paid", "eligible", "entitled",
        "deserve", "deserves", "spend", "spent",
    ]);
    static ARABIC_WHO: Cues = Cues::new(&[
        "مصارف",
        "لمن تعطي",
        "لمن تدفع",
        "لمن ادفع",
        "لمن اعطي",
        "من يستحق",
        "المستحقين",
        "اهل الزكاه",
    ]);
    let zakat = ["zakat", "zakah", "zakaat", "zakath"]
        .iter()
        .any(|word| message.says(word))
        || message.folded.contains("زكاه");
    let who = WHO.find_as_written(message).is_some()
        // "who is allowed to receive zakat", "who may take it", "to whom do I pay it": a question
        // of who, with a verb of receiving or giving.
        || ((message.says("who") || message.says("whom")) && VERBS.find_as_written(message).is_some())
        || ARABIC_WHO.folded().iter().any(|phrase| message.folded.contains(phrase.as_str()));
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
            assert!(asks_for_a_supplication(&m(asked)), "{asked}");
        }
        for not_asked in [
            "is there a mosque near me?",
            "المسجد الأقرب في عمان",
            "duality of man",
            "I said no",
        ] {
            assert!(!asks_for_a_supplication(&m(not_asked)), "{not_asked}");
        }
    }

    use super::*;

    fn m(text: &str) -> Message {
        Message::new(text)
    }

    #[test]
    fn arabic_script_alone_is_not_a_question_about_the_religion() {
        assert!(!mentions_religion(&m("وفي دمشق؟")));
        assert!(!mentions_religion(&m("وغدا؟")));
        assert!(!mentions_religion(&m("أنا منتقل إلى هولندا، من أين أبدأ؟")));
        assert!(mentions_religion(&m("كيف أتعامل مع الغضب؟")));
        assert!(mentions_religion(&m("كيف أبر والدي؟")));
        assert!(mentions_religion(&m("كيف أتوضأ؟")));
        assert!(mentions_religion(&m("كيف أغتسل من الجنابة؟")));
        assert!(mentions_religion(&m("ما حكم الصلاة في الطائرة؟")));
        assert!(mentions_religion(&m("ماذا يقول الإسلام عن الغيبة؟")));
        assert!(mentions_religion(&m("how many rakats is maghrib?")));
        // The pilgrimage's rites and the words of the law name the religion too.
        assert!(mentions_religion(&m("how many times should I make tawaf?")));
        assert!(mentions_religion(&m("what is the fatwa on crypto?")));
        assert!(!mentions_religion(&m("what is the capital of France?")));
    }

    #[test]
    fn questions_about_the_texts() {
        // «كم» (how many) opens a question as "how" does: how many units a prayer has is the
        // texts', not a request for the prayer's time.
        assert_eq!(ruling_cue(&m("كم عدد ركعات صلاة الفجر"), false), Some("ركعات"));
        assert_eq!(asks_prayer_times(&m("كم عدد ركعات صلاة الفجر"), false), None);
        // A number of times is no clock time; the time of a prayer still is.
        assert_eq!(
            asks_prayer_times(&m("how many times should I say subhanallah after prayer?"), false),
            None
        );
        assert_eq!(asks_prayer_times(&m("say it 33 times after fajr"), false), None);
        assert!(asks_prayer_times(&m("what time is fajr?"), false).is_some());
        // Travel is a question of practice beside a prayer, and no question for the texts
        // without one.
        assert_eq!(
            ruling_cue(&m("أنا مسافر إلى ألمانيا للدراسة، ماذا أحتاج؟"), false),
            None
        );
        assert!(ruling_cue(&m("هل أقصر صلاة الظهر وأنا مسافر؟"), false).is_some());
        assert!(ruling_cue(&m("I'm travelling, can I shorten dhuhr?"), false).is_some());
        assert_eq!(
            ruling_cue(&m("I'm travelling to Canada for work, what do I need?"), false),
            None
        );
        assert!(ruling_cue(&m("can I combine dhuhr and asr when I'm travelling for work?"), false).is_some());
        // A yes-or-no question of what is allowed asks for a ruling, whatever it names; the word
        // elsewhere does not, without the religion named.
        assert_eq!(ruling_cue(&m("is taking a car loan allowed?"), false), Some("allowed"));
        assert_eq!(ruling_cue(&m("are tattoos forbidden?"), false), Some("forbidden"));
        assert_eq!(ruling_cue(&m("how many bags are allowed on my flight?"), false), None);
        // How a prayer is done, beside a prayer's name and a time word.
        assert_eq!(
            ruling_cue(
                &m("my flight lands after maghrib ends, can I combine it with isha?"),
                true
            ),
            Some("combine")
        );
        assert_eq!(
            ruling_cue(&m("how many rakat do I pray for asr when I'm on a journey?"), true),
            Some("rakat")
        );
        assert!(ruling_cue(&m("نمت عن صلاة الفجر فماذا أفعل؟"), true).is_some());
        assert_eq!(
            ruling_cue(&m("is it ok to pray on a train if i cant get off in time?"), false),
            Some("is it ok")
        );
        assert_eq!(ruling_cue(&m("what breaks the fast?"), false), Some("what breaks"));
        assert_eq!(ruling_cue(&m("What are the pillars of Islam?"), false), Some("pillars"));
        assert!(ruling_cue(&m("ما حكم الصلاة في السفر"), false).is_some());
        assert!(ruling_cue(&m("ماذا يقول الإسلام عن الغيبة؟"), false).is_some());
        // Whether a deed is sunnah, recommended or disliked, beside a month's name.
        assert!(ruling_cue(&m("هل من السنة الإفطار على التمر في رمضان"), true).is_some());
        assert!(ruling_cue(&m("هل يستحب صيام الست من شوال؟"), true).is_some());
        assert!(ruling_cue(&m("هل يكره النوم بعد العصر؟"), true).is_some());
        // «من السنة» alone is also "of the year": no ruling in how many days are left of it.
        assert_eq!(ruling_cue(&m("كم يوما بقي من السنة؟"), true), None);
        assert_eq!(ruling_cue(&m("can i get the prayer times for london"), true), None);
        assert_eq!(ruling_cue(&m("What time is fajr in Manchester tomorrow?"), true), None);
        assert_eq!(
            ruling_cue(&m("which stocks should I buy this week to make a quick profit?"), false),
            None
        );
    }

    #[test]
    fn prayer_time_requests_and_questions_that_only_name_a_prayer() {
        assert!(asks_prayer_times(&m("What time is fajr in Manchester tomorrow?"), true).is_some());
        assert!(asks_prayer_times(&m("when is maghrib in cairo today"), true).is_some());
        assert!(asks_prayer_times(&m("prayer times for Jakarta on 15 January 2027"), true).is_some());
        assert!(asks_prayer_times(&m("مواقيت الصلاة في القاهرة"), true).is_some());
        assert!(asks_prayer_times(&m("isha in London"), true).is_some());
        assert!(asks_prayer_times(&m("what time does ramadan fasting end today in dubai"), true).is_some());
        assert!(asks_prayer_times(&m("متى موعد الإفطار اليوم في الرياض؟"), true).is_some());
        assert!(asks_prayer_times(&m("what breaks the fast?"), false).is_none());
        assert!(asks_prayer_times(&m("when can I break my fast if I am travelling?"), false).is_none());
        assert!(asks_prayer_times(&m("can I combine dhuhr and asr when I'm travelling for work?"), false).is_none());
        assert!(asks_prayer_times(&m("my son is 7, when should he start praying?"), false).is_none());
        assert!(asks_prayer_times(&m("at what age do children begin to pray?"), false).is_none());
        assert!(asks_prayer_times(&m("when do we pray today?"), false).is_some());
        assert!(asks_prayer_times(&m("when should I pray in Leeds?"), true).is_some());
        assert!(
            asks_prayer_times(
                &m("my back really hurts, am i allowed to pray sitting on a chair?"),
                false
            )
            .is_none()
        );
        assert!(
            asks_prayer_times(
                &m("my flight lands after maghrib ends, can I combine it with isha?"),
                false
            )
            .is_none()
        );
        assert!(
            asks_prayer_times(
                &m("I fell asleep and woke up after sunrise, what do I do about the fajr I slept through?"),
                false
            )
            .is_none()
        );
        // A time asked for outright is still a time.
        assert!(asks_prayer_times(&m("what time does isha end when I'm travelling?"), false).is_some());
    }

    #[test]
    fn greetings_and_zakat_topics() {
        assert!(asks_zakat_recipients(&m("who is allowed to receive zakat?")));
        assert!(asks_zakat_recipients(&m("to whom should zakah be paid")));
        assert!(asks_zakat_recipients(&m("لمن أدفع زكاة مالي؟")));
        assert!(!asks_zakat_recipients(&m("how much zakat do I pay on 5000?")));
        assert_eq!(greeting(&m("salam alaikum")), Some("salam"));
        assert_eq!(greeting(&m("السلام عليكم ورحمة الله وبركاته")), Some("salam"));
        // The greeting returned is a greeting too, not a question out of scope.
        assert_eq!(greeting(&m("وعليكم السلام")), Some("salam"));
        assert_eq!(greeting(&m("wa alaikum salam")), Some("salam"));
        assert_eq!(greeting(&m("What is today's Hijri date?")), None);
        assert_eq!(greeting(&m("hi there")), Some("hello"));
        assert_eq!(greeting(&m("كيف حالك؟")), Some("hello"));
        assert_eq!(greeting(&m("صباح الخير")), Some("hello"));
        assert_eq!(greeting(&m("كيف أتوضأ؟")), None);
        assert!(asks_zakat_al_fitr(&m("how much zakat ul fitr for me")));
        assert!(asks_zakat_al_fitr(&m("Fitrana for 4 people")));
        assert!(asks_zakat_al_fitr(&m("كم زكاة الفطر عن ٤ أشخاص")));
        assert!(asks_zakat_recipients(&m("who am I allowed to give my zakat to?")));
        assert!(asks_zakat_recipients(&m("Who should receive zakat?")));
        assert!(!asks_zakat_recipients(&m("how much zakat do I pay")));
    }
}
