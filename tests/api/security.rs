//! Abuse resistance and browser safety: 429 with Retry-After under a burst, CORS only for the
//! configured origins, and security headers on every response.

use hijraah::config::RateLimit;
use hijraah::startup::default_registry;
use hijraah_domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, expect_error};

#[tokio::test]
async fn a_burst_gets_429_with_retry_after_per_user_and_per_address() {
    let app = TestApp::spawn_configured(default_registry(), |settings| {
        settings.security.user_rate_limit = RateLimit {
            per_minute: 6,
            burst: 5,
        };
        settings.security.anonymous_rate_limit = RateLimit {
            per_minute: 6,
            burst: 3,
        };
    })
    .await;
    let alice = app.token("alice", Role::User);
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/agents/health", &alice).await.status(), StatusCode::OK);
    }
    let limited = app.get("/api/v1/agents/health", &alice).await;
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "one request every 10 s: {retry_after}");
    assert_eq!(
        expect_error(limited, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    // Another user has a bucket of their own.
    let bob = app.token("bob", Role::User);
    assert_eq!(app.get("/api/v1/agents/health", &bob).await.status(), StatusCode::OK);
    // Without a (valid) token the client address is limited, whatever the answer was.
    for _ in 0..3 {
        let anonymous = app.client.get(app.url("/api/v1/agents/health")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
    let anonymous = app.client.get(app.url("/api/v1/agents/health")).send().await.unwrap();
    assert!(anonymous.headers().contains_key("retry-after"));
    expect_error(anonymous, StatusCode::TOO_MANY_REQUESTS).await;
    // Health checks are never limited.
    for _ in 0..10 {
        assert_eq!(
            app.client.get(app.url("/healthz")).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/chat"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::spawn_configured(default_registry(), |settings| {
        settings.security.cors_origins = vec!["https://app.example.org".to_owned()];
    })
    .await;
    let allowed = preflight(&app, "https://app.example.org").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.org"
    );
    assert_eq!(allowed.headers()["access-control-allow-credentials"], "true");
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let refused = preflight(&app, "https://evil.example.com").await;
    assert!(!refused.headers().contains_key("access-control-allow-origin"));

    // `*` allows any origin, and then never with credentials.
    let open = TestApp::spawn_configured(default_registry(), |settings| {
        settings.security.cors_origins = vec!["*".to_owned()];
    })
    .await;
    let any = preflight(&open, "https://anyone.example.net").await;
    assert_eq!(any.headers()["access-control-allow-origin"], "*");
    assert!(!any.headers().contains_key("access-control-allow-credentials"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let ok = app.get("/api/v1/agents/health", &app.token("alice", Role::User)).await;
    let error = app.client.get(app.url("/api/v1/no-such-thing")).send().await.unwrap();
    for response in [&ok, &error] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(headers["cache-control"], "no-store");
    }
    // No origins configured: no CORS headers at all, so browsers allow no cross-origin calls.
    let preflight = preflight(&app, "https://app.example.org").await;
    assert!(
        preflight
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        preflight.headers()
    );
}
