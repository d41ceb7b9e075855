//! `custom_agents`: the external agents admins registered, as the registry loads them.

use hijraah_domain::Event;
use sqlx::PgConnection;

use crate::{ProjectionError, Recorded, json};

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    for recorded in events {
        match &recorded.event {
            Event::CustomAgentRegistered(registered) => {
                sqlx::query(
                    "INSERT INTO custom_agents (agent_id, body, registered_at) VALUES ($1, $2, $3)
                     ON CONFLICT (agent_id) DO UPDATE SET body = EXCLUDED.body, registered_at = EXCLUDED.registered_at",
                )
                .bind(&registered.agent_id)
                .bind(json(registered))
                .bind(recorded.envelope.recorded_at)
                .execute(&mut *connection)
                .await?;
            }
            Event::CustomAgentRemoved(removed) => {
                sqlx::query("DELETE FROM custom_agents WHERE agent_id = $1")
                    .bind(&removed.agent_id)
                    .execute(&mut *connection)
                    .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
