//! Hijraah's domain: the facts we record (events), what may be asked of us (commands) and the
//! rules that decide one from the other (aggregates). Nothing here does I/O or needs a runtime.
//!
//! - [`ids`]: validated identifiers (user ids, stream ids) built by `parse` at the edge.
//! - [`events`]: every event type, versioned, with decoding (and upcasting) from stored JSON.
//! - [`envelope`]: the stored form of an event: position, stream, version, ids and metadata.
//! - [`conversation`]: the `Conversation` aggregate and its commands.
//! - [`aggregates`]: mosques, community events and custom agents, each decided from its stream.
//! - [`user`]: roles and the user stream.
//! - [`editions`]: which published text a document is, and which ones agents may quote.
//! - [`knowledge`]: the texts the knowledge agent quotes, and parsing them from JSON Lines.
//! - [`community`]: mosques and community events.
//! - [`calculators`]: zakat, prayer times, qibla and the Umm al-Qura calendar.
//! - [`understanding`]: the amounts, dates and occasions a plain message carries.
//! - [`json`]: reading values as JSON writes them (a whole number may be `3.0`).
//! - [`learn`]: features, labelled examples and scores for the router learned from the log.

pub mod aggregates;
pub mod calculators;
pub mod community;
pub mod conversation;
pub mod editions;
pub mod envelope;
pub mod events;
pub mod grades;
pub mod ids;
pub mod json;
pub mod knowledge;
pub mod learn;
pub mod understanding;
pub mod user;
pub mod workflow;

pub use envelope::{Checkpoint, Envelope, EventMetadata, NewEvent};

/// Bytes as lowercase hex (content hashes, fingerprints, ETags, secrets).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
pub use events::{DecodeError, Event};
