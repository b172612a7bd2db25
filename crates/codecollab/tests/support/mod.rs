//! Processes of a cluster on the test PostgreSQL, shared by the cluster tests and benchmarks.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// A private schema of the test PostgreSQL, dropped at the end.
pub struct Database {
    pub url: String,
    admin: String,
    schema: String,
}

impl Database {
    pub fn new(name: &str) -> Database {
        let admin = std::env::var("CODECOLLAB_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("t{}_{name}", std::process::id());
        psql(&admin, &format!("CREATE SCHEMA {schema}"));
        Database {
            url: format!("{admin}?options=-c%20search_path%3D{schema}"),
            admin,
            schema,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        psql(&self.admin, &format!("DROP SCHEMA {} CASCADE", self.schema));
    }
}

pub fn psql(url: &str, sql: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = store::Store::connect(url)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432");
        store.execute_raw(sql).await.expect(sql);
    });
}

/// A child process of ours, killed with SIGKILL when dropped.
pub struct Process {
    child: Child,
    pub base: String,
}

impl Process {
    pub fn start(args: &[&str]) -> Process {
        Process::spawn(Command::new(env!("CARGO_BIN_EXE_codecollab")).args(args))
    }

    /// As the unprivileged `nobody`, as an API replica is deployed (it needs no root).
    pub fn start_unprivileged(args: &[&str]) -> Process {
        Process::spawn(
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(env!("CARGO_BIN_EXE_codecollab"))
                .args(args),
        )
    }

    fn spawn(command: &mut Command) -> Process {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("codecollab starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches(')')
            .to_string();
        Process { child, base }
    }

    pub fn replica(db: &Database) -> Process {
        Process::start_unprivileged(&[
            "serve",
            "--workers",
            "0",
            "--bind",
            "127.0.0.1:0",
            "--lease-secs",
            "2",
            "--database-url",
            &db.url,
        ])
    }

    pub fn worker(db: &Database) -> Process {
        Process::start(&[
            "worker",
            "--workers",
            "1",
            "--bind",
            "127.0.0.1:0",
            "--lease-secs",
            "2",
            "--database-url",
            &db.url,
        ])
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn post(base: &str, path: &str, body: &Value) -> Value {
    let response = ureq::post(&format!("{base}{path}"))
        .set("content-type", "application/json")
        .send_string(&body.to_string())
        .expect("post");
    serde_json::from_str(&response.into_string().expect("body")).expect("json")
}

pub fn events(base: &str, id: &str) -> Socket {
    let url = format!(
        "{}/api/v1/runs/{id}/events",
        base.replace("http://", "ws://")
    );
    tungstenite::connect(url).expect("websocket").0
}

pub fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        match socket.read() {
            Ok(tungstenite::Message::Text(text)) => {
                return Some(serde_json::from_str(&text).expect("json event"));
            }
            Ok(tungstenite::Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}
