//! Shared helpers of the server's tests: a real server on 127.0.0.1:0, and an HTTP client.
#![allow(dead_code)]

use serde_json::Value;
use std::time::Duration;

pub struct TestServer {
    pub base: String,
    /// The store URL, for tests that look at (or tamper with) the database directly.
    pub url: String,
    runtime: Option<tokio::runtime::Runtime>,
    db: std::path::PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Runs still executing (an interactive one waits minutes for its person) are not
        // waited for: the test is over.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
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
        runtime: Some(runtime),
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

/// A server whose rate limits are off (tests that sign many people in from one address).
pub fn unlimited() -> server::ServerConfig {
    let mut config = server::ServerConfig::default();
    config.auth.limits = server::auth::RateLimits {
        login_per_ip_per_minute: 0,
        login_per_username_per_minute: 0,
        signups_per_ip_per_hour: 0,
        runs_per_minute: server::auth::PerCaller {
            user: 0,
            guest: 0,
            anonymous: 0,
        },
        concurrent_runs: server::auth::PerCaller {
            user: 0,
            guest: 0,
            anonymous: 0,
        },
    };
    config
}

/// A client with a cookie jar of one cookie (the session) and, optionally, an API token: what
/// a browser or an API client holds.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub cookie: Option<String>,
    pub bearer: Option<String>,
    /// Sent as `Origin` (a browser's page sends its own).
    pub origin: Option<String>,
}

/// Status, JSON body and the headers that tests read.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Vec<String>,
    pub retry_after: Option<String>,
}

impl Client {
    pub fn new(server: &TestServer) -> Self {
        Client {
            base: server.base.clone(),
            cookie: None,
            bearer: None,
            origin: None,
        }
    }

    pub fn with_token(server: &TestServer, token: &str) -> Self {
        Client {
            bearer: Some(token.to_string()),
            ..Client::new(server)
        }
    }

    pub fn send(&mut self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let mut request = agent().request(method, &format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.set("cookie", &format!("cc_session={cookie}"));
        }
        if let Some(token) = &self.bearer {
            request = request.set("authorization", &format!("Bearer {token}"));
        }
        if let Some(origin) = &self.origin {
            request = request.set("origin", origin);
        }
        let response = match body {
            Some(body) => request
                .set("content-type", "application/json")
                .send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match response {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("transport error: {e}"),
        };
        let set_cookie: Vec<String> = response
            .all("set-cookie")
            .into_iter()
            .map(String::from)
            .collect();
        for cookie in &set_cookie {
            if let Some(rest) = cookie.strip_prefix("cc_session=") {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookie = (!value.is_empty()).then(|| value.to_string());
            }
        }
        let retry_after = response.header("retry-after").map(String::from);
        let status = response.status();
        let text = response.into_string().expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            set_cookie,
            retry_after,
        }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    pub fn post(&mut self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body))
    }
}

/// The one password of every test user (strong enough for the checks).
pub const PASSWORD: &str = "correct horse battery staple";

/// Signs a new user up; the client holds their session.
pub fn sign_up(server: &TestServer, username: &str) -> Client {
    let mut client = Client::new(server);
    let reply = client.post(
        "/api/v1/auth/signup",
        &serde_json::json!({"username": username, "password": PASSWORD}),
    );
    assert_eq!(reply.status, 201, "sign-up of {username}: {}", reply.body);
    client
}

/// Signs an existing user in; a new client holds the session.
pub fn sign_in(server: &TestServer, username: &str) -> Client {
    let mut client = Client::new(server);
    let reply = client.post(
        "/api/v1/auth/login",
        &serde_json::json!({"username": username, "password": PASSWORD}),
    );
    assert_eq!(reply.status, 200, "sign-in of {username}: {}", reply.body);
    client
}

/// A new API token of the client's user with these scopes; its secret.
pub fn token(client: &mut Client, scopes: &[&str]) -> String {
    let reply = client.post(
        "/api/v1/tokens",
        &serde_json::json!({"name": "test", "scopes": scopes, "expires_in_days": 30}),
    );
    assert_eq!(reply.status, 201, "token: {}", reply.body);
    reply.body["secret"].as_str().expect("secret").to_string()
}
