//! `users`: who has used Hijraah, since when, and how much.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hijraah_domain::Event;
use sqlx::PgConnection;

use crate::{ProjectionError, Recorded};

#[derive(Default)]
struct UserDelta {
    first_seen_at: Option<DateTime<Utc>>,
    last_seen_at: Option<DateTime<Utc>>,
    conversations: i64,
    messages: i64,
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    // BTreeMap: rows are written in key order, so concurrent runners lock them in the same order.
    let mut deltas: BTreeMap<&str, UserDelta> = BTreeMap::new();
    for recorded in events {
        let at = recorded.envelope.recorded_at;
        let (user_id, conversations, messages) = match &recorded.event {
            Event::UserRegistered(registered) => (registered.user_id.as_str(), 0, 0),
            Event::ConversationStarted(started) => (started.user_id.as_str(), 1, 0),
            Event::UserRequestReceived(request) => (request.user_id.as_str(), 0, 1),
            _ => continue,
        };
        let delta = deltas.entry(user_id).or_default();
        delta.first_seen_at = Some(delta.first_seen_at.map_or(at, |seen| seen.min(at)));
        delta.last_seen_at = Some(delta.last_seen_at.map_or(at, |seen| seen.max(at)));
        delta.conversations += conversations;
        delta.messages += messages;
    }
    if deltas.is_empty() {
        return Ok(());
    }
    let mut user_ids = Vec::with_capacity(deltas.len());
    let mut first_seen = Vec::with_capacity(deltas.len());
    let mut last_seen = Vec::with_capacity(deltas.len());
    let mut conversation_counts = Vec::with_capacity(deltas.len());
    let mut message_counts = Vec::with_capacity(deltas.len());
    for (user_id, delta) in deltas {
        user_ids.push(user_id);
        first_seen.push(delta.first_seen_at);
        last_seen.push(delta.last_seen_at);
        conversation_counts.push(delta.conversations);
        message_counts.push(delta.messages);
    }
    sqlx::query(
        "INSERT INTO users (user_id, first_seen_at, last_seen_at, conversation_count, message_count)
         SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[], $4::int8[], $5::int8[])
         ON CONFLICT (user_id) DO UPDATE SET
             first_seen_at = LEAST(users.first_seen_at, EXCLUDED.first_seen_at),
             last_seen_at = GREATEST(users.last_seen_at, EXCLUDED.last_seen_at),
             conversation_count = users.conversation_count + EXCLUDED.conversation_count,
             message_count = users.message_count + EXCLUDED.message_count",
    )
    .bind(&user_ids)
    .bind(&first_seen)
    .bind(&last_seen)
    .bind(&conversation_counts)
    .bind(&message_counts)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
