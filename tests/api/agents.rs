//! The migration and analytics agents, routing decisions, and custom agents registered by an
//! admin and called over a real socket.

use std::time::Duration;

use axum::Json;
use axum::routing::post;
use hijraah::startup::Application;
use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, find_reply, replies_to, settings_for};

/// A newcomer names the country they are moving to: its own notes where we have written them, in
/// either language; where we have none, the general plan and a plain word that it is general,
/// never another country's rules.
#[tokio::test]
async fn the_migration_agent_gives_the_named_countrys_notes_or_says_it_has_none() {
    let app = TestApp::spawn().await;
    let ask = |content: &'static str| replies_to(&app, "alice", Role::User, content, Value::Null);
    let replies = ask("We are moving to Sweden next month, where do we start?").await;
    let sweden = find_reply(&replies, "migration").unwrap_or_else(|| panic!("a migration reply: {replies:#?}"));
    let text = sweden["response"].as_str().unwrap();
    assert_eq!(sweden["metadata"]["country"], "SE");
    assert!(text.contains("Skatteverket") && text.contains("personnummer"), "{text}");
    assert!(!text.contains("no notes specific"), "{text}");

    let replies = ask("نحن ننتقل إلى السويد الشهر القادم، من أين نبدأ؟").await;
    let arabic = find_reply(&replies, "migration").unwrap_or_else(|| panic!("a migration reply: {replies:#?}"));
    assert_eq!(arabic["metadata"]["country"], "SE");
    assert!(
        arabic["response"].as_str().unwrap().contains("الرقم الشخصي"),
        "{arabic}"
    );

    let replies = ask("I'm moving to Japan for work, how do I settle in?").await;
    let japan = find_reply(&replies, "migration").unwrap_or_else(|| panic!("a migration reply: {replies:#?}"));
    let text = japan["response"].as_str().unwrap();
    assert_eq!(japan["metadata"]["country"], "JP");
    assert_eq!(japan["metadata"]["country_notes"], false);
    assert!(text.contains("I have no notes specific to Japan yet"), "{text}");
    for other in ["Anmeldung", "Skatteverket", "National Insurance", "Social Security"] {
        assert!(!text.contains(other), "no other country's rules: {text}");
    }
}

#[tokio::test]
async fn the_migration_agent_guides_newcomers_and_the_checklist_is_recorded_as_events() {
    let app = TestApp::spawn().await;
    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "I just moved to Germany, what documents do I need?",
        Value::Null,
    )
    .await;
    let migration = find_reply(&replies, "migration").expect("a migration reply");
    let text = migration["response"].as_str().unwrap();
    assert!(text.contains("Documents to sort out"), "{text}");
    assert!(text.contains("Anmeldung"), "the country note for Germany: {text}");
    assert_eq!(migration["metadata"]["country"], "DE");
    assert!(
        migration["metadata"]["resources"]
            .as_array()
            .unwrap()
            .contains(&json!("documents-checklist"))
    );

    let token = app.token("alice", Role::User);
    let mark = |item: &str, done: bool, token: String, user: &str| {
        app.client
            .put(app.url(&format!("/api/v1/users/{user}/checklist/{item}")))
            .bearer_auth(token)
            .json(&json!({"done": done}))
            .send()
    };
    let marked = mark("find-mosque", true, token.clone(), "alice").await.unwrap();
    assert_eq!(marked.status(), StatusCode::OK);
    let checklist: Value = marked.json().await.unwrap();
    assert_eq!(checklist["done"], 1);
    let item = checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_id"] == "find-mosque")
        .unwrap();
    assert_eq!(item["done"], true);
    // Another user's checklist is not theirs to read or change; unknown items are 404.
    expect_error(
        mark("find-mosque", true, app.token("bob", Role::User), "alice")
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        app.get("/api/v1/users/alice/checklist", &app.token("bob", Role::User))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        mark("fly-to-mars", true, token.clone(), "alice").await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let recorded: Vec<(String, Value)> =
        sqlx::query_as("SELECT stream_id, data FROM events WHERE event_type = 'ChecklistItemMarked'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        recorded,
        [(
            "checklist-alice".to_owned(),
            json!({"user_id": "alice", "item_id": "find-mosque", "done": true})
        )]
    );
    // The agent reports the progress.
    let replies = replies_to(&app, "alice", Role::User, "Show my settling-in checklist", Value::Null).await;
    let progress = find_reply(&replies, "migration").expect("a migration reply");
    assert!(
        progress["response"].as_str().unwrap().contains("1 of 14 done"),
        "{}",
        progress["response"]
    );

    let resources: Value = app
        .get("/api/v1/migration/resources?q=halal%20meat", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resources["resources"][0]["id"], "halal-food");
}

