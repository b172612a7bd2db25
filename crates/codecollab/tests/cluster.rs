//! A cluster of real processes on one PostgreSQL: two `serve --workers 0` API replicas and
//! `worker` processes. It must behave as one server: live output of a run on a worker reaches
//! a client of any replica, stdin and cancel go the other way, a late client gets everything in
//! order, and a worker killed mid-run loses nothing.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// A private schema of the test PostgreSQL, dropped at the end.
struct Database {
    url: String,
    admin: String,
    schema: String,
}

impl Database {
    fn new(name: &str) -> Database {
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

fn psql(url: &str, sql: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = store::Store::connect(url)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432");
        store.execute_raw(sql).await.expect(sql);
    });
}

/// A child process of ours, killed with SIGKILL when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(args: &[&str]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_codecollab"))
            .args(args)
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

    fn replica(db: &Database) -> Process {
        Process::start(&[
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

    fn worker(db: &Database) -> Process {
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

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn post(base: &str, path: &str, body: &Value) -> Value {
    let response = ureq::post(&format!("{base}{path}"))
        .set("content-type", "application/json")
        .send_string(&body.to_string())
        .expect("post");
    serde_json::from_str(&response.into_string().expect("body")).expect("json")
}

fn events(base: &str, id: &str) -> Socket {
    let url = format!(
        "{}/api/v1/runs/{id}/events",
        base.replace("http://", "ws://")
    );
    tungstenite::connect(url).expect("websocket").0
}

fn next(socket: &mut Socket) -> Option<Value> {
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

/// Reads events until one whose output contains `needle` (or the result), keeping them all.
fn read_until(socket: &mut Socket, seen: &mut Vec<Value>, needle: &str) {
    while let Some(event) = next(socket) {
        let done =
            event["type"] == "result" || event["data"].as_str().is_some_and(|d| d.contains(needle));
        seen.push(event);
        if done {
            return;
        }
    }
}

fn stdout_of(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "stdout")
        .filter_map(|e| e["data"].as_str())
        .collect()
}

/// Everything but statuses, as `kind:data` (what must arrive identically to every client).
fn story(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] != "status" && e["type"] != "stats")
        .map(|e| match e["type"].as_str() {
            Some("result") => format!("result:{}", e["status"]),
            Some(kind) => format!("{kind}:{}", e["data"].as_str().unwrap_or_default()),
            None => "?".into(),
        })
        .collect()
}

#[test]
fn a_cluster_of_processes_on_postgresql_behaves_as_one_server() {
    let db = Database::new("cluster");
    let a = Process::replica(&db);
    let b = Process::replica(&db);
    let mut worker = Process::worker(&db);

    // Live output on replica A of a run executing on the worker; stdin and cancel from A.
    let program = "import time\nprint('name?', flush=True)\nname = input()\nprint('hello', name, flush=True)\n\
                   i = 0\nwhile True:\n    print('tick', i, flush=True)\n    i += 1\n    time.sleep(0.05)";
    let created = post(
        &a.base,
        "/api/v1/runs",
        &json!({"language": "python", "source": program, "interactive": true,
                "limits": {"wall_time_ms": 60000, "cpu_time_ms": 20000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut live = events(&a.base, &id);
    let mut seen = Vec::new();
    read_until(&mut live, &mut seen, "name?");
    live.send(tungstenite::Message::Text(
        json!({"type": "stdin", "data": "Ada\n"}).to_string().into(),
    ))
    .expect("send stdin");
    read_until(&mut live, &mut seen, "tick 5");
    assert!(
        stdout_of(&seen).starts_with("name?\nhello Ada\ntick 0\n"),
        "{seen:?}"
    );
    let cancelled = post(&a.base, &format!("/api/v1/runs/{id}/cancel"), &json!({}));
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    read_until(&mut live, &mut seen, "\u{0}never");
    let result = seen.last().expect("result");
    assert_eq!(result["type"], "result", "{seen:?}");
    assert_eq!(result["status"], "cancelled", "{result}");

    // A late client on replica B gets the whole story, in order, as A's client saw it.
    let mut late = events(&b.base, &id);
    let mut replayed = Vec::new();
    read_until(&mut late, &mut replayed, "\u{0}never");
    assert_eq!(story(&replayed), story(&seen));
    let statuses: Vec<&str> = replayed
        .iter()
        .filter(|e| e["type"] == "status")
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(statuses, ["queued", "started", "running"], "{replayed:?}");

    // kill -9 of the worker mid-run: the run is retried on another worker, never lost.
    let steady =
        "import time\nfor i in range(20):\n    print('step', i, flush=True)\n    time.sleep(0.1)";
    let created = post(
        &b.base,
        "/api/v1/runs",
        &json!({"language": "python", "source": steady}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut watcher = events(&b.base, &id);
    let mut before = Vec::new();
    read_until(&mut watcher, &mut before, "step 3");
    worker.kill();
    let _second = Process::worker(&db);
    let deadline = Instant::now() + Duration::from_secs(120);
    let run = loop {
        let text = ureq::get(&format!("{}/api/v1/runs/{id}", a.base))
            .call()
            .expect("get")
            .into_string()
            .expect("body");
        let run: Value = serde_json::from_str(&text).expect("json");
        if run["status"] == "finished" || Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(run["verdict"], "ok", "retried to the end: {run}");
    let expected: String = (0..20).map(|i| format!("step {i}\n")).collect();
    assert_eq!(run["stdout"], expected.as_str());
}
