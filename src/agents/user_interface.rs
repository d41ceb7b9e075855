//! The user interface agent: its reply comes first, in the user's language. It runs after the
//! specialised agents and is told which of them answered, so it only ever says "the financial
//! services agent answers below" when that reply is in the same response. It returns a greeting
//! only when there was one, says plainly when nothing here can help and what can, and never
//! answers a religious, financial or time question itself: that is for the agents that cite
//! their sources.

use futures_util::future::BoxFuture;
use serde_json::json;

use hijraah_domain::understanding::message::Message;
use hijraah_domain::understanding::questions;

use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};

/// A topic the agent recognises, the agent type that serves it, and words that signal it.
struct Topic {
    name_en: &'static str,
    name_ar: &'static str,
    agent_type: &'static str,
    keywords: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        name_en: "prayer guidance",
        name_ar: "إرشادات الصلاة",
        agent_type: "community",
        keywords: &[
            "prayer",
            "pray",
            "salah",
            "salat",
            "namaz",
            "fajr",
            "dhuhr",
            "zuhr",
            "asr",
            "maghrib",
            "isha",
            "qibla",
            "wudu",
            "ablution",
            "صلاة",
            "الصلاة",
            "صلاه",
            "الصلاه",
            "القبلة",
            "قبلة",
            "وضوء",
            "الفجر",
            "المغرب",
            "نماز",
        ],
    },
    Topic {
        name_en: "zakat and Islamic finance",
        name_ar: "الزكاة والتمويل الإسلامي",
        agent_type: "financial_services",
        keywords: &[
            "zakat",
            "zakah",
            "nisab",
            "sadaqah",
            "charity",
            "riba",
            "interest",
            "mortgage",
            "halal invest",
            "fitr",
            "الزكاة",
            "زكاة",
            "زكاه",
            "صدقة",
            "الربا",
            "ربا",
            "النصاب",
        ],
    },
    Topic {
        name_en: "the Qur'an and hadith",
        name_ar: "القرآن والحديث",
        agent_type: "knowledge",
        keywords: &[
            "quran",
            "qur'an",
            "koran",
            "verse",
            "ayah",
            "ayat",
            "surah",
            "sura",
            "hadith",
            "sunnah",
            "tafsir",
            "القرآن",
            "قرآن",
            "آية",
            "اية",
            "سورة",
            "حديث",
            "الحديث",
            "السنة",
        ],
    },
    Topic {
        name_en: "the Hijri calendar",
        name_ar: "التقويم الهجري",
        agent_type: "community",
        keywords: &[
            "hijri",
            "ramadan",
            "eid",
            "islamic calendar",
            "islamic date",
            "هجري",
            "الهجري",
            "رمضان",
            "العيد",
        ],
    },
    Topic {
        name_en: "mosques and community events",
        name_ar: "المساجد وفعاليات المجتمع",
        agent_type: "community",
        keywords: &[
            "mosque",
            "masjid",
            "halaqa",
            "community event",
            "jumuah",
            "jummah",
            "مسجد",
            "المسجد",
            "الجمعة",
        ],
    },
    Topic {
        name_en: "settling in a new country",
        name_ar: "الاستقرار في بلد جديد",
        agent_type: "migration",
        keywords: &[
            "migrat",
            "immigra",
            "moving to",
            "move to",
            "visa",
            "settle",
            "new country",
            "refugee",
            "asylum",
            "moved to",
            "relocat",
            "newcomer",
            "just arrived",
            "first weeks",
            "halal food",
            "residence permit",
            "checklist",
            "هجرة",
            "الهجرة",
            "لجوء",
            "تأشيرة",
        ],
    },
    Topic {
        name_en: "usage statistics",
        name_ar: "إحصائيات الاستخدام",
        agent_type: "analytics",
        keywords: &[
            "usage",
            "statistics",
            "stats",
            "analytics",
            "how many conversations",
            "إحصائيات",
        ],
    },
];

