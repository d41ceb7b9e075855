//! The curators' record and the downstream apps' copy: each text's history with the text as any
//! revision left it, and the change feed, which a copy applies page by page to hold what the
//! search index holds, and which answers "resync" once the texts are reindexed.

use std::collections::BTreeMap;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, hijraah_command};
use crate::knowledge::{excerpt, import};

async fn get_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = app.get(path, &app.token("alice", Role::User)).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Applies feed pages from `since` until caught up, `limit` entries a page. Returns the token to
/// continue from.
async fn follow(app: &TestApp, copy: &mut BTreeMap<String, Value>, since: Option<&str>, limit: u32) -> String {
    let mut since = since.map(str::to_owned);
    let mut pages = 0;
    loop {
        let path = match &since {
            Some(token) => format!("/api/v1/knowledge/changes?since={token}&limit={limit}"),
            None => format!("/api/v1/knowledge/changes?limit={limit}"),
        };
        let (status, page) = get_json(app, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let changes = page["changes"].as_array().unwrap();
        assert!(changes.len() <= limit as usize);
        for change in changes {
            let id = change["id"].as_str().unwrap().to_owned();
            match change["action"].as_str().unwrap() {
                "retracted" => {
                    assert_eq!(change["document"], Value::Null);
                    copy.remove(&id);
                }
                "created" | "revised" | "graded" => {
                    assert_eq!(change["document"]["id"], id.as_str(), "{change}");
                    copy.insert(id, change["document"].clone());
                }
                other => panic!("unknown action {other}"),
            }
        }
        since = Some(page["next"].as_str().unwrap().to_owned());
        pages += 1;
        assert!(pages < 100, "the feed does not end");
        if !page["more"].as_bool().unwrap() {
            return since.unwrap();
        }
    }
}

/// The copy holds exactly what the index serves: the same documents, texts and grades.
async fn assert_copy_matches_index(app: &TestApp, copy: &BTreeMap<String, Value>, every_id: &[String]) {
    for id in every_id {
        let (status, served) = get_json(app, &format!("/api/v1/knowledge/documents/{id}")).await;
        match copy.get(id) {
            None => assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{id} is in the index but not in the copy"
            ),
            Some(copied) => {
                assert_eq!(status, StatusCode::OK, "{id} is in the copy but not in the index");
                for field in ["reference", "collection", "source", "text_en", "text_ar"] {
                    assert_eq!(
                        served[field].as_str().filter(|text| !text.is_empty()),
                        copied[field].as_str(),
                        "{id}: {field}"
                    );
                }
                let copied_grades = copied.get("grades").cloned().unwrap_or(json!([]));
                assert_eq!(served["grades"], copied_grades, "{id}: grades");
            }
        }
    }
}

