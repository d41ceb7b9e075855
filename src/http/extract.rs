//! Extractors whose rejections speak our error shape (the conversions are in `error.rs`): JSON
//! bodies, query strings, paths, and the caller the authentication layer verified.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use hijraah_domain::user::Role;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};

use super::AppState;
use super::authentication::Authentication;
use super::error::ApiError;
use crate::auth::Principal;

/// `axum::Json` with our errors: 400 for malformed JSON, 422 for the wrong shape or types, 413
/// for a body over the limit, 415 without a JSON content type.
///
/// The body must be a JSON object, as every request schema says. serde would otherwise read a
/// struct from an array by position, so `[]` passed for a body whose fields all have defaults,
/// and `["walker", "user"]` for one with two fields.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(JsonObject(value)) = axum::Json::<JsonObject<T>>::from_request(request, state).await?;
        Ok(AppJson(value))
    }
}

/// `AppJson` for the few bodies that may also be a bare array (a batch of documents).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJsonAny<T>(pub T);

/// A `T` read only from a JSON object: anything else is a data error (422).
struct JsonObject<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectOnly<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
            type Value = T;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(ObjectOnly(PhantomData)).map(JsonObject)
    }
}

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
