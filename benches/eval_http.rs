//! The evaluation sets of `../shared/eval/`, run against a running server over HTTP, as their
//! README scores them: retrieval hit@5 and MRR (`knowledge_dev.jsonl`), the judged set's
//! precision, nDCG@5 and key hit@5 on search and on what the chat quotes
//! (`knowledge_judged_dev.jsonl`), the chat cases (`chat_dev.jsonl`, `chat_dev_2.jsonl`), and
//! search latency. Point it at a server with the corpus imported, with or without the encoder
//! (`/readyz` says which), to compare the two:
//!
//! `HIJRAAH_EVAL_URL=http://127.0.0.1:8080 HIJRAAH_EVAL_TOKEN=$(hijraah token --user eval)
//!  cargo bench --bench eval_http` (`HIJRAAH_EVAL_ONLY=judged,chat,retrieval` to choose;
//! `HIJRAAH_EVAL_REPORT=FILE` writes every failure and every quote judged not relevant).

#[path = "../tests/api/chat_cases.rs"]
#[allow(dead_code)]
mod chat_cases;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(path)
}

fn lines(path: &str) -> Vec<Value> {
    lines_at(&shared(path))
}

fn lines_at(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn search(&self, query: &str, limit: usize) -> (Vec<String>, f64) {
        let started = Instant::now();
        let Ok(url) = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/knowledge/search", self.base),
            &[("q", query), ("limit", &limit.to_string())],
        ) else {
            return (Vec::new(), 0.0);
        };
        let response = self.http.get(url).bearer_auth(&self.token).send().await;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let Ok(response) = response else {
            return (Vec::new(), elapsed);
        };
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let ids = body["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|hit| hit["id"].as_str().map(chat_cases::verse_of))
            .collect();
        (ids, elapsed)
    }

    async fn chat(&self, session: &str, content: &Value, language: &Value, context: &Value) -> Vec<Value> {
        let response = self
            .http
            .post(format!("{}/api/v1/chat", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"user_id": "eval", "session_id": session, "content": content,
                          "language": language, "context": context}))
            .send()
            .await;
        match response {
            Ok(response) => response.json().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

fn percentile(values: &mut [f64], share: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values
        .get(((values.len() as f64 * share).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0)
}

fn corpus_ids() -> HashSet<String> {
    let mut ids = HashSet::new();
    let folder = shared("corpus");
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|extension| extension == "jsonl") {
            let file = std::fs::File::open(entry.path()).expect("a corpus file");
            for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
                if let Some(id) = serde_json::from_str::<Value>(&line)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_owned))
                {
                    ids.insert(id);
                }
            }
        }
    }
    ids
}

