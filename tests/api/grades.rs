//! Hadith grades end to end: the grades that come with the corpus (al-Tirmidhi's own words, the
//! two Sahih collections' compilers), a curator's grade through the API, grades beside every
//! quoted hadith in the chat, the deployment's or the request's "sahih only" for rulings, and the
//! same grades after a revision and after a reindex from the log.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};
use crate::knowledge::{excerpt, import};

async fn document(app: &TestApp, id: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/knowledge/documents/{id}"),
            &app.token("alice", Role::User),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{id}");
    response.json().await.unwrap()
}

async fn grade(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/knowledge/documents/{id}/grades")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn knowledge_reply(app: &TestApp, body: Value) -> Value {
    let replies: Vec<Value> = app.chat("alice", body).await.json().await.unwrap();
    replies
        .into_iter()
        .find(|reply| reply["agent_type"] == "knowledge")
        .expect("the knowledge agent answers")
}

/// Texts around the ones under test, so that search scores words as it does in a real library.
async fn a_library(app: &TestApp) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = excerpt(dir.path(), "abudawud.jsonl", 1_500, &[]);
    import(app, &[file.as_path()]);
    crate::knowledge::found_once_indexed(app, "abudawud:1500", "abudawud:1500").await;
    dir
}

fn cited(reply: &Value) -> Vec<String> {
    reply["metadata"]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|citation| citation["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_corpus_grades_come_with_the_texts_and_the_sunan_say_not_graded() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let files = [
        excerpt(dir.path(), "tirmidhi.jsonl", 3, &[]),
        excerpt(dir.path(), "bukhari.jsonl", 2, &[]),
        excerpt(dir.path(), "abudawud.jsonl", 2, &[]),
        excerpt(dir.path(), "quran.jsonl", 1, &[]),
    ];
    import(&app, &files.iter().map(|path| path.as_path()).collect::<Vec<_>>());
    crate::knowledge::found_once_indexed(&app, "Wudu washing his face every evil", "tirmidhi:2").await;

    let tirmidhi = document(&app, "tirmidhi:2").await;
    assert_eq!(tirmidhi["grades"].as_array().unwrap().len(), 1, "{tirmidhi}");
    assert_eq!(tirmidhi["grades"][0]["grade"], "hasan sahih (حسن صحيح)");
    assert_eq!(tirmidhi["grades"][0]["grader"], "al-Tirmidhi");
    assert!(
        tirmidhi["grades"][0]["source"]
            .as_str()
            .unwrap()
            .contains("هذا حديث حسن صحيح")
    );
    // "the most correct thing on this topic" compares narrations: no grade is made of it.
    assert_eq!(document(&app, "tirmidhi:1").await["grades"], json!([]));
    assert_eq!(document(&app, "bukhari:1").await["grades"][0]["grader"], "al-Bukhari");
    assert_eq!(document(&app, "abudawud:1").await["grades"], json!([]));
    assert_eq!(document(&app, "quran:1:1").await["grades"], json!([]));

    // Quoted in the chat, each hadith says what is known of its grade, in the text and the
    // citation.
    let reply = knowledge_reply(&app, json!({"user_id": "alice", "content": "tirmidhi:2"})).await;
    let text = reply["response"].as_str().unwrap();
    assert!(text.contains("graded hasan sahih (حسن صحيح) by al-Tirmidhi"), "{text}");
    assert_eq!(reply["metadata"]["citations"][0]["grades"][0]["grader"], "al-Tirmidhi");
    let reply = knowledge_reply(&app, json!({"user_id": "alice", "content": "abudawud:1"})).await;
    assert!(
        reply["response"].as_str().unwrap().contains("not graded here"),
        "{reply}"
    );
    assert_eq!(reply["metadata"]["citations"][0]["grades"], json!([]));
    let reply = knowledge_reply(
        &app,
        json!({"user_id": "alice", "content": "abudawud:1", "language": "ar"}),
    )
    .await;
    assert!(
        reply["response"].as_str().unwrap().contains("لم يُذكر حكمه هنا"),
        "{reply}"
    );
}

