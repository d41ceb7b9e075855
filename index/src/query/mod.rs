//! Understanding a search query before it reaches the index: what it names outright
//! ([`references`], [`names`]), which source it asks for ("what does the quran say about…"),
//! which words carry its topic, and what else those words are called ([`synonyms`]).

pub mod names;
pub mod references;
pub mod synonyms;
pub mod topics;

use crate::arabic;

pub use references::{Named, mentions_a_name, named, without_surah_name};

/// Question words and fillers dropped from English queries (documents keep them: a quotation
/// still matches its own wording through the phrase bonus).
const ENGLISH_FILLER: &[&str] = &[
    "what",
    "whats",
    "does",
    "do",
    "did",
    "doing",
    "say",
    "says",
    "said",
    "about",
    "tell",
    "me",
    "show",
    "how",
    "why",
    "when",
    "who",
    "whom",
    "which",
    "where",
    "please",
    "can",
    "could",
    "would",
    "should",
    "i",
    "im",
    "my",
    "mine",
    "you",
    "your",
    "we",
    "our",
    "us",
    "he",
    "his",
    "him",
    "she",
    "her",
    "they",
    "them",
    "their",
    "its",
    "it",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "is",
    "are",
    "was",
    "were",
    "am",
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "for",
    "to",
    "and",
    // "How do I deal with anger?": the way of asking, not the topic ("Thus do We deal with the
    // criminals" is no answer).
    "deal",
    "cope",
    "handle",
    "tips",
    "or",
    "so",
    "that",
    "this",
    "these",
    "those",
    "with",
    "from",
    "by",
    "at",
    "as",
    "any",
    "some",
    "quran",
    "koran",
    "qur",
    "hadith",
    "hadiths",
    "verse",
    "verses",
    "ayah",
    "ayat",
    "surah",
    "sura",
    "islam",
    "islamic",
    "according",
    "regarding",
    "concerning",
    "there",
    "here",
    "if",
    "then",
    "than",
    "just",
    "really",
    "real",
    "only",
    "also",
    "very",
    "much",
    "many",
    "lot",
    "get",
    "got",
    "gets",
    "going",
    "gonna",
    "don",
    "doesn",
    "didn",
    "isn",
    "won",
    "t",
    "s",
    "ll",
    "ve",
    "re",
    "d",
    "m",
    "cant",
    "dont",
    "doesnt",
    "isnt",
    "wont",
    "whether",
    "someone",
    "something",
    "anything",
    "thing",
    "things",
    "way",
    "ways",
    "teach",
    "teaches",
    "mention",
    "mentions",
    "mentioned",
    "talk",
    "talks",
    "speak",
    "speaks",
    "even",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "one",
    "whoever",
    "whatever",
    "whenever",
    "wherever",
    "anyone",
    "somebody",
    "among",
    "amongst",
    "let",
    "lets",
    // "Tell me the story of Yunus": the way of asking; the verses that say "the story of Moses"
    // share it and are no answer.
    "story",
    "stories",
];

/// Whether a lowercase English word is a question word or filler.
pub fn is_english_filler(word: &str) -> bool {
    ENGLISH_FILLER.contains(&word)
}

