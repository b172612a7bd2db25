//! The web UI, embedded at build time (see build.rs): its files at their paths, and
//! `index.html` for every other page path (`/s/{id}` and the like), which the UI routes itself.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    pub gzip: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// What the page may load and talk to: only this server (the UI's WebSocket included). Program
/// output is rendered as text, never markup; this is the second line of defence.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>CodeCollab</title>\
    <h1>CodeCollab</h1><p>The web UI was not built into this binary. Build it with \
    <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then rebuild \
    <code>codecollab</code> (<code>scripts/run.sh</code> does both). The API is here: \
    <a href=\"/docs\">/docs</a>.</p>";

pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// The router's fallback: UI files and pages for GET and HEAD; a JSON 404 for the rest.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if (method != Method::GET && method != Method::HEAD) || path.starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no route {method} {path}"),
        )
        .into_response();
    }
    let asset = find(path).or_else(|| {
        // A missing file with an extension is a 404, not the page: a stale hashed script must
        // fail loudly instead of being answered with HTML.
        let last = path.rsplit('/').next().unwrap_or_default();
        (!last.contains('.')).then(|| find("/index.html")).flatten()
    });
    match asset {
        Some(asset) => respond(asset, &headers),
        None if ASSETS.is_empty() => page(NOT_BUILT),
        None => ApiError::not_found(&format!("file {path}")).into_response(),
    }
}

fn respond(asset: &Asset, headers: &HeaderMap) -> Response {
    let accepts_gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let (body, gzipped) = match asset.gzip {
        Some(gzip) if accepts_gzip => (gzip, true),
        _ => (asset.body, false),
    };
    let mut response = body.into_response();
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // Vite names what it builds under /assets/ by content hash: it never changes.
    let cache = if asset.path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if gzipped {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if asset.content_type.starts_with("text/html") {
        secure_page(out);
    }
    response
}

fn page(html: &'static str) -> Response {
    let mut response = axum::response::Html(html).into_response();
    secure_page(response.headers_mut());
    response
}

fn secure_page(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
