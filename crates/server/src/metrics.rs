//! Prometheus metrics at `/metrics`: the recorder and exporter of the process (the runs crate
//! records runs by language and verdict, queue wait, duration and peak memory), queue depth,
//! HTTP requests by route and status, open WebSockets.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// One recorder per process (every server in it shares it, as a Prometheus scrape expects).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        ];
        let bytes = [1e6, 4e6, 16e6, 64e6, 128e6, 256e6, 512e6, 1e9, 2e9, 4e9];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_bytes".into()), &bytes));
        let recorder = builder
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first; then ours still renders what it
        // records through the handle (nothing), which the endpoint shows honestly.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

/// The `# HELP` line of every metric the process records.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "codecollab_http_requests_total",
        "HTTP requests answered, by route template, method and status"
    );
    describe_counter!(
        "codecollab_connections_refused_total",
        "connections refused past --max-connections (503 too_many_connections)"
    );
    describe_gauge!(
        "codecollab_websocket_connections",
        "events WebSockets open now"
    );
    describe_gauge!(
        "codecollab_queue_depth",
        "runs queued, waiting for a worker"
    );
    describe_counter!(
        "codecollab_runs_total",
        "runs finished, by language and verdict"
    );
    describe_histogram!(
        "codecollab_queue_wait_seconds",
        Unit::Seconds,
        "time from submission to a worker claiming the run"
    );
    describe_histogram!(
        "codecollab_run_duration_seconds",
        Unit::Seconds,
        "wall time of a run (compile and run), by language"
    );
    describe_histogram!(
        "codecollab_run_peak_memory_bytes",
        Unit::Bytes,
        "peak memory of a run's process tree, by language"
    );
    describe_counter!(
        "codecollab_sign_ins_total",
        "sign-in attempts by outcome: ok, invalid_credentials, disabled, rate_limited"
    );
}

/// Makes sure the recorder exists before anything records.
pub fn install() {
    handle();
}

pub async fn render(State(state): State<AppState>) -> Response {
    if let Ok(depth) = state.store.queue_depth().await {
        metrics::gauge!("codecollab_queue_depth").set(depth as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}

/// Counts every request by its route template (not its path: ids would explode the label).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let method = known_method(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("codecollab_http_requests_total", "route" => route, "method" => method, "status" => status).increment(1);
    response
}

/// The method as a label: any other method (a client may invent them without end) is one
/// label, not a new series each.
fn known_method(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Open WebSockets, kept right by a guard that decrements on drop.
pub struct WebSocketGauge;

impl WebSocketGauge {
    pub fn open() -> Self {
        metrics::gauge!("codecollab_websocket_connections").increment(1.0);
        WebSocketGauge
    }
}

impl Drop for WebSocketGauge {
    fn drop(&mut self) {
        metrics::gauge!("codecollab_websocket_connections").decrement(1.0);
    }
}
