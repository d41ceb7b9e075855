//! Authentication, once per request: the bearer token is verified here and the result put in
//! the request's extensions, where the rate limiter (which keys on the caller) and the handlers'
//! [`super::extract::Auth`] read it.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use crate::auth::{Principal, TokenError};

/// What the `Authorization` header established, if it was sent.
#[derive(Debug, Clone)]
pub enum Authentication {
    Verified(Principal),
    /// Sent but not acceptable, and why (said in the 401).
    Refused(String),
}

impl Authentication {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Authentication::Verified(principal) => Some(principal),
            Authentication::Refused(_) => None,
        }
    }
}

/// Verifies the bearer token of a request, if it carries one.
pub fn authenticate_header(state: &AppState, request: &Request) -> Option<Authentication> {
    let value = request.headers().get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    Some(match token {
        None => Authentication::Refused("the Authorization header must be `Bearer <token>`".to_owned()),
        Some(token) => match state.keys.verify(token) {
            Ok(principal) => Authentication::Verified(principal),
            Err(TokenError::Expired) => Authentication::Refused("the token has expired".to_owned()),
            Err(other) => Authentication::Refused(other.to_string()),
        },
    })
}

/// The session cookie's verdict, when no `Authorization` header was sent. A cookie-signed request
/// that changes anything must carry the CSRF header (a cross-site form cannot set it).
pub fn authenticate_cookie(state: &AppState, request: &Request) -> Option<Authentication> {
    let token = super::session::token_from_cookies(request.headers())?;
    let safe = matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    if !safe && !request.headers().contains_key(super::session::CSRF_HEADER) {
        return Some(Authentication::Refused(format!(
            "a request signed in by the session cookie must send the `{}` header",
            super::session::CSRF_HEADER
        )));
    }
    Some(match state.keys.verify(token) {
        Ok(principal) => Authentication::Verified(principal),
        Err(TokenError::Expired) => Authentication::Refused("your session has expired: sign in again".to_owned()),
        Err(other) => Authentication::Refused(format!("your session is not valid: {other}")),
    })
}

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let authentication = authenticate_header(&state, &request).or_else(|| authenticate_cookie(&state, &request));
    if let Some(authentication) = authentication {
        request.extensions_mut().insert(authentication);
    }
    next.run(request).await
}
