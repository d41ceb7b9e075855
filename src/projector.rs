//! Runs the projections: each one reads the log after its checkpoint and applies a batch in one
//! transaction together with its new checkpoint, so every event takes effect exactly once even
//! across crashes and several running servers (an advisory lock per projection serialises them).
//! Only the server holding the projection lease (`crate::lease`) runs them live; the others read
//! the checkpoints it saves. Progress is published on a watch channel so a request can wait for
//! its own writes.

use std::collections::BTreeMap;
use std::time::Duration;

use hijraah_projections::{Projection, ProjectionError, checkpoint};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::lease::ProjectionLease;
use crate::privacy::{PrivacyError, Vault};
use crate::store::{Checkpoint, LogNotifier, StoreError, postgres::read_all_on};

const BATCH_SIZE: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ProjectorError {
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("projection database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    #[error("a projection task failed: {0}")]
    Task(String),
}

fn lock_key(projection: Projection) -> i64 {
    // "hijr" in the high bits keeps clear of other advisory-lock users of the database.
    0x6869_6a72_0000_0000 + projection as i64
}

/// Applies the next batch after the projection's checkpoint. Returns the new checkpoint and how
/// many events the batch held, or `None` when the projection is caught up.
pub async fn step(
    pool: &PgPool,
    vault: &Vault,
    projection: Projection,
) -> Result<Option<(Checkpoint, usize)>, ProjectorError> {
    let mut transaction = pool.begin().await?;
    // An advisory lock takes no transaction id, so holding it does not hold back other readers'
    // horizon while we read; our writes below take one only at the end.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock_key(projection))
        .execute(&mut *transaction)
        .await?;
    let from = checkpoint::read(&mut transaction, projection).await?;
    let batch = read_all_on(&mut transaction, from, BATCH_SIZE, None).await?;
    let Some((last, _)) = batch.last() else {
        transaction.commit().await?;
        return Ok(None);
    };
    let last = *last;
    let mut envelopes: Vec<_> = batch.into_iter().map(|(_, envelope)| envelope).collect();
    if projection.reads_personal_content() {
        vault.unseal(&mut transaction, &mut envelopes).await?;
    }
    projection.apply(&mut transaction, &envelopes).await?;
    checkpoint::save(&mut transaction, projection, last).await?;
    transaction.commit().await?;
    Ok(Some((last, envelopes.len())))
}

/// Applies the next batch to several projections in one transaction, reading and decoding it
/// once. Each projection applies only the events after its own checkpoint, so projections that
/// are at different places (one was rebuilt alone) still each see every event exactly once.
pub async fn step_all(pool: &PgPool, vault: &Vault, projections: &[Projection]) -> Result<Stepped, ProjectorError> {
    let mut projections = projections.to_vec();
    projections.sort();
    projections.dedup();
    let mut transaction = pool.begin().await?;
    let keys: Vec<i64> = projections.iter().map(|projection| lock_key(*projection)).collect();
    sqlx::query(
        "SELECT pg_advisory_xact_lock(key) FROM (SELECT key FROM unnest($1::int8[]) AS key ORDER BY key) AS keys",
    )
    .bind(&keys)
    .execute(&mut *transaction)
    .await?;
    let checkpoints = checkpoint::read_many(&mut transaction, &projections).await?;
    let at: Vec<(Projection, Checkpoint)> = projections.iter().copied().zip(checkpoints).collect();
    let newest = at
        .iter()
        .map(|(_, checkpoint)| *checkpoint)
        .max()
        .unwrap_or(Checkpoint::START);
    let oldest = at
        .iter()
        .map(|(_, checkpoint)| *checkpoint)
        .min()
        .unwrap_or(Checkpoint::START);
    // The live events first, for the projections that are at the head: one being rebuilt (far
    // behind) never holds the others back. Then one batch of the log for those behind.
    let (leaders, laggards): (Vec<_>, Vec<_>) = at.iter().copied().partition(|(_, checkpoint)| *checkpoint == newest);
    let mut reached = Vec::new();
    let mut changed = Vec::new();
    apply_batch(&mut transaction, vault, &leaders, newest, &mut reached, &mut changed).await?;
    if !laggards.is_empty() {
        apply_batch(&mut transaction, vault, &laggards, oldest, &mut reached, &mut changed).await?;
    }
    if reached.is_empty() {
        transaction.commit().await?;
        return Ok(Stepped::CaughtUp(at));
    }
    // Wakes the other servers, on commit, to read the new checkpoints (their requests wait on
    // them), naming the read models that changed (their followers re-read only those).
    let names: Vec<&str> = changed.iter().map(|projection| projection.name()).collect();
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::store::postgres::PROJECTED_CHANNEL)
        .bind(names.join(","))
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(Stepped::Applied { reached, changed })
}

