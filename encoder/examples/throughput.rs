//! Tokens per second of our encoder on texts from a JSON Lines corpus file: `cargo run --release
//! -p hijraah-encoder --example throughput -- MODEL.bin FILE.jsonl FIELD [COUNT] [MAX_TOKENS]`.

use std::io::BufRead;
use std::time::Instant;

use hijraah_encoder::{Encoder, Kind};

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.len() < 4 {
        eprintln!("usage: throughput MODEL.bin FILE.jsonl FIELD [COUNT] [MAX_TOKENS]");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&arguments[1]).expect("model file");
    let encoder = Encoder::from_bytes(&bytes).expect("model");
    let count: usize = arguments.get(4).and_then(|value| value.parse().ok()).unwrap_or(200);
    let max_tokens: Option<usize> = arguments.get(5).and_then(|value| value.parse().ok());
    let file = std::io::BufReader::new(std::fs::File::open(&arguments[2]).expect("corpus file"));
    let texts: Vec<String> = file
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json_field(&line, &arguments[3]))
        .take(count)
        .collect();
    let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
    let tokens: usize = borrowed
        .iter()
        .map(|text| {
            encoder
                .token_count(text, Kind::Passage)
                .min(max_tokens.map_or(usize::MAX, |limit| limit + 2))
        })
        .sum();
    let started = Instant::now();
    let vectors = encoder.embed_many(&borrowed, Kind::Passage, max_tokens);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} texts, {tokens} tokens in {seconds:.2} s: {:.0} tokens/s, {:.1} texts/s",
        vectors.len(),
        tokens as f64 / seconds,
        vectors.len() as f64 / seconds
    );
    let started = Instant::now();
    for text in borrowed.iter().take(20) {
        let _ = encoder.embed(&text.chars().take(60).collect::<String>(), Kind::Query);
    }
    println!(
        "short query: {:.1} ms each",
        started.elapsed().as_secs_f64() * 1000.0 / 20.0
    );
}

/// A string field of a JSON line, without a JSON parser in this crate's dependencies.
fn serde_json_field(line: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":\"");
    let start = line.find(&key)? + key.len();
    let mut out = String::new();
    let mut escaped = false;
    for character in line[start..].chars() {
        match (escaped, character) {
            (true, 'n') => out.push(' '),
            (true, other) => out.push(other),
            (false, '\\') => {
                escaped = true;
                continue;
            }
            (false, '"') => return Some(out),
            (false, other) => out.push(other),
        }
        escaped = false;
    }
    None
}