#[tokio::test]
async fn curators_grade_a_hadith_and_the_grade_holds_through_revision_and_reindex() {
    let app = TestApp::spawn().await;
    let _library = a_library(&app).await;
    let curator = app.token("curie", Role::Curator);
    let hadith = |text: &str| {
        json!({"id": "guide:smile", "source": "hadith", "collection": "guide", "reference": "Guide hadith 1",
               "text_en": text})
    };
    let verse = json!({"id": "guide:verse", "source": "quran", "reference": "Guide verse", "text_en": "A verse."});
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/knowledge/documents"))
            .bearer_auth(&curator)
            .json(&body)
            .send()
    };
    let added = post(json!([
        hadith("Your smiling in the face of your brother is charity."),
        verse
    ]))
    .await
    .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(document(&app, "guide:smile").await["grades"], json!([]));

    let albani = json!({"grade": "sahih", "grader": "al-Albani", "source": "Sahih al-Jami' 2908"});
    expect_error(
        grade(&app, &app.token("alice", Role::User), "guide:smile", albani.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_error(
        grade(&app, &curator, "guide:nothing", albani.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        grade(&app, &curator, "guide:verse", albani.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for bad in [
        json!({"grade": " ", "grader": "al-Albani", "source": "s"}),
        json!({"grade": "sahih", "grader": "al-Albani"}),
        json!({"grade": 5, "grader": "al-Albani", "source": "s"}),
        json!({"grade": "sahih", "grader": "al-Albani", "source": "s", "by": "me"}),
        json!({"grade": "x".repeat(501), "grader": "al-Albani", "source": "s"}),
    ] {
        expect_error(
            grade(&app, &curator, "guide:smile", bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    let recorded = grade(&app, &curator, "guide:smile", albani.clone()).await;
    assert_eq!(recorded.status(), StatusCode::ACCEPTED);
    let recorded: Value = recorded.json().await.unwrap();
    assert_eq!(recorded["grades"], json!([albani]));
    // The same grade again adds nothing; another grader's is kept beside it.
    assert_eq!(
        grade(&app, &curator, "guide:smile", albani.clone()).await.status(),
        StatusCode::ACCEPTED
    );
    let arnaut = json!({"grade": "hasan", "grader": "Shu'ayb al-Arna'ut", "source": "his notes on the Musnad"});
    grade(&app, &curator, "guide:smile", arnaut.clone()).await;
    assert_eq!(document(&app, "guide:smile").await["grades"], json!([albani, arnaut]));

    // Quoted, the hadith carries both, in the text and the citation.
    let reply = knowledge_reply(
        &app,
        json!({"user_id": "alice", "content": "what did the prophet say about smiling at your brother?"}),
    )
    .await;
    assert_eq!(cited(&reply)[0], "guide:smile", "{reply}");
    let text = reply["response"].as_str().unwrap();
    assert!(
        text.contains("\"Your smiling in the face of your brother is charity.\" (Guide hadith 1; graded sahih by al-Albani; hasan by Shu'ayb al-Arna'ut)"),
        "{text}"
    );
    assert_eq!(reply["metadata"]["citations"][0]["grades"], json!([albani, arnaut]));

    // A revision of the text keeps the curators' grades.
    post(json!([hadith("Smiling in the face of your brother is a charity.")]))
        .await
        .unwrap();
    let revised = document(&app, "guide:smile").await;
    assert_eq!(revised["text_en"], "Smiling in the face of your brother is a charity.");
    assert_eq!(revised["grades"], json!([albani, arnaut]));

    // A reindex from the log gives the same grades.
    let started: Value = app
        .client
        .post(app.url("/api/v1/knowledge/reindex"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_id = started["job_id"].as_str().unwrap().to_owned();
    loop {
        let job: Value = app
            .get(&format!("/api/v1/knowledge/reindex/{job_id}"), &curator)
            .await
            .json()
            .await
            .unwrap();
        if job["status"] != "running" {
            assert_eq!(job["status"], "completed", "{job}");
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(document(&app, "guide:smile").await["grades"], json!([albani, arnaut]));

    // A retraction clears them: a text restored later is graded afresh.
    let retracted = app
        .client
        .delete(app.url("/api/v1/knowledge/documents/guide:smile"))
        .bearer_auth(&curator)
        .send()
        .await
        .unwrap();
    assert_eq!(retracted.status(), StatusCode::NO_CONTENT);
    expect_error(
        grade(&app, &curator, "guide:smile", albani.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    post(json!([hadith("Smiling in the face of your brother is a charity.")]))
        .await
        .unwrap();
    assert_eq!(document(&app, "guide:smile").await["grades"], json!([]));

    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE stream_id = 'knowledge-guide:smile' ORDER BY stream_version",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        types,
        [
            "KnowledgeDocumentAdded",
            "KnowledgeDocumentGraded",
            "KnowledgeDocumentGraded",
            "KnowledgeDocumentGraded",
            "KnowledgeDocumentRevised",
            "KnowledgeDocumentRetracted",
            "KnowledgeDocumentRevised",
        ]
    );
}

#[tokio::test]
async fn a_ruling_can_be_answered_from_sahih_hadith_only() {
    let app = TestApp::spawn().await;
    let _library = a_library(&app).await;
    let curator = app.token("curie", Role::Curator);
    let documents = json!([
        {"id": "guide:sleep:1", "source": "hadith", "collection": "guide", "reference": "Guide hadith 1",
         "text_en": "Whoever sleeps through a prayer, let him pray it when he wakes.",
         "grades": [{"grade": "sahih", "grader": "a grader", "source": "a book 1"}]},
        {"id": "guide:sleep:2", "source": "hadith", "collection": "guide", "reference": "Guide hadith 2",
         "text_en": "Whoever sleeps through a prayer has no expiation but to pray it when he wakes.",
         "grades": [{"grade": "da'if", "grader": "a grader", "source": "a book 2"}]},
        {"id": "guide:sleep:3", "source": "hadith", "collection": "guide", "reference": "Guide hadith 3",
         "text_en": "Whoever sleeps through a prayer should pray it when he wakes up and remembers it."},
    ]);
    let added = app
        .client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(&curator)
        .json(&documents)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let question = "Is it allowed to pray a prayer I slept through when I wake?";
    // Asked plainly, the answer quotes hadith that are not graded sahih, or not graded at all.
    let every = cited(&knowledge_reply(&app, json!({"user_id": "alice", "content": question})).await);
    assert!(every.iter().any(|id| id != "guide:sleep:1"), "{every:?}");
    let sahih = knowledge_reply(
        &app,
        json!({"user_id": "alice", "content": question, "context": {"sahih_only": true}}),
    )
    .await;
    assert_eq!(cited(&sahih), ["guide:sleep:1"], "{sahih}");
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hijraah"))
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path())
        .env_remove("HIJRAAH_JWT_SECRET")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn curators_grade_from_the_cli_beside_a_running_server() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let files = [
        excerpt(dir.path(), "abudawud.jsonl", 2, &[]),
        excerpt(dir.path(), "quran.jsonl", 1, &[]),
    ];
    import(&app, &files.iter().map(|path| path.as_path()).collect::<Vec<_>>());
    app.wait_for_projections_and_index().await;

    let args = [
        "knowledge",
        "grades",
        "abudawud:1",
        "--grade",
        "sahih",
        "--grader",
        "al-Albani",
        "--source",
        "Sahih Abi Dawud 1",
    ];
    let output = cli(&app, &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    app.wait_for_projections_and_index().await;
    assert_eq!(
        document(&app, "abudawud:1").await["grades"],
        json!([{"grade": "sahih", "grader": "al-Albani", "source": "Sahih Abi Dawud 1"}])
    );
    let listed = cli(&app, &["knowledge", "grades", "abudawud:1"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("sahih by al-Albani (Sahih Abi Dawud 1)"));
    let listed = cli(&app, &["knowledge", "grades", "abudawud:2"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("not graded here"));

    for (id, error) in [("quran:1:1", "not a hadith"), ("abudawud:99999", "no such document")] {
        let args = [
            "knowledge",
            "grades",
            id,
            "--grade",
            "sahih",
            "--grader",
            "g",
            "--source",
            "s",
        ];
        let output = cli(&app, &args);
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(error),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // A grade needs its grader and source.
    assert!(
        !cli(&app, &["knowledge", "grades", "abudawud:1", "--grade", "sahih"])
            .status
            .success()
    );
}
