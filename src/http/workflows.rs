//! Workflows: the definitions (any role reads them, an admin registers a new version), runs
//! started by anyone for themselves, read by their starter (curators and admins read all),
//! signalled and cancelled. A run's state comes from its stream; the list from the read model.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::user::Role;
use hijraah_domain::workflow::RunView;
use hijraah_projections::Projection;
use hijraah_projections::queries::RunSummary;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_http::request_id::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(definitions))
        .routes(routes!(register))
        .routes(routes!(start))
        .routes(routes!(list_runs))
        .routes(routes!(run))
        .routes(routes!(signal))
        .routes(routes!(cancel))
}

/// A workflow definition: `name`, `version`, `description`, `input` (field → type, `?` when
/// optional), `steps` (each with an `id` and a `kind`), `output`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
struct DefinitionBody(Value);

/// Every workflow definition at its latest version (built-in and registered), by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows",
    responses((status = 200, body = Vec<DefinitionBody>)))]
async fn definitions(State(state): State<AppState>, _auth: Auth) -> Result<Json<Vec<DefinitionBody>>, ApiError> {
    let definitions = state
        .workflows
        .definitions()
        .await?
        .iter()
        .map(|definition| DefinitionBody(serde_json::to_value(definition).unwrap_or_default()))
        .collect();
    Ok(Json(definitions))
}

/// Registers a definition as the next version of `name` (admin). Runs already started keep the
/// version they started with.
#[utoipa::path(put, path = "/workflows/{name}", tag = "workflows", request_body = DefinitionBody,
    params(("name" = String, Path, description = "snake_case, 1 to 64 characters")),
    responses(
        (status = 200, body = DefinitionBody, links(
            ("start" = (operation_id = "start", parameters(("name" = "$request.path.name")))),
        )),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 422, description = "The definition is invalid: the reason is in the message", body = ErrorBody),
    ))]
async fn register(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(name): AppPath<String>,
    AppJson(body): AppJson<Value>,
) -> Result<Json<DefinitionBody>, ApiError> {
    let principal = auth.require(&[Role::Admin])?;
    let definition = state.workflows.register(&name, body, principal).await?;
    Ok(Json(DefinitionBody(
        serde_json::to_value(&definition).unwrap_or_default(),
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StartRequest {
    /// The run's input, as the definition's `input` describes it.
    #[serde(default)]
    #[schema(value_type = Object)]
    input: Value,
    /// A run id of the client's choosing: sending the same start again is refused with 409
    /// `run_exists` instead of starting a second run.
    #[serde(default)]
    run_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Started {
    run_id: Uuid,
    status: String,
}

/// Starts a run of a definition's latest version; a worker runs it from there.
#[utoipa::path(post, path = "/workflows/{name}/runs", tag = "workflows", request_body = StartRequest,
    params(("name" = String, Path)),
    responses(
        (status = 202, body = Started, links(
            ("read" = (operation_id = "run", parameters(("run_id" = "$response.body#/run_id")))),
            ("cancel" = (operation_id = "cancel", parameters(("run_id" = "$response.body#/run_id")))),
            ("signal" = (operation_id = "signal", parameters(("run_id" = "$response.body#/run_id")))),
        )),
        (status = 404, description = "No such definition", body = ErrorBody),
        (status = 409, description = "A run with that id exists", body = ErrorBody),
        (status = 422, description = "The input does not fit the definition", body = ErrorBody),
    ))]
async fn start(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(name): AppPath<String>,
    AppJson(body): AppJson<StartRequest>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    // A run's steps read the read models (the reply to review): they hold what was acknowledged
    // before the run started.
    state.read_models_current(&[Projection::Conversations]).await?;
    let (run_id, _) = state
        .workflows
        .start(&name, body.input, &auth.0, body.run_id, correlation.as_deref())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Started {
            run_id,
            status: "running".into(),
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RunQuery {
    /// `running`, `waiting`, `completed`, `failed` or `cancelled`.
    #[param(pattern = "^(running|waiting|completed|failed|cancelled)$")]
    status: Option<String>,
    /// A definition's name; names no definition, and the page is empty.
    #[param(pattern = "^[^\\u0000]*$")]
    definition: Option<String>,
    /// The `next_after` of the previous page.
    after: Option<Uuid>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
struct RunPage {
    runs: Vec<RunSummary>,
    /// Pass as `after` for the next page; null on the last.
    next_after: Option<Uuid>,
}

const STATUSES: [&str; 5] = ["running", "waiting", "completed", "failed", "cancelled"];

/// A page of runs, newest first: the caller's own, or every run for curators and admins.
#[utoipa::path(get, path = "/workflows/runs", tag = "workflows", params(RunQuery),
    responses(
        (status = 200, body = RunPage, links(
            ("read" = (operation_id = "run", parameters(("run_id" = "$response.body#/runs/0/run_id")))),
        )),
        (status = 404, description = "`after` names no run", body = ErrorBody),
    ))]
async fn list_runs(
    State(state): State<AppState>,
    auth: Auth,
    AppQuery(query): AppQuery<RunQuery>,
) -> Result<Json<RunPage>, ApiError> {
    if let Some(status) = query.status.as_deref()
        && !STATUSES.contains(&status)
    {
        return Err(ApiError::invalid(format!("status is one of: {}", STATUSES.join(", "))));
    }
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be from 1 to 200"));
    }
    let before = match query.after {
        Some(after) => match hijraah_projections::queries::run_started_at(&state.pool, after).await? {
            Some(at) => Some((at, after)),
            None => return Err(ApiError::not_found("`after` names no run")),
        },
        None => None,
    };
    let runs = state
        .workflows
        .list(
            &auth.0,
            query.status.as_deref(),
            query.definition.as_deref(),
            before,
            limit + 1,
        )
        .await?;
    let more = runs.len() as i64 > limit;
    let runs: Vec<RunSummary> = runs.into_iter().take(limit as usize).collect();
    let next_after = more.then(|| runs.last().map(|run| run.run_id)).flatten();
    Ok(Json(RunPage { runs, next_after }))
}

/// A run as its stream tells it: status, each step with its attempts, output and timings, what
/// it waits for.
#[utoipa::path(get, path = "/workflows/runs/{run_id}", tag = "workflows",
    params(("run_id" = Uuid, Path)),
    responses(
        (status = 200, body = RunView),
        (status = 404, description = "No such run, or not one of the caller's", body = ErrorBody),
    ))]
async fn run(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(run_id): AppPath<Uuid>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(state.workflows.view(run_id, &auth.0).await?))
}