const THANKS: &[&str] = &["thank", "thanks", "jazak", "jazakallah", "shukran", "شكرا", "جزاك"];
const CAPABILITIES: &[&str] = &[
    "what can you do",
    "what do you do",
    "who are you",
    "help me",
    "how can you help",
    "what are you",
    "ماذا تستطيع",
    "ماذا يمكنك",
    "من أنت",
    "من انت",
];

/// Words a message of small talk does not exceed: "Assalamu alaikum, what can you do?" is one,
/// "hello, what does the Qur'an say about anger?" is a question.
const SMALL_TALK_WORDS: usize = 6;

/// Whether this agent alone answers the message: a greeting, thanks or a question about what the
/// assistant does, short, and naming no topic of another agent. Such a message is not read for
/// meaning (it pays nothing for the encoder).
pub fn is_small_talk(message: &Message) -> bool {
    let lower = &message.lower;
    lower.split_whitespace().count() <= SMALL_TALK_WORDS
        && (questions::greeting(message).is_some() || matches_any(lower, THANKS) || matches_any(lower, CAPABILITIES))
        && !TOPICS.iter().any(|topic| matches_any(lower, topic.keywords))
}

fn matches_any(lower: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|keyword| super::routing::matches(lower, keyword))
}

/// An agent type as a person reads it: "financial services agent".
fn agent_name(agent_type: &str, arabic: bool) -> String {
    if !arabic {
        return format!("{} agent", agent_type.replace('_', " "));
    }
    match agent_type {
        "knowledge" => "وكيل المعرفة (القرآن والحديث)".to_owned(),
        "financial_services" => "الوكيل المالي".to_owned(),
        "community" => "وكيل المجتمع".to_owned(),
        "migration" => "وكيل الهجرة والاستقرار".to_owned(),
        "analytics" => "وكيل الإحصائيات".to_owned(),
        other => format!("الوكيل {other}"),
    }
}

pub struct UserInterfaceAgent {
    agent_id: String,
}

impl UserInterfaceAgent {
    pub fn new(agent_id: impl Into<String>) -> Self {
        Self {
            agent_id: agent_id.into(),
        }
    }

