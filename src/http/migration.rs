//! Settling in: the migration guide's resources (any authenticated role) and each user's
//! settling-in checklist (the user themself, or an admin), whose progress is recorded as events.

use axum::extract::State;
use axum::{Extension, Json};
use hijraah_domain::ids::UserId;
use hijraah_projections::Projection;
use serde::{Deserialize, Serialize};
use tower_http::request_id::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::agents::migration::{self, Checklist, Resource};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(resources))
        .routes(routes!(checklist))
        .routes(routes!(mark))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ResourceQuery {
    #[serde(default)]
    #[param(max_length = 500)]
    q: String,
    /// `mosque`, `halal_food`, `community`, `documents`, `first_weeks`, `prayer_at_work`,
    /// `education`, `housing` or `country`.
    topic: Option<String>,
    /// An ISO 3166 code: its country notes with the general resources.
    country: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct FoundResource {
    #[serde(flatten)]
    resource: Resource,
    score: f64,
}

#[derive(Debug, Serialize, ToSchema)]
struct ResourceList {
    query: String,
    resources: Vec<FoundResource>,
}

/// The settling-in guide's resources that match, best first.
#[utoipa::path(get, path = "/migration/resources", tag = "migration", params(ResourceQuery),
    responses((status = 200, body = ResourceList)))]
async fn resources(_auth: Auth, AppQuery(query): AppQuery<ResourceQuery>) -> Result<Json<ResourceList>, ApiError> {
    if query.q.chars().count() > 500 {
        return Err(ApiError::invalid("q must be at most 500 characters"));
    }
    let resources = migration::search(&query.q, query.topic.as_deref(), query.country.as_deref())
        .into_iter()
        .map(|(score, resource)| FoundResource {
            resource: resource.clone(),
            score,
        })
        .collect();
    Ok(Json(ResourceList {
        query: query.q,
        resources,
    }))
}

/// The user named in the path, if the caller may act for them.
fn own(auth: &Auth, user_id: &str) -> Result<UserId, ApiError> {
    let user_id = UserId::parse(user_id).map_err(|_| ApiError::not_found("no such user"))?;
    if user_id != auth.0.user_id && !auth.0.is_admin() {
        return Err(ApiError::forbidden("you may see and change only your own checklist"));
    }
    Ok(user_id)
}

/// A user's settling-in checklist with their marks.
#[utoipa::path(get, path = "/users/{user_id}/checklist", tag = "migration",
    params(("user_id" = String, Path)),
    responses(
        (status = 200, body = Checklist),
        (status = 403, description = "Another user's checklist (admins excepted)", body = ErrorBody),
    ))]
async fn checklist(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(user_id): AppPath<String>,
) -> Result<Json<Checklist>, ApiError> {
    let user_id = own(&auth, &user_id)?;
    Ok(Json(migration::checklist(&state.pool, user_id.as_str()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Mark {
    done: bool,
}

/// Marks an item done or not done; the whole checklist comes back.
#[utoipa::path(put, path = "/users/{user_id}/checklist/{item_id}", tag = "migration", request_body = Mark,
    params(("user_id" = String, Path), ("item_id" = String, Path)),
    responses(
        (status = 200, body = Checklist),
        (status = 403, description = "Another user's checklist (admins excepted)", body = ErrorBody),
        (status = 404, description = "No such checklist item", body = ErrorBody),
    ))]
async fn mark(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath((user_id, item_id)): AppPath<(String, String)>,
    AppJson(body): AppJson<Mark>,
) -> Result<Json<Checklist>, ApiError> {
    let user_id = own(&auth, &user_id)?;
    let correlation = correlation_id(request_id.as_deref());
    let checkpoint = migration::mark(
        &state.store,
        user_id.as_str(),
        &item_id,
        body.done,
        auth.0.user_id.as_str(),
        correlation.as_deref(),
    )
    .await?;
    state
        .projector
        .wait_for(Projection::Checklists, checkpoint, state.read_your_writes_timeout)
        .await;
    Ok(Json(migration::checklist(&state.pool, user_id.as_str()).await?))
}
