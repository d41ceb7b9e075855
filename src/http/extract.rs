//! Extractors whose rejections speak our error shape (the conversions are in `error.rs`): JSON
//! bodies, query strings, paths, and the caller the authentication layer verified.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use hijraah_domain::user::Role;

use super::AppState;
use super::authentication::Authentication;
use super::error::ApiError;
use crate::auth::Principal;

/// `axum::Json` with our errors: 400 for malformed JSON, 422 for the wrong shape or types, 413
/// for a body over the limit, 415 without a JSON content type.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

/// The caller, as the authentication layer verified their token (once per request).
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authentication>() {
            Some(Authentication::Verified(principal)) => Ok(Auth(principal.clone())),
            Some(Authentication::Refused(reason)) => Err(ApiError::unauthorized(reason.clone())),
            None => Err(ApiError::unauthorized("send `Authorization: Bearer <token>`")),
        }
    }
}

impl Auth {
    /// Refuses callers without one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Principal, ApiError> {
        if self.0.has_any_role(roles) {
            Ok(&self.0)
        } else {
            let names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "this needs one of the roles: {}",
                names.join(", ")
            )))
        }
    }
}
