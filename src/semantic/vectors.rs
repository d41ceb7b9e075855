//! The texts' vectors in memory (one flat array, scanned whole: 100k × 384 is a few
//! milliseconds), and moving them between deployments as JSON Lines.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Row};

use super::SemanticError;

#[derive(Default)]
pub struct VectorSet {
    dimensions: usize,
    ids: Vec<String>,
    data: Vec<f32>,
    slots: HashMap<String, usize>,
    /// Removed texts' slots, skipped by the scan.
    removed: Vec<bool>,
    last_seq: i64,
}

impl VectorSet {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    pub fn upsert(&mut self, id: String, vector: &[f32], seq: i64) {
        if self.dimensions == 0 {
            self.dimensions = vector.len();
        }
        if vector.len() != self.dimensions {
            return;
        }
        self.last_seq = self.last_seq.max(seq);
        match self.slots.get(&id) {
            Some(&slot) => {
                self.data[slot * self.dimensions..(slot + 1) * self.dimensions].copy_from_slice(vector);
                self.removed[slot] = false;
            }
            None => {
                self.slots.insert(id.clone(), self.ids.len());
                self.ids.push(id);
                self.data.extend_from_slice(vector);
                self.removed.push(false);
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        if let Some(slot) = self.slots.remove(id) {
            self.removed[slot] = true;
        }
    }

    pub fn similarity(&self, query: &[f32], id: &str) -> Option<f32> {
        let slot = *self.slots.get(id)?;
        (query.len() == self.dimensions)
            .then(|| hijraah_encoder::cosine(query, &self.data[slot * self.dimensions..(slot + 1) * self.dimensions]))
    }

    /// The `count` nearest texts by cosine, best first.
    pub fn nearest(&self, query: &[f32], count: usize) -> Vec<(String, f32)> {
        if query.len() != self.dimensions || self.dimensions == 0 || count == 0 {
            return Vec::new();
        }
        let mut best: Vec<(usize, f32)> = Vec::with_capacity(count + 1);
        for (slot, row) in self.data.chunks_exact(self.dimensions).enumerate() {
            if self.removed[slot] {
                continue;
            }
            let score = hijraah_encoder::cosine(query, row);
            if best.len() == count && best.last().is_some_and(|(_, lowest)| score <= *lowest) {
                continue;
            }
            let at = best.partition_point(|(_, other)| *other >= score);
            best.insert(at, (slot, score));
            best.truncate(count);
        }
        best.into_iter()
            .map(|(slot, score)| (self.ids[slot].clone(), score))
            .collect()
    }
}

pub fn to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|value| value.to_le_bytes()).collect()
}

pub fn from_bytes(bytes: &[u8], dimensions: usize) -> Option<Vec<f32>> {
    (bytes.len() == dimensions * 4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect()
    })
}

#[derive(Serialize, Deserialize)]
struct Header {
    model_sha256: String,
    dimensions: usize,
    count: usize,
}

#[derive(Serialize, Deserialize)]
struct Line {
    id: String,
    text_sha256: String,
    /// The f32 values, little-endian, in base64.
    vector: String,
}

/// Writes every vector of `model_sha256` as JSON Lines (a header, then one text per line).
/// Returns how many.
pub async fn export(pool: &PgPool, model_sha256: &str, out: &mut dyn Write) -> Result<usize, SemanticError> {
    let rows = sqlx::query(
        "SELECT document_id, text_sha256, vector FROM knowledge_vectors WHERE model_sha256 = $1 ORDER BY document_id",
    )
    .bind(model_sha256)
    .fetch_all(pool)
    .await?;
    let dimensions = rows.first().map_or(0, |row| row.get::<Vec<u8>, _>("vector").len() / 4);
    let io = |error: std::io::Error| SemanticError::Read("the output".to_owned(), error);
    let header = Header {
        model_sha256: model_sha256.to_owned(),
        dimensions,
        count: rows.len(),
    };
    writeln!(out, "{}", serde_json::to_string(&header).unwrap_or_default()).map_err(io)?;
    for row in &rows {
        let line = Line {
            id: row.get("document_id"),
            text_sha256: row.get("text_sha256"),
            vector: base64::engine::general_purpose::STANDARD.encode(row.get::<Vec<u8>, _>("vector")),
        };
        writeln!(out, "{}", serde_json::to_string(&line).unwrap_or_default()).map_err(io)?;
    }
    Ok(rows.len())
}

