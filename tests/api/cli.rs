//! The `hijraah` binary's commands, run as a user would run them.

use hijraah::auth::JwtKeys;
use hijraah_domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::hijraah_command as hijraah;
use crate::workflows::run_until;

#[test]
fn token_mints_a_jwt_signed_with_the_data_dirs_secret() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = hijraah()
        .args(["token", "--user", "alice", "--role", "analyst", "--ttl", "15m"])
        .env("HIJRAAH_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap();
    let secret = std::fs::read_to_string(data_dir.path().join("jwt_secret")).unwrap();
    let principal = JwtKeys::new(secret.trim().as_bytes()).verify(token.trim()).unwrap();
    assert_eq!(principal.user_id.as_str(), "alice");
    assert_eq!(principal.role, Role::Analyst);

    let refused = hijraah()
        .args(["token", "--user", "alice", "--role", "emperor"])
        .env("HIJRAAH_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown role"));
}

#[test]
fn serve_refuses_a_public_address_without_a_configured_secret() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = hijraah()
        .args(["token", "--user", "alice"])
        .env("HIJRAAH_DATA_DIR", data_dir.path())
        .env("HIJRAAH_BIND", "0.0.0.0:8000")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HIJRAAH_JWT_SECRET is not set"));
}

#[tokio::test]
async fn export_writes_the_log_as_json_lines_and_replay_rebuilds_the_same_conversation() {
    let app = TestApp::spawn().await;
    let replies: Vec<Value> = app
        .chat("alice", json!({"user_id": "alice", "content": "What can you do?"}))
        .await
        .json()
        .await
        .unwrap();
    let conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/conversations/{conversation_id}");
    let token = app.token("alice", Role::User);
    let before: Value = app.get(&path, &token).await.json().await.unwrap();

    let url = app.db.url.clone();
    let data_dir = app.data_dir.path().to_path_buf();
    let (export, export_after, replay) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            hijraah()
                .args(args)
                .env("DATABASE_URL", &url)
                .env("HIJRAAH_DATA_DIR", &data_dir)
                .output()
                .unwrap()
        };
        (
            run(&["events", "export"]),
            run(&["events", "export", "--after", "2"]),
            run(&["replay"]),
        )
    })
    .await
    .unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let lines: Vec<Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["event_type"], "UserRegistered");
    assert_eq!(lines[1]["event_type"], "ConversationStarted");
    let after: Vec<&str> = std::str::from_utf8(&export_after.stdout).unwrap().lines().collect();
    assert_eq!(after.len(), 3, "--after skips what came before");

    assert!(replay.status.success(), "{}", String::from_utf8_lossy(&replay.stderr));
    assert!(String::from_utf8_lossy(&replay.stderr).contains(
        "rebuilt users, conversations, agent_interactions, analytics, community, checklists, custom_agents, workflows \
             from 5 events"
    ));
    let after_replay: Value = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(
        before, after_replay,
        "the rebuilt read model serves the same conversation"
    );
}

/// Without `DATABASE_URL` a command runs on the embedded cluster, logs to stderr, and keeps
/// stdout for its output alone.
#[test]
fn commands_run_on_the_embedded_default_and_keep_stdout_for_their_output() {
    use std::os::unix::fs::PermissionsExt;
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(data_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = hijraah()
        .args(["events", "export"])
        .env("HIJRAAH_DATA_DIR", data_dir.path())
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "",
        "an empty log exports nothing, and no log lines"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("embedded postgres started"), "{stderr}");
    assert!(stderr.contains("embedded postgres stopped"), "{stderr}");
    assert!(data_dir.path().join("postgres/PG_VERSION").exists());
}