    fn answer(&self, request: &AgentRequest) -> AgentAnswer {
        let reading = request.reading();
        let lower = &reading.message.lower;
        let arabic = request.in_arabic();
        // When the fast ends today is a question of prayer times, whatever month it names.
        let fast_times = reading
            .prayer_times
            .as_deref()
            .is_some_and(|reason| reason.starts_with("asks when the fast"));
        let topics: Vec<&Topic> = TOPICS
            .iter()
            .filter(|topic| {
                if fast_times {
                    topic.name_en == "prayer guidance"
                        || (topic.name_en != "the Hijri calendar" && matches_any(lower, topic.keywords))
                } else {
                    matches_any(lower, topic.keywords)
                }
            })
            .collect();
        let greeting = reading.greeting;
        let thanks = matches_any(lower, THANKS);
        let capabilities = matches_any(lower, CAPABILITIES);
        // Small talk in words the rules do not list («شو أخبارك؟», "how's it going?"),
        // recognised by meaning: greeted, not called out of scope.
        let greeted_by_meaning =
            greeting.is_none() && !thanks && !capabilities && request.intent_by_meaning.as_deref() == Some("greeting");
        let answered: Vec<&String> = request
            .answered
            .iter()
            .filter(|agent_type| agent_type.as_str() != "user_interface")
            .collect();

        let mut parts: Vec<String> = Vec::new();
        match (greeting, arabic) {
            (Some("salam"), false) => parts.push("Wa alaykum as-salam wa rahmatullah.".to_owned()),
            (Some("salam"), true) => parts.push("وعليكم السلام ورحمة الله وبركاته.".to_owned()),
            (Some(_), false) => parts.push("Hello, and welcome.".to_owned()),
            (Some(_), true) => parts.push("أهلًا وسهلًا.".to_owned()),
            (None, _) => {}
        }
        if thanks {
            parts.push(
                if arabic {
                    "وإياكم، جزاكم الله خيرًا."
                } else {
                    "You are welcome, may Allah reward you."
                }
                .to_owned(),
            );
        }
        let kind;
        let confidence;
        if !answered.is_empty() {
            kind = "handed_over";
            confidence = 0.9;
            let names: Vec<String> = answered
                .iter()
                .map(|agent_type| agent_name(agent_type, arabic))
                .collect();
            // Name only the topics the answering agents cover.
            let topics: Vec<&&Topic> = topics
                .iter()
                .filter(|topic| answered.iter().any(|a| *a == topic.agent_type))
                .collect();
            if !topics.is_empty() {
                parts.push(if arabic {
                    format!(
                        "سألت عن {}.",
                        topics.iter().map(|topic| topic.name_ar).collect::<Vec<_>>().join("، ")
                    )
                } else {
                    format!(
                        "You asked about {}.",
                        join_english(&topics.iter().map(|topic| topic.name_en.to_owned()).collect::<Vec<_>>())
                    )
                });
            }
            parts.push(if arabic {
                format!("يجيبك أدناه: {}.", names.join("، "))
            } else if names.len() == 1 {
                format!("The {} answers below.", names[0])
            } else {
                format!("The {} answer below.", join_english(&names))
            });
        } else if !topics.is_empty() {
            // A topic we know, but no specialised agent answered it here: say so, never guess.
            kind = "not_answered";
            confidence = 0.6;
            let missing: Vec<String> = topics
                .iter()
                .filter(|topic| !request.available_agent_types.iter().any(|t| t == topic.agent_type))
                .map(|topic| agent_name(topic.agent_type, arabic))
                .collect();
            if !missing.is_empty() {
                parts.push(if arabic {
                    format!("{} غير متاح على هذا الخادم بعد.", missing.join("، "))
                } else {
                    format!("The {} is not available on this server yet.", join_english(&missing))
                });
            }
            parts.push(if arabic {
                format!(
                    "فهمت أنك تسأل عن {}، لكن لا يوجد هنا من يجيب عن ذلك الآن، ولن أجيب بالتخمين: يُرجى سؤال عالم موثوق أو مسجدك المحلي.",
                    topics.iter().map(|topic| topic.name_ar).collect::<Vec<_>>().join("، ")
                )
            } else {
                format!(
                    "I understood you are asking about {}, but no agent here could answer it, and I will not guess: \
                     please ask a trusted scholar or your local mosque.",
                    join_english(&topics.iter().map(|topic| topic.name_en.to_owned()).collect::<Vec<_>>())
                )
            });
            parts.push(capabilities_text(arabic, &request.available_agent_types));
        } else if capabilities || (greeting.is_some() && !thanks) || greeted_by_meaning {
            kind = if capabilities { "capabilities" } else { "greeting" };
            confidence = 0.95;
            if greeted_by_meaning {
                parts.push(
                    if arabic {
                        "أهلًا وسهلًا."
                    } else {
                        "Hello, and welcome."
                    }
                    .to_owned(),
                );
            }
            parts.push(capabilities_text(arabic, &request.available_agent_types));
        } else if thanks {
            kind = "small_talk";
            confidence = 0.95;
        } else {
            // Nothing we do: say so plainly, and what we can do.
            kind = "out_of_scope";
            confidence = 0.6;
            parts.push(
                if arabic {
                    "لا أستطيع المساعدة في هذا، فهو خارج ما يقدمه هجرة."
                } else {
                    "I can't help with that: it is outside what Hijraah does."
                }
                .to_owned(),
            );
            parts.push(capabilities_text(arabic, &request.available_agent_types));
        }
        AgentAnswer {
            content: parts.join(" "),
            confidence,
            metadata: json!({
                "kind": kind,
                "language": request.language,
                "greeting": greeting,
                "topics": topics.iter().map(|topic| topic.name_en).collect::<Vec<_>>(),
                "answered_by": answered,
                "citations": [],
            }),
        }
    }
}

