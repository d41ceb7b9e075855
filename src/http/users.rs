//! The right to erasure and the right of access (the commands are `privacy::rights`):
//! `DELETE /api/v1/users/{id}` and `GET /api/v1/users/{id}/export`. The user themself or an
//! admin.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use hijraah_domain::ids::UserId;
use tower_http::request_id::RequestId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppPath, Auth};
use super::{AppState, correlation_id};
use crate::privacy::rights::{Export, Rights};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(erase)).routes(routes!(export))
}

/// The user in the path, if the caller is them or an admin.
fn subject(auth: &Auth, user_id: &str) -> Result<UserId, ApiError> {
    let user_id = UserId::parse(user_id).map_err(|_| ApiError::not_found("no such user"))?;
    if user_id != auth.0.user_id && !auth.0.is_admin() {
        return Err(ApiError::forbidden("only the user themself or an admin may do this"));
    }
    Ok(user_id)
}

fn rights(state: &AppState) -> Rights<'_> {
    Rights {
        pool: &state.pool,
        store: &state.store,
        vault: &state.vault,
        chat: &state.chat,
        projector: &state.projector,
        read_your_writes_timeout: state.read_your_writes_timeout,
    }
}

/// Erases a user's personal data (crypto-shredding): their content reads as erased everywhere,
/// read models drop their rows, counts stay.
#[utoipa::path(delete, path = "/users/{user_id}", tag = "users",
    params(("user_id" = String, Path)),
    responses(
        (status = 204, description = "Erased"),
        (status = 403, description = "Another user (admins excepted)", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
async fn erase(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(user_id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    let user_id = subject(&auth, &user_id)?;
    rights(&state)
        .erase(&user_id, &auth.0.user_id, &correlation_id(request_id.as_deref()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything we hold about a user.
#[utoipa::path(get, path = "/users/{user_id}/export", tag = "users",
    params(("user_id" = String, Path)),
    responses(
        (status = 200, body = Export),
        (status = 403, description = "Another user (admins excepted)", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
async fn export(
    State(state): State<AppState>,
    auth: Auth,
    AppPath(user_id): AppPath<String>,
) -> Result<Json<Export>, ApiError> {
    let user_id = subject(&auth, &user_id)?;
    Ok(Json(rights(&state).export(&user_id).await?))
}
