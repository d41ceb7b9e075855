//! Abuse resistance and browser safety for every route: a rate limit per user (per client
//! address without a valid token) answering 429 with `Retry-After`, CORS for the configured
//! origins only, and the usual security headers.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Governor};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use super::authentication::Authentication;
use super::error::ApiError;
use crate::config::RateLimit;

/// Who a rate limit counts: the verified user, or the client address of a caller without one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    User(String),
    Address(IpAddr),
}

type Limiter = Governor<Caller, DefaultKeyedStateStore<Caller>, DefaultClock>;

/// Rate limits per caller (GCRA token buckets): one for users with a valid token, one per
/// client address without. A limit of 0 per minute is no limit. With Redis configured, the
/// buckets live there and hold across every server sharing it; when Redis cannot be reached,
/// each server counts alone (`governor`) and says so in its log, and never answers 500.
pub struct RateLimiter {
    user: Option<Limiter>,
    anonymous: Option<Limiter>,
    user_limit: RateLimit,
    anonymous_limit: RateLimit,
    clock: DefaultClock,
    checks: AtomicU64,
    shared: Option<SharedBuckets>,
    /// Proxies (nginx) whose `X-Forwarded-For` names the client of an anonymous request.
    trusted_proxies: Vec<IpAddr>,
}

/// GCRA on Redis: the key holds the theoretical arrival time (ms, Redis's own clock, so every
/// server agrees). Returns 0 when the request is allowed, else the milliseconds to wait.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local over = new_tat - now - burst * interval
if over > 0 then return over end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
return 0
";

/// How long one Redis check may take before the server counts alone for this request.
const SHARED_TIMEOUT: Duration = Duration::from_millis(100);
/// After Redis failed, how long the server counts alone before trying it again.
const SHARED_RETRY: Duration = Duration::from_secs(5);

struct SharedBuckets {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>,
    script: redis::Script,
    prefix: String,
    /// Until when Redis is not tried (it failed), as an instant of the process.
    down_until: std::sync::Mutex<Option<std::time::Instant>>,
}

impl SharedBuckets {
    fn is_down(&self) -> bool {
        self.down_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some_and(|until| std::time::Instant::now() < until)
    }

    fn mark_down(&self, error: &str) {
        let mut until = self.down_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if until.is_none_or(|until| std::time::Instant::now() >= until) {
            tracing::warn!(%error, "Redis is unavailable: rate limits are counted by this server alone for now");
        }
        *until = Some(std::time::Instant::now() + SHARED_RETRY);
    }

    async fn check(&self, caller: &Caller, limit: RateLimit) -> Result<Result<(), Duration>, String> {
        let mut guard = self.connection.lock().await;
        if guard.is_none() {
            let manager = tokio::time::timeout(
                SHARED_TIMEOUT * 5,
                redis::aio::ConnectionManager::new(self.client.clone()),
            )
            .await
            .map_err(|_| "connecting to Redis timed out".to_owned())?
            .map_err(|error| error.to_string())?;
            *guard = Some(manager);
        }
        let Some(connection) = guard.as_ref() else {
            return Err("no Redis connection".into());
        };
        let mut connection = connection.clone();
        drop(guard);
        let key = match caller {
            Caller::User(user) => format!("{}:rate:user:{user}", self.prefix),
            Caller::Address(address) => format!("{}:rate:address:{address}", self.prefix),
        };
        let interval_ms = (60_000 / u64::from(limit.per_minute.max(1))).max(1);
        let mut invocation = self.script.key(key);
        invocation.arg(interval_ms).arg(limit.burst.max(1));
        let wait_ms = tokio::time::timeout(SHARED_TIMEOUT, invocation.invoke_async::<u64>(&mut connection))
            .await
            .map_err(|_| "Redis took too long".to_owned())?
            .map_err(|error| error.to_string())?;
        Ok(if wait_ms == 0 {
            Ok(())
        } else {
            Err(Duration::from_millis(wait_ms))
        })
    }
}

/// Checks between two sweeps of the buckets of callers who went quiet.
const SWEEP_EVERY: u64 = 10_000;

