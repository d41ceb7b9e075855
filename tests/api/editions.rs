//! Editions: every text names the published edition it is from, imports record the editions
//! they name, curators describe them and decide which ones the agents quote, and a reply's
//! citations name the edition and the revision they quoted, so an old conversation reads the
//! text as it was quoted.

use std::time::Duration;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};
use crate::knowledge::{excerpt, import};

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path, &app.token("alice", Role::User)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn editions(app: &TestApp) -> Vec<Value> {
    get_json(app, "/api/v1/knowledge/editions")
        .await
        .as_array()
        .unwrap()
        .clone()
}

fn edition<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|edition| edition["id"] == id)
        .unwrap_or_else(|| panic!("no edition {id} in {list:?}"))
}

async fn replies(app: &TestApp, body: Value) -> Vec<Value> {
    let response = app.chat("alice", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn citations_of(replies: &[Value], agent: &str) -> Vec<Value> {
    replies
        .iter()
        .filter(|reply| reply["agent_type"] == agent)
        .flat_map(|reply| reply["metadata"]["citations"].as_array().cloned().unwrap_or_default())
        .collect()
}

async fn put_edition(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/knowledge/editions/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn imports_record_editions_that_curators_describe_and_withhold_and_citations_name_them() {
    let app = TestApp::spawn().await;
    let curator = app.token("curie", Role::Curator);
    let dir = tempfile::tempdir().unwrap();
    let quran = excerpt(dir.path(), "quran.jsonl", 10, &[]);
    let bukhari = excerpt(dir.path(), "bukhari.jsonl", 5, &[]);
    let (stdout, _) = import(&app, &[&quran, &bukhari]);
    assert!(stdout.contains("editions recorded 2"), "{stdout}");
    crate::knowledge::found_once_indexed(&app, "Al-Fatihah 1:2", "quran:1:2").await;

    // Each corpus file's edition, described from the corpus's own record of it, with its count.
    let list = editions(&app).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let sahih = edition(&list, "quran.en.sahih");
    assert_eq!(sahih["name"], "Saheeh International");
    assert_eq!(sahih["work"], "The Qur'an");
    assert_eq!(sahih["quotable"], true);
    assert_eq!(sahih["documents"], 10);
    assert!(
        sahih["source"].as_str().unwrap().contains("quran-text 0.1.0"),
        "{sahih}"
    );
    assert!(sahih["licence"].as_str().unwrap().contains("non-commercial"), "{sahih}");
    let bukhari_edition = edition(&list, "hadith.bukhari");
    assert_eq!(bukhari_edition["translator"], "Muhammad Muhsin Khan");
    assert_eq!(bukhari_edition["version"], "3.1.7");
    assert_eq!(bukhari_edition["documents"], 5);
    // Importing again records no edition a second time.
    let (stdout, _) = import(&app, &[&quran]);
    assert!(
        stdout.contains("unchanged 10") && stdout.contains("editions recorded 0"),
        "{stdout}"
    );

    // A document and its citations name the edition and the revision quoted.
    let verse = get_json(&app, "/api/v1/knowledge/documents/quran:1:2").await;
    assert_eq!(verse["edition"], "quran.en.sahih");
    assert_eq!(verse["revision"], 1);
    let recite = json!({"user_id": "alice", "content": "recite surah al-fatihah"});
    let cited = citations_of(&replies(&app, recite.clone()).await, "knowledge");
    assert_eq!(cited.len(), 7, "{cited:?}");
    for citation in &cited {
        assert_eq!(citation["edition"], "quran.en.sahih", "{citation}");
        assert_eq!(citation["edition_name"], "Saheeh International", "{citation}");
        assert_eq!(citation["revision"], 1, "{citation}");
    }

    // Only a curator changes an edition; a partial change keeps the rest.
    let withhold = json!({"quotable": false, "reason": "the licence is under review"});
    expect_error(
        put_edition(
            &app,
            &app.token("alice", Role::User),
            "quran.en.sahih",
            withhold.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let changed = put_edition(&app, &curator, "quran.en.sahih", withhold).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["quotable"], false);
    assert_eq!(changed["name"], "Saheeh International");
    assert_eq!(changed["by"], "curie");
    assert_eq!(changed["reason"], "the licence is under review");
    assert_eq!(changed["documents"], 10);

    // Withheld: still found by search, never quoted.
    crate::knowledge::found_once_indexed(&app, "Al-Fatihah 1:2", "quran:1:2").await;
    let after = replies(&app, recite.clone()).await;
    assert!(citations_of(&after, "knowledge").is_empty(), "{after:?}");

    // The CLI lists the editions and quotes one again; every server sees it within seconds.
    let (ok, out, err) = app.cli(&["knowledge", "editions"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("quran.en.sahih  withheld  10 texts  Saheeh International"),
        "{out}"
    );
    assert!(out.contains("hadith.bukhari  quoted    5 texts"), "{out}");
    let (ok, out, err) = app.cli(&["knowledge", "editions", "quran.en.sahih", "--quote"]);
    assert!(ok, "{err}");
    assert!(out.contains("quran.en.sahih: quoted"), "{out}");
    let (ok, _, err) = app.cli(&["knowledge", "editions", "nowhere.edition", "--quote"]);
    assert!(!ok && err.contains("no such edition"), "{err}");
    let mut quoted = Vec::new();
    for _ in 0..40 {
        quoted = citations_of(&replies(&app, recite.clone()).await, "knowledge");
        if !quoted.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(quoted.len(), 7, "quoted again once the CLI's change is read");

    // Our own format names an edition whole, or by id; a new edition needs its description.
    let documents = json!([
        {"id": "guide:1", "source": "custom", "collection": "guide", "reference": "Masjid guide 1",
         "text_en": "Switch off your phone before the prayer.",
         "edition": {"id": "guide.2026", "work": "Masjid guide", "language": "en", "name": "Masjid guide, 2026",
                     "source": "https://example.org/guide", "licence": "CC-BY-4.0", "version": "2026"}},
        {"id": "notes:1", "source": "custom", "reference": "Notes 1", "text_en": "Bring a prayer mat.",
         "edition": "notes.draft"}
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
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["editions_recorded"], 2, "{added}");
    let list = editions(&app).await;
    assert_eq!(edition(&list, "guide.2026")["name"], "Masjid guide, 2026");
    assert_eq!(edition(&list, "guide.2026")["documents"], 1);
    assert_eq!(edition(&list, "notes.draft")["source"], "not stated");
    for bad in [
        json!({"id": "bad:1", "source": "custom", "reference": "r", "text_en": "t", "edition": 7}),
        json!({"id": "bad:1", "source": "custom", "reference": "r", "text_en": "t", "edition": "a b"}),
        json!({"id": "bad:1", "source": "custom", "reference": "r", "text_en": "t", "edition": {"id": "x"}}),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/knowledge/documents"))
            .bearer_auth(&curator)
            .json(&json!([bad]))
            .send()
            .await
            .unwrap();
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // An unknown edition without the fields to record it is not found.
    expect_error(
        put_edition(&app, &curator, "brand.new", json!({"name": "Only a name"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        put_edition(&app, &curator, "notes.draft", json!({"name": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_error(
        put_edition(&app, &curator, "notes.draft", json!({"reason": "a\u{0}"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_error(
        put_edition(&app, &curator, "notes.draft", json!({"quotable": "no"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let created = put_edition(
        &app,
        &curator,
        "brand.new",
        json!({"work": "w", "language": "en", "name": "n", "source": "s", "licence": "l", "version": "1"}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    // The change feed follows one edition's documents.
    let page = get_json(&app, "/api/v1/knowledge/changes?edition=hadith.bukhari&limit=100").await;
    let ids: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{page}");
    assert!(ids.iter().all(|id| id.starts_with("bukhari:")), "{ids:?}");
}

#[tokio::test]
async fn an_old_conversation_reads_each_text_as_it_was_quoted_and_knows_it_was_corrected() {
    let app = TestApp::spawn().await;
    let curator = app.token("curie", Role::Curator);
    let dir = tempfile::tempdir().unwrap();
    import(&app, &[excerpt(dir.path(), "bukhari.jsonl", 200, &[]).as_path()]);
    let post = |text: &str| {
        app.client
            .post(app.url("/api/v1/knowledge/documents"))
            .bearer_auth(&curator)
            .json(
                &json!([{"id": "guide:neighbour", "source": "hadith", "collection": "guide",
                           "reference": "Guide hadith 7", "text_en": text}]),
            )
            .send()
    };
    let first = "Whoever believes in Allah and the Last Day, let him honour his neighbour.";
    assert_eq!(post(first).await.unwrap().status(), StatusCode::OK);
    crate::knowledge::found_once_indexed(&app, "honour his neighbour", "guide:neighbour").await;

    let answered = replies(
        &app,
        json!({"user_id": "alice", "content": "what did the prophet say about honouring the neighbour?"}),
    )
    .await;
    let conversation_id = answered[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    let quoted = citations_of(&answered, "knowledge");
    let citation = quoted
        .iter()
        .find(|citation| citation["id"] == "guide:neighbour")
        .unwrap_or_else(|| panic!("the guide's hadith is quoted: {answered:?}"));
    assert_eq!(citation["revision"], 1);
    assert_eq!(citation["edition"], "guide");

    // The text is corrected after it was quoted.
    let corrected = "Whoever believes in Allah and the Last Day, let him be generous to his neighbour.";
    assert_eq!(post(corrected).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get_json(&app, "/api/v1/knowledge/documents/guide:neighbour").await["text_en"],
        corrected
    );

    // The stored reply keeps the revision it quoted; that revision reads as it was quoted, and
    // the history says it has been revised since.
    let conversation = get_json(&app, &format!("/api/v1/conversations/{conversation_id}")).await;
    let stored = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|message| message["agent_type"] == "knowledge")
        .flat_map(|message| message["metadata"]["citations"].as_array().cloned().unwrap_or_default())
        .find(|citation| citation["id"] == "guide:neighbour")
        .expect("the stored reply cites the guide's hadith");
    let revision = stored["revision"].as_i64().unwrap();
    assert_eq!(revision, 1);
    let as_quoted = get_json(
        &app,
        &format!("/api/v1/knowledge/documents/guide:neighbour?revision={revision}"),
    )
    .await;
    assert_eq!(as_quoted["document"]["text_en"], first);
    let history = get_json(&app, "/api/v1/knowledge/documents/guide:neighbour/history").await;
    let later: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["revision"].as_i64().unwrap() > revision)
        .collect();
    assert_eq!(later.len(), 1, "{history}");
    assert_eq!(later[0]["action"], "revised");
    assert_eq!(later[0]["by"], "curie");
}
