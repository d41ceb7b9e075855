//! The log's metadata, and with `--read-models` the analysts' views of the read models, as
//! Parquet files for DuckDB, Polars, pandas or Spark (`hijraah events export --format parquet`).
//!
//! What leaves: per event, its position, time, type, schema version, stream category, stream
//! version, agent, language and hash, and its stream, user and actor as pseudonyms. What never
//! leaves: payloads and metadata (sealed or not), and any user id in the clear. A pseudonym is
//! HMAC-SHA-256 over the id under a key kept per deployment in the database (`export_key`,
//! migrations/0016), so the same user has the same pseudonym across this deployment's exports and
//! nowhere else; `--rotate-key` replaces the key, after which pseudonyms no longer match earlier
//! files. The key's id is in each file's metadata (`hijraah.pseudonym_key`). The right of access
//! stays the only place where a user's own text comes out.
//!
//! The read models come from the `analytics` schema's views (migrations/0015), which already hold
//! no user ids or contents: one file per view.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use hmac::{Hmac, Mac};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Executor, PgConnection, PgPool, Row, SqlSafeStr, Statement,
    TypeInfo,
};

/// Rows per record batch (and so at most per row group).
const BATCH_ROWS: usize = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("cannot build the columns: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error(transparent)]
    AsOf(#[from] crate::asof::AsOfError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Only events recorded at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only events up to this point of the log.
    pub until: Option<crate::asof::AsOf>,
    /// Only these event types (empty: all).
    pub types: Vec<String>,
    /// Also the `analytics` views, one file each.
    pub read_models: bool,
    /// Replace the pseudonym key first.
    pub rotate_key: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub files: Vec<(PathBuf, u64)>,
    pub key_id: String,
}

/// The deployment's pseudonym key, made on first use, or replaced when `rotate`.
async fn key(pool: &PgPool, rotate: bool) -> Result<Vec<u8>, ExportError> {
    use aes_gcm::aead::OsRng;
    use aes_gcm::aead::rand_core::RngCore;
    let mut fresh = [0u8; 32];
    OsRng.fill_bytes(&mut fresh);
    let statement = if rotate {
        "INSERT INTO export_key (id, key) VALUES (true, $1)
         ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, created_at = now() RETURNING key"
    } else {
        // The existing key wins: two first exports at once agree on one.
        "INSERT INTO export_key (id, key) VALUES (true, $1)
         ON CONFLICT (id) DO UPDATE SET key = export_key.key RETURNING key"
    };
    Ok(sqlx::query_scalar(statement).bind(&fresh[..]).fetch_one(pool).await?)
}

/// A key's public id: the first 8 bytes of its SHA-256, in hex.
fn key_id(key: &[u8]) -> String {
    crate::chain::hex(&Sha256::digest(key)[..8])
}

/// An id's pseudonym: HMAC-SHA-256 under the deployment's key, its first 16 bytes in hex.
fn pseudonym(key: &[u8], id: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    crate::chain::hex(&mac.finalize().into_bytes()[..16])
}

/// The column kinds an export writes, after the query's casts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Float,
    Text,
    Time,
    Date,
    Bool,
}

impl Kind {
    fn of(type_name: &str) -> Kind {
        match type_name {
            "INT8" => Kind::Int,
            "FLOAT8" => Kind::Float,
            "TIMESTAMPTZ" => Kind::Time,
            "DATE" => Kind::Date,
            "BOOL" => Kind::Bool,
            _ => Kind::Text,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Text => DataType::Utf8,
            Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Kind::Date => DataType::Date32,
            Kind::Bool => DataType::Boolean,
        }
    }
}

