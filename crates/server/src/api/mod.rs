//! The routes of the native API.

mod languages;
mod runs;
mod snippets;
mod stream;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use runs::{FileBody, LimitsBody, RunBody, client_of, ready, submit, view, wait_final};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/runs", post(runs::create))
        .route("/api/v1/runs/{id}", get(runs::show))
        .route("/api/v1/runs/{id}/cancel", post(runs::cancel))
        .route("/api/v1/runs/{id}/events", get(stream::events))
        .route("/api/v1/languages", get(languages::list))
        .route("/api/v1/snippets", post(snippets::create))
        .route("/api/v1/snippets/{id}", get(snippets::show))
        .route("/submissions", post(crate::compat::judge0::create))
        .route(
            "/submissions/batch",
            post(crate::compat::judge0::create_batch).get(crate::compat::judge0::show_batch),
        )
        .route("/submissions/{token}", get(crate::compat::judge0::show))
        .route("/languages", get(crate::compat::judge0::languages))
        .route("/languages/{id}", get(crate::compat::judge0::language))
        .route("/statuses", get(crate::compat::judge0::statuses))
        .route("/about", get(crate::compat::judge0::about))
        .route("/config_info", get(crate::compat::judge0::config_info))
        .route("/api/v2/execute", post(crate::compat::piston::execute))
        .route("/api/v2/runtimes", get(crate::compat::piston::runtimes))
        .route("/api/openapi.json", get(openapi))
        .route(
            "/docs",
            get(|| async { axum::response::Html(include_str!("../docs/index.html")) }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(runs::ready))
}

/// The OpenAPI document (written by hand next to the routes; a test checks they agree).
pub const OPENAPI: &str = include_str!("../docs/openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}
