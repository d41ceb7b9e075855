//! The chat development set (`../shared/eval/chat_dev.jsonl`), run as its README describes
//! against the real server with the whole corpus (`../shared/corpus`) imported: every case is
//! one message in a new conversation, and every check of every case must hold.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use hijraah::knowledge::import::import_file;
use hijraah::store::EventStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const CORPUS: &[&str] = &[
    "quran.jsonl",
    "quran_translations.jsonl",
    "bukhari.jsonl",
    "muslim.jsonl",
    "abudawud.jsonl",
    "nasai.jsonl",
    "ibnmajah.jsonl",
    "tirmidhi.jsonl",
];

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(path)
}

/// Every id in the corpus: what a citation may name.
fn corpus_ids() -> HashSet<String> {
    let mut ids = HashSet::new();
    for file in CORPUS {
        let reader = std::io::BufReader::new(std::fs::File::open(shared(&format!("corpus/{file}"))).unwrap());
        for line in reader.lines() {
            let value: Value = serde_json::from_str(&line.unwrap()).unwrap();
            ids.insert(value["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

/// Imports the whole corpus as events and waits until the server's index has applied them.
pub async fn import_corpus(app: &TestApp) {
    import_files(app, CORPUS).await;
}

/// Imports the Qur'an (Arabic, and its English translation) and waits for the index.
pub async fn import_quran(app: &TestApp) {
    import_files(app, &["quran.jsonl", "quran_translations.jsonl"]).await;
}

async fn import_files(app: &TestApp, files: &[&str]) {
    let store = EventStore::new(app.db.pool.clone());
    for file in files {
        import_file(&store, &shared(&format!("corpus/{file}")), "curator", &|_| {})
            .await
            .unwrap();
    }
    let last: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let checkpoint = store.checkpoint_of(last).await.unwrap();
    assert!(
        app.state
            .knowledge
            .wait_indexed(checkpoint, Duration::from_secs(180))
            .await,
        "the index applied the corpus"
    );
}

/// The README's normalisation: Arabic-Indic digits to ASCII, the Arabic decimal separator to
/// `.`, thousands separators between digits removed, lowercase.
fn normalise(text: &str) -> String {
    let mapped: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            other => other,
        })
        .collect();
    let mut out = String::new();
    for (index, c) in mapped.iter().enumerate() {
        let separator = matches!(c, ',' | '\u{066C}' | '\'' | '\u{2009}' | '\u{202F}' | '\u{00A0}');
        let between_digits =
            index > 0 && mapped[index - 1].is_ascii_digit() && mapped.get(index + 1).is_some_and(char::is_ascii_digit);
        if separator && between_digits {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn verse_of(id: &str) -> String {
    if id.starts_with("quran:") {
        id.split(':').take(3).collect::<Vec<_>>().join(":")
    } else {
        id.to_owned()
    }
}

/// The failed checks of one case.
fn check(case: &Value, replies: &[Value], corpus: &HashSet<String>) -> Vec<String> {
    let expect = &case["expect"];
    let mut failures = Vec::new();
    let types: Vec<&str> = replies.iter().filter_map(|r| r["agent_type"].as_str()).collect();
    let wanted: Vec<&str> = expect["agents"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for agent in &wanted {
        if !types.contains(agent) {
            failures.push(format!("no {agent} reply (got {types:?})"));
        }
    }
    for agent in expect["not_agents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if types.contains(&agent) {
            failures.push(format!("a {agent} reply, which should not be there"));
        }
    }
    let texts: Vec<String> = replies
        .iter()
        .filter(|reply| wanted.is_empty() || wanted.contains(&reply["agent_type"].as_str().unwrap_or_default()))
        .map(|reply| normalise(reply["response"].as_str().unwrap_or_default()))
        .collect();
    for needle in expect["contains_all"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !texts.iter().any(|text| text.contains(&normalise(needle))) {
            failures.push(format!("no reply contains `{needle}`"));
        }
    }
    if let Some(any) = expect["contains_any"].as_array() {
        let found = any
            .iter()
            .filter_map(Value::as_str)
            .any(|needle| texts.iter().any(|text| text.contains(&normalise(needle))));
        if !found {
            failures.push(format!("no reply contains any of {any:?}"));
        }
    }
    let cited: Vec<String> = replies
        .iter()
        .flat_map(|reply| reply["metadata"]["citations"].as_array().cloned().unwrap_or_default())
        .filter_map(|citation| citation["id"].as_str().map(str::to_owned))
        .collect();
    if let Some(any) = expect["citations_any"].as_array() {
        let acceptable: Vec<String> = any.iter().filter_map(Value::as_str).map(verse_of).collect();
        if !cited.iter().any(|id| acceptable.contains(&verse_of(id))) {
            failures.push(format!("cited {cited:?}, none of {acceptable:?}"));
        }
    }
    for id in expect["citations_none"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if cited.iter().any(|cited| verse_of(cited) == verse_of(id)) {
            failures.push(format!("cites `{id}`, which does not answer the question"));
        }
    }
    for id in &cited {
        if !corpus.contains(id) {
            failures.push(format!("cites `{id}`, which is not in the corpus"));
        }
    }
    // No empty promise: the user interface names only agents whose replies are here.
    if let Some(ui) = replies.iter().find(|reply| reply["agent_type"] == "user_interface") {
        for promised in ui["metadata"]["answered_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let present = replies.iter().any(|reply| {
                reply["agent_type"] == promised && !reply["response"].as_str().unwrap_or_default().trim().is_empty()
            });
            if !present {
                failures.push(format!(
                    "the user interface promised a {promised} reply that is not there"
                ));
            }
        }
        if ui["response"].as_str().unwrap_or_default().contains("below") && types.len() < 2 {
            failures.push("the user interface says another agent answers below, and none does".to_owned());
        }
    }
    failures
}

#[tokio::test]
async fn every_case_of_the_chat_development_set_passes() {
    let app = TestApp::spawn().await;
    import_corpus(&app).await;
    let corpus = corpus_ids();
    // The development set, then our own cases in its format (`chat_own.jsonl`: questions found
    // wanting while using the product, with what a right answer cites and must not cite).
    let own = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/chat_own.jsonl");
    let lines: Vec<String> = [shared("eval/chat_dev.jsonl"), own]
        .iter()
        .flat_map(|path| std::io::BufReader::new(std::fs::File::open(path).unwrap()).lines())
        .map(Result::unwrap)
        .collect();
    let mut report = Vec::new();
    let mut cases = 0;
    for (number, line) in lines.iter().enumerate() {
        let case: Value = serde_json::from_str(line).unwrap();
        cases += 1;
        let mut context = case.get("context").cloned().unwrap_or_else(|| json!({}));
        if let Some(today) = case.get("today") {
            context["date"] = today.clone();
        }
        let user = format!("eval-{number}");
        let response = app
            .chat(
                &user,
                json!({"user_id": user, "content": case["content"], "language": case["language"], "context": context}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{}", case["id"]);
        let replies: Vec<Value> = response.json().await.unwrap();
        let failures = check(&case, &replies, &corpus);
        if !failures.is_empty() {
            let answers: Vec<String> = replies
                .iter()
                .map(|r| format!("  [{}] {}", r["agent_type"], r["response"].as_str().unwrap_or_default()))
                .collect();
            report.push(format!(
                "{} ({}):\n  - {}\n{}",
                case["id"],
                case["content"],
                failures.join("\n  - "),
                answers.join("\n")
            ));
        }
    }
    assert!(cases >= 50, "the development set and our own cases were read");
    assert!(
        report.is_empty(),
        "{} of {cases} cases failed:\n\n{}",
        report.len(),
        report.join("\n\n")
    );
}

#[test]
fn the_normalisation_is_the_readmes() {
    assert_eq!(normalise("Your zakat is $12,000.00"), "your zakat is $12000.00");
    assert_eq!(normalise("٣٢٥٫٠٠"), "325.00");
    assert_eq!(normalise("1, 2"), "1, 2");
}
