//! The PostgreSQL event store.
//!
//! Appends go through one writer task per process ([`super::writer`]), which coalesces the
//! appends waiting at that moment into one call of the `hijraah_append_batch` SQL function
//! (migrations/0007): one round trip and one commit for many chats. Each request is still checked
//! against its own stream's expected version (as the earlier requests of the batch left it), and
//! each caller gets its own result or its own conflict. The expected version is checked before
//! any event row is inserted, so a losing writer draws no position.
//!
//! Every append holds one advisory lock from before it draws a position until its commit, so
//! appends commit in the order of their positions, and `tx_id` (the transaction id, or the last
//! appended event's when that is later) grows with them. A reader that sees an event therefore
//! knows that every event before it in `(tx_id, position)` order is committed or was rolled back:
//! it reads in that order and checkpoints on that pair, and no transaction but an append can hold
//! it back (an idle session elsewhere on the server no longer does).

use chrono::{DateTime, Utc};
use hijraah_domain::{DecodeError, Envelope, Event, EventMetadata, NewEvent};
use serde_json::Value;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::writer::Writer;
use super::{AppendResult, Checkpoint, ExpectedVersion, LogNotifier, StoreError};

/// The channel `NOTIFY`'d by every append batch (empty payload): listeners in other processes
/// take it as "the log may have grown"; this process's writer wakes its own followers directly.
pub const NOTIFY_CHANNEL: &str = "hijraah_events";
/// The channel `NOTIFY`'d when the projection lease holder has applied a batch: the other
/// servers read the new checkpoints (their requests wait on them).
pub const PROJECTED_CHANNEL: &str = "hijraah_projected";

#[derive(Debug, Clone)]
pub struct EventStore {
    pool: PgPool,
    writer: Writer,
}

/// One append, as the batch function takes it.
#[derive(Debug, Clone)]
pub(crate) struct AppendRequest {
    pub stream_id: String,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
}

/// What the batch function said of one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BatchOutcome {
    Appended(AppendResult),
    /// The stream's actual version (None: no stream).
    Conflict(Option<i64>),
    /// One of its event ids is in the log already (or earlier in the same batch).
    Duplicate,
}

