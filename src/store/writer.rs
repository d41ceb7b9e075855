//! Group commit in the application: one writer task per process takes the appends waiting for
//! it and writes them with one call of the batch append function, one round trip and one commit
//! for all of them, then answers each caller with its own outcome. While a batch is being
//! written the next one gathers, so the batches grow with the load and a lone append waits for
//! nothing. This is how KurrentDB's writer and Marten's batching reach their rates; PostgreSQL's
//! own group commit cannot, since each of our appends would still be a transaction of its own
//! under the append lock.
//!
//! Nothing is acknowledged before its batch committed: a crash mid-batch loses only appends
//! whose callers got no answer. A batch that fails (the connection dropped) answers each of its
//! callers [`StoreError::Unavailable`], and the store then looks each append up, since a batch
//! can commit and lose its answer; the next batch takes a new connection.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::postgres::{AppendRequest, BatchOutcome, append_batch_on};
use super::{LogNotifier, StoreError};

/// Most appends in one batch, and most events.
const MAX_BATCH_APPENDS: usize = 512;
const MAX_BATCH_EVENTS: usize = 4_096;

type Reply = oneshot::Sender<Result<BatchOutcome, StoreError>>;
type Queue = mpsc::UnboundedSender<(AppendRequest, Reply)>;

#[derive(Debug, Default)]
struct Counts {
    batches: AtomicU64,
    appends: AtomicU64,
}

/// The handle to the writer task, started on the first append (so a store can be made outside a
/// runtime) and again if the runtime it ran on has gone.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    pool: PgPool,
    notifier: Option<LogNotifier>,
    sender: Arc<Mutex<Option<Queue>>>,
    counts: Arc<Counts>,
}

impl Writer {
    pub(crate) fn new(pool: PgPool, notifier: Option<LogNotifier>) -> Self {
        Self {
            pool,
            notifier,
            sender: Arc::new(Mutex::new(None)),
            counts: Arc::new(Counts::default()),
        }
    }

    /// Batches committed and the appends they held.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.counts.batches.load(Ordering::Relaxed),
            self.counts.appends.load(Ordering::Relaxed),
        )
    }

    pub(crate) async fn append(&self, request: AppendRequest) -> Result<BatchOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let mut job = Some((request, reply));
        {
            let mut sender = self.sender.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(live) = sender.as_ref()
                && let Some(pending) = job.take()
                && let Err(mpsc::error::SendError(returned)) = live.send(pending)
            {
                job = Some(returned);
            }
            if let Some(pending) = job.take() {
                let (live, queue) = mpsc::unbounded_channel();
                // Cannot fail: the receiver is right here.
                let _ = live.send(pending);
                tokio::spawn(run(
                    self.pool.clone(),
                    self.notifier.clone(),
                    queue,
                    self.counts.clone(),
                ));
                *sender = Some(live);
            }
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("the event writer stopped".to_owned())))
    }
}

async fn run(
    pool: PgPool,
    notifier: Option<LogNotifier>,
    mut queue: mpsc::UnboundedReceiver<(AppendRequest, Reply)>,
    counts: Arc<Counts>,
) {
    let mut requests = Vec::new();
    let mut replies = Vec::new();
    while let Some((request, reply)) = queue.recv().await {
        let mut events = request.events.len();
        requests.push(request);
        replies.push(reply);
        while requests.len() < MAX_BATCH_APPENDS && events < MAX_BATCH_EVENTS {
            match queue.try_recv() {
                Ok((request, reply)) => {
                    events += request.events.len();
                    requests.push(request);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let outcome = match pool.acquire().await {
            Ok(mut connection) => append_batch_on(&mut connection, &requests).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(outcomes) => {
                counts.batches.fetch_add(1, Ordering::Relaxed);
                counts.appends.fetch_add(requests.len() as u64, Ordering::Relaxed);
                if let Some(notifier) = &notifier {
                    notifier.notify();
                }
                for (reply, outcome) in replies.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                tracing::error!(%error, appends = requests.len(), "an append batch failed");
                let message = error.to_string();
                for reply in replies.drain(..) {
                    let _ = reply.send(Err(StoreError::Unavailable(message.clone())));
                }
            }
        }
        requests.clear();
    }
}
