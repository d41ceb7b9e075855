//! The event store against a real PostgreSQL.

use std::time::Duration;

use hijraah::store::{Checkpoint, EventStore, ExpectedVersion, LogFollower, LogNotifier, StoreError};
use hijraah_domain::{EventMetadata, NewEvent};
use serde_json::json;
use sqlx::Connection;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::helpers::TestDatabase;

fn event(kind: &str, n: i64) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: kind.to_owned(),
        schema_version: 1,
        data: json!({"n": n, "text": "بِسۡمِ ٱللَّهِ 🌙"}),
        metadata: EventMetadata {
            correlation_id: Some("corr-1".into()),
            ..Default::default()
        },
    }
}

fn events(n: i64) -> Vec<NewEvent> {
    (1..=n).map(|i| event("Tested", i)).collect()
}

#[tokio::test]
async fn appends_honour_the_expected_version_and_conflicts_are_typed() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());

    let first = store
        .append("s-1", ExpectedVersion::NoStream, &events(2))
        .await
        .unwrap();
    assert_eq!(first.stream_version, 2);
    assert!(!first.already_appended);

    let again = store.append("s-1", ExpectedVersion::NoStream, &events(1)).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { actual: Some(2), .. })),
        "{again:?}"
    );
    let stale = store.append("s-1", ExpectedVersion::Exact(1), &events(1)).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { actual: Some(2), .. })),
        "{stale:?}"
    );
    let missing = store.append("s-2", ExpectedVersion::StreamExists, &events(1)).await;
    assert!(
        matches!(missing, Err(StoreError::Conflict { actual: None, .. })),
        "{missing:?}"
    );

    let exact = store
        .append("s-1", ExpectedVersion::Exact(2), &events(1))
        .await
        .unwrap();
    assert_eq!(exact.stream_version, 3);
    let exists = store
        .append("s-1", ExpectedVersion::StreamExists, &events(1))
        .await
        .unwrap();
    assert_eq!(exists.stream_version, 4);
    let any = store.append("s-1", ExpectedVersion::Any, &events(1)).await.unwrap();
    assert_eq!(any.stream_version, 5);

    let stream = store.read_stream("s-1", 0).await.unwrap();
    let versions: Vec<i64> = stream.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    assert_eq!(stream[0].data["text"], "بِسۡمِ ٱللَّهِ 🌙", "unicode survives the round trip");
    assert_eq!(stream[0].metadata.correlation_id.as_deref(), Some("corr-1"));
    assert_eq!(store.read_stream("s-1", 3).await.unwrap().len(), 2);
}

#[tokio::test]
async fn losing_writers_burn_no_positions() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let first = store.append("s", ExpectedVersion::NoStream, &events(3)).await.unwrap();
    for _ in 0..5 {
        assert!(store.append("s", ExpectedVersion::Exact(1), &events(2)).await.is_err());
    }
    let next = store.append("s", ExpectedVersion::Exact(3), &events(1)).await.unwrap();
    assert_eq!(
        next.first_position,
        first.last.position + 1,
        "no position was drawn by the losers"
    );
}

#[tokio::test]
async fn appending_the_same_events_again_returns_the_first_result_and_writes_nothing() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let batch = events(3);
    let first = store.append("s", ExpectedVersion::NoStream, &batch).await.unwrap();
    // Retried with the same expectation (now stale) and with `Any`: both are the same append.
    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Any] {
        let retried = store.append("s", expected, &batch).await.unwrap();
        assert!(retried.already_appended);
        assert_eq!(retried.last, first.last);
        assert_eq!(retried.stream_version, first.stream_version);
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 3);
    // The same id in another stream, or mixed with new events, is refused.
    let reused = store.append("other", ExpectedVersion::Any, &batch[..1]).await;
    assert!(matches!(reused, Err(StoreError::EventIdReused { .. })), "{reused:?}");
    let mixed = vec![batch[0].clone(), event("Tested", 9)];
    assert!(matches!(
        store.append("s", ExpectedVersion::Any, &mixed).await,
        Err(StoreError::EventIdReused { .. })
    ));
}

/// The append lock's key (migrations/0007).
const APPEND_LOCK: i64 = 7_523_661_691_992_698_468;