/// Reads the batch after `from` and applies it to each of `group` (each only the events after
/// its own checkpoint), saving where each got to. Adds to `reached` those that moved, and to
/// `changed` those whose read models the batch changed.
async fn apply_batch(
    transaction: &mut sqlx::PgConnection,
    vault: &Vault,
    group: &[(Projection, Checkpoint)],
    from: Checkpoint,
    reached: &mut Vec<(Projection, Checkpoint)>,
    changed: &mut Vec<Projection>,
) -> Result<(), ProjectorError> {
    let batch = read_all_on(&mut *transaction, from, BATCH_SIZE, None).await?;
    let Some(&(last, _)) = batch.last() else {
        return Ok(());
    };
    let (positions, mut envelopes): (Vec<Checkpoint>, Vec<_>) = batch.into_iter().unzip();
    if group.iter().any(|(projection, _)| projection.reads_personal_content()) {
        vault.unseal(&mut *transaction, &mut envelopes).await?;
    }
    // Decoded once; each projection gets the suffix after its own checkpoint.
    let mut decoded = Vec::with_capacity(envelopes.len());
    let mut decoded_at = Vec::with_capacity(envelopes.len());
    for (at, recorded) in positions.iter().zip(hijraah_projections::decode_known_each(&envelopes)) {
        if let Some(recorded) = recorded? {
            decoded.push(recorded);
            decoded_at.push(*at);
        }
    }
    let mut moved = Vec::new();
    for (projection, own) in group {
        if *own >= last {
            continue;
        }
        let start = decoded_at.partition_point(|at| at <= own);
        let unseen = &decoded[start..];
        projection.apply_decoded(&mut *transaction, unseen).await?;
        if unseen
            .iter()
            .any(|recorded| projection.reads(&recorded.envelope.event_type))
        {
            changed.push(*projection);
        }
        moved.push(*projection);
        reached.push((*projection, last));
    }
    checkpoint::save_many(&mut *transaction, &moved, last).await?;
    Ok(())
}

/// What a step over several projections did.
#[derive(Debug, Clone, PartialEq)]
pub enum Stepped {
    /// Batches were applied: `reached` says where each projection that moved got to; `changed`
    /// are those whose read models they changed (those that read one of their events).
    Applied {
        reached: Vec<(Projection, Checkpoint)>,
        changed: Vec<Projection>,
    },
    /// Nothing left to apply: each projection's checkpoint as saved (perhaps by another server,
    /// whose work this one need not repeat, but must publish as reached).
    CaughtUp(Vec<(Projection, Checkpoint)>),
}

/// Applies batches until the projection has caught up with the log; returns the events applied.
pub async fn catch_up(pool: &PgPool, vault: &Vault, projection: Projection) -> Result<u64, ProjectorError> {
    let mut applied = 0u64;
    while let Some((_, count)) = step(pool, vault, projection).await? {
        applied += count as u64;
    }
    Ok(applied)
}

/// Empties a projection's read model and rebuilds it from the start of the log.
pub async fn rebuild(pool: &PgPool, vault: &Vault, projection: Projection) -> Result<u64, ProjectorError> {
    rebuild_all(pool, vault, &[projection]).await
}

/// Empties the given read models and rebuilds them together, reading each batch of the log once
/// and applying it to every projection in one transaction. Returns the log events read.
///
/// The rebuild holds the projections' advisory locks for its whole length, as session locks on
/// one connection (its transactions take the same locks again, which a session may), so live
/// runners wait instead of interleaving their batches with ours.
pub async fn rebuild_all(pool: &PgPool, vault: &Vault, projections: &[Projection]) -> Result<u64, ProjectorError> {
    let mut projections = projections.to_vec();
    projections.sort();
    projections.dedup();
    let mut connection = pool.acquire().await?;
    let keys: Vec<i64> = projections.iter().map(|projection| lock_key(*projection)).collect();
    sqlx::query("SELECT pg_advisory_lock(key) FROM (SELECT key FROM unnest($1::int8[]) AS key ORDER BY key) AS keys")
        .bind(&keys)
        .execute(&mut *connection)
        .await?;
    let result = rebuild_locked(pool, vault, &mut connection, &projections).await;
    // Released on every path; a dropped connection would release them too.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock_all()")
        .execute(&mut *connection)
        .await;
    let read = result?;
    unlocked?;
    Ok(read)
}

/// A batch of the log, unsealed, with the events the projections know decoded (by index).
struct FetchedBatch {
    checkpoints: Vec<Checkpoint>,
    envelopes: Vec<hijraah_domain::Envelope>,
    events: Vec<(usize, hijraah_domain::Event)>,
}

