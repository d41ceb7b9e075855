//! Tiny models in the `E5S1` format with random weights, written by tests: they exercise loading,
//! tokenizing and the forward pass without the real model's 70 MB. Their vectors mean nothing,
//! except that the same text always gets the same vector and texts sharing most of their words
//! get closer vectors than unrelated ones (mean pooling keeps the token embeddings' share).

use crate::format::{DTYPE_F32, DTYPE_Q4_0, quantize_q4};

/// The dimensions of [`tiny_model`].
pub const HIDDEN: usize = 64;
const LAYERS: usize = 2;
const HEADS: usize = 4;
const FEED_FORWARD: usize = 128;
const MAX_POSITIONS: usize = 128;

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "a",
    "allah",
    "prophet",
    "said",
    "prayer",
    "fasting",
    "patience",
    "mercy",
    "charity",
    "zakat",
    "paradise",
    "query",
    "passage",
    "guest",
    "animal",
    "water",
    "dog",
    "cat",
    "ramadan",
    "الله",
    "الصلاة",
    "الصبر",
    "الصيام",
    "رحمة",
    "قال",
    "النبي",
    "في",
    "من",
];

/// Deterministic pseudo-random numbers (xorshift), so a test's model is the same every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn many(&mut self, count: usize, scale: f32) -> Vec<f32> {
        (0..count).map(|_| self.next() * scale).collect()
    }
}

/// A model of 2 layers and 64 dimensions whose vocabulary has a few dozen English and Arabic
/// words and every Latin and Arabic letter, with weights drawn from `seed`.
pub fn tiny_model(seed: u64) -> Vec<u8> {
    let mut pieces: Vec<(String, f32)> = ["<s>", "<pad>", "</s>", "<unk>"]
        .iter()
        .map(|special| (special.to_string(), 0.0))
        .collect();
    pieces.push(("\u{2581}".to_owned(), -3.0));
    for word in WORDS {
        pieces.push((format!("\u{2581}{word}"), -5.0));
    }
    let letters = ('a'..='z').chain('0'..='9').chain('\u{0621}'..='\u{064a}');
    for letter in letters.chain(",.?!:'".chars()) {
        pieces.push((letter.to_string(), -8.0));
    }
    let vocabulary = pieces.len() + 3;
    let mut noise = Noise(seed | 1);

    let mut tensors: Vec<(String, u8, Vec<f32>)> = vec![
        ("emb.word".into(), DTYPE_Q4_0, noise.many(vocabulary * HIDDEN, 1.0)),
        ("emb.pos".into(), DTYPE_F32, noise.many(MAX_POSITIONS * HIDDEN, 0.1)),
        ("emb.type".into(), DTYPE_F32, noise.many(2 * HIDDEN, 0.1)),
        ("emb.ln.w".into(), DTYPE_F32, vec![1.0; HIDDEN]),
        ("emb.ln.b".into(), DTYPE_F32, vec![0.0; HIDDEN]),
    ];
    for layer in 0..LAYERS {
        let shapes = [
            ("q", HIDDEN, HIDDEN),
            ("k", HIDDEN, HIDDEN),
            ("v", HIDDEN, HIDDEN),
            ("ao", HIDDEN, HIDDEN),
            ("fi", FEED_FORWARD, HIDDEN),
            ("fo", HIDDEN, FEED_FORWARD),
        ];
        for (name, outputs, inputs) in shapes {
            let scale = 1.0 / (inputs as f32).sqrt();
            tensors.push((
                format!("l{layer}.{name}.w"),
                DTYPE_Q4_0,
                noise.many(outputs * inputs, scale),
            ));
            tensors.push((format!("l{layer}.{name}.b"), DTYPE_F32, noise.many(outputs, 0.02)));
        }
        for norm in ["aln", "oln"] {
            tensors.push((format!("l{layer}.{norm}.w"), DTYPE_F32, vec![1.0; HIDDEN]));
            tensors.push((format!("l{layer}.{norm}.b"), DTYPE_F32, vec![0.0; HIDDEN]));
        }
    }
    write(&pieces, &tensors, vocabulary)
}