impl EventStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            writer: Writer::new(pool.clone(), None),
            pool,
        }
    }

    /// A store whose writer wakes this process's followers after each batch it commits.
    pub fn with_notifier(pool: PgPool, notifier: LogNotifier) -> Self {
        Self {
            writer: Writer::new(pool.clone(), Some(notifier)),
            pool,
        }
    }

    /// How many batches the writer has committed, and how many appends they held.
    pub fn batch_counts(&self) -> (u64, u64) {
        self.writer.counts()
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends inside a transaction the caller owns (the erasure appends with the key it
    /// destroys). The append lock is then held until that transaction ends: keep it short.
    /// Returns `Ok(None)` when the event ids were appended before (nothing was written).
    pub async fn append_in(
        &self,
        connection: &mut PgConnection,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Option<AppendResult>, StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        let request = AppendRequest {
            stream_id: stream_id.to_owned(),
            expected,
            events: events.to_vec(),
        };
        let mut outcomes = append_batch_on(connection, std::slice::from_ref(&request)).await?;
        match outcomes.pop() {
            Some(BatchOutcome::Appended(result)) => Ok(Some(result)),
            Some(BatchOutcome::Duplicate) => Ok(None),
            Some(BatchOutcome::Conflict(actual)) => Err(StoreError::Conflict {
                stream_id: stream_id.to_owned(),
                expected,
                actual,
            }),
            None => Err(StoreError::EmptyAppend),
        }
    }

    /// Every event of the given streams, and of the streams opened by an event of type
    /// `opened_by` whose data has `field` = `value`, in log position order. One scan of the log,
    /// for a rare request (an export): the store knows no stream names, the caller says them.
    pub async fn read_streams_of(
        &self,
        stream_ids: &[String],
        opened_by: (&str, &str, &str),
    ) -> Result<Vec<Envelope>, StoreError> {
        let (event_type, field, value) = opened_by;
        let rows = sqlx::query(
            "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash, previous_hash
             FROM events
             WHERE stream_id = ANY($1)
                OR stream_id IN (SELECT stream_id FROM events WHERE event_type = $2 AND data->>$3 = $4)
             ORDER BY position",
        )
        .bind(stream_ids)
        .bind(event_type)
        .bind(field)
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(envelope_from_row).collect())
    }

    /// Appends one event to each of many streams in one transaction, all or nothing. Each stream
    /// must be at exactly its given version (0: no stream). Stream ids must be distinct. Returns
    /// the checkpoint of the last event.
    pub async fn append_to_streams(&self, appends: &[(String, i64, NewEvent)]) -> Result<Checkpoint, StoreError> {
        if appends.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        let requests: Vec<AppendRequest> = appends
            .iter()
            .map(|(stream_id, version, event)| AppendRequest {
                stream_id: stream_id.clone(),
                expected: ExpectedVersion::Exact(*version),
                events: vec![event.clone()],
            })
            .collect();
        let mut transaction = self.pool.begin().await?;
        let outcomes = append_batch_on(&mut transaction, &requests).await?;
        let mut last = Checkpoint::START;
        for (request, outcome) in requests.iter().zip(outcomes) {
            match outcome {
                BatchOutcome::Appended(result) => last = last.max(result.last),
                BatchOutcome::Conflict(actual) => {
                    return Err(StoreError::Conflict {
                        stream_id: request.stream_id.clone(),
                        expected: request.expected,
                        actual,
                    });
                }
                BatchOutcome::Duplicate => {
                    return Err(StoreError::EventIdReused {
                        event_id: request.events[0].event_id,
                    });
                }
            }
        }
        transaction.commit().await?;
        Ok(last)
    }

    /// The result of an earlier append of exactly these events to this stream, if there was one.
    async fn find_previous_append(
        &self,
        stream_id: &str,
        events: &[NewEvent],
    ) -> Result<Option<AppendResult>, StoreError> {
        let event_ids: Vec<Uuid> = events.iter().map(|event| event.event_id).collect();
        let rows = sqlx::query(
            "SELECT event_id, stream_id, stream_version, position, tx_id::text::int8 AS tx_id, recorded_at
             FROM events WHERE event_id = ANY($1) ORDER BY events.tx_id, events.position",
        )
        .bind(&event_ids)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let same_stream = rows.iter().all(|row| row.get::<String, _>("stream_id") == stream_id);
        if rows.len() != events.len() || !same_stream {
            let first_reused = rows.first().map(|row| row.get("event_id")).unwrap_or(event_ids[0]);
            return Err(StoreError::EventIdReused { event_id: first_reused });
        }
        let first = &rows[0];
        let last = &rows[rows.len() - 1];
        Ok(Some(AppendResult {
            last: Checkpoint {
                tx_id: last.get("tx_id"),
                position: last.get("position"),
            },
            first_position: first.get("position"),
            stream_version: last.get("stream_version"),
            recorded_at: last.get("recorded_at"),
            already_appended: true,
        }))
    }
}

