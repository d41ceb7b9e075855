//! The knowledge API: search for anyone signed in; adding, revising, retracting and reindexing
//! for curators and admins. Every change is an event naming the curator.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::knowledge::{KnowledgeDocument, valid_id};
use hijraah_domain::user::Role;
use hijraah_index::{SearchRequest, SearchResults};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_http::request_id::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppJsonAny, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::knowledge::ReindexJob;
use crate::knowledge::import::{ImportCounts, grade, import_documents, retract};

/// Documents in one `POST /knowledge/documents`.
pub const MAX_BATCH: usize = 1_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(add_documents))
        .routes(routes!(get_document, retract_document))
        .routes(routes!(grade_document))
        .routes(routes!(list_editions))
        .routes(routes!(propose_correction))
        .routes(routes!(list_corrections))
        .routes(routes!(put_edition))
        .routes(routes!(document_history))
        .routes(routes!(changes))
        .routes(routes!(start_reindex))
        .routes(routes!(reindex_job))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum SourceName {
    Quran,
    Hadith,
    Custom,
}

impl SourceName {
    fn as_str(&self) -> &'static str {
        match self {
            SourceName::Quran => "quran",
            SourceName::Hadith => "hadith",
            SourceName::Custom => "custom",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum SearchLanguage {
    En,
    Ar,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// The words, a reference (`2:255`, `bukhari 1`), a surah or passage by name, or Arabic
    /// (with or without marks, or typed in Latin letters).
    #[serde(default)]
    #[param(
        required = true,
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    q: String,
    #[param(inline)]
    source: Option<SourceName>,
    /// A collection: `quran`, a hadith collection (`bukhari`…), a translation (`en.pickthall`).
    collection: Option<String>,
    /// Which texts to search: English or Arabic. Absent: by the query's script.
    #[param(inline)]
    lang: Option<SearchLanguage>,
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: usize,
}

fn default_limit() -> usize {
    10
}

/// Searches the texts: what the query names outright first, then by its topic words.
#[utoipa::path(get, path = "/knowledge/search", tag = "knowledge", params(SearchQuery),
    responses((status = 200, body = SearchResults)))]
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
    let request = SearchRequest {
        query: text.to_owned(),
        source: query.source.map(|source| source.as_str().to_owned()),
        collection: query.collection,
        lang: query.lang.map(|lang| match lang {
            SearchLanguage::En => "en".to_owned(),
            SearchLanguage::Ar => "ar".to_owned(),
        }),
        limit: query.limit,
        surah: None,
    };
    Ok(Json(state.knowledge.search(request).await?))
}

/// `{"documents": [...]}` or a bare array, each document in any format `hijraah knowledge
/// import` reads (the corpus's lines, or our own format: see the README).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
enum DocumentBatch {
    Wrapped {
        #[schema(value_type = Vec<Object>, min_items = 1, max_items = 1000)]
        documents: Vec<Value>,
    },
    #[schema(value_type = crate::http::openapi::items::DocumentList)]
    Bare(Vec<Value>),
}

/// Adds or revises a batch of texts (curator, admin); unchanged ones record nothing. All or
/// nothing: one bad document refuses the batch, saying which.
#[utoipa::path(post, path = "/knowledge/documents", tag = "knowledge", request_body = DocumentBatch,
    responses(
        (status = 200, body = ImportCounts, links(
            ("read" = (operation_id = "get_document", parameters(("id" = "$request.body#/0/id")))),
            ("retract" = (operation_id = "retract_document", parameters(("id" = "$request.body#/0/id")))),
        )),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
    ))]
