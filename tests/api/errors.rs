//! Bad input gets a clear 4xx in the contract's shape, never a panic or a 500, and leaves the
//! log as it was.

use std::time::{SystemTime, UNIX_EPOCH};

use hijraah_domain::user::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{SECRET, TestApp, expect_error};

async fn post_raw(app: &TestApp, body: impl Into<reqwest::Body>, content_type: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/chat"))
        .bearer_auth(app.token("alice", Role::User))
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

/// How many events the log holds: a refused request must leave it as it was.
async fn events_in_log(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_client_errors_in_our_shape() {
    let app = TestApp::spawn().await;
    let json_type = Some("application/json");
    let cases: Vec<(&str, String, Option<&str>, StatusCode)> = vec![
        (
            "truncated JSON",
            r#"{"user_id": "alice", "content": "#.into(),
            json_type,
            StatusCode::BAD_REQUEST,
        ),
        ("not JSON", "hello".into(), json_type, StatusCode::BAD_REQUEST),
        (
            "lone surrogate",
            r#"{"user_id":"alice","content":"\ud800"}"#.into(),
            json_type,
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type",
            r#"{"user_id": "alice", "content": 42}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "missing field",
            r#"{"user_id": "alice"}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("array body", "[]".into(), json_type, StatusCode::UNPROCESSABLE_ENTITY),
        (
            "no content type",
            r#"{"user_id":"alice","content":"hi"}"#.into(),
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "empty content",
            r#"{"user_id":"alice","content":"   "}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "NUL in content",
            r#"{"user_id":"alice","content":"a\u0000b"}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "NUL in context",
            r#"{"user_id":"alice","content":"hi","context":{"k":"\u0000"}}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "context not an object",
            r#"{"user_id":"alice","content":"hi","context":[1]}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "bad language tag",
            r#"{"user_id":"alice","content":"hi","language":"klingon!"}"#.into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "bidi override in session",
            "{\"user_id\":\"alice\",\"content\":\"hi\",\"session_id\":\"a\u{202E}b\"}".into(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "too long content",
            json!({"user_id": "alice", "content": "ا".repeat(10_001)}).to_string(),
            json_type,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "deeply nested context",
            format!(
                r#"{{"user_id":"alice","content":"hi","context":{}{}}}"#,
                r#"{"a":"#.repeat(200),
                "}".repeat(200)
            ),
            json_type,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, body, content_type, status) in cases {
        let response = post_raw(&app, body, content_type).await;
        assert_eq!(response.status(), status, "{name}");
        expect_error(response, status).await;
    }
    assert_eq!(events_in_log(&app).await, 0, "no rejected request wrote anything");
}

/// Found by schemathesis: serde reads a struct from an array by position, so `[]` cancelled a
/// community event (every field of that body has a default) and `["alice", "hi"]` would have
/// been a chat. Every request schema is an object, and only an object passes.
#[tokio::test]
async fn a_body_sent_as_an_array_is_refused_even_where_its_fields_fit_by_position() {
    let app = TestApp::spawn().await;
    let json_type = Some("application/json");
    let response = post_raw(&app, r#"["alice", "hi"]"#, json_type).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("a JSON object"),
        "the message says what was expected: {message}"
    );

    let cancel = app.url(&format!("/api/v1/community/events/{}/cancel", uuid::Uuid::now_v7()));
    let curator = app.token("carol", Role::Curator);
    for (body, status) in [("[]", StatusCode::UNPROCESSABLE_ENTITY), ("{}", StatusCode::NOT_FOUND)] {
        let response = app
            .client
            .post(&cancel)
            .bearer_auth(&curator)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        expect_error(response, status).await;
    }
    assert_eq!(events_in_log(&app).await, 0, "no array body wrote anything");
}

/// Found by schemathesis: numbers at the edges of a double went into a read model's JSONB, which
/// writes them out as long decimals; reading them back must give the same numbers, so the
/// conversation and the export still answer.
#[tokio::test]
async fn extreme_numbers_in_a_context_survive_the_read_models() {
    let app = TestApp::spawn().await;
    let context = json!({"largest": f64::MAX, "most_negative": f64::MIN, "smallest": 5e-324, "big_integer": u64::MAX});
    let response = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "hello", "context": context}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let replies: Vec<serde_json::Value> = response.json().await.unwrap();
    let conversation_id = replies[0]["metadata"]["conversation_id"].as_str().unwrap();
    let token = app.token("alice", Role::User);
    let conversation = app
        .get(&format!("/api/v1/conversations/{conversation_id}"), &token)
        .await;
    assert_eq!(conversation.status(), StatusCode::OK);
    let conversation: serde_json::Value = conversation.json().await.unwrap();
    assert_eq!(conversation["messages"][0]["metadata"]["context"], context);
    let export = app.get("/api/v1/users/alice/export", &token).await;
    assert_eq!(export.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::spawn().await;
    let huge = json!({"user_id": "alice", "content": "x".repeat(200 * 1024)}).to_string();
    let code = expect_error(
        post_raw(&app, huge, Some("application/json")).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(code, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_our_shape() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", Role::User);
    expect_error(app.get("/api/v1/nope", &token).await, StatusCode::NOT_FOUND).await;
    let response = app
        .client
        .delete(app.url("/api/v1/chat"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::METHOD_NOT_ALLOWED).await;
    let bad_query = app.get("/api/v1/users/alice/conversations?limit=ten", &token).await;
    expect_error(bad_query, StatusCode::UNPROCESSABLE_ENTITY).await;
    let out_of_range = app.get("/api/v1/users/alice/conversations?limit=100000", &token).await;
    expect_error(out_of_range, StatusCode::UNPROCESSABLE_ENTITY).await;
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn sign(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn missing_malformed_forged_expired_and_unsigned_tokens_are_401() {
    let app = TestApp::spawn().await;
    let send = |token: Option<String>| {
        let mut request = app.client.get(app.url("/api/v1/users/alice/conversations"));
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        request.send()
    };
    let valid_claims = json!({"sub": "alice", "role": "user", "exp": now() + 600});
    // `alg: none`: a header and claims with an empty signature.
    let none_token = {
        use base64_like::encode;
        format!(
            "{}.{}.",
            encode(br#"{"alg":"none","typ":"JWT"}"#),
            encode(valid_claims.to_string().as_bytes())
        )
    };
    let cases = vec![
        ("no header", None),
        ("not bearer", Some("Basic YWxpY2U6cHc=".to_owned())),
        ("empty bearer", Some("Bearer ".to_owned())),
        ("garbage", Some("Bearer not.a.jwt".to_owned())),
        (
            "wrong signature",
            Some(format!(
                "Bearer {}",
                sign(valid_claims.clone(), "another-secret-another-secret-00")
            )),
        ),
        ("alg none", Some(format!("Bearer {none_token}"))),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(json!({"sub": "alice", "role": "user", "exp": now() - 3600}), SECRET)
            )),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign(json!({"sub": "alice", "role": "user"}), SECRET)
            )),
        ),
        (
            "no sub",
            Some(format!(
                "Bearer {}",
                sign(json!({"role": "user", "exp": now() + 600}), SECRET)
            )),
        ),
        (
            "unknown role",
            Some(format!(
                "Bearer {}",
                sign(json!({"sub": "alice", "role": "god", "exp": now() + 600}), SECRET)
            )),
        ),
    ];
    for (name, header) in cases {
        let response = send(header).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
        expect_error(response, StatusCode::UNAUTHORIZED).await;
    }
    let ok = send(Some(format!("Bearer {}", sign(valid_claims, SECRET))))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

/// Unpadded base64url, enough to hand-craft an unsigned token.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

/// A NUL character in a query is refused as invalid input wherever it would reach the database
/// (PostgreSQL cannot store it), never a 500. Found by schemathesis on `GET /events?stream_id=`.
#[tokio::test]
async fn a_nul_character_in_a_query_is_invalid_input_never_a_server_error() {
    let app = TestApp::spawn().await;
    let analyst = app.token("ana", Role::Analyst);
    let refused = app.get("/api/v1/events?stream_id=a%00b", &analyst).await;
    expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let admin = app.token("root", Role::Admin);
    for path in [
        "/api/v1/workflows/runs?definition=%00",
        "/api/v1/knowledge/search?q=a%00b",
        "/api/v1/migration/resources?q=%00",
        "/api/v1/users/a%00b/conversations",
    ] {
        let status = app.get(path, &admin).await.status();
        assert!(!status.is_server_error(), "{path}: {status}");
    }
}

/// A statement that runs past `HIJRAAH_STATEMENT_TIMEOUT_MS` is cancelled by PostgreSQL, which
/// frees its connection; the client would get 503 with `Retry-After`, not a 500.
#[tokio::test]
async fn a_statement_past_the_timeout_is_cancelled_and_answers_503() {
    let db = crate::helpers::TestDatabase::create().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::settings_for(&db, data_dir.path().to_path_buf());
    settings.statement_timeout = Some(std::time::Duration::from_millis(200));
    let database = hijraah::database::Database::connect(&settings).await.unwrap();
    let error = sqlx::query("SELECT pg_sleep(5)")
        .execute(&database.pool)
        .await
        .expect_err("cancelled by the statement timeout");
    let sqlx::Error::Database(cause) = &error else {
        panic!("a database error, not {error}");
    };
    assert_eq!(cause.code().as_deref(), Some("57014"));
    let api = hijraah::http::error::ApiError::from(error);
    assert_eq!(api.code, hijraah::http::error::ErrorCode::ServiceUnavailable);
    assert_eq!(api.retry_after, Some(2));
    // The connection is free again for the next statement.
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&database.pool).await.unwrap();
    assert_eq!(one, 1);
    database.close().await.unwrap();
}
