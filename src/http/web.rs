//! The web app (`/`) and the admin panel (`/admin`): static pages and plain ES modules compiled
//! into the binary (`web/`), no build step and no third-party origin. Every page is served with a
//! strict Content-Security-Policy: scripts and styles from this origin only, never inline, so a
//! message that carries `<script>` can only ever be text (the scripts also only ever write
//! `textContent`). Assets are served with an ETag (the hash of their content) and revalidated.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};

/// The policy of every page: this origin only, nothing inline, no framing, no plugins.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 8] = [
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app.js"),
    },
    Asset {
        name: "admin.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/admin.js"),
    },
    Asset {
        name: "common.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/common.js"),
    },
    Asset {
        name: "chart.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/chart.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../web/app.css"),
    },
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../web/index.html"),
    },
    Asset {
        // Amiri Quran's Arabic subset (SIL OFL 1.1, `web/fonts/OFL.txt`): the Uthmani marks.
        name: "amiri-quran-arabic.woff2",
        content_type: "font/woff2",
        body: include_bytes!("../../web/fonts/amiri-quran-arabic.woff2"),
    },
    Asset {
        name: "admin.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../web/admin.html"),
    },
];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(app))
        .routes(routes!(admin))
        .routes(routes!(asset))
        .layer(tower_http::compression::CompressionLayer::new())
}

fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return ApiError::not_found("no such asset").into_response();
    };
    let digest = Sha256::digest(asset.body);
    let etag = format!("\"{}\"", hijraah_domain::hex(&digest[..12]));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    response
}

/// The web app.
#[utoipa::path(get, path = "/", tag = "web",
    responses((status = 200, description = "The web app's page", content_type = "text/html", body = String)))]
async fn app(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

/// The admin panel (admins, curators and analysts see what their role allows).
#[utoipa::path(get, path = "/admin", tag = "web",
    responses((status = 200, description = "The admin panel's page", content_type = "text/html", body = String)))]
async fn admin(headers: HeaderMap) -> Response {
    serve("admin.html", &headers)
}

/// The pages' scripts and style.
#[utoipa::path(get, path = "/assets/{file}", tag = "web",
    params(("file" = String, Path, description = "app.js, admin.js, common.js, chart.js, app.css or amiri-quran-arabic.woff2")),
    responses(
        (status = 200, description = "The asset", content_type = "text/plain", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No such asset", body = ErrorBody),
    ))]
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    if file.ends_with(".html") {
        return ApiError::not_found("no such asset").into_response();
    }
    serve(&file, &headers)
}