async fn add_documents(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJsonAny(batch): AppJsonAny<DocumentBatch>,
) -> Result<Json<ImportCounts>, ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    let records = match batch {
        DocumentBatch::Wrapped { documents } | DocumentBatch::Bare(documents) => documents,
    };
    if records.is_empty() || records.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!("send 1 to {MAX_BATCH} documents")));
    }
    let mut documents = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    let mut named = crate::knowledge::editions::Named::default();
    for (index, record) in records.iter().enumerate() {
        match KnowledgeDocument::from_record(record) {
            Ok(document) => {
                named.note(record, &document);
                documents.push(document);
            }
            Err(error) => problems.push(format!("document {index}: {error}")),
        }
    }
    if !problems.is_empty() {
        // All or nothing: a curator fixes the batch and sends it again.
        return Err(ApiError::invalid(problems.join("; ")));
    }
    let correlation = correlation_id(request_id.as_deref());
    let editions_recorded =
        crate::knowledge::editions::register(&state.store, &named, curator.user_id.as_str()).await?;
    if editions_recorded > 0 {
        state.knowledge.editions().invalidate();
    }
    let (mut counts, checkpoint) = import_documents(
        &state.store,
        documents,
        curator.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    counts.editions_recorded = editions_recorded;
    if let Some(checkpoint) = checkpoint {
        state
            .knowledge
            .wait_indexed(checkpoint, state.read_your_writes_timeout)
            .await;
    }
    Ok(Json(counts))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DocumentQuery {
    /// A past revision (see the history): the text as it was then.
    #[param(minimum = 1)]
    revision: Option<i64>,
}

/// The current text, with its edition and its revision (1 when created, one more with each
/// change: see the history).
#[derive(Debug, Serialize, ToSchema)]
struct CurrentDocument {
    #[serde(flatten)]
    hit: hijraah_index::Hit,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum DocumentView {
    Current(Box<CurrentDocument>),
    AsOf(Box<crate::knowledge::feed::Revision>),
}

/// One text as the index holds it (any signed-in user): what a citation's id stands for. With
/// `revision`, the text as that revision left it (`document` is null if it was then retracted).
#[utoipa::path(get, path = "/knowledge/documents/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "The document id as imported, e.g. `quran:2:255`"), DocumentQuery),
    responses(
        (status = 200, body = DocumentView),
        (status = 404, description = "No such document, or no such revision of it", body = ErrorBody),
    ))]
async fn get_document(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<DocumentQuery>,
) -> Result<Json<DocumentView>, ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such document"));
    }
    if let Some(revision) = query.revision {
        let history = crate::knowledge::feed::history(&state.store, &id).await?;
        if history.is_empty() {
            return Err(ApiError::not_found("no such document"));
        }
        let found = history
            .into_iter()
            .find(|entry| entry.revision == revision)
            .ok_or_else(|| ApiError::not_found(format!("the document has no revision {revision}")))?;
        return Ok(Json(DocumentView::AsOf(Box::new(found))));
    }
    let mut hit = state
        .knowledge
        .get(id.clone())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("no such document"))?;
    // The log's word on the revision, for texts indexed before the index kept it.
    if hit.revision.is_none() {
        hit.revision = crate::knowledge::feed::current_revision(&state.store, &id)
            .await?
            .map(|revision| revision as u64);
    }
    Ok(Json(DocumentView::Current(Box::new(CurrentDocument { hit }))))
}

/// Every revision of a text, oldest first: what changed, who changed it, when and why (any
/// signed-in user). A retracted text keeps its history.
#[utoipa::path(get, path = "/knowledge/documents/{id}/history", tag = "knowledge",
    params(("id" = String, Path, description = "The document id as imported, e.g. `quran:2:255`")),
    responses(
        (status = 200, body = Vec<HistoryEntry>),
        (status = 404, description = "No such document", body = ErrorBody),
    ))]
async fn document_history(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such document"));
    }
    let history = crate::knowledge::feed::history(&state.store, &id).await?;
    if history.is_empty() {
        return Err(ApiError::not_found("no such document"));
    }
    Ok(Json(history.into_iter().map(HistoryEntry::from).collect()))
}

/// One revision in a text's history.
#[derive(Debug, Serialize, ToSchema)]
struct HistoryEntry {
    revision: i64,
    recorded_at: chrono::DateTime<chrono::Utc>,
    action: crate::knowledge::feed::Action,
    by: Option<String>,
    approved_by: Option<String>,
    reason: Option<String>,
    /// The grade a `graded` revision added.
    #[serde(skip_serializing_if = "Option::is_none")]
    grade: Option<hijraah_domain::grades::Grade>,
}

