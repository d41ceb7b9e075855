//! `GET /api/v1/events/stats` on a log of one million events: the counts an analyst asks for,
//! read from the per-minute and per-hour counts kept as events are appended (migrations/0015, 0019).
//!
//! `cargo bench --bench event_stats` (DATABASE_URL: the machine's PostgreSQL). The log is
//! written once, by one SQL `INSERT` whose rows the chain's trigger links and counts one by one
//! (as it does any row inserted without the append function), into
//! the database `hijraah_bench_event_stats`, and kept for the next run and for
//! `DATABASE_URL=…/hijraah_bench_event_stats hijraah events verify`.

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use hijraah::stats::{StatsQuery, stats};
use sqlx::PgPool;

const EVENTS: i64 = 1_000_000;
const DATABASE: &str = "hijraah_bench_event_stats";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A month of chats: each conversation a request (a third of them in Arabic), its routing, one
/// agent's reply and, for every fifth, feedback; a user registered per 40 events and a knowledge
/// document per 100. Times spread evenly over November 2026.
async fn log(pool: &PgPool) {
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .expect("count");
    if present >= EVENTS {
        return;
    }
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, data, recorded_at)
         SELECT gen_random_uuid(),
                CASE WHEN g % 100 = 0 THEN 'knowledge-doc' || g
                     WHEN g % 40 = 0 THEN 'user-u' || g
                     ELSE 'conversation-' || (g / 4) END,
                CASE WHEN g % 100 = 0 OR g % 40 = 0 THEN 1 ELSE g % 4 + 1 END,
                CASE WHEN g % 100 = 0 THEN 'KnowledgeDocumentAdded'
                     WHEN g % 40 = 0 THEN 'UserRegistered'
                     WHEN g % 4 = 0 THEN 'UserRequestReceived'
                     WHEN g % 4 = 1 THEN 'RequestRouted'
                     WHEN g % 4 = 2 THEN 'AgentReplied'
                     WHEN g % 20 = 3 THEN 'FeedbackGiven'
                     ELSE 'AgentReplied' END,
                1,
                CASE WHEN g % 4 = 0 THEN jsonb_build_object('content', 'hijraah:sealed:v2:…', 'language',
                                                              CASE WHEN g % 3 = 0 THEN 'ar' ELSE 'en' END)
                     WHEN g % 4 IN (2, 3) THEN jsonb_build_object('content', 'hijraah:sealed:v2:…', 'agent_type',
                          (ARRAY['knowledge', 'community', 'financial', 'migration', 'user_interface', 'analytics'])[g % 6 + 1])
                     ELSE '{}'::jsonb END,
                timestamptz '2026-11-01 00:00:00+00' + (g * interval '30 days' / $1)
         FROM generate_series(1, $1) g
         ON CONFLICT DO NOTHING",
    )
    .bind(EVENTS)
    .execute(pool)
    .await
    .expect("write the log");
    eprintln!("wrote {EVENTS} events in {:.1}s", started.elapsed().as_secs_f64());
}

fn queries(c: &mut Criterion) {
    let rt = runtime();
    let pool = rt.block_on(async {
        let url = common::empty_database_if_missing(DATABASE).await;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .expect("connect");
        hijraah::database::MIGRATOR.run(&pool).await.expect("migrate");
        log(&pool).await;
        sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
        pool
    });
    let cases: [(&str, StatsQuery); 6] = [
        ("total", StatsQuery::default()),
        (
            "by_agent_replies_whole_month",
            parse(Some("agent"), None, None, Some("AgentReplied"), None),
        ),
        ("by_type_whole_month", parse(Some("type"), None, None, None, None)),
        (
            "by_day_replies_in_a_ragged_week",
            parse(
                Some("day"),
                Some("2026-11-03T10:17:00Z"),
                Some("2026-11-10T16:42:00Z"),
                Some("AgentReplied"),
                None,
            ),
        ),
        (
            "by_hour_requests_whole_month",
            parse(Some("hour"), None, None, Some("UserRequestReceived"), None),
        ),
        (
            "arabic_requests_in_45_minutes",
            parse(
                None,
                Some("2026-11-20T08:10:00Z"),
                Some("2026-11-20T08:55:00Z"),
                None,
                Some("ar"),
            ),
        ),
    ];
    let mut group = c.benchmark_group("events_stats_1m");
    group.sample_size(30).measurement_time(Duration::from_secs(5));
    for (name, query) in &cases {
        let answer = rt.block_on(stats(&pool, query)).expect("stats");
        eprintln!("{name}: {} groups, total {}", answer.groups.len(), answer.total);
        group.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { stats(&pool, query).await.expect("stats") });
        });
    }
    group.finish();
}

fn parse(
    group_by: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    types: Option<&str>,
    languages: Option<&str>,
) -> StatsQuery {
    StatsQuery::parse(group_by, from, to, types, None, None, languages).expect("query")
}

criterion_group!(benches, queries);
criterion_main!(benches);
