//! What the log says of the texts over time: each document's history (every revision, by whom,
//! and the text as it was), and the change feed that downstream apps copy the texts with.
//!
//! Both fold a document's own events, in order, exactly as the search index does: a revision
//! replaces the text and keeps curators' grades, a grade is added beside the others, and a
//! retraction removes the text and its grades. So a copy that applies the feed holds what the
//! index holds.
//!
//! The feed is read from the log, never from the index, in two modes:
//! - without a token, a *snapshot*: the current state of every document, one entry each, in the
//!   order of each one's latest change, paged (a retracted one says so, so that a reader who got it
//!   on an earlier page drops it); its last page hands over a token for the changes;
//! - with a token, every *change* after it in log order: created, revised, retracted, graded.
//!
//! A token names its epoch: the position of the latest full reindex when it was issued. A full
//! reindex is what operators run after changing how the log is read into texts, so a copy made
//! before one may differ from the index after it; its tokens answer "resync" and the client starts
//! again from a snapshot. Tokens of another deployment (beyond our log's head) or of an older
//! format answer the same.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hijraah_domain::grades::Grade;
use hijraah_domain::knowledge::KnowledgeDocument;
use hijraah_domain::{Envelope, Event};
use serde::Serialize;
use sqlx::Row;

use crate::store::{EventStore, StoreError};

/// The event types that change a document, as SQL (literal, so the partial indexes of
/// migrations/0013 apply to every plan).
macro_rules! knowledge_types {
    () => {
        "('KnowledgeDocumentAdded', 'KnowledgeDocumentRevised', 'KnowledgeDocumentRetracted', 'KnowledgeDocumentGraded')"
    };
}

/// Entries per page at most.
pub const MAX_LIMIT: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Revised,
    Retracted,
    Graded,
}

/// A document as one of its events left it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Revision {
    pub id: String,
    /// The document stream's version: 1 for its creation, one more for each change.
    pub revision: i64,
    /// The event's place in the whole log.
    pub position: i64,
    pub recorded_at: DateTime<Utc>,
    pub action: Action,
    /// Who made the change (a user id, or `cli:NAME`).
    pub by: Option<String>,
    /// Who approved it, when it went through review.
    pub approved_by: Option<String>,
    /// Why, when the change says (a retraction's reason).
    pub reason: Option<String>,
    /// The grade a `graded` change added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// The text after the change, with every grade it then carried (its own, then curators');
    /// `null` once retracted.
    #[schema(value_type = Option<Object>)]
    pub document: Option<KnowledgeDocument>,
}

/// Folds one document's events, in stream order, into its revisions.
pub fn fold(events: &[Envelope]) -> Vec<Revision> {
    let mut own: Option<KnowledgeDocument> = None;
    let mut annotations: Vec<Grade> = Vec::new();
    let mut revisions = Vec::with_capacity(events.len());
    for envelope in events {
        let event = match envelope.decode() {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(position = envelope.position, %error, "undecodable knowledge event skipped");
                continue;
            }
        };
        let (action, reason, grade) = match event {
            Event::KnowledgeDocumentAdded(added) => {
                own = Some(added.document);
                (Action::Created, None, None)
            }
            Event::KnowledgeDocumentRevised(revised) => {
                own = Some(revised.document);
                // A correction approved through review says why.
                let reason = envelope
                    .metadata
                    .extra
                    .get("reason")
                    .and_then(|reason| reason.as_str())
                    .filter(|reason| !reason.is_empty())
                    .map(str::to_owned);
                (Action::Revised, reason, None)
            }
            Event::KnowledgeDocumentRetracted(retracted) => {
                own = None;
                annotations.clear();
                let reason = Some(retracted.reason).filter(|reason| !reason.is_empty());
                (Action::Retracted, reason, None)
            }
            Event::KnowledgeDocumentGraded(graded) => {
                if own.is_some() && !annotations.contains(&graded.grade) {
                    annotations.push(graded.grade.clone());
                }
                (Action::Graded, None, Some(graded.grade))
            }
            _ => continue,
        };
        let document = own.as_ref().map(|document| {
            let mut document = document.clone();
            for grade in &annotations {
                if !document.grades.contains(grade) {
                    document.grades.push(grade.clone());
                }
            }
            document
        });
        let id = document
            .as_ref()
            .map(|document| document.id.clone())
            .unwrap_or_else(|| id_of_stream(&envelope.stream_id).to_owned());
        revisions.push(Revision {
            id,
            revision: envelope.stream_version,
            position: envelope.position,
            recorded_at: envelope.recorded_at,
            action,
            by: envelope.metadata.actor.clone(),
            approved_by: envelope
                .metadata
                .extra
                .get("approved_by")
                .and_then(|value| value.as_str())
                .map(str::to_owned),
            reason,
            grade,
            document,
        });
    }
    revisions
}

fn id_of_stream(stream_id: &str) -> &str {
    stream_id.strip_prefix("knowledge-").unwrap_or(stream_id)
}

