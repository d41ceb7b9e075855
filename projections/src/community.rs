//! `community`: mosques and community events as curators published them. A low-volume model,
//! applied event by event.

use hijraah_domain::Event;
use sqlx::PgConnection;

use crate::{ProjectionError, Recorded, json};

pub(crate) async fn apply_community(
    connection: &mut PgConnection,
    events: &[Recorded<'_>],
) -> Result<(), ProjectionError> {
    for recorded in events {
        let at = recorded.envelope.recorded_at;
        match &recorded.event {
            Event::MosquePublished(hijraah_domain::events::MosquePublished { mosque })
            | Event::MosqueUpdated(hijraah_domain::events::MosqueUpdated { mosque }) => {
                sqlx::query(
                    "INSERT INTO mosques (mosque_id, body, latitude, longitude, published_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5)
                     ON CONFLICT (mosque_id) DO UPDATE SET body = EXCLUDED.body, latitude = EXCLUDED.latitude,
                         longitude = EXCLUDED.longitude, updated_at = EXCLUDED.updated_at",
                )
                .bind(mosque.mosque_id)
                .bind(json(mosque))
                .bind(mosque.latitude)
                .bind(mosque.longitude)
                .bind(at)
                .execute(&mut *connection)
                .await?;
            }
            Event::MosqueRemoved(removed) => {
                sqlx::query("DELETE FROM mosques WHERE mosque_id = $1")
                    .bind(removed.mosque_id)
                    .execute(&mut *connection)
                    .await?;
            }
            Event::CommunityEventPublished(hijraah_domain::events::CommunityEventPublished { event })
            | Event::CommunityEventUpdated(hijraah_domain::events::CommunityEventUpdated { event }) => {
                sqlx::query(
                    "INSERT INTO community_events
                         (event_id, body, starts_at, ends_at, latitude, longitude, status, published_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $7)
                     ON CONFLICT (event_id) DO UPDATE SET body = EXCLUDED.body, starts_at = EXCLUDED.starts_at,
                         ends_at = EXCLUDED.ends_at, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                         updated_at = EXCLUDED.updated_at",
                )
                .bind(event.event_id)
                .bind(json(event))
                .bind(event.starts_at)
                .bind(event.ends_at)
                .bind(event.latitude)
                .bind(event.longitude)
                .bind(at)
                .execute(&mut *connection)
                .await?;
            }
            Event::CommunityEventCancelled(cancelled) => {
                sqlx::query(
                    "UPDATE community_events SET status = 'cancelled', cancel_reason = $2, updated_at = $3
                     WHERE event_id = $1",
                )
                .bind(cancelled.event_id)
                .bind(&cancelled.reason)
                .bind(at)
                .execute(&mut *connection)
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