/// Reads, unseals (when `unseal`) and decodes the batch of the log after `from`, on a connection
/// of its own: the rebuild prepares the next batch while it applies this one.
async fn fetch_batch(
    pool: PgPool,
    vault: Vault,
    from: Checkpoint,
    unseal: bool,
) -> Result<FetchedBatch, ProjectorError> {
    let mut connection = pool.acquire().await?;
    let batch = read_all_on(&mut connection, from, REBUILD_BATCH_SIZE, None).await?;
    let (checkpoints, mut envelopes): (Vec<Checkpoint>, Vec<_>) = batch.into_iter().unzip();
    if unseal {
        vault.unseal(&mut connection, &mut envelopes).await?;
    }
    drop(connection);
    let mut events = Vec::with_capacity(envelopes.len());
    for (index, recorded) in hijraah_projections::decode_known_each(&envelopes).enumerate() {
        if let Some(recorded) = recorded? {
            events.push((index, recorded.event));
        }
    }
    Ok(FetchedBatch {
        checkpoints,
        envelopes,
        events,
    })
}

/// Empties projections' read models and checkpoints under their locks, so a running projector
/// (here or on another server) applies the log to them again from the start, and never saves a
/// checkpoint it read before the reset.
pub async fn reset(pool: &PgPool, projections: &[Projection]) -> Result<(), ProjectorError> {
    let mut projections = projections.to_vec();
    projections.sort();
    projections.dedup();
    let keys: Vec<i64> = projections.iter().map(|projection| lock_key(*projection)).collect();
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(key) FROM (SELECT key FROM unnest($1::int8[]) AS key ORDER BY key) AS keys",
    )
    .bind(&keys)
    .execute(&mut *transaction)
    .await?;
    for projection in &projections {
        projection.reset(&mut transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

async fn rebuild_locked(
    pool: &PgPool,
    vault: &Vault,
    connection: &mut sqlx::PgConnection,
    projections: &[Projection],
) -> Result<u64, ProjectorError> {
    use sqlx::Connection;
    let mut transaction = connection.begin().await?;
    for projection in projections {
        projection.reset(&mut transaction).await?;
    }
    transaction.commit().await?;

    let unseal = projections.iter().any(|projection| projection.reads_personal_content());
    let fetch = |from| tokio::spawn(fetch_batch(pool.clone(), vault.clone(), from, unseal));
    let mut next = fetch(Checkpoint::START);
    let mut read = 0u64;
    loop {
        let batch = next.await.map_err(|error| ProjectorError::Task(error.to_string()))??;
        let Some(&last) = batch.checkpoints.last() else {
            return Ok(read);
        };
        // The next batch is read, unsealed and decoded while this one is applied.
        next = fetch(last);
        let envelopes = batch.envelopes;
        let decoded: Vec<_> = batch
            .events
            .into_iter()
            .map(|(index, event)| hijraah_projections::Recorded {
                envelope: &envelopes[index],
                event,
            })
            .collect();
        let mut transaction = connection.begin().await?;
        for projection in projections {
            projection.apply_decoded(&mut transaction, &decoded).await?;
        }
        checkpoint::save_many(&mut transaction, projections, last).await?;
        transaction.commit().await?;
        read += envelopes.len() as u64;
    }
}

const REBUILD_BATCH_SIZE: i64 = 10_000;

/// The live projection runners and their published progress.
#[derive(Clone)]
pub struct Projector {
    pool: PgPool,
    vault: Vault,
    notifier: LogNotifier,
    lease: ProjectionLease,
    progress: std::sync::Arc<watch::Sender<BTreeMap<Projection, Checkpoint>>>,
    /// The checkpoint of the last batch that changed each read model.
    changes: std::sync::Arc<watch::Sender<BTreeMap<Projection, Checkpoint>>>,
    poll_interval: Duration,
}

impl Projector {
    /// Runners on `pool` (their own connections, apart from the requests'), unsealing personal
    /// content with `vault`.
    /// They run while this server holds `lease`.
    pub fn new(pool: PgPool, vault: Vault, notifier: LogNotifier, lease: ProjectionLease) -> Self {
        let (progress, _) = watch::channel(BTreeMap::new());
        let (changes, _) = watch::channel(BTreeMap::new());
        Self {
            pool,
            vault,
            notifier,
            lease,
            progress: std::sync::Arc::new(progress),
            changes: std::sync::Arc::new(changes),
            poll_interval: Duration::from_millis(250),
        }
    }

    /// Starts the live runner, which reads each batch of the log once for every projection; it
    /// stops when `shutdown` is cancelled.
    pub fn spawn_all(&self, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
        let runner = self.clone();
        vec![tokio::spawn(async move { runner.run(shutdown).await })]
    }

    async fn run(&self, shutdown: CancellationToken) {
        // The leader wakes when the log grows; the others when the leader has applied a batch.
        let mut changes = self.notifier.subscribe();
        let mut projected = self.notifier.subscribe_projected();
        let mut lease = self.lease.subscribe();
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            changes.borrow_and_update();
            projected.borrow_and_update();
            let leading = *lease.borrow_and_update();
            let stepped = if leading {
                step_all(&self.pool, &self.vault, &Projection::ALL).await
            } else {
                self.read_checkpoints().await.map(Stepped::CaughtUp)
            };
            match stepped {
                Ok(Stepped::Applied { reached, changed }) => {
                    backoff = Duration::from_millis(100);
                    self.record_changes(&reached, &changed);
                    for (projection, checkpoint) in reached {
                        self.publish(projection, checkpoint);
                    }
                    continue;
                }
                Ok(Stepped::CaughtUp(reached)) => {
                    backoff = Duration::from_millis(100);
                    for (projection, checkpoint) in reached {
                        self.publish(projection, checkpoint);
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, "projection step failed");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.cancelled() => return,
                    }
                    // Short: after a database restart the projections (and the chats waiting on them) resume soon.
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
            }
            tokio::select! {
                _ = changes.changed(), if leading => {}
                _ = projected.changed(), if !leading => {}
                _ = lease.changed() => {}
                _ = tokio::time::sleep(self.poll_interval) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// The checkpoints as saved by whichever server runs the projections. A read model that
    /// changed (the leader applied a batch that it reads) is recorded as changed here too.
    async fn read_checkpoints(&self) -> Result<Vec<(Projection, Checkpoint)>, ProjectorError> {
        let mut connection = self.pool.acquire().await?;
        let checkpoints = checkpoint::read_many(&mut connection, &Projection::ALL).await?;
        let at: Vec<(Projection, Checkpoint)> = Projection::ALL.iter().copied().zip(checkpoints).collect();
        // Which read models changed is the leader's knowledge, named in its notifications. (One
        // lost in a reconnect is made up for by the followers' own periodic re-reads.)
        let changed: Vec<Projection> = self
            .notifier
            .take_changed()
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect();
        self.record_changes(&at, &changed);
        Ok(at)
    }

    fn record_changes(&self, reached: &[(Projection, Checkpoint)], changed: &[Projection]) {
        if changed.is_empty() {
            return;
        }
        self.changes.send_modify(|changes| {
            for projection in changed {
                if let Some((_, at)) = reached.iter().find(|(moved, _)| moved == projection) {
                    changes.insert(*projection, *at);
                }
            }
        });
    }

    /// Whether this server runs the live projections (holds the lease).
    pub fn leads(&self) -> bool {
        self.lease.is_held()
    }

    pub fn lease(&self) -> &ProjectionLease {
        &self.lease
    }

    fn publish(&self, projection: Projection, checkpoint: Checkpoint) {
        self.progress.send_modify(|progress| {
            let entry = progress.entry(projection).or_default();
            *entry = (*entry).max(checkpoint);
        });
    }

    /// The checkpoint each projection has reached.
    pub fn progress(&self) -> BTreeMap<Projection, Checkpoint> {
        self.progress.borrow().clone()
    }

    /// The position the slowest projection has reached (0 before any has run).
    pub fn slowest_position(&self) -> i64 {
        self.progress
            .borrow()
            .values()
            .map(|checkpoint| checkpoint.position)
            .min()
            .unwrap_or(0)
    }

    /// The checkpoint each projection has reached, as it moves.
    pub fn progress_changes(&self) -> watch::Receiver<BTreeMap<Projection, Checkpoint>> {
        self.progress.subscribe()
    }

    /// The checkpoint of the last batch that changed each read model, as it changes: a follower
    /// of one read model (the custom agents') wakes when it changed, not on every batch.
    pub fn changes(&self) -> watch::Receiver<BTreeMap<Projection, Checkpoint>> {
        self.changes.subscribe()
    }

    /// Waits until `projection` has applied everything up to `checkpoint`, at most `timeout`.
    pub async fn wait_for(&self, projection: Projection, checkpoint: Checkpoint, timeout: Duration) -> bool {
        self.notifier.notify();
        let mut progress = self.progress.subscribe();
        let reached = progress.wait_for(|progress| progress.get(&projection).is_some_and(|at| *at >= checkpoint));
        matches!(tokio::time::timeout(timeout, reached).await, Ok(Ok(_)))
    }
}
