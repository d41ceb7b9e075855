//! Feedback on replies: only the conversation's owner gives it, again is a revision, the
//! conversation shows the latest, analytics count it per agent, and the comment is sealed.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, alice_asks, expect_error};

async fn feedback(app: &TestApp, user: &str, message_id: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/messages/{message_id}/feedback")))
        .bearer_auth(app.token(user, Role::User))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_owner_judges_a_reply_revises_it_and_analytics_and_the_conversation_follow() {
    let app = TestApp::spawn().await;
    let replies = alice_asks(&app, "How do I calculate Zakat?", Value::Null).await;
    let financial = replies
        .iter()
        .find(|reply| reply["agent_type"] == "financial_services")
        .unwrap();
    let message_id = financial["metadata"]["message_id"].as_str().unwrap().to_owned();
    let conversation_id = financial["metadata"]["conversation_id"].as_str().unwrap().to_owned();

    // Someone else, an unknown reply, a bad agent type, a long comment, a wrong type.
    expect_error(
        feedback(&app, "bob", &message_id, json!({"helpful": true})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let unknown = Uuid::now_v7().to_string();
    expect_error(
        feedback(&app, "alice", &unknown, json!({"helpful": true})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let wizard = feedback(
        &app,
        "alice",
        &message_id,
        json!({"helpful": false, "correct_agent": "wizard"}),
    )
    .await;
    expect_error(wizard, StatusCode::UNPROCESSABLE_ENTITY).await;
    let long = feedback(
        &app,
        "alice",
        &message_id,
        json!({"helpful": false, "comment": "x".repeat(2001)}),
    )
    .await;
    expect_error(long, StatusCode::UNPROCESSABLE_ENTITY).await;
    let wrong = feedback(&app, "alice", &message_id, json!({"helpful": "yes"})).await;
    assert!(wrong.status().is_client_error());

    let given = feedback(
        &app,
        "alice",
        &message_id,
        json!({"helpful": false, "correct_agent": "knowledge", "comment": "I wanted the verse itself"}),
    )
    .await;
    assert_eq!(given.status(), StatusCode::ACCEPTED);
    let given: Value = given.json().await.unwrap();
    assert_eq!(given["feedback"]["revision"], 1);
    let alice = app.token("alice", Role::User);
    let path = format!("/api/v1/conversations/{conversation_id}");
    let judged = message_in(&app, &path, &alice, &message_id).await;
    assert_eq!(judged["feedback"]["helpful"], false);
    assert_eq!(judged["feedback"]["correct_agent"], "knowledge");
    assert_eq!(judged["feedback"]["comment"], "I wanted the verse itself");

    app.wait_for_projections_and_index().await;
    let analyst = app.token("ana", Role::Analyst);
    let analytics: Value = app.get("/api/v1/analytics", &analyst).await.json().await.unwrap();
    assert_eq!(analytics["agent_types"]["financial_services"]["unhelpful"], 1);
    assert_eq!(analytics["agent_types"]["financial_services"]["helpful"], 0);

    // A second judgment is a revision: it replaces the first in the view and in the counts.
    let revised: Value = feedback(&app, "alice", &message_id, json!({"helpful": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revised["feedback"]["revision"], 2);
    app.wait_for_projections_and_index().await;
    let analytics: Value = app.get("/api/v1/analytics", &analyst).await.json().await.unwrap();
    assert_eq!(analytics["agent_types"]["financial_services"]["helpful"], 1);
    assert_eq!(analytics["agent_types"]["financial_services"]["unhelpful"], 0);
    assert_eq!(analytics["agent_types"]["financial_services"]["helpful_rate"], 1.0);
    // Calibration: the reply's confidence decile holds the latest judgment only.
    let confidence = financial["confidence"].as_f64().unwrap();
    let calibration = analytics["agent_types"]["financial_services"]["calibration"]
        .as_array()
        .unwrap();
    assert_eq!(calibration.len(), 1, "{calibration:?}");
    assert_eq!(calibration[0]["confidence_from"], ((confidence * 10.0).floor() / 10.0));
    assert_eq!(calibration[0]["helpful"], 1);
    assert_eq!(calibration[0]["unhelpful"], 0);
    let judged = message_in(&app, &path, &alice, &message_id).await;
    assert_eq!(judged["feedback"]["helpful"], true);
    assert_eq!(judged["feedback"]["revision"], 2);

    // The comment is personal content: sealed in the log.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT data->>'comment' FROM events WHERE event_type = 'FeedbackGiven' ORDER BY position")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|comment| comment.starts_with("enc:")), "{stored:?}");
}

/// One message of a conversation, as its owner reads it.
async fn message_in(app: &TestApp, path: &str, token: &str, message_id: &str) -> Value {
    let conversation: Value = app.get(path, token).await.json().await.unwrap();
    conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == message_id)
        .cloned()
        .expect("the message is in the conversation")
}
