//! The sentence encoder end to end, with a tiny model the test writes (random weights, the real
//! file format): a server with no model searches by words and says so; an imported model is
//! loaded by every server, the leader embeds the texts into PostgreSQL in the background, search
//! becomes hybrid, and a retracted or revised text leaves or is embedded again. Vectors move
//! between deployments by export and import.

use std::time::Duration;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::Value;

use hijraah::http::AppState;

use crate::helpers::{SecondServer, TestApp, hijraah_command};
use crate::knowledge::{excerpt, search};

fn cli(app: &TestApp, arguments: &[&str]) -> std::process::Output {
    hijraah_command()
        .args(arguments)
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path().join("cli"))
        .output()
        .unwrap()
}

/// Writes the tiny test model (random weights, the real format) into `dir`: its path and sha256.
fn tiny_model(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let model = hijraah_encoder::synthetic::tiny_model(42);
    let sha256 = hijraah_encoder::sha256_hex(&model);
    let path = dir.join("tiny-e5.bin");
    std::fs::write(&path, &model).unwrap();
    (path, sha256)
}

/// `hijraah models import PATH --sha256 HASH`, which must succeed; its output.
fn import_pinned(app: &TestApp, path: &std::path::Path, sha256: &str) -> std::process::Output {
    let accepted = cli(app, &["models", "import", path.to_str().unwrap(), "--sha256", sha256]);
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    accepted
}

