//! Reads of the `community`, `checklists` and `custom_agents` read models: mosques nearest first,
//! upcoming community events, a user's checklist marks, the registered custom agents.

use chrono::{DateTime, Utc};
use hijraah_domain::community::snap;
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Great-circle distance from `($1, $2)` in SQL (haversine, as
/// `hijraah_domain::community::distance_km`), a macro so queries stay static strings.
macro_rules! distance_sql {
    () => {
        "2 * 6371.0088 * asin(least(1, sqrt(power(sin(radians(latitude - $1) / 2), 2) \
         + cos(radians($1)) * cos(radians(latitude)) * power(sin(radians(longitude - $2) / 2), 2))))"
    };
}

fn round_km(km: f64) -> f64 {
    (km * 100.0).round() / 100.0
}

/// Where to search from and how far.
#[derive(Debug, Clone, Copy)]
pub struct Near {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
}

/// A mosque as the read model holds it, with its distance from the place searched from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MosqueView {
    #[serde(flatten)]
    pub mosque: hijraah_domain::community::Mosque,
    /// Kilometres from the place searched from (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

/// A community event as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityEventView {
    #[serde(flatten)]
    pub event: hijraah_domain::community::CommunityEvent,
    /// `scheduled` or `cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// Kilometres from the place searched from (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

fn body<T: serde::de::DeserializeOwned>(row: &sqlx::postgres::PgRow) -> Result<T, sqlx::Error> {
    let value: Value = row.try_get("body")?;
    serde_json::from_value(value).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

fn mosque_view(row: &sqlx::postgres::PgRow) -> Result<MosqueView, sqlx::Error> {
    Ok(MosqueView {
        mosque: body(row)?,
        distance_km: row
            .try_get::<Option<f64>, _>("distance_km")
            .ok()
            .flatten()
            .map(round_km),
    })
}

/// Mosques nearest first (within the radius), or by name without a place.
pub async fn mosques(pool: &PgPool, near: Option<Near>, limit: i64) -> Result<Vec<MosqueView>, sqlx::Error> {
    let rows = match near {
        Some(near) => {
            sqlx::query(concat!(
                "SELECT body, distance_km FROM (SELECT body, ",
                distance_sql!(),
                " AS distance_km FROM mosques) m
                 WHERE distance_km <= $3 ORDER BY distance_km, body->>'name' LIMIT $4"
            ))
            .bind(snap(near.latitude))
            .bind(snap(near.longitude))
            .bind(near.radius_km)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT body, NULL::float8 AS distance_km FROM mosques ORDER BY body->>'name', mosque_id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(mosque_view).collect()
}

pub async fn mosque(pool: &PgPool, mosque_id: Uuid) -> Result<Option<MosqueView>, sqlx::Error> {
    sqlx::query("SELECT body, NULL::float8 AS distance_km FROM mosques WHERE mosque_id = $1")
        .bind(mosque_id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(mosque_view)
        .transpose()
}

fn event_view(row: &sqlx::postgres::PgRow) -> Result<CommunityEventView, sqlx::Error> {
    Ok(CommunityEventView {
        event: body(row)?,
        status: row.try_get("status")?,
        cancel_reason: row.try_get("cancel_reason")?,
        distance_km: row
            .try_get::<Option<f64>, _>("distance_km")
            .ok()
            .flatten()
            .map(round_km),
    })
}

/// Scheduled events not yet over at `now`, soonest first, optionally within a radius.
pub async fn upcoming_events(
    pool: &PgPool,
    now: DateTime<Utc>,
    near: Option<Near>,
    limit: i64,
) -> Result<Vec<CommunityEventView>, sqlx::Error> {
    let rows = match near {
        Some(near) => {
            sqlx::query(concat!(
                "SELECT * FROM (SELECT body, status, cancel_reason, starts_at, ends_at, ",
                distance_sql!(),
                " AS distance_km
                     FROM community_events WHERE status = 'scheduled' AND coalesce(ends_at, starts_at) >= $5) e
                 WHERE distance_km <= $3 ORDER BY starts_at, distance_km LIMIT $4"
            ))
            .bind(snap(near.latitude))
            .bind(snap(near.longitude))
            .bind(near.radius_km)
            .bind(limit)
            .bind(now)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT body, status, cancel_reason, NULL::float8 AS distance_km FROM community_events
                 WHERE status = 'scheduled' AND coalesce(ends_at, starts_at) >= $1
                 ORDER BY starts_at, event_id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(event_view).collect()
}

pub async fn community_event(pool: &PgPool, event_id: Uuid) -> Result<Option<CommunityEventView>, sqlx::Error> {
    sqlx::query(
        "SELECT body, status, cancel_reason, NULL::float8 AS distance_km FROM community_events WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(event_view)
    .transpose()
}

// --- `checklists` and `custom_agents`. ---

/// A checklist item's state, as the user last marked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistMark {
    pub item_id: String,
    pub done: bool,
    pub updated_at: DateTime<Utc>,
}

pub async fn checklist_marks(pool: &PgPool, user_id: &str) -> Result<Vec<ChecklistMark>, sqlx::Error> {
    Ok(
        sqlx::query("SELECT item_id, done, updated_at FROM checklist_items WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| ChecklistMark {
                item_id: row.get("item_id"),
                done: row.get("done"),
                updated_at: row.get("updated_at"),
            })
            .collect(),
    )
}

/// The custom agents registered now; a body that no longer reads is logged and left out.
pub async fn custom_agents(pool: &PgPool) -> Result<Vec<hijraah_domain::events::CustomAgentRegistered>, sqlx::Error> {
    let rows = sqlx::query("SELECT body FROM custom_agents ORDER BY agent_id")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let body: Value = row.get("body");
            serde_json::from_value(body)
                .inspect_err(|error| tracing::error!(%error, "a custom agent registration cannot be read"))
                .ok()
        })
        .collect())
}
