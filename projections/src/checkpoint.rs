//! Projection checkpoints, read and written inside the projection's own transaction.

use sqlx::{PgConnection, Row};

use hijraah_domain::Checkpoint;

use crate::Projection;

/// Locks and returns the projection's checkpoint, creating it at the start of the log.
pub async fn lock(connection: &mut PgConnection, projection: Projection) -> Result<Checkpoint, sqlx::Error> {
    sqlx::query("INSERT INTO projection_checkpoints (projection) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(projection.name())
        .execute(&mut *connection)
        .await?;
    let row = sqlx::query(
        "SELECT tx_id::text::int8 AS tx_id, position FROM projection_checkpoints WHERE projection = $1 FOR UPDATE",
    )
    .bind(projection.name())
    .fetch_one(&mut *connection)
    .await?;
    Ok(Checkpoint {
        tx_id: row.get("tx_id"),
        position: row.get("position"),
    })
}

/// Reads the projection's checkpoint without locking it.
pub async fn read(connection: &mut PgConnection, projection: Projection) -> Result<Checkpoint, sqlx::Error> {
    let row =
        sqlx::query("SELECT tx_id::text::int8 AS tx_id, position FROM projection_checkpoints WHERE projection = $1")
            .bind(projection.name())
            .fetch_optional(&mut *connection)
            .await?;
    Ok(row.map_or(Checkpoint::START, |row| Checkpoint {
        tx_id: row.get("tx_id"),
        position: row.get("position"),
    }))
}

pub async fn save(connection: &mut PgConnection, projection: Projection, at: Checkpoint) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (projection, tx_id, position) VALUES ($1, $2::int8::text::xid8, $3)
         ON CONFLICT (projection) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now()",
    )
    .bind(projection.name())
    .bind(at.tx_id)
    .bind(at.position)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub async fn reset(connection: &mut PgConnection, projection: Projection) -> Result<(), sqlx::Error> {
    lock(connection, projection).await?;
    save(connection, projection, Checkpoint::START).await
}

/// The checkpoints of several projections, in the order given, in one query.
pub async fn read_many(
    connection: &mut PgConnection,
    projections: &[Projection],
) -> Result<Vec<Checkpoint>, sqlx::Error> {
    let names: Vec<&str> = projections.iter().map(|projection| projection.name()).collect();
    let rows = sqlx::query(
        "SELECT projection, tx_id::text::int8 AS tx_id, position FROM projection_checkpoints WHERE projection = ANY($1)",
    )
    .bind(&names)
    .fetch_all(&mut *connection)
    .await?;
    Ok(names
        .iter()
        .map(|name| {
            rows.iter()
                .find(|row| row.get::<&str, _>("projection") == *name)
                .map_or(Checkpoint::START, |row| Checkpoint {
                    tx_id: row.get("tx_id"),
                    position: row.get("position"),
                })
        })
        .collect())
}

/// Moves several projections' checkpoints to `at`, in one statement.
pub async fn save_many(
    connection: &mut PgConnection,
    projections: &[Projection],
    at: Checkpoint,
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = projections.iter().map(|projection| projection.name()).collect();
    sqlx::query(
        "INSERT INTO projection_checkpoints (projection, tx_id, position)
         SELECT name, $2::int8::text::xid8, $3 FROM unnest($1::text[]) AS name
         ON CONFLICT (projection) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now()",
    )
    .bind(&names)
    .bind(at.tx_id)
    .bind(at.position)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
