//! Read models: following the log live and rebuilding from scratch give the same rows.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use hijraah::agents::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use hijraah::projector;
use hijraah::startup::default_registry;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::TestApp;

/// Every read-model table as JSON, in key order.
async fn dump(pool: &PgPool) -> Value {
    let mut tables = serde_json::Map::new();
    for (table, order) in [
        ("users", "user_id"),
        ("conversations", "conversation_id"),
        ("messages", "message_id"),
        ("agent_interactions", "interaction_id"),
        ("analytics_totals", "metric"),
        ("analytics_agent_types", "agent_type"),
        ("analytics_agent_latency", "agent_type, upper_ms"),
    ] {
        let query = format!("SELECT coalesce(json_agg(t ORDER BY {order}), '[]'::json) FROM {table} t");
        let rows: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_one(pool)
            .await
            .unwrap();
        tables.insert(table.to_owned(), rows);
    }
    Value::Object(tables)
}

struct Flaky;

impl Agent for Flaky {
    fn agent_id(&self) -> &str {
        "flaky-1"
    }
    fn agent_type(&self) -> &str {
        "knowledge"
    }
    fn score(&self, request: &AgentRequest) -> RouteScore {
        let score = if request.content.contains("quran") { 0.9 } else { 0.0 };
        RouteScore {
            score,
            reasons: vec!["mentions the quran".into()],
        }
    }
    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async move {
            if request.content.contains("fail") {
                Err(AgentError::Failed("no index".into()))
            } else {
                Ok(AgentAnswer {
                    content: "an answer".into(),
                    confidence: 0.7,
                    metadata: json!({"citations": []}),
                })
            }
        })
    }
}