impl From<crate::knowledge::feed::Revision> for HistoryEntry {
    fn from(revision: crate::knowledge::feed::Revision) -> Self {
        Self {
            revision: revision.revision,
            recorded_at: revision.recorded_at,
            action: revision.action,
            by: revision.by,
            approved_by: revision.approved_by,
            reason: revision.reason,
            grade: revision.grade,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// The `next` token of the previous page. Absent: a snapshot of every document from the start.
    #[param(max_length = 100, pattern = r"^k[0-9]+\.[a-z]\.[0-9]+\.[0-9]+$")]
    since: Option<String>,
    #[serde(default = "default_changes_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    /// Only the documents of this collection (`quran`, `bukhari`, `en.pickthall`…).
    #[param(max_length = 100)]
    collection: Option<String>,
    /// Only the documents of this edition (`quran.en.sahih`, `hadith.bukhari`…; see
    /// `/knowledge/editions`).
    #[param(max_length = 200)]
    edition: Option<String>,
}

fn default_changes_limit() -> i64 {
    100
}

/// The change feed for apps that keep a copy of the texts (any signed-in user). Without `since`,
/// a snapshot: every document's current state, paged. Then, with each page's `next`, every
/// change in log order: `created`, `revised` and `graded` carry the whole document as it then
/// stood (with all its grades), `retracted` carries `null`. A copy that applies them in order
/// holds what the search index holds. A token from before a full reindex answers 410
/// `resync_required`, with the snapshot to start again from.
#[utoipa::path(get, path = "/knowledge/changes", tag = "knowledge", params(ChangesQuery),
    responses(
        (status = 200, body = crate::knowledge::feed::Page),
        (status = 410, description = "The token can no longer be served: start again from `snapshot`", body = ErrorBody),
        (status = 422, description = "Not a token of this feed, or a limit out of range", body = ErrorBody),
    ))]
async fn changes(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<ChangesQuery>,
) -> Result<Json<crate::knowledge::feed::Page>, ApiError> {
    if !(1..=crate::knowledge::feed::MAX_LIMIT).contains(&query.limit) {
        return Err(ApiError::invalid("limit must be between 1 and 1000"));
    }
    if query.since.as_ref().is_some_and(|since| since.chars().count() > 100)
        || query
            .collection
            .as_ref()
            .is_some_and(|collection| collection.chars().count() > 100)
    {
        return Err(ApiError::invalid("since and collection are at most 100 characters"));
    }
    if query
        .edition
        .as_ref()
        .is_some_and(|edition| edition.chars().count() > 200)
    {
        return Err(ApiError::invalid("edition is at most 200 characters"));
    }
    let page = crate::knowledge::feed::page(
        &state.store,
        query.since.as_deref(),
        query.limit,
        crate::knowledge::feed::Filter {
            collection: query.collection.as_deref(),
            edition: query.edition.as_deref(),
        },
    )
    .await?;
    Ok(Json(page))
}

/// Retracts a text (curator, admin): it leaves the index; its history stays in the log.
#[utoipa::path(delete, path = "/knowledge/documents/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "The document id as imported, e.g. `quran:2:255`")),
    responses(
        (status = 204, description = "Retracted"),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
    ))]
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
    .await?;
    state
        .knowledge
        .wait_indexed(checkpoint, state.read_your_writes_timeout)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// A grader's verdict on a hadith, as a curator records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GradeBody {
    /// The verdict in the grader's terms, e.g. `sahih`, `hasan`, `da'if`.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    grade: String,
    /// Who graded it, e.g. `al-Albani`.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    grader: String,
    /// Where the grading is stated: a book and its number.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    source: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Graded {
    id: String,
    /// Every grade the hadith now carries: its own, then curators'.
    grades: Vec<hijraah_domain::grades::Grade>,
}

/// Records a grade of a hadith (curator, admin), beside those it has. It is shown with the
/// hadith wherever it is quoted, and kept when the text is revised; a retraction clears it.
#[utoipa::path(post, path = "/knowledge/documents/{id}/grades", tag = "knowledge",
    params(("id" = String, Path, description = "The hadith's id as imported, e.g. `abudawud:1`")),
    request_body = GradeBody,
    responses(
        (status = 202, description = "Recorded", body = Graded),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 422, description = "A field missing, empty or too long; or the document is not a hadith", body = ErrorBody),
    ))]
async fn grade_document(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<GradeBody>,
) -> Result<(StatusCode, Json<Graded>), ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such document"));
    }
    let correlation = correlation_id(request_id.as_deref());
    let verdict = hijraah_domain::grades::Grade {
        grade: body.grade,
        grader: body.grader,
        source: body.source,
    };
    let checkpoint = grade(
        &state.store,
        &id,
        verdict,
        curator.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    state
        .knowledge
        .wait_indexed(checkpoint, state.read_your_writes_timeout)
        .await;
    let grades = state
        .knowledge
        .get(id.clone())
        .await
        .map_err(ApiError::internal)?
        .map(|hit| hit.grades)
        .unwrap_or_default();
    Ok((StatusCode::ACCEPTED, Json(Graded { id, grades })))
}

