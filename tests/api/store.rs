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

/// Reads after `from` until `count` events are visible. The visibility horizon is the oldest
/// transaction in the whole PostgreSQL cluster, so a parallel test's open transaction can hold
/// events back for a moment: wait for the condition, bounded, rather than assume it.
pub async fn read_visible(
    store: &EventStore,
    from: Checkpoint,
    count: usize,
) -> Vec<(Checkpoint, hijraah_domain::Envelope)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let visible = store.read_all(from, 1000, None).await.unwrap();
        if visible.len() >= count || tokio::time::Instant::now() > deadline {
            return visible;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
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

/// Two transactions commit in the opposite order to the positions they drew. A consumer that
/// checkpointed on positions alone would skip the late one; ours sees both, in order.
#[tokio::test]
async fn a_consumer_never_skips_an_event_committed_late_with_a_lower_position() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());

    let mut early = db.pool.begin().await.unwrap();
    let early_result = store
        .append_in(&mut early, "early", ExpectedVersion::Any, &events(1))
        .await
        .unwrap()
        .unwrap();
    let mut late = db.pool.begin().await.unwrap();
    let late_result = store
        .append_in(&mut late, "late", ExpectedVersion::Any, &events(1))
        .await
        .unwrap()
        .unwrap();
    assert!(early_result.last.position < late_result.last.position);
    late.commit().await.unwrap();

    // The higher position is committed, the lower one is not yet: a position-only reader would
    // see position 2, checkpoint it, and never look at position 1 again.
    let naive: Vec<i64> = sqlx::query_scalar("SELECT position FROM events WHERE position > 0 ORDER BY position")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(naive, [late_result.last.position]);
    let visible = store.read_all(Checkpoint::START, 100, None).await.unwrap();
    assert!(
        visible.is_empty(),
        "nothing is readable while an older transaction is in flight"
    );

    early.commit().await.unwrap();
    let visible = read_visible(&store, Checkpoint::START, 2).await;
    let streams: Vec<&str> = visible.iter().map(|(_, e)| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["early", "late"]);

    // Resuming from the first event's checkpoint yields exactly the second.
    let rest = read_visible(&store, visible[0].0, 1).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].1.stream_id, "late");
}

/// The same, when the transaction that commits late also drew the *higher* position but holds the
/// older transaction id: the order is by transaction, and both are still seen exactly once.
#[tokio::test]
async fn a_transaction_that_started_first_and_committed_last_is_not_skipped() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut old_tx = db.pool.begin().await.unwrap();
    // Take a transaction id now, write later.
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *old_tx)
        .await
        .unwrap();
    let quick = store.append("quick", ExpectedVersion::Any, &events(1)).await.unwrap();
    let seen_first = store.read_all(Checkpoint::START, 100, None).await.unwrap();
    assert!(seen_first.is_empty(), "held back behind the older open transaction");
    let slow = store
        .append_in(&mut old_tx, "slow", ExpectedVersion::Any, &events(1))
        .await
        .unwrap()
        .unwrap();
    assert!(slow.last.position > quick.last.position);
    old_tx.commit().await.unwrap();
    let all = read_visible(&store, Checkpoint::START, 2).await;
    let streams: Vec<&str> = all.iter().map(|(_, e)| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["slow", "quick"], "ordered by transaction, then position");
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
    assert_eq!(read_visible(&store, Checkpoint::START, 12).await.len(), 12);
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
