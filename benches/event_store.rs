//! Event store and projection throughput on the machine's PostgreSQL (`DATABASE_URL`).
//!
//! `cargo bench --bench event_store`

mod common;

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

fn replay(c: &mut Criterion) {
    let rt = runtime();
    const CONVERSATIONS: usize = 2_500;
    const CHATS_PER_CONVERSATION: usize = 2;
    let (pool, events) = rt.block_on(async {
        let (pool, _) = common::fresh_database("hijraah_bench_replay", 16).await;
        let store = EventStore::new(pool.clone());
        let mut total = 0usize;
        let mut writers = Vec::new();
        for writer in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut written = 0;
                for n in (writer..CONVERSATIONS).step_by(8) {
                    let conversation_id = Uuid::now_v7();
                    let stream = format!("conversation-{conversation_id}");
                    let user = format!("user-{}", n % 300);
                    let mut all = Vec::new();
                    for chat in 0..CHATS_PER_CONVERSATION {
                        all.extend(common::chat_events(conversation_id, &user, chat == 0));
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
        for writer in writers {
            total += writer.await.expect("writer");
        }
        (pool, total)
    });

    let mut group = c.benchmark_group("replay");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    // Each iteration rebuilds all four read models from the whole log: `events` log events, each
    // read once per projection.
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function(format!("all_read_models_from_{events}_events"), |b| {
        let kek = hijraah::privacy::Kek::from_base64(&hijraah::privacy::Kek::generate()).expect("kek");
        let vault = hijraah::privacy::Vault::new(pool.clone(), kek);
        b.to_async(&rt).iter(|| {
            let vault = vault.clone();
            async move {
                projector::rebuild_all(vault.pool(), &vault, &Projection::ALL)
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
