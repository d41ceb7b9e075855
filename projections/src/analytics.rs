//! `analytics_*`: usage counts by agent type and latency histograms. Aggregates only: no user id
//! and no message text ever reach these tables.

use std::collections::BTreeMap;

use hijraah_domain::Event;
use hijraah_domain::events::RouterUsed;
use sqlx::PgConnection;

use crate::{ProjectionError, Recorded};

/// Inclusive upper bounds of the latency histogram's buckets, in milliseconds.
pub const LATENCY_BUCKETS_MS: [i64; 16] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    30_000,
    60_000,
    i64::MAX,
];

pub fn latency_bucket(latency_ms: u64) -> i64 {
    let latency = i64::try_from(latency_ms).unwrap_or(i64::MAX);
    LATENCY_BUCKETS_MS
        .into_iter()
        .find(|upper| latency <= *upper)
        .unwrap_or(i64::MAX)
}

/// Confidence in millionths: integers add up the same whatever the batch boundaries.
fn confidence_micros(confidence: f64) -> i64 {
    (confidence.clamp(0.0, 1.0) * 1_000_000.0).round() as i64
}

#[derive(Default)]
struct AgentTypeDelta {
    requests: i64,
    replies: i64,
    failures: i64,
    confidence_micros: i64,
    helpful: i64,
    unhelpful: i64,
}

