//! Load → decide → append, with retry: the one way a command changes an aggregate's stream.
//! The aggregate is folded from its stream, the command decides events against it, and they are
//! appended expecting the version read; if another writer got there first, the stream is read
//! again and the command decided again, so a rule is never checked against stale state.

use hijraah_domain::aggregates::Aggregate;
use hijraah_domain::{Event, EventMetadata, NewEvent};

use super::{AppendResult, EventStore, ExpectedVersion, StoreError};

/// Times a command is decided again after losing a race for its stream.
const ATTEMPTS: u32 = 16;

#[derive(Debug, thiserror::Error)]
pub enum DecideError<E> {
    /// The aggregate's rules refused the command.
    #[error(transparent)]
    Refused(E),
    #[error("stored event cannot be read: {0}")]
    Corrupt(String),
    #[error("the stream kept moving while the command was decided; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Folds `stream_id` into `A`, decides with `command`, and appends what it decided. Returns the
/// events appended and where they landed (nothing is appended when the command decides none).
pub async fn decide<A, E>(
    store: &EventStore,
    stream_id: &str,
    metadata: &EventMetadata,
    command: impl Fn(&A) -> Result<Vec<Event>, E>,
) -> Result<(Vec<Event>, Option<AppendResult>), DecideError<E>>
where
    A: Aggregate,
{
    for _ in 0..ATTEMPTS {
        let mut version = 0;
        let mut state = A::default();
        for envelope in store.read_stream(stream_id, 0).await? {
            version = envelope.stream_version;
            let event = envelope
                .decode()
                .map_err(|error| DecideError::Corrupt(error.to_string()))?;
            state.apply(&event);
        }
        let events = command(&state).map_err(DecideError::Refused)?;
        if events.is_empty() {
            return Ok((events, None));
        }
        let new_events: Vec<NewEvent> = events
            .iter()
            .map(|event| NewEvent::new(event, metadata.clone()))
            .collect();
        match store
            .append(stream_id, ExpectedVersion::Exact(version), &new_events)
            .await
        {
            Ok(appended) => return Ok((events, Some(appended))),
            Err(StoreError::Conflict { .. }) => {
                tracing::debug!(stream_id, "stream moved on while deciding, deciding again");
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(DecideError::Contended)
}
