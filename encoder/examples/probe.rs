//! Cosines between a query and texts read from stdin, one per line: `cargo run --release -p
//! hijraah-encoder --example probe -- MODEL.bin "query" < texts.txt`.

use std::io::BufRead;

use hijraah_encoder::{Encoder, Kind, cosine};

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let (Some(model), Some(query)) = (arguments.get(1), arguments.get(2)) else {
        eprintln!("usage: probe MODEL.bin QUERY < texts");
        std::process::exit(2);
    };
    let encoder = Encoder::from_bytes(&std::fs::read(model).expect("model file")).expect("model");
    let query = encoder.embed(query, Kind::Query);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let passage = encoder.embed_many(&[line.as_str()], Kind::Passage, Some(128)).remove(0);
        println!(
            "{:.3}  {}",
            cosine(&query, &passage),
            line.chars().take(90).collect::<String>()
        );
    }
}