#[derive(Debug, Serialize, ToSchema)]
struct ReindexStarted {
    job_id: Uuid,
}

/// Rebuilds the index from the log (curator, admin); searches keep answering from the old
/// index until the new one is swapped in.
#[utoipa::path(post, path = "/knowledge/reindex", tag = "knowledge",
    responses(
        (status = 202, body = ReindexStarted),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 409, description = "A reindex is already running", body = ErrorBody),
    ))]
async fn start_reindex(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
) -> Result<(StatusCode, Json<ReindexStarted>), ApiError> {
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    let job_id = state.knowledge.start_reindex()?;
    // Audit: who rebuilt the index, and when, is in the log like every curator action.
    let correlation = correlation_id(request_id.as_deref());
    crate::knowledge::feed::record_reindex(&state.store, job_id, curator.user_id.as_str(), correlation.as_deref())
        .await?;
    tracing::info!(actor = %curator.user_id, %job_id, "reindex started");
    Ok((StatusCode::ACCEPTED, Json(ReindexStarted { job_id })))
}

/// A reindex job's progress.
#[utoipa::path(get, path = "/knowledge/reindex/{job_id}", tag = "knowledge",
    params(("job_id" = Uuid, Path)),
    responses(
        (status = 200, body = ReindexJob),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such reindex job", body = ErrorBody),
    ))]
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

/// An edition as the API shows it: what it is, whether the agents may quote it, and how many
/// texts it holds in the index.
#[derive(Debug, Serialize, ToSchema)]
struct EditionView {
    #[serde(flatten)]
    recorded: crate::knowledge::editions::Recorded,
    /// Texts of this edition in the index now.
    documents: u64,
}

async fn edition_views(state: &AppState) -> Result<Vec<EditionView>, ApiError> {
    let recorded = crate::knowledge::editions::all(&state.store).await?;
    let index = state.knowledge.index();
    let counts = tokio::task::spawn_blocking(move || index.documents_by_edition())
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(recorded
        .into_values()
        .map(|recorded| EditionView {
            documents: counts.get(&recorded.edition.id).copied().unwrap_or(0),
            recorded,
        })
        .collect())
}

/// Every edition of the texts (any signed-in user): the work, its language, its translator or
/// editor, where it comes from, its licence and version, whether the agents may quote it, and
/// how many of its texts are indexed. Imports record the editions their texts name.
#[utoipa::path(get, path = "/knowledge/editions", tag = "knowledge",
    responses((status = 200, body = [EditionView])))]
async fn list_editions(State(state): State<AppState>, _auth: Auth) -> Result<Json<Vec<EditionView>>, ApiError> {
    Ok(Json(edition_views(&state).await?))
}

/// What a curator changes of an edition: any of its fields, and whether it is quoted. A new
/// edition needs every field but `translator` (without them, an unknown id is 404).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EditionBody {
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    work: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    language: Option<String>,
    /// How a citation names it.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: Option<String>,
    /// The translator or editor; `""` clears it.
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    translator: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    source: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    licence: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    version: Option<String>,
    /// Whether the agents may quote its texts (a new edition: `true` unless given).
    quotable: Option<bool>,
    /// Why, for the history.
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    reason: Option<String>,
}

/// Describes an edition or changes it (curator, admin): its metadata, and whether the agents
/// may quote its texts. Withholding an edition keeps its texts searchable but no agent quotes
/// them; the change reaches every server within a few seconds. Each change is an event naming
/// the curator.
#[utoipa::path(put, path = "/knowledge/editions/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "The edition's id, e.g. `quran.en.pickthall`", pattern = r"^[A-Za-z0-9:._-]{1,200}$")),
    request_body = EditionBody,
    responses(
        (status = 200, description = "Changed (or already so)", body = EditionView),
        (status = 201, description = "A new edition, recorded", body = EditionView),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such edition, and not every field needed to record it", body = ErrorBody),
        (status = 409, description = "Changed by another curator meanwhile", body = ErrorBody),
        (status = 422, description = "A field empty, too long or with control characters", body = ErrorBody),
    ))]
