//! Shared helpers of the server's tests: a real server on 127.0.0.1:0, and an HTTP client.
#![allow(dead_code)]

use serde_json::Value;
use std::time::Duration;

pub struct TestServer {
    pub base: String,
    /// The store URL, for tests that look at (or tamper with) the database directly.
    pub url: String,
    _runtime: tokio::runtime::Runtime,
    db: std::path::PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.db.as_os_str().is_empty() {
            return;
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}

pub fn start(config: server::ServerConfig) -> TestServer {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let db = std::env::temp_dir().join(format!("codecollab-api-{}-{n}.sqlite", std::process::id()));
    let url = format!("sqlite://{}", db.display());
    start_on(config, &url, db)
}

/// A server on any store URL (`db` is a file to remove afterwards, if any).
pub fn start_on(config: server::ServerConfig, url: &str, db: std::path::PathBuf) -> TestServer {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let base = runtime.block_on(async {
        let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::default()).expect("sandbox");
        let catalogue = languages::Catalogue::builtin().expect("catalogue");
        let cache_dir = std::env::temp_dir().join("codecollab-test-compile-cache");
        let engine = engine::Engine::new(
            sandbox,
            catalogue,
            engine::EngineConfig {
                cache_dir,
                cache_max_bytes: 1 << 30,
            },
        )
        .expect("engine");
        let store = store::Store::connect(url).await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = server::AppState::new(engine, store, config);
        tokio::spawn(server::serve(listener, state, std::future::pending()));
        base
    });
    TestServer {
        base,
        url: url.to_string(),
        _runtime: runtime,
        db,
    }
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build()
}

/// Status and JSON body, whatever the status.
pub fn call(request: ureq::Request, body: Option<&str>) -> (u16, Value) {
    let response = match body {
        Some(body) => request
            .set("content-type", "application/json")
            .send_string(body),
        None => request.call(),
    };
    let response = match response {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let status = response.status();
    let text = response.into_string().expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn post(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    call(
        agent().post(&format!("{}{path}", server.base)),
        Some(&body.to_string()),
    )
}

pub fn get(server: &TestServer, path: &str) -> (u16, Value) {
    call(agent().get(&format!("{}{path}", server.base)), None)
}
