//! The user interface agent: answers every request first, in the user's language. It greets,
//! says what Hijraah can do, and names the topic it understood, saying which specialised agent
//! answers it, or plainly that none on this server can yet. It never answers a religious,
//! financial or time question itself: that is for the agents that cite their sources.

use futures_util::future::BoxFuture;
use serde_json::json;

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

const GREETINGS: &[&str] = &[
    "hello",
    "hi",
    "hey",
    "salam",
    "salaam",
    "assalamu",
    "as-salamu",
    "asalamu",
    "peace be upon you",
    "السلام عليكم",
    "السلام",
    "مرحبا",
    "أهلا",
    "اهلا",
];
const THANKS: &[&str] = &["thank", "jazak", "shukran", "شكرا", "جزاك"];
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

fn contains_word(text: &str, keyword: &str) -> bool {
    // Latin keywords must start at a word boundary ("hi" is not in "this"); Arabic words are matched
    // as substrings because clitics (و، ف، ب، ل) attach to them.
    if !keyword.is_ascii() {
        return text.contains(keyword);
    }
    text.match_indices(keyword).any(|(index, _)| {
        text[..index]
            .chars()
            .next_back()
            .is_none_or(|before| !before.is_alphanumeric())
    })
}

fn matches_any(text: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|keyword| contains_word(text, keyword))
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
        let text = request.content.to_lowercase();
        let arabic = request.language == "ar";
        let topics: Vec<&Topic> = TOPICS
            .iter()
            .filter(|topic| matches_any(&text, topic.keywords))
            .collect();
        let greeting = matches_any(&text, GREETINGS);
        let thanks = matches_any(&text, THANKS);
        let capabilities = matches_any(&text, CAPABILITIES);

        let mut parts: Vec<String> = Vec::new();
        let kind;
        let confidence;
        if greeting {
            parts.push(
                if arabic {
                    "وعليكم السلام ورحمة الله."
                } else {
                    "Wa alaykum as-salam, welcome."
                }
                .to_owned(),
            );
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
        if !topics.is_empty() {
            kind = "topic";
            confidence = 0.9;
            for topic in &topics {
                let available = request.available_agent_types.iter().any(|t| t == topic.agent_type);
                parts.push(match (arabic, available) {
                    (false, true) => format!(
                        "You asked about {}. The {} agent answers that below.",
                        topic.name_en,
                        topic.agent_type.replace('_', " ")
                    ),
                    (false, false) => format!(
                        "You asked about {}. The {} agent that answers this is not available on this server yet, \
                         so I will not guess: please ask a trusted scholar or your local mosque.",
                        topic.name_en,
                        topic.agent_type.replace('_', " ")
                    ),
                    (true, true) => format!("سألت عن {}. يجيبك الوكيل المختص أدناه.", topic.name_ar),
                    (true, false) => format!(
                        "سألت عن {}. الوكيل المختص بهذا غير متاح على هذا الخادم بعد، ولن أجيب بالتخمين: \
                         يُرجى سؤال عالم موثوق أو مسجدك المحلي.",
                        topic.name_ar
                    ),
                });
            }
        } else if capabilities || (greeting && parts.len() == 1) {
            kind = if capabilities { "capabilities" } else { "greeting" };
            confidence = 0.95;
            parts.push(capabilities_text(arabic, &request.available_agent_types));
        } else if greeting || thanks {
            kind = "small_talk";
            confidence = 0.95;
        } else {
            kind = "unclear";
            confidence = 0.5;
            parts.push(
                if arabic {
                    "لم أفهم سؤالك تمامًا. يمكنني المساعدة في أوقات الصلاة والزكاة والقرآن والحديث والتقويم الهجري والاستقرار في بلد جديد."
                } else {
                    "I am not sure what you are asking. I can help with prayer guidance, zakat, the Qur'an and hadith, \
                     the Hijri calendar, mosques and community events, and settling in a new country."
                }
                .to_owned(),
            );
        }
        AgentAnswer {
            content: parts.join(" "),
            confidence,
            metadata: json!({
                "kind": kind,
                "language": request.language,
                "topics": topics.iter().map(|topic| topic.name_en).collect::<Vec<_>>(),
                "citations": [],
            }),
        }
    }
}

