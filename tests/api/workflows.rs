//! Durable workflows through the API: the three built-ins end to end, bad input refused with
//! nothing recorded, a server killed (`kill -9`, a real process) between steps and restarted
//! with its timer fired during the downtime and no step executed twice, and two servers on one
//! database advancing 100 runs with every step executed once.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::routing::post;
use hijraah::startup::{Application, default_registry};
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::helpers::{
    NotifySocket, SECRET, TestApp, TestDatabase, Told, expect_error, free_port, replies_to, wait_notified,
};

async fn send(
    app_url: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{app_url}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request sent")
}

async fn start(app: &TestApp, user: &str, name: &str, input: Value) -> String {
    let response = send(
        &app.address,
        reqwest::Method::POST,
        &format!("/api/v1/workflows/{name}/runs"),
        &app.token(user, Role::User),
        Some(json!({"input": input})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    body["run_id"].as_str().unwrap().to_owned()
}

/// Reads the run, then again each time its stream records an event (followed live over SSE,
/// as an analyst), until `done` says it is where the test wants it. Runs advance in the
/// background; this wakes on their events, never on a timer, and fails after 30 s without.
pub(crate) async fn run_until(address: &str, token: &str, run_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    use futures_util::StreamExt;
    let watcher = hijraah::auth::JwtKeys::new(SECRET.as_bytes())
        .mint(
            &hijraah_domain::ids::UserId::parse("watcher").unwrap(),
            Role::Analyst,
            Duration::from_secs(600),
        )
        .unwrap();
    let live = reqwest::Client::new()
        .get(format!("{address}/api/v1/events?after=0&stream_id=workflow-{run_id}"))
        .bearer_auth(watcher)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the run's events, live");
    assert_eq!(live.status(), StatusCode::OK);
    let mut events = live.bytes_stream();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut last = Value::Null;
    loop {
        let response = send(
            address,
            reqwest::Method::GET,
            &format!("/api/v1/workflows/runs/{run_id}"),
            token,
            None,
        )
        .await;
        if response.status() == StatusCode::OK {
            last = response.json().await.unwrap();
            if done(&last) {
                return last;
            }
        }
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(Ok(_))) => {}
            _ => panic!("run {run_id} did not get there: {last:#}"),
        }
    }
}

fn status_is(status: &'static str) -> impl Fn(&Value) -> bool {
    move |run| run["status"] == status
}