fn ids_in(files: &[&std::path::Path]) -> Vec<String> {
    files
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file)
                .unwrap()
                .lines()
                .map(|line| {
                    serde_json::from_str::<Value>(line).unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn the_change_feed_replayed_into_a_copy_matches_the_index_and_the_history_keeps_every_revision() {
    let app = TestApp::spawn().await;
    let curator = app.token("curie", Role::Curator);
    let dir = tempfile::tempdir().unwrap();
    let files = [
        excerpt(dir.path(), "tirmidhi.jsonl", 6, &[]),
        excerpt(dir.path(), "bukhari.jsonl", 3, &[]),
        excerpt(dir.path(), "quran.jsonl", 5, &[]),
    ];
    let files: Vec<&std::path::Path> = files.iter().map(|path| path.as_path()).collect();
    import(&app, &files);
    let mut every_id = ids_in(&files);
    every_id.push("guide:patience".to_owned());
    crate::knowledge::found_once_indexed(&app, "Salat will not be accepted without purification", "tirmidhi:1").await;

    // A curator's changes: a text added, one revised, one graded, one retracted.
    let post = |path: &str, body: Value| app.client.post(app.url(path)).bearer_auth(&curator).json(&body).send();
    let hadith = |text: &str| {
        json!({"id": "guide:patience", "source": "hadith", "collection": "guide", "reference": "Guide hadith 1",
               "lang": "en", "text_en": text})
    };
    let first = "Patience is at the first strike of calamity.";
    let second = "Real patience is at the first stroke of a calamity.";
    assert_eq!(
        post("/api/v1/knowledge/documents", json!([hadith(first)]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post("/api/v1/knowledge/documents", json!([hadith(second)]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let grade = json!({"grade": "sahih", "grader": "al-Bukhari", "source": "Sahih al-Bukhari 1283"});
    assert_eq!(
        post("/api/v1/knowledge/documents/guide:patience/grades", grade.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let retracted = app
        .client
        .delete(app.url("/api/v1/knowledge/documents/quran:1:3"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    assert_eq!(retracted.status(), StatusCode::NO_CONTENT);
    app.wait_for_projections_and_index().await;

    // A new app copies everything, three documents a page, then follows the changes.
    let mut copy = BTreeMap::new();
    let token = follow(&app, &mut copy, None, 3).await;
    assert_eq!(copy.len(), every_id.len() - 1, "every document but the retracted one");
    assert!(!copy.contains_key("quran:1:3"));
    assert_eq!(copy["guide:patience"]["text_en"], second);
    assert_eq!(copy["guide:patience"]["grades"], json!([grade]));
    assert_eq!(
        copy["tirmidhi:2"]["grades"][0]["grader"], "al-Tirmidhi",
        "the corpus's own grades"
    );
    assert_copy_matches_index(&app, &copy, &every_id).await;

    // Nothing changed: the feed says so, and the token stays usable.
    let (_, idle) = get_json(&app, &format!("/api/v1/knowledge/changes?since={token}")).await;
    assert_eq!(idle["changes"], json!([]));
    assert_eq!(idle["more"], false);

    // More changes: each arrives in log order with the whole document as it then stood.
    assert_eq!(
        post("/api/v1/knowledge/documents", json!([hadith(first)]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let restored = json!({"id": "quran:1:3", "source": "quran", "collection": "quran", "reference": "Qur'an 1:3",
                          "lang": "en", "text_en": "The Entirely Merciful, the Especially Merciful,"});
    assert_eq!(
        post("/api/v1/knowledge/documents", json!([restored]))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let retracted = app
        .client
        .delete(app.url("/api/v1/knowledge/documents/bukhari:2"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    assert_eq!(retracted.status(), StatusCode::NO_CONTENT);
    app.wait_for_projections_and_index().await;
    let (_, page) = get_json(&app, &format!("/api/v1/knowledge/changes?since={token}")).await;
    let actions: Vec<(&str, &str)> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| (change["id"].as_str().unwrap(), change["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("guide:patience", "revised"),
            ("quran:1:3", "revised"),
            ("bukhari:2", "retracted")
        ]
    );
    assert_eq!(
        page["changes"][0]["document"]["grades"],
        json!([grade]),
        "a revision keeps the curator's grade"
    );
    follow(&app, &mut copy, Some(&token), 2).await;
    assert_copy_matches_index(&app, &copy, &every_id).await;

    // One collection only.
    let (_, quran) = get_json(&app, "/api/v1/knowledge/changes?collection=quran&limit=1000").await;
    let quran: Vec<&str> = quran["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["id"].as_str().unwrap())
        .collect();
    assert_eq!(quran.len(), 5, "{quran:?}");
    assert!(quran.iter().all(|id| id.starts_with("quran:")));

    // The history: every revision, who made it, and the text as each one left it.
    let (status, history) = get_json(&app, "/api/v1/knowledge/documents/guide:patience/history").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "revised", "graded", "revised"]);
    assert!(history.as_array().unwrap().iter().all(|entry| entry["by"] == "curie"));
    assert_eq!(history[2]["grade"], grade);
    let (_, current) = get_json(&app, "/api/v1/knowledge/documents/guide:patience").await;
    assert_eq!(current["revision"], 4);
    assert_eq!(current["text_en"], first);
    let (_, as_was) = get_json(&app, "/api/v1/knowledge/documents/guide:patience?revision=2").await;
    assert_eq!(as_was["document"]["text_en"], second);
    assert_eq!(as_was["document"].get("grades"), None, "graded only at revision 3");
    let (_, gone) = get_json(&app, "/api/v1/knowledge/documents/bukhari:2?revision=2").await;
    assert_eq!(gone["action"], "retracted");
    assert_eq!(gone["document"], Value::Null);
    let (_, retraction) = get_json(&app, "/api/v1/knowledge/documents/bukhari:2/history").await;
    assert_eq!(retraction[1]["reason"], "retracted by a curator");
    expect_error(
        app.get(
            "/api/v1/knowledge/documents/guide:patience?revision=9",
            &app.token("alice", Role::User),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        app.get(
            "/api/v1/knowledge/documents/nothing:1/history",
            &app.token("alice", Role::User),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The same from the command line.
    let history = hijraah_command()
        .args(["knowledge", "history", "guide:patience"])
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path().join("cli"))
        .output()
        .unwrap();
    assert!(history.status.success(), "{}", String::from_utf8_lossy(&history.stderr));
    let history = String::from_utf8(history.stdout).unwrap();
    assert_eq!(history.lines().count(), 4, "{history}");
    assert!(
        history.contains("graded") && history.contains("sahih by al-Bukhari"),
        "{history}"
    );
    let feed = hijraah_command()
        .args(["knowledge", "changes", "--all", "--limit", "4"])
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path().join("cli"))
        .output()
        .unwrap();
    assert!(feed.status.success(), "{}", String::from_utf8_lossy(&feed.stderr));
    let mut from_cli = BTreeMap::new();
    for line in String::from_utf8(feed.stdout).unwrap().lines() {
        let change: Value = serde_json::from_str(line).unwrap();
        if change["action"] != "retracted" {
            from_cli.insert(change["id"].as_str().unwrap().to_owned(), change["document"].clone());
        }
    }
    assert_eq!(from_cli, copy);
}

#[tokio::test]
async fn a_token_from_before_a_full_reindex_or_not_ours_answers_resync_and_the_snapshot_starts_again() {
    let app = TestApp::spawn().await;
    let curator = app.token("curie", Role::Curator);
    let dir = tempfile::tempdir().unwrap();
    let file = excerpt(dir.path(), "quran.jsonl", 7, &[]);
    import(&app, &[file.as_path()]);
    crate::knowledge::found_once_indexed(&app, "1:7", "quran:1:7").await;
    let mut copy = BTreeMap::new();
    let token = follow(&app, &mut copy, None, 10).await;
    assert_eq!(copy.len(), 7);

    let started = app
        .client
        .post(app.url("/api/v1/knowledge/reindex"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let response = app
        .get(
            &format!("/api/v1/knowledge/changes?since={token}"),
            &app.token("alice", Role::User),
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "resync_required");
    assert_eq!(body["snapshot"], "/api/v1/knowledge/changes");
    assert!(body["message"].as_str().unwrap().contains("reindexed"), "{body}");

    // Starting again from the snapshot gives the same copy and a token that works.
    let mut again = BTreeMap::new();
    let token = follow(&app, &mut again, None, 3).await;
    assert_eq!(again, copy);
    let (status, _) = get_json(&app, &format!("/api/v1/knowledge/changes?since={token}")).await;
    assert_eq!(status, StatusCode::OK);

    // A token of another deployment, or of an older format, cannot be served either; what is not a
    // token at all is the client's mistake.
    for foreign in ["k1.c.0.99999999", "k0.c.0.1"] {
        let response = app
            .get(
                &format!("/api/v1/knowledge/changes?since={foreign}"),
                &app.token("alice", Role::User),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::GONE).await,
            "resync_required",
            "{foreign}"
        );
    }
    for garbage in ["hello", "k1.x.0.1", "k1.c.-1.5", "k1.c.0.1.2"] {
        let response = app
            .get(
                &format!("/api/v1/knowledge/changes?since={garbage}"),
                &app.token("alice", Role::User),
            )
            .await;
        assert_eq!(
            expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_request",
            "{garbage}"
        );
    }
    let response = app
        .get("/api/v1/knowledge/changes?limit=0", &app.token("alice", Role::User))
        .await;
    expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
}
