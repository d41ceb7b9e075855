//! Read-only PostgreSQL roles for analysts and BI tools (`hijraah analysts grant NAME`): a role
//! that can log in and read the `analytics` schema (migrations/0015) and nothing else. The schema's
//! views hold counts and read models without user ids or contents; they read the tables beneath
//! with their owner's rights, so the role is granted nothing on those tables.

use sqlx::{AssertSqlSafe, PgPool, Row};

/// What marks a role as one this command created, so `grant` and `revoke` never touch another.
const MARK: &str = "hijraah analyst";

#[derive(Debug, thiserror::Error)]
pub enum AnalystError {
    #[error(
        "{0:?} is not a role name for an analyst: use 1 to 63 lowercase letters, digits and _, starting with a letter, not pg_…"
    )]
    BadName(String),
    #[error("the role {0:?} exists and was not created by `hijraah analysts grant`; choose another name")]
    NotOurs(String),
    #[error("no analyst role {0:?}")]
    Unknown(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A name we put into SQL unquoted (a role, a schema): 1 to 63 lowercase letters, digits and _,
/// starting with a letter, and not PostgreSQL's own `pg_…`.
pub(crate) fn plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with("pg_")
}

fn check_name(name: &str) -> Result<(), AnalystError> {
    if plain_identifier(name) && name != "postgres" {
        Ok(())
    } else {
        Err(AnalystError::BadName(name.to_owned()))
    }
}

/// Whether the role exists, and if so whether it is ours.
async fn existing(pool: &PgPool, name: &str) -> Result<Option<bool>, AnalystError> {
    let row = sqlx::query("SELECT shobj_description(r.oid, 'pg_authid') AS note FROM pg_roles r WHERE r.rolname = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| {
        row.try_get::<Option<String>, _>("note")
            .ok()
            .flatten()
            .is_some_and(|note| note.starts_with(MARK))
    }))
}

/// Creates the role (or, if this command created it before, grants it again) with a new random
/// password, which it returns. Views added by later migrations are granted to it as they come.
pub async fn grant(pool: &PgPool, name: &str) -> Result<String, AnalystError> {
    check_name(name)?;
    // Two v4 UUIDs carry 244 random bits from the operating system; hex needs no quoting.
    let password = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pool).await?;
    let database = database.replace('"', "\"\"");
    let mut transaction = pool.begin().await?;
    match existing(pool, name).await? {
        Some(false) => return Err(AnalystError::NotOurs(name.to_owned())),
        Some(true) => {
            sqlx::query(AssertSqlSafe(format!(
                "ALTER ROLE \"{name}\" LOGIN PASSWORD '{password}'"
            )))
            .execute(&mut *transaction)
            .await?;
        }
        None => {
            sqlx::query(AssertSqlSafe(format!(
                "CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE \
                 NOINHERIT NOREPLICATION NOBYPASSRLS"
            )))
            .execute(&mut *transaction)
            .await?;
        }
    }
    for statement in [
        format!(
            "COMMENT ON ROLE \"{name}\" IS '{MARK}: reads the analytics schema only (hijraah analysts revoke {name})'"
        ),
        format!("ALTER ROLE \"{name}\" SET default_transaction_read_only = on"),
        format!("GRANT CONNECT ON DATABASE \"{database}\" TO \"{name}\""),
        format!("GRANT USAGE ON SCHEMA analytics TO \"{name}\""),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO \"{name}\""),
        format!("ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO \"{name}\""),
    ] {
        sqlx::query(AssertSqlSafe(statement)).execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(password)
}

/// Drops a role `grant` created, with every right it was given in this database.
pub async fn revoke(pool: &PgPool, name: &str) -> Result<(), AnalystError> {
    check_name(name)?;
    match existing(pool, name).await? {
        None => return Err(AnalystError::Unknown(name.to_owned())),
        Some(false) => return Err(AnalystError::NotOurs(name.to_owned())),
        Some(true) => {}
    }
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pool).await?;
    let database = database.replace('"', "\"\"");
    let mut transaction = pool.begin().await?;
    for statement in [
        format!("REVOKE CONNECT ON DATABASE \"{database}\" FROM \"{name}\""),
        format!("DROP OWNED BY \"{name}\""),
        format!("DROP ROLE \"{name}\""),
    ] {
        sqlx::query(AssertSqlSafe(statement)).execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// The analyst roles `grant` created, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<String>, AnalystError> {
    let names = sqlx::query_scalar(
        "SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE $1 ORDER BY rolname",
    )
    .bind(format!("{MARK}%"))
    .fetch_all(pool)
    .await?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_role_names_are_taken() {
        for good in ["metabase", "bi_reader", "a1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Metabase",
            "1abc",
            "pg_reader",
            "postgres",
            "a-b",
            "x\"; DROP TABLE events; --",
            &"a".repeat(64),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