#[tokio::main]
async fn main() {
    let (Ok(base), Ok(token)) = (std::env::var("HIJRAAH_EVAL_URL"), std::env::var("HIJRAAH_EVAL_TOKEN")) else {
        eprintln!("set HIJRAAH_EVAL_URL and HIJRAAH_EVAL_TOKEN (a user's token) to run this bench");
        return;
    };
    let only = std::env::var("HIJRAAH_EVAL_ONLY").unwrap_or_else(|_| "retrieval,judged,chat".to_owned());
    let client = Client {
        http: reqwest::Client::new(),
        base: base.trim_end_matches('/').to_owned(),
        token,
    };
    let mut report = Vec::new();
    let ready: Value = match client.http.get(format!("{}/readyz", client.base)).send().await {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(error) => {
            eprintln!("the server does not answer: {error}");
            return;
        }
    };
    println!("encoder: {}", ready["encoder"]);

    if only.contains("retrieval") {
        let cases = lines("eval/knowledge_dev.jsonl");
        let (mut hits, mut reciprocal) = (0, 0.0);
        for case in &cases {
            let expected: HashSet<String> = case["expected_any"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str().map(chat_cases::verse_of))
                .collect();
            let (ids, _) = client.search(case["q"].as_str().unwrap_or_default(), 10).await;
            if let Some(rank) = ids.iter().position(|id| expected.contains(id)) {
                hits += usize::from(rank < 5);
                reciprocal += 1.0 / (rank as f64 + 1.0);
            } else {
                report.push(format!(
                    "retrieval miss: {} → {:?}",
                    case["q"],
                    &ids[..ids.len().min(5)]
                ));
            }
        }
        println!(
            "knowledge_dev: hit@5 {hits}/{}, MRR {:.3}",
            cases.len(),
            reciprocal / cases.len().max(1) as f64
        );
    }

    if only.contains("judged") {
        let cases = lines("eval/knowledge_judged_dev.jsonl");
        let mut search_totals = (0.0, 0.0, 0);
        let mut chat_totals = (0.0, 0.0, 0, 0usize);
        let mut latencies_new = Vec::new();
        let mut latencies_again = Vec::new();
        for (number, case) in cases.iter().enumerate() {
            let query = case["query"].as_str().unwrap_or_default();
            let relevant: HashMap<String, f64> = case["relevant"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(id, grade)| (id.clone(), grade.as_f64().unwrap_or(0.0)))
                .collect();
            let (ids, elapsed) = client.search(query, 5).await;
            latencies_new.push(elapsed);
            latencies_again.push(client.search(query, 5).await.1);
            let (precision, ndcg, key) = hijraah_index::eval::judged(&ids, &relevant);
            search_totals.0 += precision;
            search_totals.1 += ndcg;
            search_totals.2 += usize::from(key);
            let replies = client
                .chat(
                    &format!("judged-{number}-{}", std::process::id()),
                    &json!(query),
                    &case["language"],
                    &json!({}),
                )
                .await;
            let quoted: Vec<String> = replies
                .iter()
                .flat_map(|reply| reply["metadata"]["citations"].as_array().cloned().unwrap_or_default())
                .filter_map(|citation| citation["id"].as_str().map(chat_cases::verse_of))
                .collect();
            let (precision, ndcg, key) = hijraah_index::eval::judged(&quoted, &relevant);
            chat_totals.0 += precision;
            chat_totals.1 += ndcg;
            chat_totals.2 += usize::from(key);
            chat_totals.3 += quoted.len();
            for id in quoted.iter().filter(|id| !relevant.contains_key(*id)) {
                report.push(format!(
                    "judged {}: quoted {id}, not judged relevant ({query})",
                    case["id"]
                ));
            }
        }
        let count = cases.len().max(1) as f64;
        println!(
            "judged, search top 5: precision {:.2}, nDCG@5 {:.2}, key hit@5 {}/{}",
            search_totals.0 / count,
            search_totals.1 / count,
            search_totals.2,
            cases.len()
        );
        println!(
            "judged, chat quotes: precision {:.2}, nDCG@5 {:.2}, key hit@5 {}/{}, {:.1} quotes per answer",
            chat_totals.0 / count,
            chat_totals.1 / count,
            chat_totals.2,
            cases.len(),
            chat_totals.3 as f64 / count
        );
        println!(
            "search over HTTP: new queries p50 {:.1} ms p99 {:.1} ms; repeated p50 {:.1} ms p99 {:.1} ms",
            percentile(&mut latencies_new, 0.5),
            percentile(&mut latencies_new, 0.99),
            percentile(&mut latencies_again, 0.5),
            percentile(&mut latencies_again, 0.99)
        );
    }

    if only.contains("chat") {
        let corpus = corpus_ids();
        // More case files (`HIJRAAH_EVAL_CHAT_FILES=a.jsonl,b.jsonl`, paths from here), such as
        // `tests/api/chat_own.jsonl` or `benches/data/intents_fresh.jsonl`.
        let extra = std::env::var("HIJRAAH_EVAL_CHAT_FILES").unwrap_or_default();
        let files: Vec<PathBuf> = ["eval/chat_dev.jsonl", "eval/chat_dev_2.jsonl"]
            .into_iter()
            .map(shared)
            .chain(
                extra
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(|f| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(f)),
            )
            .collect();
        for path in &files {
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            let cases = lines_at(path);
            let mut passed = 0;
            for (number, case) in cases.iter().enumerate() {
                let session = format!(
                    "case-{number}-{}-{}",
                    std::process::id(),
                    case["id"].as_str().unwrap_or_default()
                );
                let mut context = case.get("context").cloned().unwrap_or_else(|| json!({}));
                if let Some(today) = case.get("today") {
                    context["date"] = today.clone();
                }
                let turns: Vec<Value> = match case.get("turns").and_then(Value::as_array) {
                    Some(turns) => turns.clone(),
                    None => vec![case["content"].clone()],
                };
                let mut replies = Vec::new();
                for turn in &turns {
                    replies = client.chat(&session, turn, &case["language"], &context).await;
                }
                let failures = chat_cases::check(case, &replies, &corpus);
                if failures.is_empty() {
                    passed += 1;
                } else {
                    let answers: Vec<String> = replies
                        .iter()
                        .map(|r| {
                            format!(
                                "    [{}] {}",
                                r["agent_type"],
                                r["response"].as_str().unwrap_or_default()
                            )
                        })
                        .collect();
                    report.push(format!(
                        "{file} {}: {}\n  - {}\n{}",
                        case["id"],
                        turns.last().cloned().unwrap_or_default(),
                        failures.join("\n  - "),
                        answers.join("\n")
                    ));
                }
            }
            println!("{file}: {passed}/{} cases pass", cases.len());
        }
    }

    if let Ok(path) = std::env::var("HIJRAAH_EVAL_REPORT") {
        let mut out = std::fs::File::create(&path).expect("the report file");
        for line in &report {
            writeln!(out, "{line}").expect("the report file");
        }
        println!("{} notes in {path}", report.len());
    }
}