fn write(pieces: &[(String, f32)], tensors: &[(String, u8, Vec<f32>)], vocabulary: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let i32le = |out: &mut Vec<u8>, value: usize| out.extend_from_slice(&(value as i32).to_le_bytes());
    out.extend_from_slice(b"E5S1");
    out.extend_from_slice(&1u32.to_le_bytes());
    for value in [HIDDEN, LAYERS, HEADS, FEED_FORWARD, vocabulary, MAX_POSITIONS, 2] {
        i32le(&mut out, value);
    }
    out.extend_from_slice(&1e-12f32.to_le_bytes());
    i32le(&mut out, 32);
    i32le(&mut out, pieces.len());
    for special in [0, 2, 1, 3] {
        i32le(&mut out, special);
    }
    let blob: Vec<u8> = pieces.iter().flat_map(|(piece, _)| piece.bytes()).collect();
    out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    let mut offset = 0u32;
    out.extend_from_slice(&offset.to_le_bytes());
    for (piece, _) in pieces {
        offset += piece.len() as u32;
        out.extend_from_slice(&offset.to_le_bytes());
    }
    for (_, score) in pieces {
        out.extend_from_slice(&score.to_le_bytes());
    }
    out.extend_from_slice(&blob);
    // The normaliser: a no-break space reads as a space, a zero-width space is dropped, and
    // capitals read as small letters.
    let mut table = Vec::new();
    let mut entries = 0;
    let mut rule = |from: u32, to: &[u32]| {
        table.extend_from_slice(&from.to_le_bytes());
        table.push(to.len() as u8);
        for codepoint in to {
            table.extend_from_slice(&codepoint.to_le_bytes());
        }
        entries += 1;
    };
    rule(0xa0, &[0x20]);
    rule(0x200b, &[]);
    for capital in 'A'..='Z' {
        rule(capital as u32, &[capital.to_ascii_lowercase() as u32]);
    }
    i32le(&mut out, entries);
    out.extend_from_slice(&(table.len() as u32).to_le_bytes());
    out.extend_from_slice(&table);

    // The directory, then the data it points at.
    let directory_size: usize = 4 + tensors
        .iter()
        .map(|(name, ..)| 2 + name.len() + 1 + 4 + 8 + 8)
        .sum::<usize>();
    let mut data_offset = out.len() + directory_size;
    let mut data = Vec::new();
    i32le(&mut out, tensors.len());
    for (name, dtype, values) in tensors {
        let bytes = if *dtype == DTYPE_Q4_0 {
            quantize_q4(values)
        } else {
            values.iter().flat_map(|value| value.to_le_bytes()).collect()
        };
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(*dtype);
        out.extend_from_slice(&(values.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data_offset as u64).to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        data_offset += bytes.len();
        data.extend_from_slice(&bytes);
    }
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoder, EncoderError, Kind, cosine};

    #[test]
    fn a_tiny_model_loads_and_gives_unit_vectors_that_repeat() {
        let encoder = Encoder::from_bytes(&tiny_model(7)).unwrap();
        assert_eq!(encoder.dimensions(), HIDDEN);
        let one = encoder.embed("the prophet said mercy", Kind::Query);
        let norm: f32 = one.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "unit length, got {norm}");
        assert_eq!(one, encoder.embed("the prophet said mercy", Kind::Query));
        assert_ne!(
            one,
            encoder.embed("the prophet said mercy", Kind::Passage),
            "the prefix counts"
        );
    }

    #[test]
    fn a_text_is_nearer_to_itself_reworded_than_to_another() {
        let encoder = Encoder::from_bytes(&tiny_model(11)).unwrap();
        let vectors = encoder.embed_many(
            &[
                "patience in the prayer and fasting of ramadan",
                "patience in prayer and the fasting of ramadan",
                "الله قال في الصيام",
            ],
            Kind::Passage,
            None,
        );
        assert!(cosine(&vectors[0], &vectors[1]) > cosine(&vectors[0], &vectors[2]));
    }

    #[test]
    fn a_batch_gives_the_vectors_each_text_gets_alone() {
        let encoder = Encoder::from_bytes(&tiny_model(3)).unwrap();
        let texts = ["mercy to the animal", "الصبر", "", "a dog and a cat and water"];
        let together = encoder.embed_many(&texts, Kind::Passage, None);
        for (text, vector) in texts.iter().zip(&together) {
            let alone = encoder.embed(text, Kind::Passage);
            assert!(cosine(&alone, vector) > 0.9999, "{text}");
        }
    }

    #[test]
    fn long_texts_are_read_in_windows_or_cut_at_the_bound() {
        let encoder = Encoder::from_bytes(&tiny_model(5)).unwrap();
        let long = "the prophet said mercy to the animal ".repeat(60);
        assert!(encoder.token_count(&long, Kind::Passage) > MAX_POSITIONS);
        let whole = encoder.embed(&long, Kind::Passage);
        let bounded = encoder.embed_many(&[&long], Kind::Passage, Some(32)).remove(0);
        assert_eq!(whole.len(), HIDDEN);
        assert!(whole.iter().all(|value| value.is_finite()));
        assert_ne!(whole, bounded);
    }

    #[test]
    fn the_tokenizer_normalises_then_takes_the_best_pieces() {
        let encoder = Encoder::from_bytes(&tiny_model(1)).unwrap();
        let tokens = encoder.tokenizer().encode("The\u{a0}\u{a0}Prophet\u{200b}");
        let again = encoder.tokenizer().encode("the prophet");
        assert_eq!(tokens, again, "capitals, no-break and zero-width spaces are normalised");
        assert_eq!(tokens.len(), 2, "two whole words, not letters: {tokens:?}");
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        let model = tiny_model(2);
        assert!(matches!(Encoder::from_bytes(b"GGUF1234"), Err(EncoderError::BadMagic)));
        for cut in [3, 10, 60, 500, model.len() / 2, model.len() - 1] {
            assert!(Encoder::from_bytes(&model[..cut]).is_err(), "cut at {cut}");
        }
        let mut corrupted = model.clone();
        corrupted[8..12].copy_from_slice(&(-5i32).to_le_bytes());
        assert!(Encoder::from_bytes(&corrupted).is_err());
    }
}