fn capabilities_text(arabic: bool, available: &[String]) -> String {
    let specialised: Vec<String> = available
        .iter()
        .filter(|agent_type| agent_type.as_str() != "user_interface")
        .map(|agent_type| agent_type.replace('_', " "))
        .collect();
    match (arabic, specialised.is_empty()) {
        (false, true) => "I am Hijraah's assistant. I can point you to the right help for prayer guidance, zakat, \
                          the Qur'an and hadith, the Hijri calendar, mosques and settling in a new country. \
                          The specialised agents for these are not available on this server yet."
            .to_owned(),
        (false, false) => format!(
            "I am Hijraah's assistant. Ask about prayer guidance, zakat, the Qur'an and hadith, the Hijri calendar, \
             mosques or settling in a new country. Specialised agents available here: {}.",
            specialised.join(", ")
        ),
        (true, _) => "أنا مساعد هجرة. يمكنني توجيهك في أوقات الصلاة والزكاة والقرآن والحديث والتقويم الهجري والمساجد والاستقرار في بلد جديد."
            .to_owned(),
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
    use serde_json::Value;
    use uuid::Uuid;

    fn ask(content: &str, available: &[&str]) -> AgentAnswer {
        let request = AgentRequest {
            message_id: Uuid::nil(),
            conversation_id: Uuid::nil(),
            user_id: "alice".into(),
            content: content.into(),
            language: super::super::language::detect(content).into(),
            context: Value::Null,
            role: hijraah_domain::user::Role::User,
            available_agent_types: available.iter().map(|t| t.to_string()).collect(),
        };
        UserInterfaceAgent::new("ui-1").answer(&request)
    }

    #[test]
    fn it_names_the_topic_it_understood() {
        let answer = ask("I need prayer guidance", &["user_interface"]);
        assert!(answer.content.contains("prayer guidance"), "{}", answer.content);
        assert!(answer.confidence > 0.8);
        assert!(
            answer.content.contains("not available"),
            "it says no specialised agent answers yet"
        );
    }

    #[test]
    fn it_says_who_answers_when_the_specialised_agent_is_there() {
        let answer = ask("How do I calculate Zakat?", &["user_interface", "financial_services"]);
        assert!(answer.content.contains("zakat"));
        assert!(answer.content.contains("financial services agent answers"));
    }

    #[test]
    fn it_names_settling_in_and_usage_questions() {
        let moved = ask(
            "I just moved to Canada, what should I do in my first weeks?",
            &["user_interface", "migration"],
        );
        assert!(moved.content.contains("settling in a new country"), "{}", moved.content);
        let usage = ask("show my usage statistics", &["user_interface", "analytics"]);
        assert!(usage.content.contains("usage statistics"), "{}", usage.content);
        assert!(usage.confidence > 0.8);
    }

    #[test]
    fn it_answers_arabic_in_arabic() {
        let answer = ask("السلام عليكم، متى وقت الصلاة؟", &["user_interface"]);
        assert!(answer.content.contains("وعليكم السلام"));
        assert!(answer.content.contains("إرشادات الصلاة"));
    }

    #[test]
    fn it_handles_small_talk_and_capabilities() {
        let hello = ask("Assalamu alaikum!", &["user_interface"]);
        assert!(hello.content.starts_with("Wa alaykum as-salam"));
        assert_eq!(hello.metadata["kind"], "greeting");
        let what = ask("What can you do?", &["user_interface"]);
        assert_eq!(what.metadata["kind"], "capabilities");
        assert!(what.content.contains("prayer guidance"));
        let thanks = ask("thank you!", &["user_interface"]);
        assert_eq!(thanks.metadata["kind"], "small_talk");
        let unclear = ask("xyzzy", &["user_interface"]);
        assert_eq!(unclear.metadata["kind"], "unclear");
        assert!(unclear.confidence < 0.8);
    }

    #[test]
    fn short_keywords_match_words_not_fragments() {
        assert_eq!(
            ask("this is it", &[]).metadata["kind"],
            "unclear",
            "`hi` inside `this` is no greeting"
        );
    }
}
