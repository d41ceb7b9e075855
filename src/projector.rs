//! Runs the projections: each one reads the log after its checkpoint and applies a batch in one
//! transaction together with its new checkpoint, so every event takes effect exactly once even
//! across crashes and several running servers (an advisory lock per projection serialises them).
//! Only the server holding the projection lease (`crate::lease`) runs them live; the others read
//! the checkpoints it saves. Progress is published on a watch channel so a request can wait for
//! its own writes.

use std::collections::BTreeMap;
use std::time::Duration;

use hijraah_projections::{Projection, ProjectionError, checkpoint, deferred};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::lease::ProjectionLease;
use crate::privacy::{PrivacyError, Vault};
use crate::store::postgres::read_decoded_on;
use crate::store::{Checkpoint, LogNotifier, StoreError};

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
    let batch = read_batch(
        &mut transaction,
        vault,
        from,
        BATCH_SIZE,
        projection.reads_personal_content(),
    )
    .await?;
    let Some(&last) = batch.checkpoints.last() else {
        transaction.commit().await?;
        return Ok(None);
    };
    let read = batch.envelopes.len();
    projection
        .apply_decoded(&mut transaction, &recorded(&batch.envelopes, batch.events))
        .await?;
    checkpoint::save(&mut transaction, projection, last).await?;
    transaction.commit().await?;
    Ok(Some((last, read)))
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
    let unseal = group.iter().any(|(projection, _)| projection.reads_personal_content());
    let batch = read_batch(&mut *transaction, vault, from, BATCH_SIZE, unseal).await?;
    let Some(&last) = batch.checkpoints.last() else {
        return Ok(());
    };
    // Decoded once; each projection gets the suffix after its own checkpoint.
    let decoded_at: Vec<Checkpoint> = batch
        .events
        .iter()
        .map(|(index, _)| batch.checkpoints[*index])
        .collect();
    let decoded = recorded(&batch.envelopes, batch.events);
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
    // A rebuild that failed still builds the indexes it set aside, when it can; when it cannot
    // (the database went away), the next start does.
    if result.is_err() {
        let tables = tables_of(&projections);
        if let Err(error) = deferred::restore(&mut connection, Some(&tables)).await {
            tracing::warn!(%error, "the indexes a failed rebuild set aside are left for the next start to build");
        }
    }
    // Released on every path; a dropped connection would release them too.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock_all()")
        .execute(&mut *connection)
        .await;
    let read = result?;
    unlocked?;
    Ok(read)
}

/// A batch of the log, unsealed, with the events the projections know decoded (by index).
pub(crate) struct FetchedBatch {
    pub checkpoints: Vec<Checkpoint>,
    pub envelopes: Vec<hijraah_domain::Envelope>,
    pub events: Vec<(usize, hijraah_domain::Event)>,
}

impl FetchedBatch {
    /// Keeps the events this build knows, by the index of their envelope; passes over other
    /// features' types; a known type that fails to decode is an error at its position.
    pub(crate) fn of_known(
        batch: Vec<(
            Checkpoint,
            hijraah_domain::Envelope,
            Result<hijraah_domain::Event, hijraah_domain::DecodeError>,
        )>,
    ) -> Result<Self, ProjectionError> {
        let mut fetched = FetchedBatch {
            checkpoints: Vec::with_capacity(batch.len()),
            envelopes: Vec::with_capacity(batch.len()),
            events: Vec::with_capacity(batch.len()),
        };
        for (index, (checkpoint, envelope, event)) in batch.into_iter().enumerate() {
            match event {
                Ok(event) => fetched.events.push((index, event)),
                Err(hijraah_domain::DecodeError::UnknownType { .. }) => {}
                Err(source) => {
                    return Err(ProjectionError::Decode {
                        position: envelope.position,
                        source,
                    });
                }
            }
            fetched.checkpoints.push(checkpoint);
            fetched.envelopes.push(envelope);
        }
        Ok(fetched)
    }
}

/// The decoded events with their envelopes, as the projections take them.
pub(crate) fn recorded(
    envelopes: &[hijraah_domain::Envelope],
    events: Vec<(usize, hijraah_domain::Event)>,
) -> Vec<hijraah_projections::Recorded<'_>> {
    events
        .into_iter()
        .map(|(index, event)| hijraah_projections::Recorded {
            envelope: &envelopes[index],
            event,
        })
        .collect()
}