#[tokio::test]
async fn the_analytics_agent_gives_analysts_aggregates_and_users_only_their_own_usage() {
    let app = TestApp::spawn().await;
    replies_to(
        &app,
        "bob",
        Role::User,
        "my private question about my neighbour",
        Value::Null,
    )
    .await;
    replies_to(&app, "alice", Role::User, "hello", Value::Null).await;
    let replies = replies_to(&app, "alice", Role::User, "Show me the usage statistics", Value::Null).await;
    let own = find_reply(&replies, "analytics").expect("an analytics reply");
    assert_eq!(own["metadata"]["scope"], "own");
    let text = own["response"].as_str().unwrap();
    assert!(!text.contains("bob") && !text.contains("neighbour"), "{text}");
    assert!(text.contains("Your own usage"), "{text}");

    // Three conversations so far (each chat without a session starts one). Once the analytics
    // projection has them, the analyst's question counts exactly those: its own conversation is
    // recorded after the agents answered.
    app.wait_for_projections_and_index().await;
    let replies = replies_to(
        &app,
        "ana",
        Role::Analyst,
        "how many conversations? usage statistics",
        Value::Null,
    )
    .await;
    let service = find_reply(&replies, "analytics").expect("an analytics reply").clone();
    assert_eq!(service["metadata"]["analytics"]["total_conversations"], 3, "{service}");
    assert_eq!(service["metadata"]["scope"], "service");
    assert!(service["response"].as_str().unwrap().contains("conversations"));
    let serialized = service.to_string();
    for private in ["bob", "alice", "neighbour"] {
        assert!(!serialized.contains(private), "{private} leaked into {serialized}");
    }
}

#[tokio::test]
async fn routing_is_recorded_with_scores_reasons_and_a_decision() {
    let app = TestApp::spawn().await;
    // The seed's expectation: at least two replies, one of them financial_services.
    let replies = replies_to(&app, "alice", Role::User, "How do I calculate Zakat?", Value::Null).await;
    assert!(replies.len() >= 2);
    assert_eq!(replies[0]["agent_type"], "user_interface");
    assert!(find_reply(&replies, "financial_services").is_some());
    // A request spanning two agents fans out to both.
    let both = replies_to(
        &app,
        "alice",
        Role::User,
        "What are the prayer times in London and how much zakat on my savings?",
        Value::Null,
    )
    .await;
    assert!(find_reply(&both, "community").is_some() && find_reply(&both, "financial_services").is_some());
    // References go to the knowledge agent, which quotes the verse (Al-Fatiha's 7 and
    // Al-Baqarah up to 2:255 imported).
    let dir = tempfile::tempdir().unwrap();
    let quran = crate::knowledge::excerpt(dir.path(), "quran.jsonl", 7 + 255, &[]);
    crate::knowledge::import(&app, &[&quran]);
    app.wait_for_projections_and_index().await;
    let reference = replies_to(&app, "alice", Role::User, "2:255", Value::Null).await;
    let knowledge = find_reply(&reference, "knowledge").expect("the knowledge agent answers");
    assert_eq!(
        knowledge["metadata"]["citations"][0]["id"], "quran:2:255",
        "{knowledge}"
    );
    assert!(
        knowledge["response"]
            .as_str()
            .unwrap()
            .contains("Allah - there is no deity except Him, the Ever-Living"),
        "{knowledge}"
    );

    let routed: Vec<Value> =
        sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'RequestRouted' ORDER BY position")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let zakat = &routed[0];
    assert_eq!(zakat["decision"], "selected");
    let financial = zakat["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agent_type"] == "financial_services")
        .unwrap();
    assert!(financial["score"].as_f64().unwrap() >= 0.5);
    assert!(financial["reasons"][0].as_str().unwrap().contains("zakat"));
    assert!(zakat["selected"].as_array().unwrap().contains(&json!("financial-1")));
    let community = routed[1]["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agent_type"] == "community")
        .unwrap();
    assert!(
        community["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("gazetteer"))
    );
}

/// A custom agent over HTTP: answers with the text it was sent, after `delay`.
async fn spawn_custom_agent(delay: Duration) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/answer", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/answer",
        post(move |Json(request): Json<Value>| async move {
            tokio::time::sleep(delay).await;
            assert!(request.get("user_id").is_none(), "a custom agent is not told who asked");
            Json(json!({
                "response": format!("Halal restaurants near you, for: {}", request["content"].as_str().unwrap_or_default()),
                "confidence": 0.7,
                "metadata": {"source": "test directory"}
            }))
        }),
    );
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (address, server)
}