/// Sends a run a signal (any JSON object). Refused with 409 when the run has ended or will not
/// wait for that signal; a signal with `from_roles` (the review verdict) only from those roles.
#[utoipa::path(post, path = "/workflows/runs/{run_id}/signals/{signal}", tag = "workflows",
    request_body(content = Object, description = "The signal's payload"),
    params(("run_id" = Uuid, Path), ("signal" = String, Path)),
    responses(
        (status = 202, body = RunView),
        (status = 403, description = "The caller may not send this signal", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run has ended or does not wait for this signal", body = ErrorBody),
        (status = 422, description = "The payload does not fit the signal", body = ErrorBody),
    ))]
async fn signal(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath((run_id, name)): AppPath<(Uuid, String)>,
    AppJson(payload): AppJson<Value>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    if !payload.is_object() {
        return Err(ApiError::invalid("a signal's payload is a JSON object"));
    }
    let correlation = correlation_id(request_id.as_deref());
    let view = state
        .workflows
        .signal(run_id, &name, payload, &auth.0, correlation.as_deref())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelRequest {
    #[serde(default)]
    #[schema(max_length = 500)]
    reason: String,
}

/// Cancels a run (its starter or an admin).
#[utoipa::path(post, path = "/workflows/runs/{run_id}/cancel", tag = "workflows",
    request_body(content = CancelRequest, description = "Optional"),
    params(("run_id" = Uuid, Path)),
    responses(
        (status = 202, body = RunView),
        (status = 403, description = "Not the run's starter nor an admin", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run has ended", body = ErrorBody),
    ))]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(run_id): AppPath<Uuid>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    let request: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|error| ApiError::invalid(format!("the body is not a cancel request: {error}")))?
    };
    if request.reason.chars().count() > 500 {
        return Err(ApiError::invalid("reason must be at most 500 characters"));
    }
    let view = state.workflows.cancel(run_id, &request.reason, &auth.0).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}
