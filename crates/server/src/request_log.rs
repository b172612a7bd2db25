//! One log line per HTTP request, with a request id: the client's `X-Request-Id` when it sent a
//! sane one (a proxy in front may have made it), else a fresh one. Every line logged while the
//! request is handled carries it, and the response returns it.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

const HEADER: &str = "x-request-id";

fn from_client(request: &Request) -> Option<HeaderValue> {
    let value = request.headers().get(HEADER)?;
    let text = value.to_str().ok()?;
    let sane = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| value.clone())
}

pub async fn log(request: Request, next: Next) -> Response {
    let id = from_client(&request)
        .or_else(|| {
            crate::ids::request_id()
                .ok()
                .and_then(|id| HeaderValue::from_str(&id).ok())
        })
        .unwrap_or_else(|| HeaderValue::from_static("-"));
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let span = tracing::info_span!(
        "http",
        request_id = id.to_str().unwrap_or("-"),
        method = %request.method(),
        route = %route,
    );
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, ms, "request");
        } else {
            tracing::info!(status, ms, "request");
        }
    });
    response.headers_mut().insert(HEADER, id);
    response
}
