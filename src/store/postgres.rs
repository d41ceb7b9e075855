//! The PostgreSQL event store.
//!
//! An append is one call of the `hijraah_append` SQL function (migrations/0003), one round trip.
//! Writers of one stream are serialised by that stream's row in `streams` (`SELECT … FOR
//! UPDATE`); writers of different streams never wait for each other. The expected version is
//! checked before any event row is inserted, so a losing writer draws no position.
//!
//! Positions come from an identity column, drawn at insert time, so a transaction can commit
//! after another one that drew a higher position. A consumer that checkpointed on the position
//! alone would skip the late one. Each event therefore records its transaction id (`xid8`), and
//! readers only return events of transactions older than the oldest one still running
//! (`pg_snapshot_xmin(pg_current_snapshot())`), in `(tx_id, position)` order, checkpointing on
//! that pair: every event a reader will ever see later sorts after its checkpoint.

use chrono::{DateTime, Utc};
use hijraah_domain::{Envelope, EventMetadata, NewEvent};
use serde_json::Value;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::{AppendResult, Checkpoint, ExpectedVersion, StoreError};

/// The channel `NOTIFY`'d after every append; its payload is the stream appended to (`batch`
/// for a many-stream append). Listeners only take it as "the log may have grown".
pub const NOTIFY_CHANNEL: &str = "hijraah_events";

#[derive(Debug, Clone)]
pub struct EventStore {
    pool: PgPool,
}

enum AppendOutcome {
    Appended(AppendResult),
    /// The events' ids exist already: the caller must look them up outside the failed transaction.
    DuplicateEventIds,
}

