//! The routing decisions of today's rules, as a snapshot: every development chat case (its turns
//! in order, each later turn following the agents the rules chose for the one before), our own
//! cases, and wordings the unit tests and the issues name. A change to how a message is read
//! (#23: one reading per message) must leave these decisions as they are, or change them on
//! purpose, where the snapshot's diff shows each one. `INSTA_UPDATE=always cargo test
//! routing_snapshot` rewrites it.

use std::path::Path;

use serde_json::{Value, json};

use crate::agents::Coordinator;
use crate::learn::train::{rules_coordinator, rules_request};

/// Wordings beyond the chat cases: those the routing and agents' unit tests use, and those the
/// issues and the closing notes quote (English and Arabic, first messages and follow-ups).
const WORDINGS: &[&str] = &[
    "hello",
    "assalamu alaikum, how are you?",
    "السلام عليكم",
    "thank you!",
    "what can you do?",
    "is it halal to eat crab?",
    "where can I find halal food in Berlin?",
    "can i eat crab?",
    "what is the weather in paris?",
    "how much is my rent?",
    "how many times should I make tawaf?",
    "what is the fatwa on crypto?",
    "how many rakat is maghrib",
    "how many rakats is maghrib?",
    "كم عدد ركعات صلاة الفجر",
    "ما جزاء من يكظم غيظه",
    "ما حكم السخرية من الناس",
    "ما جزاء الصابرين؟",
    "what happens to the soul after death",
    "what does the quran say about fasting?",
    "what did the prophet say about mercy to animals",
    "hadith on honouring your guest",
    "what is the virtue of surah al-mulk?",
    "what advice did luqman give his son",
    "what did luqman tell his son about pride",
    "why is laylatul qadr so special and which night should i look for it",
    "the story of musa and khidr in surah al-kahf",
    "what is the main lesson of surah yusuf for someone who was betrayed?",
    "recite ayat al-kursi",
    "2:255",
    "bukhari 1",
    "what is the dua for entering the mosque?",
    "ما هو دعاء دخول المسجد؟",
    "mosques in Cairo where I can make dua",
    "when is fajr tomorrow in london?",
    "prayer times in Istanbul",
    "مواقيت الصلاة في القاهرة",
    "what is the qibla in Tokyo?",
    "ما هو اتجاه مكة من عمّان؟",
    "which direction is mecca from toronto?",
    "which way is the kaaba from here?",
    "when is ramadan next year?",
    "متى عيد الأضحى؟",
    "what is today's hijri date?",
    "how many days until eid al-fitr?",
    "my flight lands after maghrib ends, can I combine it with isha?",
    "I fell asleep and woke up after sunrise, what do I do about the fajr I slept through?",
    "can I combine dhuhr and asr when travelling?",
    "I have 12,000 dollars saved, how much zakat do I owe?",
    "My salary is 3200 euros a month and I have saved 14,000 euros for over a year. Gold is 95 euros a gram. How much zakat should I pay?",
    "لدي مدخرات ٢٠٠٠٠ دولار وعلي دين ٥٠٠٠ دولار مستحق الآن، كم الزكاة؟",
    "who can receive zakat?",
    "how much is zakat al-fitr for a family of five?",
    "is a mortgage halal?",
    "is bitcoin halal to invest in?",
    "I just moved to Germany, how do I register my address and find a mosque?",
    "I am moving to the Netherlands, what should I do first?",
    "I'm moving from Germany to Sweden next month, what should I do first?",
    "We are moving from London to Berlin, how do I register my address?",
    "أنا من مصر وسأنتقل إلى ألمانيا، ماذا أفعل أولاً؟",
    "we are relocating our family to Toronto",
    "the imam moved the khutbah earlier in Berlin, is that allowed?",
    "أنا انتقلت إلى ألمانيا، كيف أسجل عنواني؟",
    "how many users asked about zakat last week?",
    "show me the analytics",
    "start the new muslim onboarding workflow",
    "tell me a joke",
    "what is the capital of france?",
    "",
    "؟",
    "🙂🙂🙂",
];

/// Follow-ups the unit tests and issues name: the agents that answered before, then the message.
const FOLLOW_UPS: &[(&[&str], &str)] = &[
    (&["community"], "what about asr?"),
    (&["community"], "and dhuhr?"),
    (&["community"], "وفي دمشق؟"),
    (&["community"], "and eid al-adha?"),
    (&["community"], "وعيد الأضحى؟"),
    (&["community"], "what about the qibla there?"),
    (&["community"], "is there a hadith on praying on time?"),
    (
        &["financial_services"],
        "and what if I also owe 2000 on my credit card?",
    ),
    (&["financial_services"], "I also owe 2,000"),
    (&["financial_services"], "90 dollars a gram"),
    (&["knowledge"], "and in arabic?"),
    (&["knowledge"], "what about fasting?"),
    (&["migration"], "and in Arabic?"),
];

