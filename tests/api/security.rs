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

/// With Redis, a user's limit holds across servers: two servers sharing it allow the burst
/// once between them, not once each. (Redis at 127.0.0.1:6379; `.ci/run` starts one.)
#[tokio::test]
async fn a_users_rate_limit_holds_across_servers_sharing_redis() {
    let prefix = format!("hijraah-test-{}", uuid::Uuid::new_v4().simple());
    let configure = |settings: &mut hijraah::config::Settings| {
        settings.security.user_rate_limit = RateLimit {
            per_minute: 60,
            burst: 10,
        };
        settings.security.redis_url = Some("redis://127.0.0.1:6379".to_owned());
        settings.security.redis_prefix = prefix.clone();
    };
    let first = TestApp::spawn_configured(default_registry(), configure).await;
    let second = TestApp::spawn_configured(default_registry(), configure).await;
    let token = first.token("alice", Role::User);
    let mut allowed = 0;
    for n in 0..40 {
        let app = if n % 2 == 0 { &first } else { &second };
        let response = app.get("/api/v1/agents/health", &token).await;
        match response.status() {
            StatusCode::OK => allowed += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    // The burst of 10, and at most one more for each second the loop took (60 a minute).
    assert!((10..=12).contains(&allowed), "{allowed} allowed across both servers");
}

/// Redis configured but down: each server counts alone, and nothing answers 500.
#[tokio::test]
async fn without_redis_each_server_counts_alone_and_never_fails() {
    let app = TestApp::spawn_configured(default_registry(), |settings| {
        settings.security.user_rate_limit = RateLimit {
            per_minute: 60,
            burst: 5,
        };
        settings.security.redis_url = Some("redis://127.0.0.1:1".to_owned());
    })
    .await;
    let token = app.token("alice", Role::User);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(app.get("/api/v1/agents/health", &token).await.status());
    }
    assert_eq!(
        statuses.iter().filter(|status| **status == StatusCode::OK).count(),
        5,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::OK || *status == StatusCode::TOO_MANY_REQUESTS)
    );
}
