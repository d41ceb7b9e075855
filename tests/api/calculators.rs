//! The calculator endpoints: exact money, and a 422 that says what is wrong for bad input.

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(app.token("alice", Role::User))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn zakat_is_exact_with_amounts_as_strings_or_numbers() {
    let app = TestApp::spawn().await;
    // $12,000 in savings and 100 g of gold at $75 a gram: 19,500 ≥ the gold nisab 6,375.
    let response = post(
        &app,
        "/api/v1/finance/zakat",
        json!({"cash": "12000", "gold_grams": 100, "gold_price_per_gram": "75"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["nisab_grams"], "85");
    assert_eq!(result["nisab_value"], "6375.00");
    assert_eq!(result["gross_zakatable_wealth"], "19500.00");
    assert_eq!(result["net_zakatable_wealth"], "19500.00");
    assert_eq!(result["zakat_due"], true);
    assert_eq!(result["zakat_amount"], "487.50");
    // Floating-point trouble stays out: 0.1 + 0.2 is 0.30 here.
    let tiny: Value = post(
        &app,
        "/api/v1/finance/zakat",
        json!({"cash": 0.1, "receivables": 0.2, "silver_price_per_gram": "0.0001", "nisab_basis": "silver"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(tiny["gross_zakatable_wealth"], "0.30");
    assert_eq!(tiny["zakat_amount"], "0.01", "0.0075 rounds half-up to a cent");

    let fitr: Value = post(
        &app,
        "/api/v1/finance/zakat-al-fitr",
        json!({"persons": 4, "sa_kg": "2.5", "staple_price_per_kg": "3.10"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(fitr["food_kg"], "10");
    assert_eq!(fitr["zakat_amount"], "31.00");
}

#[tokio::test]
async fn bad_calculator_inputs_are_422_with_a_reason() {
    let app = TestApp::spawn().await;
    for (path, body, says) in [
        (
            "/api/v1/finance/zakat",
            json!({"cash": "-5", "gold_price_per_gram": 70}),
            "must not be negative",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": -5, "gold_price_per_gram": 70}),
            "must not be negative",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": "1000"}),
            "gold_price_per_gram is needed",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": "1000", "nisab_basis": "platinum"}),
            "nisab_basis must be gold or silver",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": "1000", "gold_price_per_gram": 70, "nisab_standard": "x"}),
            "nisab_standard",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": "ten", "gold_price_per_gram": 70}),
            "cash must be a decimal number",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cahs": "10", "gold_price_per_gram": 70}),
            "unknown field `cahs`",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"stocks_long_term_value": "10", "gold_price_per_gram": 70}),
            "ratio",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"stocks_long_term_value": "10", "stocks_long_term_zakatable_ratio": 2, "gold_price_per_gram": 70}),
            "from 0 to 1",
        ),
        (
            "/api/v1/finance/zakat",
            json!({"cash": "1000000000000000000", "gold_price_per_gram": 70}),
            "too large",
        ),
        ("/api/v1/finance/zakat", json!([1, 2]), "JSON object"),
        (
            "/api/v1/finance/zakat-al-fitr",
            json!({"persons": 0, "sa_kg": 2.5, "staple_price_per_kg": 1}),
            "persons",
        ),
        (
            "/api/v1/finance/zakat-al-fitr",
            json!({"persons": 2, "staple_price_per_kg": 1}),
            "sa_kg",
        ),
    ] {
        let response = post(&app, path, body.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request");
        assert!(error["message"].as_str().unwrap().contains(says), "{body}: {error}");
    }
}

#[tokio::test]
async fn the_qibla_bearing_for_a_place_and_bad_coordinates() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", Role::User);
    let new_york: Value = app
        .get("/api/v1/community/qibla?latitude=40.7128&longitude=-74.0060", &token)
        .await
        .json()
        .await
        .unwrap();
    let bearing = new_york["bearing_degrees"].as_f64().unwrap();
    assert!((bearing - 58.48).abs() < 0.1, "{bearing}");
    for bad in [
        "latitude=200&longitude=0",
        "latitude=0&longitude=181",
        "latitude=north&longitude=0",
        "latitude=NaN&longitude=0",
        "longitude=0",
    ] {
        expect_error(
            app.get(&format!("/api/v1/community/qibla?{bad}"), &token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/community/qibla?latitude=0&longitude=0"))
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED).await;
}

/// The nisab is compared before rounding: 612.36 g × 1.20 = 734.832, which 734.83 does not reach.
#[tokio::test]
async fn wealth_a_fraction_of_a_cent_below_the_nisab_owes_no_zakat() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/finance/zakat"))
        .bearer_auth(app.token("alice", Role::User))
        .json(
            &json!({"cash": "734.83", "silver_price_per_gram": "1.20", "nisab_basis": "silver",
                      "nisab_standard": "tola_87.48_612.36"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["nisab_value"], "734.83");
    assert_eq!(body["zakat_due"], false);
    assert_eq!(body["zakat_amount"], "0.00");
}
