//! What runs add to the process's metrics (the exporter lives with the HTTP layer).

/// What a finished run adds to the metrics.
pub(crate) fn record_run(result: &serde_json::Value, queued_ms: i64, started_ms: i64) {
    let language = result["language"]["id"]
        .as_str()
        .unwrap_or("unknown")
        .to_string();
    let verdict = result["verdict"]
        .as_str()
        .unwrap_or("internal_error")
        .to_string();
    metrics::counter!("codecollab_runs_total", "language" => language.clone(), "verdict" => verdict).increment(1);
    metrics::histogram!("codecollab_queue_wait_seconds")
        .record((started_ms - queued_ms).max(0) as f64 / 1000.0);
    if let Some(wall) = result["wall_ms"].as_u64() {
        metrics::histogram!("codecollab_run_duration_seconds", "language" => language.clone())
            .record(wall as f64 / 1000.0);
    }
    if let Some(kib) = result["memory_kib"].as_u64() {
        metrics::histogram!("codecollab_run_peak_memory_bytes", "language" => language)
            .record((kib * 1024) as f64);
    }
}