async fn readyz(address: &str) -> Value {
    reqwest::get(format!("{address}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Reads the server's `/readyz` until `until` holds, waking each time its encoder changes (the
/// model, the vectors loaded, the texts counted), never on a timer; fails after 2 minutes.
async fn encoder_until(server: &AppState, address: &str, what: &str, until: impl Fn(&Value) -> bool) -> Value {
    let mut changes = server
        .knowledge
        .semantic()
        .expect("the server has an encoder service")
        .subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        changes.borrow_and_update();
        let ready = readyz(address).await;
        if until(&ready) {
            return ready;
        }
        if !matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
            panic!("{what}: not within 2 minutes ({ready})");
        }
    }
}

/// Waits until the server at `address` says its encoder is `state`, with `vectors` loaded.
async fn encoder_becomes(server: &AppState, address: &str, state: &str, vectors: u64) -> Value {
    encoder_until(
        server,
        address,
        &format!("the encoder becomes {state} with {vectors}"),
        |ready| ready["encoder"]["state"] == state && ready["encoder"]["vectors"] == vectors,
    )
    .await
}

async fn vector_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM knowledge_vectors")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_imported_model_makes_search_hybrid_on_every_server_and_vectors_follow_the_texts() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let quran = excerpt(dir.path(), "quran.jsonl", 40, &[]);
    let bukhari = excerpt(dir.path(), "bukhari.jsonl", 20, &[]);
    let imported = cli(
        &app,
        &[
            "knowledge",
            "import",
            quran.to_str().unwrap(),
            bukhari.to_str().unwrap(),
        ],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    app.wait_for_projections_and_index().await;

    // No model: search by words, and every status says so.
    let address = app.url("");
    let address = address.trim_end_matches('/');
    assert_eq!(readyz(address).await["encoder"]["state"], "no_model");
    let lexical = search(&app, "the reward of deeds depends upon the intentions").await;
    assert_eq!(lexical["hits"][0]["id"], "bukhari:1", "{lexical}");
    assert!(
        lexical["hits"][0].get("similarity").is_none(),
        "no similarity without a model"
    );

    // A model that is not pinned needs its hash named; a wrong hash is refused.
    let (model_path, sha256) = tiny_model(dir.path());
    let model = std::fs::read(&model_path).unwrap();
    let unpinned = cli(&app, &["models", "import", model_path.to_str().unwrap()]);
    assert!(!unpinned.status.success());
    assert!(String::from_utf8_lossy(&unpinned.stderr).contains("not a pinned model"));
    let wrong = cli(
        &app,
        &[
            "models",
            "import",
            model_path.to_str().unwrap(),
            "--sha256",
            &"0".repeat(64),
        ],
    );
    assert!(!wrong.status.success());
    let broken_path = dir.path().join("broken.bin");
    std::fs::write(&broken_path, &model[..model.len() / 3]).unwrap();
    let broken_sha = hijraah_encoder::sha256_hex(&model[..model.len() / 3]);
    let broken = cli(
        &app,
        &[
            "models",
            "import",
            broken_path.to_str().unwrap(),
            "--sha256",
            &broken_sha,
        ],
    );
    assert!(!broken.status.success(), "a file that does not load is refused");
    let accepted = import_pinned(&app, &model_path, &sha256);
    assert!(String::from_utf8_lossy(&accepted.stdout).contains(&sha256));
    let again = cli(
        &app,
        &["models", "import", model_path.to_str().unwrap(), "--sha256", &sha256],
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("already the current model"));
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'EncoderModelImported'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(recorded, 1, "importing the same model again records nothing");

    // The leader embeds every primary text in the background; search becomes hybrid.
    let ready = encoder_becomes(&app.state, address, "ready", 60).await;
    assert_eq!(ready["encoder"]["model"], sha256.as_str());
    assert_eq!(vector_rows(&app).await, 60);
    let hybrid = search(&app, "the reward of deeds depends upon the intentions").await;
    assert_eq!(hybrid["hits"][0]["id"], "bukhari:1", "words still count: {hybrid}");
    let similarity = hybrid["hits"][0]["similarity"].as_f64().expect("a similarity");
    assert!((-1.0..=1.0).contains(&similarity));
    // A text's own words find it by meaning too: its vector is the closest to them.
    let verse: Value = app
        .get("/api/v1/knowledge/documents/quran:2:5", &app.token("alice", Role::User))
        .await
        .json()
        .await
        .unwrap();
    let own_words = verse["text_en"].as_str().unwrap();
    let found = search(&app, own_words).await;
    let closest = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| {
            a["similarity"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["similarity"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(closest["id"], "quran:2:5", "{found}");
    let projections: Value = app
        .get("/api/v1/projections", &app.token("root", Role::Admin))
        .await
        .json()
        .await
        .unwrap();
    let vectors_row = projections
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "knowledge_vectors")
        .expect("the vectors are listed among the projections");
    assert_eq!(vectors_row["lag_events"], 0);
    assert_eq!(vectors_row["encoder"]["state"], "ready");

    // A second server loads the model and the vectors; it embeds nothing itself.
    let seq_before: i64 = sqlx::query_scalar("SELECT max(seq) FROM knowledge_vectors")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let second = SecondServer::spawn(&app, |_| {}).await;
    let second_ready = readyz(&second.address).await;
    assert_eq!(second_ready["projection_lease"], false);
    encoder_until(
        &second.state,
        &second.address,
        "the second server loads the vectors",
        |ready| ready["encoder"]["vectors"] == 60,
    )
    .await;
    let seq_after: i64 = sqlx::query_scalar("SELECT max(seq) FROM knowledge_vectors")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(seq_before, seq_after, "no vector was written again");
    second.shutdown().await;

    // A retracted text leaves the vectors; a revised one is embedded again.
    let retracted = app
        .client
        .delete(app.url("/api/v1/knowledge/documents/bukhari:2"))
        .bearer_auth(app.token("cora", Role::Curator))
        .send()
        .await
        .unwrap();
    assert_eq!(retracted.status(), StatusCode::NO_CONTENT);
    let before: String =
        sqlx::query_scalar("SELECT text_sha256 FROM knowledge_vectors WHERE document_id = 'bukhari:3'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let revised_line = std::fs::read_to_string(&bukhari)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .replace("\"english\":\"", "\"english\":\"(Revised.) ");
    let revised = dir.path().join("revised.jsonl");
    std::fs::write(&revised, format!("{revised_line}\n")).unwrap();
    let output = cli(&app, &["knowledge", "import", revised.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("revised 1"),
        "{output:?}"
    );
    // The leader writes the vectors, then loads them: each change of its encoder is a moment to
    // look at the table.
    let mut changes = app.state.knowledge.semantic().unwrap().subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        changes.borrow_and_update();
        let gone: i64 = sqlx::query_scalar("SELECT count(*) FROM knowledge_vectors WHERE document_id = 'bukhari:2'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let now: String =
            sqlx::query_scalar("SELECT text_sha256 FROM knowledge_vectors WHERE document_id = 'bukhari:3'")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        if gone == 0 && now != before {
            break;
        }
        assert!(
            matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(()))),
            "the vectors follow the retraction and the revision"
        );
    }
    assert_eq!(vector_rows(&app).await, 59);

    // Export, then import into an emptied table: the same vectors, and nothing to embed again.
    let file = dir.path().join("vectors.jsonl");
    let exported = cli(&app, &["knowledge", "vectors", "export", file.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&exported.stdout).contains("wrote 59 vectors"),
        "{exported:?}"
    );
    let saved: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT document_id, vector FROM knowledge_vectors ORDER BY document_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let mut fresh = crate::helpers::TestApp::spawn().await;
    fresh.shutdown().await;
    let into_fresh = hijraah_command()
        .args(["knowledge", "vectors", "import", file.to_str().unwrap()])
        .env("DATABASE_URL", &fresh.db.url)
        .env("HIJRAAH_DATA_DIR", fresh.data_dir.path().join("cli"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&into_fresh.stdout).contains("read 59 vectors"),
        "{into_fresh:?}"
    );
    let moved: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT document_id, vector FROM knowledge_vectors ORDER BY document_id")
            .fetch_all(&fresh.db.pool)
            .await
            .unwrap();
    assert_eq!(saved, moved);
    let garbage = dir.path().join("garbage.jsonl");
    std::fs::write(&garbage, "{\"model_sha256\":\"x\",\"dimensions\":4,\"count\":1}\n{\"id\":\"a\",\"text_sha256\":\"b\",\"vector\":\"AAAA\"}\n").unwrap();
    let refused = hijraah_command()
        .args(["knowledge", "vectors", "import", garbage.to_str().unwrap()])
        .env("DATABASE_URL", &fresh.db.url)
        .env("HIJRAAH_DATA_DIR", fresh.data_dir.path().join("cli"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("wrong length"),
        "{refused:?}"
    );
}

/// The `meaning` each chat's `RequestRouted` recorded, oldest first.
async fn meanings(app: &TestApp) -> Vec<Value> {
    sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'RequestRouted' ORDER BY position")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|data: Value| data["meaning"].clone())
        .collect()
}

#[tokio::test]
async fn what_the_rules_cannot_place_is_read_for_meaning_and_a_greeting_pays_nothing() {
    let app = TestApp::spawn().await;
    let address = app.url("");
    let address = address.trim_end_matches('/');
    // No model: nothing is read for meaning, and the chat answers as before.
    let replies = crate::helpers::alice_asks(
        &app,
        "what should I bring a neighbour who just had a baby?",
        Value::Null,
    )
    .await;
    assert!(!replies.is_empty());
    assert_eq!(meanings(&app).await, vec![Value::Null]);

    let dir = tempfile::tempdir().unwrap();
    let (model_path, sha256) = tiny_model(dir.path());
    import_pinned(&app, &model_path, &sha256);
    encoder_until(&app.state, address, "the model loads", |ready| {
        ready["encoder"]["model"] == sha256.as_str()
    })
    .await;

    for content in [
        "what should I bring a neighbour who just had a baby?",
        "Assalamu alaikum, what can you do?",
        "prayer times in London today",
    ] {
        let replies = crate::helpers::alice_asks(&app, content, Value::Null).await;
        assert!(!replies.is_empty(), "{content}");
    }
    let recorded = meanings(&app).await;
    assert_eq!(recorded.len(), 4);
    // The message no rule places is read: an intent of the shipped examples, its score, its
    // margin and its nearest example, and whether it was clear enough to apply.
    let read = &recorded[1];
    let example = read["example"].as_str().expect("the nearest example is named");
    assert!(
        hijraah::semantic::intents::EXAMPLES
            .iter()
            .any(|known| known.text == example && known.intent == read["intent"].as_str().unwrap()),
        "{read}"
    );
    assert!(
        read["score"]
            .as_f64()
            .is_some_and(|score| (-1.0..=1.0).contains(&score)),
        "{read}"
    );
    assert!(read["margin"].as_f64().is_some_and(|margin| margin >= 0.0), "{read}");
    assert!(read["applied"].is_boolean(), "{read}");
    // Small talk and a request the rules name outright do not pay for the encoder.
    assert_eq!(recorded[2], Value::Null, "a greeting is not embedded");
    assert_eq!(
        recorded[3],
        Value::Null,
        "a prayer-time request with its city is not embedded"
    );
}
