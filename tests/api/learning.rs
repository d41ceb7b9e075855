//! The router learned from the log, end to end: a few hundred chats, feedback that contradicts
//! the rules on one kind of question, a model trained, evaluated and promoted from the command
//! line and over HTTP, the next such question routed by the model (named in `RequestRouted`),
//! and a rollback to the rules.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, hijraah_command};

const CITIES: [&str; 6] = ["London", "Cairo", "Istanbul", "Jakarta", "Toronto", "Berlin"];
const TOPICS: [&str; 6] = ["patience", "charity", "honesty", "parents", "fasting", "prayer"];
const COUNTRIES: [&str; 5] = ["Germany", "Canada", "the UK", "Sweden", "Australia"];
const DISHES: [&str; 6] = ["burger", "pizza", "kebab", "curry", "sushi", "fried chicken"];

/// The n-th request of the traffic: four kinds the rules route well, and a fifth (where to eat
/// a halal dish) that the users will say belongs elsewhere.
fn request(n: usize) -> (usize, String) {
    let kind = n % 5;
    let text = match kind {
        0 => format!(
            "How much zakat do I owe on {} dollars if gold is {} dollars per gram?",
            5_000 + 250 * n,
            60 + n % 40
        ),
        1 => format!("What are the prayer times in {} today?", CITIES[n % CITIES.len()]),
        2 => format!("What does the Quran say about {}?", TOPICS[n % TOPICS.len()]),
        3 => format!(
            "I just moved to {}, how do I find a mosque and settle in?",
            COUNTRIES[n % COUNTRIES.len()]
        ),
        _ => format!(
            "Where can I eat a good halal {} in {}?",
            DISHES[n % DISHES.len()],
            CITIES[(n / 5) % CITIES.len()]
        ),
    };
    (kind, text)
}

fn specialists(replies: &[Value]) -> Vec<String> {
    replies
        .iter()
        .filter_map(|reply| reply["agent_type"].as_str())
        .filter(|agent| *agent != "user_interface")
        .map(str::to_owned)
        .collect()
}

async fn ask(app: &TestApp, user: &str, session: &str, content: &str) -> Vec<Value> {
    let response = app
        .chat(
            user,
            json!({"user_id": user, "content": content, "session_id": session}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "chat `{content}`");
    response.json().await.unwrap()
}

async fn feedback(app: &TestApp, user: &str, reply: &Value, body: Value) {
    let message_id = reply["metadata"]["message_id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/messages/{message_id}/feedback")))
        .bearer_auth(app.token(user, Role::User))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

/// The router recorded for the last request of a conversation.
async fn last_router(app: &TestApp, replies: &[Value]) -> Value {
    let conversation = replies[0]["metadata"]["conversation_id"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/events?after=0&limit=1000&stream_id=conversation-{conversation}"),
            &app.token("ana", Role::Analyst),
        )
        .await
        .json()
        .await
        .unwrap();
    let routed = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|event| event["event_type"] == "RequestRouted")
        .expect("a RequestRouted event")
        .clone();
    routed["data"]["router"].clone()
}

fn learn(app: &TestApp, args: &[&str]) -> std::process::Output {
    hijraah_command()
        .arg("learn")
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("HIJRAAH_DATA_DIR", app.data_dir.path())
        .output()
        .unwrap()
}