/// Reads a file written by [`export`] into `knowledge_vectors`; a text already embedded with the
/// same text is left as it is. Returns the model's sha256 and how many vectors were read.
pub async fn import(pool: &PgPool, input: &mut dyn BufRead) -> Result<(String, usize), SemanticError> {
    let invalid = |what: String| SemanticError::Invalid(format!("not a vectors file: {what}"));
    let io = |error: std::io::Error| SemanticError::Read("the vectors file".to_owned(), error);
    let mut lines = input.lines();
    let header: Header = serde_json::from_str(&lines.next().ok_or_else(|| invalid("empty".into()))?.map_err(io)?)
        .map_err(|error| invalid(error.to_string()))?;
    if header.dimensions == 0 || header.dimensions > 8_192 {
        return Err(invalid(format!("{} dimensions", header.dimensions)));
    }
    let mut count = 0;
    let mut batch: Vec<Line> = Vec::new();
    for line in lines {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        batch.push(serde_json::from_str(&line).map_err(|error| invalid(error.to_string()))?);
        count += 1;
        if batch.len() == 1_000 {
            insert_lines(pool, &header, std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        insert_lines(pool, &header, batch).await?;
    }
    Ok((header.model_sha256, count))
}

async fn insert_lines(pool: &PgPool, header: &Header, batch: Vec<Line>) -> Result<(), SemanticError> {
    let invalid = |what: String| SemanticError::Invalid(format!("not a vectors file: {what}"));
    let ids: Vec<String> = batch.iter().map(|line| line.id.clone()).collect();
    let hashes: Vec<String> = batch.iter().map(|line| line.text_sha256.clone()).collect();
    let mut blobs = Vec::with_capacity(batch.len());
    for line in &batch {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&line.vector)
            .map_err(|error| invalid(format!("{}: {error}", line.id)))?;
        if bytes.len() != header.dimensions * 4 {
            return Err(invalid(format!("{}: a vector of the wrong length", line.id)));
        }
        blobs.push(bytes);
    }
    sqlx::query(
        "INSERT INTO knowledge_vectors (model_sha256, document_id, text_sha256, vector)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bytea[])
         ON CONFLICT (model_sha256, document_id) DO UPDATE
         SET text_sha256 = EXCLUDED.text_sha256, vector = EXCLUDED.vector, seq = nextval('knowledge_vectors_seq')
         WHERE knowledge_vectors.text_sha256 <> EXCLUDED.text_sha256",
    )
    .bind(&header.model_sha256)
    .bind(&ids)
    .bind(&hashes)
    .bind(&blobs)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_come_best_first_and_a_removed_text_is_never_found() {
        let mut set = VectorSet::default();
        set.upsert("a".into(), &[1.0, 0.0], 1);
        set.upsert("b".into(), &[0.6, 0.8], 2);
        set.upsert("c".into(), &[0.0, 1.0], 3);
        let found = set.nearest(&[0.8, 0.6], 2);
        assert_eq!(found.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        set.remove("b");
        assert_eq!(set.nearest(&[0.8, 0.6], 1)[0].0, "a");
        assert_eq!(set.similarity(&[0.8, 0.6], "b"), None);
        set.upsert("b".into(), &[0.8, 0.6], 4);
        assert!((set.similarity(&[0.8, 0.6], "b").unwrap() - 1.0).abs() < 1e-6);
        assert_eq!((set.len(), set.last_seq()), (3, 4));
        assert!(
            set.nearest(&[1.0], 3).is_empty(),
            "a query of another model's size finds nothing"
        );
    }

    #[test]
    fn vectors_round_trip_through_bytes() {
        let vector = vec![0.25, -1.5, 3.0];
        assert_eq!(from_bytes(&to_bytes(&vector), 3), Some(vector));
        assert_eq!(from_bytes(&[0, 0, 0], 1), None);
    }
}