/// Builds one column from rows.
enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Time(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Text => Builder::Text(StringBuilder::new()),
            Kind::Time => Builder::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            Kind::Date => Builder::Date(Date32Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    fn push(&mut self, row: &PgRow, index: usize, pseudonymise: Option<&[u8]>) -> Result<(), sqlx::Error> {
        match self {
            Builder::Int(builder) => builder.append_option(row.try_get::<Option<i64>, _>(index)?),
            Builder::Float(builder) => builder.append_option(row.try_get::<Option<f64>, _>(index)?),
            Builder::Text(builder) => {
                let text: Option<String> = row.try_get(index)?;
                match (text, pseudonymise) {
                    (Some(text), Some(key)) => builder.append_value(pseudonym(key, &text)),
                    (text, _) => builder.append_option(text),
                }
            }
            Builder::Time(builder) => builder.append_option(
                row.try_get::<Option<DateTime<Utc>>, _>(index)?
                    .map(|time| time.timestamp_micros()),
            ),
            Builder::Date(builder) => builder.append_option(
                row.try_get::<Option<NaiveDate>, _>(index)?
                    .map(|day| (day - DateTime::UNIX_EPOCH.date_naive()).num_days() as i32),
            ),
            Builder::Bool(builder) => builder.append_option(row.try_get::<Option<bool>, _>(index)?),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(builder) => Arc::new(builder.finish()),
            Builder::Float(builder) => Arc::new(builder.finish()),
            Builder::Text(builder) => Arc::new(builder.finish()),
            Builder::Time(builder) => Arc::new(builder.finish()),
            Builder::Date(builder) => Arc::new(builder.finish()),
            Builder::Bool(builder) => Arc::new(builder.finish()),
        }
    }
}

/// Writes what `sql` returns (with `bind`'s parameters) to `path`, its columns named
/// `pseudonymised` through the keyed hash. Every column must already be one of [`Kind`]'s types
/// (the queries cast). The file's columns come from the prepared statement, so a file with no
/// rows still says what they are.
async fn write_query<F>(
    connection: &mut PgConnection,
    sql: String,
    bind: F,
    path: &Path,
    pseudonymised: &[&str],
    key: &[u8],
    key_id: &str,
) -> Result<u64, ExportError>
where
    F: for<'s> FnOnce(
        sqlx::query::Query<'s, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'s, sqlx::Postgres, sqlx::postgres::PgArguments>,
{
    let statement = (&mut *connection).prepare(AssertSqlSafe(sql).into_sql_str()).await?;
    let kinds: Vec<(String, Kind)> = statement
        .columns()
        .iter()
        .map(|column| (column.name().to_owned(), Kind::of(column.type_info().name())))
        .collect();
    let schema = Arc::new(Schema::new(
        kinds
            .iter()
            .map(|(name, kind)| Field::new(name, kind.data_type(), true))
            .collect::<Vec<_>>(),
    ));
    let mut columns: Vec<(Builder, Option<&[u8]>)> = kinds
        .iter()
        .map(|(name, kind)| {
            (
                Builder::new(*kind),
                pseudonymised.contains(&name.as_str()).then_some(key),
            )
        })
        .collect();
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(vec![
            KeyValue::new("hijraah.pseudonym_key".to_owned(), key_id.to_owned()),
            KeyValue::new("hijraah.pseudonymised_columns".to_owned(), pseudonymised.join(",")),
        ]))
        .build();
    let file = std::fs::File::create(path).map_err(|source| ExportError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))?;
    let mut rows = bind(statement.query()).fetch(&mut *connection);
    let mut buffered = 0usize;
    let mut written = 0u64;
    loop {
        let row = rows.try_next().await?;
        if let Some(row) = &row {
            for (index, (builder, secret)) in columns.iter_mut().enumerate() {
                builder.push(row, index, *secret)?;
            }
            buffered += 1;
        }
        let done = row.is_none();
        if buffered == BATCH_ROWS || (done && buffered > 0) {
            let arrays: Vec<ArrayRef> = columns.iter_mut().map(|(builder, _)| builder.finish()).collect();
            writer.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
            written += buffered as u64;
            buffered = 0;
        }
        if done {
            break;
        }
    }
    writer.close()?;
    Ok(written)
}