/// `GET /api/v1/router/status` as an analyst.
async fn router_status(app: &TestApp) -> Value {
    app.get("/api/v1/router/status", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn feedback_against_the_rules_trains_a_model_that_is_promoted_routes_the_next_such_question_and_is_rolled_back() {
    let app = TestApp::spawn().await;
    // The traffic: 300 requests from 30 users.
    let mut asked = Vec::new();
    for n in 0..300 {
        let (kind, text) = request(n);
        let user = format!("user{}", n % 30);
        let replies = ask(&app, &user, &format!("s{n}"), &text).await;
        asked.push((kind, user, replies));
    }
    // The agent the users say the halal-food questions belong to: one the rules did not choose.
    let rules_choice = specialists(&asked[4].2);
    let target = ["migration", "community", "knowledge", "financial_services"]
        .into_iter()
        .find(|agent| !rules_choice.iter().any(|chosen| chosen == agent))
        .unwrap();
    let before_feedback = app.state.store.head().await.unwrap().position;

    // Feedback: a third of the well-routed answers judged helpful; every halal-food answer judged
    // wrong, naming the target.
    for (n, (kind, user, replies)) in asked.iter().enumerate() {
        let specialist = replies.iter().find(|reply| reply["agent_type"] != "user_interface");
        if *kind == 4 {
            let judged = specialist.unwrap_or(&replies[0]);
            feedback(&app, user, judged, json!({"helpful": false, "correct_agent": target})).await;
        } else if n % 3 == 0
            && let Some(reply) = specialist
        {
            feedback(&app, user, reply, json!({"helpful": true})).await;
        }
    }

    // A model trained before any feedback has nothing to show against the rules.
    let early = learn(
        &app,
        &["train", "--out", "early", "--until", &before_feedback.to_string()],
    );
    assert!(early.status.success(), "{}", String::from_utf8_lossy(&early.stderr));
    assert!(String::from_utf8_lossy(&early.stdout).contains("not promotable"));
    let admin = app.token("root", Role::Admin);
    let promote = |name: &str, token: &str| {
        app.client
            .post(app.url(&format!("/api/v1/router/models/{name}/promote")))
            .bearer_auth(token.to_owned())
            .send()
    };
    let refused = promote("early", &admin).await.unwrap();
    assert_eq!(expect_error(refused, StatusCode::CONFLICT).await, "model_not_better");

    // Trained on everything: evaluated beside the rules on the held-out requests, it wins.
    let trained = learn(&app, &["train", "--out", "e2e"]);
    let report = String::from_utf8_lossy(&trained.stdout).to_string();
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));
    assert!(report.contains("it beats the rules"), "{report}");
    assert!(
        report.contains("random forest") && report.contains("top-1 accuracy"),
        "{report}"
    );
    let evaluated = learn(&app, &["evaluate", "e2e"]);
    assert!(
        evaluated.status.success(),
        "{}",
        String::from_utf8_lossy(&evaluated.stderr)
    );
    let table = String::from_utf8_lossy(&evaluated.stdout).to_string();
    assert!(table.contains(target) && table.contains("all (micro)"), "{table}");
    // Both development sets, the second with conversations of several turns.
    let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/chat_dev.jsonl");
    let second = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/chat_dev_2.jsonl");
    let on_cases = learn(&app, &["evaluate", "e2e", "--cases", cases, second]);
    assert!(
        on_cases.status.success(),
        "{}",
        String::from_utf8_lossy(&on_cases.stderr)
    );
    let tables = String::from_utf8_lossy(&on_cases.stdout).to_string();
    assert!(
        tables.contains("chat_dev.jsonl:") && tables.contains("chat_dev_2.jsonl:"),
        "{tables}"
    );
    // Every line of each file is judged: 44 and 24 cases.
    let examples: Vec<&str> = tables.lines().filter(|line| line.starts_with("examples")).collect();
    assert_eq!(examples.len(), 2, "{tables}");
    assert!(examples[0].contains("44") && examples[1].contains("24"), "{tables}");

    // Promotion: admins only, unknown names refused, then every chat names the model.
    let forbidden = promote("e2e", &app.token("ana", Role::Analyst)).await.unwrap();
    expect_error(forbidden, StatusCode::FORBIDDEN).await;
    let unknown = promote("nope", &admin).await.unwrap();
    expect_error(unknown, StatusCode::NOT_FOUND).await;
    let promoted = promote("e2e", &admin).await.unwrap();
    assert_eq!(promoted.status(), StatusCode::ACCEPTED);
    let promoted: Value = promoted.json().await.unwrap();
    assert_eq!(promoted["name"], "e2e");
    let version = promoted["version"].as_str().unwrap().to_owned();
    assert!(
        app.data_dir
            .path()
            .join("models")
            .join(format!("{version}.json"))
            .exists(),
        "the model file is named by its content hash"
    );

    let question = "Where can I eat a good halal shawarma in Manchester?";
    let replies = ask(&app, "newcomer", "after-promotion", question).await;
    assert!(
        specialists(&replies).iter().any(|agent| agent == target),
        "the model routes it to {target}: {replies:#?}"
    );
    assert_eq!(
        replies[0]["agent_type"], "user_interface",
        "the agent that always answers still does"
    );
    assert_eq!(
        last_router(&app, &replies).await,
        json!({"name": "e2e", "version": version})
    );
    let status = router_status(&app).await;
    assert_eq!(status["active"], json!({"name": "e2e", "version": version}));
    let user_status = app
        .get("/api/v1/router/status", &app.token("newcomer", Role::User))
        .await;
    expect_error(user_status, StatusCode::FORBIDDEN).await;

    // Shadow mode: the early model runs beside the live one, recorded but never deciding.
    let shadow = learn(&app, &["shadow", "early"]);
    assert!(shadow.status.success(), "{}", String::from_utf8_lossy(&shadow.stderr));
    app.state.router.sync().await.unwrap();
    ask(&app, "newcomer", "shadowed", "What does the Quran say about mercy?").await;
    app.wait_for_projections_and_index().await;
    let status = router_status(&app).await;
    assert_eq!(status["shadow"]["name"], "early");
    assert_eq!(status["agreement"]["compared"], 1);

    // Rolled back from the command line: every server follows the log back to the rules.
    let rollback = learn(&app, &["rollback"]);
    assert!(
        rollback.status.success(),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    app.state.router.sync().await.unwrap();
    let replies = ask(&app, "newcomer", "after-rollback", question).await;
    assert_eq!(last_router(&app, &replies).await, json!("rules"));
    let before = ask(&app, "newcomer", "rules-again", &request(4).1).await;
    assert_eq!(
        specialists(&before),
        rules_choice,
        "the rules choose as they did before the model"
    );
}
