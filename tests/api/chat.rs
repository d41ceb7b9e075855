//! `POST /api/v1/chat` and reading conversations back.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{BoxFuture, join_all};
use hijraah::agents::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use hijraah::startup::default_registry;
use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

#[tokio::test]
async fn prayer_guidance_gets_a_user_interface_reply_that_names_it() {
    let app = TestApp::spawn().await;
    let response = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "I need prayer guidance"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let replies: Vec<Value> = response.json().await.unwrap();
    let first = &replies[0];
    assert_eq!(first["agent_type"], "user_interface");
    assert_eq!(first["agent_id"], "ui-1");
    assert!(first["response"].as_str().unwrap().contains("prayer guidance"));
    assert!(first["confidence"].as_f64().unwrap() > 0.8);
    let metadata = &first["metadata"];
    for key in ["conversation_id", "session_id", "message_id"] {
        assert!(metadata[key].is_string(), "metadata.{key} is there: {metadata}");
    }
    assert!(metadata["citations"].is_array());
    assert!(
        first["timestamp"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok()
    );
}

#[tokio::test]
async fn a_conversation_read_right_after_a_chat_includes_it_and_sessions_continue() {
    let app = TestApp::spawn().await;
    let first: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "Assalamu alaikum", "session_id": "phone-1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let conversation_id = first[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(first[0]["metadata"]["session_id"], "phone-1");
    let token = app.token("alice", Role::User);

    let conversation: Value = app
        .get(&format!("/api/v1/conversations/{conversation_id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["user_id"], "alice");
    assert_eq!(conversation["session_id"], "phone-1");
    assert_eq!(conversation["status"], "active");
    let messages = conversation["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "read-your-writes: the chat is already there");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"], "Assalamu alaikum");
    assert_eq!(messages[1]["role"], "agent");
    assert_eq!(messages[1]["agent_type"], "user_interface");
    assert_eq!(messages[1]["message_id"], first[0]["metadata"]["message_id"]);
    assert_eq!(
        messages[1]["metadata"], first[0]["metadata"],
        "the stored reply is the one returned"
    );

    let second: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "What can you do?", "session_id": "phone-1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        second[0]["metadata"]["conversation_id"].as_str().unwrap(),
        conversation_id
    );
    let conversation: Value = app
        .get(&format!("/api/v1/conversations/{conversation_id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let contents: Vec<&str> = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        ["Assalamu alaikum", "What can you do?"],
        "in the order they happened"
    );

    // Without a session id, every chat is a new conversation; the list is newest first.
    let other: Vec<Value> = app
        .chat("alice", json!({"user_id": "alice", "content": "hello"}))
        .await
        .json()
        .await
        .unwrap();
    let other_id = other[0]["metadata"]["conversation_id"].as_str().unwrap();
    assert_ne!(other_id, conversation_id);
    let list: Value = app
        .get("/api/v1/users/alice/conversations", &token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other_id, conversation_id.as_str()]);
}

/// Sequential chats on one session decide against the conversation this server cached after the
/// previous append: not one append conflict. And an idle transaction in another database of the
/// same PostgreSQL server holds back neither the chats nor the projections.
#[tokio::test]
async fn sequential_chats_never_conflict_and_an_idle_session_elsewhere_holds_nothing_back() {
    use sqlx::Connection;
    let app = TestApp::spawn().await;
    let mut elsewhere = sqlx::PgConnection::connect(&crate::helpers::admin_url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut elsewhere).await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut elsewhere)
        .await
        .unwrap();

    let mut conversation_id = String::new();
    for n in 0..10 {
        let response = app
            .chat(
                "alice",
                json!({"user_id": "alice", "content": format!("question {n}"), "session_id": "desk"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let replies: Vec<Value> = response.json().await.unwrap();
        conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    }
    let metrics = app.metrics().await;
    assert!(metrics.contains("hijraah_append_conflicts_total 0\n"), "{metrics}");
    // Every projection reaches the head of the log while the other session stays open.
    app.wait_for_projections_and_index().await;
    let conversation: Value = app
        .get(
            &format!("/api/v1/conversations/{conversation_id}"),
            &app.token("alice", Role::User),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["messages"].as_array().unwrap().len(), 20);
    sqlx::query("ROLLBACK").execute(&mut elsewhere).await.unwrap();
}

#[tokio::test]
async fn many_concurrent_chats_on_one_session_all_succeed_and_are_recorded_once() {
    let app = TestApp::spawn().await;
    let requests = (0..24).map(|n| {
        app.chat(
            "alice",
            json!({"user_id": "alice", "content": format!("message {n}"), "session_id": "busy"}),
        )
    });
    let responses = join_all(requests).await;
    let mut conversation_ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        let replies: Vec<Value> = response.json().await.unwrap();
        conversation_ids.push(replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned());
    }
    conversation_ids.dedup();
    assert_eq!(conversation_ids.len(), 1, "one session, one conversation");
    let token = app.token("alice", Role::User);
    let conversation: Value = app
        .get(&format!("/api/v1/conversations/{}", conversation_ids[0]), &token)
        .await
        .json()
        .await
        .unwrap();
    let mut contents: Vec<String> = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    contents.sort();
    let mut expected: Vec<String> = (0..24).map(|n| format!("message {n}")).collect();
    expected.sort();
    assert_eq!(contents, expected, "each chat recorded exactly once");
    let started: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'ConversationStarted'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(started, 1);
}

#[tokio::test]
async fn users_write_and_read_only_their_own_conversations() {
    let app = TestApp::spawn().await;
    // Writing as someone else.
    let response = app
        .chat("mallory", json!({"user_id": "alice", "content": "hello"}))
        .await;
    expect_error(response, StatusCode::FORBIDDEN).await;

    let replies: Vec<Value> = app
        .chat("alice", json!({"user_id": "alice", "content": "hello"}))
        .await
        .json()
        .await
        .unwrap();
    let conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap();
    let path = format!("/api/v1/conversations/{conversation_id}");
    // Reading someone else's: not found, so ids cannot be probed.
    expect_error(
        app.get(&path, &app.token("mallory", Role::User)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        app.get(&path, &app.token("mallory", Role::Analyst)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        app.get("/api/v1/users/alice/conversations", &app.token("mallory", Role::User))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Admins may read any and act for a user.
    assert_eq!(
        app.get(&path, &app.token("root", Role::Admin)).await.status(),
        StatusCode::OK
    );
    let acting = app
        .client
        .post(app.url("/api/v1/chat"))
        .bearer_auth(app.token("root", Role::Admin))
        .json(&json!({"user_id": "alice", "content": "hello again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(acting.status(), StatusCode::OK);
    let actors: Vec<String> = sqlx::query_scalar(
        "SELECT metadata->>'actor' FROM events WHERE event_type = 'UserRequestReceived' ORDER BY position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actors.last().map(String::as_str),
        Some("root"),
        "the log names who acted"
    );
    // Unknown and malformed ids.
    let token = app.token("alice", Role::User);
    expect_error(
        app.get(&format!("/api/v1/conversations/{}", uuid::Uuid::now_v7()), &token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        app.get("/api/v1/conversations/not-a-uuid", &token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn an_ended_conversation_takes_no_more_messages() {
    let app = TestApp::spawn().await;
    let replies: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "hello", "session_id": "s"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap();
    let end = |user: &str| {
        app.client
            .post(app.url(&format!("/api/v1/conversations/{conversation_id}/end")))
            .bearer_auth(app.token(user, Role::User))
            .send()
    };
    expect_error(end("mallory").await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(end("alice").await.unwrap().status(), StatusCode::NO_CONTENT);
    expect_error(end("alice").await.unwrap(), StatusCode::CONFLICT).await;
    let code = expect_error(
        app.chat(
            "alice",
            json!({"user_id": "alice", "content": "more", "session_id": "s"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "conversation_ended");
    let conversation: Value = app
        .get(
            &format!("/api/v1/conversations/{conversation_id}"),
            &app.token("alice", Role::User),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["status"], "ended");
}

struct BrokenAgent;
struct SlowAgent;

impl Agent for BrokenAgent {
    fn agent_id(&self) -> &str {
        "broken-1"
    }
    fn agent_type(&self) -> &str {
        "knowledge"
    }
    fn score(&self, _: &AgentRequest) -> RouteScore {
        RouteScore {
            score: 0.9,
            reasons: vec!["test".into()],
        }
    }
    fn handle<'a>(&'a self, _: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async { Err(AgentError::Failed("index unavailable".into())) })
    }
}

impl Agent for SlowAgent {
    fn agent_id(&self) -> &str {
        "slow-1"
    }
    fn agent_type(&self) -> &str {
        "community"
    }
    fn score(&self, _: &AgentRequest) -> RouteScore {
        RouteScore {
            score: 0.8,
            reasons: vec!["test".into()],
        }
    }
    fn handle<'a>(&'a self, _: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(AgentAnswer {
                content: "too late".into(),
                confidence: 1.0,
                metadata: json!({}),
            })
        })
    }
}

#[tokio::test]
async fn a_failing_or_slow_agent_is_recorded_as_failed_and_the_others_still_answer() {
    let registry = default_registry();
    registry.register(Arc::new(BrokenAgent));
    registry.register(Arc::new(SlowAgent));
    let app = TestApp::spawn_with_registry(registry).await;
    let started = std::time::Instant::now();
    let response = app.chat("alice", json!({"user_id": "alice", "content": "hello"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the slow agent was cut off by its timeout"
    );
    let replies: Vec<Value> = response.json().await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["agent_type"], "user_interface");

    let failures: Vec<(String, String)> =
        sqlx::query_as("SELECT data->>'agent_id', data->>'reason' FROM events WHERE event_type = 'AgentFailed' ORDER BY data->>'agent_id'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        failures,
        [("broken-1".into(), "error".into()), ("slow-1".into(), "timeout".into())]
    );
    let routed: Value = sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'RequestRouted'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        routed["selected"],
        json!(["ui-1", "broken-1", "slow-1"]),
        "routing recorded with its scores"
    );
    assert_eq!(routed["scores"][1]["score"], 0.9);

    let health: Vec<Value> = app
        .get("/api/v1/agents/health", &app.token("alice", Role::User))
        .await
        .json()
        .await
        .unwrap();
    let status = |id: &str| health.iter().find(|h| h["agent_id"] == id).unwrap()["status"].clone();
    assert_eq!(status("ui-1"), "healthy");
    assert_eq!(status("broken-1"), "unhealthy");
    assert_eq!(status("slow-1"), "unhealthy");
    let broken = health.iter().find(|h| h["agent_id"] == "broken-1").unwrap();
    assert_eq!(broken["metrics"]["errors"], 1);
    assert_eq!(broken["agent_type"], "knowledge");
}

#[tokio::test]
async fn the_request_id_becomes_the_events_correlation_id() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/chat"))
        .bearer_auth(app.token("alice", Role::User))
        .header("x-request-id", "trace-abc-123")
        .json(&json!({"user_id": "alice", "content": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");
    let correlations: Vec<Option<String>> =
        sqlx::query_scalar("SELECT metadata->>'correlation_id' FROM events WHERE stream_id LIKE 'conversation-%'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(correlations.len() >= 4);
    assert!(correlations.iter().all(|c| c.as_deref() == Some("trace-abc-123")));
    // Replies are caused by the request event.
    let (request_id, causation): (uuid::Uuid, Option<String>) = sqlx::query_as(
        "SELECT (SELECT event_id FROM events WHERE event_type = 'UserRequestReceived'),
                (SELECT metadata->>'causation_id' FROM events WHERE event_type = 'AgentReplied')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(causation, Some(request_id.to_string()));
}

#[tokio::test]
async fn arabic_requests_are_answered_in_arabic_and_stored_intact() {
    let app = TestApp::spawn().await;
    let content = "السلام عليكم، أين القبلة؟ \u{200F}";
    let replies: Vec<Value> = app
        .chat("عائشة", json!({"user_id": "عائشة", "content": content}))
        .await
        .json()
        .await
        .unwrap();
    assert!(replies[0]["response"].as_str().unwrap().contains("وعليكم السلام"));
    // Sealed in the log, and intact when its user's key opens it (the analysts' view of the log).
    let raw: Value = sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'UserRequestReceived'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(raw["content"].as_str().unwrap().starts_with("enc:v2:"));
    let page: Value = app
        .get("/api/v1/events?after=0&limit=100", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let stored = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "UserRequestReceived")
        .unwrap()["data"]
        .clone();
    assert_eq!(stored["content"], content.trim());
    assert_eq!(stored["language"], "ar");
}

/// A client may send its interface's language with a question typed in another script: the
/// words are searched in the script they are written in, and the reply keeps the language sent.
#[tokio::test]
async fn a_question_typed_in_arabic_is_searched_in_arabic_whatever_language_the_client_sends() {
    let app = TestApp::spawn().await;
    crate::eval::import_quran(&app).await;
    let replies: Vec<Value> = app
        .chat(
            "bilal",
            json!({"user_id": "bilal", "content": "ما تفسير آية إنما المؤمنون إخوة؟", "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let knowledge = replies
        .iter()
        .find(|reply| reply["agent_type"] == "knowledge")
        .unwrap_or_else(|| panic!("{replies:?}"));
    let cited: Vec<&str> = knowledge["metadata"]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|citation| citation["id"].as_str())
        .collect();
    // "The believers are but brothers" (49:10), searched in Arabic; searched as English, the
    // Arabic words found nothing.
    assert_eq!(
        cited.first(),
        Some(&"quran:49:10"),
        "{cited:?}: {}",
        knowledge["response"]
    );
    // In the language the client asked for.
    let response = knowledge["response"].as_str().unwrap();
    assert!(response.starts_with("These"), "{response}");
}

#[tokio::test]
async fn a_failing_agents_circuit_opens_and_it_is_then_not_called_at_all() {
    use hijraah::agents::Registry;
    use hijraah::agents::registry::{BreakerSettings, SystemClock};
    use hijraah::agents::user_interface::UserInterfaceAgent;

    let settings = BreakerSettings {
        failure_threshold: 2,
        cooldown: Duration::from_secs(600),
    };
    let registry = Arc::new(Registry::new(settings, Arc::new(SystemClock)));
    registry.register(Arc::new(UserInterfaceAgent::new("ui-1")));
    registry.register(Arc::new(BrokenAgent));
    let app = TestApp::spawn_with_registry(registry).await;
    for n in 0..3 {
        let response = app
            .chat("alice", json!({"user_id": "alice", "content": format!("hello {n}")}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "the chat still answers");
    }
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT data->>'reason' FROM events WHERE event_type = 'AgentFailed' AND data->>'agent_id' = 'broken-1' ORDER BY position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["error", "error", "circuit_open"]);
    let health: Vec<Value> = app
        .get("/api/v1/agents/health", &app.token("alice", Role::User))
        .await
        .json()
        .await
        .unwrap();
    let broken = health.iter().find(|h| h["agent_id"] == "broken-1").unwrap();
    assert_eq!(broken["metrics"]["circuit"], "open");
    assert_eq!(broken["status"], "unhealthy");
    assert_eq!(
        broken["metrics"]["requests"], 2,
        "the third call never reached the agent"
    );
    let ui = health.iter().find(|h| h["agent_id"] == "ui-1").unwrap();
    assert_eq!(ui["metrics"]["circuit"], "closed");
}

/// The chat answers once its events are durable, without waiting for the read models; a read
/// waits instead, until they hold what was acknowledged before it. So a client that chats through
/// one server and reads through another (behind a load balancer) sees its chat at once: the
/// conversation, the user's list, and feedback on the reply, with nothing waited for in between.
#[tokio::test]
async fn a_chat_on_one_server_is_read_at_once_on_another() {
    let app = TestApp::spawn().await;
    let second = crate::helpers::SecondServer::spawn(&app, |_| {}).await;
    let token = app.token("alice", Role::User);
    for round in 0..5 {
        let replies: Vec<Value> = app
            .chat(
                "alice",
                json!({"user_id": "alice", "content": format!("Assalamu alaikum, round {round}")}),
            )
            .await
            .json()
            .await
            .unwrap();
        let conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap();
        let message_id = replies[0]["metadata"]["message_id"].as_str().unwrap();

        let read = app
            .client
            .get(format!("{}/api/v1/conversations/{conversation_id}", second.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK, "round {round}");
        let read: Value = read.json().await.unwrap();
        let messages = read["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2, "round {round}: {read}");
        assert_eq!(messages[1]["message_id"], message_id);

        let listed: Value = app
            .client
            .get(format!("{}/api/v1/users/alice/conversations", second.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed["conversations"].as_array().unwrap().len(),
            round + 1,
            "round {round}: {listed}"
        );

        let feedback = app
            .client
            .post(format!("{}/api/v1/messages/{message_id}/feedback", second.address))
            .bearer_auth(&token)
            .json(&json!({"helpful": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(feedback.status(), StatusCode::ACCEPTED, "round {round}");
    }
    second.shutdown().await;
}
