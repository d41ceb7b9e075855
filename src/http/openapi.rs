//! The OpenAPI document, generated from the code: each handler's `#[utoipa::path]` and the
//! types it takes and returns, collected by the routers (`utoipa-axum`), so the routes served and
//! the routes documented are one list. What every operation can answer besides its own
//! outcomes (401 and 429 on every token-guarded route, 400/413/415 for a JSON body, 422 for
//! values, 404 for a path parameter that names nothing, 500 and 503) is added here, once.

use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, HttpMethod, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};

use super::error::{ErrorBody, ErrorCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hijraah API",
        description = "An open backend for Islamic-community assistants: specialised agents behind one chat, \
                       exact calculators, a knowledge store of the Qur'an and hadith with citations, and the \
                       event log they are all recorded in. Errors are always `{\"error\": <code>, \"message\": <text>}`; \
                       the codes are the `ErrorCode` schema.",
        license(name = "AGPL-3.0-or-later"),
    ),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "conversations", description = "The chat and its conversations"),
        (name = "agents", description = "Agent health and custom agents"),
        (name = "knowledge", description = "Searching and curating the texts"),
        (name = "calculators", description = "Zakat, prayer times, qibla and the Hijri calendar"),
        (name = "community", description = "Mosques and community events"),
        (name = "migration", description = "Settling in: the guide and the checklist"),
        (name = "analytics", description = "Usage aggregates"),
        (name = "events", description = "The event log"),
        (name = "users", description = "Erasure and export"),
        (name = "workflows", description = "Durable workflows across agents: definitions, runs, signals"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    ),
)]
pub struct ApiDoc;

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            )
            .build(),
    )
}

fn add(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error_response(description));
}

/// The operations under `/api/v1/` that answer without a token: the sign-in page's options, the
/// development sign-in (a loopback server only), and signing out (it clears the cookie, whoever
/// asks).
fn is_public(path: &str, method: &HttpMethod) -> bool {
    matches!(
        (path, method),
        ("/api/v1/session/options", HttpMethod::Get)
            | ("/api/v1/session/dev", HttpMethod::Post)
            | ("/api/v1/session", HttpMethod::Delete)
    )
}

/// Adds what every operation can answer, and the bearer token to those that need one.
pub fn complete(mut document: Document) -> Document {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (path, item) in document.paths.paths.iter_mut() {
        let guarded = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        for method in [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Delete,
            HttpMethod::Patch,
        ] {
            let operation = match method {
                HttpMethod::Get => item.get.as_mut(),
                HttpMethod::Post => item.post.as_mut(),
                HttpMethod::Put => item.put.as_mut(),
                HttpMethod::Delete => item.delete.as_mut(),
                HttpMethod::Patch => item.patch.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else { continue };
            if guarded && !is_public(path, &method) {
                operation.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
                add(operation, "401", "No token, or a token that is not valid");
            }
            if guarded {
                // Anonymous requests are rate limited too, by address.
                add(operation, "429", "Rate limited; `Retry-After` says when to try again");
            }
            if operation.request_body.is_some() {
                add(operation, "400", "The body is not valid JSON");
                add(operation, "413", "The body is larger than the server accepts");
                add(operation, "415", "The body is not sent as `application/json`");
                add(operation, "422", "A value is invalid");
            }
            let located = |place: ParameterIn| {
                operation
                    .parameters
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|parameter| matches!(parameter, RefOr::T(parameter) if parameter.parameter_in == place))
            };
            let (query, in_path) = (located(ParameterIn::Query), located(ParameterIn::Path));
            if query {
                add(operation, "422", "A query parameter is invalid");
            }
            if in_path {
                add(operation, "404", "The path names nothing we have");
            }
            add(operation, "500", "Our fault; the cause is in the server's log");
            add(
                operation,
                "503",
                "A dependency is unavailable; `Retry-After` says when to try again",
            );
        }
    }
    document
}

/// Schema-only types for what the handlers check themselves and utoipa's field attributes cannot
/// state: the items of a list (the attributes constrain the list), and a list inside an untagged
/// enum's variant.
pub mod items {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    fn text(min: usize, max: usize, pattern: &str, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(min))
            .max_length(Some(max))
            .pattern(Some(pattern))
            .description(Some(description))
            .into()
    }

    /// A mosque's facility: text that is not blank, at most 2000 characters, no control
    /// characters but new lines and tabs.
    pub struct Facility;

    impl utoipa::PartialSchema for Facility {
        fn schema() -> RefOr<Schema> {
            text(
                1,
                2000,
                r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$",
                "Not blank; at most 2000 characters",
            )
        }
    }

    impl utoipa::ToSchema for Facility {}

    /// A custom agent's keyword: a word or phrase that is not blank, at most 100 characters.
    pub struct Keyword;

    impl utoipa::PartialSchema for Keyword {
        fn schema() -> RefOr<Schema> {
            text(1, 100, r"\S", "A word or phrase, not blank; at most 100 characters")
        }
    }

    impl utoipa::ToSchema for Keyword {}

    /// A batch of knowledge documents: 1 to 1000 objects, each in a format the importer reads.
    pub struct DocumentList;

    impl utoipa::PartialSchema for DocumentList {
        fn schema() -> RefOr<Schema> {
            use utoipa::openapi::schema::ArrayBuilder;
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::Object))
                .min_items(Some(1))
                .max_items(Some(1000))
                .into()
        }
    }

    impl utoipa::ToSchema for DocumentList {}
}
