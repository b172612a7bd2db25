//! Cross-process relay against the in-process relay, in one run
//! (`cargo bench -p codecollab --bench cluster_relay`): how fast a chunk of output reaches a
//! WebSocket client after the program writes it, (a) when the client is on the `serve` process
//! that executes the run, (b) when the run executes on a `worker` and the client is on an API
//! replica (`serve --workers 0`), both on the same PostgreSQL. The program prints its clock
//! (CLOCK_REALTIME, ns) every 20 ms after a half-second pause (the client connects meanwhile);
//! the client subtracts it from the arrival time.

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::*;

const CHUNKS: usize = 200;

fn latencies(submit_to: &str, watch_on: &str) -> Vec<Duration> {
    let program = format!(
        "import time, sys\ntime.sleep(0.5)\nfor _ in range({CHUNKS}):\n    sys.stdout.write(str(time.time_ns()) + '\\n')\n    sys.stdout.flush()\n    time.sleep(0.02)"
    );
    let created = post(
        submit_to,
        "/api/v1/runs",
        &json!({"language": "python", "source": program}),
    );
    let id = created["id"].as_str().expect("id");
    let mut socket = events(watch_on, id);
    let mut latencies = Vec::new();
    while let Some(message) = next(&mut socket) {
        let arrived = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos() as i128;
        if message["type"] == "result" {
            break;
        }
        if message["type"] == "stdout" && message["stage"] == "run" {
            for line in message["data"].as_str().unwrap_or_default().lines() {
                if let Ok(written) = line.trim().parse::<i128>() {
                    latencies.push(Duration::from_nanos((arrived - written).max(0) as u64));
                }
            }
        }
    }
    latencies.sort_unstable();
    latencies
}

fn percentiles(name: &str, latencies: &[Duration]) -> f64 {
    let at = |p: f64| {
        latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
    };
    println!(
        "{name:<44} {} chunks: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
    at(0.99)
}

fn main() {
    let db = Database::new("relay_bench");
    let serving = Process::start(&[
        "serve",
        "--workers",
        "1",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
    ]);
    // Warm-up: the toolchain detection and the first sandbox of each process.
    let _ = latencies(&serving.base, &serving.base);
    let local = latencies(&serving.base, &serving.base);
    let local_p99 = percentiles("in-process (serve --workers 1)", &local);
    drop(serving);
    let replica = Process::replica(&db);
    let _worker = Process::worker(&db);
    let _ = latencies(&replica.base, &replica.base);
    let remote = latencies(&replica.base, &replica.base);
    let remote_p99 = percentiles("cross-process (worker -> PostgreSQL -> replica)", &remote);
    println!(
        "p99 difference: {:+.2} ms (target: within 5 ms)",
        remote_p99 - local_p99
    );
}