async fn put_edition(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<EditionBody>,
) -> Result<(StatusCode, Json<EditionView>), ApiError> {
    use hijraah_domain::editions::Edition;
    let curator = auth.require(&[Role::Curator, Role::Admin])?;
    if !valid_id(&id) {
        return Err(ApiError::invalid(
            "an edition id is 1 to 200 characters of letters, digits and : . _ -",
        ));
    }
    let current = crate::knowledge::editions::all(&state.store).await?.remove(&id);
    let created = current.is_none();
    let (edition, quotable) = match current {
        Some(current) => {
            let mut edition = current.edition;
            let keep = |field: &mut String, given: Option<String>| {
                if let Some(given) = given {
                    *field = given;
                }
            };
            keep(&mut edition.work, body.work);
            keep(&mut edition.language, body.language);
            keep(&mut edition.name, body.name);
            keep(&mut edition.source, body.source);
            keep(&mut edition.licence, body.licence);
            keep(&mut edition.version, body.version);
            if let Some(translator) = body.translator {
                edition.translator = Some(translator).filter(|translator| !translator.trim().is_empty());
            }
            (edition, body.quotable.unwrap_or(current.quotable))
        }
        None => {
            let missing: Vec<&str> = [
                ("work", body.work.is_none()),
                ("language", body.language.is_none()),
                ("name", body.name.is_none()),
                ("source", body.source.is_none()),
                ("licence", body.licence.is_none()),
                ("version", body.version.is_none()),
            ]
            .into_iter()
            .filter_map(|(field, missing)| missing.then_some(field))
            .collect();
            if !missing.is_empty() {
                return Err(ApiError::not_found(format!(
                    "no edition `{id}`; to record a new one, give also {}",
                    missing.join(", ")
                )));
            }
            let edition = Edition {
                id: id.clone(),
                work: body.work.unwrap_or_default(),
                language: body.language.unwrap_or_default(),
                name: body.name.unwrap_or_default(),
                translator: body.translator.filter(|translator| !translator.trim().is_empty()),
                source: body.source.unwrap_or_default(),
                licence: body.licence.unwrap_or_default(),
                version: body.version.unwrap_or_default(),
            };
            (edition, body.quotable.unwrap_or(true))
        }
    };
    let reason = body.reason.as_deref().unwrap_or_default();
    if reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "`reason` is at most 500 characters, with no control characters",
        ));
    }
    let correlation = correlation_id(request_id.as_deref());
    let (recorded, _) = crate::knowledge::editions::record(
        &state.store,
        edition,
        quotable,
        reason,
        curator.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    state.knowledge.editions().invalidate();
    let documents = edition_views(&state)
        .await?
        .into_iter()
        .find(|view| view.recorded.edition.id == id)
        .map_or(0, |view| view.documents);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(EditionView { recorded, documents })))
}

/// The parts of a text a correction may change.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum CorrectableField {
    TextEn,
    TextAr,
    TextArSearch,
    TextOther,
    Reference,
    Narrator,
    Chapter,
    Attribution,
    Transliteration,
}

impl CorrectableField {
    fn name(self) -> &'static str {
        match self {
            CorrectableField::TextEn => "text_en",
            CorrectableField::TextAr => "text_ar",
            CorrectableField::TextArSearch => "text_ar_search",
            CorrectableField::TextOther => "text_other",
            CorrectableField::Reference => "reference",
            CorrectableField::Narrator => "narrator",
            CorrectableField::Chapter => "chapter",
            CorrectableField::Attribution => "attribution",
            CorrectableField::Transliteration => "transliteration",
        }
    }
}

/// A problem reported with a text, and the wording proposed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CorrectionBody {
    /// Which part of the text.
    field: CorrectableField,
    /// The wording proposed for it (it may run over lines).
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    proposed: String,
    /// Why: the printed edition it follows, the typo, the missing word.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct CorrectionStarted {
    correction_id: Uuid,
    /// The review's workflow run: a curator or an admin sends it the signal `verdict`
    /// (`{"verdict": "approve"|"reject", "note"}`).
    run_id: Uuid,
}

/// Reports a problem with a text and proposes its wording (anyone signed in; a curator
/// proposing a correction directly uses the same route). It starts a review, a workflow run
/// that waits for a curator's verdict: approval records the revision naming who proposed it,
/// who approved it and why; rejection records the reason. Nothing changes before approval.
#[utoipa::path(post, path = "/knowledge/documents/{id}/corrections", tag = "knowledge",
    params(("id" = String, Path, description = "The document id as imported, e.g. `quran:2:255`", pattern = r"^[A-Za-z0-9:._-]{1,200}$")),
    request_body = CorrectionBody,
    responses(
        (status = 202, description = "The review is started", body = CorrectionStarted),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 422, description = "Not a field a correction may change, an empty or too long wording or reason, or the text already reads so", body = ErrorBody),
    ))]
