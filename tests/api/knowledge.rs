//! The knowledge store end to end: curators import and change texts, the index follows the log,
//! users search and the knowledge agent quotes, and a reindex swaps in without a failed search.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

pub(crate) fn corpus(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(file)
}

/// The first `lines` lines of a corpus file, plus `extra` lines, in a file of its own.
pub(crate) fn excerpt(dir: &Path, file: &str, lines: usize, extra: &[&str]) -> PathBuf {
    let text = std::fs::read_to_string(corpus(file)).unwrap();
    let path = dir.join(file);
    let mut out = std::fs::File::create(&path).unwrap();
    for line in text.lines().take(lines) {
        writeln!(out, "{line}").unwrap();
    }
    for line in extra {
        writeln!(out, "{line}").unwrap();
    }
    path
}

pub(crate) fn import(app: &TestApp, files: &[&Path]) -> (String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_hijraah"))
        .arg("knowledge")
        .arg("import")
        .args(files)
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path().join("cli"))
        .env_remove("HIJRAAH_JWT_SECRET")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Whether the reply quotes verse `id` (`quran:S:A`) within a range reference `S:A1–A2`.
fn quoted_in_a_range(response: &str, id: &str) -> bool {
    let mut parts = id.trim_start_matches("quran:").split(':');
    let (Some(surah), Some(ayah)) = (parts.next(), parts.next().and_then(|a| a.parse::<u32>().ok())) else {
        return false;
    };
    response.match_indices(&format!("{surah}:")).any(|(at, found)| {
        let rest = &response[at + found.len()..];
        let mut bounds = rest.split('–');
        let first = bounds.next().and_then(|a| a.parse::<u32>().ok());
        let last = bounds
            .next()
            .map(|b| b.chars().take_while(char::is_ascii_digit).collect::<String>())
            .and_then(|b| b.parse::<u32>().ok());
        matches!((first, last), (Some(first), Some(last)) if first <= ayah && ayah <= last)
    })
}

