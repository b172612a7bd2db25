//! How fast a chunk of output reaches a WebSocket client after the program writes it
//! (`cargo bench -p server --bench relay`). The program prints its clock (CLOCK_REALTIME, in
//! ns) every 20 ms; the client, on the same machine, subtracts it from the arrival time. The
//! program waits half a second first, so that the client is connected before the first chunk.

use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CHUNKS: usize = 100;

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    // The tests' harness: a real server on 127.0.0.1:0 with SQLite, removed on drop.
    let server = common::start(server::ServerConfig::default());
    let base = server.base.trim_start_matches("http://").to_string();
    let program = format!(
        "import time, sys\ntime.sleep(0.5)\nfor _ in range({CHUNKS}):\n    sys.stdout.write(str(time.time_ns()) + '\\n')\n    sys.stdout.flush()\n    time.sleep(0.02)"
    );
    let body = json!({"language": "python", "source": program}).to_string();
    let created: Value = serde_json::from_str(
        &ureq::post(&format!("http://{base}/api/v1/runs"))
            .set("content-type", "application/json")
            .send_string(&body)
            .expect("submit")
            .into_string()
            .expect("body"),
    )
    .expect("json");
    let id = created["id"].as_str().expect("id");
    let (mut socket, _) =
        tungstenite::connect(format!("ws://{base}/api/v1/runs/{id}/events")).expect("websocket");
    let mut latencies = Vec::new();
    loop {
        let tungstenite::Message::Text(text) = socket.read().expect("message") else {
            continue;
        };
        let arrived = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos() as i128;
        let message: Value = serde_json::from_str(&text).expect("json");
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
    let at = |p: f64| {
        latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
    };
    println!(
        "WebSocket relay, {} chunks: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
