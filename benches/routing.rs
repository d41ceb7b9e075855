//! The rules' reading and routing of one message, as every chat pays it before any agent runs
//! (#23: "read each message once"). Over every message of the development chat sets and our own
//! cases, each in its language and with its context, as `hijraah learn` builds the request.
//!
//! `cargo bench --bench routing` (no database: the agents only score, none answers).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use hijraah::learn::train::{rules_coordinator, rules_request};
use serde_json::{Value, json};

fn messages() -> Vec<(String, String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for file in [
        "../shared/eval/chat_dev.jsonl",
        "../shared/eval/chat_dev_2.jsonl",
        "tests/api/chat_own.jsonl",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect("a chat case file");
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("a chat case");
            let language = case["language"].as_str().unwrap_or("en").to_owned();
            let mut context = case.get("context").cloned().unwrap_or_else(|| json!({}));
            if let Some(today) = case.get("today") {
                context["date"] = today.clone();
            }
            let turns: Vec<String> = match case["turns"].as_array() {
                Some(turns) => turns.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                None => vec![case["content"].as_str().unwrap_or_default().to_owned()],
            };
            for turn in turns {
                out.push((turn, language.clone(), context.clone()));
            }
        }
    }
    out
}

fn routing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _entered = runtime.enter();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://unused@127.0.0.1:1/unused")
        .expect("a lazy pool");
    let store = hijraah::store::EventStore::new(pool.clone());
    let vault = hijraah::privacy::Vault::new(
        pool.clone(),
        hijraah::privacy::Kek::from_base64(&hijraah::privacy::Kek::generate()).expect("a key"),
    );
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let rules = rules_coordinator(store, pool, vault, scratch.path()).expect("the rules");
    let messages = messages();
    println!("{} messages", messages.len());
    c.bench_function("read and route every development message once", |b| {
        b.iter(|| {
            let mut selected = 0;
            for (text, language, context) in &messages {
                let request = rules_request(&rules, text, language, context, &[]);
                selected += rules.route(&request).selected.len();
            }
            selected
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = routing
}
criterion_main!(benches);
