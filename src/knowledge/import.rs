//! Importing and retracting texts. Every change is decided against the log itself (the latest
//! event of each document's stream), so re-importing an unchanged document records nothing and a
//! changed one becomes a revision, whatever the index has caught up with.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use hijraah_domain::events::{
    KnowledgeDocumentAdded, KnowledgeDocumentGraded, KnowledgeDocumentRetracted, KnowledgeDocumentRevised,
};
use hijraah_domain::grades::Grade;
use hijraah_domain::knowledge::KnowledgeDocument;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde::Serialize;
use sqlx::Row;

use crate::store::{Checkpoint, EventStore, StoreError};

/// Documents per append: large enough to be fast, small enough to keep transactions short.
pub const BATCH: usize = 2_000;

#[derive(Debug, Default, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub added: u64,
    pub revised: u64,
    pub unchanged: u64,
    /// Editions recorded: new ones the documents name, and ones given whole that changed.
    pub editions_recorded: u64,
}

impl ImportCounts {
    pub fn add(&mut self, other: &ImportCounts) {
        self.added += other.added;
        self.revised += other.revised;
        self.unchanged += other.unchanged;
        self.editions_recorded += other.editions_recorded;
    }
}

/// A line that could not be imported, with where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Malformed {
    pub file: String,
    pub line: u64,
    pub error: String,
}

struct Latest {
    version: i64,
    retracted: bool,
    /// The content hash and source of the latest version of the text (grades do not change it).
    content_hash: Option<String>,
    source: Option<String>,
}

async fn latest(store: &EventStore, stream_ids: &[String]) -> Result<HashMap<String, Latest>, StoreError> {
    let rows = sqlx::query(
        "SELECT stream_id, max(stream_version) AS stream_version,
                (array_agg(event_type ORDER BY stream_version DESC)
                    FILTER (WHERE event_type <> 'KnowledgeDocumentGraded'))[1] AS event_type,
                (array_agg(data->>'content_hash' ORDER BY stream_version DESC)
                    FILTER (WHERE event_type IN ('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised')))[1] AS content_hash,
                (array_agg(data->'document'->>'source' ORDER BY stream_version DESC)
                    FILTER (WHERE event_type IN ('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised')))[1] AS source
         FROM events WHERE stream_id = ANY($1) GROUP BY stream_id",
    )
    .bind(stream_ids)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let event_type: Option<String> = row.get("event_type");
            let latest = Latest {
                version: row.get("stream_version"),
                retracted: event_type.as_deref() == Some("KnowledgeDocumentRetracted"),
                content_hash: row.get("content_hash"),
                source: row.get("source"),
            };
            (row.get("stream_id"), latest)
        })
        .collect())
}

/// Adds or revises `documents` (the last of equal ids wins). Returns the counts and the checkpoint
/// of the last event appended, if any was.
pub async fn import_documents(
    store: &EventStore,
    documents: Vec<KnowledgeDocument>,
    actor: &str,
    correlation_id: Option<&str>,
) -> Result<(ImportCounts, Option<Checkpoint>), StoreError> {
    let mut by_id: HashMap<String, KnowledgeDocument> = HashMap::with_capacity(documents.len());
    for document in documents {
        by_id.insert(document.id.clone(), document);
    }
    let documents: Vec<KnowledgeDocument> = by_id.into_values().collect();
    let stream_ids: Vec<String> = documents.iter().map(|d| KnowledgeDocument::stream_id(&d.id)).collect();
    let mut attempt = 0;
    loop {
        let current = latest(store, &stream_ids).await?;
        let mut counts = ImportCounts::default();
        let mut appends = Vec::new();
        for (document, stream_id) in documents.iter().zip(&stream_ids) {
            let content_hash = document.content_hash();
            let event = match current.get(stream_id) {
                None => {
                    counts.added += 1;
                    Event::KnowledgeDocumentAdded(KnowledgeDocumentAdded {
                        document: document.clone(),
                        content_hash,
                    })
                }
                Some(latest) if !latest.retracted && latest.content_hash.as_deref() == Some(content_hash.as_str()) => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => {
                    counts.revised += 1;
                    Event::KnowledgeDocumentRevised(KnowledgeDocumentRevised {
                        document: document.clone(),
                        content_hash,
                    })
                }
            };
            let version = current.get(stream_id).map_or(0, |latest| latest.version);
            appends.push((
                stream_id.clone(),
                version,
                NewEvent::new(&event, EventMetadata::by(actor, correlation_id)),
            ));
        }
        if appends.is_empty() {
            return Ok((counts, None));
        }
        match store.append_to_streams(&appends).await {
            Ok(checkpoint) => return Ok((counts, Some(checkpoint))),
            // Another curator changed one of these documents meanwhile: decide again.
            Err(StoreError::Conflict { .. }) if attempt < 3 => attempt += 1,
            Err(other) => return Err(other),
        }
    }
}

/// A document's own latest text (without curators' grades) and its stream's version; `None`
/// when there is no such document or it is retracted.
pub async fn own_document(store: &EventStore, id: &str) -> Result<Option<(KnowledgeDocument, i64)>, StoreError> {
    let stream_id = KnowledgeDocument::stream_id(id);
    let current = latest(store, std::slice::from_ref(&stream_id)).await?;
    let Some(latest) = current.get(&stream_id).filter(|latest| !latest.retracted) else {
        return Ok(None);
    };
    let data: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT data->'document' FROM events
         WHERE stream_id = $1 AND event_type IN ('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised')
         ORDER BY position DESC LIMIT 1",
    )
    .bind(&stream_id)
    .fetch_optional(store.pool())
    .await?;
    Ok(data
        .and_then(|data| serde_json::from_value::<KnowledgeDocument>(data).ok())
        .map(|document| (document, latest.version)))
}