#[tokio::test]
async fn incremental_projection_and_a_full_rebuild_give_identical_read_models() {
    let registry = default_registry();
    registry.register(Arc::new(Flaky));
    let app = TestApp::spawn_with_registry(registry).await;
    for (user, session, content) in [
        ("alice", "s1", "hello"),
        ("alice", "s1", "what does the quran say about patience"),
        ("bob", "s2", "quran please fail"),
        ("alice", "s3", "I need prayer guidance"),
        ("bob", "s2", "thank you"),
        ("عائشة", "s4", "السلام عليكم"),
    ] {
        let response = app
            .chat(
                user,
                json!({"user_id": user, "content": content, "session_id": session}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let replies: Vec<Value> = app
        .chat("bob", json!({"user_id": "bob", "content": "bye"}))
        .await
        .json()
        .await
        .unwrap();
    let ended = replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    let end = app
        .client
        .post(app.url(&format!("/api/v1/conversations/{ended}/end")))
        .bearer_auth(app.token("bob", Role::User))
        .send()
        .await
        .unwrap();
    assert_eq!(end.status(), 204);

    for projection in Projection::ALL {
        projector::catch_up(&app.db.pool, &app.vault(), projection)
            .await
            .unwrap();
    }
    let live = dump(&app.db.pool).await;
    assert_eq!(live["conversations"].as_array().unwrap().len(), 5);
    assert_eq!(live["users"].as_array().unwrap().len(), 3);
    let statuses: Vec<&str> = live["agent_interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"failed") && statuses.contains(&"replied"));
    let failed = live["agent_interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "failed")
        .unwrap();
    assert_eq!(
        failed["input"]["content"], "quran please fail",
        "interactions carry their input"
    );

    // Applying again changes nothing: each event takes effect once.
    for projection in Projection::ALL {
        assert_eq!(
            projector::catch_up(&app.db.pool, &app.vault(), projection)
                .await
                .unwrap(),
            0
        );
    }
    // Rebuilt one at a time, and all together in one pass over the log: the same rows.
    for projection in Projection::ALL {
        let applied = projector::rebuild(&app.db.pool, &app.vault(), projection)
            .await
            .unwrap();
        assert!(applied > 0);
    }
    assert_eq!(live, dump(&app.db.pool).await);
    let read = projector::rebuild_all(&app.db.pool, &app.vault(), &Projection::ALL)
        .await
        .unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(read, events as u64);
    assert_eq!(live, dump(&app.db.pool).await);

    // The live runner's step over all projections at once, with them at different places (two
    // emptied, the others caught up): each still applies every event exactly once.
    // (Under their locks: the server's own live runner is at work beside this test.)
    projector::reset(&app.db.pool, &[Projection::Conversations, Projection::Analytics])
        .await
        .unwrap();
    while let projector::Stepped::Applied { .. } = projector::step_all(&app.db.pool, &app.vault(), &Projection::ALL)
        .await
        .unwrap()
    {}
    assert_eq!(live, dump(&app.db.pool).await);
}

/// A read model rebuilt online (emptied, then filled again from the whole log) does not hold the
/// others back: each step applies the newest events to those at the head first.
#[tokio::test]
async fn a_projection_being_rebuilt_does_not_hold_the_others_back() {
    use hijraah::store::{EventStore, ExpectedVersion};
    use hijraah_domain::events::UserRegistered;
    use hijraah_domain::{Event, EventMetadata, NewEvent};

    let db = crate::helpers::TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let kek = hijraah::privacy::Kek::from_base64(&hijraah::privacy::Kek::generate()).unwrap();
    let vault = hijraah::privacy::Vault::new(db.pool.clone(), kek);
    let register = |n: usize| {
        NewEvent::new(
            &Event::UserRegistered(UserRegistered {
                user_id: format!("user{n}"),
            }),
            EventMetadata::default(),
        )
    };
    for n in 0..2_500 {
        store
            .append(&format!("user-user{n}"), ExpectedVersion::NoStream, &[register(n)])
            .await
            .unwrap();
    }
    while let projector::Stepped::Applied { .. } =
        projector::step_all(&db.pool, &vault, &Projection::ALL).await.unwrap()
    {}
    projector::reset(&db.pool, &[Projection::Analytics]).await.unwrap();
    store
        .append("user-late", ExpectedVersion::NoStream, &[register(9_999)])
        .await
        .unwrap();
    let head = store.head().await.unwrap();

    let projector::Stepped::Applied { reached, .. } =
        projector::step_all(&db.pool, &vault, &Projection::ALL).await.unwrap()
    else {
        panic!("there was work to do");
    };
    let at = |projection| reached.iter().find(|(p, _)| *p == projection).map(|(_, at)| *at);
    assert_eq!(at(Projection::Users), Some(head), "the live events first");
    assert!(
        at(Projection::Analytics).unwrap() < head,
        "the rebuild goes on, a batch at a time"
    );
    while let projector::Stepped::Applied { .. } =
        projector::step_all(&db.pool, &vault, &Projection::ALL).await.unwrap()
    {}
    let users: i64 = sqlx::query_scalar("SELECT value FROM analytics_totals WHERE metric = 'users'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(users, 2_501, "rebuilt whole, every event once");
}

/// Every index of the public schema, by name, with its definition.
async fn indexes(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as("SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// A full rebuild builds the read models' secondary indexes once their tables are full (cheaper
/// than keeping them up to date row by row): afterwards every index is there as the migrations
/// made it, also when the log holds an erasure (which deletes through them), and a rebuild that
/// stopped half-way has its indexes built by the next start.
#[tokio::test]
async fn a_rebuild_sets_secondary_indexes_aside_and_every_start_builds_them_again() {
    let app = TestApp::spawn().await;
    for (user, content) in [
        ("alice", "hello"),
        ("bob", "what does the quran say about patience"),
        ("alice", "I need prayer guidance"),
    ] {
        let response = app.chat(user, json!({"user_id": user, "content": content})).await;
        assert_eq!(response.status(), 200);
    }
    let erased = app.erase("alice").await;
    assert!(erased.status().is_success(), "{}", erased.status());
    app.chat("bob", json!({"user_id": "bob", "content": "thank you"})).await;
    let pool = &app.db.pool;
    for projection in Projection::ALL {
        projector::catch_up(pool, &app.vault(), projection).await.unwrap();
    }
    let live = dump(pool).await;
    let made = indexes(pool).await;
    assert!(made.iter().any(|(name, _)| name == "messages_by_conversation"));

    projector::rebuild_all(pool, &app.vault(), &Projection::ALL)
        .await
        .unwrap();
    assert_eq!(live, dump(pool).await, "the same rows, alice's erased again");
    assert_eq!(made, indexes(pool).await, "every index built again, as it was");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM deferred_indexes")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);

    // A rebuild that stops after setting its indexes aside (its process killed)...
    let mut transaction = pool.begin().await.unwrap();
    let dropped = hijraah_projections::deferred::defer(&mut transaction, &["messages", "agent_interactions", "users"])
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(
        dropped,
        [
            "agent_interactions_by_conversation",
            "agent_interactions_by_user",
            "messages_by_conversation"
        ],
        "secondary indexes only: primary keys and unique indexes stay"
    );
    assert!(
        !indexes(pool)
            .await
            .iter()
            .any(|(name, _)| name == "messages_by_conversation")
    );
    // ...has them built by the next start, which runs the migrations.
    let database = hijraah::database::Database {
        pool: pool.clone(),
        embedded: None,
    };
    database.migrate().await.unwrap();
    assert_eq!(made, indexes(pool).await);
    // Another start finds nothing left to build.
    database.migrate().await.unwrap();
    assert_eq!(made, indexes(pool).await);
}
