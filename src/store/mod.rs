//! The event store: an append-only log of streams with optimistic concurrency per stream and a
//! gap-free global order, on PostgreSQL ([`EventStore`], in `postgres.rs`).
//!
//! There is one backend and no generic caller, so there is no trait to abstract it: the tests
//! run the store, its retries and the chat's cache against a real PostgreSQL, as everything else.

pub mod decide;
pub mod follower;
pub mod postgres;
mod writer;

use chrono::{DateTime, Utc};

pub use decide::{DecideError, decide};
pub use follower::{LogFollower, LogNotifier};
pub use hijraah_domain::Checkpoint;
pub use postgres::EventStore;

/// What the writer believes about the stream it appends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the stream holds.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must already hold at least one event.
    StreamExists,
    /// The stream's last event must have exactly this version (0: no stream).
    Exact(i64),
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::StreamExists => f.write_str("an existing stream"),
            ExpectedVersion::Exact(version) => write!(f, "version {version}"),
        }
    }
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `current` (None: no stream) meets the expectation.
    pub fn is_met_by(self, current: Option<i64>) -> bool {
        match (self, current) {
            (ExpectedVersion::Any, _) => true,
            (ExpectedVersion::NoStream, current) => current.is_none(),
            (ExpectedVersion::StreamExists, current) => current.is_some(),
            (ExpectedVersion::Exact(0), current) => current.is_none(),
            (ExpectedVersion::Exact(expected), current) => current == Some(expected),
        }
    }
}

/// The outcome of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    /// The checkpoint of the last appended event: a consumer that reached it has seen them all.
    pub last: Checkpoint,
    pub first_position: i64,
    /// The stream's version after the append.
    pub stream_version: i64,
    pub recorded_at: DateTime<Utc>,
    /// True when these events had been appended before: nothing new was written.
    pub already_appended: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream `{stream_id}` expected {expected} but is at {}", actual.map_or("no stream".to_owned(), |v| format!("version {v}")))]
    Conflict {
        stream_id: String,
        expected: ExpectedVersion,
        actual: Option<i64>,
    },
    #[error("event id {event_id} was already used by a different append")]
    EventIdReused { event_id: uuid::Uuid },
    #[error("an append needs at least one event")]
    EmptyAppend,
    #[error("unknown position {0}")]
    UnknownPosition(i64),
    #[error("event store database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The append's batch failed, and its events are not in the log: nothing was recorded.
    #[error("the event log is unavailable: {0}")]
    Unavailable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_match_the_stream_state() {
        assert!(ExpectedVersion::Any.is_met_by(None));
        assert!(ExpectedVersion::Any.is_met_by(Some(3)));
        assert!(ExpectedVersion::NoStream.is_met_by(None));
        assert!(!ExpectedVersion::NoStream.is_met_by(Some(1)));
        assert!(ExpectedVersion::StreamExists.is_met_by(Some(1)));
        assert!(!ExpectedVersion::StreamExists.is_met_by(None));
        assert!(ExpectedVersion::Exact(0).is_met_by(None));
        assert!(ExpectedVersion::Exact(2).is_met_by(Some(2)));
        assert!(!ExpectedVersion::Exact(2).is_met_by(Some(3)));
        assert!(!ExpectedVersion::Exact(2).is_met_by(None));
    }

    #[test]
    fn checkpoints_order_by_transaction_before_position() {
        let early_tx_late_position = Checkpoint { tx_id: 10, position: 9 };
        let late_tx_early_position = Checkpoint { tx_id: 11, position: 5 };
        assert!(early_tx_late_position < late_tx_early_position);
    }
}
