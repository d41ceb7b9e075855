//! The projection lease: of all the servers on one database, the one holding a session advisory
//! lock (on a connection of its own) runs the live projections; the others read the checkpoints
//! it saves. When the holder dies its connection closes, PostgreSQL releases the lock, and the
//! next server to try (each tries every `RETRY_INTERVAL`) takes over.
//!
//! The lease decides who does the work, not whether it is done once: every batch still takes the
//! projections' transaction locks and saves its checkpoint in the same transaction as its writes,
//! so two servers that both believe they lead for a moment (one's lease connection has just
//! dropped) still apply each event exactly once.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// "hijrleas": apart from the projections' own keys (`0x6869_6a72_0000_00NN`).
const LEASE_KEY: i64 = 0x6869_6a72_6c65_6173;
/// How often a server without the lease tries for it, and the holder checks it still has it.
const RETRY_INTERVAL: Duration = Duration::from_millis(500);
/// Marks the lease connection in `pg_stat_activity`, followed by the node's name.
const APPLICATION_PREFIX: &str = "hijraah-lease ";

/// This server's view of the lease.
#[derive(Clone)]
pub struct ProjectionLease {
    options: PgConnectOptions,
    node: String,
    held: std::sync::Arc<watch::Sender<bool>>,
}

impl ProjectionLease {
    /// A lease this server (named `node` in `pg_stat_activity`) competes for on `options`' database.
    pub fn new(options: PgConnectOptions, node: &str) -> Self {
        let (held, _) = watch::channel(false);
        Self {
            options,
            node: node.chars().take(48).collect(),
            held: std::sync::Arc::new(held),
        }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether this server holds the lease now.
    pub fn is_held(&self) -> bool {
        *self.held.borrow()
    }

    /// Changes as the lease is taken or lost.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.held.subscribe()
    }

    fn set(&self, held: bool) {
        self.held.send_if_modified(|current| {
            let changed = *current != held;
            *current = held;
            changed
        });
    }

    /// Competes for the lease until `shutdown`, then gives it up at once (the next server need not
    /// wait for this connection to time out).
    pub async fn run(self, shutdown: CancellationToken) {
        let options = self
            .options
            .clone()
            .application_name(&format!("{APPLICATION_PREFIX}{}", self.node))
            // A holder whose machine vanishes without closing its socket is noticed in ~10 s.
            .options([
                ("tcp_keepalives_idle", "4"),
                ("tcp_keepalives_interval", "2"),
                ("tcp_keepalives_count", "3"),
            ])
            .disable_statement_logging();
        while !shutdown.is_cancelled() {
            let mut connection = match PgConnection::connect_with(&options).await {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "projection lease: cannot connect");
                    self.set(false);
                    if pause(&shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            loop {
                let checked = if self.is_held() {
                    sqlx::query("SELECT 1").execute(&mut connection).await.map(|_| true)
                } else {
                    sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                        .bind(LEASE_KEY)
                        .fetch_one(&mut connection)
                        .await
                };
                match checked {
                    Ok(held) => {
                        if held && !self.is_held() {
                            tracing::info!(node = %self.node, "projection lease taken: this server runs the projections");
                        }
                        self.set(held);
                    }
                    Err(error) => {
                        if self.is_held() {
                            tracing::warn!(%error, "projection lease lost with its connection");
                        }
                        self.set(false);
                        break;
                    }
                }
                if pause(&shutdown).await {
                    if self.is_held() {
                        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                            .bind(LEASE_KEY)
                            .execute(&mut connection)
                            .await;
                        tracing::info!("projection lease released");
                    }
                    self.set(false);
                    let _ = connection.close().await;
                    return;
                }
            }
        }
    }
}

/// Waits one retry interval; true when shutting down.
async fn pause(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(RETRY_INTERVAL) => false,
        _ = shutdown.cancelled() => true,
    }
}

/// The name of the server holding the lease on `pool`'s database, if any does.
pub async fn holder(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
         (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 LIMIT 1",
    )
    .bind(LEASE_KEY >> 32)
    .bind(LEASE_KEY & 0xffff_ffff)
    .fetch_optional(pool)
    .await?;
    Ok(name.map(|name| name.strip_prefix(APPLICATION_PREFIX).unwrap_or(&name).to_owned()))
}