/// Every revision of a document, oldest first; empty when there is no such document.
pub async fn history(store: &EventStore, id: &str) -> Result<Vec<Revision>, StoreError> {
    let events = events_of(store.pool(), &[KnowledgeDocument::stream_id(id)], i64::MAX).await?;
    Ok(fold(
        events.get(&KnowledgeDocument::stream_id(id)).map_or(&[], Vec::as_slice),
    ))
}

/// The current revision number of a document (its stream's version), if it has one.
pub async fn current_revision(store: &EventStore, id: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT max(stream_version) FROM events WHERE stream_id = $1")
            .bind(KnowledgeDocument::stream_id(id))
            .fetch_one(store.pool())
            .await?,
    )
}

/// The knowledge events of `streams` up to `until` (a position), by stream, in order.
async fn events_of<'c, E>(
    executor: E,
    streams: &[String],
    until: i64,
) -> Result<HashMap<String, Vec<Envelope>>, StoreError>
where
    E: sqlx::PgExecutor<'c>,
{
    let rows =
        sqlx::query(concat!(
        "SELECT position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at
         FROM events
         WHERE stream_id = ANY($1) AND position <= $2 AND event_type IN ", knowledge_types!(), "
         ORDER BY stream_id, position"
    ))
        .bind(streams)
        .bind(until)
        .fetch_all(executor)
        .await?;
    let mut by_stream: HashMap<String, Vec<Envelope>> = HashMap::new();
    for row in &rows {
        let envelope = crate::store::postgres::envelope_from_row(row);
        by_stream.entry(envelope.stream_id.clone()).or_default().push(envelope);
    }
    Ok(by_stream)
}

/// Where a feed reader stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// Inside a snapshot: documents whose latest change is after `after` are still to come.
    Snapshot { epoch: i64, after: i64 },
    /// Following changes: those after position `after`.
    Changes { epoch: i64, after: i64 },
}

const TOKEN_FORMAT: &str = "k1";

impl Token {
    pub fn encode(self) -> String {
        match self {
            Token::Snapshot { epoch, after } => format!("{TOKEN_FORMAT}.s.{epoch}.{after}"),
            Token::Changes { epoch, after } => format!("{TOKEN_FORMAT}.c.{epoch}.{after}"),
        }
    }