/// The events' columns, in the order the file has them.
pub const EVENT_COLUMNS: [&str; 12] = [
    "position",
    "recorded_at",
    "event_type",
    "schema_version",
    "category",
    "stream",
    "stream_version",
    "agent",
    "language",
    "user",
    "actor",
    "hash",
];

/// Writes `events.parquet` (and with `read_models` one file per `analytics` view) into `dir`.
pub async fn parquet(pool: &PgPool, dir: &Path, request: &Request) -> Result<Written, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let key = key(pool, request.rotate_key).await?;
    let key_id = key_id(&key);
    let until = match request.until {
        Some(as_of) => Some(crate::asof::resolve(pool, as_of).await?.position),
        None => None,
    };
    let types = (!request.types.is_empty()).then(|| request.types.clone());
    let mut files = Vec::new();
    let path = dir.join("events.parquet");
    let sql = "SELECT position, recorded_at, event_type, schema_version::int8 AS schema_version,
                hijraah_stream_category(stream_id) AS category, stream_id AS stream, stream_version,
                NULLIF(data->>'agent_type', '') AS agent, NULLIF(data->>'language', '') AS language,
                COALESCE(data->>'user_id', metadata->>'subject') AS \"user\", metadata->>'actor' AS actor,
                encode(hash, 'hex') AS hash
         FROM events
         WHERE ($1::timestamptz IS NULL OR recorded_at >= $1)
           AND ($2::int8 IS NULL OR position <= $2)
           AND ($3::text[] IS NULL OR event_type = ANY($3))
         ORDER BY position";
    let from = request.from;
    // A connection of its own: a scan of the whole log is meant to take seconds, so sqlx's
    // slow-statement warning would only be noise in the operator's terminal.
    let options = (*pool.connect_options())
        .clone()
        .log_slow_statements(log::LevelFilter::Off, std::time::Duration::from_secs(3600));
    let mut connection = PgConnection::connect_with(&options).await?;
    let rows = write_query(
        &mut connection,
        sql.to_owned(),
        move |query| query.bind(from).bind(until).bind(types),
        &path,
        &["stream", "user", "actor"],
        &key,
        &key_id,
    )
    .await?;
    files.push((path, rows));
    if request.read_models {
        for view in analytics_views(pool).await? {
            let path = dir.join(format!("{view}.parquet"));
            let select = cast_columns(pool, &view).await?;
            let sql = format!("SELECT {select} FROM analytics.{view}");
            let rows = write_query(&mut connection, sql, |query| query, &path, &[], &key, &key_id).await?;
            files.push((path, rows));
        }
    }
    Ok(Written { files, key_id })
}

/// The `analytics` schema's views, but `events` (the events file has more).
async fn analytics_views(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.views
         WHERE table_schema = 'analytics' AND table_name <> 'events' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
}

/// A select list for `view` with each column cast to one of the kinds the export writes.
async fn cast_columns(pool: &PgPool, view: &str) -> Result<String, sqlx::Error> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = 'analytics' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(view)
    .fetch_all(pool)
    .await?;
    Ok(columns
        .iter()
        .map(|(name, data_type)| {
            let cast = match data_type.as_str() {
                "smallint" | "integer" | "bigint" => "int8",
                "real" | "double precision" | "numeric" => "float8",
                "timestamp with time zone" | "timestamp without time zone" => "timestamptz",
                "date" => "date",
                "boolean" => "bool",
                _ => "text",
            };
            format!("\"{name}\"::{cast} AS \"{name}\"")
        })
        .collect::<Vec<_>>()
        .join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_stable_and_not_the_id() {
        let key = [7u8; 32];
        let alice = pseudonym(&key, "alice");
        assert_eq!(alice, pseudonym(&key, "alice"));
        assert_eq!(alice.len(), 32);
        assert!(!alice.contains("alice"));
        assert_ne!(alice, pseudonym(&key, "bob"));
        assert_ne!(alice, pseudonym(&[8u8; 32], "alice"));
    }
}