pub(crate) async fn apply(connection: &mut PgConnection, events: &[Recorded<'_>]) -> Result<(), ProjectionError> {
    let mut totals: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut by_type: BTreeMap<String, AgentTypeDelta> = BTreeMap::new();
    let mut latency: BTreeMap<(String, i64), i64> = BTreeMap::new();
    // (agent type, confidence decile) → (helpful, unhelpful) deltas.
    let mut calibration: BTreeMap<(String, i32), (i64, i64)> = BTreeMap::new();
    let mut routers: BTreeMap<String, i64> = BTreeMap::new();
    let mut daily: BTreeMap<(chrono::NaiveDate, String), i64> = BTreeMap::new();
    // (shadow model name, version) → (compared, agreed) deltas.
    let mut shadows: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for recorded in events {
        match &recorded.event {
            Event::UserRegistered(_) => *totals.entry("users").or_default() += 1,
            Event::ConversationStarted(_) => *totals.entry("conversations").or_default() += 1,
            Event::ConversationEnded(_) => *totals.entry("conversations_ended").or_default() += 1,
            Event::UserRequestReceived(_) => {
                *totals.entry("messages").or_default() += 1;
                *totals.entry("requests").or_default() += 1;
            }
            Event::RequestRouted(routed) => {
                let router = match &routed.router {
                    RouterUsed::Rules => "rules".to_owned(),
                    RouterUsed::Model(model) => format!("{}@{}", model.name, model.version),
                };
                *routers.entry(router).or_default() += 1;
                if let Some(shadow) = &routed.shadow {
                    let entry = shadows
                        .entry((shadow.name.clone(), shadow.version.clone()))
                        .or_default();
                    entry.0 += 1;
                    entry.1 += i64::from(shadow.agrees);
                }
                for selected in &routed.selected {
                    let agent_type = routed
                        .scores
                        .iter()
                        .find(|score| &score.agent_id == selected)
                        .map_or("unknown", |score| score.agent_type.as_str());
                    by_type.entry(agent_type.to_owned()).or_default().requests += 1;
                    *daily
                        .entry((recorded.envelope.recorded_at.date_naive(), agent_type.to_owned()))
                        .or_default() += 1;
                }
            }
            Event::AgentReplied(reply) => {
                *totals.entry("messages").or_default() += 1;
                let delta = by_type.entry(reply.agent_type.clone()).or_default();
                delta.replies += 1;
                delta.confidence_micros += confidence_micros(reply.confidence);
                *latency
                    .entry((reply.agent_type.clone(), latency_bucket(reply.latency_ms)))
                    .or_default() += 1;
            }
            Event::AgentFailed(failure) => by_type.entry(failure.agent_type.clone()).or_default().failures += 1,
            Event::FeedbackGiven(given) => {
                let delta = by_type.entry(given.agent_type.clone()).or_default();
                match given.previous_helpful {
                    Some(true) => delta.helpful -= 1,
                    Some(false) => delta.unhelpful -= 1,
                    None => {}
                }
                if given.helpful {
                    delta.helpful += 1;
                } else {
                    delta.unhelpful += 1;
                }
                if let Some(confidence) = given.confidence {
                    let decile = ((confidence.clamp(0.0, 1.0) * 10.0).floor() as i32).min(9);
                    let bucket = calibration.entry((given.agent_type.clone(), decile)).or_default();
                    match given.previous_helpful {
                        Some(true) => bucket.0 -= 1,
                        Some(false) => bucket.1 -= 1,
                        None => {}
                    }
                    if given.helpful {
                        bucket.0 += 1;
                    } else {
                        bucket.1 += 1;
                    }
                }
            }
            Event::MosquePublished(_) => *totals.entry("mosques_published").or_default() += 1,
            Event::CommunityEventPublished(_) => *totals.entry("community_events_published").or_default() += 1,
            Event::ChecklistItemMarked(marked) if marked.done => {
                *totals.entry("checklist_items_done").or_default() += 1;
            }
            _ => {}
        }
    }
    if !totals.is_empty() {
        let metrics: Vec<&str> = totals.keys().copied().collect();
        let values: Vec<i64> = totals.values().copied().collect();
        sqlx::query(
            "INSERT INTO analytics_totals (metric, value) SELECT * FROM UNNEST($1::text[], $2::int8[])
             ON CONFLICT (metric) DO UPDATE SET value = analytics_totals.value + EXCLUDED.value",
        )
        .bind(&metrics)
        .bind(&values)
        .execute(&mut *connection)
        .await?;
    }
    if !by_type.is_empty() {
        let agent_types: Vec<&str> = by_type.keys().map(String::as_str).collect();
        let requests: Vec<i64> = by_type.values().map(|delta| delta.requests).collect();
        let replies: Vec<i64> = by_type.values().map(|delta| delta.replies).collect();
        let failures: Vec<i64> = by_type.values().map(|delta| delta.failures).collect();
        let confidence: Vec<i64> = by_type.values().map(|delta| delta.confidence_micros).collect();
        let helpful: Vec<i64> = by_type.values().map(|delta| delta.helpful).collect();
        let unhelpful: Vec<i64> = by_type.values().map(|delta| delta.unhelpful).collect();
        sqlx::query(
            "INSERT INTO analytics_agent_types (agent_type, requests, replies, failures, confidence_micros_sum, helpful,
                                               unhelpful)
             SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[])
             ON CONFLICT (agent_type) DO UPDATE SET
                 requests = analytics_agent_types.requests + EXCLUDED.requests,
                 replies = analytics_agent_types.replies + EXCLUDED.replies,
                 failures = analytics_agent_types.failures + EXCLUDED.failures,
                 confidence_micros_sum = analytics_agent_types.confidence_micros_sum + EXCLUDED.confidence_micros_sum,
                 helpful = analytics_agent_types.helpful + EXCLUDED.helpful,
                 unhelpful = analytics_agent_types.unhelpful + EXCLUDED.unhelpful",
        )
        .bind(&agent_types)
        .bind(&requests)
        .bind(&replies)
        .bind(&failures)
        .bind(&confidence)
        .bind(&helpful)
        .bind(&unhelpful)
        .execute(&mut *connection)
        .await?;
    }
    if !calibration.is_empty() {
        let agent_types: Vec<&str> = calibration.keys().map(|(agent_type, _)| agent_type.as_str()).collect();
        let deciles: Vec<i32> = calibration.keys().map(|(_, decile)| *decile).collect();
        let helpful: Vec<i64> = calibration.values().map(|(helpful, _)| *helpful).collect();
        let unhelpful: Vec<i64> = calibration.values().map(|(_, unhelpful)| *unhelpful).collect();
        sqlx::query(
            "INSERT INTO analytics_calibration (agent_type, decile, helpful, unhelpful)
             SELECT * FROM UNNEST($1::text[], $2::int4[], $3::int8[], $4::int8[])
             ON CONFLICT (agent_type, decile) DO UPDATE SET
                 helpful = analytics_calibration.helpful + EXCLUDED.helpful,
                 unhelpful = analytics_calibration.unhelpful + EXCLUDED.unhelpful",
        )
        .bind(&agent_types)
        .bind(&deciles)
        .bind(&helpful)
        .bind(&unhelpful)
        .execute(&mut *connection)
        .await?;
    }
    if !daily.is_empty() {
        let days: Vec<chrono::NaiveDate> = daily.keys().map(|(day, _)| *day).collect();
        let agent_types: Vec<&str> = daily.keys().map(|(_, agent_type)| agent_type.as_str()).collect();
        let counts: Vec<i64> = daily.values().copied().collect();
        sqlx::query(
            "INSERT INTO analytics_daily (day, agent_type, requests)
             SELECT * FROM UNNEST($1::date[], $2::text[], $3::int8[])
             ON CONFLICT (day, agent_type) DO UPDATE SET requests = analytics_daily.requests + EXCLUDED.requests",
        )
        .bind(&days)
        .bind(&agent_types)
        .bind(&counts)
        .execute(&mut *connection)
        .await?;
    }
    if !routers.is_empty() {
        let names: Vec<&str> = routers.keys().map(String::as_str).collect();
        let counts: Vec<i64> = routers.values().copied().collect();
        sqlx::query(
            "INSERT INTO analytics_routers (router, decisions) SELECT * FROM UNNEST($1::text[], $2::int8[])
             ON CONFLICT (router) DO UPDATE SET decisions = analytics_routers.decisions + EXCLUDED.decisions",
        )
        .bind(&names)
        .bind(&counts)
        .execute(&mut *connection)
        .await?;
    }
    if !shadows.is_empty() {
        let names: Vec<&str> = shadows.keys().map(|(name, _)| name.as_str()).collect();
        let versions: Vec<&str> = shadows.keys().map(|(_, version)| version.as_str()).collect();
        let compared: Vec<i64> = shadows.values().map(|(compared, _)| *compared).collect();
        let agreed: Vec<i64> = shadows.values().map(|(_, agreed)| *agreed).collect();
        sqlx::query(
            "INSERT INTO analytics_shadow (name, version, compared, agreed)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[])
             ON CONFLICT (name, version) DO UPDATE SET
                 compared = analytics_shadow.compared + EXCLUDED.compared,
                 agreed = analytics_shadow.agreed + EXCLUDED.agreed",
        )
        .bind(&names)
        .bind(&versions)
        .bind(&compared)
        .bind(&agreed)
        .execute(&mut *connection)
        .await?;
    }
    if !latency.is_empty() {
        let agent_types: Vec<&str> = latency.keys().map(|(agent_type, _)| agent_type.as_str()).collect();
        let uppers: Vec<i64> = latency.keys().map(|(_, upper)| *upper).collect();
        let counts: Vec<i64> = latency.values().copied().collect();
        sqlx::query(
            "INSERT INTO analytics_agent_latency (agent_type, upper_ms, count)
             SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[])
             ON CONFLICT (agent_type, upper_ms) DO UPDATE SET count = analytics_agent_latency.count + EXCLUDED.count",
        )
        .bind(&agent_types)
        .bind(&uppers)
        .bind(&counts)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_into_the_first_bucket_that_holds_them() {
        assert_eq!(latency_bucket(0), 1);
        assert_eq!(latency_bucket(1), 1);
        assert_eq!(latency_bucket(3), 5);
        assert_eq!(latency_bucket(1_000), 1_000);
        assert_eq!(latency_bucket(1_001), 2_000);
        assert_eq!(latency_bucket(u64::MAX), i64::MAX);
    }

    #[test]
    fn confidence_is_counted_in_millionths_and_clamped() {
        assert_eq!(confidence_micros(0.93), 930_000);
        assert_eq!(confidence_micros(1.5), 1_000_000);
        assert_eq!(confidence_micros(-1.0), 0);
    }
}
