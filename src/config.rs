//! Settings, from the environment (see the README's configuration table).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Settings {
    /// `HIJRAAH_BIND`, default `127.0.0.1:8000`.
    pub bind: SocketAddr,
    /// `DATABASE_URL`; unset: an embedded PostgreSQL cluster under the data dir.
    pub database_url: Option<String>,
    /// `HIJRAAH_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `HIJRAAH_JWT_SECRET`; unset: a random secret kept in the data dir (loopback only).
    pub jwt_secret: Option<String>,
    /// `HIJRAAH_LOG_DIR`: also write JSON logs to a daily-rotated file there.
    pub log_dir: Option<PathBuf>,
    /// `HIJRAAH_BODY_LIMIT_BYTES`, default 1 MiB.
    pub body_limit_bytes: usize,
    /// `HIJRAAH_AGENT_TIMEOUT_MS`, default 5000: how long one agent may take to answer.
    pub agent_timeout: Duration,
    /// `HIJRAAH_READ_YOUR_WRITES_TIMEOUT_MS`, default 5000: how long a chat waits for the read
    /// models to include it before answering anyway.
    pub read_your_writes_timeout: Duration,
    /// `HIJRAAH_DB_MAX_CONNECTIONS`, default 20.
    pub database_max_connections: u32,
    /// `HIJRAAH_DB_ACQUIRE_TIMEOUT_MS`, default 5000: how long a request waits for a database
    /// connection (PostgreSQL restarting, or every connection busy) before it answers 503 with
    /// `Retry-After`. A restart shorter than this is only a delay.
    pub database_acquire_timeout: Duration,
    /// `HIJRAAH_STATEMENT_TIMEOUT_MS`, default 30000 (0: none): PostgreSQL cancels a statement
    /// that runs longer, so one slow query cannot hold a pool connection for ever (the request
    /// gets 503 with `Retry-After`).
    pub statement_timeout: Option<Duration>,
    /// Rate limits, CORS and the key-encryption key.
    pub security: SecuritySettings,
    /// `HIJRAAH_NODE_NAME`: this server's name among several (shown as the projection lease's
    /// holder). Default: the host name and the port.
    pub node_name: Option<String>,
    /// `HIJRAAH_DRAIN_GRACE_MS`, default 0: on SIGTERM, how long the server keeps accepting new
    /// requests while `/readyz` already answers 503, so a load balancer with active health checks
    /// stops sending before the listener closes. In-flight requests are drained in any case.
    pub drain_grace: Duration,
    /// `HIJRAAH_RULINGS_SAHIH_ONLY`, default off (`1`/`true` on): when asked for a ruling, the
    /// knowledge agent quotes only hadith some grader holds sahih (a request can ask the same
    /// with `context.sahih_only`). Qur'an verses are quoted as always.
    pub rulings_sahih_only: bool,
    /// `HIJRAAH_CHAIN_VERIFY_SECONDS`, default 3600: how often each server walks the event log's
    /// hash chain (`hijraah_event_chain_*` in `/metrics`); 0 turns it off.
    pub chain_verify_every: Duration,
}

/// A token bucket: `burst` requests at once, refilled at `per_minute`. `per_minute = 0`: no limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl RateLimit {
    pub const UNLIMITED: RateLimit = RateLimit {
        per_minute: 0,
        burst: 0,
    };
}

#[derive(Debug, Clone)]
pub struct SecuritySettings {
    /// `HIJRAAH_RATE_LIMIT_PER_MINUTE` / `HIJRAAH_RATE_LIMIT_BURST`, default 600 / 60: per user.
    pub user_rate_limit: RateLimit,
    /// `HIJRAAH_ANONYMOUS_RATE_LIMIT_PER_MINUTE` / `…_BURST`, default 120 / 30: per client address
    /// for requests without a valid token.
    pub anonymous_rate_limit: RateLimit,
    /// `HIJRAAH_CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser, or
    /// `*` for any (then without credentials). Empty: no cross-origin access.
    pub cors_origins: Vec<String>,
    /// `HIJRAAH_KEK`: the key-encryption key (base64 of 32 bytes) that wraps each user's data
    /// key. Unset: a random one kept in the data dir (loopback only, like the JWT secret).
    pub kek: Option<String>,
    /// `HIJRAAH_REDIS_URL` (e.g. `redis://127.0.0.1:6379`): the rate limits are kept there, so
    /// they hold across every server sharing it. Unset, or Redis down: each server counts alone.
    pub redis_url: Option<String>,
    /// `HIJRAAH_REDIS_PREFIX`, default `hijraah`: the prefix of the keys it writes.
    pub redis_prefix: String,
    /// `HIJRAAH_TRUSTED_PROXIES`: comma-separated addresses of the load balancers in front, whose
    /// `X-Forwarded-For` names the client (for the anonymous rate limit). Empty: none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            user_rate_limit: RateLimit {
                per_minute: 600,
                burst: 60,
            },
            anonymous_rate_limit: RateLimit {
                per_minute: 120,
                burst: 30,
            },
            cors_origins: Vec::new(),
            kek: None,
            redis_url: None,
            redis_prefix: "hijraah".to_owned(),
            trusted_proxies: Vec::new(),
        }
    }
}

