//! Operations endpoints and the OpenAPI document.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

#[tokio::test]
async fn health_readiness_and_metrics_need_no_token() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    app.chat("alice", json!({"user_id": "alice", "content": "hello"})).await;
    let metrics = app.metrics().await;
    assert!(metrics.contains("hijraah_chats_total 1"), "{metrics}");
    assert!(metrics.contains(r#"hijraah_http_requests_total{method="POST",route="/api/v1/chat",status="200"} 1"#));
    assert!(metrics.contains("hijraah_projection_position{projection=\"conversations\"}"));
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.pool.close().await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    let code = expect_error(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(code, "service_unavailable");
}

/// The served document is generated from the routes: the contract's endpoints are in it, every
/// operation under `/api/v1` documents its authentication and server errors, every error
/// response uses the error shape whose codes are listed, and every documented path is served.
#[tokio::test]
async fn the_openapi_document_is_generated_from_the_routes_it_describes() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    // The contract's endpoints (../shared/CONTRACT.md).
    for (path, method) in [
        ("/api/v1/chat", "post"),
        ("/api/v1/conversations/{conversation_id}", "get"),
        ("/api/v1/users/{user_id}/conversations", "get"),
        ("/api/v1/agents/health", "get"),
        ("/api/v1/analytics", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/knowledge/search", "get"),
        ("/api/v1/workflows", "get"),
        ("/api/v1/workflows/{name}", "put"),
        ("/api/v1/workflows/{name}/runs", "post"),
        ("/api/v1/workflows/runs", "get"),
        ("/api/v1/workflows/runs/{run_id}", "get"),
        ("/api/v1/workflows/runs/{run_id}/signals/{signal}", "post"),
        ("/api/v1/workflows/runs/{run_id}/cancel", "post"),
        ("/api/v1/messages/{message_id}/feedback", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
    // What answers without a token says so, and what needs one says that too: each checked
    // against the server itself.
    for (path, method, public) in [
        ("/api/v1/session/options", "get", true),
        ("/api/v1/session/dev", "post", true),
        ("/api/v1/session", "delete", true),
        ("/api/v1/chat", "post", false),
        ("/api/v1/finance/zakat", "post", false),
    ] {
        let security = &paths[path][method]["security"];
        assert_eq!(security.is_null(), public, "{method} {path}: {security}");
        let url = app.url(path);
        let answered = match method {
            "get" => app.client.get(&url).send().await,
            "post" => app.client.post(&url).json(&json!({})).send().await,
            _ => app.client.delete(&url).send().await,
        }
        .unwrap()
        .status();
        assert_eq!(
            answered == StatusCode::UNAUTHORIZED,
            !public,
            "{method} {path} without a token: {answered}"
        );
    }
    let codes: Vec<&str> = document["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("the error codes are listed")
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    for code in [
        "invalid_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "version_conflict",
        "rate_limited",
        "internal_error",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
                continue;
            }
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            // A public operation (no security requirement) never answers 401.
            let statuses: &[&str] = if operation["security"].is_null() {
                &["429", "500"]
            } else {
                &["401", "429", "500"]
            };
            for status in statuses {
                assert!(responses.contains_key(*status), "{method} {path} documents {status}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                        "{method} {path} {status} uses the error shape"
                    );
                }
            }
            if operation.get("requestBody").is_some() {
                assert!(responses.contains_key("415"), "{method} {path} documents 415");
                assert!(responses.contains_key("413"), "{method} {path} documents 413");
            }
        }
    }
    assert!(operations > 30, "{operations} operations");
    // And nothing documented is missing from the server: each documented GET route answers
    // something other than our "no such endpoint" fallback.
    let token = app.token("root", Role::Admin);
    for (path, item) in paths {
        if item.get("get").is_some() && !path.contains('{') {
            let response = app.get(path, &token).await;
            assert_ne!(response.status(), StatusCode::NOT_FOUND, "{path} is served");
        }
    }
}

#[tokio::test]
async fn analytics_are_for_analysts_and_hold_no_user_ids_or_text() {
    let app = TestApp::spawn().await;
    let mut confidences = Vec::new();
    for (user, content) in [("alice", "secret question about my neighbour"), ("bob", "hello")] {
        let replies: Vec<Value> = app
            .chat(user, json!({"user_id": user, "content": content}))
            .await
            .json()
            .await
            .unwrap();
        confidences.push(replies[0]["confidence"].as_f64().unwrap());
    }
    let mean = confidences.iter().sum::<f64>() / confidences.len() as f64;
    expect_error(
        app.get("/api/v1/analytics", &app.token("alice", Role::User)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        app.get("/api/v1/analytics", &app.token("cu", Role::Curator)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // The analytics projection runs on its own: wait until it has applied both chats.
    app.wait_for_projections_and_index().await;
    let token = app.token("ana", Role::Analyst);
    let analytics: Value = app.get("/api/v1/analytics", &token).await.json().await.unwrap();
    assert_eq!(analytics["total_conversations"], 2);
    assert_eq!(analytics["total_messages"], 4);
    assert_eq!(analytics["requests_by_agent_type"]["user_interface"], 2);
    let ui = &analytics["agent_types"]["user_interface"];
    assert!(
        (ui["average_confidence"].as_f64().unwrap() - mean).abs() < 0.001,
        "{ui} vs {mean}"
    );
    assert!(ui["latency_ms"]["p50_ms"].as_i64().is_some());
    let text = analytics.to_string();
    for leak in ["alice", "bob", "secret question", "neighbour"] {
        assert!(!text.contains(leak), "analytics leak `{leak}`: {text}");
    }
    assert_eq!(
        app.get("/api/v1/analytics", &app.token("root", Role::Admin))
            .await
            .status(),
        StatusCode::OK
    );
}

/// `GET /api/v1/projections`: each read model's checkpoint and lag, for admins and analysts.
#[tokio::test]
async fn projections_show_their_checkpoint_and_lag_to_admins_and_analysts() {
    let app = TestApp::spawn().await;
    crate::helpers::alice_asks(&app, "Assalamu alaikum", Value::Null).await;
    app.wait_for_projections_and_index().await;
    let refused = app.get("/api/v1/projections", &app.token("alice", Role::User)).await;
    expect_error(refused, StatusCode::FORBIDDEN).await;
    let statuses: Vec<Value> = app
        .get("/api/v1/projections", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let head = app.state.store.head().await.unwrap();
    assert_eq!(statuses.len(), hijraah_projections::Projection::ALL.len() + 1);
    let vectors = statuses.iter().find(|s| s["name"] == "knowledge_vectors").unwrap();
    assert_eq!(
        vectors["encoder"]["state"], "no_model",
        "with no model, the texts' vectors say search is by words: {vectors}"
    );
    let conversations = statuses.iter().find(|s| s["name"] == "conversations").unwrap();
    assert_eq!(conversations["position"], head.position);
    assert_eq!(conversations["lag_events"], 0);
    assert_eq!(conversations["lag_seconds"], 0.0);
    assert_eq!(
        conversations["leader"], true,
        "a server alone holds the projection lease"
    );
}

/// Two servers on one database: exactly one holds the projection lease and says so in `/readyz`;
/// when it stops, the other takes the lease over within seconds and goes on projecting, so its
/// chats still read their own writes, each applied once.
#[tokio::test]
async fn the_projection_lease_passes_to_the_other_server_when_its_holder_stops() {
    let mut first = TestApp::spawn().await;
    // A server alone takes the lease once its lease task has reached the database.
    let lease_wait = std::time::Duration::from_secs(10);
    assert!(
        lease_held_within(first.state.projector.lease(), lease_wait)
            .await
            .is_some(),
        "a server alone takes the projection lease"
    );
    let first_ready = ready(&first.client, &first.url("/readyz")).await;
    assert_eq!(first_ready["projection_lease"], true, "{first_ready}");

    let second = crate::helpers::SecondServer::spawn(&first, |settings| {
        settings.node_name = Some("second".into());
    })
    .await;
    let second_url = second.address.clone();
    let second_state = second.state.clone();

    // The second server follows: it does not lead, and names the first as the holder.
    let follower = ready(&first.client, &format!("{second_url}/readyz")).await;
    assert_eq!(follower["projection_lease"], false, "{follower}");
    assert_eq!(follower["node"], "second");
    assert_eq!(follower["lease_holder"], first_ready["node"], "{follower}");
    // A chat through the follower is projected by the leader and read back through the follower.
    let token = first.token("alice", Role::User);
    let asked = first
        .client
        .post(format!("{second_url}/api/v1/chat"))
        .bearer_auth(&token)
        .json(&json!({"user_id": "alice", "content": "Assalamu alaikum", "session_id": "lease"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);

    first.shutdown().await;
    let took_over = lease_held_within(second_state.projector.lease(), lease_wait)
        .await
        .expect("the second server took the lease within 10 s");
    assert!(took_over < std::time::Duration::from_secs(5), "{took_over:?}");
    let leader = ready(&first.client, &format!("{second_url}/readyz")).await;
    assert_eq!(leader["projection_lease"], true, "{leader}");
    assert_eq!(leader["lease_holder"], "second", "{leader}");

    let again = first
        .client
        .post(format!("{second_url}/api/v1/chat"))
        .bearer_auth(&token)
        .json(&json!({"user_id": "alice", "content": "And how are you?", "session_id": "lease"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let replies: Vec<Value> = again.json().await.unwrap();
    let conversation = replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    let head = second_state.store.head().await.unwrap();
    for projection in hijraah_projections::Projection::ALL {
        assert!(
            second_state
                .projector
                .wait_for(projection, head, std::time::Duration::from_secs(10))
                .await,
            "the new leader projects {}",
            projection.name()
        );
    }
    let read: Value = first
        .client
        .get(format!("{second_url}/api/v1/conversations/{conversation}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let asked: Vec<&str> = read["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|message| message["role"] == "user")
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(asked, ["Assalamu alaikum", "And how are you?"], "each once, in order");
    second.shutdown().await;
}

/// How long until `lease` is held, waiting on its changes for at most `limit`.
async fn lease_held_within(
    lease: &hijraah::lease::ProjectionLease,
    limit: std::time::Duration,
) -> Option<std::time::Duration> {
    let started = std::time::Instant::now();
    let mut held = lease.subscribe();
    tokio::time::timeout(limit, held.wait_for(|held| *held))
        .await
        .ok()?
        .ok()?;
    Some(started.elapsed())
}

async fn ready(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// A server asked to stop answers `/readyz` with 503 while it drains, and finishes the request
/// it was serving.
#[tokio::test]
async fn a_stopping_server_says_it_is_draining_and_finishes_what_is_in_flight() {
    let app = TestApp::spawn_configured(hijraah::startup::default_registry(), |settings| {
        settings.drain_grace = std::time::Duration::from_millis(1_500);
    })
    .await;
    let ready_before = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready_before.status(), StatusCode::OK);
    app.stop.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), app.state.draining.cancelled())
        .await
        .expect("the server starts draining");
    // Still accepting during the grace, but no longer ready.
    let draining = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert!(draining.headers().contains_key("retry-after"));
    expect_error(draining, StatusCode::SERVICE_UNAVAILABLE).await;
    let chat = app.chat("alice", json!({"user_id": "alice", "content": "hello"})).await;
    assert_eq!(chat.status(), StatusCode::OK, "served during the grace");
}
