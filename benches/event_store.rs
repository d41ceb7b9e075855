//! Event store and projection throughput on the machine's PostgreSQL (`DATABASE_URL`).
//!
//! `cargo bench --bench event_store`

mod common;

// As in the binary (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hijraah::projector;
use hijraah::store::{EventStore, ExpectedVersion};
use hijraah_domain::{EventMetadata, NewEvent};
use hijraah_projections::Projection;
use serde_json::json;
use uuid::Uuid;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn batch(size: usize) -> Vec<NewEvent> {
    (0..size)
        .map(|n| NewEvent {
            event_id: Uuid::now_v7(),
            event_type: "BenchmarkRecorded".to_owned(),
            schema_version: 1,
            data: json!({"n": n, "text": "a realistic small payload of a few dozen bytes"}),
            metadata: EventMetadata::default(),
        })
        .collect()
}

fn appends(c: &mut Criterion) {
    let rt = runtime();
    let store = rt.block_on(async { EventStore::new(common::fresh_database("hijraah_bench_append", 16).await.0) });

    let mut group = c.benchmark_group("append");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(100));
    group.bench_function("one_writer_batches_of_100", |b| {
        b.to_async(&rt).iter_batched(
            || batch(100),
            |events| {
                let store = store.clone();
                async move {
                    let stream = format!("bench-{}", Uuid::now_v7());
                    store
                        .append(&stream, ExpectedVersion::NoStream, &events)
                        .await
                        .expect("append");
                }
            },
            criterion::BatchSize::SmallInput,
        );
    });

    // 8 writers, each appending chat-sized batches (1–4 events) to its own conversation stream.
    const WRITERS: usize = 8;
    const CHATS_PER_WRITER: usize = 25;
    let events_per_round: usize = (0..WRITERS * CHATS_PER_WRITER).map(|n| n % 4 + 1).sum();
    group.throughput(Throughput::Elements(events_per_round as u64));
    group.bench_function("8_concurrent_writers_chat_sized", |b| {
        b.to_async(&rt).iter_custom(|iterations| {
            let store = store.clone();
            async move {
                let started = Instant::now();
                for _ in 0..iterations {
                    let writers: Vec<_> = (0..WRITERS)
                        .map(|writer| {
                            let store = store.clone();
                            tokio::spawn(async move {
                                let stream = format!("chat-{}", Uuid::now_v7());
                                let mut version = 0;
                                for chat in 0..CHATS_PER_WRITER {
                                    let events = batch((writer * CHATS_PER_WRITER + chat) % 4 + 1);
                                    let result = store
                                        .append(&stream, ExpectedVersion::Exact(version), &events)
                                        .await
                                        .expect("append");
                                    version = result.stream_version;
                                }
                            })
                        })
                        .collect();
                    for writer in writers {
                        writer.await.expect("writer");
                    }
                }
                started.elapsed()
            }
        });
    });
    group.finish();
    rt.block_on(common::drop_database("hijraah_bench_append"));
}

/// CPU ticks (user + system) of a process, from `/proc/<pid>/stat`.
fn ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let Some((_, after)) = stat.rsplit_once(") ") else {
        return 0;
    };
    let fields: Vec<u64> = after.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
    fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)
}

fn postgres_ticks() -> u64 {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.starts_with("postgres"))
                })
                .map(|pid| ticks(&pid))
                .sum()
        })
        .unwrap_or(0)
}

/// A log of realistic chats, sealed as the chat seals them: `conversations` conversations of
/// two chats each, by 300 users, written by 8 concurrent writers.
async fn chat_log(pool: &sqlx::PgPool, vault: &hijraah::privacy::Vault, conversations: usize) -> usize {
    let store = EventStore::new(pool.clone());
    let mut writers = Vec::new();
    for writer in 0..8 {
        let (store, vault) = (store.clone(), vault.clone());
        writers.push(tokio::spawn(async move {
            let mut written = 0;
            for n in (writer..conversations).step_by(8) {
                let conversation_id = Uuid::now_v7();
                let stream = format!("conversation-{conversation_id}");
                let user = format!("user-{}", n % 300);
                let key = vault.key_for_writing(&user).await.expect("data key");
                let mut all = Vec::new();
                for chat in 0..2 {
                    all.extend(common::chat_events(conversation_id, &user, chat == 0));
                }
                for event in &mut all {
                    hijraah::privacy::seal_event(event, &key, &user);
                }
                written += all.len();
                store
                    .append(&stream, ExpectedVersion::NoStream, &all)
                    .await
                    .expect("append");
            }
            written
        }));
    }
    let mut total = 0;
    for writer in writers {
        total += writer.await.expect("writer");
    }
    total
}