impl SecuritySettings {
    /// No rate limits (tests and benchmarks that measure something else).
    pub fn unlimited() -> Self {
        Self {
            user_rate_limit: RateLimit::UNLIMITED,
            anonymous_rate_limit: RateLimit::UNLIMITED,
            ..Self::default()
        }
    }
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let bind = match var("HIJRAAH_BIND") {
            Some(bind) => bind
                .parse()
                .with_context(|| format!("HIJRAAH_BIND `{bind}` is not an address like 127.0.0.1:8000"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
        };
        let number = |name: &str, default: u64| -> anyhow::Result<u64> {
            match var(name) {
                Some(value) => value
                    .parse()
                    .with_context(|| format!("{name} `{value}` is not a whole number")),
                None => Ok(default),
            }
        };
        let small = |name: &str, default: u64| -> anyhow::Result<u32> {
            u32::try_from(number(name, default)?).with_context(|| format!("{name} is too large"))
        };
        let body_limit_bytes = number("HIJRAAH_BODY_LIMIT_BYTES", 1024 * 1024)?;
        if body_limit_bytes == 0 {
            bail!("HIJRAAH_BODY_LIMIT_BYTES must be positive");
        }
        Ok(Self {
            bind,
            database_url: var("DATABASE_URL"),
            data_dir: var("HIJRAAH_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
            jwt_secret: var("HIJRAAH_JWT_SECRET"),
            log_dir: var("HIJRAAH_LOG_DIR").map(PathBuf::from),
            body_limit_bytes: usize::try_from(body_limit_bytes).context("HIJRAAH_BODY_LIMIT_BYTES is too large")?,
            agent_timeout: Duration::from_millis(number("HIJRAAH_AGENT_TIMEOUT_MS", 5_000)?),
            read_your_writes_timeout: Duration::from_millis(number("HIJRAAH_READ_YOUR_WRITES_TIMEOUT_MS", 5_000)?),
            database_max_connections: u32::try_from(number("HIJRAAH_DB_MAX_CONNECTIONS", 20)?.max(2))
                .context("HIJRAAH_DB_MAX_CONNECTIONS is too large")?,
            database_acquire_timeout: Duration::from_millis(number("HIJRAAH_DB_ACQUIRE_TIMEOUT_MS", 5_000)?.max(100)),
            statement_timeout: Some(number("HIJRAAH_STATEMENT_TIMEOUT_MS", 30_000)?)
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
            security: SecuritySettings {
                user_rate_limit: RateLimit {
                    per_minute: small("HIJRAAH_RATE_LIMIT_PER_MINUTE", 600)?,
                    burst: small("HIJRAAH_RATE_LIMIT_BURST", 60)?,
                },
                anonymous_rate_limit: RateLimit {
                    per_minute: small("HIJRAAH_ANONYMOUS_RATE_LIMIT_PER_MINUTE", 120)?,
                    burst: small("HIJRAAH_ANONYMOUS_RATE_LIMIT_BURST", 30)?,
                },
                cors_origins: cors_origins(var("HIJRAAH_CORS_ORIGINS").as_deref())?,
                kek: var("HIJRAAH_KEK"),
                redis_url: var("HIJRAAH_REDIS_URL"),
                redis_prefix: var("HIJRAAH_REDIS_PREFIX").unwrap_or_else(|| "hijraah".to_owned()),
                trusted_proxies: var("HIJRAAH_TRUSTED_PROXIES")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|address| !address.is_empty())
                    .map(|address| {
                        address.parse().with_context(|| {
                            format!("HIJRAAH_TRUSTED_PROXIES: `{address}` is not an IP address like 10.0.0.2")
                        })
                    })
                    .collect::<anyhow::Result<_>>()?,
            },
            node_name: var("HIJRAAH_NODE_NAME"),
            drain_grace: Duration::from_millis(number("HIJRAAH_DRAIN_GRACE_MS", 0)?),
            rulings_sahih_only: match var("HIJRAAH_RULINGS_SAHIH_ONLY").as_deref().map(str::trim) {
                None | Some("0" | "false" | "off" | "no") => false,
                Some("1" | "true" | "on" | "yes") => true,
                Some(other) => bail!("HIJRAAH_RULINGS_SAHIH_ONLY is 1 or 0 (true or false), not `{other}`"),
            },
            chain_verify_every: Duration::from_secs(number("HIJRAAH_CHAIN_VERIFY_SECONDS", 3600)?),
        })
    }
}

/// Parses `HIJRAAH_CORS_ORIGINS`: `*` alone, or origins like `https://app.example.org`.
pub fn cors_origins(value: Option<&str>) -> anyhow::Result<Vec<String>> {
    let origins: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    if origins.len() > 1 && origins.iter().any(|origin| origin == "*") {
        bail!("HIJRAAH_CORS_ORIGINS is `*` alone or a list of origins, not both");
    }
    for origin in &origins {
        if origin != "*" && !(origin.starts_with("https://") || origin.starts_with("http://"))
            || origin.contains(char::is_whitespace)
        {
            bail!("HIJRAAH_CORS_ORIGINS: `{origin}` is not an origin like https://app.example.org");
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::cors_origins;

    #[test]
    fn cors_origins_are_a_star_alone_or_a_list_of_origins() {
        assert!(cors_origins(None).unwrap().is_empty());
        assert_eq!(cors_origins(Some("*")).unwrap(), ["*"]);
        assert_eq!(
            cors_origins(Some("https://a.example, http://localhost:3000/")).unwrap(),
            ["https://a.example", "http://localhost:3000"]
        );
        assert!(
            cors_origins(Some("*, https://a.example")).is_err(),
            "never * with a list"
        );
        assert!(cors_origins(Some("a.example")).is_err());
    }
}
