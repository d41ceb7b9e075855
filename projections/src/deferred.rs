//! Secondary indexes set aside while a full rebuild fills their tables, and built once it has.
//!
//! A rebuild inserts every row of a read model again. Kept up to date row by row, an index over a
//! scattered key (a conversation's id is a UUIDv5, a user's id any text) costs more than the row
//! itself; built over the full table, it costs a fraction of that (measured in BENCHMARKS.md).
//! Only indexes that no projection reads while applying are set aside: not primary keys nor
//! unique indexes (upserts and lookups by id need them), nor any index behind a constraint.
//! Erasures delete by user, through these indexes, so a rebuild builds them back before it
//! applies an erasure.
//!
//! Each index is recorded in `deferred_indexes` in the transaction that drops it, and forgotten
//! in the one that builds it: a rebuild stopped half-way leaves its indexes there, and
//! [`restore`] (run by every start) builds them.

use sqlx::{PgConnection, Row};

use crate::ProjectionError;

/// Drops the secondary indexes of `tables` (in the current schema) and records them, inside the
/// caller's transaction. Returns the names of those dropped.
pub async fn defer(connection: &mut PgConnection, tables: &[&str]) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query(
        "INSERT INTO deferred_indexes (schema_name, index_name, table_name, definition)
         SELECT n.nspname, index.relname, t.relname, pg_get_indexdef(i.indexrelid)
         FROM pg_index AS i
         JOIN pg_class AS index ON index.oid = i.indexrelid
         JOIN pg_class AS t ON t.oid = i.indrelid
         JOIN pg_namespace AS n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND t.relname = ANY($1)
           AND NOT i.indisunique AND NOT i.indisprimary AND i.indisvalid
           AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
         ORDER BY t.relname, index.relname
         ON CONFLICT (schema_name, index_name) DO NOTHING
         RETURNING format('DROP INDEX %I.%I', schema_name, index_name) AS drop, index_name",
    )
    .bind(tables)
    .fetch_all(&mut *connection)
    .await?;
    let mut dropped = Vec::with_capacity(rows.len());
    for row in rows {
        let statement: String = row.get("drop");
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *connection)
            .await?;
        dropped.push(row.get("index_name"));
    }
    Ok(dropped)
}

/// Builds the deferred indexes of `tables` (of every table when `None`) in the current schema,
/// each in a transaction of its own that also forgets it, and returns how many this call built.
/// Safe to run from several processes at once: the first to take an index's row builds it, the
/// others find the row gone.
pub async fn restore(connection: &mut PgConnection, tables: Option<&[&str]>) -> Result<usize, ProjectionError> {
    use sqlx::Connection;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT index_name FROM deferred_indexes
         WHERE schema_name = current_schema() AND ($1::text[] IS NULL OR table_name = ANY($1))
         ORDER BY table_name, index_name",
    )
    .bind(tables)
    .fetch_all(&mut *connection)
    .await?;
    let mut built = 0;
    for name in names {
        let mut transaction = connection.begin().await?;
        let definition: Option<String> = sqlx::query_scalar(
            "DELETE FROM deferred_indexes WHERE schema_name = current_schema() AND index_name = $1
             RETURNING definition",
        )
        .bind(&name)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(definition) = definition else {
            continue;
        };
        // A large table's index may take longer than requests are allowed.
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *transaction)
            .await?;
        // `pg_get_indexdef` wrote it; an index of that name built meanwhile is kept.
        let statement = match definition.strip_prefix("CREATE INDEX ") {
            Some(rest) => format!("CREATE INDEX IF NOT EXISTS {rest}"),
            None => definition,
        };
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        built += 1;
    }
    Ok(built)
}