/// Question words dropped from Arabic queries, in folded form without clitics.
const ARABIC_FILLER: &[&str] = &[
    "ما",
    "ماذا",
    "من",
    "عن",
    "في",
    // "When", "at": when a thing is said is the asking («ماذا أقول عند العطاس» quoted «عند
    // سدرة المنتهى», 53:14).
    "عند",
    "عندما",
    "هل",
    "يقول",
    "قال",
    // "What do I say when…": the asking, not what is said («ماذا أقول إذا رأيت الهلال» found
    // texts with «أقول» in them).
    "اقول",
    "نقول",
    "تقول",
    "قلت",
    "اسلام",
    "قران",
    "حديث",
    "احاديث",
    "ايه",
    "ايات",
    "كيف",
    "لماذا",
    "متي",
    "اين",
    "هي",
    "هو",
    "او",
    "ان",
    "علي",
    "الي",
    "مع",
    "كان",
    "يجب",
    "حكم",
    // "How do I deal with…", "what can I do…": the way of asking.
    "اتعامل",
    "نتعامل",
    "التعامل",
    "افعل",
    "يمكنني",
    "استطيع",
    // How much, which, this and that, I want, is there: the question, not its topic. «وكم
    // مقداره» found the verses that say how many generations were destroyed (كم أهلكنا).
    "كم",
    "اي",
    "لم",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "الذي",
    "التي",
    "الذين",
    "انا",
    "نحن",
    "انت",
    "اريد",
    "ارجو",
    "ممكن",
    "يمكن",
    "هناك",
    "يوجد",
    "اذا",
    "لو",
    "ثم",
    "قد",
    "لقد",
    "جدا",
    "ايضا",
    "فقط",
    "شيء",
    "شي",
    // Whether it is allowed is the question; what is allowed is its topic (as "haram", "halal"
    // and "allowed" in English).
    "يجوز",
    "جايز",
    "مباح",
    "حلال",
    "حرام",
    // "Is it sunnah / recommended / disliked to…": the asking, not the topic («هل من السنة
    // الإفطار على التمر» quoted a report with «سنة» in it, on travelling in Ramadan).
    "سنه",
    "يسن",
    "يستحب",
    "مستحب",
    "يكره",
    "مكروه",
    // "The virtue of", "the reward of": what is asked of the topic, not the topic. Searched as
    // words they found their other senses: «فضل الله» (God's bounty, 62:4) for «ما فضل
    // الصدقة؟», «ثواب الدنيا» (3:148) for «ما ثواب زيارة المريض». A passage's virtue is searched
    // with the words its hadith use (`topics_en.txt`).
    "فضل",
    "ثواب",
    "اجر",
    "جزاء",
];

/// Whether a folded Arabic word is a filler word, with its article or a leading و or ف.
fn arabic_filler(folded: &str) -> bool {
    let bare = arabic::strip_clitics(folded);
    ARABIC_FILLER.contains(&bare)
        || ['و', 'ف'].iter().any(|conjunction| {
            folded
                .strip_prefix(*conjunction)
                .is_some_and(|rest| rest.chars().count() >= 2 && ARABIC_FILLER.contains(&arabic::strip_clitics(rest)))
        })
}

/// Arabic wordings of "what the Prophet said": what he said is in the hadith.
const PROPHET_SAID_ARABIC: &[&str] = &[
    "قال النبي",
    "يقول النبي",
    "قال الرسول",
    "يقول الرسول",
    "قال رسول الله",
    "يقول رسول الله",
    "قول النبي",
    "أقوال النبي",
    "سنة النبي",
];

/// Whether an English query asks what the Prophet said or taught ("what did the Prophet say
/// about…", "the messenger of Allah's sayings on…"): that is in the hadith, not the Qur'an.
fn asks_what_the_prophet_said(lowercase: &str) -> bool {
    let words: Vec<&str> = lowercase
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|word| !word.is_empty())
        .collect();
    words.iter().enumerate().any(|(at, word)| {
        matches!(
            *word,
            "prophet" | "prophets" | "prophet's" | "messenger" | "messenger's"
        ) && words[at + 1..].iter().take(3).any(|next| {
            matches!(
                *next,
                "say" | "said" | "says" | "saying" | "sayings" | "teach" | "taught" | "teachings"
            )
        })
    })
}

/// What is done with the Qur'an, said just before its name ("the virtue of *reciting* the
/// Quran", «فضل *قراءة* القرآن»): such a question is about the Qur'an, and the hadith answer it.
const ACTS_ON_THE_QURAN: &[&str] = &[
    "read",
    "reading",
    "reads",
    "recite",
    "reciting",
    "recites",
    "recitation",
    "memorise",
    "memorising",
    "memorize",
    "memorizing",
    "memorisation",
    "memorization",
    "learn",
    "learning",
    "teach",
    "teaching",
    "touch",
    "touching",
    "listen",
    "listening",
    "complete",
    "completing",
    "finish",
    "finishing",
    "virtue",
    "virtues",
    "merit",
    "merits",
    "excellence",
    "reward",
    "rewards",
    "hafiz",
    "hafidh",
];
/// The same in Arabic, folded and without the article.
const ACTS_ON_THE_QURAN_AR: &[&str] = &[
    "قراءه",
    "قرا",
    "يقرا",
    "اقرا",
    "تلاوه",
    "حفظ",
    "تحفيظ",
    "تعلم",
    "تعليم",
    "ختم",
    "ختمه",
    "مس",
    "لمس",
    "سماع",
    "استماع",
    "فضل",
    "فضايل",
    "قاري",
    "حافظ",
    "حمله",
];

