//! The `E5S1` model file: a header of dimensions, a unigram vocabulary with scores, a
//! per-codepoint normaliser table, then a directory of named tensors (f32, or Q4_0 blocks).
//!
//! Every offset and length is checked against the file, so a truncated or foreign file is an
//! error, never a panic.

use crate::EncoderError;

/// Tensor element types as the file names them.
pub(crate) const DTYPE_F32: u8 = 0;
pub(crate) const DTYPE_Q4_0: u8 = 1;
/// Weights per Q4_0 block, and the block's size in bytes (an f16 scale and 16 bytes of nibbles).
pub const QK: usize = 32;
pub(crate) const Q4_BLOCK_BYTES: usize = 18;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dimensions {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub feed_forward: usize,
    pub vocabulary: usize,
    pub max_positions: usize,
    pub token_types: usize,
    pub layer_norm_eps: f32,
}

#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub pieces: Vec<String>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

/// One tensor's place in the file.
#[derive(Debug, Clone)]
pub(crate) struct TensorEntry {
    pub name: String,
    pub dtype: u8,
    pub elements: usize,
    pub offset: usize,
}

pub(crate) struct Parsed {
    pub dimensions: Dimensions,
    pub vocabulary: Vocabulary,
    /// Codepoint → its replacement (possibly empty: the codepoint is dropped).
    pub normaliser: Vec<(u32, Vec<u32>)>,
    pub tensors: Vec<TensorEntry>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], EncoderError> {
        let end = self.at.checked_add(count).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(EncoderError::Truncated(self.at))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], EncoderError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, EncoderError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, EncoderError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, EncoderError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, EncoderError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, EncoderError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, EncoderError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    /// A count or dimension: non-negative and below `limit`.
    fn count(&mut self, what: &'static str, limit: usize) -> Result<usize, EncoderError> {
        let value = self.i32()?;
        usize::try_from(value)
            .ok()
            .filter(|&value| value <= limit)
            .ok_or(EncoderError::Invalid(what))
    }
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, EncoderError> {
    let mut cursor = Cursor { bytes, at: 0 };
    if cursor.take(4)? != b"E5S1" {
        return Err(EncoderError::BadMagic);
    }
    let _version = cursor.u32()?;
    let dimensions = Dimensions {
        hidden: cursor.count("hidden size", 8192)?,
        layers: cursor.count("layer count", 256)?,
        heads: cursor.count("head count", 256)?,
        feed_forward: cursor.count("feed-forward size", 65_536)?,
        vocabulary: cursor.count("vocabulary size", 10_000_000)?,
        max_positions: cursor.count("position count", 65_536)?,
        token_types: cursor.count("token type count", 1024)?,
        layer_norm_eps: cursor.f32()?,
    };
    let block = cursor.count("block size", 1024)?;
    let shape_ok = block == QK
        && dimensions.hidden > 0
        && dimensions.heads > 0
        && dimensions.hidden.is_multiple_of(dimensions.heads)
        && dimensions.hidden.is_multiple_of(QK)
        && dimensions.feed_forward.is_multiple_of(QK)
        && dimensions.max_positions > 2
        && dimensions.token_types > 0;
    if !shape_ok {
        return Err(EncoderError::Invalid("dimensions"));
    }

    let pieces_count = cursor.count("piece count", 10_000_000)?;
    let bos = cursor.count("bos id", pieces_count)? as u32;
    let eos = cursor.count("eos id", pieces_count)? as u32;
    let pad = cursor.count("pad id", pieces_count)? as u32;
    let unk = cursor.count("unk id", pieces_count)? as u32;
    let blob_length = usize::try_from(cursor.u64()?).map_err(|_| EncoderError::Invalid("vocabulary size"))?;
    let mut offsets = Vec::with_capacity(pieces_count + 1);
    for _ in 0..=pieces_count {
        offsets.push(cursor.u32()? as usize);
    }
    let mut scores = Vec::with_capacity(pieces_count);
    for _ in 0..pieces_count {
        scores.push(cursor.f32()?);
    }
    let blob = cursor.take(blob_length)?;
    let mut pieces = Vec::with_capacity(pieces_count);
    for window in offsets.windows(2) {
        let piece = blob
            .get(window[0]..window[1])
            .ok_or(EncoderError::Invalid("piece offsets"))?;
        pieces.push(String::from_utf8_lossy(piece).into_owned());
    }
    if pieces_count > dimensions.vocabulary || pieces_count <= unk.max(bos).max(eos) as usize {
        return Err(EncoderError::Invalid("vocabulary size"));
    }

    let normaliser_count = cursor.count("normaliser size", 1_000_000)?;
    let normaliser_bytes = cursor.u32()? as usize;
    let mut table = Cursor {
        bytes: cursor.take(normaliser_bytes)?,
        at: 0,
    };
    let mut normaliser = Vec::with_capacity(normaliser_count);
    for _ in 0..normaliser_count {
        let codepoint = table.u32()?;
        let replaced_by = table.u8()?;
        let mut replacement = Vec::with_capacity(replaced_by as usize);
        for _ in 0..replaced_by {
            replacement.push(table.u32()?);
        }
        normaliser.push((codepoint, replacement));
    }
    normaliser.sort_by_key(|(codepoint, _)| *codepoint);

    let tensor_count = cursor.count("tensor count", 100_000)?;
    let mut tensors = Vec::with_capacity(tensor_count);
    for _ in 0..tensor_count {
        let name_length = cursor.u16()? as usize;
        let name = String::from_utf8_lossy(cursor.take(name_length)?).into_owned();
        let dtype = cursor.u8()?;
        let elements = cursor.u32()? as usize;
        let offset = usize::try_from(cursor.u64()?).map_err(|_| EncoderError::Invalid("tensor offset"))?;
        let _bytes = cursor.u64()?;
        let size = match dtype {
            DTYPE_F32 => elements * 4,
            DTYPE_Q4_0 if elements.is_multiple_of(QK) => elements / QK * Q4_BLOCK_BYTES,
            _ => return Err(EncoderError::Invalid("tensor type")),
        };
        if offset.checked_add(size).is_none_or(|end| end > bytes.len()) {
            return Err(EncoderError::Truncated(offset));
        }
        tensors.push(TensorEntry {
            name,
            dtype,
            elements,
            offset,
        });
    }
    Ok(Parsed {
        dimensions,
        vocabulary: Vocabulary {
            pieces,
            scores,
            bos,
            eos,
            pad,
            unk,
        },
        normaliser,
        tensors,
    })
}

