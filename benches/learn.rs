//! The learned router: how long training takes on 100k requests read from the log, and what a
//! prediction adds to a chat.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench learn`
//!
//! - **Training**: `LEARN_REQUESTS` (default 100,000) requests written to a fresh database as the
//!   chat writes them (sealed with their users' keys; 1 in 20 judged by its user, 1 in 5 of those
//!   naming another agent), then the same steps as `hijraah learn train`: the log read and
//!   unsealed, examples built, one naive Bayes classifier per agent fitted, the held-out 20%
//!   scored by the model, the current rules and a random forest. Each step timed.
//! - **Prediction**: the features of a request and every agent's probability, as a server
//!   computes them per chat, over the chat evaluation set's questions; beside it, the rules'
//!   own scoring of the same requests (what every chat pays already).

mod common;

use std::time::Instant;

use hijraah::learn::train;
use hijraah::privacy::{Kek, Vault};
use hijraah::store::{EventStore, ExpectedVersion};
use hijraah_domain::events::{AgentReplied, AgentScore, FeedbackGiven, RequestRouted, UserRequestReceived};
use hijraah_domain::learn::{Request, features};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde_json::{Value, json};
use uuid::Uuid;

const DATABASE: &str = "hijraah_bench_learn";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

/// The chat evaluation set's questions with the agents expected: the seeds of the traffic.
fn seeds() -> Vec<(String, Vec<String>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/chat_dev.jsonl");
    std::fs::read_to_string(path)
        .expect("../shared/eval/chat_dev.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let case: Value = serde_json::from_str(line).expect("a chat case");
            let agents = case["expect"]["agents"]
                .as_array()
                .expect("expect.agents")
                .iter()
                .filter_map(Value::as_str)
                .filter(|agent| *agent != "user_interface")
                .map(str::to_owned)
                .collect();
            (case["content"].as_str().expect("content").to_owned(), agents)
        })
        .collect()
}

const WORDS: [&str; 12] = [
    "please",
    "brother",
    "sister",
    "today",
    "quickly",
    "thanks",
    "again",
    "exactly",
    "really",
    "my family",
    "in shaa Allah",
    "jazakallah",
];

/// The n-th request: a seed question with a word or two of its own, so no two are alike.
fn request(seeds: &[(String, Vec<String>)], n: usize) -> (String, Vec<String>) {
    let (text, agents) = &seeds[n % seeds.len()];
    let text = format!(
        "{} {} {}",
        WORDS[n % WORDS.len()],
        text,
        WORDS[(n / WORDS.len()) % WORDS.len()]
    );
    (text, agents.clone())
}

fn events_of(n: usize, text: String, agents: &[String], user: &str) -> Vec<Event> {
    let conversation_id = Uuid::now_v7();
    let message_id = Uuid::now_v7();
    let all = [
        "user_interface",
        "financial_services",
        "community",
        "knowledge",
        "migration",
    ];
    let mut events = vec![
        Event::UserRequestReceived(UserRequestReceived {
            message_id,
            conversation_id,
            user_id: user.to_owned(),
            content: text,
            language: "en".into(),
            context: Value::Null,
        }),
        Event::RequestRouted(RequestRouted {
            request_message_id: message_id,
            scores: all
                .iter()
                .map(|agent| AgentScore {
                    agent_id: format!("{agent}-1"),
                    agent_type: (*agent).into(),
                    score: if agents.iter().any(|a| a == agent) { 0.8 } else { 0.1 },
                    reasons: vec![],
                })
                .collect(),
            selected: std::iter::once("user_interface-1".to_owned())
                .chain(agents.iter().map(|agent| format!("{agent}-1")))
                .collect(),
            decision: Some("selected".into()),
            router: Default::default(),
            shadow: None,
            meaning: None,
            reading: None,
        }),
    ];
    for agent in std::iter::once("user_interface").chain(agents.iter().map(String::as_str)) {
        let reply_id = Uuid::now_v7();
        events.push(Event::AgentReplied(AgentReplied {
            message_id: reply_id,
            request_message_id: message_id,
            agent_id: format!("{agent}-1"),
            agent_type: agent.into(),
            content: "an answer".into(),
            confidence: 0.8,
            metadata: json!({"citations": []}),
            latency_ms: 2,
        }));
        if n.is_multiple_of(20) && agent != "user_interface" {
            events.push(Event::FeedbackGiven(FeedbackGiven {
                message_id: reply_id,
                conversation_id,
                agent_type: agent.into(),
                helpful: !n.is_multiple_of(100),
                correct_agent: n.is_multiple_of(100).then(|| "knowledge".to_owned()),
                comment: String::new(),
                revision: 1,
                previous_helpful: None,
                confidence: Some(0.8),
            }));
        }
    }
    events
}

