//! Abuse resistance and browser safety for every route: a rate limit per user (per client
//! address without a valid token) answering 429 with `Retry-After`, CORS for the configured
//! origins only, and the usual security headers.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use super::error::ApiError;
use crate::config::RateLimit;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    User(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets per caller. Idle buckets that have refilled are dropped as the map grows.
pub struct RateLimiter {
    user: RateLimit,
    anonymous: RateLimit,
    buckets: Mutex<HashMap<Caller, Bucket>>,
}

/// Buckets kept before idle ones are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    pub fn new(user: RateLimit, anonymous: RateLimit) -> Self {
        Self {
            user,
            anonymous,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `caller`, or says how long until one is there.
    fn take(&self, caller: Caller, now: Instant) -> Result<(), Duration> {
        let limit = match caller {
            Caller::User(_) => self.user,
            Caller::Address(_) => self.anonymous,
        };
        if limit.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(limit.burst.max(1));
        let per_second = f64::from(limit.per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(caller).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refilled = (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second).min(capacity);
        bucket.updated = now;
        if refilled >= 1.0 {
            bucket.tokens = refilled - 1.0;
            Ok(())
        } else {
            bucket.tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / per_second))
        }
    }
}

/// Health, readiness and metrics stay reachable for orchestrators and scrapers.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let user = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .and_then(|token| state.keys.verify(token.trim()).ok())
        .map(|principal| principal.user_id.as_str().to_owned());
    let caller = match user {
        Some(user) => Caller::User(user),
        None => Caller::Address(
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip()),
        ),
    };
    match state.rate_limiter.take(caller, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; try again in {seconds} s"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

/// CORS for the configured origins: none (no CORS layer at all: browsers allow no cross-origin
/// access), `*` (any origin, never with credentials), or a list (those origins, with credentials).
pub fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|origin| origin == "*") {
        return Some(base.allow_origin(AllowOrigin::any()));
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    Some(base.allow_origin(AllowOrigin::list(allowed)).allow_credentials(true))
}

/// Headers every response carries: no sniffing, no framing, no referrer, nothing cached, and a
/// content security policy that allows nothing (the API serves no pages).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let limiter = RateLimiter::new(
            RateLimit {
                per_minute: 60,
                burst: 3,
            },
            RateLimit::UNLIMITED,
        );
        let start = Instant::now();
        let alice = || Caller::User("alice".into());
        for _ in 0..3 {
            assert!(limiter.take(alice(), start).is_ok());
        }
        let wait = limiter.take(alice(), start).expect_err("burst spent");
        assert!((wait.as_secs_f64() - 1.0).abs() < 0.01, "one a second: {wait:?}");
        assert!(limiter.take(Caller::User("bob".into()), start).is_ok(), "per user");
        assert!(
            limiter.take(alice(), start + Duration::from_secs(1)).is_ok(),
            "refilled"
        );
        assert!(
            limiter
                .take(Caller::Address(IpAddr::from([10, 0, 0, 1])), start)
                .is_ok(),
            "unlimited"
        );
    }
}
