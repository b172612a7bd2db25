//! A cluster of real processes on one PostgreSQL: two `serve --workers 0` API replicas and
//! `worker` processes. It must behave as one server: live output of a run on a worker reaches
//! a client of any replica, stdin and cancel go the other way, a late client gets everything in
//! order, and a worker killed mid-run loses nothing.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::*;

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

    // The replicas run as `nobody`, with no sandbox: they tell the languages the worker found.
    let deadline = Instant::now() + Duration::from_secs(120);
    let python = loop {
        let text = ureq::get(&format!("{}/api/v1/languages", b.base))
            .call()
            .expect("languages")
            .into_string()
            .expect("body");
        let listed: Value = serde_json::from_str(&text).expect("json");
        let python = listed
            .as_array()
            .and_then(|all| all.iter().find(|l| l["id"] == "python").cloned())
            .expect("python listed");
        if python["available"] == true || Instant::now() > deadline {
            break python;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(python["available"], true, "{python}");
    assert!(
        python["version"]
            .as_str()
            .is_some_and(|v| v.starts_with('3')),
        "{python}"
    );

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