async fn register(app: &TestApp, role: Role, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/agents/custom"))
        .bearer_auth(app.token("root", role))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn custom_agents_are_registered_called_over_http_and_degrade_gracefully() {
    let app = TestApp::spawn().await;
    let (endpoint, _server) = spawn_custom_agent(Duration::ZERO).await;
    let registration = json!({"agent_id": "halal-eats", "name": "Halal eats", "agent_type": "restaurants",
                              "endpoint": endpoint, "keywords": ["restaurant", "eat out"], "timeout_ms": 2000});
    expect_error(
        register(&app, Role::Curator, registration.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        register(&app, Role::Admin, registration.clone()).await.status(),
        StatusCode::CREATED
    );
    expect_error(
        register(&app, Role::Admin, registration.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    // A type a built-in agent serves is taken, like an id: a conflict with what exists.
    let mut taken = registration.clone();
    taken["agent_type"] = json!("knowledge");
    taken["agent_id"] = json!("other");
    let code = expect_error(register(&app, Role::Admin, taken).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "agent_exists");
    let mut bad = registration.clone();
    bad["agent_type"] = json!("Not A Type");
    bad["agent_id"] = json!("other");
    expect_error(register(&app, Role::Admin, bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "Where can I find a halal restaurant?",
        Value::Null,
    )
    .await;
    let custom = find_reply(&replies, "restaurants").expect("the custom agent's reply");
    assert_eq!(custom["agent_id"], "halal-eats");
    assert!(custom["response"].as_str().unwrap().contains("halal restaurant"));
    assert_eq!(custom["metadata"]["agent_metadata"]["source"], "test directory");
    assert_eq!(
        custom["metadata"]["citations"],
        json!([]),
        "only our index backs citations"
    );
    let actor: String =
        sqlx::query_scalar("SELECT metadata->>'actor' FROM events WHERE event_type = 'CustomAgentRegistered'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(actor, "root");

    // A new server on the same database loads it from the log.
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::copy(app.data_dir.path().join("kek"), data_dir.path().join("kek")).unwrap();
    let restarted = Application::build(
        &settings_for(&app.db, data_dir.path().to_path_buf()),
        app.db.pool.clone(),
    )
    .await
    .unwrap();
    assert!(
        restarted
            .state()
            .registry
            .agents()
            .iter()
            .any(|a| a.agent.agent_id() == "halal-eats")
    );
    // Running beside the first server, it follows a removal made through the first.
    let other_state = restarted.state().clone();
    let stop_other = tokio_util::sync::CancellationToken::new();
    let other = tokio::spawn(restarted.run_until_stopped(stop_other.clone()));

    // Removed: no longer called, here at once and on the other server within its sync interval.
    let removed = app
        .client
        .delete(app.url("/api/v1/agents/custom/halal-eats"))
        .bearer_auth(app.token("root", Role::Admin))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "Where can I find a halal restaurant?",
        Value::Null,
    )
    .await;
    assert!(find_reply(&replies, "restaurants").is_none());
    // The other server follows the removal from the log (its projector wakes its registry).
    let gone_there = other_state
        .registry
        .wait_until(
            |registry| !registry.agents().iter().any(|a| a.agent.agent_id() == "halal-eats"),
            Duration::from_secs(15),
        )
        .await;
    assert!(gone_there, "the other server dropped the removed agent");
    stop_other.cancel();
    other.await.unwrap().unwrap();

    // Slow (past its own timeout) and unreachable agents cost only their own answers.
    let (slow_endpoint, _slow) = spawn_custom_agent(Duration::from_secs(3)).await;
    let slow = json!({"agent_id": "slow-eats", "name": "Slow", "agent_type": "restaurants",
                      "endpoint": slow_endpoint, "keywords": ["restaurant"], "timeout_ms": 200});
    assert_eq!(register(&app, Role::Admin, slow).await.status(), StatusCode::CREATED);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let gone = json!({"agent_id": "gone-eats", "name": "Gone", "agent_type": "restaurants",
                      "endpoint": format!("http://127.0.0.1:{port}/answer"), "keywords": ["restaurant"]});
    assert_eq!(register(&app, Role::Admin, gone).await.status(), StatusCode::CREATED);
    let started = std::time::Instant::now();
    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "Where can I find a halal restaurant?",
        Value::Null,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow agent was cut off at its timeout"
    );
    assert_eq!(replies[0]["agent_type"], "user_interface");
    assert!(find_reply(&replies, "restaurants").is_none());
    let failures: Vec<String> = sqlx::query_scalar(
        "SELECT data->>'agent_id' FROM events WHERE event_type = 'AgentFailed' ORDER BY data->>'agent_id'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(failures, ["gone-eats", "slow-eats"]);
}
