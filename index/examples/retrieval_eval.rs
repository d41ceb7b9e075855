//! Scores retrieval on a labelled query file (`../shared/eval/knowledge_dev.jsonl` by default):
//! hit@5 and MRR@10 per query kind, and each miss with what came back instead. Builds the index
//! of the whole corpus once into `target/retrieval-eval-index` and reuses it.
//!
//! A graded file (`knowledge_judged_dev.jsonl`: each line's `query` with `relevant` grades) is
//! scored as `benches/eval_http.rs` scores search: precision, nDCG@5 and key hit@5 of the first
//! five, by words alone (`EVAL_EACH=1` prints each query's precision and nDCG@5).
//!
//! `cargo run --release -p hijraah-index --example retrieval_eval [-- QUERIES.jsonl] [--rebuild]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use hijraah_domain::knowledge::KnowledgeDocument;
use hijraah_index::{KnowledgeIndex, SearchRequest};

const FILES: &[&str] = &[
    "quran.jsonl",
    "quran_translations.jsonl",
    "bukhari.jsonl",
    "muslim.jsonl",
    "abudawud.jsonl",
    "nasai.jsonl",
    "ibnmajah.jsonl",
    "tirmidhi.jsonl",
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus() -> Vec<KnowledgeDocument> {
    let mut documents = Vec::new();
    for file in FILES {
        let path = workspace().join("../shared/corpus").join(file);
        let reader = std::io::BufReader::new(std::fs::File::open(&path).expect("corpus file"));
        for line in reader.lines() {
            let value = serde_json::from_str(&line.unwrap()).unwrap();
            documents.push(KnowledgeDocument::from_record(&value).unwrap());
        }
    }
    documents
}

/// A translation id counts as its verse: `quran:2:255:en.pickthall` is `quran:2:255`.
fn verse_of(id: &str) -> String {
    if id.starts_with("quran:") {
        id.split(':').take(3).collect::<Vec<_>>().join(":")
    } else {
        id.to_owned()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rebuild = args.iter().any(|a| a == "--rebuild");
    let queries_path = args
        .iter()
        .find(|a| a.ends_with(".jsonl"))
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/eval/knowledge_dev.jsonl"));
    let dir = workspace().join("target/retrieval-eval-index");
    if rebuild && dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let existing = dir
        .join("meta.json")
        .exists()
        .then(|| KnowledgeIndex::open(&dir, false).ok())
        .flatten();
    let index = if let Some(existing) = existing {
        existing
    } else {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        let started = Instant::now();
        let documents = corpus();
        let built = KnowledgeIndex::build(&dir, &documents, "{}", &|_| {}).unwrap();
        eprintln!("built {} documents in {:.1?}", documents.len(), started.elapsed());
        built
    };
    if let Some(position) = args.iter().position(|a| a == "--explain") {
        let query = args.get(position + 1).expect("--explain QUERY");
        let request = SearchRequest {
            query: query.clone(),
            limit: 10,
            ..Default::default()
        };
        for hit in index.search(&request).unwrap().hits {
            let text: String = hit.text.chars().take(160).collect();
            println!("{:>7.2} {:<16} {text}", hit.score, hit.id);
        }
        println!("unheard words: {:?}", index.unheard_words(query));
        return;
    }
    let reader = std::io::BufReader::new(std::fs::File::open(&queries_path).expect("query file"));
    let lines: Vec<String> = reader.lines().map(Result::unwrap).collect();
    if lines.first().is_some_and(|line| line.contains("\"relevant\"")) {
        judged(&index, &lines);
        return;
    }
    let mut by_kind: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    let mut latencies = Vec::new();
    for line in &lines {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let query = case["q"].as_str().unwrap();
        let expected: Vec<&str> = case["expected_any"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let kind = case["kind"].as_str().unwrap_or("all").to_owned();
        let request = SearchRequest {
            query: query.to_owned(),
            limit: 10,
            ..Default::default()
        };
        let started = Instant::now();
        let results = index.search(&request).unwrap();
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let ids: Vec<String> = results.hits.iter().map(|hit| verse_of(&hit.id)).collect();
        let rank = ids.iter().position(|id| expected.contains(&id.as_str()));
        let hit = rank.is_some_and(|r| r < 5);
        let entry = by_kind.entry(kind.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(hit);
        entry.2 += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
        if !hit {
            println!(
                "MISS [{kind}] {query}\n   expected {:?}\n   got {:?}",
                &expected[..expected.len().min(4)],
                &ids[..ids.len().min(5)]
            );
        }
    }
    let (total, hits, reciprocal) = by_kind
        .values()
        .fold((0, 0, 0.0), |acc, v| (acc.0 + v.0, acc.1 + v.1, acc.2 + v.2));
    for (kind, (n, h, rr)) in &by_kind {
        println!("{kind:>16}: hit@5 {h}/{n}  MRR {:.3}", rr / *n as f64);
    }
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{:>16}: hit@5 {hits}/{total} ({:.1}%)  MRR {:.3}  latency p50 {:.2} ms p99 {:.2} ms",
        "all",
        100.0 * hits as f64 / total as f64,
        reciprocal / total as f64,
        p(0.5),
        p(0.99)
    );
}

/// Precision, nDCG@5 and key hit@5 (a text graded 2 among the first five) over graded queries,
/// scored by [`hijraah_index::eval::judged`] as `benches/eval_http.rs` scores them.
fn judged(index: &KnowledgeIndex, lines: &[String]) {
    let (mut precision, mut ndcg, mut keys) = (0.0, 0.0, 0);
    for line in lines {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let query = case["query"].as_str().unwrap();
        let relevant: std::collections::HashMap<String, f64> = case["relevant"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, grade)| (id.clone(), grade.as_f64().unwrap_or(0.0)))
            .collect();
        let request = SearchRequest {
            query: query.to_owned(),
            limit: 5,
            ..Default::default()
        };
        let ids: Vec<String> = index
            .search(&request)
            .unwrap()
            .hits
            .iter()
            .map(|hit| verse_of(&hit.id))
            .collect();
        let (p, n, key) = hijraah_index::eval::judged(&ids, &relevant);
        precision += p;
        ndcg += n;
        keys += usize::from(key);
        if std::env::var_os("EVAL_EACH").is_some() {
            println!("EACH {p:.2} {n:.3} {query}");
        }
        if !key {
            println!("NO KEY {query}\n   got {ids:?}");
        }
    }
    let n = lines.len() as f64;
    println!(
        "judged ({} queries): precision {:.3}  nDCG@5 {:.3}  key hit@5 {keys}",
        lines.len(),
        precision / n,
        ndcg / n
    );
}
