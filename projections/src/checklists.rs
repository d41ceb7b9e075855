//! `checklists`: each user's settling-in checklist, with its marks.

use hijraah_domain::Event;
use sqlx::PgConnection;

use crate::{ProjectionError, Recorded};

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    for recorded in events {
        if let Event::ChecklistSeeded(seeded) = &recorded.event {
            sqlx::query(
                "INSERT INTO checklist_destinations (user_id, country, seeded_at) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET country = EXCLUDED.country, seeded_at = EXCLUDED.seeded_at",
            )
            .bind(&seeded.user_id)
            .bind(&seeded.country)
            .bind(recorded.envelope.recorded_at)
            .execute(&mut *connection)
            .await?;
        }
        if let Event::ChecklistItemMarked(marked) = &recorded.event {
            sqlx::query(
                "INSERT INTO checklist_items (user_id, item_id, done, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, item_id) DO UPDATE SET done = EXCLUDED.done, updated_at = EXCLUDED.updated_at",
            )
            .bind(&marked.user_id)
            .bind(&marked.item_id)
            .bind(marked.done)
            .bind(recorded.envelope.recorded_at)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}