/// Reads up to `limit` events of the log after `from`, decodes those this build knows straight
/// from their stored text, and opens their personal fields when `unseal`.
async fn read_batch(
    connection: &mut sqlx::PgConnection,
    vault: &Vault,
    from: Checkpoint,
    limit: i64,
    unseal: bool,
) -> Result<FetchedBatch, ProjectorError> {
    let mut batch = FetchedBatch::of_known(read_decoded_on(&mut *connection, from, limit).await?)?;
    if unseal {
        vault
            .unseal_decoded(&mut *connection, &batch.envelopes, &mut batch.events)
            .await?;
    }
    Ok(batch)
}

/// [`read_batch`] on a connection of its own: the rebuild prepares the next batch while it
/// applies this one.
async fn fetch_batch(
    pool: PgPool,
    vault: Vault,
    from: Checkpoint,
    limit: i64,
    unseal: bool,
) -> Result<FetchedBatch, ProjectorError> {
    let mut connection = pool.acquire().await?;
    read_batch(&mut connection, &vault, from, limit, unseal).await
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
    hijraah_projections::reset_all(&mut transaction, projections).await?;
    // Their secondary indexes are built once the tables are full (`deferred`).
    deferred::defer(&mut transaction, &tables_of(projections)).await?;
    transaction.commit().await?;

    // The read models that take most of PostgreSQL's work each apply on a connection of their
    // own, concurrently, when the pool has room beside this connection and the reader's.
    let lanes = lanes(projections, pool.options().get_max_connections());
    let mut spare = Vec::with_capacity(lanes.len().saturating_sub(1));
    for _ in 1..lanes.len() {
        spare.push(pool.acquire().await?);
    }
    let mut connections: Vec<&mut sqlx::PgConnection> = Vec::with_capacity(lanes.len());
    connections.push(connection);
    connections.extend(spare.iter_mut().map(|connection| &mut **connection));

    let unseal = projections.iter().any(|projection| projection.reads_personal_content());
    let fetch = |from, limit| tokio::spawn(fetch_batch(pool.clone(), vault.clone(), from, limit, unseal));
    // The first batches are small, so applying starts early and overlaps reading sooner.
    let mut limit = REBUILD_FIRST_BATCH;
    let mut next = fetch(Checkpoint::START, limit);
    let mut read = 0u64;
    // Whether each lane's indexes are built again: at the end, or before an erasure, which
    // deletes a user's rows through them.
    let mut restored = vec![false; lanes.len()];
    loop {
        let batch = next.await.map_err(|error| ProjectorError::Task(error.to_string()))??;
        let Some(&last) = batch.checkpoints.last() else {
            // Each lane builds its tables' indexes on its own connection, side by side.
            let built =
                connections
                    .iter_mut()
                    .zip(&lanes)
                    .zip(&restored)
                    .map(|((connection, lane), done)| async move {
                        if !*done {
                            deferred::restore(connection, Some(&tables_of(lane))).await?;
                        }
                        Ok::<_, ProjectorError>(())
                    });
            futures_util::future::try_join_all(built).await?;
            return Ok(read);
        };
        let erasing = batch
            .events
            .iter()
            .any(|(_, event)| matches!(event, hijraah_domain::Event::UserErased(_)));
        // The next batch is read, unsealed and decoded while this one is applied.
        limit = (limit * 2).min(REBUILD_BATCH_SIZE);
        next = fetch(last, limit);
        let envelopes = batch.envelopes;
        let decoded = recorded(&envelopes, batch.events);
        // Each lane applies the batch and saves its projections' checkpoints in a transaction of
        // its own: a projection's rows and its checkpoint still move together.
        let applied = connections
            .iter_mut()
            .zip(&lanes)
            .zip(&mut restored)
            .map(|((connection, lane), done)| {
                let decoded = &decoded;
                async move {
                    if erasing && !*done {
                        deferred::restore(connection, Some(&tables_of(lane))).await?;
                        *done = true;
                    }
                    let mut transaction = connection.begin().await?;
                    for projection in lane {
                        projection.apply_decoded(&mut transaction, decoded).await?;
                    }
                    checkpoint::save_many(&mut transaction, lane, last).await?;
                    transaction.commit().await?;
                    Ok::<_, ProjectorError>(())
                }
            });
        futures_util::future::try_join_all(applied).await?;
        read += envelopes.len() as u64;
        // Freeing a batch (its JSON trees) is a tenth of the replay's own CPU: off this path.
        let events: Vec<_> = decoded.into_iter().map(|recorded| recorded.event).collect();
        tokio::task::spawn_blocking(move || drop((events, envelopes)));
    }
}

