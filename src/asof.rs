//! The read models as they stood at a past moment, built from the log up to it (#25, item 1).
//!
//! - `GET /api/v1/analytics?as_of=TIME|POSITION` replays the analytics projection up to that point
//!   into temporary tables, inside one transaction that is then rolled back, and answers from
//!   them. A past prefix of the log never changes, so each answer is cached by its position.
//! - `hijraah replay --until TIME|POSITION --schema NAME` builds every read model up to that point
//!   into a schema of its own, in batches of their own transactions, while the live read models
//!   keep serving. `--list` and `--drop NAME` list and drop such schemas; a schema is marked as
//!   ours by its comment, and only a marked one is ever dropped.
//!
//! "As of a time" means the longest prefix of the log recorded at or before it: positions are the
//! log's order, so a moment is a position. Nobody's content is opened for these copies: sealed
//! fields read `[withheld]`. An erasure reaches them too: a build removes the rows of users erased
//! after its point, and every erasure later removes its user's rows from every as-of schema in
//! the same transaction that destroys the key (analytics hold no user rows, so their figures
//! stay those of the moment).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hijraah_projections::queries::{AnalyticsView, analytics_on};
use hijraah_projections::{Projection, ProjectionError};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool, Row};

use crate::projector::{FetchedBatch, recorded};

/// What marks a schema as an as-of build (its comment starts with it).
const MARK: &str = "hijraah as-of";
/// Serialises erasures against a build's last step (see [`build_schema`]).
const ERASURE_LOCK: i64 = 0x6869_6a72_6173_6f66;
const BATCH: i64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum AsOfError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "{0:?} is not a schema name for an as-of build: use 1 to 63 lowercase letters, digits and _, starting with a letter, not pg_…, public or analytics"
    )]
    BadName(String),
    #[error("the schema {0:?} exists; drop it first (hijraah replay --drop {0})")]
    Exists(String),
    #[error("no as-of schema {0:?} (hijraah replay --list shows them)")]
    Unknown(String),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A point in the log: a position, or a time (the last position recorded at or before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Position(i64),
    Time(DateTime<Utc>),
}

impl AsOf {
    /// A position (digits) or a time (RFC 3339, or a date meaning that day's start, UTC).
    pub fn parse(value: &str) -> Result<AsOf, AsOfError> {
        if (1..=18).contains(&value.len()) && value.bytes().all(|byte| byte.is_ascii_digit()) {
            return value
                .parse::<i64>()
                .map(AsOf::Position)
                .map_err(|_| AsOfError::Invalid(format!("as_of: position {value} is out of range")));
        }
        match crate::stats::time("as_of", Some(value)) {
            Ok(Some(time)) => Ok(AsOf::Time(time)),
            _ => Err(AsOfError::Invalid(format!(
                "as_of: {value:?} is neither a position (a whole number) nor a time (RFC 3339 like 2026-11-01T00:00:00Z, or a date)"
            ))),
        }
    }
}

/// A resolved point: the last position included, and when it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub position: i64,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// Resolves `as_of` against the log. A position past the log's end is refused (it has not
/// happened); a time in the future is too.
pub async fn resolve(pool: &PgPool, as_of: AsOf) -> Result<Point, AsOfError> {
    let mut connection = pool.acquire().await?;
    let head: i64 = sqlx::query_scalar("SELECT coalesce(max(position), 0) FROM events")
        .fetch_one(&mut *connection)
        .await?;
    let position = match as_of {
        AsOf::Position(position) if position > head => {
            return Err(AsOfError::Invalid(format!(
                "as_of: the log ends at position {head}; position {position} has not happened"
            )));
        }
        AsOf::Position(position) => position,
        AsOf::Time(time) if time > Utc::now() => {
            return Err(AsOfError::Invalid(format!("as_of: {time} is in the future")));
        }
        AsOf::Time(time) => {
            // The longest prefix recorded at or before `time`.
            sqlx::query_scalar("SELECT coalesce((SELECT min(position) - 1 FROM events WHERE recorded_at > $1), $2)")
                .bind(time)
                .bind(head)
                .fetch_one(&mut *connection)
                .await?
        }
    };
    let recorded_at = sqlx::query_scalar("SELECT recorded_at FROM events WHERE position = $1")
        .bind(position)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(Point { position, recorded_at })
}

