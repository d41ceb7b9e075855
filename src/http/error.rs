//! The one error type of the API: `{"error": "<code>", "message": "<text>"}`. Every code a
//! client can see is a variant of [`ErrorCode`], which carries its HTTP status and its stable
//! snake_case name and is listed in the OpenAPI document; no code string is written anywhere
//! else. Every conversion of a lower layer's error into an [`ApiError`] is in this file. Causes
//! of 5xx are logged here and never sent to the client.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::agents::custom::CustomAgentError;
use crate::chat::ChatError;
use crate::community::places::PlaceError;
use crate::knowledge::KnowledgeError;
use crate::knowledge::import::RetractError;
use crate::store::StoreError;

/// Every error code the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request could not be read.
    BadRequest,
    /// 400: the body is not valid JSON.
    MalformedJson,
    /// 401: no token, or a token that is not valid (expired, wrong signature, unknown role).
    Unauthorized,
    /// 403: the caller's role or identity does not allow this.
    Forbidden,
    /// 404: no such resource (or one the caller may not know of).
    NotFound,
    /// 405: the endpoint does not take that method.
    MethodNotAllowed,
    /// 409: the stream moved on since it was read (an optimistic concurrency conflict).
    VersionConflict,
    /// 409: an event id was reused with other content.
    DuplicateEvent,
    /// 409: the conversation has ended; start a new session.
    ConversationEnded,
    /// 409: too many concurrent writers on one conversation.
    ConversationBusy,
    /// 409: an agent with that id is already registered, or a built-in agent has that id or type.
    AgentExists,
    /// 409: the community event is cancelled and cannot change.
    EventCancelled,
    /// 409: a reindex is already running.
    ReindexRunning,
    /// 409: the workflow run has ended, or does not wait for that signal.
    WorkflowNotWaiting,
    /// 409: a workflow run with that id exists already.
    RunExists,
    /// 409: the routing model does not beat the rules on its held-out judged requests.
    ModelNotBetter,
    /// 410: the change-feed token can no longer be served (it predates a full reindex, is of an
    /// older format, or is from another deployment); `snapshot` says where to start again.
    ResyncRequired,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the body is not sent as JSON.
    UnsupportedMediaType,
    /// 422: a value is invalid (out of range, wrong type, unknown field or option).
    InvalidRequest,
    /// 429: too many requests; `Retry-After` says when to try again.
    RateLimited,
    /// 500: our fault; the cause is in the server's log, not here.
    InternalError,
    /// 503: a dependency (the database) is unavailable; `Retry-After` says when to try again.
    ServiceUnavailable,
}

