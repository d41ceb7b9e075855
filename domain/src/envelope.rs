//! The stored form of an event and the metadata that travels with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::events::{DecodeError, Event};

/// Why an event was written: the request it belongs to, the event that caused it, and who asked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventMetadata {
    /// The HTTP request id (or CLI run id) shared by every event one request produced.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The event this one follows from, if any.
    #[serde(default)]
    pub causation_id: Option<Uuid>,
    /// The authenticated principal whose action this records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EventMetadata {
    /// The metadata of an action by `actor` within the request `correlation_id`.
    pub fn by(actor: &str, correlation_id: Option<&str>) -> Self {
        Self {
            correlation_id: correlation_id.map(str::to_owned),
            actor: Some(actor.to_owned()),
            ..Self::default()
        }
    }
}

/// Where a consumer is in the log: `(tx_id, position)`, in the order appends commit (the store
/// draws both in commit order), so a checkpoint never passes an event that commits later. The
/// store hands them out; projections and the index keep them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Checkpoint {
    pub tx_id: i64,
    pub position: i64,
}

impl Checkpoint {
    pub const START: Checkpoint = Checkpoint { tx_id: 0, position: 0 };
}

/// An event about to be appended. Its id makes the append idempotent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub data: Value,
    pub metadata: EventMetadata,
}

impl NewEvent {
    pub fn new(event: &Event, metadata: EventMetadata) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata,
        }
    }
}

/// An event as recorded in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope {
    /// Unique and increasing within a transaction; the log's consumption order is by commit
    /// horizon first (see the event store), which never skips a late commit.
    pub position: i64,
    pub stream_id: String,
    /// 1 for a stream's first event, contiguous after that.
    pub stream_version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub data: Value,
    pub metadata: EventMetadata,
    pub recorded_at: DateTime<Utc>,
    /// SHA-256 (hex) over `previous_hash` and this event's stored fields: the log's hash chain
    /// (migrations/0014), which `hijraah events verify` walks.
    #[serde(default)]
    pub hash: Option<String>,
    /// The hash of the event before this one in the log (zeros for the first).
    #[serde(default)]
    pub previous_hash: Option<String>,
}

impl Envelope {
    pub fn decode(&self) -> Result<Event, DecodeError> {
        Event::decode(&self.event_type, self.schema_version, &self.data)
    }
}