/// Appends a batch of requests in one call of `hijraah_append_batch` on `connection` (in its
/// transaction, or as its own): one outcome per request, in order.
pub(crate) async fn append_batch_on(
    connection: &mut PgConnection,
    requests: &[AppendRequest],
) -> Result<Vec<BatchOutcome>, sqlx::Error> {
    let events = requests.iter().map(|request| request.events.len()).sum();
    let mut streams = Vec::with_capacity(requests.len());
    let mut expected_kinds = Vec::with_capacity(requests.len());
    let mut expected_versions = Vec::with_capacity(requests.len());
    let mut counts = Vec::with_capacity(requests.len());
    let mut event_ids = Vec::with_capacity(events);
    let mut event_types = Vec::with_capacity(events);
    let mut schema_versions = Vec::with_capacity(events);
    let mut data = Vec::with_capacity(events);
    let mut metadata = Vec::with_capacity(events);
    for request in requests {
        let (kind, version) = match request.expected {
            ExpectedVersion::Any => ("any", 0),
            ExpectedVersion::NoStream => ("no_stream", 0),
            ExpectedVersion::StreamExists => ("exists", 0),
            ExpectedVersion::Exact(version) => ("exact", version),
        };
        streams.push(request.stream_id.as_str());
        expected_kinds.push(kind);
        expected_versions.push(version);
        counts.push(i32::try_from(request.events.len()).unwrap_or(i32::MAX));
        for event in &request.events {
            event_ids.push(event.event_id);
            event_types.push(event.event_type.as_str());
            schema_versions.push(event.schema_version);
            data.push(&event.data);
            metadata.push(serde_json::to_value(&event.metadata).unwrap_or_else(|_| Value::Object(Default::default())));
        }
    }
    let rows = sqlx::query(
        "SELECT r_request, r_outcome, r_actual, r_first_position, r_last_position, r_stream_version, r_tx_id,
                r_recorded_at
         FROM hijraah_append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&streams)
    .bind(&expected_kinds)
    .bind(&expected_versions)
    .bind(&counts)
    .bind(&event_ids)
    .bind(&event_types)
    .bind(&schema_versions)
    .bind(&data)
    .bind(&metadata)
    .fetch_all(&mut *connection)
    .await?;
    let mut outcomes: Vec<Option<BatchOutcome>> = vec![None; requests.len()];
    for row in rows {
        let index = usize::try_from(row.try_get::<i32, _>("r_request")? - 1).unwrap_or(usize::MAX);
        let outcome = match row.try_get::<&str, _>("r_outcome")? {
            "appended" => BatchOutcome::Appended(AppendResult {
                last: Checkpoint {
                    tx_id: row.try_get("r_tx_id")?,
                    position: row.try_get("r_last_position")?,
                },
                first_position: row.try_get("r_first_position")?,
                stream_version: row.try_get("r_stream_version")?,
                recorded_at: row.try_get::<DateTime<Utc>, _>("r_recorded_at")?,
                already_appended: false,
            }),
            "conflict" => BatchOutcome::Conflict(row.try_get("r_actual")?),
            _ => BatchOutcome::Duplicate,
        };
        if let Some(slot) = outcomes.get_mut(index) {
            *slot = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.ok_or_else(|| sqlx::Error::Protocol("the append batch skipped a request".into())))
        .collect()
}

pub(crate) fn envelope_from_row(row: &PgRow) -> Envelope {
    let metadata: Value = row.get("metadata");
    Envelope {
        position: row.get("position"),
        stream_id: row.get("stream_id"),
        stream_version: row.get("stream_version"),
        event_id: row.get("event_id"),
        event_type: row.get("event_type"),
        schema_version: row.get("schema_version"),
        data: row.get("data"),
        // Metadata is written by us from `EventMetadata`; unknown keys land in `extra`.
        metadata: serde_json::from_value::<EventMetadata>(metadata).unwrap_or_default(),
        recorded_at: row.get("recorded_at"),
        hash: hex_column(row, "hash"),
        previous_hash: hex_column(row, "previous_hash"),
    }
}

/// The columns [`decoded_from_row`] reads, as a literal for `concat!`: the envelope's, with data
/// as text, and of the metadata only its `subject` (whose key opens the sealed fields): no read
/// model reads the rest, and turning every event's metadata into text and parsing it again was a
/// tenth of a replay's reading.
macro_rules! decoded_columns {
    () => {
        "position, tx_id::text::int8 AS tx_id, stream_id, stream_version, event_id, event_type, schema_version,
         data::text AS data, metadata->>'subject' AS subject, recorded_at"
    };
}
pub(crate) use decoded_columns;

/// An event read for the projections: its envelope, whose `data` stays `null` (no JSON tree is
/// built), and its event decoded straight from the stored text. A replay reads the whole log this
/// way; building, reading and freeing the tree was a third of its own CPU.
pub(crate) fn decoded_from_row(row: &PgRow) -> Result<(Checkpoint, Envelope, Result<Event, DecodeError>), sqlx::Error> {
    let data: &str = row.try_get("data")?;
    let mut metadata = EventMetadata::default();
    if let Some(subject) = row.try_get::<Option<String>, _>("subject")? {
        metadata.extra.insert("subject".to_owned(), Value::String(subject));
    }
    let envelope = Envelope {
        position: row.try_get("position")?,
        stream_id: row.try_get("stream_id")?,
        stream_version: row.try_get("stream_version")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        data: Value::Null,
        metadata,
        recorded_at: row.try_get("recorded_at")?,
        hash: None,
        previous_hash: None,
    };
    let event = Event::decode_text(&envelope.event_type, envelope.schema_version, data);
    let checkpoint = Checkpoint {
        tx_id: row.try_get("tx_id")?,
        position: envelope.position,
    };
    Ok((checkpoint, envelope, event))
}

/// Up to `limit` events after `after`, in the log's consumption order, as
/// [`decoded_from_row`] reads them: for a rebuild of the read models.
pub async fn read_decoded_on(
    connection: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
) -> Result<Vec<(Checkpoint, Envelope, Result<Event, DecodeError>)>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        decoded_columns!(),
        " FROM events
         WHERE (events.tx_id, events.position) > ($1::int8::text::xid8, $2)
         ORDER BY events.tx_id, events.position
         LIMIT $3"
    ))
    .bind(after.tx_id)
    .bind(after.position)
    .bind(limit)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows.iter().map(decoded_from_row).collect::<Result<_, _>>()?)
}