impl ErrorCode {
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest | ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::VersionConflict
            | ErrorCode::DuplicateEvent
            | ErrorCode::ConversationEnded
            | ErrorCode::ConversationBusy
            | ErrorCode::AgentExists
            | ErrorCode::EventCancelled
            | ErrorCode::ReindexRunning
            | ErrorCode::WorkflowNotWaiting
            | ErrorCode::RunExists
            | ErrorCode::ModelNotBetter => StatusCode::CONFLICT,
            ErrorCode::ResyncRequired => StatusCode::GONE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code as clients see it: the snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::VersionConflict => "version_conflict",
            ErrorCode::DuplicateEvent => "duplicate_event",
            ErrorCode::ConversationEnded => "conversation_ended",
            ErrorCode::ConversationBusy => "conversation_busy",
            ErrorCode::AgentExists => "agent_exists",
            ErrorCode::EventCancelled => "event_cancelled",
            ErrorCode::ReindexRunning => "reindex_running",
            ErrorCode::WorkflowNotWaiting => "workflow_not_waiting",
            ErrorCode::RunExists => "run_exists",
            ErrorCode::ModelNotBetter => "model_not_better",
            ErrorCode::ResyncRequired => "resync_required",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::ServiceUnavailable => "service_unavailable",
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// What went wrong, for a person to read.
    pub message: String,
    /// With `resync_required`: the address of the snapshot to start again from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds after which a retry may succeed (`Retry-After`, on 429 and 503).
    pub retry_after: Option<u64>,
    /// Where to start again, with `resync_required`.
    pub snapshot: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
            snapshot: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self {
            retry_after: Some(retry_after_seconds),
            ..Self::new(
                ErrorCode::RateLimited,
                format!("too many requests; try again in {retry_after_seconds} s"),
            )
        }
    }

    /// Our own fault: the cause is logged, the client learns only that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::InternalError, "an internal error occurred")
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "dependency unavailable");
        Self {
            retry_after: Some(2),
            ..Self::new(
                ErrorCode::ServiceUnavailable,
                "the service is temporarily unavailable, try again",
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: self.message,
            snapshot: self.snapshot,
        };
        let mut response = (self.code.status(), Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

// --- Every conversion into the API's error, in one place. ---

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // Text PostgreSQL cannot store (a NUL character, 22021) is the client's input, not our
        // fault, whichever endpoint passed it on.
        if let sqlx::Error::Database(database) = &error
            && matches!(database.code().as_deref(), Some("22021" | "22P05"))
        {
            return ApiError::invalid("text must not contain NUL (\\u0000) characters");
        }
        // A statement cancelled by the statement timeout (57014), or a server shutting down
        // (57P01-57P03): the database is busy or away for now.
        if let sqlx::Error::Database(database) = &error
            && matches!(database.code().as_deref(), Some("57014" | "57P01" | "57P02" | "57P03"))
        {
            return ApiError::unavailable(error);
        }
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => ApiError::unavailable(error),
            other => ApiError::internal(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { .. } => ApiError::new(ErrorCode::VersionConflict, error.to_string()),
            StoreError::EventIdReused { .. } => ApiError::new(ErrorCode::DuplicateEvent, error.to_string()),
            StoreError::UnknownPosition(position) => ApiError::not_found(format!("no event has position {position}")),
            StoreError::EmptyAppend => ApiError::internal(error),
            StoreError::Database(database) => database.into(),
            StoreError::Unavailable(_) => ApiError::unavailable(error),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::Ended => ApiError::new(ErrorCode::ConversationEnded, error.to_string()),
            ChatError::NotOwner => ApiError::forbidden(error.to_string()),
            ChatError::NotFound => ApiError::not_found(error.to_string()),
            ChatError::Contended => ApiError::new(ErrorCode::ConversationBusy, error.to_string()),
            ChatError::Corrupt(_) | ChatError::Privacy(_) => ApiError::internal(error),
            ChatError::Store(store) => store.into(),
        }
    }
}

impl From<CustomAgentError> for ApiError {
    fn from(error: CustomAgentError) -> Self {
        use hijraah_domain::aggregates::custom_agent::CustomAgentError as Refused;
        match error {
            CustomAgentError::Invalid(message) => ApiError::invalid(message),
            CustomAgentError::Taken(message) => ApiError::new(ErrorCode::AgentExists, message),
            CustomAgentError::Refused(Refused::AlreadyRegistered(_)) => {
                ApiError::new(ErrorCode::AgentExists, error.to_string())
            }
            CustomAgentError::Refused(Refused::NotRegistered(_)) => ApiError::not_found(error.to_string()),
            CustomAgentError::Contended => ApiError::new(ErrorCode::VersionConflict, error.to_string()),
            CustomAgentError::Corrupt(_) => ApiError::internal(error),
            CustomAgentError::Store(store) => store.into(),
            CustomAgentError::Database(database) => database.into(),
        }
    }
}