fn join_english(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(crate) fn capabilities_text(arabic: bool, available: &[String]) -> String {
    let specialised = available.iter().any(|agent_type| agent_type != "user_interface");
    match (arabic, specialised) {
        (false, true) => "I can help with prayer times and the qibla, the Hijri calendar and Islamic dates, zakat and \
                          zakat al-fitr, the Qur'an and hadith (quoted with their references), mosques and community \
                          events, and settling in a new country."
            .to_owned(),
        (false, false) => "I am Hijraah's assistant. The specialised agents for prayer times, zakat, the Qur'an and \
                           hadith, the Hijri calendar, mosques and settling in a new country are not available on \
                           this server yet."
            .to_owned(),
        (true, _) => {
            "يمكنني المساعدة في مواقيت الصلاة واتجاه القبلة، والتقويم الهجري والمناسبات الإسلامية، والزكاة وزكاة الفطر، \
                      والقرآن والحديث مع مراجعها، والمساجد وفعاليات المجتمع، والاستقرار في بلد جديد."
                .to_owned()
        }
    }
}

impl Agent for UserInterfaceAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "user_interface"
    }

    fn always_answers(&self) -> bool {
        true
    }

    fn score(&self, _request: &AgentRequest) -> RouteScore {
        RouteScore {
            score: 1.0,
            reasons: vec!["answers every request first".to_owned()],
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async move { Ok(self.answer(request)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::Value;
    use uuid::Uuid;

    fn ask_told(content: &str, available: &[&str], answered: &[&str]) -> AgentAnswer {
        ask_read(content, available, answered, None)
    }

    fn ask_read(content: &str, available: &[&str], answered: &[&str], by_meaning: Option<&str>) -> AgentAnswer {
        let request = AgentRequest {
            message_id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            user_id: "alice".into(),
            content: content.into(),
            language: super::super::language::detect(content).into(),
            context: Value::Null,
            role: hijraah_domain::user::Role::User,
            available_agent_types: available.iter().map(|t| t.to_string()).collect(),
            asked_at: Utc::now(),
            previous: None,
            answered: answered.iter().map(|t| t.to_string()).collect(),
            intent_by_meaning: by_meaning.map(str::to_owned),
            read: Default::default(),
        };
        UserInterfaceAgent::new("ui-1").answer(&request)
    }

    fn ask(content: &str, available: &[&str]) -> AgentAnswer {
        ask_told(content, available, &[])
    }

    #[test]
    fn it_promises_only_the_agents_that_answered() {
        let answered = ask_told(
            "How do I calculate Zakat?",
            &["user_interface", "financial_services"],
            &["financial_services"],
        );
        assert!(
            answered.content.contains("financial services agent answers below"),
            "{}",
            answered.content
        );
        let none = ask_told(
            "How do I calculate Zakat?",
            &["user_interface", "financial_services"],
            &[],
        );
        assert!(!none.content.contains("below"), "{}", none.content);
        assert!(none.content.contains("will not guess"), "{}", none.content);
        assert_eq!(none.metadata["kind"], "not_answered");
    }

    #[test]
    fn small_talk_is_short_and_names_no_topic() {
        for message in [
            "Assalamu alaikum, what can you do?",
            "hello",
            "thanks!",
            "جزاك الله خيرا",
            "who are you?",
        ] {
            assert!(is_small_talk(&message.into()), "{message}");
        }
        for message in [
            "hello, what does the Qur'an say about anger?",
            "salam, when is fajr in Leeds?",
            "what is the capital of Australia",
            "thanks, and how much zakat on 5000?",
        ] {
            assert!(!is_small_talk(&message.into()), "{message}");
        }
    }

    #[test]
    fn it_greets_only_a_greeting() {
        let hello = ask("Assalamu alaikum!", &["user_interface", "community"]);
        assert!(hello.content.starts_with("Wa alaykum as-salam"), "{}", hello.content);
        assert_eq!(hello.metadata["kind"], "greeting");
        let hijri = ask_told(
            "What is today's Hijri date?",
            &["user_interface", "community"],
            &["community"],
        );
        assert!(!hijri.content.contains("salam"), "{}", hijri.content);
        assert!(
            hijri.content.contains("community agent answers below"),
            "{}",
            hijri.content
        );
    }

    #[test]
    fn when_the_fast_ends_today_is_about_prayer_times_not_the_calendar() {
        let answer = ask_told(
            "what time does ramadan fasting end today in dubai",
            &["user_interface", "community"],
            &["community"],
        );
        assert!(answer.content.contains("prayer guidance"), "{}", answer.content);
        assert!(!answer.content.contains("Hijri calendar"), "{}", answer.content);
    }

    #[test]
    fn it_answers_arabic_in_arabic() {
        let answer = ask_told(
            "السلام عليكم، متى وقت الصلاة؟",
            &["user_interface", "community"],
            &["community"],
        );
        assert!(answer.content.contains("وعليكم السلام"), "{}", answer.content);
        assert!(answer.content.contains("وكيل المجتمع"), "{}", answer.content);
    }

    #[test]
    fn out_of_scope_says_so_and_what_it_can_do() {
        let weather = ask(
            "what's the weather going to be like in Leeds tomorrow?",
            &["user_interface", "community"],
        );
        assert_eq!(weather.metadata["kind"], "out_of_scope");
        assert!(weather.content.contains("can't help"), "{}", weather.content);
        assert!(weather.content.contains("I can help with"), "{}", weather.content);
    }

    #[test]
    fn it_handles_small_talk_and_capabilities() {
        let what = ask("What can you do?", &["user_interface", "knowledge"]);
        assert_eq!(what.metadata["kind"], "capabilities");
        assert!(what.content.contains("prayer times"));
        let thanks = ask("thank you!", &["user_interface"]);
        assert_eq!(thanks.metadata["kind"], "small_talk");
        let unclear = ask("xyzzy", &["user_interface"]);
        assert_eq!(unclear.metadata["kind"], "out_of_scope");
        assert!(unclear.confidence < 0.8);
    }

    #[test]
    fn small_talk_read_by_meaning_is_greeted_not_refused() {
        let available = &["user_interface", "community", "knowledge"];
        // Words no greeting rule lists: out of scope when nothing else is known of them...
        assert_eq!(ask("شو أخبارك؟", available).metadata["kind"], "out_of_scope");
        assert_eq!(ask("how's it going?", available).metadata["kind"], "out_of_scope");
        // ...and greeted, with what the assistant does, when the encoder read them as a greeting.
        let greeted = ask_read("شو أخبارك؟", available, &[], Some("greeting"));
        assert_eq!(greeted.metadata["kind"], "greeting");
        assert!(greeted.content.starts_with("أهلًا وسهلًا."), "{}", greeted.content);
        assert!(!greeted.content.contains("لا أستطيع"), "{}", greeted.content);
        let greeted = ask_read("how's it going?", available, &[], Some("greeting"));
        assert!(
            greeted.content.starts_with("Hello, and welcome. I can help with"),
            "{}",
            greeted.content
        );
        // Another intent read by meaning changes nothing here: its agent answers it.
        let other = ask_read("xyzzy", available, &[], Some("texts"));
        assert_eq!(other.metadata["kind"], "out_of_scope");
    }

    #[test]
    fn short_keywords_match_words_not_fragments() {
        assert_eq!(
            ask("this is it", &[]).metadata["greeting"],
            Value::Null,
            "`hi` inside `this` is no greeting"
        );
    }
}