/// A hash column as lowercase hex, when the query selected it.
fn hex_column(row: &PgRow, column: &str) -> Option<String> {
    let bytes: Vec<u8> = row.try_get::<Option<Vec<u8>>, _>(column).ok().flatten()?;
    Some(crate::chain::hex(&bytes))
}

impl EventStore {
    /// Appends `events` to `stream_id` if the stream meets `expected`; all or nothing. Appending
    /// the same event ids again answers the first append's result and writes nothing. The
    /// append is coalesced with the others waiting at the same moment (one commit for all).
    pub async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        let request = AppendRequest {
            stream_id: stream_id.to_owned(),
            expected,
            events: events.to_vec(),
        };
        let outcome = match self.writer.append(request).await {
            Ok(outcome) => outcome,
            // The batch may have committed and lost its answer: if these events are in the log,
            // they were appended (once); otherwise the caller may try again.
            Err(StoreError::Unavailable(cause)) => {
                return match self.find_previous_append(stream_id, events).await {
                    Ok(Some(previous)) => Ok(previous),
                    _ => Err(StoreError::Unavailable(cause)),
                };
            }
            Err(other) => return Err(other),
        };
        match outcome {
            BatchOutcome::Appended(result) => Ok(result),
            BatchOutcome::Duplicate => match self.find_previous_append(stream_id, events).await? {
                Some(previous) => Ok(previous),
                None => Err(StoreError::EventIdReused {
                    event_id: events[0].event_id,
                }),
            },
            BatchOutcome::Conflict(actual) => Err(StoreError::Conflict {
                stream_id: stream_id.to_owned(),
                expected,
                actual,
            }),
        }
    }

    /// The events of one stream after `after_version`, in stream order.
    pub async fn read_stream(&self, stream_id: &str, after_version: i64) -> Result<Vec<Envelope>, StoreError> {
        let rows = sqlx::query(
            "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash, previous_hash
             FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version",
        )
        .bind(stream_id)
        .bind(after_version)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(envelope_from_row).collect())
    }

    /// Up to `limit` committed events after `after`, in commit order (see the module comment:
    /// nothing that commits later can sort before them).
    pub async fn read_all(
        &self,
        after: Checkpoint,
        limit: i64,
        stream_id: Option<&str>,
    ) -> Result<Vec<(Checkpoint, Envelope)>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_on(&mut connection, after, limit, stream_id, None, WithHashes::Yes).await
    }

    /// [`Self::read_all`], with the data of only the events whose type starts with `data_of`.
    pub async fn read_all_with_data_of(
        &self,
        after: Checkpoint,
        limit: i64,
        data_of: &str,
    ) -> Result<Vec<(Checkpoint, Envelope)>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_on(&mut connection, after, limit, None, Some(data_of), WithHashes::No).await
    }

    /// The checkpoint of the last event in consumption order: a reader that reached it has seen
    /// every event committed before this call.
    pub async fn head(&self) -> Result<Checkpoint, StoreError> {
        head_on(&self.pool).await
    }

    /// The checkpoint of the event at `position`, to resume a reader that kept only positions.
    pub async fn checkpoint_of(&self, position: i64) -> Result<Checkpoint, StoreError> {
        if position <= 0 {
            return Ok(Checkpoint::START);
        }
        let tx_id: Option<i64> = sqlx::query_scalar("SELECT tx_id::text::int8 FROM events WHERE position = $1")
            .bind(position)
            .fetch_optional(&self.pool)
            .await?;
        tx_id
            .map(|tx_id| Checkpoint { tx_id, position })
            .ok_or(StoreError::UnknownPosition(position))
    }
}

