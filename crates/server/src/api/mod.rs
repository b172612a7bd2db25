//! The routes of the API, each with its access rule (see `table`).

mod languages;
mod runs;
mod snippets;
mod stream;
mod table;

use crate::AppState;
use crate::auth::Access;
use axum::Router;

pub use runs::{FileBody, LimitsBody, RunBody, ready, submit, view, visible_run, wait_final};
pub use table::{RouteInfo, Table, access_of, routes};

/// Every route: the native API, accounts, the compatible APIs, documents and probes.
pub fn table() -> Table {
    use crate::compat::{judge0, piston};
    Table::new()
        .post("/api/v1/runs", Access::Runs, runs::create)
        .get("/api/v1/runs/{id}", Access::Runs, runs::show)
        .post("/api/v1/runs/{id}/cancel", Access::Runs, runs::cancel)
        .get("/api/v1/runs/{id}/events", Access::Runs, stream::events)
        .get("/api/v1/languages", Access::Public, languages::list)
        .get("/api/v1/limits", Access::Public, languages::limits)
        .post("/api/v1/snippets", Access::Runs, snippets::create)
        .get("/api/v1/snippets/{id}", Access::Public, snippets::show)
        .merge(crate::auth::auth_routes())
        .merge(crate::auth::token_routes())
        .merge(crate::auth::admin_routes())
        .post("/submissions", Access::Runs, judge0::create)
        .post("/submissions/batch", Access::Runs, judge0::create_batch)
        .get("/submissions/batch", Access::Runs, judge0::show_batch)
        .get("/submissions/{token}", Access::Runs, judge0::show)
        .get("/languages", Access::Public, judge0::languages)
        .get("/languages/{id}", Access::Public, judge0::language)
        .get("/statuses", Access::Public, judge0::statuses)
        .get("/about", Access::Public, judge0::about)
        .get("/config_info", Access::Public, judge0::config_info)
        .post("/api/v2/execute", Access::Runs, piston::execute)
        .get("/api/v2/runtimes", Access::Public, piston::runtimes)
        .get("/api/openapi.json", Access::Public, openapi)
        .get("/docs", Access::Public, docs)
        .get("/healthz", Access::Public, || async { "ok" })
        .get("/readyz", Access::Public, runs::ready)
        .get("/metrics", Access::Public, crate::metrics::render)
}

pub fn router() -> Router<AppState> {
    table().into_parts().0
}

/// The OpenAPI document (written by hand next to the routes; a test checks they agree).
pub const OPENAPI: &str = include_str!("../docs/openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

async fn docs() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../docs/index.html"))
}