impl From<PlaceError> for ApiError {
    fn from(error: PlaceError) -> Self {
        use hijraah_domain::aggregates::community_event::CommunityEventError;
        use hijraah_domain::aggregates::mosque::MosqueError;
        match error {
            PlaceError::Mosque(MosqueError::NotFound) | PlaceError::Event(CommunityEventError::NotFound) => {
                ApiError::not_found(error.to_string())
            }
            PlaceError::Mosque(MosqueError::Invalid(_) | MosqueError::IdChanged)
            | PlaceError::Event(CommunityEventError::Invalid(_) | CommunityEventError::IdChanged) => {
                ApiError::invalid(error.to_string())
            }
            PlaceError::Event(CommunityEventError::Cancelled) => {
                ApiError::new(ErrorCode::EventCancelled, error.to_string())
            }
            PlaceError::Mosque(MosqueError::AlreadyPublished(_))
            | PlaceError::Event(CommunityEventError::AlreadyPublished(_))
            | PlaceError::Contended => ApiError::new(ErrorCode::VersionConflict, error.to_string()),
            PlaceError::Corrupt(_) => ApiError::internal(error),
            PlaceError::Store(store) => store.into(),
        }
    }
}

impl From<KnowledgeError> for ApiError {
    fn from(error: KnowledgeError) -> Self {
        match error {
            KnowledgeError::ReindexRunning => ApiError::new(ErrorCode::ReindexRunning, error.to_string()),
            KnowledgeError::Store(store) => store.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<RetractError> for ApiError {
    fn from(error: RetractError) -> Self {
        match error {
            RetractError::NotFound => ApiError::not_found("no such document"),
            RetractError::Store(store) => store.into(),
        }
    }
}

impl From<crate::knowledge::import::GradeError> for ApiError {
    fn from(error: crate::knowledge::import::GradeError) -> Self {
        use crate::knowledge::import::GradeError;
        match error {
            GradeError::NotFound => ApiError::not_found("no such document"),
            GradeError::NotAHadith(_) | GradeError::Invalid(_) => ApiError::invalid(error.to_string()),
            GradeError::Store(store) => store.into(),
        }
    }
}

impl From<crate::knowledge::editions::EditionError> for ApiError {
    fn from(error: crate::knowledge::editions::EditionError) -> Self {
        use crate::knowledge::editions::EditionError;
        match error {
            EditionError::Invalid(_) | EditionError::IdMismatch { .. } => ApiError::invalid(error.to_string()),
            EditionError::Conflict => ApiError::new(ErrorCode::VersionConflict, error.to_string()),
            EditionError::Store(store) => store.into(),
        }
    }
}

impl From<crate::knowledge::feed::FeedError> for ApiError {
    fn from(error: crate::knowledge::feed::FeedError) -> Self {
        use crate::knowledge::feed::FeedError;
        match error {
            FeedError::BadToken => ApiError::invalid(error.to_string()),
            FeedError::Resync(_) => ApiError {
                snapshot: Some("/api/v1/knowledge/changes".to_owned()),
                ..ApiError::new(ErrorCode::ResyncRequired, error.to_string())
            },
            FeedError::Store(store) => store.into(),
        }
    }
}

impl From<crate::stats::StatsError> for ApiError {
    fn from(error: crate::stats::StatsError) -> Self {
        match error {
            crate::stats::StatsError::Invalid(message) => ApiError::invalid(message),
            crate::stats::StatsError::Database(database) => database.into(),
        }
    }
}

impl From<crate::asof::AsOfError> for ApiError {
    fn from(error: crate::asof::AsOfError) -> Self {
        use crate::asof::AsOfError;
        match error {
            AsOfError::Invalid(_) | AsOfError::BadName(_) | AsOfError::Exists(_) => {
                ApiError::invalid(error.to_string())
            }
            AsOfError::Unknown(_) => ApiError::not_found(error.to_string()),
            AsOfError::Database(database) => database.into(),
            AsOfError::Projection(projection) => ApiError::internal(projection),
        }
    }
}

impl From<crate::agents::migration::ChecklistError> for ApiError {
    fn from(error: crate::agents::migration::ChecklistError) -> Self {
        match error {
            crate::agents::migration::ChecklistError::UnknownItem(_) => ApiError::not_found(error.to_string()),
            crate::agents::migration::ChecklistError::Store(store) => store.into(),
        }
    }
}

impl From<crate::privacy::rights::RightsError> for ApiError {
    fn from(error: crate::privacy::rights::RightsError) -> Self {
        use crate::privacy::rights::RightsError;
        match error {
            RightsError::UnknownUser => ApiError::not_found(error.to_string()),
            RightsError::Chat(chat) => chat.into(),
            RightsError::Privacy(privacy) => privacy.into(),
            RightsError::Store(store) => store.into(),
            RightsError::Database(database) => database.into(),
            RightsError::AsOf(as_of) => as_of.into(),
        }
    }
}

impl From<crate::privacy::PrivacyError> for ApiError {
    fn from(error: crate::privacy::PrivacyError) -> Self {
        match error {
            crate::privacy::PrivacyError::Database(database) => database.into(),
            other => ApiError::internal(other),
        }
    }
}

/// Calculator errors are the client's values: said back as 422.
impl From<hijraah_domain::calculators::zakat::ZakatError> for ApiError {
    fn from(error: hijraah_domain::calculators::zakat::ZakatError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

impl From<hijraah_domain::calculators::prayer::PrayerError> for ApiError {
    fn from(error: hijraah_domain::calculators::prayer::PrayerError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

impl From<hijraah_domain::calculators::hijri::HijriError> for ApiError {
    fn from(error: hijraah_domain::calculators::hijri::HijriError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

impl From<crate::workflows::WorkflowError> for ApiError {
    fn from(error: crate::workflows::WorkflowError) -> Self {
        use crate::workflows::WorkflowError;
        match error {
            WorkflowError::UnknownDefinition(_) | WorkflowError::UnknownRun(_) => {
                ApiError::not_found(error.to_string())
            }
            WorkflowError::Definition(_) | WorkflowError::Input(_) => ApiError::invalid(error.to_string()),
            WorkflowError::Forbidden(_) => ApiError::forbidden(error.to_string()),
            WorkflowError::Refused(_) => ApiError::new(ErrorCode::WorkflowNotWaiting, error.to_string()),
            WorkflowError::RunExists(_) => ApiError::new(ErrorCode::RunExists, error.to_string()),
            WorkflowError::Corrupt(_) => ApiError::internal(error),
            WorkflowError::Store(store) => store.into(),
            WorkflowError::Privacy(privacy) => privacy.into(),
            WorkflowError::Database(database) => database.into(),
        }
    }
}

impl From<crate::learn::LearnError> for ApiError {
    fn from(error: crate::learn::LearnError) -> Self {
        use crate::learn::LearnError;
        match error {
            LearnError::UnknownModel(_) => ApiError::not_found(error.to_string()),
            LearnError::Refused(_) => ApiError::new(ErrorCode::ModelNotBetter, error.to_string()),
            LearnError::Other(cause) => ApiError::internal(format!("{cause:#}")),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(error) => ApiError::new(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {}", error.body_text()),
            ),
            JsonRejection::JsonDataError(error) => ApiError::invalid(error.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                ErrorCode::PayloadTooLarge,
                "the request body is larger than this server accepts",
            ),
            other => ApiError::new(ErrorCode::BadRequest, other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        // A path that does not parse names nothing we have.
        ApiError::not_found(format!("no such resource: {}", rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_status_and_a_snake_case_name() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::MalformedJson,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::VersionConflict,
            ErrorCode::DuplicateEvent,
            ErrorCode::ConversationEnded,
            ErrorCode::ConversationBusy,
            ErrorCode::AgentExists,
            ErrorCode::EventCancelled,
            ErrorCode::ReindexRunning,
            ErrorCode::WorkflowNotWaiting,
            ErrorCode::RunExists,
            ErrorCode::ModelNotBetter,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::InvalidRequest,
            ErrorCode::RateLimited,
            ErrorCode::InternalError,
            ErrorCode::ServiceUnavailable,
        ] {
            let serialized = serde_json::to_value(code).unwrap();
            assert_eq!(serialized, code.as_str(), "serde and as_str agree");
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }
}