pub(crate) async fn search(app: &TestApp, query: &str) -> Value {
    let url =
        reqwest::Url::parse_with_params(&app.url("/api/v1/knowledge/search"), &[("q", query), ("limit", "5")]).unwrap();
    let response = app
        .client
        .get(url)
        .bearer_auth(app.token("alice", Role::User))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

/// Searches once the server's index has applied everything in the log (it follows the log, so a
/// CLI import reaches it shortly after the command returns); fails the test unless `id` is found.
pub(crate) async fn found_once_indexed(app: &TestApp, query: &str, id: &str) -> Value {
    app.wait_for_projections_and_index().await;
    let results = search(app, query).await;
    assert!(
        results["hits"].as_array().unwrap().iter().any(|hit| hit["id"] == id),
        "{id} found for {query}: {results}"
    );
    results
}

#[tokio::test]
async fn curators_import_the_corpus_and_users_find_and_are_quoted_it() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let quran = corpus("quran.jsonl");
    let bukhari = excerpt(
        dir.path(),
        "bukhari.jsonl",
        20,
        &["{not json", r#"{"id":"x","source":"blog"}"#],
    );
    let (stdout, stderr) = import(&app, &[&quran, &bukhari]);
    assert!(
        stdout.contains("added 6256, revised 0, unchanged 0, malformed 2"),
        "{stdout}"
    );
    assert!(
        stderr.contains("bukhari.jsonl:21:"),
        "malformed lines are reported with file and line: {stderr}"
    );
    assert!(stderr.contains("bukhari.jsonl:22:"), "{stderr}");
    // Re-importing unchanged texts records nothing.
    let events_before: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let (again, _) = import(&app, &[&quran]);
    assert!(again.contains("added 0, revised 0, unchanged 6236"), "{again}");
    let events_after: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events_before, events_after);
    let actor: String =
        sqlx::query_scalar("SELECT metadata->>'actor' FROM events WHERE stream_id = 'knowledge-quran:2:255'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(actor.starts_with("cli:"), "the log names who imported");

    // Search, in Arabic with and without marks and in English, with highlights.
    let results = found_once_indexed(&app, "لا تأخذه سنة ولا نوم", "quran:2:255").await;
    assert_eq!(results["hits"][0]["id"], "quran:2:255");
    assert_eq!(results["hits"][0]["reference"], "Qur'an 2:255 (Al-Baqarah)");
    assert!(results["hits"][0]["highlight"].as_str().unwrap().contains("<b>"));
    assert_eq!(
        search(&app, "لَا تَأۡخُذُهُۥ سِنَةٞ وَلَا نَوۡمٞ").await["hits"][0]["id"],
        "quran:2:255"
    );
    let path = "/api/v1/knowledge/search?q=reward%20of%20deeds%20depends%20upon%20intentions&source=hadith";
    let english: Value = app
        .get(path, &app.token("alice", Role::User))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(english["hits"][0]["id"], "bukhari:1", "{english}");
    let filtered = app
        .get(
            "/api/v1/knowledge/search?q=intentions&source=quran&limit=5",
            &app.token("alice", Role::User),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        filtered["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["source"] == "quran")
    );
    // Queries the parser cannot read are plain words.
    for broken in ["\"unbalanced (", "AND OR", "text_en:", "((((("] {
        search(&app, broken).await;
    }

    // The knowledge agent quotes verbatim, with citations, in the user's language.
    let original: Value = std::fs::read_to_string(&quran)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|verse| verse["id"] == "quran:2:255")
        .unwrap();
    let replies: Vec<Value> = app
        .chat("alice", json!({"user_id": "alice", "content": "Tell me Ayat al-Kursi"}))
        .await
        .json()
        .await
        .unwrap();
    let knowledge = replies
        .iter()
        .find(|reply| reply["agent_type"] == "knowledge")
        .expect("the knowledge agent answered");
    assert!(
        knowledge["response"]
            .as_str()
            .unwrap()
            .contains(original["english"].as_str().unwrap()),
        "quoted verbatim"
    );
    assert_eq!(knowledge["metadata"]["citations"][0]["id"], "quran:2:255");
    assert_eq!(
        replies[0]["agent_type"], "user_interface",
        "the user interface agent answers first"
    );
    let arabic: Vec<Value> = app
        .chat("alice", json!({"user_id": "alice", "content": "ما هي آية الكرسي؟"}))
        .await
        .json()
        .await
        .unwrap();
    let knowledge = arabic.iter().find(|reply| reply["agent_type"] == "knowledge").unwrap();
    assert!(
        knowledge["response"]
            .as_str()
            .unwrap()
            .contains(original["arabic"].as_str().unwrap()),
        "Arabic text for Arabic questions"
    );
    let intentions: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "the hadith of intentions"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let knowledge = intentions
        .iter()
        .find(|reply| reply["agent_type"] == "knowledge")
        .unwrap();
    assert_eq!(knowledge["metadata"]["citations"][0]["id"], "bukhari:1");
    let patience: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "What does the Quran say about patience?"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let knowledge = patience
        .iter()
        .find(|reply| reply["agent_type"] == "knowledge")
        .unwrap();
    let citations = knowledge["metadata"]["citations"].as_array().unwrap();
    assert!(
        !citations.is_empty()
            && citations
                .iter()
                .all(|c| c["id"].as_str().unwrap().starts_with("quran:"))
    );
    // Verses about patience, not any verse: each quoted one speaks of it, and among them is one
    // of those the question is known by.
    let english: std::collections::HashMap<String, String> = std::fs::read_to_string(corpus("quran.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|verse| {
            (
                verse["id"].as_str().unwrap().to_owned(),
                verse["english"].as_str().unwrap_or_default().to_lowercase(),
            )
        })
        .collect();
    for citation in citations {
        let text = &english[citation["id"].as_str().unwrap()];
        assert!(
            ["patien", "steadfast", "persever"]
                .iter()
                .any(|word| text.contains(word)),
            "{citation} does not speak of patience: {text}"
        );
    }
    let known = [
        "quran:2:45",
        "quran:2:153",
        "quran:2:155",
        "quran:3:200",
        "quran:103:3",
        "quran:39:10",
        "quran:70:5",
        "quran:11:115",
        "quran:16:127",
        "quran:31:17",
    ];
    assert!(
        citations.iter().any(|c| known.contains(&c["id"].as_str().unwrap())),
        "{citations:?}"
    );
    for citation in citations {
        // Every citation names a real verse, whose reference is in the reply: its own, or the
        // range of the neighbouring verses it is quoted with ("Qur'an 2:45–46 (Al-Baqarah)").
        let response = knowledge["response"].as_str().unwrap();
        assert!(
            response.contains(citation["reference"].as_str().unwrap())
                || quoted_in_a_range(response, citation["id"].as_str().unwrap()),
            "{citation} in {response}"
        );
    }
    // Nothing reliable: it says so and cites nothing.
    let unknown: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "What does the hadith say about xylophones and quasars?"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let knowledge = unknown.iter().find(|reply| reply["agent_type"] == "knowledge").unwrap();
    assert!(
        knowledge["response"].as_str().unwrap().contains("nothing reliable"),
        "{knowledge}"
    );
    assert_eq!(knowledge["metadata"]["citations"], json!([]));
    assert!(knowledge["confidence"].as_f64().unwrap() < 0.5);
}

#[tokio::test]
async fn curators_add_revise_and_retract_documents_and_the_index_follows() {
    let app = TestApp::spawn().await;
    let curator = app.token("curie", Role::Curator);
    let post = |token: String, body: Value| {
        app.client
            .post(app.url("/api/v1/knowledge/documents"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let document = json!({"id": "guide:wudu:1", "source": "custom", "collection": "guides",
                          "reference": "Wudu guide, step 1", "text_en": "Begin ablution with the intention and the basmala."});
    expect_error(
        post(app.token("alice", Role::User), json!([document.clone()]))
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let added: Value = post(curator.clone(), json!({"documents": [document.clone()]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Its edition (named like its collection) is new, so it is recorded too.
    assert_eq!(
        added,
        json!({"added": 1, "revised": 0, "unchanged": 0, "editions_recorded": 1})
    );
    // Read-your-writes: the index has it when the call returns.
    assert_eq!(search(&app, "ablution basmala").await["hits"][0]["id"], "guide:wudu:1");

    let unchanged: Value = post(curator.clone(), json!([document.clone()]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["unchanged"], 1);
    let mut revised = document.clone();
    revised["text_en"] = json!("Begin wudu with the intention, then wash the hands three times.");
    let counts: Value = post(curator.clone(), json!([revised]))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["revised"], 1);
    assert_eq!(
        search(&app, "wash hands three times").await["hits"][0]["id"],
        "guide:wudu:1"
    );

    let bad = post(
        curator.clone(),
        json!([{"id": "x y", "source": "custom", "reference": "r", "text_en": "t"}]),
    )
    .await
    .unwrap();
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY).await;

    let retract = || {
        app.client
            .delete(app.url("/api/v1/knowledge/documents/guide:wudu:1"))
            .bearer_auth(curator.clone())
            .send()
    };
    assert_eq!(retract().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(
        search(&app, "wash hands three times").await["total"],
        0,
        "a retracted text is no longer found"
    );
    expect_error(retract().await.unwrap(), StatusCode::NOT_FOUND).await;
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE stream_id = 'knowledge-guide:wudu:1' ORDER BY stream_version",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        types,
        [
            "KnowledgeDocumentAdded",
            "KnowledgeDocumentRevised",
            "KnowledgeDocumentRetracted"
        ]
    );

    for (path, status) in [
        ("/api/v1/knowledge/search?q=", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/v1/knowledge/search?q=x&source=blog",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/knowledge/search?q=x&limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/v1/knowledge/search?q=x&lang=fr", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        expect_error(app.get(path, &curator).await, status).await;
    }
}

#[tokio::test]
async fn a_reindex_swaps_in_a_new_index_while_searches_keep_succeeding() {
    let app = TestApp::spawn().await;
    let quran = corpus("quran.jsonl");
    import(&app, &[&quran]);
    found_once_indexed(&app, "لا تأخذه سنة ولا نوم", "quran:2:255").await;
    let curator = app.token("curie", Role::Curator);
    expect_error(
        app.client
            .post(app.url("/api/v1/knowledge/reindex"))
            .bearer_auth(app.token("alice", Role::User))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let started = app
        .client
        .post(app.url("/api/v1/knowledge/reindex"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let job_id = started.json::<Value>().await.unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut searches = 0;
    let job = loop {
        // Every search during the rebuild succeeds and finds the verse.
        let results = search(&app, "لا تأخذه سنة ولا نوم").await;
        assert_eq!(results["hits"][0]["id"], "quran:2:255");
        searches += 1;
        let job: Value = app
            .get(&format!("/api/v1/knowledge/reindex/{job_id}"), &curator)
            .await
            .json()
            .await
            .unwrap();
        if job["status"] != "running" {
            break job;
        }
    };
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["processed"], 6236);
    assert_eq!(job["total"], 6236);
    assert!(searches > 1);
    // After the swap the new index serves, and follows new events.
    let added: Value = app
        .client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(&curator)
        .json(&json!([{"id": "note:1", "source": "custom", "reference": "Note 1", "text_en": "zamzam water blessing"}]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added["added"], 1);
    assert_eq!(search(&app, "zamzam").await["hits"][0]["id"], "note:1");
    assert_eq!(search(&app, "لا تأخذه سنة ولا نوم").await["hits"][0]["id"], "quran:2:255");
    let count_generations = || {
        std::fs::read_dir(app.data_dir.path().join("index"))
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("gen-")
            })
            .count()
    };
    assert_eq!(count_generations(), 1, "the old generation was removed");
    expect_error(
        app.get(&format!("/api/v1/knowledge/reindex/{}", uuid::Uuid::now_v7()), &curator)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// The curator's path from the README: reindex from the command line while the server runs; the
/// server keeps answering from the old index, then moves to the new one.
#[tokio::test]
async fn a_reindex_from_the_cli_is_picked_up_by_the_running_server_without_a_failed_search() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let quran = excerpt(dir.path(), "quran.jsonl", 300, &[]);
    import(&app, &[&quran]);
    found_once_indexed(&app, "لا تأخذه سنة ولا نوم", "quran:2:255").await;
    let before = std::fs::read_to_string(app.data_dir.path().join("index/CURRENT")).unwrap();

    let url = app.db.url.clone();
    let data_dir = app.data_dir.path().to_path_buf();
    let reindex = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_hijraah"))
            .args(["knowledge", "reindex"])
            .env("DATABASE_URL", url)
            .env("HIJRAAH_DATA_DIR", data_dir)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    });
    while !reindex.is_finished() {
        assert_eq!(search(&app, "لا تأخذه سنة ولا نوم").await["hits"][0]["id"], "quran:2:255");
    }
    let output = reindex.await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("reindexed 300 documents"));
    let after = std::fs::read_to_string(app.data_dir.path().join("index/CURRENT")).unwrap();
    assert_ne!(before, after, "a new generation is live");
    // The server moves to the new generation and keeps following the log there.
    let added = app
        .client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(app.token("curie", Role::Curator))
        .json(&json!([{"id": "note:2", "source": "custom", "reference": "Note 2", "text_en": "hajj mabrur"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    found_once_indexed(&app, "mabrur", "note:2").await;
    assert_eq!(search(&app, "لا تأخذه سنة ولا نوم").await["hits"][0]["id"], "quran:2:255");
}
