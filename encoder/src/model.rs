//! The BERT encoder of multilingual-e5-small: token, position and type embeddings, then layers
//! of self-attention and feed-forward, each closed by a residual layer norm; mean pooling over a
//! text's tokens and L2 normalisation give its vector.
//!
//! The layers' 4-bit weights are widened to f32 once, at load (85 MB for e5-small), so each
//! product is one sgemm over every token of a batch. The word embeddings (250k rows) stay 4-bit
//! and a row is widened when a token needs it.

use std::ops::Range;

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Slice};

use crate::EncoderError;
use crate::format::{DTYPE_F32, DTYPE_Q4_0, Dimensions, Parsed, Q4_BLOCK_BYTES, QK, TensorEntry, dequantize_q4};

struct Linear {
    /// `[inputs, outputs]`, so `x · weight` needs no transpose.
    weight: Array2<f32>,
    bias: Array1<f32>,
}

impl Linear {
    fn apply(&self, input: &Array2<f32>) -> Array2<f32> {
        let mut output = input.dot(&self.weight);
        output += &self.bias;
        output
    }
}

struct Norm {
    weight: Array1<f32>,
    bias: Array1<f32>,
}

impl Norm {
    fn apply(&self, rows: &mut Array2<f32>, eps: f32) {
        let width = rows.ncols() as f32;
        for mut row in rows.rows_mut() {
            let mean = row.sum() / width;
            let variance = row.iter().map(|value| (value - mean) * (value - mean)).sum::<f32>() / width;
            let inverse = 1.0 / (variance + eps).sqrt();
            for ((value, weight), bias) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *value = (*value - mean) * inverse * weight + bias;
            }
        }
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    feed_in: Linear,
    feed_out: Linear,
    output_norm: Norm,
}

pub(crate) struct Model {
    pub(crate) dimensions: Dimensions,
    /// The word embeddings' Q4_0 rows, `hidden / 32` blocks each.
    words: Vec<u8>,
    positions: Array2<f32>,
    token_type: Array1<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// One text's tokens within a batch: `[start, end)` of the batch's rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub start: usize,
    pub end: usize,
}

struct Tensors<'a> {
    bytes: &'a [u8],
    entries: &'a [TensorEntry],
}

impl Tensors<'_> {
    fn entry(&self, name: &str) -> Result<&TensorEntry, EncoderError> {
        self.entries
            .iter()
            .find(|entry| entry.name == name)
            .ok_or_else(|| EncoderError::MissingTensor(name.to_owned()))
    }

    fn floats(&self, name: &str, expected: usize) -> Result<Vec<f32>, EncoderError> {
        let entry = self.entry(name)?;
        if entry.elements != expected {
            return Err(EncoderError::TensorShape(name.to_owned()));
        }
        match entry.dtype {
            DTYPE_F32 => Ok(self.bytes[entry.offset..entry.offset + expected * 4]
                .chunks_exact(4)
                .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
                .collect()),
            DTYPE_Q4_0 => {
                let mut out = vec![0.0; expected];
                let length = expected / QK * Q4_BLOCK_BYTES;
                dequantize_q4(&self.bytes[entry.offset..entry.offset + length], &mut out);
                Ok(out)
            }
            _ => Err(EncoderError::Invalid("tensor type")),
        }
    }

    fn vector(&self, name: &str, length: usize) -> Result<Array1<f32>, EncoderError> {
        Ok(Array1::from_vec(self.floats(name, length)?))
    }

    /// A `[outputs, inputs]` weight and its bias, kept as `[inputs, outputs]`.
    fn linear(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Linear, EncoderError> {
        let weight = self.floats(&format!("{prefix}.w"), inputs * outputs)?;
        let weight = Array2::from_shape_vec((outputs, inputs), weight)
            .map_err(|_| EncoderError::TensorShape(prefix.to_owned()))?;
        Ok(Linear {
            weight: weight.t().as_standard_layout().into_owned(),
            bias: self.vector(&format!("{prefix}.b"), outputs)?,
        })
    }

    fn norm(&self, prefix: &str, width: usize) -> Result<Norm, EncoderError> {
        Ok(Norm {
            weight: self.vector(&format!("{prefix}.w"), width)?,
            bias: self.vector(&format!("{prefix}.b"), width)?,
        })
    }
}