async fn run() {
    let requests: usize = std::env::var("LEARN_REQUESTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let seeds = seeds();
    let (pool, _) = common::fresh_database(DATABASE, 16).await;
    let vault = Vault::new(pool.clone(), Kek::from_base64(&Kek::generate()).expect("a KEK"));
    let store = EventStore::new(pool.clone());

    let started = Instant::now();
    let mut writers = Vec::new();
    for writer in 0..8 {
        let (store, vault, seeds) = (store.clone(), vault.clone(), seeds.clone());
        writers.push(tokio::spawn(async move {
            for n in (writer..requests).step_by(8) {
                let user = format!("user-{}", n % 500);
                let key = vault.key_for_writing(&user).await.expect("data key");
                let (text, agents) = request(&seeds, n);
                let mut events: Vec<NewEvent> = events_of(n, text, &agents, &user)
                    .iter()
                    .map(|event| NewEvent::new(event, EventMetadata::default()))
                    .collect();
                for event in &mut events {
                    hijraah::privacy::seal_event(event, &key, &user);
                }
                let stream = format!("conversation-{}", Uuid::now_v7());
                store
                    .append(&stream, ExpectedVersion::NoStream, &events)
                    .await
                    .expect("append");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    println!(
        "wrote {requests} requests ({} events) in {:.1}s",
        store.head().await.expect("head").position,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (examples, last) = train::read_examples(&store, &vault, None).await.expect("read");
    let read = started.elapsed().as_secs_f64();
    let scratch = std::env::temp_dir().join(format!("hijraah-bench-learn-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let rules = train::rules_coordinator(store.clone(), pool.clone(), vault.clone(), &scratch).expect("rules");
    let started = Instant::now();
    let model = tokio::task::block_in_place(|| train::train("bench", &examples, last, &rules)).expect("train");
    let trained = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "training on {} requests: read and unsealed in {read:.1}s; features and naive Bayes fitted in {}s; \
         whole training with evaluation (model, rules, random forest) {trained:.1}s; total {:.1}s",
        examples.len(),
        model.report["training"]["seconds"],
        read + trained
    );
    println!("random forest: {}s", model.report["random_forest_seconds"]);
    println!(
        "held out {} ({} judged): model F1 {} / rules F1 {} / forest F1 {}",
        model.report["held_out"]["examples"],
        model.report["held_out"]["judged"],
        model.report["model"]["micro"]["f1"],
        model.report["rules"]["micro"]["f1"],
        model.report["random_forest"]["micro"]["f1"]
    );

    // Prediction beside the rules' scoring, on the same requests.
    let texts: Vec<String> = (0..seeds.len() * 50).map(|n| request(&seeds, n).0).collect();
    let context = Value::Null;
    let rounds = 20;
    let started = Instant::now();
    let mut chosen = 0usize;
    for _ in 0..rounds {
        for text in &texts {
            let features = features(&Request {
                text,
                language: "en",
                context: &context,
                previous_agent: None,
                meaning: None,
            });
            chosen += model.choose(&features).len();
        }
    }
    let predict_us = started.elapsed().as_secs_f64() * 1e6 / (rounds * texts.len()) as f64;
    let started = Instant::now();
    for _ in 0..rounds {
        for text in &texts {
            chosen += train::rules_choice(&rules, text, "en", &context).len();
        }
    }
    let rules_us = started.elapsed().as_secs_f64() * 1e6 / (rounds * texts.len()) as f64;
    println!(
        "prediction (features + every agent's probability): {predict_us:.1} µs per request; the rules' scoring of \
         the same requests: {rules_us:.1} µs (ratio {:.2}) [{chosen} choices]",
        predict_us / rules_us
    );
    pool.close().await;
    common::drop_database(DATABASE).await;
}
