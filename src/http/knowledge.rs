//! The knowledge API: search for anyone signed in; adding, revising, retracting and reindexing
//! for curators and admins. Every change is an event naming the curator.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use hijraah_domain::knowledge::{KnowledgeDocument, valid_id};
use hijraah_domain::user::Role;
use hijraah_index::{SearchRequest, SearchResults};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::request_id::RequestId;
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::knowledge::import::{RetractError, import_documents, retract};
use crate::knowledge::{KnowledgeError, ReindexJob};
use crate::store::EventStore;

/// Documents in one `POST /knowledge/documents`.
pub const MAX_BATCH: usize = 1_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/knowledge/search", get(search))
        .route("/knowledge/documents", post(add_documents))
        .route("/knowledge/documents/{id}", delete(retract_document))
        .route("/knowledge/reindex", post(start_reindex))
        .route("/knowledge/reindex/{job_id}", get(reindex_job))
}

impl From<KnowledgeError> for ApiError {
    fn from(error: KnowledgeError) -> Self {
        match error {
            KnowledgeError::ReindexRunning => ApiError::conflict("reindex_running", error.to_string()),
            KnowledgeError::Store(store) => store.into(),
            other => ApiError::internal(other),
        }
    }
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    source: Option<String>,
    collection: Option<String>,
    lang: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    10
}

async fn search(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let text = query.q.trim();
    if text.is_empty() {
        return Err(ApiError::invalid("q must not be empty"));
    }
    if text.chars().count() > 500 || text.contains('\0') {
        return Err(ApiError::invalid("q must be at most 500 characters, without NUL"));
    }
    if !(1..=100).contains(&query.limit) {
        return Err(ApiError::invalid("limit must be 1 to 100"));
    }
    if let Some(source) = &query.source
        && !matches!(source.as_str(), "quran" | "hadith" | "custom")
    {
        return Err(ApiError::invalid("source must be quran, hadith or custom"));
    }
    if let Some(lang) = &query.lang
        && !matches!(lang.as_str(), "en" | "ar")
    {
        return Err(ApiError::invalid("lang must be en or ar"));
    }
    let request = SearchRequest {
        query: text.to_owned(),
        source: query.source,
        collection: query.collection,
        lang: query.lang,
        limit: query.limit,
    };
    Ok(Json(state.knowledge.search(request).await?))
}

/// `{"documents": [...]}` or a bare array, each in any format `hijraah knowledge import` reads.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DocumentBatch {
    Wrapped { documents: Vec<Value> },
    Bare(Vec<Value>),
}

async fn add_documents(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(batch): AppJson<DocumentBatch>,
) -> Result<Json<Value>, ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    let records = match batch {
        DocumentBatch::Wrapped { documents } | DocumentBatch::Bare(documents) => documents,
    };
    if records.is_empty() || records.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!("send 1 to {MAX_BATCH} documents")));
    }
    let mut documents = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    for (index, record) in records.iter().enumerate() {
        match KnowledgeDocument::from_record(record) {
            Ok(document) => documents.push(document),
            Err(error) => problems.push(format!("document {index}: {error}")),
        }
    }
    if !problems.is_empty() {
        // All or nothing: a curator fixes the batch and sends it again.
        return Err(ApiError::invalid(problems.join("; ")));
    }
    let correlation = correlation_id(request_id.as_deref());
    let (counts, checkpoint) = import_documents(
        &state.store,
        documents,
        curator.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    if let Some(checkpoint) = checkpoint {
        state
            .knowledge
            .wait_indexed(checkpoint, state.read_your_writes_timeout)
            .await;
    }
    Ok(Json(json!(counts)))
}

async fn retract_document(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such document"));
    }
    let correlation = correlation_id(request_id.as_deref());
    let checkpoint = retract(
        &state.store,
        &id,
        curator.user_id.as_str(),
        "retracted by a curator",
        correlation.as_deref(),
    )
    .await
    .map_err(|error| match error {
        RetractError::NotFound => ApiError::not_found("no such document"),
        RetractError::Store(store) => store.into(),
    })?;
    state
        .knowledge
        .wait_indexed(checkpoint, state.read_your_writes_timeout)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn start_reindex(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    let job_id = state.knowledge.start_reindex()?;
    // Audit: who rebuilt the index, and when, is in the log like every curator action.
    let event =
        hijraah_domain::Event::KnowledgeReindexRequested(hijraah_domain::events::KnowledgeReindexRequested { job_id });
    let correlation = correlation_id(request_id.as_deref());
    let metadata = hijraah_domain::EventMetadata::by(curator.user_id.as_str(), correlation.as_deref());
    state
        .store
        .append(
            "knowledge-reindex",
            crate::store::ExpectedVersion::Any,
            &[hijraah_domain::NewEvent::new(&event, metadata)],
        )
        .await?;
    tracing::info!(actor = %curator.user_id, %job_id, "reindex started");
    Ok((StatusCode::ACCEPTED, Json(json!({"job_id": job_id}))))
}

async fn reindex_job(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(job_id): AppPath<Uuid>,
) -> Result<Json<ReindexJob>, ApiError> {
    auth.require(&[Role::Curator, Role::Admin])?;
    state
        .knowledge
        .job(job_id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such reindex job"))
}