/// One replay measured whole, and in the same run a plain `COPY` of the same log rows out of
/// `events` and into a table of the same shape: the floor for moving that data through
/// PostgreSQL once. Prints both rates, their ratio, and the CPU each side used.
async fn replay_against_copy(pool: &sqlx::PgPool, vault: &hijraah::privacy::Vault, events: usize) {
    use futures_util::TryStreamExt;
    use sqlx::Connection;
    let own = std::process::id().to_string();
    let statements = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(pool)
        .await
        .and(sqlx::query("SELECT pg_stat_statements_reset()").execute(pool).await)
        .is_ok();
    let (ours, theirs) = (ticks(&own), postgres_ticks());
    let started = Instant::now();
    projector::rebuild_all(pool, vault, &Projection::ALL)
        .await
        .expect("rebuild");
    let replay = started.elapsed();
    let (ours, theirs) = (ticks(&own) - ours, postgres_ticks() - theirs);
    if statements {
        let top: Vec<(i64, f64, String)> = sqlx::query_as(
            "SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 100)
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY total_exec_time DESC LIMIT 12",
        )
        .fetch_all(pool)
        .await
        .unwrap_or_default();
        println!("the replay's statements (calls, ms):");
        for (calls, ms, query) in top {
            println!("{calls:>6} {ms:>9.1}  {query}");
        }
    }

    let url = format!(
        "{}/hijraah_bench_replay",
        common::admin_url().rsplit_once('/').expect("url").0
    );
    let mut out = sqlx::PgConnection::connect(&url).await.expect("connect");
    let mut into = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query("DROP TABLE IF EXISTS copied_events")
        .execute(&mut into)
        .await
        .expect("drop");
    sqlx::query("CREATE TABLE copied_events (LIKE events INCLUDING DEFAULTS)")
        .execute(&mut into)
        .await
        .expect("create");
    let started = Instant::now();
    let chunks: Vec<_> = out
        .copy_out_raw("COPY events TO STDOUT (FORMAT binary)")
        .await
        .expect("copy out")
        .try_collect()
        .await
        .expect("copy out");
    let mut copy_in = into
        .copy_in_raw("COPY copied_events FROM STDIN (FORMAT binary)")
        .await
        .expect("copy in");
    for chunk in chunks {
        copy_in.send(chunk).await.expect("copy in");
    }
    let copied = copy_in.finish().await.expect("copy in");
    let copy = started.elapsed();
    assert_eq!(copied as usize, events);
    let replay_rate = events as f64 / replay.as_secs_f64();
    let copy_rate = events as f64 / copy.as_secs_f64();
    println!(
        "replay of {events} sealed chat events into all read models: {:.0} ms, {replay_rate:.0} events/s \
         (this process {:.2} s CPU, PostgreSQL {:.2} s); COPY of the same rows out and in: {:.0} ms, \
         {copy_rate:.0} events/s; replay ÷ COPY = {:.2}",
        replay.as_secs_f64() * 1000.0,
        ours as f64 / 100.0,
        theirs as f64 / 100.0,
        copy.as_secs_f64() * 1000.0,
        replay_rate / copy_rate
    );

    // The analysts' as-of builds of the same log, in the same run: every read model into a schema
    // of its own (sealed fields withheld, not opened), and the analytics view alone into
    // temporary tables (`GET /api/v1/analytics?as_of=`, before its cache).
    let head: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .expect("head");
    let _ = hijraah::asof::drop_schema(pool, "bench_as_of").await;
    let started = Instant::now();
    let built = hijraah::asof::build_schema(pool, "bench_as_of", hijraah::asof::AsOf::Position(head))
        .await
        .expect("as-of schema");
    let schema = started.elapsed();
    hijraah::asof::drop_schema(pool, "bench_as_of").await.expect("drop");
    let started = Instant::now();
    let view = hijraah::asof::AnalyticsAsOf::default()
        .get(pool, hijraah::asof::AsOf::Position(head))
        .await
        .expect("analytics as of");
    let analytics = started.elapsed();
    assert!(view.total_requests > 0);
    let schema_rate = built.events as f64 / schema.as_secs_f64();
    let analytics_rate = events as f64 / analytics.as_secs_f64();
    println!(
        "as of the head: every read model into a schema {:.0} ms, {schema_rate:.0} events/s (÷ replay {:.2}); \
         analytics into temporary tables {:.0} ms, {analytics_rate:.0} events/s (÷ replay {:.2})",
        schema.as_secs_f64() * 1000.0,
        schema_rate / replay_rate,
        analytics.as_secs_f64() * 1000.0,
        analytics_rate / replay_rate
    );
}

fn replay(c: &mut Criterion) {
    let rt = runtime();
    const CONVERSATIONS: usize = 5_000;
    let (pool, vault, events) = rt.block_on(async {
        let (pool, _) = common::fresh_database("hijraah_bench_replay", 16).await;
        let kek = hijraah::privacy::Kek::from_base64(&hijraah::privacy::Kek::generate()).expect("kek");
        let vault = hijraah::privacy::Vault::new(pool.clone(), kek);
        let events = chat_log(&pool, &vault, CONVERSATIONS).await;
        replay_against_copy(&pool, &vault, events).await;
        (pool, vault, events)
    });

    let mut group = c.benchmark_group("replay");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    // Each iteration rebuilds every read model from the whole log.
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function(format!("all_read_models_from_{events}_sealed_events"), |b| {
        b.to_async(&rt).iter(|| {
            let vault = vault.clone();
            let pool = pool.clone();
            async move {
                projector::rebuild_all(&pool, &vault, &Projection::ALL)
                    .await
                    .expect("rebuild");
            }
        });
    });
    group.finish();
    rt.block_on(common::drop_database("hijraah_bench_replay"));
}

criterion_group!(benches, appends, replay);
criterion_main!(benches);