async fn propose_correction(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<CorrectionBody>,
) -> Result<(StatusCode, Json<CorrectionStarted>), ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such document"));
    }
    let field = body.field.name();
    let proposed = body.proposed.trim();
    let reason = body.reason.trim();
    // A text may run over lines; no other control character belongs in one.
    let printable = |text: &str| !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if proposed.is_empty() || proposed.chars().count() > 20_000 || !printable(proposed) {
        return Err(ApiError::invalid(
            "`proposed` must be 1 to 20000 characters, with no control characters but line breaks and tabs",
        ));
    }
    if reason.is_empty() || reason.chars().count() > 2_000 || !printable(reason) {
        return Err(ApiError::invalid(
            "`reason` must be 1 to 2000 characters, with no control characters but line breaks and tabs",
        ));
    }
    let (document, _) = crate::knowledge::import::own_document(&state.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such document"))?;
    if document.field(field).map(str::trim) == Some(proposed) {
        return Err(ApiError::invalid(format!("the text's {field} already reads so")));
    }
    let correlation = correlation_id(request_id.as_deref());
    let input = serde_json::json!({
        "document_id": id,
        "field": field,
        "proposed": proposed,
        "reason": reason,
    });
    let (run_id, _) = state
        .workflows
        .start("text_correction", input, &auth.0, None, correlation.as_deref())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CorrectionStarted {
            correction_id: run_id,
            run_id,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CorrectionsQuery {
    /// `open` (awaiting a verdict), `approved`, `rejected`, or absent for all.
    #[param(pattern = "^(open|approved|rejected)$")]
    status: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// Proposed corrections, newest first: every one for curators and admins (the review queue),
/// one's own for anyone else.
#[utoipa::path(get, path = "/knowledge/corrections", tag = "knowledge", params(CorrectionsQuery),
    responses(
        (status = 200, body = [crate::knowledge::corrections::Correction]),
        (status = 422, description = "An unknown status, or a limit out of range", body = ErrorBody),
    ))]
async fn list_corrections(
    State(state): State<AppState>,
    auth: Auth,
    AppQuery(query): AppQuery<CorrectionsQuery>,
) -> Result<Json<Vec<crate::knowledge::corrections::Correction>>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be between 1 and 200"));
    }
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "open" | "approved" | "rejected")
    {
        return Err(ApiError::invalid("status must be open, approved or rejected"));
    }
    let corrections =
        crate::knowledge::corrections::list(&state.workflows, &auth.0, query.status.as_deref(), limit).await?;
    Ok(Json(corrections))
}

#[cfg(test)]
mod tests {
    use super::CorrectableField;
    use hijraah_domain::knowledge::KnowledgeDocument;

    /// The fields a correction may change are named in three places: the document's own list
    /// (which the workflow's steps check), this route's enum (the OpenAPI document), and the
    /// workflow's input. A field added to one and not the others would be refused, or offered
    /// and then refused, so they must agree.
    #[test]
    fn the_correctable_fields_agree_everywhere_they_are_named() {
        for name in KnowledgeDocument::CORRECTABLE {
            let field: CorrectableField =
                serde_json::from_value(serde_json::json!(name)).unwrap_or_else(|_| panic!("the route takes `{name}`"));
            assert_eq!(field.name(), name);
        }
        let workflow: serde_json::Value =
            serde_json::from_str(include_str!("../workflows/builtin/text_correction.json"))
                .expect("the workflow parses");
        assert_eq!(
            strings(&workflow["input"]["field"]["values"], "the workflow lists the fields"),
            KnowledgeDocument::CORRECTABLE
        );
        let openapi = serde_json::to_value(<CorrectableField as utoipa::PartialSchema>::schema()).expect("schema");
        assert_eq!(
            strings(&openapi["enum"], "an enum in the OpenAPI document"),
            KnowledgeDocument::CORRECTABLE
        );
    }

    /// A JSON array's strings, in order.
    fn strings<'a>(array: &'a serde_json::Value, what: &str) -> Vec<&'a str> {
        array
            .as_array()
            .unwrap_or_else(|| panic!("{what}"))
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect()
    }
}