impl Model {
    pub(crate) fn load(bytes: &[u8], parsed: &Parsed) -> Result<Self, EncoderError> {
        let dimensions = parsed.dimensions;
        let hidden = dimensions.hidden;
        let tensors = Tensors {
            bytes,
            entries: &parsed.tensors,
        };
        let words = tensors.entry("emb.word")?;
        if words.dtype != DTYPE_Q4_0 || words.elements != dimensions.vocabulary * hidden {
            return Err(EncoderError::TensorShape("emb.word".to_owned()));
        }
        let word_bytes = words.elements / QK * Q4_BLOCK_BYTES;
        let positions = tensors.floats("emb.pos", dimensions.max_positions * hidden)?;
        let token_types = tensors.floats("emb.type", dimensions.token_types * hidden)?;
        let mut layers = Vec::with_capacity(dimensions.layers);
        for layer in 0..dimensions.layers {
            let name = |part: &str| format!("l{layer}.{part}");
            layers.push(Layer {
                query: tensors.linear(&name("q"), hidden, hidden)?,
                key: tensors.linear(&name("k"), hidden, hidden)?,
                value: tensors.linear(&name("v"), hidden, hidden)?,
                attention_out: tensors.linear(&name("ao"), hidden, hidden)?,
                attention_norm: tensors.norm(&name("aln"), hidden)?,
                feed_in: tensors.linear(&name("fi"), hidden, dimensions.feed_forward)?,
                feed_out: tensors.linear(&name("fo"), dimensions.feed_forward, hidden)?,
                output_norm: tensors.norm(&name("oln"), hidden)?,
            });
        }
        Ok(Self {
            dimensions,
            words: bytes[words.offset..words.offset + word_bytes].to_vec(),
            positions: Array2::from_shape_vec((dimensions.max_positions, hidden), positions)
                .map_err(|_| EncoderError::TensorShape("emb.pos".to_owned()))?,
            token_type: Array1::from_vec(token_types[..hidden].to_vec()),
            embedding_norm: tensors.norm("emb.ln", hidden)?,
            layers,
        })
    }

    /// The mean of each segment's final hidden states (not yet normalised). `ids` and
    /// `positions` hold every segment's tokens, `<s>` and `</s>` included, one after another.
    pub(crate) fn pooled(&self, ids: &[u32], positions: &[usize], segments: &[Segment]) -> Vec<Vec<f32>> {
        let hidden = self.dimensions.hidden;
        let heads = self.dimensions.heads;
        let head_width = hidden / heads;
        let eps = self.dimensions.layer_norm_eps;
        let row_bytes = hidden / QK * Q4_BLOCK_BYTES;
        let mut states = Array2::<f32>::zeros((ids.len(), hidden));
        for ((mut row, &id), &position) in states.rows_mut().into_iter().zip(ids).zip(positions) {
            let id = (id as usize).min(self.dimensions.vocabulary - 1);
            let position = position.min(self.dimensions.max_positions - 1);
            let mut word = vec![0.0; hidden];
            dequantize_q4(&self.words[id * row_bytes..(id + 1) * row_bytes], &mut word);
            for (index, value) in row.iter_mut().enumerate() {
                *value = word[index] + self.positions[[position, index]] + self.token_type[index];
            }
        }
        self.embedding_norm.apply(&mut states, eps);

        let scale = 1.0 / (head_width as f32).sqrt();
        for layer in &self.layers {
            let query = layer.query.apply(&states);
            let key = layer.key.apply(&states);
            let value = layer.value.apply(&states);
            let mut context = Array2::<f32>::zeros(states.raw_dim());
            for segment in segments {
                for head in 0..heads {
                    let columns = head * head_width..(head + 1) * head_width;
                    let rows = segment.start..segment.end;
                    let query_head = block(&query, rows.clone(), columns.clone());
                    let key_head = block(&key, rows.clone(), columns.clone());
                    let value_head = block(&value, rows.clone(), columns.clone());
                    let mut weights = query_head.dot(&key_head.t());
                    for mut row in weights.rows_mut() {
                        let highest = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                        let mut total = 0.0;
                        for weight in row.iter_mut() {
                            *weight = ((*weight - highest) * scale).exp();
                            total += *weight;
                        }
                        row /= total;
                    }
                    block_mut(&mut context, rows, columns).assign(&weights.dot(&value_head));
                }
            }
            let attended = layer.attention_out.apply(&context);
            states += &attended;
            layer.attention_norm.apply(&mut states, eps);

            let mut middle = layer.feed_in.apply(&states);
            middle.mapv_inplace(gelu);
            let fed = layer.feed_out.apply(&middle);
            states += &fed;
            layer.output_norm.apply(&mut states, eps);
        }
        segments
            .iter()
            .map(|segment| mean_rows(block(&states, segment.start..segment.end, 0..hidden)))
            .collect()
    }
}

/// Rows and columns of a matrix, as a view (ndarray's `s!` macro trips `forbid(unsafe_code)`).
fn block(matrix: &Array2<f32>, rows: Range<usize>, columns: Range<usize>) -> ArrayView2<'_, f32> {
    let mut view = matrix.view();
    view.slice_axis_inplace(Axis(0), Slice::from(rows));
    view.slice_axis_inplace(Axis(1), Slice::from(columns));
    view
}

fn block_mut(matrix: &mut Array2<f32>, rows: Range<usize>, columns: Range<usize>) -> ArrayViewMut2<'_, f32> {
    let mut view = matrix.view_mut();
    view.slice_axis_inplace(Axis(0), Slice::from(rows));
    view.slice_axis_inplace(Axis(1), Slice::from(columns));
    view
}

fn mean_rows(rows: ArrayView2<f32>) -> Vec<f32> {
    rows.mean_axis(Axis(0))
        .map(|mean| mean.to_vec())
        .unwrap_or_else(|| vec![0.0; rows.ncols()])
}

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}
