//! Browser sessions for the web app and the admin panel. A session is the same signed token the
//! API takes as a bearer token, kept in an `HttpOnly; SameSite=Strict` cookie: page scripts never
//! see it (an injected script cannot steal it), and other sites cannot send it. A request signed
//! in by the cookie that changes anything must also carry the `X-Hijraah-CSRF` header, which a
//! cross-site form cannot send. SECURITY.md gives the reasoning.
//!
//! - `GET /api/v1/session/options`: whether the development sign-in is open (loopback binds only).
//! - `POST /api/v1/session` `{"token"}`: exchanges a token (from `hijraah token`, or an identity
//!   provider) for the cookie.
//! - `POST /api/v1/session/dev` `{"user", "role"}`: on a loopback bind only, signs in as anyone.
//! - `GET /api/v1/session`: who is signed in. `DELETE /api/v1/session`: signs out.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, Auth};
use crate::auth::Principal;

/// The session cookie's name.
pub const COOKIE: &str = "hijraah_session";
/// The header a cookie-signed request that changes anything must carry.
pub const CSRF_HEADER: &str = "x-hijraah-csrf";
/// How long a development sign-in lasts.
const DEV_SESSION: Duration = Duration::from_secs(12 * 3600);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(options))
        .routes(routes!(who, sign_in, sign_out))
        .routes(routes!(dev_sign_in))
}

/// The session token a request's cookies carry, if any.
pub fn token_from_cookies(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[derive(Debug, Serialize, ToSchema)]
struct SessionOptions {
    /// Whether `POST /api/v1/session/dev` is open (a loopback bind: development only).
    dev_sign_in: bool,
}

/// What sign-in the server offers.
#[utoipa::path(get, path = "/session/options", tag = "session",
    responses((status = 200, body = SessionOptions)))]
async fn options(State(state): State<AppState>) -> Json<SessionOptions> {
    Json(SessionOptions {
        dev_sign_in: state.web.dev_sign_in,
    })
}

#[derive(Debug, Serialize, ToSchema)]
struct SignedIn {
    user_id: String,
    role: Role,
}

impl From<&Principal> for SignedIn {
    fn from(principal: &Principal) -> Self {
        SignedIn {
            user_id: principal.user_id.as_str().to_owned(),
            role: principal.role,
        }
    }
}

/// Who is signed in (by the cookie, or by a bearer token).
#[utoipa::path(get, path = "/session", tag = "session",
    responses(
        (status = 200, body = SignedIn),
        (status = 401, description = "Not signed in, or the session expired", body = ErrorBody),
    ))]
async fn who(auth: Auth) -> Json<SignedIn> {
    Json(SignedIn::from(&auth.0))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    #[schema(max_length = 4096)]
    token: String,
}

/// Exchanges a token for a session cookie.
#[utoipa::path(post, path = "/session", tag = "session",
    request_body = TokenBody,
    responses(
        (status = 200, body = SignedIn),
        (status = 401, description = "The token is not valid or has expired", body = ErrorBody),
    ))]
async fn sign_in(State(state): State<AppState>, AppJson(body): AppJson<TokenBody>) -> Result<Response, ApiError> {
    let token = body.token.trim();
    let principal = state
        .keys
        .verify(token)
        .map_err(|error| ApiError::unauthorized(format!("that token cannot sign you in: {error}")))?;
    Ok(with_cookie(&state, &principal, token, None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DevSignIn {
    /// A user id: 1 to 128 characters, not starting or ending with a space, without control,
    /// zero-width or direction characters.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF](?:[^\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF])?$"
    )]
    user: String,
    #[serde(default = "user_role")]
    role: Role,
}

fn user_role() -> Role {
    Role::User
}

/// Development sign-in: anyone, with any role, for 12 hours. Only on a loopback bind (404
/// otherwise: a real deployment signs in with its identity provider's tokens).
#[utoipa::path(post, path = "/session/dev", tag = "session",
    request_body = DevSignIn,
    responses(
        (status = 200, body = SignedIn),
        (status = 404, description = "Not offered: the server is not on a loopback address", body = ErrorBody),
        (status = 422, description = "Not a valid user id", body = ErrorBody),
    ))]
async fn dev_sign_in(State(state): State<AppState>, AppJson(body): AppJson<DevSignIn>) -> Result<Response, ApiError> {
    if !state.web.dev_sign_in {
        return Err(ApiError::not_found(
            "the development sign-in is only offered on a loopback address",
        ));
    }
    let user_id = UserId::parse(&body.user).map_err(|error| ApiError::invalid(error.to_string()))?;
    let token = state
        .keys
        .mint(&user_id, body.role, DEV_SESSION)
        .map_err(ApiError::internal)?;
    let principal = Principal {
        user_id,
        role: body.role,
    };
    Ok(with_cookie(&state, &principal, &token, Some(DEV_SESSION)))
}

/// Signs out: the cookie is cleared.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204, description = "Signed out")))]
async fn sign_out(State(state): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cookie = format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        secure(&state)
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn secure(state: &AppState) -> &'static str {
    if state.web.secure_cookies { "; Secure" } else { "" }
}

fn with_cookie(state: &AppState, principal: &Principal, token: &str, max_age: Option<Duration>) -> Response {
    let mut response = Json(SignedIn::from(principal)).into_response();
    let max_age = max_age
        .map(|age| format!("; Max-Age={}", age.as_secs()))
        .unwrap_or_default();
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{max_age}{}",
        secure(state)
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