/// IEEE half to single precision.
pub(crate) fn f16_to_f32(half: u16) -> f32 {
    let sign = u32::from(half & 0x8000) << 16;
    let exponent = u32::from((half >> 10) & 0x1f);
    let mantissa = u32::from(half & 0x3ff);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the mantissa. (The reference engine starts this count at 1, which
            // halves such values; a block scale is seldom under 6e-5.)
            let mut exponent = 0u32;
            let mut mantissa = mantissa;
            while mantissa & 0x400 == 0 {
                mantissa <<= 1;
                exponent += 1;
            }
            sign | ((127 - 15 - exponent + 1) << 23) | ((mantissa & 0x3ff) << 13)
        }
        (31, _) => sign | 0x7f80_0000 | (mantissa << 13),
        _ => sign | ((exponent + 127 - 15) << 23) | (mantissa << 13),
    };
    f32::from_bits(bits)
}

/// Single to half precision (round to nearest; for writing synthetic models).
pub(crate) fn f32_to_f16(value: f32) -> u16 {
    let bits = value.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = bits & 0x7f_ffff;
    if exponent <= 0 {
        return sign;
    }
    if exponent >= 31 {
        return sign | 0x7c00;
    }
    let rounded = (mantissa + 0x1000) >> 13;
    if rounded == 0x400 {
        return sign | (((exponent + 1) as u16) << 10);
    }
    sign | ((exponent as u16) << 10) | rounded as u16
}

/// Dequantises Q4_0 blocks (`bytes`) into `out`: within a block, byte j holds weight j in its low
/// nibble and weight j+16 in its high one, each stored plus 8.
pub(crate) fn dequantize_q4(bytes: &[u8], out: &mut [f32]) {
    for (block, weights) in bytes.chunks_exact(Q4_BLOCK_BYTES).zip(out.chunks_exact_mut(QK)) {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for (j, &byte) in block[2..].iter().enumerate() {
            weights[j] = (f32::from(byte & 0x0f) - 8.0) * scale;
            weights[j + 16] = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// Quantises `weights` (a multiple of 32) to Q4_0 blocks, as the reference converter does.
pub(crate) fn quantize_q4(weights: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(weights.len() / QK * Q4_BLOCK_BYTES);
    for block in weights.chunks_exact(QK) {
        let (mut max, mut max_abs) = (0.0f32, 0.0f32);
        for &weight in block {
            if weight.abs() > max_abs {
                max_abs = weight.abs();
                max = weight;
            }
        }
        let scale = max / -8.0;
        let inverse = if scale != 0.0 { 1.0 / scale } else { 0.0 };
        out.extend_from_slice(&f32_to_f16(scale).to_le_bytes());
        for j in 0..16 {
            let low = ((block[j] * inverse + 8.5) as i32).clamp(0, 15) as u8;
            let high = ((block[j + 16] * inverse + 8.5) as i32).clamp(0, 15) as u8;
            out.push(low | (high << 4));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_round_trips_the_values_weights_use() {
        for value in [0.0f32, 1.0, -2.5, 0.000_123, 65_504.0, -0.333_251_95] {
            let back = f16_to_f32(f32_to_f16(value));
            assert!((back - value).abs() <= value.abs() * 1e-3 + 1e-7, "{value} → {back}");
        }
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24), "subnormal");
    }

    #[test]
    fn four_bit_blocks_keep_weights_to_within_a_step() {
        let weights: Vec<f32> = (0..64).map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0).collect();
        let packed = quantize_q4(&weights);
        assert_eq!(packed.len(), 2 * Q4_BLOCK_BYTES);
        let mut back = vec![0.0; 64];
        dequantize_q4(&packed, &mut back);
        for (original, restored) in weights.iter().zip(&back) {
            assert!(
                (original - restored).abs() <= 11.0 / 7.0 / 8.0 + 1e-3,
                "{original} → {restored}"
            );
        }
    }
}
