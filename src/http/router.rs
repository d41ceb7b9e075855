//! The learned router over HTTP: `GET /api/v1/router/status` (admin, analyst) says what routes
//! (the rules, or a model by name and version), which model runs in shadow and how often it
//! agreed with the live router, and how many decisions each router made; `POST
//! /api/v1/router/models/{name}/promote` and `POST /api/v1/router/rollback` (admin) do what the
//! `hijraah learn` commands do.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hijraah_domain::events::ModelRef;
use hijraah_domain::user::Role;
use hijraah_projections::queries::{self, ShadowAgreement};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppPath, Auth};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(promote))
        .routes(routes!(rollback))
}

/// `"rules"`, or the active model `{"name", "version"}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum Active {
    Rules(String),
    Model(ModelRef),
}

#[derive(Debug, Serialize, ToSchema)]
struct RouterStatus {
    active: Active,
    /// The model running in shadow, if any.
    shadow: Option<ModelRef>,
    /// How often the shadow model's proposal was the live router's choice.
    agreement: Option<ShadowAgreement>,
    /// Routing decisions recorded per router (`rules`, or `name@version`).
    decisions: std::collections::BTreeMap<String, i64>,
}

/// What routes, and how a shadow model compares.
#[utoipa::path(get, path = "/router/status", tag = "learning",
    responses(
        (status = 200, body = RouterStatus),
        (status = 403, description = "Needs the admin or analyst role", body = ErrorBody),
    ))]
async fn status(State(state): State<AppState>, auth: Auth) -> Result<Json<RouterStatus>, ApiError> {
    auth.require(&[Role::Admin, Role::Analyst])?;
    state
        .router
        .sync()
        .await
        .map_err(|error| ApiError::internal(format!("{error:#}")))?;
    let (active, shadow) = state.router.current();
    let agreement = match &shadow {
        Some(model) => Some(queries::shadow_agreement(&state.pool, &model.name, &model.version).await?),
        None => None,
    };
    Ok(Json(RouterStatus {
        active: active.map_or_else(|| Active::Rules("rules".to_owned()), Active::Model),
        shadow,
        agreement,
        decisions: queries::router_decisions(&state.pool).await?,
    }))
}

/// Promotes the latest model trained under `name` (`hijraah learn train --out NAME`); refused
/// with 409 `model_not_better` unless it beat the rules' F1 on its held-out judged requests.
#[utoipa::path(post, path = "/router/models/{name}/promote", tag = "learning",
    params(("name" = String, Path)),
    responses(
        (status = 202, body = ModelRef),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
        (status = 404, description = "No model of that name", body = ErrorBody),
        (status = 409, description = "The model does not beat the rules", body = ErrorBody),
    ))]
async fn promote(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(name): AppPath<String>,
) -> Result<(StatusCode, Json<ModelRef>), ApiError> {
    auth.require(&[Role::Admin])?;
    let promoted = crate::learn::promote(&state.store, state.router.models(), &name, auth.0.user_id.as_str()).await?;
    state
        .router
        .sync()
        .await
        .map_err(|error| ApiError::internal(format!("{error:#}")))?;
    Ok((StatusCode::ACCEPTED, Json(promoted)))
}

/// Returns routing to the rules.
#[utoipa::path(post, path = "/router/rollback", tag = "learning",
    responses(
        (status = 202, description = "The rules route again"),
        (status = 403, description = "Needs the admin role", body = ErrorBody),
    ))]
async fn rollback(State(state): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    auth.require(&[Role::Admin])?;
    crate::learn::rollback(&state.store, Some(&state.router), auth.0.user_id.as_str()).await?;
    state
        .router
        .sync()
        .await
        .map_err(|error| ApiError::internal(format!("{error:#}")))?;
    Ok(StatusCode::ACCEPTED)
}
