//! The SentencePiece unigram tokenizer of XLM-RoBERTa, as the model file carries it: a
//! per-codepoint normaliser, spaces as the metaspace `▁`, then the Viterbi path of highest total
//! piece score. It follows the reference engine step by step, so both cut a text the same way.

use std::collections::HashMap;

use crate::format::Vocabulary;

const METASPACE: char = '\u{2581}';

pub struct Tokenizer {
    pieces: HashMap<Box<[u8]>, u32>,
    scores: Vec<f32>,
    normaliser: HashMap<u32, Vec<u32>>,
    unk: u32,
    unk_score: f32,
    longest_piece: usize,
    pub(crate) bos: u32,
    pub(crate) eos: u32,
}

impl Tokenizer {
    pub(crate) fn new(vocabulary: Vocabulary, normaliser: Vec<(u32, Vec<u32>)>) -> Self {
        let mut pieces = HashMap::with_capacity(vocabulary.pieces.len());
        let mut longest_piece = 1;
        for (index, piece) in vocabulary.pieces.iter().enumerate() {
            if piece.is_empty() {
                continue;
            }
            longest_piece = longest_piece.max(piece.len());
            // The first of two equal pieces wins, as in the reference's hash table.
            pieces
                .entry(piece.as_bytes().to_vec().into_boxed_slice())
                .or_insert(index as u32);
        }
        let lowest = vocabulary.scores.iter().copied().fold(f32::INFINITY, f32::min);
        Self {
            pieces,
            unk_score: if lowest.is_finite() { lowest - 10.0 } else { -10.0 },
            scores: vocabulary.scores,
            normaliser: normaliser.into_iter().collect(),
            unk: vocabulary.unk,
            longest_piece,
            bos: vocabulary.bos,
            eos: vocabulary.eos,
        }
    }

    /// The text's piece ids, without `<s>` and `</s>`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut codepoints: Vec<u32> = Vec::with_capacity(text.len() + 1);
        for character in text.chars() {
            let codepoint = character as u32;
            match self.normaliser.get(&codepoint) {
                Some(replacement) => codepoints.extend_from_slice(replacement),
                None => codepoints.push(codepoint),
            }
        }
        codepoints.dedup_by(|next, previous| *next == 0x20 && *previous == 0x20);

        // The normalised text with spaces as `▁` (and one in front), and where each character
        // starts in it.
        let mut normalised = String::with_capacity(codepoints.len() * 3 + 3);
        let mut starts = Vec::with_capacity(codepoints.len() + 2);
        if codepoints.first() != Some(&0x20) {
            starts.push(0);
            normalised.push(METASPACE);
        }
        for &codepoint in &codepoints {
            starts.push(normalised.len());
            let character = if codepoint == 0x20 {
                METASPACE
            } else {
                char::from_u32(codepoint).unwrap_or('\u{fffd}')
            };
            normalised.push(character);
        }
        starts.push(normalised.len());
        let bytes = normalised.as_bytes();
        let characters = starts.len() - 1;

        let mut best = vec![f32::NEG_INFINITY; characters + 1];
        let mut piece_at = vec![self.unk; characters + 1];
        let mut from = vec![0usize; characters + 1];
        best[0] = 0.0;
        for start in 0..characters {
            let base = best[start];
            for end in start + 1..=characters {
                let length = starts[end] - starts[start];
                if length > self.longest_piece {
                    break;
                }
                if let Some(&id) = self.pieces.get(&bytes[starts[start]..starts[end]])
                    && id != self.unk
                {
                    let score = base + self.scores[id as usize];
                    if score > best[end] {
                        best[end] = score;
                        piece_at[end] = id;
                        from[end] = start;
                    }
                }
            }
            let unknown = base + self.unk_score;
            if unknown > best[start + 1] {
                best[start + 1] = unknown;
                piece_at[start + 1] = self.unk;
                from[start + 1] = start;
            }
        }
        let mut ids = Vec::new();
        let mut at = characters;
        while at > 0 {
            ids.push(piece_at[at]);
            at = from[at];
        }
        ids.reverse();
        ids
    }
}
