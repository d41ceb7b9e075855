//! Editions as the log records them: each is a stream `edition-{id}` whose latest
//! `KnowledgeEditionRecorded` is its whole state (what it is, and whether the agents may quote
//! it). Imports register the editions their documents name; curators describe them and decide
//! which ones are quoted.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hijraah_domain::editions::{self, Edition};
use hijraah_domain::events::KnowledgeEditionRecorded;
use hijraah_domain::knowledge::KnowledgeDocument;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use crate::store::{Checkpoint, EventStore, StoreError};

/// An edition as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    #[serde(flatten)]
    pub edition: Edition,
    /// Whether the agents may quote its texts.
    pub quotable: bool,
    /// Its stream's version: one more with each change (not shown: `version` is the edition's).
    #[serde(skip)]
    pub version: i64,
    pub recorded_at: DateTime<Utc>,
    /// Who last changed it.
    pub by: Option<String>,
    /// Why, when they said.
    pub reason: Option<String>,
}

/// Every edition recorded, by id.
pub async fn all(store: &EventStore) -> Result<BTreeMap<String, Recorded>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (stream_id) stream_version, data, metadata->>'actor' AS actor, recorded_at
         FROM events WHERE event_type = 'KnowledgeEditionRecorded'
         ORDER BY stream_id, position DESC",
    )
    .fetch_all(store.pool())
    .await?;
    let mut editions = BTreeMap::new();
    for row in rows {
        let data: Value = row.get("data");
        let recorded: KnowledgeEditionRecorded = match serde_json::from_value(data) {
            Ok(recorded) => recorded,
            Err(error) => {
                tracing::error!(%error, "undecodable edition event skipped");
                continue;
            }
        };
        editions.insert(
            recorded.edition.id.clone(),
            Recorded {
                edition: recorded.edition,
                quotable: recorded.quotable,
                version: row.get("stream_version"),
                recorded_at: row.get("recorded_at"),
                by: row.get("actor"),
                reason: Some(recorded.reason).filter(|reason| !reason.is_empty()),
            },
        );
    }
    Ok(editions)
}

#[derive(Debug, thiserror::Error)]
pub enum EditionError {
    #[error(transparent)]
    Invalid(#[from] editions::EditionError),
    #[error("the edition's id in the body (`{body}`) is not the one in the path (`{path}`)")]
    IdMismatch { body: String, path: String },
    #[error("the edition changed meanwhile; read it again and retry")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for EditionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { .. } => EditionError::Conflict,
            other => EditionError::Store(other),
        }
    }
}

/// Records `edition` with `quotable`, unless it already stands exactly so. Returns the edition
/// as it stands, and the checkpoint of the event when one was recorded.
pub async fn record(
    store: &EventStore,
    edition: Edition,
    quotable: bool,
    reason: &str,
    actor: &str,
    correlation_id: Option<&str>,
) -> Result<(Recorded, Option<Checkpoint>), EditionError> {
    let edition = edition.validated()?;
    let mut attempt = 0;
    loop {
        let current = all(store).await?.remove(&edition.id);
        if let Some(current) = &current
            && current.edition == edition
            && current.quotable == quotable
        {
            return Ok((current.clone(), None));
        }
        let version = current.as_ref().map_or(0, |current| current.version);
        let event = Event::KnowledgeEditionRecorded(KnowledgeEditionRecorded {
            edition: edition.clone(),
            quotable,
            reason: reason.trim().to_owned(),
        });
        let appends = [(
            Edition::stream_id(&edition.id),
            version,
            NewEvent::new(&event, EventMetadata::by(actor, correlation_id)),
        )];
        match store.append_to_streams(&appends).await {
            Ok(checkpoint) => {
                let recorded = Recorded {
                    edition,
                    quotable,
                    version: version + 1,
                    recorded_at: Utc::now(),
                    by: Some(actor.to_owned()),
                    reason: Some(reason.trim().to_owned()).filter(|reason| !reason.is_empty()),
                };
                return Ok((recorded, Some(checkpoint)));
            }
            Err(StoreError::Conflict { .. }) if attempt < 3 => attempt += 1,
            Err(other) => return Err(other.into()),
        }
    }
}

/// What one import knows of the editions its documents name.
#[derive(Debug, Default)]
pub struct Named {
    /// By id: the edition described in a record (`true`: given whole by the importer, so it
    /// updates what is recorded), or the corpus's default for its file (`false`: recorded only
    /// if the edition is new, so a curator's later changes stand), or nothing but the id.
    editions: HashMap<String, Option<(Edition, bool)>>,
    /// A language for an edition known only by id: its first document's.
    languages: HashMap<String, String>,
}

impl Named {
    /// Notes the edition that a parsed record and its document name.
    pub fn note(&mut self, record: &Value, document: &KnowledgeDocument) {
        let Some(id) = document.edition.clone() else {
            return;
        };
        let described = match editions::named_in(record) {
            Ok(Some(editions::Named::Whole(edition))) => Some((edition, true)),
            _ => editions::corpus_default(record)
                .filter(|edition| edition.id == id)
                .map(|edition| (edition, false)),
        };
        self.languages
            .entry(id.clone())
            .or_insert_with(|| document.lang.clone());
        let entry = self.editions.entry(id).or_default();
        match (&entry, described) {
            // What the importer gave whole wins over a default or a bare id.
            (Some((_, true)), _) | (_, None) => {}
            (_, described) => *entry = described,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.editions.is_empty()
    }
}

/// Records the editions an import names that are new, and those it gives whole that changed.
/// A new edition is quotable. Returns how many were recorded.
pub async fn register(store: &EventStore, named: &Named, actor: &str) -> Result<u64, EditionError> {
    if named.is_empty() {
        return Ok(0);
    }
    let current = all(store).await?;
    let mut recorded = 0;
    for (id, described) in &named.editions {
        let standing = current.get(id);
        let edition = match (described, standing) {
            (Some((edition, true)), Some(standing)) if &standing.edition != edition => edition.clone(),
            (_, Some(_)) => continue,
            (Some((edition, _)), None) => edition.clone(),
            (None, None) => Edition::undescribed(id, named.languages.get(id).map(String::as_str).unwrap_or("en")),
        };
        let quotable = standing.is_none_or(|standing| standing.quotable);
        if record(store, edition, quotable, "", actor, None).await?.1.is_some() {
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// Every edition recorded, by id, as read at one moment.
pub type Editions = Arc<BTreeMap<String, Recorded>>;

/// The editions as the agents see them, read from the log at most every few seconds, so a
/// curator's change on any server reaches every server's agents within that time.
pub struct Cache {
    store: EventStore,
    read: Mutex<Option<(Instant, Editions)>>,
}

/// How long the agents go on with what they read.
const FRESH: Duration = Duration::from_secs(2);

impl Cache {
    pub fn new(store: EventStore) -> Self {
        Self {
            store,
            read: Mutex::new(None),
        }
    }

    pub async fn get(&self) -> Result<Editions, StoreError> {
        if let Some((at, editions)) = self
            .read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            && at.elapsed() < FRESH
        {
            return Ok(editions.clone());
        }
        let editions = Arc::new(all(&self.store).await?);
        *self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((Instant::now(), editions.clone()));
        Ok(editions)
    }

    /// Forgets what was read (after a change made here), so the next reader sees it at once.
    pub fn invalidate(&self) {
        *self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
