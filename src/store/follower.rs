//! Following the log live: catch up, then wait for new events.
//!
//! One [`LogNotifier`] per process holds a `LISTEN` connection and turns notifications into a
//! counter on a watch channel; it reconnects with back-off when the connection drops. This
//! process's append writer bumps the counter directly after each batch. A [`LogFollower`] reads
//! batches after its checkpoint and, when it is caught up, waits for the counter to move or for
//! the polling interval to pass: notifications can be lost during a reconnect, so polling is the
//! safety net.

use std::time::Duration;

use hijraah_domain::Envelope;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::postgres::{NOTIFY_CHANNEL, PROJECTED_CHANNEL};
use super::{Checkpoint, EventStore, StoreError};

/// Broadcasts "the log may have grown" to every follower in this process, and "the projection
/// lease holder applied a batch" (with the read models it changed) to this process's projector.
#[derive(Debug, Clone)]
pub struct LogNotifier {
    sender: std::sync::Arc<watch::Sender<u64>>,
    projected: std::sync::Arc<watch::Sender<u64>>,
    /// The read models the leader's batches changed since the projector last took them.
    changed: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
}

impl Default for LogNotifier {
    fn default() -> Self {
        let (sender, _) = watch::channel(0);
        let (projected, _) = watch::channel(0);
        Self {
            sender: std::sync::Arc::new(sender),
            projected: std::sync::Arc::new(projected),
            changed: Default::default(),
        }
    }
}

impl LogNotifier {
    /// Wakes every follower (called after an append in this process).
    pub fn notify(&self) {
        self.sender.send_modify(|counter| *counter = counter.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }

    /// Moves when another server's projector applied a batch (`payload`: the read models it
    /// changed, comma-separated).
    pub fn subscribe_projected(&self) -> watch::Receiver<u64> {
        self.projected.subscribe()
    }

    fn projected(&self, payload: &str) {
        if let Ok(mut changed) = self.changed.lock() {
            changed.extend(payload.split(',').filter(|name| !name.is_empty()).map(str::to_owned));
        }
        self.projected.send_modify(|counter| *counter = counter.wrapping_add(1));
    }

    /// The read models changed by the leader's batches since the last call.
    pub fn take_changed(&self) -> std::collections::BTreeSet<String> {
        self.changed
            .lock()
            .map(|mut changed| std::mem::take(&mut *changed))
            .unwrap_or_default()
    }

    /// Listens for other processes' appends (and the projection leader's batches) until `shutdown`, reconnecting with back-off.
    pub async fn listen(self, pool: PgPool, shutdown: CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            let listener = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen_all([NOTIFY_CHANNEL, PROJECTED_CHANNEL]).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let mut listener = match listener.await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(error = %error, backoff_ms = backoff.as_millis() as u64, "log listener cannot connect");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            backoff = Duration::from_millis(100);
            // Anything appended while we were not listening is found by the followers' next read.
            self.notify();
            loop {
                tokio::select! {
                    received = listener.try_recv() => match received {
                        Ok(Some(notification)) if notification.channel() == PROJECTED_CHANNEL => {
                            self.projected(notification.payload());
                        }
                        Ok(Some(_)) => self.notify(),
                        // The connection dropped; `try_recv` reconnects on the next call.
                        Ok(None) => {
                            tracing::warn!("log listener connection lost, reconnecting");
                            self.notify();
                            self.projected("");
                        }
                        Err(error) => {
                            tracing::warn!(error = %error, "log listener failed");
                            break;
                        }
                    },
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    }
}

/// Reads the log from a checkpoint on, batch by batch, waiting when caught up.
pub struct LogFollower {
    store: EventStore,
    changes: watch::Receiver<u64>,
    checkpoint: Checkpoint,
    batch_size: i64,
    poll_interval: Duration,
    stream_id: Option<String>,
    data_of: Option<&'static str>,
}

impl LogFollower {
    pub fn new(store: EventStore, notifier: &LogNotifier, from: Checkpoint) -> Self {
        Self {
            store,
            changes: notifier.subscribe(),
            checkpoint: from,
            batch_size: 500,
            poll_interval: Duration::from_millis(250),
            stream_id: None,
            data_of: None,
        }
    }

    pub fn with_batch_size(mut self, batch_size: i64) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    pub fn only_stream(mut self, stream_id: Option<String>) -> Self {
        self.stream_id = stream_id;
        self
    }

    /// Only events whose type starts with `prefix` come with their data and metadata; the others
    /// pass by as envelopes without them (see [`EventStore::read_all_with_data_of`]).
    pub fn with_data_of(mut self, prefix: &'static str) -> Self {
        self.data_of = Some(prefix);
        self
    }

    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint
    }

    /// The next batch of events, waiting until there is one (or `shutdown`, then `None`).
    pub async fn next_batch(&mut self, shutdown: &CancellationToken) -> Result<Option<Vec<Envelope>>, StoreError> {
        loop {
            if shutdown.is_cancelled() {
                return Ok(None);
            }
            // Mark the current change as seen before reading, so a change during the read wakes us.
            self.changes.borrow_and_update();
            let batch = match (self.data_of, self.stream_id.as_deref()) {
                (Some(prefix), None) => {
                    self.store
                        .read_all_with_data_of(self.checkpoint, self.batch_size, prefix)
                        .await?
                }
                (_, stream_id) => self.store.read_all(self.checkpoint, self.batch_size, stream_id).await?,
            };
            if let Some((last, _)) = batch.last() {
                self.checkpoint = *last;
                return Ok(Some(batch.into_iter().map(|(_, envelope)| envelope).collect()));
            }
            tokio::select! {
                _ = self.changes.changed() => {}
                _ = tokio::time::sleep(self.poll_interval) => {}
                _ = shutdown.cancelled() => return Ok(None),
            }
        }
    }
}
