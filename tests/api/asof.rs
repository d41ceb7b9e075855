//! The read models as of a past point of the log: `GET /api/v1/analytics?as_of=` answers what the
//! live endpoint answered then, and `hijraah replay --until --schema` builds every read model as
//! it stood into a schema of its own, holds nobody's text, forgets users erased since, and is
//! listed and dropped by `--list` and `--drop`.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

async fn ask(app: &TestApp, user: &str, content: &str) {
    let response = app.chat(user, json!({"user_id": user, "content": content})).await;
    assert_eq!(response.status(), StatusCode::OK, "{content}");
}

async fn analytics(app: &TestApp, query: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/analytics{query}"), &app.token("ana", Role::Analyst))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

async fn head(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn analytics_as_of_a_past_position_or_time_are_what_the_live_endpoint_answered_then() {
    let app = TestApp::spawn().await;
    ask(&app, "alice", "assalamu alaikum").await;
    ask(&app, "alice", "what is the qibla from Paris?").await;
    ask(&app, "bob", "zakat on 10000 euros with gold at 95 euros a gram").await;
    app.wait_for_projections_and_index().await;
    let then = analytics(&app, "").await;
    let position = head(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let moment = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    ask(&app, "carol", "ما هو اتجاه القبلة من عمّان؟").await;
    ask(&app, "bob", "prayer times in London today").await;
    app.wait_for_projections_and_index().await;
    let now = analytics(&app, "").await;
    assert!(
        now["total_requests"].as_i64() > then["total_requests"].as_i64(),
        "the log moved on: {now} against {then}"
    );

    assert_eq!(analytics(&app, &format!("?as_of={position}")).await, then);
    let at_moment = format!("?as_of={}", moment.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    assert_eq!(analytics(&app, &at_moment.replace('+', "%2B")).await, then);
    // Asked twice (the second from the cache), and at the head: the live figures.
    assert_eq!(analytics(&app, &format!("?as_of={position}")).await, then);
    assert_eq!(analytics(&app, &format!("?as_of={}", head(&app).await)).await, now);
    // Before anything happened: nothing counted.
    let empty = analytics(&app, "?as_of=0").await;
    assert_eq!(empty["total_requests"], json!(0));
    assert_eq!(empty["total_conversations"], json!(0));

    let token = app.token("ana", Role::Analyst);
    for bad in ["yesterday", "-5", "2026-13-45", &format!("{}", head(&app).await + 1000)] {
        let response = app.get(&format!("/api/v1/analytics?as_of={bad}"), &token).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{bad}");
        assert!(body["message"].as_str().unwrap().contains("as_of"), "{bad}: {body}");
    }
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    expect_error(
        app.get(&format!("/api/v1/analytics?as_of={future}"), &token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_error(
        app.get(
            &format!("/api/v1/analytics?as_of={position}"),
            &app.token("alice", Role::User),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn replay_until_builds_the_read_models_as_they_stood_into_their_own_schema() {
    let app = TestApp::spawn().await;
    ask(&app, "alice", "what is the qibla from Paris?").await;
    ask(&app, "bob", "assalamu alaikum").await;
    app.wait_for_projections_and_index().await;
    let position = head(&app).await;
    let conversations_then = count(&app, "SELECT count(*) FROM conversations").await;
    let messages_then = count(&app, "SELECT count(*) FROM messages").await;
    let analytics_then = analytics(&app, "").await;

    ask(&app, "carol", "zakat on 10000 euros with gold at 95 euros a gram").await;
    ask(&app, "alice", "prayer times in London today").await;
    app.wait_for_projections_and_index().await;
    let live_conversations = count(&app, "SELECT count(*) FROM conversations").await;
    assert!(live_conversations > conversations_then);

    let (ok, _, stderr) = app.cli(&["replay", "--until", &position.to_string(), "--schema", "before_carol"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains(&format!("position {position}")), "{stderr}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM before_carol.conversations").await,
        conversations_then
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM before_carol.messages").await,
        messages_then
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM before_carol.users WHERE user_id = 'carol'").await,
        0
    );
    // Nobody's text is opened for it.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM before_carol.messages WHERE content <> '[withheld]'"
        )
        .await,
        0
    );
    assert!(count(&app, "SELECT count(*) FROM messages WHERE content <> '[withheld]'").await > 0);
    // Its analytics tables are the as-of endpoint's figures, and the live models did not move.
    assert_eq!(
        count(
            &app,
            "SELECT value FROM before_carol.analytics_totals WHERE metric = 'requests'"
        )
        .await,
        analytics_then["total_requests"].as_i64().unwrap()
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM conversations").await,
        live_conversations
    );

    // Listed; a second build under the same name is refused; bad names are refused.
    let (ok, listed, _) = app.cli(&["replay", "--list"]);
    assert!(ok);
    assert!(
        listed.contains("before_carol") && listed.contains(&format!("position {position}")),
        "{listed}"
    );
    let (ok, _, stderr) = app.cli(&["replay", "--until", "1", "--schema", "before_carol"]);
    assert!(!ok && stderr.contains("exists"), "{stderr}");
    for bad in ["public", "analytics", "Robert;DROP"] {
        let (ok, _, stderr) = app.cli(&["replay", "--until", "1", "--schema", bad]);
        assert!(!ok && stderr.contains("not a schema name"), "{bad}: {stderr}");
    }
    let (ok, _, stderr) = app.cli(&["replay", "--until", "1"]);
    assert!(!ok && stderr.contains("--schema"), "{stderr}");

    // An erasure reaches the copy: alice's rows go from it too.
    assert!(
        count(
            &app,
            "SELECT count(*) FROM before_carol.conversations WHERE user_id = 'alice'"
        )
        .await
            > 0
    );
    let erased = app.erase("alice").await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM before_carol.conversations WHERE user_id = 'alice'"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM before_carol.users WHERE user_id = 'alice'").await,
        0
    );
    // A build from before the erasure, made after it, leaves alice out as well.
    let (ok, _, stderr) = app.cli(&["replay", "--until", &position.to_string(), "--schema", "again"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM again.conversations WHERE user_id = 'alice'").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM again.conversations WHERE user_id = 'bob'").await,
        1
    );

    // Dropped by name; a schema not built by replay is never dropped.
    let (ok, _, stderr) = app.cli(&["replay", "--drop", "before_carol"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM pg_namespace WHERE nspname = 'before_carol'").await,
        0
    );
    let (ok, _, stderr) = app.cli(&["replay", "--drop", "analytics"]);
    assert!(!ok, "{stderr}");
    let (ok, _, stderr) = app.cli(&["replay", "--drop", "public"]);
    assert!(!ok, "{stderr}");
    assert!(count(&app, "SELECT count(*) FROM conversations").await > 0);
    let (ok, listed, _) = app.cli(&["replay", "--list"]);
    assert!(
        ok && !listed.contains("before_carol") && listed.contains("again"),
        "{listed}"
    );
}
