//! Corrections through review: anyone signed in reports a problem with a text and proposes its
//! wording; a curator approves or rejects it in a workflow run. Approval records a revision that
//! names who proposed it, who approved it and why; rejection records the reason and changes
//! nothing; a text changed meanwhile is not overwritten.

use std::time::Duration;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

async fn propose(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/knowledge/documents/{id}/corrections")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn verdict(app: &TestApp, token: &str, run_id: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/workflows/runs/{run_id}/signals/verdict")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn corrections(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/knowledge/corrections{query}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The correction once `done` holds of it (the review runs in the background).
async fn correction_when(app: &TestApp, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        if let Some(found) = corrections(app, token, "")
            .await
            .into_iter()
            .find(|correction| correction["correction_id"] == id)
        {
            if done(&found) {
                return found;
            }
            last = found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the correction {id} did not get there: {last}");
}

/// The `hijraah` binary beside the server, with its data dir (and so its key-encryption key).
fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let output = crate::helpers::hijraah_command()
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    )
}

async fn text_of(app: &TestApp, id: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/knowledge/documents/{id}"),
            &app.token("alice", Role::User),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_reported_problem_is_reviewed_approved_into_a_revision_or_rejected_with_its_reason() {
    let app = TestApp::spawn().await;
    let curator = app.token("scholar", Role::Curator);
    let alice = app.token("alice", Role::User);
    let added = app
        .client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(&curator)
        .json(
            &json!([{"id": "guide:fast", "source": "hadith", "collection": "guide", "reference": "Guide hadith 3",
                        "text_en": "Fasting is a sheild."}]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);

    // What cannot be proposed is refused at once, with a reason.
    let good = json!({"field": "text_en", "proposed": "Fasting is a shield.", "reason": "a typo: shield"});
    expect_error(
        propose(&app, &alice, "guide:none", good.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for bad in [
        json!({"field": "id", "proposed": "x", "reason": "r"}),
        json!({"field": "text_en", "proposed": "  ", "reason": "r"}),
        json!({"field": "text_en", "proposed": "Fasting is a sheild.", "reason": "the same"}),
        json!({"field": "text_en", "proposed": "x", "reason": ""}),
        json!({"field": "text_en", "proposed": "x"}),
        json!({"field": "text_en", "proposed": "x", "reason": "r", "by": "me"}),
        json!({"field": "text_en", "proposed": "x".repeat(20_001), "reason": "r"}),
        json!({"field": "text_en", "proposed": "a\u{0}b", "reason": "r"}),
        json!({"field": "text_en", "proposed": "x", "reason": "r\u{7}"}),
    ] {
        expect_error(
            propose(&app, &alice, "guide:fast", bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    // Alice reports the typo: a review starts, and nothing changes yet.
    let started = propose(&app, &alice, "guide:fast", good).await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let started: Value = started.json().await.unwrap();
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    assert_eq!(started["correction_id"], run_id.as_str());
    let open = correction_when(&app, &curator, &run_id, |found| !found["current"].is_null()).await;
    assert_eq!(open["status"], "open");
    assert_eq!(open["current"], "Fasting is a sheild.");
    assert_eq!(open["proposed"], "Fasting is a shield.");
    assert_eq!(open["proposed_by"], "alice");
    assert_eq!(text_of(&app, "guide:fast").await["text_en"], "Fasting is a sheild.");
    // The queue: every open one for curators, one's own for anyone else.
    assert!(
        corrections(&app, &curator, "?status=open")
            .await
            .iter()
            .any(|found| found["correction_id"] == run_id.as_str())
    );
    assert!(corrections(&app, &app.token("bob", Role::User), "").await.is_empty());
    assert_eq!(corrections(&app, &alice, "").await.len(), 1);
    expect_error(
        app.get("/api/v1/knowledge/corrections?status=lost", &curator).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Only a curator or an admin decides.
    expect_error(
        verdict(&app, &alice, &run_id, json!({"verdict": "approve"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let approved = verdict(
        &app,
        &curator,
        &run_id,
        json!({"verdict": "approve", "note": "checked against the printed edition"}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::ACCEPTED);
    let done = correction_when(&app, &curator, &run_id, |found| found["status"] != "open").await;
    assert_eq!(done["status"], "approved", "{done}");
    assert_eq!(done["revision"], 2);
    assert_eq!(done["reviewer"], "scholar");
    assert_eq!(done["note"], "checked against the printed edition");
    app.wait_for_projections_and_index().await;
    let corrected = text_of(&app, "guide:fast").await;
    assert_eq!(corrected["text_en"], "Fasting is a shield.");
    assert_eq!(corrected["revision"], 2);
    let history: Value = app
        .get("/api/v1/knowledge/documents/guide:fast/history", &alice)
        .await
        .json()
        .await
        .unwrap();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "revised");
    assert_eq!(last["by"], "alice", "who proposed it");
    assert_eq!(last["approved_by"], "scholar", "who approved it");
    assert!(last["reason"].as_str().unwrap().starts_with("a typo: shield"), "{last}");

    // Rejected: the reason is kept, the text stays.
    let second = propose(
        &app,
        &alice,
        "guide:fast",
        json!({"field": "text_en", "proposed": "Fasting is a shield from the Fire.", "reason": "the longer narration"}),
    )
    .await;
    let second: Value = second.json().await.unwrap();
    let second_id = second["run_id"].as_str().unwrap().to_owned();
    correction_when(&app, &curator, &second_id, |found| !found["current"].is_null()).await;
    verdict(
        &app,
        &curator,
        &second_id,
        json!({"verdict": "reject", "note": "this edition has the shorter narration"}),
    )
    .await;
    let rejected = correction_when(&app, &curator, &second_id, |found| found["status"] != "open").await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["note"], "this edition has the shorter narration");
    assert!(rejected["revision"].is_null());
    assert_eq!(
        corrections(&app, &curator, "?status=rejected").await.len(),
        1,
        "the rejected one only"
    );
    assert_eq!(text_of(&app, "guide:fast").await["revision"], 2);
    // The same queue from the command line.
    let (ok, out, err) = cli(&app, &["knowledge", "corrections", "--status", "rejected"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["correction_id"], second_id.as_str());
    assert_eq!(listed["note"], "this edition has the shorter narration");

    // Overtaken: the text changed after the proposal, so the approval does not overwrite it.
    let third = propose(
        &app,
        &alice,
        "guide:fast",
        json!({"field": "text_en", "proposed": "Fasting is a shield!", "reason": "punctuation"}),
    )
    .await;
    let third: Value = third.json().await.unwrap();
    let third_id = third["run_id"].as_str().unwrap().to_owned();
    correction_when(&app, &curator, &third_id, |found| !found["current"].is_null()).await;
    app.client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(&curator)
        .json(
            &json!([{"id": "guide:fast", "source": "hadith", "collection": "guide", "reference": "Guide hadith 3",
                        "text_en": "Fasting is a shield; so let him not speak obscenely."}]),
        )
        .send()
        .await
        .unwrap();
    // Approved from the command line, as a curator.
    let (ok, out, err) = cli(
        &app,
        &["knowledge", "corrections", "--approve", &third_id, "--as", "scholar"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("approve sent"), "{out}");
    let overtaken = correction_when(&app, &curator, &third_id, |found| found["status"] != "open").await;
    assert_eq!(overtaken["status"], "not_applied", "{overtaken}");
    assert!(
        overtaken["why"]
            .as_str()
            .unwrap()
            .contains("changed after the proposal")
    );
    assert_eq!(
        text_of(&app, "guide:fast").await["text_en"],
        "Fasting is a shield; so let him not speak obscenely."
    );
}
