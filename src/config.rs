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
        })
    }
}