#[tokio::test]
async fn rotate_kek_rewraps_every_user_key_so_content_opens_with_the_new_key_only() {
    use hijraah::privacy::{Kek, Vault};
    use hijraah::store::{Checkpoint, EventStore};
    let app = TestApp::spawn().await;
    let response = app
        .chat("alice", json!({"user_id": "alice", "content": "rotation-garnet"}))
        .await;
    assert_eq!(response.status(), 200);
    let old_kek = std::fs::read_to_string(app.data_dir.path().join("kek")).unwrap();
    let new_kek = Kek::generate();
    let output = hijraah()
        .arg("rotate-kek")
        .env("HIJRAAH_DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_KEK", old_kek.trim())
        .env("HIJRAAH_NEW_KEK", &new_kek)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("re-wrapped 1 user keys"), "{stderr}");

    let store = EventStore::new(app.db.pool.clone());
    let envelopes: Vec<_> = store
        .read_all(Checkpoint::START, 1000, None)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, envelope)| envelope)
        .collect();
    let mut with_new = envelopes.clone();
    Vault::new(app.db.pool.clone(), Kek::from_base64(&new_kek).unwrap())
        .unseal_pooled(&mut with_new)
        .await
        .unwrap();
    let request = with_new.iter().find(|e| e.event_type == "UserRequestReceived").unwrap();
    assert_eq!(request.data["content"], "rotation-garnet");
    let mut with_old = envelopes;
    assert!(
        Vault::new(app.db.pool.clone(), Kek::from_base64(&old_kek).unwrap())
            .unseal_pooled(&mut with_old)
            .await
            .is_err(),
        "the old key-encryption key no longer opens anything"
    );
}

/// `hijraah workflows` starts a run the running server's worker then advances, signals it, and
/// shows and lists it.
#[tokio::test]
async fn workflows_are_started_signalled_shown_and_listed_from_the_command_line() {
    let app = TestApp::spawn().await;
    let url = app.db.url.clone();
    let data_dir = app.data_dir.path().to_path_buf();
    let run = move |args: Vec<String>| {
        let (url, data_dir) = (url.clone(), data_dir.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                hijraah()
                    .args(&args)
                    .env("DATABASE_URL", &url)
                    .env("HIJRAAH_DATA_DIR", &data_dir)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap()
        }
    };
    let args = |list: &[&str]| list.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>();
    let started = run(args(&["workflows", "start", "zakat_assessment", "--as", "alice"])).await;
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    let run_id = String::from_utf8(started.stdout).unwrap().trim().to_owned();
    let bad = run(args(&[
        "workflows",
        "start",
        "zakat_assessment",
        "--input",
        "{\"cash\": 1}",
    ]))
    .await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no field `cash`"));

    // The server's worker takes the run up and waits for the assets.
    let token = app.token("alice", Role::User);
    let status = run_until(&app.address, &token, &run_id, |run| run["status"] == "waiting").await;
    assert_eq!(status["waiting_for"]["signal"], "assets");
    let payload = json!({"assets": {"cash": "7000", "gold_price_per_gram": "80"}}).to_string();
    let signalled = run(args(&[
        "workflows",
        "signal",
        &run_id,
        "assets",
        "--payload",
        &payload,
        "--as",
        "alice",
        "--role",
        "user",
    ]))
    .await;
    assert!(
        signalled.status.success(),
        "{}",
        String::from_utf8_lossy(&signalled.stderr)
    );
    run_until(&app.address, &token, &run_id, |run| run["status"] == "completed").await;
    let shown = run(args(&["workflows", "show", &run_id])).await;
    let status: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(status["status"], "completed");
    assert_eq!(status["output"]["zakat"]["zakat_amount"], "175.00");
    app.wait_for_projections_and_index().await;
    let listed = run(args(&["workflows", "list", "--status", "completed"])).await;
    let lines: Vec<Value> = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["run_id"], run_id.as_str());
}

/// Two servers given one data dir: the second refuses to start and says why.
#[tokio::test]
async fn a_second_server_on_the_same_data_dir_refuses_to_start_and_says_why() {
    let app = TestApp::spawn().await;
    // The test server holds its data dir; a real `serve` on it must not start.
    let url = app.db.url.clone();
    let data_dir = app.data_dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        hijraah()
            .arg("serve")
            .env("DATABASE_URL", &url)
            .env("HIJRAAH_DATA_DIR", &data_dir)
            .env("HIJRAAH_BIND", "127.0.0.1:0")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is in use by another hijraah server"), "{stderr}");
    assert!(
        stderr.contains(&std::process::id().to_string()),
        "names the holder: {stderr}"
    );
}