/// The read-model tables of `projections`.
fn tables_of(projections: &[Projection]) -> Vec<&'static str> {
    projections
        .iter()
        .flat_map(|projection| projection.tables())
        .copied()
        .collect()
}

/// Splits `projections` into lanes that apply concurrently: conversations and agent interactions
/// (the bulk of the rows) each alone, the rest together in the first lane. One lane when the pool
/// cannot spare the connections (the rebuild already holds one, and its reader another).
fn lanes(projections: &[Projection], max_connections: u32) -> Vec<Vec<Projection>> {
    let heavy = [Projection::Conversations, Projection::AgentInteractions];
    let mut lanes = vec![Vec::new()];
    for projection in projections {
        // This lane's connection, the others', the reader's, and one left for anyone else.
        if heavy.contains(projection) && max_connections > lanes.len() as u32 + 2 {
            lanes.push(vec![*projection]);
        } else {
            lanes[0].push(*projection);
        }
    }
    if lanes[0].is_empty() && lanes.len() > 1 {
        lanes.remove(0);
    }
    lanes
}

const REBUILD_BATCH_SIZE: i64 = 10_000;
const REBUILD_FIRST_BATCH: i64 = 1_250;

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

    /// Read-your-writes on the read side: waits until each of `projections` has applied every
    /// event committed before this call, on any server, at most `timeout`. A read of a read
    /// model calls it first, so a chat acknowledged by any server is in the conversation read
    /// right after it; the chat itself answers once its events are durable, without waiting for
    /// the read models (#27 item 3). Costs one indexed query for the log's head, and a wait only
    /// while the projector is behind. `false` if the wait timed out (the read goes on, as stale
    /// as the read model is).
    pub async fn wait_for_head(
        &self,
        pool: &PgPool,
        projections: &[Projection],
        timeout: Duration,
    ) -> Result<bool, StoreError> {
        let head = crate::store::postgres::head_on(pool).await?;
        let reached = {
            let progress = self.progress.borrow();
            projections
                .iter()
                .all(|projection| progress.get(projection).is_some_and(|at| *at >= head))
        };
        if reached {
            return Ok(true);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        for projection in projections {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !self.wait_for(*projection, head, left).await {
                tracing::warn!(
                    position = head.position,
                    ?projection,
                    "read model did not catch up with the log in time; reading it as it is"
                );
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Like [`Self::wait_for_head`] for one read model, but by the checkpoint stored with it
    /// rather than the progress this server has seen: a read model being rebuilt (emptied,
    /// its checkpoint set back to the start, the log applied again) is behind the log although
    /// the progress seen, which only moves forward, says otherwise. For a read that found
    /// nothing (a rare path: it polls). `false` if the wait timed out.
    pub async fn wait_for_stored(
        &self,
        pool: &PgPool,
        projection: Projection,
        timeout: Duration,
    ) -> Result<bool, StoreError> {
        let head = crate::store::postgres::head_on(pool).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let stored = {
                let mut connection = pool.acquire().await.map_err(StoreError::from)?;
                checkpoint::read(&mut connection, projection)
                    .await
                    .map_err(StoreError::from)?
            };
            if stored >= head {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    position = head.position,
                    ?projection,
                    "read model did not catch up with the log in time"
                );
                return Ok(false);
            }
            self.notifier.notify();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until `projection` has applied everything up to `checkpoint`, at most `timeout`.
    pub async fn wait_for(&self, projection: Projection, checkpoint: Checkpoint, timeout: Duration) -> bool {
        self.notifier.notify();
        let mut progress = self.progress.subscribe();
        let reached = progress.wait_for(|progress| progress.get(&projection).is_some_and(|at| *at >= checkpoint));
        matches!(tokio::time::timeout(timeout, reached).await, Ok(Ok(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuild_splits_the_heavy_read_models_into_lanes_only_when_the_pool_has_room() {
        use Projection::*;
        assert_eq!(
            lanes(&Projection::ALL, 20),
            vec![
                vec![Users, Analytics, Community, Checklists, CustomAgents, Workflows],
                vec![Conversations],
                vec![AgentInteractions],
            ]
        );
        assert_eq!(lanes(&Projection::ALL, 2), vec![Projection::ALL.to_vec()]);
        assert_eq!(lanes(&[Conversations], 20), vec![vec![Conversations]]);
        assert_eq!(
            lanes(&[Users, AgentInteractions], 4),
            vec![vec![Users], vec![AgentInteractions]]
        );
    }
}