/// Whether an English query names the Qur'an as where to look, not as what is read or recited.
fn names_the_quran_as_source(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(at, word)| {
        if !matches!(*word, "quran" | "koran") {
            return false;
        }
        let before = words[..at].iter().rev().find(|before| {
            !matches!(
                **before,
                "the" | "of" | "to" | "a" | "holy" | "noble" | "glorious" | "whole"
            )
        });
        !before.is_some_and(|before| ACTS_ON_THE_QURAN.contains(before))
    })
}

/// The same for an Arabic query («ماذا يقول القرآن» yes, «فضل قراءة القرآن» no).
fn names_the_quran_as_source_ar(query: &str) -> bool {
    let folded = arabic::fold(query);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(arabic::strip_clitics)
        .collect();
    words.iter().enumerate().any(|(at, word)| {
        word.contains("قران")
            && !at
                .checked_sub(1)
                .is_some_and(|before| ACTS_ON_THE_QURAN_AR.contains(&words[before]))
    })
}

/// Which source a query asks for in its own words.
pub fn source_hint(query: &str) -> Option<&'static str> {
    let folded = names::fold_latin(&query.to_lowercase());
    let words: Vec<&str> = folded.split_whitespace().collect();
    let quran = words
        .iter()
        .any(|w| matches!(*w, "verse" | "verses" | "ayah" | "ayat" | "ayahs" | "surah" | "sura"))
        || names_the_quran_as_source(&words)
        || ["آية", "آيات", "ايات", "الآيات", "سورة"]
            .iter()
            .any(|word| query.contains(word))
        || names_the_quran_as_source_ar(query);
    let hadith = words
        .iter()
        .any(|w| matches!(*w, "hadith" | "hadiths" | "ahadith" | "narration" | "narrated"))
        || ["حديث", "أحاديث", "احاديث"].iter().any(|word| query.contains(word))
        || asks_what_the_prophet_said(&folded)
        || {
            let folded_arabic = arabic::fold(query);
            PROPHET_SAID_ARABIC
                .iter()
                .any(|phrase| folded_arabic.contains(arabic::fold(phrase).as_str()))
        };
    match (quran, hadith) {
        (true, false) => Some("quran"),
        (false, true) => Some("hadith"),
        _ => None,
    }
}

/// A topic word of an English query and what else it may be called.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicWord {
    pub text: String,
    pub alternatives: Vec<String>,
    /// 1 for a word the user typed; less for one a common question adds, or, when a common
    /// question is recognised, for the words that asked it ([`topics::Recognised`]).
    pub weight: f32,
}