/// Applies the log after `after` up to and including `until` to `projections`, on `connection`
/// (whose `search_path` says where), with every sealed field withheld. Returns the events read.
async fn replay_range(
    connection: &mut PgConnection,
    projections: &[Projection],
    mut after: i64,
    until: i64,
) -> Result<(u64, i64), AsOfError> {
    let mut read = 0u64;
    while after < until {
        let rows = sqlx::query(concat!(
            "SELECT ",
            crate::store::postgres::decoded_columns!(),
            " FROM public.events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
        ))
        .bind(after)
        .bind(until)
        .bind(BATCH)
        .fetch_all(&mut *connection)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.get("position");
        let decoded = rows
            .iter()
            .map(crate::store::postgres::decoded_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let FetchedBatch {
            envelopes, mut events, ..
        } = FetchedBatch::of_known(decoded)?;
        crate::privacy::withhold_decoded(&mut events);
        let decoded = recorded(&envelopes, events);
        // Every projection gets the whole batch, as in a rebuild: each passes over what it does
        // not read, and an erasure splits the batch for each.
        for projection in projections {
            projection.apply_decoded(&mut *connection, &decoded).await?;
        }
        read += envelopes.len() as u64;
        if (rows.len() as i64) < BATCH {
            break;
        }
    }
    Ok((read, after))
}

/// Sets the transaction's `search_path` so unqualified read-model names mean `schema`'s.
async fn search_path(connection: &mut PgConnection, path: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(path)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The analytics view as of `point`, from temporary tables in a transaction rolled back after.
pub async fn analytics(pool: &PgPool, point: Point) -> Result<AnalyticsView, AsOfError> {
    let mut connection = pool.acquire().await?;
    let mut transaction = connection.begin().await?;
    for table in Projection::Analytics.tables() {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TEMP TABLE {table} (LIKE public.{table} INCLUDING ALL) ON COMMIT DROP"
        )))
        .execute(&mut *transaction)
        .await?;
    }
    search_path(&mut transaction, "pg_temp, public").await?;
    replay_range(&mut transaction, &[Projection::Analytics], 0, point.position).await?;
    let view = analytics_on(&mut transaction).await?;
    transaction.rollback().await?;
    Ok(view)
}

/// Analytics as of a point, cached by position (a past prefix of the log never changes), with
/// one replay at a time so a burst of as-of questions cannot take every core.
pub struct AnalyticsAsOf {
    cache: Mutex<lru::LruCache<i64, Arc<AnalyticsView>>>,
    one_at_a_time: tokio::sync::Semaphore,
}

impl Default for AnalyticsAsOf {
    fn default() -> Self {
        Self {
            cache: Mutex::new(lru::LruCache::new(NonZeroUsize::new(64).unwrap_or(NonZeroUsize::MIN))),
            one_at_a_time: tokio::sync::Semaphore::new(1),
        }
    }
}

impl AnalyticsAsOf {
    pub async fn get(&self, pool: &PgPool, as_of: AsOf) -> Result<Arc<AnalyticsView>, AsOfError> {
        let point = resolve(pool, as_of).await?;
        if let Some(view) = self.cached(point.position) {
            return Ok(view);
        }
        let _permit = self
            .one_at_a_time
            .acquire()
            .await
            .map_err(|_| AsOfError::Invalid("the server is stopping".to_owned()))?;
        if let Some(view) = self.cached(point.position) {
            return Ok(view);
        }
        let view = Arc::new(analytics(pool, point).await?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(point.position, view.clone());
        }
        Ok(view)
    }

    fn cached(&self, position: i64) -> Option<Arc<AnalyticsView>> {
        self.cache.lock().ok()?.get(&position).cloned()
    }
}

fn check_name(name: &str) -> Result<(), AsOfError> {
    if crate::analysts::plain_identifier(name) && !matches!(name, "public" | "analytics" | "information_schema") {
        Ok(())
    } else {
        Err(AsOfError::BadName(name.to_owned()))
    }
}

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub schema: String,
    pub point: Point,
    pub events: u64,
}

/// Builds every read model as of `as_of` into the new schema `name`. Each batch commits on its
/// own, so the live read models, and the projector writing them, are never held up. On failure
/// the half-built schema is dropped.
pub async fn build_schema(pool: &PgPool, name: &str, as_of: AsOf) -> Result<Built, AsOfError> {
    check_name(name)?;
    let point = resolve(pool, as_of).await?;
    let mut connection = pool.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
        .bind(name)
        .fetch_one(&mut *connection)
        .await?;
    if exists {
        return Err(AsOfError::Exists(name.to_owned()));
    }
    let mut transaction = connection.begin().await?;
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&mut *transaction)
        .await?;
    sqlx::query(AssertSqlSafe(format!(
        "COMMENT ON SCHEMA {name} IS '{MARK}: building up to position {}'",
        point.position
    )))
    .execute(&mut *transaction)
    .await?;
    for projection in Projection::ALL {
        for table in projection.tables() {
            sqlx::query(AssertSqlSafe(format!(
                "CREATE TABLE {name}.{table} (LIKE public.{table} INCLUDING ALL)"
            )))
            .execute(&mut *transaction)
            .await?;
        }
    }
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TABLE {name}.as_of (position int8 NOT NULL, recorded_at timestamptz, events int8 NOT NULL,
                                    built_at timestamptz NOT NULL DEFAULT now())"
    )))
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    let built = fill(&mut connection, name, point).await;
    if built.is_err() {
        let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
            .execute(&mut *connection)
            .await;
    }
    built
}

