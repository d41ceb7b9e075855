//! The log proves it was not altered: every envelope carries its hash and the previous one's,
//! `hijraah events verify` walks the chain and names the first broken position (a row changed in
//! SQL, a row removed), an erasure keeps it whole, and each server checks it on a schedule and
//! reports it in `/metrics`.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, hijraah_command};

fn verify(app: &TestApp) -> (bool, String) {
    verify_database(&app.db.url, &app.data_dir.path().join("cli"))
}

fn verify_database(url: &str, data_dir: &std::path::Path) -> (bool, String) {
    let output = hijraah_command()
        .args(["events", "verify"])
        .env("DATABASE_URL", url)
        .env("HIJRAAH_DATA_DIR", data_dir)
        .output()
        .unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Runs `statement` on the log with its immutability trigger set aside, as someone with the
/// database's owner rights could.
async fn behind_the_store(app: &TestApp, statement: &str) {
    let mut transaction = app.db.pool.begin().await.unwrap();
    for sql in [
        "ALTER TABLE events DISABLE TRIGGER events_no_update".to_owned(),
        statement.to_owned(),
        "ALTER TABLE events ENABLE TRIGGER events_no_update".to_owned(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *transaction)
            .await
            .unwrap();
    }
    transaction.commit().await.unwrap();
}

fn is_hex_hash(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

#[tokio::test]
async fn the_hash_chain_finds_a_row_changed_or_removed_in_sql_and_an_erasure_keeps_it_whole() {
    let app = TestApp::spawn_configured(hijraah::startup::default_registry(), |settings| {
        settings.chain_verify_every = std::time::Duration::from_millis(50);
    })
    .await;
    for (user, content) in [
        ("alice", "hello"),
        ("bob", "what is the qibla from Paris?"),
        ("alice", "thank you"),
    ] {
        assert_eq!(
            app.chat(user, json!({"user_id": user, "content": content}))
                .await
                .status(),
            StatusCode::OK
        );
    }
    // The right to erasure shreds alice's key; it changes no event.
    let erased = app.erase("alice").await;
    assert!(erased.status().is_success(), "{}", erased.status());

    // Every envelope links to the one before it.
    let page: Value = app
        .get("/api/v1/events?limit=1000", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let events = page["events"].as_array().unwrap();
    assert!(events.len() >= 6, "{page}");
    assert_eq!(events[0]["previous_hash"], "0".repeat(64));
    for pair in events.windows(2) {
        assert!(is_hex_hash(&pair[1]["hash"]), "{}", pair[1]);
        assert_eq!(pair[1]["previous_hash"], pair[0]["hash"]);
    }

    let (whole, report) = verify(&app);
    assert!(whole, "{report}");
    assert!(report.contains("the chain is whole"), "{report}");
    assert!(
        report.contains("chain started"),
        "the migration says what it did: {report}"
    );

    // One row's data changed in SQL: found at that position.
    let target = events[3]["position"].as_i64().unwrap();
    let original: String = sqlx::query_scalar("SELECT data::text FROM events WHERE position = $1")
        .bind(target)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    behind_the_store(
        &app,
        &format!("UPDATE events SET data = data || '{{\"tampered\": true}}' WHERE position = {target}"),
    )
    .await;
    let (whole, report) = verify(&app);
    assert!(!whole, "{report}");
    assert!(
        report.contains(&format!("breaks at position {target}")) && report.contains("changed"),
        "{report}"
    );

    // Each server's scheduled check reports it too.
    let mut metrics = String::new();
    for _ in 0..200 {
        metrics = app.metrics().await;
        if metrics.contains(&format!("hijraah_event_chain_broken_at {target}")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        metrics.contains(&format!("hijraah_event_chain_broken_at {target}")),
        "{metrics}"
    );

    // Put back exactly, the chain is whole again; then a row removed breaks the link after it.
    behind_the_store(
        &app,
        &format!(
            "UPDATE events SET data = '{}'::jsonb WHERE position = {target}",
            original.replace('\'', "''")
        ),
    )
    .await;
    let (whole, report) = verify(&app);
    assert!(whole, "{report}");
    behind_the_store(&app, &format!("DELETE FROM events WHERE position = {target}")).await;
    let (whole, report) = verify(&app);
    assert!(!whole, "{report}");
    let next = events[4]["position"].as_i64().unwrap();
    assert!(
        report.contains(&format!("breaks at position {next}")) && report.contains("removed or inserted"),
        "{report}"
    );
}

#[tokio::test]
async fn a_log_written_before_the_chain_is_chained_by_its_migration_which_says_so() {
    use hijraah_domain::events::ConversationStarted;
    use hijraah_domain::{Event, EventMetadata, NewEvent};

    let db = crate::helpers::TestDatabase::create_migrated_to(Some(13)).await;
    let store = hijraah::store::EventStore::new(db.pool.clone());
    for n in 0..25 {
        let event = Event::ConversationStarted(ConversationStarted {
            conversation_id: uuid::Uuid::new_v4(),
            user_id: format!("user{n}"),
            session_id: format!("session{n}"),
        });
        store
            .append(
                &format!("conversation-{n}"),
                hijraah::store::ExpectedVersion::NoStream,
                &[NewEvent::new(&event, EventMetadata::default())],
            )
            .await
            .unwrap();
    }
    hijraah::database::MIGRATOR.run(&db.pool).await.unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let (whole, report) = verify_database(&db.url, data_dir.path());
    assert!(whole, "{report}");
    assert!(report.contains("chained the 25 events already in the log"), "{report}");
    assert!(report.contains("25 events up to position 25"), "{report}");
    // New events continue the chain.
    let event = Event::ConversationStarted(ConversationStarted {
        conversation_id: uuid::Uuid::new_v4(),
        user_id: "late".to_owned(),
        session_id: "late".to_owned(),
    });
    store
        .append(
            "conversation-late",
            hijraah::store::ExpectedVersion::NoStream,
            &[NewEvent::new(&event, EventMetadata::default())],
        )
        .await
        .unwrap();
    let (whole, report) = verify_database(&db.url, data_dir.path());
    assert!(whole && report.contains("26 events"), "{report}");
}

/// Rows a tool inserts in SQL, outside the append function, are chained and counted by the
/// trigger, and the appends after them chain on from them: `verify` finds the log whole and the
/// counts hold every event.
#[tokio::test]
async fn rows_inserted_outside_the_append_function_are_chained_and_counted_and_appends_chain_on() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.chat("alice", json!({"user_id": "alice", "content": "hello"}))
            .await
            .status(),
        StatusCode::OK
    );
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, data)
         SELECT gen_random_uuid(), 'tool-' || g, 1, 'ToolImported', 1, jsonb_build_object('language', 'en')
         FROM generate_series(1, 3) g",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        app.chat("alice", json!({"user_id": "alice", "content": "thank you"}))
            .await
            .status(),
        StatusCode::OK
    );

    let (whole, report) = verify(&app);
    assert!(whole, "{report}");
    let (events, counted, head_is_last): (i64, i64, bool) = sqlx::query_as(
        "SELECT count(*), (SELECT sum(events)::bigint FROM event_counts_hour),
                (SELECT position FROM event_chain_head) = max(position)
         FROM events",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(counted, events);
    assert!(head_is_last);
    let tool_rows: i64 = sqlx::query_scalar(
        "SELECT sum(events)::bigint FROM event_counts_minute WHERE event_type = 'ToolImported' AND language = 'en'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(tool_rows, 3);
}