/// Records a corrected text as a revision: `proposed_by` made it, `approved_by` approved it,
/// for `reason`. `expected` is the stream's version it was read at; `event_id` makes a retried
/// attempt record nothing new.
pub async fn record_correction(
    store: &EventStore,
    document: KnowledgeDocument,
    expected: i64,
    proposed_by: &str,
    approved_by: &str,
    reason: &str,
    event_id: uuid::Uuid,
) -> Result<Checkpoint, StoreError> {
    let stream_id = KnowledgeDocument::stream_id(&document.id);
    let content_hash = document.content_hash();
    let event = Event::KnowledgeDocumentRevised(KnowledgeDocumentRevised { document, content_hash });
    let mut metadata = EventMetadata::by(proposed_by, None);
    metadata.extra.insert("approved_by".into(), approved_by.into());
    metadata.extra.insert("reason".into(), reason.into());
    let mut new_event = NewEvent::new(&event, metadata);
    new_event.event_id = event_id;
    store.append_to_streams(&[(stream_id, expected, new_event)]).await
}

#[derive(Debug, thiserror::Error)]
pub enum RetractError {
    #[error("no such document")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Withdraws a document: it will no longer be found or quoted.
pub async fn retract(
    store: &EventStore,
    id: &str,
    actor: &str,
    reason: &str,
    correlation_id: Option<&str>,
) -> Result<Checkpoint, RetractError> {
    let stream_id = KnowledgeDocument::stream_id(id);
    let current = latest(store, std::slice::from_ref(&stream_id)).await?;
    let Some(latest) = current.get(&stream_id).filter(|latest| !latest.retracted) else {
        return Err(RetractError::NotFound);
    };
    let event = Event::KnowledgeDocumentRetracted(KnowledgeDocumentRetracted {
        id: id.to_owned(),
        reason: reason.to_owned(),
    });
    let appends = [(
        stream_id,
        latest.version,
        NewEvent::new(&event, EventMetadata::by(actor, correlation_id)),
    )];
    Ok(store.append_to_streams(&appends).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error("no such document")]
    NotFound,
    #[error("only hadith are graded; `{0}` is not a hadith")]
    NotAHadith(String),
    #[error(transparent)]
    Invalid(#[from] hijraah_domain::grades::GradeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records a grader's verdict on a hadith. Recording a grade it already carries changes nothing
/// (the index keeps one of each), so a retried request is harmless.
pub async fn grade(
    store: &EventStore,
    id: &str,
    grade: Grade,
    actor: &str,
    correlation_id: Option<&str>,
) -> Result<Checkpoint, GradeError> {
    let grade = grade.validated()?;
    let stream_id = KnowledgeDocument::stream_id(id);
    let mut attempt = 0;
    loop {
        let current = latest(store, std::slice::from_ref(&stream_id)).await?;
        let Some(latest) = current.get(&stream_id).filter(|latest| !latest.retracted) else {
            return Err(GradeError::NotFound);
        };
        if latest.source.as_deref() != Some("hadith") {
            return Err(GradeError::NotAHadith(id.to_owned()));
        }
        let event = Event::KnowledgeDocumentGraded(KnowledgeDocumentGraded {
            id: id.to_owned(),
            grade: grade.clone(),
        });
        let appends = [(
            stream_id.clone(),
            latest.version,
            NewEvent::new(&event, EventMetadata::by(actor, correlation_id)),
        )];
        match store.append_to_streams(&appends).await {
            Ok(checkpoint) => return Ok(checkpoint),
            Err(StoreError::Conflict { .. }) if attempt < 3 => attempt += 1,
            Err(other) => return Err(other.into()),
        }
    }
}

/// Reads a JSON Lines file and imports it in batches. A malformed line is reported with its
/// file and line number and skipped; the rest still imports. `progress` gets bytes read.
pub async fn import_file(
    store: &EventStore,
    path: &Path,
    actor: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImportCounts, Vec<Malformed>), anyhow::Error> {
    let file = std::fs::File::open(path).map_err(|error| anyhow::anyhow!("cannot open {}: {error}", path.display()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let name = path.display().to_string();
    let mut counts = ImportCounts::default();
    let mut malformed = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut line_number = 0u64;
    let mut line = String::new();
    let mut named = super::editions::Named::default();
    loop {
        line.clear();
        let read = match reader.read_line(&mut line) {
            Ok(read) => read,
            Err(error) => {
                // Not UTF-8, for instance: report the line and go on with the next.
                line_number += 1;
                malformed.push(Malformed {
                    file: name.clone(),
                    line: line_number,
                    error: error.to_string(),
                });
                continue;
            }
        };
        if read == 0 {
            break;
        }
        line_number += 1;
        progress(read as u64);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<serde_json::Value>(trimmed)
            .map_err(|error| error.to_string())
            .and_then(|value| {
                KnowledgeDocument::from_record(&value)
                    .map(|document| (value, document))
                    .map_err(|error| error.to_string())
            });
        match parsed {
            Ok((record, document)) => {
                named.note(&record, &document);
                batch.push(document);
            }
            Err(error) => malformed.push(Malformed {
                file: name.clone(),
                line: line_number,
                error,
            }),
        }
        if batch.len() == BATCH {
            let (batch_counts, _) = import_documents(store, std::mem::take(&mut batch), actor, None).await?;
            counts.add(&batch_counts);
        }
    }
    if !batch.is_empty() {
        let (batch_counts, _) = import_documents(store, batch, actor, None).await?;
        counts.add(&batch_counts);
    }
    counts.editions_recorded = super::editions::register(store, &named, actor).await?;
    Ok((counts, malformed))
}