/// Waits until a backend of this database waits for the append lock (a batch is in flight behind
/// it), and returns its pid.
async fn appender_waiting(db: &TestDatabase) -> i32 {
    for _ in 0..500 {
        let waiting: Option<i32> = sqlx::query_scalar(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database() LIMIT 1",
        )
        .fetch_optional(&db.pool)
        .await
        .unwrap();
        if let Some(pid) = waiting {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no append came to wait for the lock");
}

/// An append in flight holds the next one back until it commits, so positions are drawn in
/// commit order: a reader never sees an event before an earlier one is committed, and never
/// has to guess whether a gap will fill.
#[tokio::test]
async fn appends_commit_in_the_order_of_their_positions() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());

    let mut first = db.pool.begin().await.unwrap();
    let first_result = store
        .append_in(&mut first, "first", ExpectedVersion::Any, &events(1))
        .await
        .unwrap()
        .unwrap();
    let second = tokio::spawn({
        let store = store.clone();
        async move { store.append("second", ExpectedVersion::Any, &events(1)).await.unwrap() }
    });
    appender_waiting(&db).await;
    assert!(
        store.read_all(Checkpoint::START, 100, None).await.unwrap().is_empty(),
        "nothing is readable while the first append is in flight"
    );
    first.commit().await.unwrap();
    let second_result = second.await.unwrap();
    assert!(first_result.last.position < second_result.last.position);
    assert!(first_result.last < second_result.last);

    let visible = store.read_all(Checkpoint::START, 100, None).await.unwrap();
    let streams: Vec<&str> = visible.iter().map(|(_, e)| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["first", "second"]);
    // Resuming from the first event's checkpoint yields exactly the second.
    let rest = store.read_all(visible[0].0, 100, None).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].1.stream_id, "second");
}

/// A transaction that took its id before appending (the erasure does: it destroys the key, then
/// appends) commits after appends that began later. It sorts after them, by its commit, so a
/// reader that consumed them does not skip it; until it appends, it holds nothing back.
#[tokio::test]
async fn a_transaction_that_took_its_id_early_and_appended_late_is_not_skipped() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut old_tx = db.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *old_tx)
        .await
        .unwrap();
    store.append("quick", ExpectedVersion::Any, &events(1)).await.unwrap();
    let seen = store.read_all(Checkpoint::START, 100, None).await.unwrap();
    assert_eq!(seen.len(), 1, "the quick append is readable at once");
    let checkpoint = seen[0].0;

    store
        .append_in(&mut old_tx, "slow", ExpectedVersion::Any, &events(1))
        .await
        .unwrap()
        .unwrap();
    old_tx.commit().await.unwrap();
    let rest = store.read_all(checkpoint, 100, None).await.unwrap();
    let streams: Vec<&str> = rest.iter().map(|(_, e)| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["slow"], "ordered by commit: after what was already read");
}

/// An analyst's idle session, a long report or a `pg_dump` in another database of the same
/// server holds back no reader of our log.
#[tokio::test]
async fn an_idle_transaction_elsewhere_on_the_server_holds_no_reader_back() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut elsewhere = sqlx::PgConnection::connect(&crate::helpers::admin_url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut elsewhere).await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut elsewhere)
        .await
        .unwrap();

    store.append("s", ExpectedVersion::NoStream, &events(2)).await.unwrap();
    assert_eq!(store.read_all(Checkpoint::START, 100, None).await.unwrap().len(), 2);
    sqlx::query("ROLLBACK").execute(&mut elsewhere).await.unwrap();
}

/// Appends waiting at the same moment share one batch and one commit; each caller still gets its
/// own outcome: its positions, or its own conflict.
#[tokio::test]
async fn concurrent_appends_share_a_commit_and_each_gets_its_own_outcome() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .append(&format!("own-{n}"), ExpectedVersion::NoStream, &events(2))
                .await
        }));
    }
    for _ in 0..10 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.append("contested", ExpectedVersion::NoStream, &events(1)).await
        }));
    }
    let mut positions = Vec::new();
    let mut contested_won = 0;
    let mut contested_lost = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(result) => {
                if n >= 40 {
                    contested_won += 1;
                    assert_eq!(result.stream_version, 1);
                } else {
                    assert_eq!(result.stream_version, 2, "own-{n}");
                    assert_eq!(result.last.position - result.first_position, 1);
                }
                positions.push(result.last.position);
            }
            Err(StoreError::Conflict { stream_id, actual, .. }) => {
                assert_eq!(stream_id, "contested");
                assert_eq!(actual, Some(1));
                contested_lost += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!((contested_won, contested_lost), (1, 9));
    positions.sort();
    positions.dedup();
    assert_eq!(positions.len(), 41, "every append has its own positions");
    let (batches, appends) = store.batch_counts();
    assert_eq!(appends, 50);
    assert!(
        batches < appends,
        "{batches} batches for {appends} appends: they were coalesced"
    );
    assert_eq!(store.read_all(Checkpoint::START, 1000, None).await.unwrap().len(), 81);
}