async fn fill(connection: &mut PgConnection, name: &str, point: Point) -> Result<Built, AsOfError> {
    let path = format!("{name}, public");
    let mut after = 0;
    let mut events = 0;
    loop {
        let mut transaction = connection.begin().await?;
        search_path(&mut transaction, &path).await?;
        // At most a few batches per transaction, so none stays open long.
        let until = point.position.min(after + 5 * BATCH);
        let (read, reached) = replay_range(&mut transaction, &Projection::ALL, after, until).await?;
        transaction.commit().await?;
        events += read;
        if until >= point.position || reached >= point.position {
            break;
        }
        after = until;
    }
    // The last step, under the lock every erasure takes: users erased after the point lose their
    // rows here, and erasures that commit after this see the schema as built.
    let mut transaction = connection.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ERASURE_LOCK)
        .execute(&mut *transaction)
        .await?;
    search_path(&mut transaction, &path).await?;
    let erased: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT data->>'user_id' FROM public.events
         WHERE event_type = 'UserErased' AND position > $1 AND data->>'user_id' IS NOT NULL",
    )
    .bind(point.position)
    .fetch_all(&mut *transaction)
    .await?;
    for user_id in &erased {
        erase_here(&mut transaction, user_id).await?;
    }
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {name}.as_of (position, recorded_at, events) VALUES ($1, $2, $3)"
    )))
    .bind(point.position)
    .bind(point.recorded_at)
    .bind(events as i64)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "COMMENT ON SCHEMA {name} IS '{MARK}: position {}'",
        point.position
    )))
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(Built {
        schema: name.to_owned(),
        point,
        events,
    })
}

/// Deletes a user's rows from the read models the `search_path` names (not analytics' counts:
/// their erasure is counted when it happened, and an as-of copy keeps the figures of its time).
async fn erase_here(connection: &mut PgConnection, user_id: &str) -> Result<(), AsOfError> {
    for projection in Projection::ALL {
        if projection != Projection::Analytics {
            projection.erase(&mut *connection, user_id).await?;
        }
    }
    Ok(())
}

/// Removes an erased user's rows from every as-of schema, in the erasure's own transaction.
pub async fn erase_user(connection: &mut PgConnection, user_id: &str) -> Result<(), AsOfError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ERASURE_LOCK)
        .execute(&mut *connection)
        .await?;
    let schemas = marked(&mut *connection).await?;
    if schemas.is_empty() {
        return Ok(());
    }
    let previous: String = sqlx::query_scalar("SELECT current_setting('search_path')")
        .fetch_one(&mut *connection)
        .await?;
    for (schema, _) in &schemas {
        search_path(&mut *connection, &format!("{schema}, public")).await?;
        erase_here(&mut *connection, user_id).await?;
    }
    search_path(&mut *connection, &previous).await?;
    Ok(())
}

/// The schemas marked as ours, with their comments.
async fn marked(connection: &mut PgConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT nspname::text, obj_description(oid, 'pg_namespace') FROM pg_namespace
         WHERE starts_with(coalesce(obj_description(oid, 'pg_namespace'), ''), $1) ORDER BY nspname",
    )
    .bind(MARK)
    .fetch_all(&mut *connection)
    .await
}

/// A schema's `as_of` row: position, when it was recorded, events read, when it was built.
type AsOfRow = (i64, Option<DateTime<Utc>>, i64, DateTime<Utc>);

/// An as-of schema, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub schema: String,
    /// `None` while it is being built (or when a build was interrupted).
    pub position: Option<i64>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub events: Option<i64>,
    pub built_at: Option<DateTime<Utc>>,
}

pub async fn list(pool: &PgPool) -> Result<Vec<Listed>, AsOfError> {
    let mut connection = pool.acquire().await?;
    let mut listed = Vec::new();
    for (schema, _) in marked(&mut connection).await? {
        let row: Option<AsOfRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT position, recorded_at, events, built_at FROM {schema}.as_of LIMIT 1"
        )))
        .fetch_optional(&mut *connection)
        .await?;
        listed.push(Listed {
            schema,
            position: row.map(|row| row.0),
            recorded_at: row.and_then(|row| row.1),
            events: row.map(|row| row.2),
            built_at: row.map(|row| row.3),
        });
    }
    Ok(listed)
}

/// Drops an as-of schema; refuses any schema not marked as one.
pub async fn drop_schema(pool: &PgPool, name: &str) -> Result<(), AsOfError> {
    check_name(name)?;
    let mut connection = pool.acquire().await?;
    if !marked(&mut connection).await?.iter().any(|(schema, _)| schema == name) {
        return Err(AsOfError::Unknown(name.to_owned()));
    }
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {name} CASCADE")))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_takes_a_position_or_a_time() {
        assert_eq!(AsOf::parse("42").unwrap(), AsOf::Position(42));
        assert!(matches!(AsOf::parse("2026-11-01T00:00:00Z").unwrap(), AsOf::Time(_)));
        assert!(matches!(AsOf::parse("2026-11-01").unwrap(), AsOf::Time(_)));
        for bad in [
            "",
            "-3",
            "yesterday",
            "99999999999999999999",
            "1e5",
            " 42",
            "2026-11-01 ",
        ] {
            assert!(AsOf::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schema_names_are_plain_identifiers_and_never_ours() {
        assert!(check_name("nov_first").is_ok());
        for bad in ["public", "analytics", "pg_x", "Nov", "a-b", "a;drop", "", "1a"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