fn lowercase_words(query: &str) -> Vec<String> {
    query
        .to_lowercase()
        .replace(['’', '‘'], "'")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words of an English query that carry its topic, lowercase, in order.
pub fn english_content_words(query: &str) -> Vec<String> {
    lowercase_words(query)
        .into_iter()
        .filter(|word| !ENGLISH_FILLER.contains(&word.as_str()))
        .collect()
}

/// Every word of an English query, lowercase, with modern words the texts do not use replaced
/// by the texts' words ("train" → riding, mount, journey).
pub fn english_words_as_searched(query: &str) -> Vec<String> {
    let topics = topics::Topics::get();
    let words = lowercase_words(query);
    let mut searched = Vec::with_capacity(words.len());
    for (position, word) in words.iter().enumerate() {
        // A modern word that qualifies the next one ("car insurance", "bus driver", "plane
        // ticket") is not the question's subject: it is not searched as a journey on a mount.
        let qualifies = words
            .get(position + 1)
            .is_some_and(|next| !is_english_filler(next) && topics.replacement(next).is_none());
        match topics.replacement(word) {
            Some(replacement) if !qualifies => searched.extend(replacement.iter().map(|w| (*w).to_owned())),
            _ => searched.push(word.clone()),
        }
    }
    searched
}

/// The topic words of an English query with their synonyms. Synonym phrases are found in the
/// words as typed ("keep in mind" → remember), then question words are dropped; a phrase that
/// begins with one lends its synonyms to the next topic word inside it. Modern words the texts
/// do not use are replaced by the texts' words ("train" → riding, mount), and a common question
/// adds the words its answer is written in ("what breaks the fast" → eats, drinks, vomits…).
pub fn english_topic_words(query: &str) -> Vec<TopicWord> {
    let topics = topics::Topics::get();
    let words = english_words_as_searched(query);
    let expansions = synonyms::Synonyms::get().expand(&words);
    let mut topic: Vec<TopicWord> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut pending_until = 0;
    for (position, word) in words.iter().enumerate() {
        let (covered, alternatives) = expansions.get(position).cloned().unwrap_or_default();
        if covered > 1 && !alternatives.is_empty() {
            pending.extend(alternatives.iter().cloned());
            pending_until = position + covered;
        }
        if ENGLISH_FILLER.contains(&word.as_str()) {
            continue;
        }
        let mut all = if covered == 1 { alternatives } else { Vec::new() };
        if position < pending_until {
            all.append(&mut pending);
        }
        topic.push(TopicWord {
            text: word.clone(),
            alternatives: all,
            weight: 1.0,
        });
    }
    // Questions are recognised as typed, before modern words are replaced.
    let recognised = topics.recognise(&lowercase_words(query).join(" "));
    // A question that describes the asker's circumstances ("I fell asleep and woke after
    // sunrise") is searched in the words its answer is written in first: stories share the
    // circumstances without answering it.
    let situation = topic_reframing() && !recognised.situation.is_empty();
    let answer_weight = if situation { 1.0 } else { topics::ADDED_WEIGHT };
    if situation {
        for word in &mut topic {
            if recognised.situation.contains(&word.text) {
                word.weight = topics::ADDED_WEIGHT;
            }
        }
    }
    for added in recognised.answer {
        match topic.iter_mut().find(|word| word.text == added) {
            Some(word) => word.weight = word.weight.max(answer_weight),
            None => topic.push(TopicWord {
                text: added.to_owned(),
                alternatives: Vec::new(),
                weight: answer_weight,
            }),
        }
    }
    topic
}

/// A recognised situation as the sentence encoder is to read it: the question followed by the
/// words its answer is written in. The question's own words mislead the encoder as they mislead
/// the search by words ("what breaks the fast" alone reads as breaking the fast at sunset, and
/// comes out nearest to "hasten to break the fast"); the answer's words alone lose what was asked
/// (a bag of words about sleeping finds stories of sleeping). `None` for any other question,
/// which is embedded as asked.
pub fn situation_answer(query: &str) -> Option<String> {
    if !topic_reframing() {
        return None;
    }
    let recognised = topics::Topics::get().recognise(query);
    (!recognised.situation.is_empty() && !recognised.answer.is_empty())
        .then(|| format!("{} {}", query.trim(), recognised.answer.join(" ")))
}

/// Whether a recognised question is searched in its answer's words first (`HIJRAAH_TOPIC_REFRAME`,
/// on unless `off`): measured side by side in BENCHMARKS.md.
pub fn topic_reframing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("HIJRAAH_TOPIC_REFRAME").map_or(true, |value| value != "off"))
}