/// Whether a read brings each event's hash and its predecessor's (shown to API readers, who can
/// check the chain; the projections do not need them).
#[derive(Clone, Copy, PartialEq, Eq)]
enum WithHashes {
    Yes,
    No,
}

/// [`EventStore::read_all`] on a given connection, where only events whose type starts with `data_of` (all, when `None`) come
/// with their data and metadata: a follower that needs a few event types still moves through
/// every position, without the database sending, or us decoding, what it skips.
async fn read_on(
    connection: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
    stream_id: Option<&str>,
    data_of: Option<&str>,
    hashes: WithHashes,
) -> Result<Vec<(Checkpoint, Envelope)>, StoreError> {
    let rows = sqlx::query(
        "SELECT position, tx_id::text::int8 AS tx_id, stream_id, stream_version, event_id, event_type, schema_version,
                CASE WHEN $5::text IS NULL OR starts_with(event_type, $5) THEN data ELSE 'null'::jsonb END AS data,
                CASE WHEN $5::text IS NULL OR starts_with(event_type, $5) THEN metadata ELSE '{}'::jsonb END AS metadata,
                recorded_at,
                CASE WHEN $6 THEN hash END AS hash, CASE WHEN $6 THEN previous_hash END AS previous_hash
         FROM events
         WHERE (events.tx_id, events.position) > ($1::int8::text::xid8, $2)
           AND ($4::text IS NULL OR events.stream_id = $4)
         ORDER BY events.tx_id, events.position
         LIMIT $3",
    )
    .bind(after.tx_id)
    .bind(after.position)
    .bind(limit)
    .bind(stream_id)
    .bind(data_of)
    .bind(hashes == WithHashes::Yes)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                Checkpoint {
                    tx_id: row.get("tx_id"),
                    position: row.get("position"),
                },
                envelope_from_row(row),
            )
        })
        .collect())
}

impl EventStore {
    /// The events of these types, newest first, before `before` (a position; all when `None`):
    /// for audit views over a few kinds of event in a long log.
    pub async fn read_types_backwards(
        &self,
        types: &[&str],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Envelope>, StoreError> {
        let rows = sqlx::query(
            "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata,
                    recorded_at, hash, previous_hash
             FROM events
             WHERE event_type = ANY($1) AND ($2::int8 IS NULL OR position < $2)
             ORDER BY position DESC
             LIMIT $3",
        )
        .bind(types)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(envelope_from_row).collect())
    }
}

/// Checks the connection can reach the log (for `/readyz`).
/// The checkpoint of the last event in consumption order, on `pool`: see [`EventStore::head`].
pub async fn head_on(pool: &PgPool) -> Result<Checkpoint, StoreError> {
    let row = sqlx::query(
        "SELECT tx_id::text::int8 AS tx_id, position FROM events
         ORDER BY events.tx_id DESC, events.position DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or(Checkpoint::START, |row| Checkpoint {
        tx_id: row.get("tx_id"),
        position: row.get("position"),
    }))
}

pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut connection = pool.acquire().await?;
    connection.ping().await
}
