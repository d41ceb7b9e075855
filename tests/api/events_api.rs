//! `GET /api/v1/events`: pages and the live stream.

use std::time::Duration;

use futures_util::StreamExt;
use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

#[tokio::test]
async fn analysts_page_through_the_log_in_global_order() {
    let app = TestApp::spawn().await;
    for n in 0..3 {
        app.chat("alice", json!({"user_id": "alice", "content": format!("hello {n}")}))
            .await;
    }
    expect_error(
        app.get("/api/v1/events", &app.token("alice", Role::User)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let analyst = app.token("ana", Role::Analyst);
    let mut after = 0;
    let mut all = Vec::new();
    loop {
        let page: Value = app
            .get(&format!("/api/v1/events?after={after}&limit=4"), &analyst)
            .await
            .json()
            .await
            .unwrap();
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            assert_eq!(page["next_after"], after);
            break;
        }
        after = page["next_after"].as_i64().unwrap();
        assert_eq!(events.last().unwrap()["position"], after);
        all.extend(events);
    }
    // 1 UserRegistered + 3 × (ConversationStarted, UserRequestReceived, RequestRouted, AgentReplied).
    assert_eq!(all.len(), 13);
    let envelope = &all[1];
    for key in [
        "position",
        "stream_id",
        "stream_version",
        "event_id",
        "event_type",
        "schema_version",
        "data",
        "recorded_at",
    ] {
        assert!(!envelope[key].is_null(), "envelope has {key}");
    }
    assert!(envelope["metadata"].get("correlation_id").is_some());
    assert!(envelope["metadata"].get("causation_id").is_some());
    assert_eq!(all[0]["event_type"], "UserRegistered");
    expect_error(
        app.get("/api/v1/events?after=99999", &analyst).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        app.get("/api/v1/events?limit=0", &analyst).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn the_live_stream_delivers_past_and_new_events_as_server_sent_events() {
    let mut app = TestApp::spawn().await;
    app.chat("alice", json!({"user_id": "alice", "content": "first"})).await;
    let response = app
        .client
        .get(app.url("/api/v1/events?after=0"))
        .bearer_auth(app.token("ana", Role::Analyst))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let mut saw_second = false;
    let mut chatted = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(5), body.next()).await else {
            break;
        };
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        if !chatted && text.matches("event: AgentReplied").count() >= 1 {
            chatted = true;
            app.chat("alice", json!({"user_id": "alice", "content": "second"}))
                .await;
        }
        if text.contains("\"second\"") && text.matches("event: AgentReplied").count() >= 2 {
            saw_second = true;
            break;
        }
    }
    assert!(
        saw_second,
        "the stream delivered the catch-up and the live event:\n{text}"
    );
    assert!(text.contains("id: 1\n"), "each message carries its position as id");
    // Shutting down with a live stream open still stops cleanly, and promptly.
    tokio::time::timeout(Duration::from_secs(10), app.shutdown())
        .await
        .expect("server stops");
}