/// An Arabic query without its question words (folded, clitics kept for the analyzer).
pub fn arabic_content(query: &str) -> String {
    let words: Vec<&str> = query
        .split(|c: char| c.is_whitespace() || matches!(c, '؟' | '?' | '،' | ',' | '.' | '!'))
        .filter(|word| !word.is_empty())
        .collect();
    words
        .iter()
        .enumerate()
        .filter(|(at, word)| {
            let folded = arabic::fold(word);
            !folded.is_empty()
                && (!arabic_filler(&folded) || begins_a_name(&folded, words.get(at + 1)))
                && !prays_the_named_prayer(&folded, words.get(at + 1))
        })
        .map(|(_, word)| *word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An Arabic query's words (as [`arabic_content`] gives them) with modern words the texts do not
/// use in the user's sense replaced by the texts' words: «الطائرة» (the plane) is «طائره» in the
/// texts, a bird or a man's fate (17:13), so a question on praying on a plane is searched as
/// praying on a mount on a journey.
pub fn arabic_words_as_searched(content: &str) -> String {
    let topics = topics::Topics::get();
    content
        .split_whitespace()
        .flat_map(|word| {
            let folded = arabic::fold(word);
            match topics.replacement(arabic::strip_clitics(&folded)) {
                Some(replacement) => replacement.to_vec(),
                None => vec![word],
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// «أصلي» before «صلاة …» ("how do I pray the funeral prayer"): the prayer is named by the noun;
/// the verb only found texts that say «أصلي» («ألا أصلي بكم…») about other prayers.
fn prays_the_named_prayer(folded: &str, next: Option<&&str>) -> bool {
    matches!(arabic::strip_clitics(folded), "اصلي" | "نصلي" | "يصلي" | "تصلي")
        && next.is_some_and(|next| arabic::strip_clitics(&arabic::fold(next)).starts_with("صلا"))
}

/// «آية» before a definite noun begins a passage's name («آية الكرسي», «آية النور»): part of the
/// topic, not the filler it is in «آية عن الصبر».
fn begins_a_name(folded: &str, next: Option<&&str>) -> bool {
    arabic::strip_clitics(folded) == "ايه" && next.is_some_and(|next| arabic::fold(next).starts_with("ال"))
}

/// How an English question is framed, not what it asks about, longest first.
const ENGLISH_FRAMING: &[&str] = &[
    "what does the quran say about",
    "what does the qur'an say about",
    "what does the koran say about",
    "what does islam say about",
    "what did the prophet say about",
    "what does the prophet say about",
    "what did the prophet say",
    "what does the sunnah say about",
    "is there a hadith about",
    "is there a hadith on",
    "is there a hadith that",
    "is there a verse about",
    "is there a verse on",
    "are there verses about",
    "give me verses about",
    "give me a hadith about",
    "tell me about",
    "tell me",
    "quran verses about",
    "quran verses on",
    "quran verse about",
    "verses in the quran about",
    "verses of the quran about",
    "verses about",
    "verses on",
    "verse about",
    "ayat about",
    "ayahs about",
    "hadiths about",
    "hadith about",
    "hadiths on",
    "hadith on",
    "ahadith about",
    "according to islam",
    "according to the quran",
    "according to the sunnah",
    "in islam",
    "in the quran",
    "in the qur'an",
    "from the quran",
    "in the hadith",
    "in hadith",
    "please",
];

/// What a question asks about, for the sentence encoder: its framing taken off ("what does the
/// Qur'an say about", "hadith on", "in Islam"; in Arabic the question and filler words), the
/// topic kept in the user's own words. The framing otherwise weighs in the question's vector:
/// «حكم الرشوة في الإسلام» came out nearest to the hadith on deeds done before Islam.
pub fn meaning_of(query: &str) -> String {
    if arabic::has_arabic(query) {
        let content = arabic_content(query);
        return if content.trim().is_empty() {
            query.trim().to_owned()
        } else {
            content
        };
    }
    let mut text = format!(
        " {} ",
        names::fold_latin(&query.to_lowercase()).replace(['?', '!', ',', '.'], " ")
    );
    for framing in ENGLISH_FRAMING {
        text = text.replace(&format!(" {framing} "), " ");
    }
    let topic = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if topic.is_empty() {
        query.trim().to_owned()
    } else {
        topic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recognised_question_is_searched_in_its_answers_words_before_the_askers_situation() {
        let words = english_topic_words("I overslept this morning and missed fajr, what should I do?");
        let weight = |text: &str| words.iter().find(|word| word.text == text).map(|word| word.weight);
        // The answer: "whoever sleeps through a prayer or forgets it, let him pray it when he
        // remembers it".
        assert_eq!(weight("remembers"), Some(1.0), "{words:?}");
        assert_eq!(weight("forgets"), Some(1.0), "{words:?}");
        // The situation, which many stories of sleeping share.
        assert!(weight("overslept").is_some_and(|weight| weight < 1.0), "{words:?}");
        assert!(
            weight("morning").is_some_and(|weight| weight == 1.0),
            "not what asked it: {words:?}"
        );
        // A topic named outright is not a situation: its word keeps its weight, and what its
        // answers say is added at the lower one.
        let anger = english_topic_words("how do i control my anger?");
        let weight = |text: &str| anger.iter().find(|word| word.text == text).map(|word| word.weight);
        assert_eq!(weight("anger"), Some(1.0), "{anger:?}");
        assert_eq!(weight("strong"), Some(topics::ADDED_WEIGHT), "{anger:?}");
        // A question nothing recognises keeps every word at full weight.
        let plain = english_topic_words("the night journey and the ascension");
        assert!(plain.iter().all(|word| word.weight == 1.0), "{plain:?}");
    }

    #[test]
    fn the_encoder_reads_a_situation_in_its_answers_words() {
        let asked = situation_answer("What breaks the fast?").unwrap_or_default();
        assert!(asked.contains("forgetfully") && asked.contains("vomits"), "{asked}");
        assert!(asked.starts_with("What breaks the fast?"), "{asked}");
        // A topic named outright is embedded as asked.
        assert_eq!(situation_answer("hadith about anger"), None);
        assert_eq!(situation_answer("verses about patience"), None);
    }

    #[test]
    fn an_arabic_question_about_a_prayer_slept_through_is_a_situation() {
        let topics = topics::Topics::get();
        let recognised = topics.recognise("ما حكم من نام عن صلاة الفجر؟");
        assert!(recognised.answer.contains(&"فليصلها"), "{recognised:?}");
        assert!(!recognised.situation.is_empty(), "{recognised:?}");
        // Naming a topic outright is not a situation.
        let named = topics.recognise("ما هي نواقض الوضوء؟");
        assert!(!named.answer.is_empty() && named.situation.is_empty(), "{named:?}");
    }

    #[test]
    fn a_common_question_is_recognised_however_its_verbs_are_inflected() {
        let topics = topics::Topics::get();
        // The file writes "forgot how many"; the asker forgets, in the present.
        let asked = topics.recognise("what should I do if I forget how many rakats I prayed?");
        assert!(asked.answer.contains(&"forgetfulness"), "{asked:?}");
        // The asker's own words, as written, are the situation's.
        assert!(asked.situation.contains(&"forget".to_owned()), "{asked:?}");
        assert!(
            topics
                .answers_for("I was sleeping through fajr again")
                .contains(&"remembers")
        );
        // In Arabic, after folding and without clitics, and its parts anywhere.
        assert!(topics.answers_for("هل يجوز الأكل باليد اليسرى؟").contains(&"بشماله"));
        assert!(topics.answers_for("ماذا أقول إذا رأيت الهلال؟").contains(&"اهلله"));
        assert!(topics.answers_for("متى يبدأ ابني الصلاة؟").contains(&"اولادكم"));
        assert!(
            topics
                .answers_for("my son is 7, when should he start praying?")
                .contains(&"seven")
        );
        // Sighting the moon is a question of when to fast; only what to say at it is the
        // supplication's.
        assert!(
            !topics
                .answers_for("ما حكم صيام رمضان إذا رأيت الهلال في بلد آخر؟")
                .contains(&"اهلله")
        );
        // A word that only shares letters with a trigger does not fire it.
        assert!(
            topics
                .answers_for("what is the wisdom of forgetting the world?")
                .is_empty()
        );
    }

    #[test]
    fn the_most_specific_common_question_asked_wins() {
        let topics = topics::Topics::get();
        // "sleep + wudu" is asked, so "wudu" (how to make it) adds nothing of its own.
        let sleeping = topics.recognise("does sleeping break my wudu?");
        assert!(sleeping.answer.contains(&"strap"), "{sleeping:?}");
        assert!(!sleeping.answer.contains(&"elbows"), "{sleeping:?}");
        // Asked alone, "wudu" still adds its words.
        assert!(topics.answers_for("how do I make wudu").contains(&"elbows"));
    }

    #[test]
    fn words_to_say_at_a_moment_are_searched_in_the_supplications_words() {
        let topics = topics::Topics::get();
        let bereaved = topics.recognise("my grandmother passed away, what should I say when I hear the news?");
        assert!(bereaved.answer.contains(&"return"), "{bereaved:?}");
        assert!(bereaved.situation.contains(&"passed".to_owned()), "{bereaved:?}");
        assert!(
            topics
                .answers_for("what do I say when entering my house?")
                .contains(&"enters")
        );
        assert!(topics.answers_for("ماذا أقول عند دخول المنزل").contains(&"مبيت"));
        assert!(topics.answers_for("ماذا أقول عند الخروج من البيت").contains(&"توكلت"));
        assert!(topics.answers_for("توفي والدي فماذا أقول").contains(&"راجعون"));
        // Death asked about is not a bereavement: nothing is added.
        assert!(topics.answers_for("what happens to the soul after death?").is_empty());
        assert!(topics.answers_for("ماذا يحدث بعد الموت").is_empty());
    }

    #[test]
    fn praying_a_named_prayer_is_searched_by_the_prayer() {
        assert_eq!(arabic_content("كيف أصلي صلاة الجنازة؟"), "صلاة الجنازة");
        assert_eq!(arabic_content("كيف نصلي الصلاة على الميت"), "الصلاة الميت");
        // Alone, or before another word, the verb is the question's.
        assert_eq!(arabic_content("هل أصلي في البيت؟"), "أصلي البيت");
    }

    #[test]
    fn an_arabic_modern_word_is_searched_in_the_texts_words() {
        // «الطائرة» is no «طائره» of the texts (a bird, a man's fate): searched as a mount.
        let searched = arabic_words_as_searched(&arabic_content("ما حكم الصلاة في الطائرة؟"));
        assert!(searched.contains("راحلته"), "{searched}");
        assert!(!arabic::fold(&searched).contains("طايره"), "{searched}");
        assert!(arabic_words_as_searched("بالسيارة").contains("راحلته"));
        // Other words stay as written, clitics and all, for the analyzer.
        assert_eq!(arabic_words_as_searched("الصلاة والصيام"), "الصلاة والصيام");
        // Sleeping after fajr is not sleeping through it; the morning's words are not the
        // morning's remembrance.
        let topics = topics::Topics::get();
        let after = topics.answers_for("is it okay to sleep after fajr?");
        assert!(after.contains(&"early") && !after.contains(&"remembers"), "{after:?}");
        assert!(topics.answers_for("ما هو ذكر الصباح؟").contains(&"اصبحنا"));
        assert!(topics.answers_for("what are the morning adhkar?").contains(&"morning"));
        assert!(
            topics
                .answers_for("What should I say when I wake up in the morning?")
                .contains(&"ahyana")
        );
        assert!(topics.answers_for("أريد أن أتعلم الصلاة، من أين أبدأ؟").contains(&"تصل"));
        assert!(
            topics
                .answers_for("I'm a new muslim, how do I learn to pray?")
                .contains(&"prostrate")
        );
        // A named prayer's way is its own question, not learning to pray.
        assert!(!topics.answers_for("كيف اصلي صلاة العيد").contains(&"تصل"));
        // A story asked for is about its people, not about the word "story".
        assert_eq!(
            english_content_words("Tell me the story of prophet Yunus and the whale"),
            ["prophet", "yunus", "whale"]
        );
    }

    #[test]
    fn a_common_question_is_known_by_words_apart_as_well_as_by_a_phrase() {
        let topics = topics::Topics::get();
        let added = topics.answers_for("how many rakat do I pray for asr when I'm on a journey?");
        assert!(added.contains(&"shorten"), "{added:?}");
        let added = topics.answers_for("I fell asleep and missed fajr, what now?");
        assert!(added.contains(&"remembers"), "{added:?}");
        // One of the words alone is not the question.
        assert!(!topics.answers_for("how many rakat is maghrib?").contains(&"shorten"));
    }

    #[test]
    fn the_meaning_asked_about_without_the_framing() {
        assert_eq!(meaning_of("What does the Quran say about lying?"), "lying");
        assert_eq!(
            meaning_of("hadith about being kind to animals"),
            "being kind to animals"
        );
        assert_eq!(meaning_of("how do i control my anger"), "how do i control my anger");
        assert_eq!(meaning_of("حكم الرشوة في الاسلام"), "الرشوة");
        assert_eq!(meaning_of("in islam"), "in islam");
    }

    #[test]
    fn sources_are_read_from_the_question() {
        assert_eq!(source_hint("what does the quran say about orphans"), Some("quran"));
        assert_eq!(source_hint("a hadith about anger"), Some("hadith"));
        assert_eq!(source_hint("patience"), None);
        assert_eq!(source_hint("ماذا يقول القرآن عن الصبر"), Some("quran"));
        assert_eq!(source_hint("آيات عن الصدق"), Some("quran"));
        assert_eq!(source_hint("أحاديث عن بر الوالدين"), Some("hadith"));
        // What the Prophet said is in the hadith, however it is asked.
        assert_eq!(
            source_hint("what did the prophet say about mercy to animals"),
            Some("hadith")
        );
        assert_eq!(
            source_hint("What did the Messenger of Allah say about anger?"),
            Some("hadith")
        );
        assert_eq!(source_hint("the prophet's sayings on patience"), Some("hadith"));
        assert_eq!(source_hint("ماذا قال النبي عن حق الجار؟"), Some("hadith"));
        assert_eq!(source_hint("ماذا قال رسول الله ﷺ عن الغضب"), Some("hadith"));
        // A prophet named without what he said is not a request for hadith.
        assert_eq!(source_hint("stories of the prophets"), None);
        assert_eq!(source_hint("what does the quran say about the prophet"), Some("quran"));
        // The Qur'an as what is read, recited or praised: the hadith answer that.
        assert_eq!(source_hint("what is the virtue of reading the quran"), None);
        assert_eq!(source_hint("reward for reciting Quran"), None);
        assert_eq!(source_hint("ما فضل قراءة القرآن؟"), None);
        assert_eq!(source_hint("فضل تلاوة القرآن"), None);
        assert_eq!(source_hint("أحاديث عن فضل القرآن"), Some("hadith"));
        assert_eq!(source_hint("verses about reciting the quran"), Some("quran"));
        assert_eq!(source_hint("ماذا يقول القرآن عن قراءة القرآن"), Some("quran"));
    }

    #[test]
    fn question_words_are_not_the_topic() {
        assert_eq!(
            english_content_words("What does the Qur'an say about orphans' wealth?"),
            ["orphans", "wealth"]
        );
        assert_eq!(arabic_content("ماذا يقول الإسلام عن الغيبة؟"), "الغيبة");
        assert_eq!(arabic_content("ما حكم المهر في الإسلام وكم مقداره؟"), "المهر مقداره");
        assert_eq!(arabic_content("هل الموسيقى حرام"), "الموسيقى");
        assert_eq!(
            arabic_content("هل من السنة الافطار على التمر في رمضان"),
            "الافطار التمر رمضان"
        );
        assert_eq!(arabic_content("هل يستحب صيام الست من شوال"), "صيام الست شوال");
        // «آية» that begins a passage's name is its topic; asking for «آية عن» it is not.
        assert_eq!(arabic_content("ما فضل قراءة آية الكرسي؟"), "قراءة آية الكرسي");
        assert_eq!(arabic_content("ما فضل الصدقة؟"), "الصدقة");
        assert_eq!(arabic_content("ما ثواب زيارة المريض"), "زيارة المريض");
        assert_eq!(arabic_content("آية عن الصبر"), "الصبر");
        assert_eq!(
            arabic_content("وفاة الوالد"),
            "وفاة الوالد",
            "a word that only begins with و"
        );
    }

    #[test]
    fn common_questions_add_the_words_of_their_answers() {
        let words: Vec<String> = english_topic_words("what breaks the fast?")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert!(words.contains(&"forgetfully".to_owned()), "{words:?}");
        let train: Vec<String> = english_topic_words("can I pray on a train")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert!(
            !train.contains(&"train".to_owned()) && train.contains(&"mount".to_owned()),
            "{train:?}"
        );
        // Qualifying another word, the vehicle is no journey: "car insurance" is about insurance.
        for (question, kept) in [
            ("is car insurance halal?", "car"),
            ("can I work as a taxi driver", "taxi"),
            ("dua for a car journey", "car"),
        ] {
            let words: Vec<String> = english_words_as_searched(question);
            assert!(
                words.contains(&kept.to_owned()) && !words.contains(&"mount".to_owned()),
                "{question}: {words:?}"
            );
        }
        let plane: Vec<String> = english_words_as_searched("can I pray on a plane to london");
        assert!(plane.contains(&"mount".to_owned()), "{plane:?}");
    }

    #[test]
    fn phrases_lend_their_synonyms_to_the_topic_word_inside_them() {
        let words = english_topic_words("if you keep god in mind, he keeps you in mind");
        let mind = words.iter().find(|w| w.text == "mind").unwrap();
        assert!(mind.alternatives.contains(&"remember".to_owned()), "{words:?}");
        let gossip = english_topic_words("gossiping about someone");
        assert!(gossip[0].alternatives.contains(&"backbite".to_owned()));
    }
}