#[tokio::test]
async fn zakat_assessment_asks_for_missing_assets_computes_exactly_and_schedules_the_hawl_reminder() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", Role::User);
    let listed: Value = app.get("/api/v1/workflows", &alice).await.json().await.unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    let relocation = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "relocation_onboarding")
        .unwrap();
    assert_eq!(relocation["input"]["city"]["type"], "string");
    assert!(relocation["steps"].as_array().unwrap().len() >= 5);
    for builtin in ["answer_review", "relocation_onboarding", "zakat_assessment"] {
        assert!(names.contains(&builtin), "{names:?}");
    }

    // Without assets, the run waits for them.
    let run_id = start(
        &app,
        "alice",
        "zakat_assessment",
        json!({"remind": true, "hawl_start": "2026-03-20"}),
    )
    .await;
    let waiting = run_until(&app.address, &alice, &run_id, status_is("waiting")).await;
    assert_eq!(waiting["waiting_for"]["signal"], "assets");
    // Someone else's run is not theirs to see or signal.
    let bob = app.token("bob", Role::User);
    let hidden = send(
        &app.address,
        reqwest::Method::GET,
        &format!("/api/v1/workflows/runs/{run_id}"),
        &bob,
        None,
    )
    .await;
    expect_error(hidden, StatusCode::NOT_FOUND).await;
    // A payload that does not fit is refused; then the assets come.
    let signal = format!("/api/v1/workflows/runs/{run_id}/signals/assets");
    let wrong = send(
        &app.address,
        reqwest::Method::POST,
        &signal,
        &alice,
        Some(json!({"assets": "lots"})),
    )
    .await;
    expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    let assets = json!({"assets": {"cash": "10000", "gold_price_per_gram": "80", "debts_due": "1500.50"}});
    let sent = send(&app.address, reqwest::Method::POST, &signal, &alice, Some(assets)).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);

    // Computed exactly, then asleep until the next hawl: 1 Ramadan 1447 → 1 Ramadan 1448.
    let sleeping = run_until(&app.address, &alice, &run_id, |run| {
        run["waiting_for"]["timer"].is_string()
    })
    .await;
    let compute = sleeping["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "compute")
        .unwrap();
    assert_eq!(compute["status"], "completed");
    assert_eq!(compute["attempts"], 1);
    assert_eq!(compute["output"]["zakat_amount"], "212.49", "2.5% of 8499.50");
    assert_eq!(compute["output"]["zakat_due"], true);
    // The index is empty here: the citations are reported missing, never made up.
    let citations = sleeping["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "citations")
        .unwrap();
    assert_eq!(citations["output"]["missing"], json!(["quran:9:60", "quran:9:103"]));
    assert_eq!(citations["output"]["hits"], json!([]));
    let hawl = sleeping["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "next_hawl")
        .unwrap();
    let next = &hawl["output"];
    assert_eq!(
        sleeping["waiting_for"]["timer"],
        format!("{}T00:00:00Z", next["gregorian"].as_str().unwrap())
    );
    let hawl_start = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let then = chrono::NaiveDate::parse_from_str(next["gregorian"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert!(
        (354..=355).contains(&(then - hawl_start).num_days()),
        "a lunar year on: {then}"
    );
    assert_eq!(next["hijri"]["year"], 1448);
    assert_eq!(sleeping["status"], "waiting");

    // Cancelled by its owner; a cancelled run takes no more signals.
    let cancel = format!("/api/v1/workflows/runs/{run_id}/cancel");
    let cancelled = send(&app.address, reqwest::Method::POST, &cancel, &alice, None).await;
    assert_eq!(cancelled.status(), StatusCode::ACCEPTED);
    let late = send(
        &app.address,
        reqwest::Method::POST,
        &signal,
        &alice,
        Some(json!({"assets": {}})),
    )
    .await;
    assert_eq!(expect_error(late, StatusCode::CONFLICT).await, "workflow_not_waiting");

    // With the assets given at the start, it goes straight to the computation and completes.
    let direct = start(
        &app,
        "alice",
        "zakat_assessment",
        json!({"assets": {"cash": "100", "gold_price_per_gram": "80"}}),
    )
    .await;
    let done = run_until(&app.address, &alice, &direct, status_is("completed")).await;
    assert_eq!(done["output"]["zakat"]["zakat_due"], false, "below the nisab");
    assert_eq!(done["output"]["assets_received"], true);

    // The list is the read model: the user's own runs.
    app.wait_for_projections_and_index().await;
    let page: Value = app
        .get("/api/v1/workflows/runs?definition=zakat_assessment&limit=1", &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["runs"].as_array().unwrap().len(), 1);
    let next = page["next_after"].as_str().unwrap();
    let rest: Value = app
        .get(
            &format!("/api/v1/workflows/runs?definition=zakat_assessment&after={next}"),
            &alice,
        )
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["runs"].as_array().unwrap())
        .map(|run| run["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "cancelled"]);
    let bobs: Value = app.get("/api/v1/workflows/runs", &bob).await.json().await.unwrap();
    assert_eq!(bobs["runs"], json!([]));

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("hijraah_workflow_runs{status=\"completed\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("hijraah_workflow_runs{status=\"cancelled\"} 1"));
    assert!(metrics.contains("hijraah_workflow_step_attempts_total{kind=\"calculator\",outcome=\"completed\"}"));
    assert!(metrics.contains("hijraah_workflow_timers_due 0"));
}

#[tokio::test]
async fn relocation_onboarding_gives_prayer_times_qibla_mosques_and_seeds_the_checklist() {
    let app = TestApp::spawn().await;
    let curator = app.token("imam", Role::Curator);
    let mosque = json!({"name": "Sehitlik Moschee", "latitude": 52.4866, "longitude": 13.4122});
    let published = send(
        &app.address,
        reqwest::Method::POST,
        "/api/v1/community/mosques",
        &curator,
        Some(mosque),
    )
    .await;
    assert_eq!(published.status(), StatusCode::CREATED);
    app.wait_for_projections_and_index().await;

    let alice = app.token("alice", Role::User);
    let run_id = start(
        &app,
        "alice",
        "relocation_onboarding",
        json!({"city": "Berlin", "date": "2026-06-21"}),
    )
    .await;
    let done = run_until(&app.address, &alice, &run_id, |run| run["status"] != "running").await;
    assert_eq!(done["status"], "completed", "{done:#}");
    let output = &done["output"];
    assert_eq!(output["place"]["country_code"], "DE");
    assert_eq!(output["prayer_times"]["date"], "2026-06-21");
    assert_eq!(output["prayer_times"]["timezone"], "Europe/Berlin");
    assert!(
        output["prayer_times"]["times"]["maghrib"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-21T21:")
    );
    let bearing = output["qibla"]["bearing_degrees"].as_f64().unwrap();
    assert!(
        (bearing - 136.5).abs() < 1.5,
        "Berlin's qibla is about 136.5°, got {bearing}"
    );
    assert_eq!(output["mosques"]["mosques"][0]["name"], "Sehitlik Moschee");
    assert_eq!(output["guide"]["agent_type"], "migration");
    assert!(!output["guide"]["content"].as_str().unwrap().is_empty());

    app.wait_for_projections_and_index().await;
    let checklist: Value = app
        .get("/api/v1/users/alice/checklist", &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checklist["destination"], "DE");

    // An unknown city fails the run with the reason, after the one attempt it allows.
    let nowhere = start(&app, "alice", "relocation_onboarding", json!({"city": "Atlantis"})).await;
    let failed = run_until(&app.address, &alice, &nowhere, status_is("failed")).await;
    assert!(failed["error"].as_str().unwrap().contains("Atlantis"), "{failed:#}");
}

#[tokio::test]
async fn answer_review_waits_for_a_curators_verdict_and_the_conversation_shows_it() {
    let app = TestApp::spawn().await;
    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "What is today's Hijri date?",
        json!({"date": "2026-11-29"}),
    )
    .await;
    let reply = &replies[replies.len() - 1];
    let message_id = reply["metadata"]["message_id"].as_str().unwrap().to_owned();
    let conversation_id = reply["metadata"]["conversation_id"].as_str().unwrap().to_owned();

    let alice = app.token("alice", Role::User);
    let run_id = start(
        &app,
        "alice",
        "answer_review",
        json!({"message_id": message_id, "reason": "is this right?"}),
    )
    .await;
    run_until(&app.address, &alice, &run_id, |run| {
        run["waiting_for"]["signal"] == "verdict"
    })
    .await;

    // Bob may not review someone else's answer, nor may the asker judge it herself.
    let verdict = format!("/api/v1/workflows/runs/{run_id}/signals/verdict");
    let by_owner = send(
        &app.address,
        reqwest::Method::POST,
        &verdict,
        &alice,
        Some(json!({"verdict": "approve"})),
    )
    .await;
    expect_error(by_owner, StatusCode::FORBIDDEN).await;
    let curator = app.token("scholar", Role::Curator);
    let not_a_verdict = send(
        &app.address,
        reqwest::Method::POST,
        &verdict,
        &curator,
        Some(json!({"verdict": "maybe"})),
    )
    .await;
    expect_error(not_a_verdict, StatusCode::UNPROCESSABLE_ENTITY).await;
    let given = json!({"verdict": "correct", "note": "The date is right; the month's Arabic name has a typo."});
    let sent = send(&app.address, reqwest::Method::POST, &verdict, &curator, Some(given)).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);

    let done = run_until(&app.address, &alice, &run_id, status_is("completed")).await;
    assert_eq!(done["output"]["verdict"], "corrected");
    assert_eq!(done["output"]["reviewer"], "scholar");
    app.wait_for_projections_and_index().await;
    let conversation: Value = app
        .get(&format!("/api/v1/conversations/{conversation_id}"), &alice)
        .await
        .json()
        .await
        .unwrap();
    let reviewed = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == message_id.as_str())
        .unwrap();
    assert_eq!(reviewed["review"]["verdict"], "corrected");
    assert_eq!(reviewed["review"]["reviewer"], "scholar");
    assert!(reviewed["review"]["note"].as_str().unwrap().contains("typo"));
    let others = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("review").is_some())
        .count();
    assert_eq!(others, 1, "only that reply carries the verdict");

    // A reply from someone else's conversation cannot be put up for review by bob.
    let bobs = start(&app, "bob", "answer_review", json!({"message_id": message_id})).await;
    let refused = run_until(&app.address, &app.token("bob", Role::User), &bobs, status_is("failed")).await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("not in one of your conversations")
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_the_reason_and_nothing_is_recorded() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", Role::User);
    let admin = app.token("root", Role::Admin);
    let head = app.state.store.head().await.unwrap();
    let post = |path: &'static str, token: String, body: Value| {
        let address = app.address.clone();
        async move { send(&address, reqwest::Method::POST, path, &token, Some(body)).await }
    };
    let unknown = post("/api/v1/workflows/teleport/runs", alice.clone(), json!({"input": {}})).await;
    expect_error(unknown, StatusCode::NOT_FOUND).await;
    for (input, says) in [
        (json!({}), "needs `city`"),
        (json!({"city": 42}), "type string"),
        (json!({"city": "Leeds", "mood": "happy"}), "no field `mood`"),
        (json!({"city": "x".repeat(201)}), "at most 200"),
    ] {
        let response = post(
            "/api/v1/workflows/relocation_onboarding/runs",
            alice.clone(),
            json!({"input": input}),
        )
        .await;
        let body = response.text().await.unwrap();
        assert!(
            body.contains("invalid_request") && body.contains(says),
            "{input}: {body}"
        );
    }
    let malformed = send(
        &app.address,
        reqwest::Method::GET,
        "/api/v1/workflows/runs/not-a-uuid",
        &alice,
        None,
    )
    .await;
    assert!(malformed.status().is_client_error());
    let bad_status = app.get("/api/v1/workflows/runs?status=sleepy", &alice).await;
    expect_error(bad_status, StatusCode::UNPROCESSABLE_ENTITY).await;

    let put = |name: &'static str, token: String, body: Value| {
        let address = app.address.clone();
        async move {
            send(
                &address,
                reqwest::Method::PUT,
                &format!("/api/v1/workflows/{name}"),
                &token,
                Some(body),
            )
            .await
        }
    };
    let tight_loop = json!({"steps": [
        {"id": "look", "kind": "knowledge_search", "query": "patience"},
        {"id": "again", "kind": "branch", "if": "${steps.look.output.total}", "then": "look", "else": "end"}]});
    let cycle = put("looping", admin.clone(), tight_loop).await;
    let body = cycle.text().await.unwrap();
    assert!(body.contains("loop forever"), "{body}");
    let unknown_kind = put(
        "odd",
        admin.clone(),
        json!({"steps": [{"id": "x", "kind": "teleport"}]}),
    )
    .await;
    assert!(unknown_kind.text().await.unwrap().contains("teleport"));
    let unknown_step = put(
        "odd",
        admin.clone(),
        json!({"steps": [
        {"id": "x", "kind": "branch", "if": "${input.a}", "then": "nowhere"}], "input": {"a": "boolean"}}),
    )
    .await;
    assert!(unknown_step.text().await.unwrap().contains("nowhere"));
    let by_user = put(
        "mine",
        alice.clone(),
        json!({"steps": [{"id": "x", "kind": "sleep", "duration_ms": 10}]}),
    )
    .await;
    expect_error(by_user, StatusCode::FORBIDDEN).await;
    assert_eq!(app.state.store.head().await.unwrap(), head, "nothing was recorded");
}

