//! Settling in: the migration guide's resources (any authenticated role) and each user's
//! settling-in checklist (the user themself, or an admin), whose progress is recorded as events.

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use hijraah_domain::ids::UserId;
use hijraah_projections::Projection;
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::request_id::RequestId;

use super::error::ApiError;
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::agents::migration::{self, ChecklistError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/migration/resources", get(resources))
        .route("/users/{user_id}/checklist", get(checklist))
        .route("/users/{user_id}/checklist/{item_id}", put(mark))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceQuery {
    #[serde(default)]
    q: String,
    topic: Option<String>,
    country: Option<String>,
}

async fn resources(_auth: Auth, AppQuery(query): AppQuery<ResourceQuery>) -> Result<Json<Value>, ApiError> {
    if query.q.chars().count() > 500 {
        return Err(ApiError::invalid("q must be at most 500 characters"));
    }
    let found: Vec<Value> = migration::search(&query.q, query.topic.as_deref(), query.country.as_deref())
        .into_iter()
        .map(|(score, resource)| {
            let mut value = json!(resource);
            value["score"] = json!(score);
            value
        })
        .collect();
    Ok(Json(json!({"query": query.q, "resources": found})))
}

/// The user named in the path, if the caller may act for them.
fn own(auth: &Auth, user_id: &str) -> Result<UserId, ApiError> {
    let user_id = UserId::parse(user_id).map_err(|_| ApiError::not_found("no such user"))?;
    if user_id != auth.0.user_id && !auth.0.is_admin() {
        return Err(ApiError::forbidden("you may see and change only your own checklist"));
    }
    Ok(user_id)
}

async fn checklist(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(user_id): AppPath<String>,
) -> Result<Json<Value>, ApiError> {
    let user_id = own(&auth, &user_id)?;
    Ok(Json(migration::checklist(&state.pool, user_id.as_str()).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mark {
    done: bool,
}

async fn mark(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath((user_id, item_id)): AppPath<(String, String)>,
    AppJson(body): AppJson<Mark>,
) -> Result<Json<Value>, ApiError> {
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
    .await
    .map_err(|error| match error {
        ChecklistError::UnknownItem(_) => ApiError::not_found(error.to_string()),
        ChecklistError::Store(store) => store.into(),
    })?;
    state
        .projector
        .wait_for(Projection::Checklists, checkpoint, state.read_your_writes_timeout)
        .await;
    Ok(Json(migration::checklist(&state.pool, user_id.as_str()).await?))
}
