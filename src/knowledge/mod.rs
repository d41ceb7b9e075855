//! The knowledge store: texts as events ([`import`]), the search index as their projection, and
//! zero-downtime reindexing.
//!
//! The index keeps the log checkpoint it has applied in its own commit payload, so a restart
//! resumes there. A reindex folds every knowledge event into the documents' latest versions,
//! builds a new index generation from them in parallel, then swaps it in: searches keep being
//! answered by the old index until the swap, and the live indexer carries on from the new one's
//! checkpoint.

pub mod corrections;
pub mod editions;
pub mod feed;
pub mod import;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hijraah_domain::grades::Grade;
use hijraah_domain::knowledge::KnowledgeDocument;
use hijraah_domain::{Envelope, Event};
use hijraah_index::{Change, Generations, Hit, IndexError, KnowledgeIndex, SearchRequest, SearchResults};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::store::{Checkpoint, EventStore, LogFollower, LogNotifier, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the index task failed: {0}")]
    Task(String),
    #[error("a reindex is already running")]
    ReindexRunning,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexJob {
    pub job_id: Uuid,
    pub status: JobStatus,
    /// Documents written to the new index so far, of `total`.
    pub processed: u64,
    pub total: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// What a reindex built.
#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    pub documents: u64,
    pub events: u64,
    pub seconds: f64,
    pub generation: String,
}

fn truncated(mut results: SearchResults, limit: usize) -> SearchResults {
    results.hits.truncate(limit);
    results
}

fn payload(checkpoint: Checkpoint) -> String {
    format!(r#"{{"tx_id":{},"position":{}}}"#, checkpoint.tx_id, checkpoint.position)
}

fn parse_payload(payload: Option<String>) -> Checkpoint {
    let value: serde_json::Value = payload
        .and_then(|payload| serde_json::from_str(&payload).ok())
        .unwrap_or_default();
    Checkpoint {
        tx_id: value["tx_id"].as_i64().unwrap_or(0),
        position: value["position"].as_i64().unwrap_or(0),
    }
}

/// What every knowledge event's type starts with.
const KNOWLEDGE_EVENTS: &str = "KnowledgeDocument";

/// The index changes a batch of events makes, in order.
fn changes(batch: &[Envelope]) -> Vec<Change> {
    batch
        .iter()
        .filter(|envelope| envelope.event_type.starts_with(KNOWLEDGE_EVENTS))
        .filter_map(|envelope| match envelope.decode() {
            Ok(Event::KnowledgeDocumentAdded(added)) => Some(Change::Upsert {
                document: Box::new(added.document),
                revision: envelope.stream_version as u64,
            }),
            Ok(Event::KnowledgeDocumentRevised(revised)) => Some(Change::Upsert {
                document: Box::new(revised.document),
                revision: envelope.stream_version as u64,
            }),
            Ok(Event::KnowledgeDocumentRetracted(retracted)) => Some(Change::Delete(retracted.id)),
            Ok(Event::KnowledgeDocumentGraded(graded)) => Some(Change::Grade {
                id: graded.id,
                grade: graded.grade,
                revision: envelope.stream_version as u64,
            }),
            Ok(_) => None,
            Err(error) => {
                tracing::error!(position = envelope.position, error = %error, "undecodable knowledge event skipped");
                None
            }
        })
        .collect()
}

pub struct KnowledgeService {
    store: EventStore,
    notifier: LogNotifier,
    generations: Generations,
    writable: bool,
    current: RwLock<(String, Arc<KnowledgeIndex>)>,
    indexed: watch::Sender<Checkpoint>,
    jobs: Mutex<HashMap<Uuid, ReindexJob>>,
    reindexing: AtomicBool,
    /// The sentence encoder and the texts' vectors, when the server runs them.
    semantic: OnceLock<Arc<crate::semantic::SemanticService>>,
    /// The editions, and which ones the agents may quote.
    editions: editions::Cache,
}

/// Candidates each ranking gives the fusion.
const HYBRID_CANDIDATES: usize = 40;

impl KnowledgeService {
    /// Opens the live generation under `root`. `writable`: this process applies events to it
    /// (the server); otherwise it only searches (the CLI beside a running server).
    pub fn open(
        store: EventStore,
        notifier: LogNotifier,
        root: PathBuf,
        writable: bool,
    ) -> Result<Arc<Self>, KnowledgeError> {
        let generations = Generations::new(root);
        let dir = generations.current()?;
        let index = match KnowledgeIndex::open(&dir, writable) {
            // An index built by an older version: start a new generation, which the live indexer
            // fills from the log (it is a projection), instead of writing fields it lacks.
            Err(IndexError::OutdatedSchema) if writable => {
                tracing::warn!(dir = %dir.display(), "the search index was built by an older version; rebuilding it from the log");
                let fresh = generations.next();
                let index = KnowledgeIndex::open(&fresh, true)?;
                generations.promote(&fresh)?;
                index
            }
            other => other?,
        };
        let checkpoint = parse_payload(index.checkpoint_payload());
        let (indexed, _) = watch::channel(checkpoint);
        let name = generations.current_name().unwrap_or_default();
        if writable && let Err(error) = generations.remove_stale(&[]) {
            tracing::warn!(error = %error, "old index generations not removed");
        }
        let editions = editions::Cache::new(store.clone());
        Ok(Arc::new(Self {
            store,
            notifier,
            generations,
            writable,
            current: RwLock::new((name, Arc::new(index))),
            indexed,
            jobs: Mutex::new(HashMap::new()),
            reindexing: AtomicBool::new(false),
            semantic: OnceLock::new(),
            editions,
        }))
    }

    /// The editions as the agents see them (re-read from the log every few seconds).
    pub fn editions(&self) -> &editions::Cache {
        &self.editions
    }

    pub fn index(&self) -> Arc<KnowledgeIndex> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
            .clone()
    }

    fn swap(&self, name: String, index: Arc<KnowledgeIndex>) {
        let checkpoint = parse_payload(index.checkpoint_payload());
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = (name, index);
        self.indexed.send_replace(checkpoint);
    }

    /// Promotes a generation built here and serves it, as one step for the follower: under the
    /// lock on `current`, so it never sees the new generation promoted but not yet served (and
    /// takes it for another process's, whose directory our writer still holds).
    fn promote_and_swap(&self, name: String, index: Arc<KnowledgeIndex>) -> Result<(), KnowledgeError> {
        let checkpoint = parse_payload(index.checkpoint_payload());
        let mut current = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generations.promote(index.dir())?;
        *current = (name, index);
        drop(current);
        self.indexed.send_replace(checkpoint);
        Ok(())
    }

    /// Whether another process promoted a generation this one does not serve yet.
    fn promoted_elsewhere(&self) -> bool {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generations
            .current_name()
            .is_some_and(|promoted| promoted != current.0)
    }

    /// Gives search the sentence encoder and the vectors (once; the server does it at start).
    pub fn attach_semantic(&self, semantic: Arc<crate::semantic::SemanticService>) {
        let _ = self.semantic.set(semantic);
    }

    pub fn semantic(&self) -> Option<&Arc<crate::semantic::SemanticService>> {
        self.semantic.get()
    }

    /// Search: by words and by meaning, fused, once the encoder's vectors are ready; by words
    /// alone before then, and with no model. Each hit with a vector carries its cosine to the
    /// query (`similarity`).
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResults, KnowledgeError> {
        let Some(semantic) = self.semantic.get().filter(|semantic| semantic.ready()).cloned() else {
            return self.search_lexical(request).await;
        };
        let limit = request.limit;
        let source = request.source.clone();
        let collection = request.collection.clone();
        let query = request.query.clone();
        let tuning = crate::semantic::tuning();
        // A question recognised as a situation is embedded in its answer's words, as it is
        // searched in them (`hijraah_index::query::situation_answer`).
        let asked = match hijraah_index::query::situation_answer(&query) {
            Some(answer) => answer,
            None if tuning.embed_topic => hijraah_index::query::meaning_of(&query),
            None => query.clone(),
        };
        // By words and by meaning at once, each on its own blocking thread: the flat scan (and a
        // new query's embedding) no longer waits for the lexical search to finish. The scan keeps
        // enough candidates for a query that asks for one source to take its own from them.
        let surah = request.surah;
        let by_meaning = {
            let semantic = semantic.clone();
            async move {
                let vector = semantic.query_vector(&asked).await?;
                let scanned = vector.clone();
                let nearest = tokio::task::spawn_blocking(move || match surah {
                    // Within one surah: its verses by meaning (at most 286 cosines), not the
                    // nearest of the whole corpus, where its verses may not be.
                    Some(surah) => {
                        let to = hijraah_index::query::names::Names::get()
                            .surah(surah)
                            .map_or(0, |named| named.verses);
                        let verses = hijraah_index::query::names::Verses { surah, from: 1, to };
                        let mut nearest: Vec<(String, f32)> = verses
                            .ids()
                            .filter_map(|id| semantic.similarity(&scanned, &id).map(|similarity| (id, similarity)))
                            .collect();
                        nearest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                        nearest
                    }
                    None => semantic.nearest(&scanned, HYBRID_CANDIDATES * 4),
                })
                .await
                .ok()?;
                Some((vector, nearest))
            }
        };
        let (lexical, by_meaning) = tokio::join!(
            self.search_lexical(SearchRequest {
                limit: limit.max(HYBRID_CANDIDATES),
                ..request
            }),
            by_meaning
        );
        let lexical = lexical?;
        let Some((query_vector, nearest)) = by_meaning else {
            return Ok(truncated(lexical, limit));
        };
        // A query that asks for the Qur'an or for hadith in its words ("hadith about anger",
        // "verses on patience") gets that source by meaning too, as it does by words.
        let hinted = source
            .is_none()
            .then(|| hijraah_index::query::source_hint(&query))
            .flatten()
            .filter(|hinted| lexical.hits.iter().any(|hit| hit.source == *hinted));
        // Every text the scan found, in order, before the fusion takes its candidates: a hit's
        // rank in the library by meaning.
        let nearest_ranks: Vec<String> = nearest
            .iter()
            .filter(|(id, _)| {
                !id.contains('.') && hinted.is_none_or(|hinted| id.starts_with("quran:") == (hinted == "quran"))
            })
            .map(|(id, _)| id.clone())
            .collect();
        let nearest: Vec<(String, f32)> = nearest
            .into_iter()
            .filter(|(id, _)| hinted.is_none_or(|hinted| id.starts_with("quran:") == (hinted == "quran")))
            .take(HYBRID_CANDIDATES)
            .collect();
        let arabic = hijraah_index::arabic::has_arabic(&query);
        let meaning_weight = if arabic {
            tuning.arabic_meaning_weight
        } else {
            tuning.meaning_weight
        };
        let mut fused: HashMap<String, f32> = HashMap::new();
        // What the query names outright ("2:255") stays first, in its own order.
        let named: Vec<&Hit> = lexical
            .hits
            .iter()
            .filter(|hit| (hit.score - hijraah_index::NAMED_SCORE).abs() < f32::EPSILON)
            .collect();
        for (rank, hit) in lexical.hits.iter().enumerate() {
            *fused.entry(hit.id.clone()).or_default() += 1.0 / (tuning.fusion_k + rank as f32 + 1.0);
        }
        for (rank, (id, _)) in nearest.iter().enumerate() {
            *fused.entry(id.clone()).or_default() += meaning_weight / (tuning.fusion_k + rank as f32 + 1.0);
        }
        let mut order: Vec<(String, f32)> = fused.into_iter().collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut by_id: HashMap<String, Hit> = lexical.hits.iter().map(|hit| (hit.id.clone(), hit.clone())).collect();
        let mut hits: Vec<Hit> = named.into_iter().cloned().collect();
        for (id, _) in order {
            if hits.len() >= limit {
                break;
            }
            if hits.iter().any(|hit| hit.id == id) {
                continue;
            }
            let hit = match by_id.remove(&id) {
                Some(hit) => hit,
                None => match self.get(id.clone()).await? {
                    Some(hit) => Hit { score: 0.0, ..hit },
                    // Retracted since it was embedded.
                    None => continue,
                },
            };
            let wanted = source.as_deref().is_none_or(|source| source == hit.source)
                && collection
                    .as_deref()
                    .is_none_or(|collection| collection == hit.collection);
            if wanted {
                hits.push(hit);
            }
        }
        let ranks: HashMap<&str, u32> = nearest_ranks
            .iter()
            .enumerate()
            .map(|(rank, id)| (id.as_str(), rank as u32 + 1))
            .collect();
        for hit in &mut hits {
            hit.similarity = semantic.similarity(&query_vector, &hit.id);
            hit.meaning_rank = ranks.get(hit.id.as_str()).copied();
        }
        Ok(SearchResults {
            query: lexical.query,
            total: lexical.total.max(hits.len()),
            hits,
        })
    }

    /// Search by words alone (BM25 with the query's expansions).
    pub async fn search_lexical(&self, request: SearchRequest) -> Result<SearchResults, KnowledgeError> {
        let index = self.index();
        tokio::task::spawn_blocking(move || index.search(&request))
            .await
            .map_err(|error| KnowledgeError::Task(error.to_string()))?
            .map_err(Into::into)
    }

    pub async fn get(&self, id: String) -> Result<Option<Hit>, KnowledgeError> {
        let index = self.index();
        tokio::task::spawn_blocking(move || index.get(&id))
            .await
            .map_err(|error| KnowledgeError::Task(error.to_string()))?
            .map_err(Into::into)
    }

    /// Waits until the index has applied the log up to `checkpoint`, at most `timeout`.
    pub async fn wait_indexed(&self, checkpoint: Checkpoint, timeout: Duration) -> bool {
        self.notifier.notify();
        let mut indexed = self.indexed.subscribe();
        matches!(
            tokio::time::timeout(timeout, indexed.wait_for(|at| *at >= checkpoint)).await,
            Ok(Ok(_))
        )
    }

    async fn apply(
        &self,
        index: &Arc<KnowledgeIndex>,
        changes: Vec<Change>,
        checkpoint: Checkpoint,
    ) -> Result<(), KnowledgeError> {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.apply(&changes, &payload(checkpoint)))
            .await
            .map_err(|error| KnowledgeError::Task(error.to_string()))??;
        self.indexed.send_replace(checkpoint);
        Ok(())
    }

    /// Whether the live index has applied every knowledge event in the log. A generation being
    /// filled from the log (a new server's, or one rebuilt for a new schema) has not: what it
    /// lacks is not yet indexed, not retracted.
    pub async fn caught_up(&self) -> Result<bool, KnowledgeError> {
        // From what the indexer last published (it moves past other events without a commit),
        // look for a knowledge event it has not applied; a long way behind counts as behind.
        let mut from = *self.indexed.borrow();
        for _ in 0..20 {
            let batch = self.store.read_all_with_data_of(from, 2_000, KNOWLEDGE_EVENTS).await?;
            if batch
                .iter()
                .any(|(_, envelope)| envelope.event_type.starts_with(KNOWLEDGE_EVENTS))
            {
                return Ok(false);
            }
            match batch.last() {
                Some((last, _)) if batch.len() == 2_000 => from = *last,
                _ => return Ok(true),
            }
        }
        Ok(false)
    }

    /// Applies every knowledge event after the index's checkpoint, once (the CLI, or a test).
    pub async fn catch_up(&self) -> Result<u64, KnowledgeError> {
        let index = self.index();
        let mut from = parse_payload(index.checkpoint_payload());
        let mut applied = 0;
        loop {
            let batch = self.store.read_all_with_data_of(from, 5_000, KNOWLEDGE_EVENTS).await?;
            let Some((last, _)) = batch.last() else {
                return Ok(applied);
            };
            let last = *last;
            let envelopes: Vec<Envelope> = batch.into_iter().map(|(_, envelope)| envelope).collect();
            let changes = changes(&envelopes);
            applied += changes.len() as u64;
            self.apply(&index, changes, last).await?;
            from = last;
        }
    }

    /// The live projection: follows the log and applies knowledge events to the current index,
    /// moving to a new generation when a reindex (here or in another process) swaps one in.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            if let Err(error) = self.follow(&shutdown).await {
                tracing::error!(error = %error, "knowledge indexer failed, restarting");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    }

    async fn follow(&self, shutdown: &CancellationToken) -> Result<(), KnowledgeError> {
        let index = self.index();
        let from = parse_payload(index.checkpoint_payload());
        let mut follower = LogFollower::new(self.store.clone(), &self.notifier, from)
            .with_batch_size(2_000)
            .with_data_of(KNOWLEDGE_EVENTS);
        let mut skipped_since_commit = 0usize;
        loop {
            if !Arc::ptr_eq(&index, &self.index()) {
                // A reindex in this process swapped in a new index: follow it from its checkpoint.
                return Ok(());
            }
            if self.promoted_elsewhere() {
                // Another process promoted a new generation: open it and follow from its checkpoint.
                let dir = self.generations.current()?;
                let reopened = KnowledgeIndex::open(&dir, self.writable)?;
                self.swap(self.generations.current_name().unwrap_or_default(), Arc::new(reopened));
                return Ok(());
            }
            let batch = match tokio::time::timeout(Duration::from_secs(2), follower.next_batch(shutdown)).await {
                Err(_elapsed) => continue,
                Ok(Ok(Some(batch))) => batch,
                Ok(Ok(None)) => return Ok(()),
                Ok(Err(error)) => return Err(error.into()),
            };
            if !Arc::ptr_eq(&index, &self.index()) || self.promoted_elsewhere() {
                // A new generation came while we waited for this batch: it applies the batch, so
                // a change acknowledged now is never in the old generation only.
                continue;
            }
            let changes = changes(&batch);
            let checkpoint = follower.checkpoint();
            if changes.is_empty() && skipped_since_commit < 10_000 {
                // Nothing for the index: move the published checkpoint, commit later.
                skipped_since_commit += batch.len();
                self.indexed.send_replace(checkpoint);
                continue;
            }
            skipped_since_commit = 0;
            if !Arc::ptr_eq(&index, &self.index()) {
                return Ok(());
            }
            self.apply(&index, changes, checkpoint).await?;
        }
    }

    /// Rebuilds the index from the log into a new generation and swaps it in. `progress` gets
    /// (documents written, documents in all).
    pub async fn reindex(
        &self,
        progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
    ) -> Result<ReindexReport, KnowledgeError> {
        let started = std::time::Instant::now();
        // Each document's latest version, its curators' grades and its revision (None: retracted).
        let mut latest: HashMap<String, Option<(KnowledgeDocument, Vec<Grade>, u64)>> = HashMap::new();
        let mut from = Checkpoint::START;
        let mut events = 0u64;
        loop {
            let batch = self.store.read_all_with_data_of(from, 10_000, KNOWLEDGE_EVENTS).await?;
            let Some((last, _)) = batch.last() else { break };
            from = *last;
            let envelopes: Vec<Envelope> = batch.into_iter().map(|(_, envelope)| envelope).collect();
            for change in changes(&envelopes) {
                events += 1;
                match change {
                    Change::Upsert { document, revision } => {
                        let kept = latest
                            .remove(&document.id)
                            .flatten()
                            .map(|(_, annotations, _)| annotations)
                            .unwrap_or_default();
                        latest.insert(document.id.clone(), Some((*document, kept, revision)));
                    }
                    Change::Delete(id) => {
                        latest.insert(id, None);
                    }
                    // The same rules as the live index ([`KnowledgeIndex::apply`]).
                    Change::Grade { id, grade, revision } => {
                        if let Some(Some((_, annotations, at))) = latest.get_mut(&id)
                            && !annotations.contains(&grade)
                        {
                            annotations.push(grade);
                            *at = revision;
                        }
                    }
                }
            }
        }
        let mut annotations: HashMap<String, Vec<Grade>> = HashMap::new();
        let mut revisions: HashMap<String, u64> = HashMap::with_capacity(latest.len());
        let documents: Vec<KnowledgeDocument> = latest
            .into_values()
            .flatten()
            .map(|(document, graded, revision)| {
                if !graded.is_empty() {
                    annotations.insert(document.id.clone(), graded);
                }
                revisions.insert(document.id.clone(), revision);
                document
            })
            .collect();
        let total = documents.len() as u64;
        progress(0, total);
        let dir = self.generations.next();
        let checkpoint = from;
        let report_progress = progress.clone();
        let built = tokio::task::spawn_blocking(move || {
            KnowledgeIndex::build_graded(
                &dir,
                &documents,
                &annotations,
                &revisions,
                &payload(checkpoint),
                &|done| report_progress(done as u64, total),
            )
        })
        .await
        .map_err(|error| KnowledgeError::Task(error.to_string()))??;
        let generation = built
            .dir()
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if self.writable {
            self.promote_and_swap(generation.clone(), Arc::new(built))?;
        } else {
            // A server beside us opens the new generation with its own writer: release ours
            // before it can see it.
            let new_dir = built.dir().to_path_buf();
            drop(built);
            self.generations.promote(&new_dir)?;
        }
        progress(total, total);
        if !self.writable {
            // A server beside us still serves the old generation: it removes it itself.
            return Ok(ReindexReport {
                documents: total,
                events,
                seconds: started.elapsed().as_secs_f64(),
                generation,
            });
        }
        // The old index may still be finishing a merge or serving a search: retry its removal
        // for a while, so a finished reindex has left one generation on disk.
        for attempt in 0..20 {
            match self.generations.remove_stale(&[]) {
                Ok(()) => break,
                Err(error) if attempt == 19 => {
                    tracing::warn!(error = %error, "old index generations not removed");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
        Ok(ReindexReport {
            documents: total,
            events,
            seconds: started.elapsed().as_secs_f64(),
            generation,
        })
    }

    /// Starts a reindex in the background; its progress is readable with [`Self::job`].
    pub fn start_reindex(self: &Arc<Self>) -> Result<Uuid, KnowledgeError> {
        if self.reindexing.swap(true, Ordering::SeqCst) {
            return Err(KnowledgeError::ReindexRunning);
        }
        let job_id = Uuid::now_v7();
        let job = ReindexJob {
            job_id,
            status: JobStatus::Running,
            processed: 0,
            total: 0,
            started_at: Utc::now(),
            finished_at: None,
            error: None,
        };
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id, job);
        let service = self.clone();
        tokio::spawn(async move {
            let tracker = service.clone();
            let progress: Arc<dyn Fn(u64, u64) + Send + Sync> = Arc::new(move |processed, total| {
                if let Some(job) = tracker.jobs.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&job_id) {
                    job.processed = processed;
                    job.total = total;
                }
            });
            let result = service.reindex(progress).await;
            if let Some(job) = service.jobs.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&job_id) {
                job.finished_at = Some(Utc::now());
                match result {
                    Ok(_) => job.status = JobStatus::Completed,
                    Err(error) => {
                        tracing::error!(error = %error, "reindex failed");
                        job.status = JobStatus::Failed;
                        job.error = Some("the reindex failed; see the server log".to_owned());
                    }
                }
            }
            service.reindexing.store(false, Ordering::SeqCst);
        });
        Ok(job_id)
    }

    pub fn job(&self, job_id: Uuid) -> Option<ReindexJob> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&job_id)
            .cloned()
    }
}