#[tokio::test]
async fn an_admin_registers_a_new_version_and_a_running_run_keeps_its_own() {
    let app = TestApp::spawn().await;
    let admin = app.token("root", Role::Admin);
    let alice = app.token("alice", Role::User);
    let definition = |note: &str| {
        json!({"description": note, "input": {"who": "string"},
               "steps": [{"id": "wait", "kind": "wait_signal", "signal": "go", "timeout_ms": 600000},
                         {"id": "hello", "kind": "agent", "agent_type": "user_interface", "content": "Assalamu alaikum from ${input.who}"}]})
    };
    let first: Value = send(
        &app.address,
        reqwest::Method::PUT,
        "/api/v1/workflows/greeting",
        &admin,
        Some(definition("v1")),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(first["version"], 1);
    let run_id = start(&app, "alice", "greeting", json!({"who": "Alice"})).await;
    run_until(&app.address, &alice, &run_id, status_is("waiting")).await;
    let second: Value = send(
        &app.address,
        reqwest::Method::PUT,
        "/api/v1/workflows/greeting",
        &admin,
        Some(definition("v2")),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["version"], 2);
    let go = send(
        &app.address,
        reqwest::Method::POST,
        &format!("/api/v1/workflows/runs/{run_id}/signals/go"),
        &alice,
        Some(json!({})),
    )
    .await;
    assert_eq!(go.status(), StatusCode::ACCEPTED);
    let done = run_until(&app.address, &alice, &run_id, status_is("completed")).await;
    assert_eq!(done["version"], 1, "the run kept the version it started with");
    assert!(done["output"]["hello"]["content"].as_str().unwrap().len() > 10);
    let newer = start(&app, "alice", "greeting", json!({"who": "Alice"})).await;
    let newer = run_until(&app.address, &alice, &newer, status_is("waiting")).await;
    assert_eq!(newer["version"], 2);
}

/// A custom agent that counts the requests it gets, by their content.
async fn counting_agent() -> (String, Arc<Mutex<HashMap<String, u32>>>) {
    let calls: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let counted = calls.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/answer", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/answer",
        post(move |Json(request): Json<Value>| {
            let counted = counted.clone();
            async move {
                let content = request["content"].as_str().unwrap_or_default().to_owned();
                *counted.lock().unwrap().entry(content.clone()).or_default() += 1;
                Json(json!({"response": format!("noted: {content}"), "confidence": 0.9}))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (endpoint, calls)
}

async fn register_counter(address: &str, token: &str, endpoint: &str) {
    let registration = json!({"agent_id": "counter", "name": "Counter", "agent_type": "counter",
                              "endpoint": endpoint, "keywords": ["count me"], "timeout_ms": 2000});
    let response = send(
        address,
        reqwest::Method::POST,
        "/api/v1/agents/custom",
        token,
        Some(registration),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// `hijraah serve` as a real process on the test's database, and the socket it reports to.
fn serve(db: &TestDatabase, data_dir: &std::path::Path, port: u16, told: &Told) -> (Child, NotifySocket) {
    let notify = NotifySocket::bind(data_dir.with_extension("notify"), "serve".to_owned(), told.clone());
    let child = Command::new(env!("CARGO_BIN_EXE_hijraah"))
        .arg("serve")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("DATABASE_URL", &db.url)
        .env("HIJRAAH_DATA_DIR", data_dir)
        .env("HIJRAAH_BIND", format!("127.0.0.1:{port}"))
        .env("HIJRAAH_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hijraah serve");
    (child, notify)
}

/// Waits for the server's `READY=1`.
async fn wait_ready(told: &Told) {
    wait_notified(told, "the server is ready", Duration::from_secs(60), |told| {
        told.get("serve").is_some_and(|serve| serve.ready)
    })
    .await;
}

#[tokio::test]
async fn a_server_killed_between_steps_resumes_the_run_its_timer_fires_and_no_step_runs_twice() {
    let db = TestDatabase::create().await;
    let data_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let keys = hijraah::auth::JwtKeys::new(SECRET.as_bytes());
    let token = |user: &str, role| {
        keys.mint(
            &hijraah_domain::ids::UserId::parse(user).unwrap(),
            role,
            Duration::from_secs(600),
        )
        .unwrap()
    };
    let (endpoint, calls) = counting_agent().await;

    let told = Told::new(Default::default());
    let (mut server, notify) = serve(&db, data_dir.path(), port, &told);
    wait_ready(&told).await;
    register_counter(&address, &token("root", Role::Admin), &endpoint).await;
    let definition = json!({"input": {"tag": "string"}, "steps": [
        {"id": "before", "kind": "agent", "agent_type": "counter", "content": "before ${input.tag}"},
        {"id": "nap", "kind": "sleep", "duration_ms": 1500},
        {"id": "after", "kind": "agent", "agent_type": "counter", "content": "after ${input.tag}"}]});
    let put = send(
        &address,
        reqwest::Method::PUT,
        "/api/v1/workflows/nap",
        &token("root", Role::Admin),
        Some(definition),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);
    let alice = token("alice", Role::User);
    let started: Value = send(
        &address,
        reqwest::Method::POST,
        "/api/v1/workflows/nap/runs",
        &alice,
        Some(json!({"input": {"tag": "t1"}})),
    )
    .await
    .json()
    .await
    .unwrap();
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    // Between steps: the first is done and the timer is set.
    let asleep = run_until(&address, &alice, &run_id, |run| run["waiting_for"]["timer"].is_string()).await;
    assert_eq!(asleep["steps"][0]["status"], "completed");

    server.kill().expect("kill -9");
    server.wait().unwrap();
    // The timer comes due while no server runs.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        calls.lock().unwrap().get("after t1"),
        None,
        "nothing ran while the server was down"
    );

    drop(notify);
    let (mut restarted, _notify) = serve(&db, data_dir.path(), port, &told);
    wait_ready(&told).await;
    let done = run_until(&address, &alice, &run_id, status_is("completed")).await;
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(
        calls.lock().unwrap().get("before t1"),
        Some(&1),
        "the completed step was not executed again"
    );
    assert_eq!(calls.lock().unwrap().get("after t1"), Some(&1));
    assert_eq!(
        done["output"]["before"]["content"], "noted: before t1",
        "the recorded output was used"
    );
    assert_eq!(done["output"]["after"]["content"], "noted: after t1");
    let fired_at =
        chrono::DateTime::parse_from_rfc3339(done["steps"][1]["output"]["woke_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(asleep["waiting_for"]["timer"].as_str().unwrap()).unwrap();
    assert_eq!(fired_at, due, "the timer fired for the instant it was set to");
}

#[tokio::test]
async fn two_servers_on_one_database_advance_100_runs_and_execute_every_step_once() {
    let first = TestApp::spawn().await;
    let second = crate::helpers::SecondServer::spawn(&first, |_| {}).await;
    let second_address = second.address.clone();
    let second_state = second.state.clone();

    let (endpoint, calls) = counting_agent().await;
    let admin = first.token("root", Role::Admin);
    register_counter(&first.address, &admin, &endpoint).await;
    let definition = json!({"input": {"n": "number"}, "steps": [
        {"id": "one", "kind": "agent", "agent_type": "counter", "content": "one ${run.id}"},
        {"id": "two", "kind": "agent", "agent_type": "counter", "content": "two ${run.id}"}]});
    let put = send(
        &first.address,
        reqwest::Method::PUT,
        "/api/v1/workflows/pair",
        &admin,
        Some(definition),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);
    // The second server knows the custom agent once its read model holds the registration and
    // it synced from it (which it does every few seconds by itself; here, at once).
    let token = first.token("alice", Role::User);
    let head = first.state.store.head().await.unwrap();
    assert!(
        second_state
            .projector
            .wait_for(Projection::CustomAgents, head, Duration::from_secs(30))
            .await
    );
    second_state.custom_agents.sync().await.unwrap();
    let health: Value = send(
        &second_address,
        reqwest::Method::GET,
        "/api/v1/agents/health",
        &token,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        health
            .as_array()
            .unwrap()
            .iter()
            .any(|agent| agent["agent_type"] == "counter"),
        "the second server follows the custom agent's registration"
    );
    let mut run_ids = Vec::new();
    let starts = (0..100).map(|n| {
        let address = if n % 2 == 0 {
            first.address.clone()
        } else {
            second_address.clone()
        };
        let token = token.clone();
        async move {
            let response = send(
                &address,
                reqwest::Method::POST,
                "/api/v1/workflows/pair/runs",
                &token,
                Some(json!({"input": {"n": n}})),
            )
            .await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            response.json::<Value>().await.unwrap()["run_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    });
    for run_id in futures_util::future::join_all(starts).await {
        run_ids.push(run_id);
    }
    for run_id in &run_ids {
        let done = run_until(&first.address, &token, run_id, |run| run["status"] != "running").await;
        assert_eq!(done["status"], "completed", "{done:#}");
        assert_eq!(done["output"]["two"]["content"], format!("noted: two {run_id}"));
    }
    second.shutdown().await;
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 200, "every step of every run was executed");
    assert!(
        calls.values().all(|count| *count == 1),
        "no step was executed twice: {calls:?}"
    );
}

/// `alice` continues the session `session_id` (None: a new one); the replies.
async fn say(app: &TestApp, session_id: Option<&str>, content: &str) -> Vec<Value> {
    let mut body = json!({"user_id": "alice", "content": content});
    if let Some(session_id) = session_id {
        body["session_id"] = json!(session_id);
    }
    let response = app.chat("alice", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_chat_starts_a_review_of_its_previous_answer_and_a_zakat_reminder_with_the_amounts_given() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", Role::User);
    let first = say(
        &app,
        None,
        "I have 10000 dollars and gold is 80 dollars per gram, how much zakat do I pay?",
    )
    .await;
    let session = first[0]["metadata"]["session_id"].as_str().unwrap().to_owned();
    let financial = first
        .iter()
        .find(|reply| reply["agent_type"] == "financial_services")
        .unwrap();
    assert_eq!(financial["metadata"]["kind"], "calculation");
    let answer_id = financial["metadata"]["message_id"].as_str().unwrap().to_owned();

    let review = say(&app, Some(&session), "Please have a scholar review this answer").await;
    let started = review
        .iter()
        .find(|reply| reply["agent_type"] == "workflow")
        .expect("the workflow agent answers");
    assert_eq!(started["metadata"]["workflow"], "answer_review");
    assert_eq!(
        started["metadata"]["reviewed_message_id"],
        answer_id.as_str(),
        "the answer under review is the previous one"
    );
    assert!(started["response"].as_str().unwrap().contains("scholar"));
    let run_id = started["metadata"]["run_id"].as_str().unwrap().to_owned();
    let waiting = run_until(&app.address, &alice, &run_id, |run| {
        run["waiting_for"]["signal"] == "verdict"
    })
    .await;
    assert_eq!(waiting["input"]["message_id"], answer_id.as_str());

    let again = say(
        &app,
        None,
        "I have 10000 dollars and gold is 80 dollars per gram, how much zakat do I pay?",
    )
    .await;
    let session = again[0]["metadata"]["session_id"].as_str().unwrap().to_owned();
    let remind = say(&app, Some(&session), "Remind me of my zakat next year").await;
    let started = remind
        .iter()
        .find(|reply| reply["agent_type"] == "workflow")
        .expect("the workflow agent answers");
    assert_eq!(started["metadata"]["workflow"], "zakat_assessment");
    assert_eq!(started["metadata"]["waiting_for_assets"], false);
    assert!(
        remind.iter().all(|reply| reply["agent_type"] != "financial_services"),
        "the financial agent does not ask again for the amounts the reminder already has"
    );
    let run_id = started["metadata"]["run_id"].as_str().unwrap().to_owned();
    let asleep = run_until(&app.address, &alice, &run_id, |run| {
        run["waiting_for"]["timer"].is_string()
    })
    .await;
    let compute = asleep["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "compute")
        .unwrap();
    assert_eq!(
        compute["output"]["zakat_amount"], "250.00",
        "the amounts from the conversation"
    );
}

/// DBOS's chaos test at this machine's scale: PostgreSQL is restarted every 2 to 4 s while 200
/// runs execute; every run completes with the right output. Starts are retried by the client
/// with the run id it chose, so a start whose answer was lost is never a second run.
#[tokio::test]
async fn runs_complete_with_the_right_output_while_postgresql_restarts_every_few_seconds() {
    use std::os::unix::fs::PermissionsExt;

    let pg_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(pg_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = pg_dir.path().to_path_buf();
    let embedded = tokio::task::spawn_blocking(move || hijraah::embedded_postgres::EmbeddedPostgres::start(&path))
        .await
        .unwrap()
        .unwrap();
    let url = embedded.database_url();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&url)
        .await
        .unwrap();
    hijraah::database::MIGRATOR.run(&pool).await.unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let settings = hijraah::config::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(url.clone()),
        data_dir: data_dir.path().to_path_buf(),
        jwt_secret: Some(SECRET.to_owned()),
        log_dir: None,
        body_limit_bytes: 64 * 1024,
        agent_timeout: Duration::from_millis(500),
        read_your_writes_timeout: Duration::from_secs(2),
        database_max_connections: 20,
        database_acquire_timeout: Duration::from_secs(5),
        statement_timeout: None,
        security: hijraah::config::SecuritySettings::unlimited(),
        node_name: None,
        drain_grace: Duration::ZERO,
        rulings_sahih_only: false,
        chain_verify_every: std::time::Duration::from_secs(300),
    };
    let application = Application::build_with_registry(&settings, pool.clone(), default_registry())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    let stop = CancellationToken::new();
    let server = tokio::spawn(application.run_until_stopped(stop.clone()));
    let keys = hijraah::auth::JwtKeys::new(SECRET.as_bytes());
    let token = |user: &str, role| {
        keys.mint(
            &hijraah_domain::ids::UserId::parse(user).unwrap(),
            role,
            Duration::from_secs(3600),
        )
        .unwrap()
    };
    let definition = json!({"input": {"cash": "decimal"}, "steps": [
        {"id": "compute", "kind": "calculator", "calculator": "zakat",
         "input": {"cash": "${input.cash}", "gold_price_per_gram": "80"},
         "retry": {"attempts": 10, "backoff_ms": 200}, "timeout_ms": 2000},
        {"id": "pause", "kind": "sleep", "duration_ms": 3000},
        {"id": "year", "kind": "calculator", "calculator": "hijri", "input": {"date": "2026-11-29"},
         "retry": {"attempts": 10, "backoff_ms": 200}, "timeout_ms": 2000}],
        "output": {"amount": "${steps.compute.output.zakat_amount}", "hijri_year": "${steps.year.output.hijri.year}"}});
    let put = send(
        &address,
        reqwest::Method::PUT,
        "/api/v1/workflows/chaos",
        &token("root", Role::Admin),
        Some(definition),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);

    // PostgreSQL restarts every 2 to 4 s while the runs start and execute.
    let restarts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let chaos_stop = CancellationToken::new();
    let chaos = {
        let restarts = restarts.clone();
        let chaos_stop = chaos_stop.clone();
        let mut embedded = embedded;
        tokio::spawn(async move {
            let mut pause = 2_000u64;
            while !chaos_stop.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(pause)).await;
                pause = 2_000 + (pause * 7919) % 2_000;
                embedded = tokio::task::spawn_blocking(move || {
                    embedded.restart().expect("PostgreSQL restarts");
                    embedded
                })
                .await
                .unwrap();
                restarts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            embedded
        })
    };

    let alice = token("alice", Role::User);
    let runs: Vec<(uuid::Uuid, u64)> = (0..200u64).map(|n| (uuid::Uuid::now_v7(), 5_000 + n * 100)).collect();
    let starts = runs.iter().map(|(run_id, cash)| {
        let (address, alice) = (address.clone(), alice.clone());
        async move {
            let body = json!({"input": {"cash": cash.to_string()}, "run_id": run_id});
            for _ in 0..200 {
                let response = reqwest::Client::new()
                    .post(format!("{address}/api/v1/workflows/chaos/runs"))
                    .bearer_auth(&alice)
                    .json(&body)
                    .send()
                    .await;
                match response.map(|response| response.status()) {
                    Ok(StatusCode::ACCEPTED | StatusCode::CONFLICT) => return,
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            panic!("run {run_id} could not be started");
        }
    });
    futures_util::future::join_all(starts).await;

    let mut done = 0;
    for _ in 0..1_200 {
        let mut finished = 0;
        for (run_id, _) in &runs {
            let response = reqwest::Client::new()
                .get(format!("{address}/api/v1/workflows/runs/{run_id}"))
                .bearer_auth(&alice)
                .send()
                .await;
            if let Ok(response) = response
                && response.status() == StatusCode::OK
                && response
                    .json::<Value>()
                    .await
                    .is_ok_and(|run| run["status"] != "running" && run["status"] != "waiting")
            {
                finished += 1;
            }
        }
        done = finished;
        if done == runs.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    chaos_stop.cancel();
    let embedded = chaos.await.unwrap();
    assert_eq!(done, runs.len(), "every run finished");
    assert!(
        restarts.load(std::sync::atomic::Ordering::Relaxed) >= 2,
        "PostgreSQL was restarted during the runs"
    );

    for (run_id, cash) in &runs {
        let run: Value = send(
            &address,
            reqwest::Method::GET,
            &format!("/api/v1/workflows/runs/{run_id}"),
            &alice,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(run["status"], "completed", "{run:#}");
        // 2.5% of the cash, to the cent, when at or above the nisab of 85 g × 80.
        let expected = if *cash >= 6_800 {
            format!("{:.2}", *cash as f64 * 0.025)
        } else {
            "0.00".to_owned()
        };
        assert_eq!(run["output"]["amount"], expected.as_str(), "run {run_id} on {cash}");
        assert_eq!(run["output"]["hijri_year"], 1448);
    }
    stop.cancel();
    let _ = server.await;
    pool.close().await;
    let mut embedded = embedded;
    tokio::task::spawn_blocking(move || embedded.stop())
        .await
        .unwrap()
        .unwrap();
}
