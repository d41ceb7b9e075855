//! The financial services agent through `POST /api/v1/chat`.

use std::path::PathBuf;

use hijraah_domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, ask, reply_of};

fn financial(replies: &[Value]) -> &Value {
    reply_of(replies, "financial_services")
}

#[tokio::test]
async fn how_do_i_calculate_zakat_gets_the_method_and_the_calculation_from_text_or_context() {
    let app = TestApp::spawn().await;
    // Qur'an 9:60 in the knowledge store, as a curator would import it.
    let verse: Value =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/quran.jsonl"))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|verse| verse["id"] == "quran:9:60")
            .unwrap();
    let imported = app
        .client
        .post(app.url("/api/v1/knowledge/documents"))
        .bearer_auth(app.token("curie", Role::Curator))
        .json(&json!([verse.clone()]))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);

    // The seed's expectation: at least two responses, one of them financial_services.
    let replies = ask(&app, "How do I calculate Zakat?", Value::Null).await;
    assert!(replies.len() >= 2);
    assert_eq!(replies[0]["agent_type"], "user_interface");
    let method = financial(&replies);
    assert!(method["response"].as_str().unwrap().contains("2.5%"));
    assert!(
        method["response"]
            .as_str()
            .unwrap()
            .contains(verse["english"].as_str().unwrap()),
        "9:60 quoted verbatim"
    );
    assert_eq!(method["metadata"]["citations"][0]["id"], "quran:9:60");

    let replies = ask(
        &app,
        "Zakat: I have $12,000 in savings and 100 grams of gold, gold is $75 a gram",
        Value::Null,
    )
    .await;
    let calculated = financial(&replies);
    assert!(
        calculated["response"]
            .as_str()
            .unwrap()
            .starts_with("Your zakat is 487.50"),
        "{calculated}"
    );
    assert_eq!(calculated["metadata"]["result"]["zakat_amount"], "487.50");
    assert_eq!(
        calculated["metadata"]["inputs"]["gold_price_per_gram"], "75",
        "the inputs used are recorded"
    );
    assert_eq!(calculated["metadata"]["parameters"]["nisab_basis"], "gold");

    let replies = ask(
        &app,
        "zakat please",
        json!({"cash": "500", "silver_price_per_gram": "1", "nisab_basis": "silver"}),
    )
    .await;
    let below = financial(&replies);
    assert!(
        below["response"].as_str().unwrap().starts_with("No zakat is due"),
        "{below}"
    );
    assert!(below["confidence"].as_f64().unwrap() > 0.9);

    // It asks for a missing price instead of assuming one.
    let replies = ask(
        &app,
        "What is my zakat on 100 grams of gold and $5000 cash?",
        Value::Null,
    )
    .await;
    let asks = financial(&replies);
    assert!(
        asks["response"].as_str().unwrap().contains("gold_price_per_gram"),
        "{asks}"
    );
    assert_eq!(asks["metadata"]["kind"], "needs_input");
}