    /// `Ok(None)`: a well-formed token of another format (it needs a resync); `Err`: not a token
    /// at all. The form is `k<format>.<kind>.<epoch>.<position>`, at most 100 characters.
    pub fn parse(text: &str) -> Result<Option<Token>, FeedError> {
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
        let parts: Vec<&str> = text.split('.').collect();
        let [format, kind, epoch, after] = parts.as_slice() else {
            return Err(FeedError::BadToken);
        };
        let well_formed = text.len() <= 100
            && format.strip_prefix('k').is_some_and(digits)
            && kind.len() == 1
            && kind.bytes().all(|byte| byte.is_ascii_lowercase())
            && digits(epoch)
            && digits(after);
        if !well_formed {
            return Err(FeedError::BadToken);
        }
        if *format != TOKEN_FORMAT {
            return Ok(None);
        }
        let (Ok(epoch), Ok(after)) = (epoch.parse::<i64>(), after.parse::<i64>()) else {
            return Err(FeedError::BadToken);
        };
        match *kind {
            "s" => Ok(Some(Token::Snapshot { epoch, after })),
            "c" => Ok(Some(Token::Changes { epoch, after })),
            _ => Err(FeedError::BadToken),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the token is not one this feed issued")]
    BadToken,
    /// The token predates a full reindex, is of an older format, or is from another deployment.
    #[error("{0}; start again from a snapshot")]
    Resync(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for FeedError {
    fn from(error: sqlx::Error) -> Self {
        FeedError::Store(StoreError::from(error))
    }
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub changes: Vec<Revision>,
    /// The token to ask with next: it is valid whether or not this page was full.
    pub next: String,
    /// Whether more is known to follow right now (ask again at once) or the reader is caught up.
    pub more: bool,
    /// `snapshot` (the current state of each document) or `changes` (each change in log order).
    pub mode: &'static str,
}

/// Which documents a page covers: all, or one collection's, or one edition's, or both.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub collection: Option<&'a str>,
    pub edition: Option<&'a str>,
}

/// A page of the feed after `since` (a snapshot from the start when `None`), of at most `limit`
/// entries, of the documents `filter` names.
pub async fn page(store: &EventStore, since: Option<&str>, limit: i64, filter: Filter<'_>) -> Result<Page, FeedError> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let since = match since {
        None => Token::Snapshot { epoch: 0, after: 0 },
        Some(text) => Token::parse(text)?.ok_or(FeedError::Resync("the token is of an older format"))?,
    };
    // One consistent view of the log for the whole page.
    let mut transaction = store.pool().begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *transaction)
        .await?;
    let epoch: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(position), 0) FROM events WHERE event_type = 'KnowledgeReindexRequested'",
    )
    .fetch_one(&mut *transaction)
    .await?;
    let head: i64 = sqlx::query_scalar("SELECT coalesce(max(position), 0) FROM events")
        .fetch_one(&mut *transaction)
        .await?;
    let (snapshot, token_epoch, after) = match since {
        Token::Snapshot { epoch, after } => (true, epoch, after),
        Token::Changes { epoch, after } => (false, epoch, after),
    };
    // A snapshot from the start is always servable.
    if !(snapshot && after == 0) {
        if token_epoch < epoch {
            return Err(FeedError::Resync(
                "the texts were reindexed after this token was issued",
            ));
        }
        if token_epoch > epoch || after > head {
            return Err(FeedError::Resync("the token is not from this deployment's log"));
        }
    }
    // Which events, or which documents' latest events, the page covers.
    let rows = if snapshot {
        sqlx::query(concat!(
            "SELECT stream_id, max(position) AS position FROM events
             WHERE event_type IN ",
            knowledge_types!(),
            "
             GROUP BY stream_id HAVING max(position) > $1
             ORDER BY 2 LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *transaction)
        .await?
    } else {
        sqlx::query(concat!(
            "SELECT stream_id, position FROM events
             WHERE event_type IN ",
            knowledge_types!(),
            " AND position > $1
             ORDER BY position LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *transaction)
        .await?
    };
    let wanted: Vec<(String, i64)> = rows
        .iter()
        .map(|row| (row.get("stream_id"), row.get("position")))
        .collect();
    let full = wanted.len() as i64 == limit;
    let last = wanted.last().map_or(after, |(_, position)| *position);
    let mut streams: Vec<String> = wanted.iter().map(|(stream, _)| stream.clone()).collect();
    streams.sort();
    streams.dedup();
    let histories = events_of(&mut *transaction, &streams, last).await?;
    transaction.commit().await?;
    let folded: HashMap<&str, Vec<Revision>> = histories
        .iter()
        .map(|(stream, events)| (stream.as_str(), fold(events)))
        .collect();
    let mut changes = Vec::with_capacity(wanted.len());
    for (stream, position) in &wanted {
        let Some(revisions) = folded.get(stream.as_str()) else {
            continue;
        };
        let Some(found) = revisions.iter().find(|revision| revision.position == *position) else {
            continue;
        };
        // The collection and edition of a retracted document are those of its last text.
        if filter.collection.is_some() || filter.edition.is_some() {
            let last_text = revisions
                .iter()
                .filter(|revision| revision.position <= *position)
                .rev()
                .find_map(|revision| revision.document.as_ref());
            if let Some(collection) = filter.collection
                && last_text.map(|document| document.collection.as_str()) != Some(collection)
            {
                continue;
            }
            if let Some(edition) = filter.edition
                && last_text.and_then(|document| document.edition.as_deref()) != Some(edition)
            {
                continue;
            }
        }
        let mut change = found.clone();
        if snapshot {
            // A snapshot gives each document's state, not the change that led to it.
            change.action = if change.document.is_some() {
                Action::Created
            } else {
                Action::Retracted
            };
            change.grade = None;
        }
        changes.push(change);
    }
    let next = match (snapshot, full) {
        (true, true) => Token::Snapshot { epoch, after: last },
        // The snapshot is complete as of `head`: follow the changes from there.
        (true, false) => Token::Changes { epoch, after: head },
        (false, true) => Token::Changes { epoch, after: last },
        (false, false) => Token::Changes {
            epoch,
            after: head.max(after),
        },
    };
    Ok(Page {
        changes,
        next: next.encode(),
        more: full,
        mode: if snapshot { "snapshot" } else { "changes" },
    })
}

/// Records that the texts were reindexed in full (by `actor`): the audit of who did it, and the
/// start of a new epoch of the feed.
pub async fn record_reindex(
    store: &EventStore,
    job_id: uuid::Uuid,
    actor: &str,
    correlation_id: Option<&str>,
) -> Result<(), StoreError> {
    let event = Event::KnowledgeReindexRequested(hijraah_domain::events::KnowledgeReindexRequested { job_id });
    store
        .append(
            "knowledge-reindex",
            crate::store::ExpectedVersion::Any,
            &[hijraah_domain::NewEvent::new(
                &event,
                hijraah_domain::EventMetadata::by(actor, correlation_id),
            )],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_back_and_anything_else_is_refused_or_sent_to_resync() {
        for token in [
            Token::Snapshot { epoch: 0, after: 500 },
            Token::Changes {
                epoch: 12,
                after: 61_042,
            },
        ] {
            assert_eq!(Token::parse(&token.encode()).unwrap(), Some(token));
        }
        assert_eq!(Token::parse("k0.c.0.1").unwrap(), None, "an older format");
        assert_eq!(Token::parse("k2.s.0.1").unwrap(), None, "a newer one");
        for garbage in [
            "",
            "hello",
            "k1.c.0",
            "k1.c.0.1.2",
            "k1.x.0.1",
            "k1.c.-1.5",
            "k1.C.0.1",
            "k.c.0.1",
            "k1.c.0.99999999999999999999",
            &format!("k1.c.0.{}", "0".repeat(100)),
        ] {
            assert!(matches!(Token::parse(garbage), Err(FeedError::BadToken)), "{garbage:?}");
        }
    }
}
