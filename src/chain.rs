//! The log's hash chain (migrations/0014): each event's `hash` is SHA-256 over the previous
//! event's hash and its own stored fields, each as `<octet length>:<text>`. This module checks it
//! from the stored rows, in Rust, independently of the database functions that write it (the
//! append function of migrations/0019, inline for speed, and 0014's `hijraah_event_hash` for rows
//! inserted any other way: the two spell the same formula, and this check holds both to it): a row
//! changed, removed or inserted behind the store's back breaks the chain at that position.
//! `hijraah events verify` walks the whole log; every server also checks what is new on a
//! schedule and reports it in `/metrics`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Rows read per query while walking.
const BATCH: i64 = 5_000;

pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Where a walk stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The row has no hash: it was inserted without the chain's trigger.
    Unhashed,
    /// The row's `previous_hash` is not the hash of the row before it: a row before it was
    /// removed or inserted, or its link was rewritten.
    Link,
    /// The row's fields do not hash to its `hash`: the row was changed.
    Content,
    /// The chain's recorded end is not the last row's hash: rows were removed from the end.
    Head,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Break::Unhashed => "the event has no hash (it was inserted around the chain)",
            Break::Link => "the event does not link to the one before it (an event was removed or inserted)",
            Break::Content => "the event's stored fields do not match its hash (it was changed)",
            Break::Head => "the chain's recorded end is not the last event (events were removed from the end)",
        })
    }
}

/// The outcome of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Events checked in this walk.
    pub checked: u64,
    /// The last position found whole, and its hash.
    pub last_position: i64,
    pub last_hash: Vec<u8>,
    /// The first break: its position and kind.
    pub broken: Option<(i64, Break)>,
}

fn field(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(text.as_bytes());
}

/// Walks the chain from after `position` (whose hash is `hash`; zeros at the start of the log)
/// up to the log's end, or `max_events` events. Stops at the first break.
pub async fn walk(pool: &PgPool, position: i64, hash: Vec<u8>, max_events: Option<u64>) -> Result<Walk, sqlx::Error> {
    let mut walk = Walk {
        checked: 0,
        last_position: position,
        last_hash: hash,
        broken: None,
    };
    'walk: loop {
        loop {
            let rows = sqlx::query(
                "SELECT position, stream_id, stream_version, event_id::text AS event_id, event_type, schema_version,
                        ((extract(epoch FROM recorded_at) * 1000000)::bigint)::text AS micros,
                        data::text AS data, metadata::text AS metadata, hash, previous_hash
                 FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            )
            .bind(walk.last_position)
            .bind(BATCH)
            .fetch_all(pool)
            .await?;
            let mut buffer = Vec::new();
            for row in &rows {
                let position: i64 = row.get("position");
                let stored: Option<Vec<u8>> = row.get("hash");
                let previous: Option<Vec<u8>> = row.get("previous_hash");
                let Some(stored) = stored else {
                    walk.broken = Some((position, Break::Unhashed));
                    return Ok(walk);
                };
                if previous.as_deref() != Some(walk.last_hash.as_slice()) {
                    walk.broken = Some((position, Break::Link));
                    return Ok(walk);
                }
                buffer.clear();
                field(&mut buffer, &position.to_string());
                field(&mut buffer, row.get::<&str, _>("stream_id"));
                field(&mut buffer, &row.get::<i64, _>("stream_version").to_string());
                field(&mut buffer, row.get::<&str, _>("event_id"));
                field(&mut buffer, row.get::<&str, _>("event_type"));
                field(&mut buffer, &row.get::<i32, _>("schema_version").to_string());
                field(&mut buffer, row.get::<&str, _>("micros"));
                field(&mut buffer, row.get::<&str, _>("data"));
                field(&mut buffer, row.get::<&str, _>("metadata"));
                let mut hasher = Sha256::new();
                hasher.update(&walk.last_hash);
                hasher.update(&buffer);
                if hasher.finalize()[..] != stored[..] {
                    walk.broken = Some((position, Break::Content));
                    return Ok(walk);
                }
                walk.checked += 1;
                walk.last_position = position;
                walk.last_hash = stored;
                if max_events.is_some_and(|max| walk.checked >= max) {
                    return Ok(walk);
                }
            }
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
        // Rows removed from the end leave the recorded head past the last row (unless events
        // were appended meanwhile: then walk on to them).
        let head: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT position, hash FROM event_chain_head WHERE only_row")
            .fetch_optional(pool)
            .await?;
        let Some((head_position, head_hash)) = head else { break };
        if head_position == walk.last_position && head_hash != walk.last_hash {
            walk.broken = Some((head_position, Break::Head));
        } else if head_position > walk.last_position {
            let more: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM events WHERE position > $1)")
                .bind(walk.last_position)
                .fetch_one(pool)
                .await?;
            if more {
                continue 'walk;
            }
            walk.broken = Some((head_position, Break::Head));
        }
        break;
    }
    Ok(walk)
}

/// The zeros the first event links to.
pub fn genesis() -> Vec<u8> {
    vec![0; 32]
}

/// What the migration that started the chain recorded.
pub async fn history(pool: &PgPool) -> Result<Vec<(chrono::DateTime<chrono::Utc>, String)>, sqlx::Error> {
    sqlx::query_as("SELECT chained_at, note FROM event_chain_history ORDER BY chained_at")
        .fetch_all(pool)
        .await
}

/// Walks the whole chain every `every` and keeps `/metrics` up to date: the last position found
/// whole, and the first broken one (0 while it is whole). A whole walk, not only what is new: a
/// row changed after it was checked must be found too.
pub async fn verify_on_schedule(pool: PgPool, metrics: Arc<Metrics>, every: Duration, stop: CancellationToken) {
    loop {
        match walk(&pool, 0, genesis(), None).await {
            Ok(walk) => {
                metrics.chain_checked.fetch_add(walk.checked, Ordering::Relaxed);
                metrics
                    .chain_verified_position
                    .store(walk.last_position.max(0) as u64, Ordering::Relaxed);
                let broken_at = walk
                    .broken
                    .as_ref()
                    .map_or(0, |(position, _)| (*position).max(1) as u64);
                let before = metrics.chain_broken_at.swap(broken_at, Ordering::Relaxed);
                if let Some((position, kind)) = walk.broken
                    && before != broken_at
                {
                    tracing::error!(position, %kind, "the event log's hash chain is broken");
                }
            }
            Err(error) => tracing::warn!(%error, "cannot check the event log's hash chain now"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