impl EventStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends inside a transaction the caller owns, so tests can hold a transaction open and
    /// commit in any order. Returns `Ok(None)` when the event ids were appended before (the
    /// caller's transaction is then aborted and must be rolled back).
    pub async fn append_in(
        &self,
        connection: &mut PgConnection,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Option<AppendResult>, StoreError> {
        match append_in_transaction(connection, stream_id, expected, events).await? {
            AppendOutcome::Appended(result) => Ok(Some(result)),
            AppendOutcome::DuplicateEventIds => Ok(None),
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
            "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at
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
        let stream_ids: Vec<&str> = appends.iter().map(|(stream, _, _)| stream.as_str()).collect();
        let mut transaction = self.pool.begin().await?;
        sqlx::query("INSERT INTO streams (stream_id, version) SELECT unnest($1::text[]), 0 ON CONFLICT DO NOTHING")
            .bind(&stream_ids)
            .execute(&mut *transaction)
            .await?;
        let current: std::collections::HashMap<String, i64> = sqlx::query(
            "SELECT stream_id, version FROM streams WHERE stream_id = ANY($1) ORDER BY stream_id FOR UPDATE",
        )
        .bind(&stream_ids)
        .fetch_all(&mut *transaction)
        .await?
        .into_iter()
        .map(|row| (row.get("stream_id"), row.get("version")))
        .collect();
        for (stream_id, expected, _) in appends {
            let actual = current.get(stream_id).copied().unwrap_or(0);
            if actual != *expected {
                return Err(StoreError::Conflict {
                    stream_id: stream_id.clone(),
                    expected: ExpectedVersion::Exact(*expected),
                    actual: (actual > 0).then_some(actual),
                });
            }
        }
        let versions: Vec<i64> = appends.iter().map(|(_, expected, _)| expected + 1).collect();
        let event_ids: Vec<Uuid> = appends.iter().map(|(_, _, event)| event.event_id).collect();
        let event_types: Vec<&str> = appends.iter().map(|(_, _, event)| event.event_type.as_str()).collect();
        let schema_versions: Vec<i32> = appends.iter().map(|(_, _, event)| event.schema_version).collect();
        let data: Vec<&Value> = appends.iter().map(|(_, _, event)| &event.data).collect();
        let metadata: Vec<Value> = appends
            .iter()
            .map(|(_, _, event)| {
                serde_json::to_value(&event.metadata).unwrap_or_else(|_| Value::Object(Default::default()))
            })
            .collect();
        let last = sqlx::query(
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
             SELECT e.stream_id, e.version, e.event_id, e.event_type, e.schema_version, e.data, e.metadata
             FROM UNNEST($1::text[], $2::int8[], $3::uuid[], $4::text[], $5::int4[], $6::jsonb[], $7::jsonb[])
                  WITH ORDINALITY AS e(stream_id, version, event_id, event_type, schema_version, data, metadata, ord)
             ORDER BY e.ord
             RETURNING position, tx_id::text::int8 AS tx_id",
        )
        .bind(&stream_ids)
        .bind(&versions)
        .bind(&event_ids)
        .bind(&event_types)
        .bind(&schema_versions)
        .bind(&data)
        .bind(&metadata)
        .fetch_all(&mut *transaction)
        .await?
        .into_iter()
        .map(|row| Checkpoint {
            tx_id: row.get("tx_id"),
            position: row.get("position"),
        })
        .max()
        .unwrap_or_default();
        sqlx::query(
            "UPDATE streams AS s SET version = u.version
             FROM UNNEST($1::text[], $2::int8[]) AS u(stream_id, version) WHERE s.stream_id = u.stream_id",
        )
        .bind(&stream_ids)
        .bind(&versions)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("SELECT pg_notify($1, 'batch')")
            .bind(NOTIFY_CHANNEL)
            .execute(&mut *transaction)
            .await?;
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
             FROM events WHERE event_id = ANY($1) ORDER BY tx_id, position",
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

async fn append_in_transaction(
    connection: &mut PgConnection,
    stream_id: &str,
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<AppendOutcome, StoreError> {
    if events.is_empty() {
        return Err(StoreError::EmptyAppend);
    }
    let (expected_kind, expected_version) = match expected {
        ExpectedVersion::Any => ("any", 0),
        ExpectedVersion::NoStream => ("no_stream", 0),
        ExpectedVersion::StreamExists => ("exists", 0),
        ExpectedVersion::Exact(version) => ("exact", version),
    };
    let event_ids: Vec<Uuid> = events.iter().map(|event| event.event_id).collect();
    let event_types: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    let schema_versions: Vec<i32> = events.iter().map(|event| event.schema_version).collect();
    let data: Vec<&Value> = events.iter().map(|event| &event.data).collect();
    let metadata: Vec<Value> = events
        .iter()
        .map(|event| serde_json::to_value(&event.metadata).unwrap_or_else(|_| Value::Object(Default::default())))
        .collect();
    let appended = sqlx::query(
        "SELECT r_position AS position, r_stream_version AS stream_version, r_tx_id AS tx_id, r_recorded_at AS recorded_at
         FROM hijraah_append($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(stream_id)
    .bind(expected_kind)
    .bind(expected_version)
    .bind(&event_ids)
    .bind(&event_types)
    .bind(&schema_versions)
    .bind(&data)
    .bind(&metadata)
    .fetch_all(&mut *connection)
    .await;
    let rows = match appended {
        Ok(rows) => rows,
        Err(error) if is_constraint_violation(&error, "events_event_id_key") => {
            return Ok(AppendOutcome::DuplicateEventIds);
        }
        Err(error) => {
            if let Some(actual) = version_conflict(&error) {
                return Err(StoreError::Conflict {
                    stream_id: stream_id.to_owned(),
                    expected,
                    actual,
                });
            }
            return Err(error.into());
        }
    };
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(StoreError::EmptyAppend);
    };
    Ok(AppendOutcome::Appended(AppendResult {
        last: Checkpoint {
            tx_id: last.get("tx_id"),
            position: last.get("position"),
        },
        first_position: first.get("position"),
        stream_version: last.get("stream_version"),
        recorded_at: last.get::<DateTime<Utc>, _>("recorded_at"),
        already_appended: false,
    }))
}

/// The actual stream version (None: no stream) if `error` is `hijraah_append`'s version conflict.
fn version_conflict(error: &sqlx::Error) -> Option<Option<i64>> {
    let database_error = error.as_database_error()?;
    if database_error.code().as_deref() != Some("HJ409") {
        return None;
    }
    let detail = database_error
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|error| error.detail())
        .unwrap_or_default();
    Some(detail.parse().ok())
}

pub(crate) fn is_constraint_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(database_error) if database_error.constraint() == Some(constraint))
}

fn envelope_from_row(row: &PgRow) -> Envelope {
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
    }
}

impl EventStore {
    /// Appends `events` to `stream_id` if the stream meets `expected`; all or nothing. Appending
    /// the same event ids again answers the first append's result and writes nothing.
    pub async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendResult, StoreError> {
        // One statement in autocommit: the function is the transaction.
        let outcome = {
            let mut connection = self.pool.acquire().await?;
            append_in_transaction(&mut connection, stream_id, expected, events).await
            // The connection goes back to the pool here: the look-ups below take their own.
        };
        match outcome {
            Ok(AppendOutcome::Appended(result)) => Ok(result),
            Ok(AppendOutcome::DuplicateEventIds) => match self.find_previous_append(stream_id, events).await? {
                Some(previous) => Ok(previous),
                None => Err(StoreError::EventIdReused {
                    event_id: events[0].event_id,
                }),
            },
            Err(StoreError::Conflict {
                stream_id: conflicted,
                expected,
                actual,
            }) => {
                // A retried append whose first attempt did commit: answer as the first time.
                match self.find_previous_append(stream_id, events).await? {
                    Some(previous) => Ok(previous),
                    None => Err(StoreError::Conflict {
                        stream_id: conflicted,
                        expected,
                        actual,
                    }),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// The events of one stream after `after_version`, in stream order.
    pub async fn read_stream(&self, stream_id: &str, after_version: i64) -> Result<Vec<Envelope>, StoreError> {
        let rows = sqlx::query(
            "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at
             FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version",
        )
        .bind(stream_id)
        .bind(after_version)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(envelope_from_row).collect())
    }

    /// Up to `limit` committed events after `after`, in consumption order, never passing an
    /// event that is still being written (see [`Checkpoint`]).
    pub async fn read_all(
        &self,
        after: Checkpoint,
        limit: i64,
        stream_id: Option<&str>,
    ) -> Result<Vec<(Checkpoint, Envelope)>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_all_on(&mut connection, after, limit, stream_id).await
    }

    /// The checkpoint of the last event in consumption order: a reader that reached it has seen
    /// every event committed before this call.
    pub async fn head(&self) -> Result<Checkpoint, StoreError> {
        let row = sqlx::query(
            "SELECT tx_id::text::int8 AS tx_id, position FROM events ORDER BY tx_id DESC, position DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or(Checkpoint::START, |row| Checkpoint {
            tx_id: row.get("tx_id"),
            position: row.get("position"),
        }))
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

/// [`EventStore::read_all`] on a given connection (the projection runner reads inside its own
/// transaction).
pub async fn read_all_on(
    connection: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
    stream_id: Option<&str>,
) -> Result<Vec<(Checkpoint, Envelope)>, StoreError> {
    let rows = sqlx::query(
        "SELECT position, tx_id::text::int8 AS tx_id, stream_id, stream_version, event_id, event_type,
                schema_version, data, metadata, recorded_at
         FROM events
         WHERE (tx_id, position) > ($1::int8::text::xid8, $2)
           AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
           AND ($4::text IS NULL OR stream_id = $4)
         ORDER BY tx_id, position
         LIMIT $3",
    )
    .bind(after.tx_id)
    .bind(after.position)
    .bind(limit)
    .bind(stream_id)
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

/// Checks the connection can reach the log (for `/readyz`).
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut connection = pool.acquire().await?;
    connection.ping().await
}