fn cases(path: &Path, set: &str) -> Vec<(String, Vec<String>, String, Value)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let case: Value = serde_json::from_str(line).expect("a chat case");
            let turns = match case["turns"].as_array() {
                Some(turns) => turns.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                None => vec![case["content"].as_str().unwrap_or_default().to_owned()],
            };
            let mut context = case.get("context").cloned().unwrap_or_else(|| json!({}));
            if let Some(today) = case.get("today") {
                context["date"] = today.clone();
            }
            let language = case["language"].as_str().unwrap_or("en").to_owned();
            (
                format!("{set}/{}", case["id"].as_str().unwrap_or("?")),
                turns,
                language,
                context,
            )
        })
        .collect()
}

/// One line: what the rules chose for the message, and every specialised agent's non-zero score
/// (best first), with the reasons that decided each.
fn decision(
    rules: &Coordinator,
    text: &str,
    language: &str,
    context: &Value,
    previous: &[String],
) -> (String, Vec<String>) {
    let mut request = rules_request(rules, text, language, context, previous);
    // A message without a date in its context is asked on a fixed day, so the snapshot does not
    // change with the day the test runs ("what is today's hijri date?").
    request.asked_at = chrono::DateTime::parse_from_rfc3339("2026-12-05T12:00:00Z")
        .expect("a fixed moment")
        .with_timezone(&chrono::Utc);
    let routing = rules.route(&request);
    let chosen: Vec<String> = routing
        .selected
        .iter()
        .filter(|registered| !registered.agent.always_answers())
        .map(|registered| registered.agent.agent_type().to_owned())
        .collect();
    let scores: Vec<String> = routing
        .scores
        .iter()
        .filter(|score| score.agent_type != "user_interface" && score.score > 0.0)
        .map(|score| format!("{} {:.3} [{}]", score.agent_type, score.score, score.reasons.join("; ")))
        .collect();
    let line = format!(
        "  -> {} ({})\n{}",
        if chosen.is_empty() {
            "-".to_owned()
        } else {
            chosen.join(", ")
        },
        routing.decision,
        scores.iter().map(|score| format!("     {score}\n")).collect::<String>()
    );
    (line, chosen)
}

#[tokio::test]
async fn routing_snapshot() {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://unused@127.0.0.1:1/unused")
        .unwrap();
    let store = crate::store::EventStore::new(pool.clone());
    let vault = crate::privacy::Vault::new(
        pool.clone(),
        crate::privacy::Kek::from_base64(&crate::privacy::Kek::generate()).unwrap(),
    );
    let scratch = tempfile::tempdir().unwrap();
    let rules = rules_coordinator(store, pool, vault, scratch.path()).unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = cases(&root.join("../shared/eval/chat_dev.jsonl"), "chat_dev");
    all.extend(cases(&root.join("../shared/eval/chat_dev_2.jsonl"), "chat_dev_2"));
    all.extend(cases(&root.join("tests/api/chat_own.jsonl"), "chat_own"));
    for wording in WORDINGS {
        let language = if wording.chars().any(hijraah_domain::understanding::text::is_arabic) {
            "ar"
        } else {
            "en"
        };
        all.push((
            "wording".to_owned(),
            vec![(*wording).to_owned()],
            language.to_owned(),
            json!({}),
        ));
    }

    let mut out = String::new();
    for (id, turns, language, context) in &all {
        let mut previous: Vec<String> = Vec::new();
        for turn in turns {
            let (line, chosen) = decision(&rules, turn, language, context, &previous);
            let after = if previous.is_empty() {
                String::new()
            } else {
                format!(" (after {})", previous.join(", "))
            };
            out.push_str(&format!("{id}{after}: {turn:?}\n{line}"));
            previous = chosen;
        }
    }
    for (previous, text) in FOLLOW_UPS {
        let previous: Vec<String> = previous.iter().map(|agent| (*agent).to_owned()).collect();
        let language = if text.chars().any(hijraah_domain::understanding::text::is_arabic) {
            "ar"
        } else {
            "en"
        };
        let (line, _) = decision(&rules, text, language, &json!({}), &previous);
        out.push_str(&format!("follow-up (after {}): {text:?}\n{line}", previous.join(", ")));
    }
    insta::assert_snapshot!(out);
}
