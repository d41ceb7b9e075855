//! The financial services agent through `POST /api/v1/chat`.

use std::path::PathBuf;

use hijraah_domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, alice_asks, reply_from};

fn financial(replies: &[Value]) -> &Value {
    reply_from(replies, "financial_services")
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
    let replies = alice_asks(&app, "How do I calculate Zakat?", Value::Null).await;
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

    let replies = alice_asks(
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
            .starts_with("Your zakat is $487.50"),
        "{calculated}"
    );
    assert_eq!(calculated["metadata"]["result"]["zakat_amount"], "487.50");
    assert_eq!(
        calculated["metadata"]["inputs"]["gold_price_per_gram"], "75",
        "the inputs used are recorded"
    );
    assert_eq!(calculated["metadata"]["parameters"]["nisab_basis"], "gold");

    let replies = alice_asks(
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
    let replies = alice_asks(
        &app,
        "What is my zakat on 100 grams of gold and $5000 cash?",
        Value::Null,
    )
    .await;
    let asks = financial(&replies);
    assert!(
        asks["response"].as_str().unwrap().contains("price of gold per gram"),
        "{asks}"
    );
    assert_eq!(asks["metadata"]["kind"], "needs_input");
    assert_eq!(asks["metadata"]["needs"], json!(["gold_price_per_gram"]));
}

/// The follow-up "90 dollars a gram" completes the calculation with the amounts of the earlier
/// message, read from the conversation's events: it works on another server, which never saw
/// the first message.
#[tokio::test]
async fn a_missing_price_given_next_completes_the_calculation_even_on_another_server() {
    let app = TestApp::spawn().await;
    let session = "zakat-session";
    let first = app
        .chat(
            "alice",
            json!({"user_id": "alice", "session_id": session,
                   "content": "I have 9,000 dollars and 50 grams of gold. How much zakat?"}),
        )
        .await;
    let replies: Vec<Value> = first.json().await.unwrap();
    assert_eq!(financial(&replies)["metadata"]["needs"], json!(["gold_price_per_gram"]));

    // Another server on the same database: its conversation cache is empty.
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::copy(app.data_dir.path().join("kek"), data_dir.path().join("kek")).unwrap();
    let other = hijraah::startup::Application::build(
        &crate::helpers::settings_for(&app.db, data_dir.path().to_path_buf()),
        app.db.pool.clone(),
    )
    .await
    .unwrap();
    let address = format!("http://127.0.0.1:{}", other.port());
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(other.run_until_stopped(stop.clone()));
    let second: Vec<Value> = app
        .client
        .post(format!("{address}/api/v1/chat"))
        .bearer_auth(app.token("alice", Role::User))
        .json(&json!({"user_id": "alice", "session_id": session, "content": "90 dollars a gram"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calculated = financial(&second);
    // 9,000 + 50 × 90 = 13,500 ≥ 85 × 90 = 7,650: 2.5% is 337.50.
    assert!(
        calculated["response"]
            .as_str()
            .unwrap()
            .starts_with("Your zakat is 337.50 dollars"),
        "{calculated}"
    );
    assert_eq!(calculated["metadata"]["inputs"]["cash"], "9000");
    assert_eq!(calculated["metadata"]["inputs"]["gold_price_per_gram"], "90");
    assert_eq!(calculated["metadata"]["read_from"], "text and the previous message");
    let routed: Value =
        sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'RequestRouted' ORDER BY position DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let reasons = routed["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|score| score["agent_type"] == "financial_services")
        .unwrap()["reasons"]
        .to_string();
    assert!(reasons.contains("previous exchange"), "{reasons}");
    // The message was read once, and that reading is recorded: the role of the amount it gave,
    // not the amount (the sealed request holds that).
    assert_eq!(routed["reading"]["amounts"], json!(["price_per_gram"]), "{routed}");
    assert_eq!(routed["reading"]["language"], "en", "{routed}");
    assert!(!routed["reading"].to_string().contains("90"), "{routed}");
    stop.cancel();
    server.await.unwrap().unwrap();
}

/// After a calculation, a short follow-up changes one figure and keeps the rest: a silver price
/// asks for the silver nisab, a bare price is the metal used, "and for 6 people?" the persons.
/// A new question with its own wealth starts afresh.
#[tokio::test]
async fn a_follow_up_after_a_calculation_changes_only_the_figure_it_gives() {
    let app = TestApp::spawn().await;
    let ask = |content: &'static str| {
        let app = &app;
        async move {
            let response = app
                .chat(
                    "alice",
                    json!({"user_id": "alice", "session_id": "figures", "content": content}),
                )
                .await;
            let replies: Vec<Value> = response.json().await.unwrap();
            financial(&replies).clone()
        }
    };
    let first = ask("I owe 2000 dollars and have 10000 saved, gold at 95 a gram. zakat?").await;
    // 10,000 − 2,000 = 8,000 < 85 × 95 = 8,075: not due on gold.
    assert_eq!(first["metadata"]["parameters"]["nisab_basis"], "gold", "{first}");
    assert!(
        first["response"].as_str().unwrap().starts_with("No zakat is due"),
        "{first}"
    );

    let silver = ask("what about with silver at 1.1 a gram?").await;
    // 8,000 ≥ 595 × 1.1 = 654.50: 2.5% of 8,000 is 200.00.
    assert_eq!(silver["metadata"]["parameters"]["nisab_basis"], "silver", "{silver}");
    // The savings carry over: 10,000, not two missing values that happen to be equal.
    assert_eq!(first["metadata"]["inputs"]["cash"], "10000", "{first}");
    assert_eq!(silver["metadata"]["inputs"]["cash"], "10000", "{silver}");
    assert!(
        silver["response"]
            .as_str()
            .unwrap()
            .starts_with("Your zakat is 200.00 dollars"),
        "{silver}"
    );

    let cheaper = ask("and if gold were 90 a gram?").await;
    // 8,000 ≥ 85 × 90 = 7,650: due on gold again.
    assert_eq!(cheaper["metadata"]["parameters"]["nisab_basis"], "gold", "{cheaper}");
    assert!(
        cheaper["response"]
            .as_str()
            .unwrap()
            .starts_with("Your zakat is 200.00 dollars"),
        "{cheaper}"
    );

    // A new question with wealth of its own keeps nothing of the earlier ones.
    let fresh = ask("I have 4000 dollars and gold is 90 a gram, how much zakat?").await;
    assert!(first["metadata"]["inputs"].get("debts_due").is_some(), "{first}");
    assert_eq!(fresh["metadata"]["inputs"].get("debts_due"), None, "{fresh}");
    assert_eq!(fresh["metadata"]["inputs"].get("nisab_basis"), None, "{fresh}");
    assert!(
        fresh["response"].as_str().unwrap().starts_with("No zakat is due"),
        "{fresh}"
    );

    let fitr = ask("zakat al-fitr for 4 people, rice is 2 dollars a kilo").await;
    assert!(fitr["response"].as_str().unwrap().contains("20.00"), "{fitr}");
    let six = ask("and for 6 people?").await;
    assert!(six["response"].as_str().unwrap().contains("30.00"), "{six}");
}

#[tokio::test]
async fn zakat_al_fitr_and_arabic_questions_get_the_calculation_in_the_users_language() {
    let app = TestApp::spawn().await;
    let replies = alice_asks(
        &app,
        "How much is zakat al-fitr for a family of 4 if rice costs 2 dollars per kg?",
        Value::Null,
    )
    .await;
    let fitr = financial(&replies);
    // 4 × 2.5 kg × 2 = 20.00.
    assert!(fitr["response"].as_str().unwrap().contains("20.00 dollars"), "{fitr}");
    assert_eq!(fitr["metadata"]["topic"], "zakat_al_fitr");
    assert_eq!(fitr["metadata"]["parameters"]["sa_kg"], "2.5");

    // The price of a whole sa', as many mosques announce it: 5 × 10 = 50.00.
    let replies: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "language": "ar",
                   "content": "كم زكاة الفطر عن أسرة من خمسة أفراد إذا كان سعر الصاع ١٠ ريالات؟"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let per_sa = financial(&replies);
    let per_sa_text = per_sa["response"].as_str().unwrap();
    assert!(
        per_sa_text.contains("50.00") && per_sa_text.contains("بسعر 4 "),
        "{per_sa}"
    );

    let replies: Vec<Value> = app
        .chat(
            "alice",
            json!({"user_id": "alice", "language": "ar",
                   "content": "عندي ٢٠٠٠٠ ريال في البنك وسعر غرام الذهب ٢٥٠ ريالاً، كم زكاتي؟"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let arabic = financial(&replies);
    // 20,000 ≥ 85 × 250 = 21,250? No: below the nisab, said in Arabic.
    let text = arabic["response"].as_str().unwrap();
    assert!(text.starts_with("لا تجب عليك الزكاة"), "{text}");
    assert!(text.contains("21,250.00"), "{text}");
    assert_eq!(replies[0]["agent_type"], "user_interface");
    assert!(replies[0]["response"].as_str().unwrap().contains("الوكيل المالي"));
}

#[tokio::test]
async fn who_receives_zakat_is_answered_with_the_eight_categories_of_9_60() {
    let app = TestApp::spawn().await;
    let replies = alice_asks(&app, "Who should receive zakat?", Value::Null).await;
    let answer = financial(&replies);
    let text = answer["response"].as_str().unwrap();
    assert!(
        text.contains("the poor") && text.contains("the needy") && text.contains("stranded traveller"),
        "{text}"
    );
    assert_eq!(answer["metadata"]["topic"], "recipients");
    // 9:60 is not in this server's library: named, never cited.
    assert_eq!(answer["metadata"]["citations"], json!([]));
}