/// A batch whose connection is killed while it waits to write records none of its appends and
/// acknowledges none of them; the writer takes a new connection for the next batch.
#[tokio::test]
async fn a_batch_killed_mid_write_records_nothing_acknowledges_nothing_and_the_writer_recovers() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    store
        .append("before", ExpectedVersion::NoStream, &events(1))
        .await
        .unwrap();
    let mut holder = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let doomed: Vec<_> = (0..5)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .append(&format!("doomed-{n}"), ExpectedVersion::NoStream, &events(1))
                    .await
            })
        })
        .collect();
    let writer = appender_waiting(&db).await;
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(writer)
        .execute(&mut holder)
        .await
        .unwrap();
    for task in doomed {
        assert!(matches!(task.await.unwrap(), Err(StoreError::Unavailable(_))));
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let doomed_events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_id LIKE 'doomed-%'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(doomed_events, 0);
    store
        .append("after", ExpectedVersion::NoStream, &events(1))
        .await
        .unwrap();
    let streams: Vec<String> = store
        .read_all(Checkpoint::START, 100, None)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.stream_id)
        .collect();
    assert_eq!(streams, ["before", "after"]);
}

#[tokio::test]
async fn the_global_log_reads_in_batches_from_a_checkpoint() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    for stream in ["a", "b", "c"] {
        store
            .append(stream, ExpectedVersion::NoStream, &events(4))
            .await
            .unwrap();
    }
    assert_eq!(store.read_all(Checkpoint::START, 100, None).await.unwrap().len(), 12);
    let mut seen = Vec::new();
    let mut from = Checkpoint::START;
    loop {
        let batch = store.read_all(from, 5, None).await.unwrap();
        let Some((last, _)) = batch.last() else { break };
        from = *last;
        seen.extend(batch.into_iter().map(|(_, e)| e.position));
    }
    let expected: Vec<i64> = (1..=12).collect();
    assert_eq!(seen, expected);
    let only_b = store.read_all(Checkpoint::START, 100, Some("b")).await.unwrap();
    assert_eq!(only_b.len(), 4);
    assert!(only_b.iter().all(|(_, e)| e.stream_id == "b"));
    assert_eq!(store.checkpoint_of(5).await.unwrap().position, 5);
    assert!(matches!(
        store.checkpoint_of(999).await,
        Err(StoreError::UnknownPosition(999))
    ));
}

#[tokio::test]
async fn concurrent_writers_on_one_stream_all_land_once_with_contiguous_versions() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    let batch = vec![event("Tested", writer * 100 + n)];
                    loop {
                        let version = store.read_stream("shared", 0).await.unwrap().len() as i64;
                        match store.append("shared", ExpectedVersion::Exact(version), &batch).await {
                            Ok(_) => break,
                            Err(StoreError::Conflict { .. }) => continue,
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let stream = store.read_stream("shared", 0).await.unwrap();
    let versions: Vec<i64> = stream.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=40).collect::<Vec<_>>());
    let mut values: Vec<i64> = stream.iter().map(|e| e.data["n"].as_i64().unwrap()).collect();
    values.sort();
    values.dedup();
    assert_eq!(values.len(), 40, "every write landed exactly once");
}

#[tokio::test]
async fn the_log_refuses_updates_and_deletes() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    store.append("s", ExpectedVersion::NoStream, &events(1)).await.unwrap();
    assert!(
        sqlx::query("UPDATE events SET data = '{}'")
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM events").execute(&db.pool).await.is_err());
    assert!(sqlx::query("TRUNCATE events").execute(&db.pool).await.is_err());
}

/// A follower catches up, then is woken for new events, even after its LISTEN connection was
/// killed (it reconnects, and polling covers the gap).
#[tokio::test]
async fn a_follower_catches_up_then_follows_across_a_lost_listen_connection() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    store
        .append("before", ExpectedVersion::NoStream, &events(3))
        .await
        .unwrap();

    let notifier = LogNotifier::default();
    let shutdown = CancellationToken::new();
    let listener = tokio::spawn(notifier.clone().listen(db.pool.clone(), shutdown.clone()));
    let mut follower = LogFollower::new(store.clone(), &notifier, Checkpoint::START).with_batch_size(2);

    let mut caught_up = Vec::new();
    while caught_up.len() < 3 {
        let batch = follower.next_batch(&shutdown).await.unwrap().unwrap();
        caught_up.extend(batch);
    }
    assert_eq!(caught_up.len(), 3);

    let waiter = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { follower.next_batch(&shutdown).await.unwrap().unwrap() }
    });
    // Kill the LISTEN connection from the server side.
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'")
        .execute(&mut admin)
        .await
        .unwrap();
    store
        .append("after", ExpectedVersion::NoStream, &events(1))
        .await
        .unwrap();
    let batch = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].stream_id, "after");
    shutdown.cancel();
    listener.await.unwrap();
}
