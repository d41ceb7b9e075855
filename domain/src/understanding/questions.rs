//! What kind of question a message asks, for routing: a question about the texts (a ruling, a
//! meaning, how a practice is done), a request for prayer times, a greeting, zakat al-fitr or
//! the recipients of zakat. Each test returns the phrase that decided it, so the routing
//! decision can say why.

use super::dates::fold_arabic;
use super::text::{contains_word, normalize, starts_word};

/// Phrases that ask what Islam or its texts say, whatever else the question mentions.
const STRONG_RULING: &[&str] = &[
    "is it allowed",
    "is it permissible",
    "is it permitted",
    "is it halal",
    "is it haram",
    "is it ok",
    "is it okay",
    "is it fine",
    "is it a sin",
    "is it sinful",
    "is it wrong",
    "is it obligatory",
    "is it compulsory",
    "is it mandatory",
    "is it sunnah",
    "is it makruh",
    "is it required",
    "is it valid",
    "is it acceptable",
    "is it forbidden",
    "is it true that",
    "is it disliked",
    "am i allowed",
    "are we allowed",
    "are women allowed",
    "are men allowed",
    "are muslims allowed",
    "allowed to",
    "permissible",
    "permitted to",
    "halal or haram",
    "haram",
    "what does islam say",
    "what does the quran say",
    "what does the qur'an say",
    "what did the prophet",
    "what does the prophet",
    "what does the sunnah",
    "what is the ruling",
    "ruling on",
    "ruling of",
    "ruling for",
    "islamic ruling",
    "the ruling",
    "islamic view",
    "view of islam",
    "according to islam",
    "in islam",
    "islamically",
    "what breaks",
    "what invalidates",
    "invalidate",
    "invalidates",
    "breaks the fast",
    "break my fast",
    "break the fast",
    "breaks my fast",
    "pillars",
    "conditions of",
    "obligatory",
    "sunnah of",
    "virtues of",
    "virtue of",
    "reward for",
    "reward of",
    "expiation",
    "kaffarah",
    "kaffara",
    "fidya",
    "fidyah",
    "sinful",
    "a sin",
    "makruh",
    "mustahab",
    "wajib",
    "fard",
    "hadith about",
    "hadith on",
    "verse about",
    "verses about",
];

/// Phrases that often ask about the texts but also start ordinary requests ("can I get prayer
/// times"): they count only when the message asks for no computation, time or place.
const WEAK_RULING: &[&str] = &[
    "can i",
    "can we",
    "can a",
    "can muslims",
    "can women",
    "can men",
    "may i",
    "do i have to",
    "do i need to",
    "do we have to",
    "do women have to",
    "do men have to",
    "do muslims have to",
    "must i",
    "must we",
    "should i",
    "should we",
    "how do i perform",
    "how to perform",
    "how do i pray",
    "how to pray",
    "how do i make",
    "how to make",
    "how do i do",
    "what happens if",
    "i forgot",
    "forgot to",
    "make up",
    "missed",
    "what are the",
    "what is the meaning",
    "meaning of",
    "why do muslims",
    "why do we",
    "is there a hadith",
    "is there a verse",
    "who should receive",
    "who can receive",
    "who receives",
    "who is eligible",
];

const ARABIC_RULING: &[&str] = &[
    "حكم",
    "هل يجوز",
    "يجوز",
    "لا يجوز",
    "هل يحل",
    "حلال",
    "حرام",
    "ماذا يقول الاسلام",
    "ماذا قال النبي",
    "ماذا يقول القران",
    "اركان",
    "مبطلات",
    "يبطل",
    "هل يجب",
    "يجب علي",
    "شروط",
    "كيفيه",
    "كيف اصلي",
    "فضل",
    "هل يصح",
    "هل تصح",
    "ما الدليل",
];

/// Prayers by name, in the spellings people use.
const PRAYER_NAMES: &[&str] = &[
    "fajr",
    "fajar",
    "subh",
    "sunrise",
    "shuruq",
    "dhuhr",
    "zuhr",
    "duhr",
    "dhuhur",
    "thuhr",
    "zohar",
    "zuhar",
    "asr",
    "asar",
    "maghrib",
    "magrib",
    "isha",
    "ishaa",
    "esha",
    "jumuah",
    "jummah",
    "jumma",
    "tahajjud",
    "suhoor",
    "sehri",
    "iftar",
    "الفجر",
    "الظهر",
    "العصر",
    "المغرب",
    "العشاء",
    "الشروق",
];

/// Words that ask for a time.
const TIME_CUES: &[&str] = &[
    "time",
    "times",
    "timing",
    "timings",
    "timetable",
    "schedule",
    "when is",
    "when does",
    "when do",
    "when should",
    "what time",
    "today",
    "tonight",
    "tomorrow",
    "start",
    "starts",
    "begin",
    "begins",
    "end",
    "ends",
    "now",
    "next",
    "وقت",
    "موعد",
    "متى",
    "متي",
    "اوقات",
    "مواقيت",
    "اليوم",
    "غدا",
];

/// Words that put a question in the domain of the texts, so that "can I…" or "should I…" in it
/// asks about them ("should I buy these stocks" does not).
const RELIGIOUS_WORDS: &[&str] = &[
    "pray",
    "prayer",
    "prayers",
    "praying",
    "salah",
    "salat",
    "namaz",
    "wudu",
    "wudhu",
    "ablution",
    "ghusl",
    "tayammum",
    "fast",
    "fasts",
    "fasting",
    "ramadan",
    "ramadhan",
    "suhoor",
    "sehri",
    "iftar",
    "zakat",
    "zakah",
    "sadaqah",
    "charity",
    "hajj",
    "umrah",
    "quran",
    "qur'an",
    "hadith",
    "sunnah",
    "prophet",
    "allah",
    "god",
    "islam",
    "islamic",
    "muslim",
    "muslims",
    "halal",
    "haram",
    "mosque",
    "masjid",
    "imam",
    "dua",
    "dhikr",
    "jannah",
    "paradise",
    "hell",
    "sin",
    "sins",
    "nikah",
    "mahr",
    "iddah",
    "talaq",
    "hijab",
    "niqab",
    "riba",
    "usury",
    "alcohol",
    "pork",
    "eid",
    "qibla",
    "janazah",
    "funeral",
    "menstruation",
    "period",
    "menses",
    "jummah",
    "jumuah",
    "quran's",
    "tahajjud",
    "witr",
    "sujood",
    "rakah",
    "rakat",
    "qurbani",
    "udhiyah",
    "sacrifice",
    "aqiqah",
    "shirk",
    "dhuhr",
    "zuhr",
    "asr",
    "maghrib",
    "isha",
    "fajr",
    "makeup",
    "qada",
    "kaffarah",
    "fidya",
    "wajib",
    "fard",
    "sunnah",
];

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
    if computing || !religious_context(message) {
        return None;
    }
    WEAK_RULING.iter().find(|cue| contains_word(&lower, cue)).copied()
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
    let time = TIME_CUES
        .iter()
        .find(|cue| contains_word(&lower, cue) || contains_word(&folded, &fold_arabic(cue)));
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
        || ["مصارف", "لمن تعطي", "لمن تدفع", "من يستحق", "المستحقين", "اهل الزكاه"]
            .iter()
            .any(|phrase| folded.contains(&fold_arabic(phrase)));
    zakat && who
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_about_the_texts() {
        assert_eq!(
            ruling_cue("can I combine dhuhr and asr when I'm travelling for work?", false),
            Some("can i")
        );
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
    }

    #[test]
    fn greetings_and_zakat_topics() {
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