fn limiter(limit: RateLimit) -> Option<Limiter> {
    let per_minute = NonZeroU32::new(limit.per_minute)?;
    let burst = NonZeroU32::new(limit.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Some(Governor::keyed(Quota::per_minute(per_minute).allow_burst(burst)))
}

impl RateLimiter {
    pub fn new(user: RateLimit, anonymous: RateLimit) -> Self {
        Self {
            user: limiter(user),
            anonymous: limiter(anonymous),
            user_limit: user,
            anonymous_limit: anonymous,
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
            shared: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// Believes `X-Forwarded-For` from these addresses (the load balancer's): anonymous requests
    /// are then limited per client, not all together as the proxy's.
    pub fn trusting(mut self, proxies: &[IpAddr]) -> Self {
        self.trusted_proxies = proxies.to_vec();
        self
    }

    /// Keeps the buckets in Redis at `url` (keys under `prefix`), shared by every server using it.
    pub fn shared(mut self, url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|error| anyhow::anyhow!("HIJRAAH_REDIS_URL `{url}`: {error}"))?;
        self.shared = Some(SharedBuckets {
            client,
            connection: tokio::sync::Mutex::new(None),
            script: redis::Script::new(GCRA),
            prefix: prefix.to_owned(),
            down_until: std::sync::Mutex::new(None),
        });
        Ok(self)
    }

    /// Counts one request of `caller`, or says how long until one is allowed: in Redis when it
    /// is configured and answers, else in this server.
    pub async fn check(&self, caller: &Caller) -> Result<(), Duration> {
        let (limiter, limit) = match caller {
            Caller::User(_) => (&self.user, self.user_limit),
            Caller::Address(_) => (&self.anonymous, self.anonymous_limit),
        };
        let Some(limiter) = limiter else { return Ok(()) };
        if let Some(shared) = self.shared.as_ref().filter(|shared| !shared.is_down()) {
            match shared.check(caller, limit).await {
                Ok(verdict) => return verdict,
                Err(error) => {
                    shared.mark_down(&error);
                    *shared.connection.lock().await = None;
                }
            }
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter
            .check_key(caller)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// Health, readiness and metrics stay reachable for orchestrators and scrapers.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The caller of a request: the user the authentication layer verified, else the peer address.
fn caller_of(request: &Request, trusted_proxies: &[IpAddr]) -> Caller {
    if let Some(principal) = request
        .extensions()
        .get::<Authentication>()
        .and_then(Authentication::principal)
    {
        return Caller::User(principal.user_id.as_str().to_owned());
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    Caller::Address(client_address(peer, request.headers(), trusted_proxies))
}

/// The client behind a chain of trusted proxies: the right-most `X-Forwarded-For` address that is
/// not one of them (entries further left are the client's own claims, which anyone can forge).
fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|address| address.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !trusted_proxies.contains(address))
        .unwrap_or(peer)
}

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    match state
        .rate_limiter
        .check(&caller_of(&request, &state.rate_limiter.trusted_proxies))
        .await
    {
        Ok(()) => next.run(request).await,
        Err(wait) => ApiError::rate_limited(wait.as_secs_f64().ceil().max(1.0) as u64).into_response(),
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

/// Headers every response carries: no sniffing, no framing, no referrer, nothing cached (unless
/// the response says otherwise), and a content security policy that allows nothing (the pages of
/// the web app set their own, which allows this origin's scripts and styles only).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // The pages set their own (still strict) policy; everything else allows nothing.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_last_address_it_did_not_add_itself() {
        let nginx: IpAddr = "10.0.0.2".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        // The client claims 6.6.6.6; nginx appends the address it saw.
        headers.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7"));
        assert_eq!(
            client_address(nginx, &headers, &[nginx]),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // From anyone else the header is ignored: the peer is the client.
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, &[nginx]), stranger);
        assert_eq!(client_address(nginx, &axum::http::HeaderMap::new(), &[nginx]), nginx);
    }

    #[tokio::test]
    async fn a_caller_gets_its_burst_then_waits_and_others_are_counted_apart() {
        let limiter = RateLimiter::new(
            RateLimit {
                per_minute: 60,
                burst: 3,
            },
            RateLimit::UNLIMITED,
        );
        let alice = Caller::User("alice".into());
        for _ in 0..3 {
            assert!(limiter.check(&alice).await.is_ok());
        }
        let wait = limiter.check(&alice).await.expect_err("burst spent");
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::from_millis(500),
            "one a second: {wait:?}"
        );
        assert!(limiter.check(&Caller::User("bob".into())).await.is_ok(), "per user");
        assert!(
            limiter
                .check(&Caller::Address(IpAddr::from([10, 0, 0, 1])))
                .await
                .is_ok(),
            "unlimited"
        );
    }
}
