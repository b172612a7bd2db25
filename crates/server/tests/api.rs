//! The native API over a real socket: a real server on 127.0.0.1:0 with SQLite, real runs.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn a_run_with_wait_answers_with_the_whole_result() {
    let server = start(server::ServerConfig::default());
    let (status, body) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "files": [{"name": "main.py", "content": "print('héllo', input())"}], "stdin": "wörld"}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "finished");
    assert_eq!(body["verdict"], "ok");
    assert_eq!(body["stdout"], "héllo wörld\n");
    assert_eq!(body["language"]["id"], "python");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 32));
    for field in [
        "created_at",
        "started_at",
        "finished_at",
        "wall_ms",
        "cpu_ms",
        "memory_kib",
    ] {
        assert!(
            body[field].is_i64() || body[field].is_u64(),
            "{field} in {body}"
        );
    }
    let (status, again) = get(
        &server,
        &format!("/api/v1/runs/{}", body["id"].as_str().expect("id")),
    );
    assert_eq!(status, 200);
    assert_eq!(again, body, "GET shows the same run");
}

#[test]
fn a_run_without_wait_is_queued_then_finishes() {
    let server = start(server::ServerConfig::default());
    let (status, body) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "c", "source": "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 0; }"}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "queued");
    let id = body["id"].as_str().expect("id").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, run) = get(&server, &format!("/api/v1/runs/{id}"));
        if run["status"] == "finished" {
            assert_eq!(run["verdict"], "ok", "{run}");
            assert_eq!(run["stdout"], "compiled\n");
            assert_eq!(run["compile"]["verdict"], "ok");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never finished: {run}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn limits_and_verdicts_come_through_the_api() {
    let server = start(server::ServerConfig::default());
    let (_, body) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "while True: pass", "limits": {"cpu_time_ms": 500}}),
    );
    assert_eq!(body["verdict"], "time_limit", "{body}");
    let (_, body) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "java", "source": "public class Main { public static void main(String[] a) { int x = \"s\"; } }"}),
    );
    assert_eq!(body["verdict"], "compile_error", "{body}");
    assert!(
        body["compile"]["output"]
            .as_str()
            .unwrap_or_default()
            .contains("Main.java:1: error"),
        "{body}"
    );
}

#[test]
fn bad_input_gets_a_clear_json_error() {
    let server = start(server::ServerConfig {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    });
    let check = |status: u16, body: Value, want_status: u16, code: &str, needle: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{body} should mention {needle:?}"
        );
    };
    let (s, b) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "cobol", "source": "x"}),
    );
    check(s, b, 400, "unknown_language", "valid ids: bash, javascript");
    let (s, b) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "files": [{"name": "../../etc/x.py", "content": "x"}]}),
    );
    check(s, b, 400, "invalid_request", "'..' is not allowed");
    let (s, b) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "x", "limits": {"memory_kib": 1u64 << 40}}),
    );
    check(s, b, 400, "invalid_request", "memory_kib");
    let (s, b) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "x", "gpus": 1}),
    );
    check(s, b, 422, "invalid_json", "unknown field `gpus`");
    let (s, b) = call(
        agent().post(&format!("{}/api/v1/runs", server.base)),
        Some("{not json"),
    );
    check(s, b, 400, "invalid_json", "");
    let huge = json!({"language": "python", "source": "x".repeat(100 * 1024)});
    let (s, b) = post(&server, "/api/v1/runs", &huge);
    check(s, b, 413, "payload_too_large", "");
    let (s, b) = get(&server, "/api/v1/runs/0123456789abcdef0123456789abcdef");
    check(s, b, 404, "not_found", "no run");
    let (s, good) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print(1)"}),
    );
    assert_eq!(
        (s, good["stdout"].as_str()),
        (201, Some("1\n")),
        "a bad request next to it changes nothing"
    );
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let server = start(server::ServerConfig {
        workers: 1,
        max_queue: 1,
        ..Default::default()
    });
    let slow = json!({"language": "bash", "source": "sleep 2", "limits": {"wall_time_ms": 5000}});
    let (s, _) = post(&server, "/api/v1/runs", &slow);
    assert_eq!(s, 201);
    std::thread::sleep(Duration::from_millis(300)); // the worker takes the first
    let (s, _) = post(&server, "/api/v1/runs", &slow);
    assert_eq!(s, 201, "one may wait in the queue");
    let response = agent()
        .post(&format!("{}/api/v1/runs", server.base))
        .set("content-type", "application/json")
        .send_string(&slow.to_string());
    let Err(ureq::Error::Status(429, response)) = response else {
        panic!("expected 429")
    };
    assert_eq!(response.header("retry-after"), Some("1"));
    let body: Value = serde_json::from_str(&response.into_string().expect("body")).expect("json");
    assert_eq!(body["code"], "queue_full");
}

#[test]
fn a_queued_run_can_be_cancelled_and_never_runs() {
    let server = start(server::ServerConfig {
        workers: 1,
        ..Default::default()
    });
    // Keeps the only worker busy, so that the next run waits in the queue.
    let _ = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "bash", "source": "sleep 1"}),
    );
    std::thread::sleep(Duration::from_millis(300));
    let (_, queued) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "bash", "source": "echo ran > /dev/stderr"}),
    );
    let id = queued["id"].as_str().expect("id");
    let (s, cancelled) = post(&server, &format!("/api/v1/runs/{id}/cancel"), &json!({}));
    assert_eq!(s, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    std::thread::sleep(Duration::from_millis(1500));
    let (_, after) = get(&server, &format!("/api/v1/runs/{id}"));
    assert_eq!(after["status"], "cancelled", "{after}");
    assert!(after["stderr"].is_null(), "it never ran: {after}");
}

#[test]
fn languages_and_health_endpoints_answer() {
    let server = start(server::ServerConfig::default());
    let (s, languages) = get(&server, "/api/v1/languages");
    assert_eq!(s, 200);
    let python = languages
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["id"] == "python")
        .expect("python");
    assert_eq!(python["available"], true);
    assert!(python["version"].as_str().is_some());
    assert_eq!(
        call(agent().get(&format!("{}/healthz", server.base)), None).0,
        200
    );
    assert_eq!(
        call(agent().get(&format!("{}/readyz", server.base)), None).0,
        200
    );
}

/// A real WebSocket client on the run's events.
fn connect_events(
    server: &TestServer,
    id: &str,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    let url = format!(
        "{}/api/v1/runs/{id}/events",
        server.base.replace("http://", "ws://")
    );
    let (socket, _) = tungstenite::connect(url).expect("websocket");
    socket
}

/// Reads messages until the final `result` (or the server closes).
fn read_until_result(
    socket: &mut tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
) -> Vec<Value> {
    let mut messages = Vec::new();
    loop {
        match socket.read() {
            Ok(tungstenite::Message::Text(text)) => {
                let value: Value = serde_json::from_str(&text).expect("json message");
                let last = value["type"] == "result";
                messages.push(value);
                if last {
                    return messages;
                }
            }
            Ok(tungstenite::Message::Close(_)) | Err(_) => return messages,
            Ok(_) => {}
        }
    }
}

fn kinds(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| match m["type"].as_str().unwrap_or_default() {
            "status" => format!("status:{}", m["status"].as_str().unwrap_or_default()),
            "stdout" | "stderr" => format!(
                "{}:{}",
                m["type"].as_str().unwrap_or_default(),
                m["data"].as_str().unwrap_or_default()
            ),
            other => other.to_string(),
        })
        .filter(|k| k != "stats")
        .collect()
}

#[test]
fn the_events_websocket_streams_a_run_in_order_and_a_late_client_misses_nothing() {
    let server = start(server::ServerConfig::default());
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "c", "source": "#define _DEFAULT_SOURCE\n#include <stdio.h>\n#include <unistd.h>\nint main(void) { puts(\"first\"); fflush(stdout); usleep(200000); fputs(\"oops\\n\", stderr); usleep(200000); puts(\"second\"); return 0; }"}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut early = connect_events(&server, &id);
    let live = read_until_result(&mut early);
    let kinds_live = kinds(&live);
    assert_eq!(
        kinds_live,
        [
            "status:queued",
            "status:started",
            "status:compiling",
            "status:running",
            "stdout:first\n",
            "stderr:oops\n",
            "stdout:second\n",
            "result"
        ],
        "{live:?}"
    );
    let result = live.last().expect("result");
    assert_eq!(result["verdict"], "ok");
    assert_eq!(result["id"], id.as_str());
    // A client connecting after the end gets the same story.
    let mut late = connect_events(&server, &id);
    assert_eq!(kinds(&read_until_result(&mut late)), kinds_live);
}

#[test]
fn an_interactive_run_reads_what_the_websocket_client_types() {
    let server = start(server::ServerConfig::default());
    let program = "name = input('name? ')\nage = input('age? ')\nprint(f'{name} is {age}')";
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": program, "interactive": true}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut socket = connect_events(&server, &id);
    let mut seen = Vec::new();
    loop {
        let tungstenite::Message::Text(text) = socket.read().expect("message") else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).expect("json");
        let data = message["data"].as_str().unwrap_or_default().to_string();
        if data.contains("name? ") {
            socket
                .send(tungstenite::Message::Text(
                    json!({"type": "stdin", "data": "Zoë\n"}).to_string().into(),
                ))
                .expect("send");
        }
        if data.contains("age? ") {
            socket
                .send(tungstenite::Message::Text(
                    json!({"type": "stdin", "data": "7\n"}).to_string().into(),
                ))
                .expect("send");
            socket
                .send(tungstenite::Message::Text(
                    json!({"type": "eof"}).to_string().into(),
                ))
                .expect("send");
        }
        let last = message["type"] == "result";
        seen.push(message);
        if last {
            break;
        }
    }
    let result = seen.last().expect("result");
    assert_eq!(result["verdict"], "ok", "{seen:?}");
    assert_eq!(result["stdout"], "name? age? Zoë is 7\n");
}

/// Regression: the server wrote stdin with a blocking `write_all` under the run's lock, which
/// the supervisor's event callback also takes. Past the pipe's 64 KiB, a program that never
/// reads hung its worker for ever: no wall limit, no cancel, and with one worker nothing else
/// ever ran again.
#[test]
fn stdin_deadlock_1_mib_to_a_program_that_never_reads_ends_at_its_wall_limit_and_the_next_run_runs()
{
    let server = start(server::ServerConfig {
        workers: 1,
        ..server::ServerConfig::default()
    });
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "import time\nprint('up', flush=True)\ntime.sleep(60)",
                "interactive": true, "limits": {"wall_time_ms": 3000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut socket = connect_events(&server, &id);
    let mut stdout = String::new();
    while !stdout.contains("up\n") {
        let tungstenite::Message::Text(text) = socket.read().expect("message") else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).expect("json");
        stdout.push_str(message["data"].as_str().unwrap_or_default());
    }
    let chunk = "x".repeat(64 * 1024);
    // 1 MiB is what the issue names; the second MiB goes past the bound on unread input.
    for _ in 0..32 {
        socket
            .send(tungstenite::Message::Text(
                json!({"type": "stdin", "data": chunk}).to_string().into(),
            ))
            .expect("send");
    }
    let messages = read_until_result(&mut socket);
    let result = messages.last().expect("result");
    assert_eq!(result["type"], "result", "{result}");
    assert_eq!(result["verdict"], "time_limit", "{result}");
    let wall = result["wall_ms"].as_u64().expect("wall_ms");
    assert!((3_000..10_000).contains(&wall), "at its wall limit: {wall}");
    assert!(
        messages
            .iter()
            .any(|m| m["type"] == "error" && m["code"] == "stdin_full"),
        "input past the bound is refused with a reason"
    );
    let (status, next) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print('next')"}),
    );
    assert_eq!(status, 201, "{next}");
    assert_eq!(next["verdict"], "ok", "{next}");
    assert_eq!(next["stdout"], "next\n");
}

#[test]
fn stats_arrive_during_a_long_run() {
    let server = start(server::ServerConfig::default());
    let program =
        "import time\nend = time.time() + 0.5\nwhile time.time() < end: pass\nprint('done')";
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": program}),
    );
    let mut socket = connect_events(&server, created["id"].as_str().expect("id"));
    let messages = read_until_result(&mut socket);
    let stats: Vec<&Value> = messages.iter().filter(|m| m["type"] == "stats").collect();
    assert!(stats.len() >= 2, "{messages:?}");
    assert!(
        stats
            .iter()
            .all(|s| s["cpu_ms"].is_u64() && s["memory_kib"].is_u64())
    );
}

#[test]
fn the_events_of_an_unknown_run_are_a_404() {
    let server = start(server::ServerConfig::default());
    let (status, body) = get(
        &server,
        "/api/v1/runs/ffffffffffffffffffffffffffffffff/events",
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );

    let (_, run) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "bash", "source": "true"}),
    );
    let (status, body) = get(
        &server,
        &format!("/api/v1/runs/{}/events", run["id"].as_str().expect("id")),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("websocket_required")),
        "{body}"
    );
}

#[test]
fn metrics_count_runs_requests_and_the_queue() {
    let server = start(server::ServerConfig::default());
    let (s, _) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print(1)"}),
    );
    assert_eq!(s, 201);
    let _ = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "cobol", "source": "x"}),
    );
    let text = agent()
        .get(&format!("{}/metrics", server.base))
        .call()
        .expect("metrics")
        .into_string()
        .expect("text");
    let has = |needle: &str| text.lines().any(|l| l.contains(needle));
    assert!(
        has(r#"codecollab_runs_total{language="python",verdict="ok"}"#),
        "{text}"
    );
    assert!(
        has(r#"codecollab_http_requests_total{route="/api/v1/runs",method="POST",status="400"}"#),
        "{text}"
    );
    assert!(
        has(r#"codecollab_http_requests_total{route="/api/v1/runs",method="POST",status="201"}"#),
        "{text}"
    );
    assert!(has("codecollab_queue_depth"), "{text}");
    assert!(has("codecollab_queue_wait_seconds_bucket"), "{text}");
    assert!(has("codecollab_run_duration_seconds_bucket"), "{text}");
    assert!(has("codecollab_run_peak_memory_bytes_bucket"), "{text}");
    // Every metric is described.
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split_whitespace().next().expect("name");
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} has no # HELP line"
            );
        }
    }
}

#[test]
fn the_openapi_document_describes_every_route_and_the_docs_page_serves() {
    let server = start(server::ServerConfig::default());
    let (status, doc) = get(&server, "/api/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let (_, ui_page) = get(&server, "/no-such-page");
    let routes = server::api::routes();
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            assert!(
                routes
                    .iter()
                    .any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method)),
                "{method} {path} is documented but the server has no such route"
            );
        }
    }
    // Every route of the router's table, documented with its method.
    for info in routes {
        let route = info.path;
        let method = info.method.as_str().to_lowercase();
        assert!(
            paths.get(route).is_some_and(|p| p.get(&method).is_some()),
            "{} {route} is not documented",
            info.method
        );
        if method != "get" {
            continue;
        }
        let concrete = route.replace("{id}", "1").replace("{token}", "x");
        // A route that exists answers anything but the fallback's: its "no route" 404, or the
        // web UI's page (405 means the route exists for another method).
        let (status, body) = get(&server, &concrete);
        let no_route = body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no route"));
        let handled = !(status == 404 && no_route) && body != ui_page;
        assert!(handled, "{route} documented but not served");
    }
    let html = agent()
        .get(&format!("{}/docs", server.base))
        .call()
        .expect("docs")
        .into_string()
        .expect("html");
    assert!(html.contains("<title>CodeCollab API</title>"));
}

#[test]
fn finished_runs_are_purged_after_the_retention_time() {
    let server = start(server::ServerConfig {
        retention: Duration::ZERO,
        ..Default::default()
    });
    let (_, run) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "bash", "source": "echo kept"}),
    );
    assert_eq!(run["stdout"], "kept\n");
    let path = format!("/api/v1/runs/{}", run["id"].as_str().expect("id"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get(&server, &path).0 != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run outlived its retention"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_service_runs_on_postgresql_in_cluster_mode() {
    let base = std::env::var("CODECOLLAB_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("t{}_service", std::process::id());
    let admin = tokio::runtime::Runtime::new().expect("runtime");
    let admin_store = admin
        .block_on(store::Store::connect(&base))
        .expect("PostgreSQL at 127.0.0.1:5432");
    admin
        .block_on(admin_store.execute_raw(&format!("CREATE SCHEMA {schema}")))
        .expect("schema");
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    {
        let server = start_on(
            server::ServerConfig::default(),
            &url,
            std::path::PathBuf::new(),
        );
        let (status, run) = post(
            &server,
            "/api/v1/runs?wait=true",
            &json!({"language": "python", "source": "print('from postgres')"}),
        );
        assert_eq!(
            (status, run["stdout"].as_str()),
            (201, Some("from postgres\n")),
            "{run}"
        );
    }
    admin
        .block_on(admin_store.execute_raw(&format!("DROP SCHEMA {schema} CASCADE")))
        .expect("drop");
}

#[test]
fn a_running_run_is_stopped_by_cancel_and_recorded_as_cancelled() {
    let server = start(server::ServerConfig::default());
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "bash", "source": "echo started; sleep 60", "limits": {"wall_time_ms": 90000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while get(&server, &format!("/api/v1/runs/{id}")).1["status"] != "running" {
        assert!(std::time::Instant::now() < deadline, "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let asked = std::time::Instant::now();
    let (status, stopped) = post(&server, &format!("/api/v1/runs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["status"], "cancelled");
    assert_eq!(stopped["cancelled"], true);
    assert_eq!(stopped["signal"], 9);
    assert_eq!(
        stopped["stdout"], "started\n",
        "output up to the stop is kept"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "stopped long before its 60 s sleep"
    );
}

/// A worker whose lease went to another attempt (it was presumed dead while only slow) must
/// stop its run at once and write nothing about it: not the result, not the recorded output.
#[test]
fn a_worker_that_loses_its_lease_stops_its_run_and_writes_nothing() {
    let server = start(server::ServerConfig {
        workers: 1,
        lease: Duration::from_secs(3),
        ..server::ServerConfig::default()
    });
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "import time\nprint('working', flush=True)\ntime.sleep(60)",
                "limits": {"wall_time_ms": 60000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let mut socket = connect_events(&server, &id);
    loop {
        let tungstenite::Message::Text(text) = socket.read().expect("message") else {
            continue;
        };
        if text.contains("working") {
            break;
        }
    }
    // What the reaper of another process does to a lease it believes dead, and a new attempt
    // claiming it: the job now belongs to someone else.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = runtime
        .block_on(store::Store::connect(&server.url))
        .expect("store");
    runtime
        .block_on(store.execute_raw(&format!(
            "UPDATE jobs SET worker = 'thief', attempts = attempts + 1, lease_until = lease_until + 600000 WHERE id = '{id}'"
        )))
        .expect("steal the lease");
    let stolen_at = std::time::Instant::now();
    // The only worker is free again once it has stopped the lost run.
    let (status, next) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print('next')"}),
    );
    assert_eq!(
        (status, next["stdout"].as_str()),
        (201, Some("next\n")),
        "{next}"
    );
    assert!(
        stolen_at.elapsed() < Duration::from_secs(30),
        "the lost run was stopped, not left to its 60 s sleep"
    );
    let job = runtime.block_on(store.get(&id)).expect("get").expect("job");
    assert_eq!(
        job.status,
        store::JobStatus::Running,
        "left to the new owner"
    );
    assert_eq!(job.result, None, "no result written by the stale attempt");
    let stream = runtime
        .block_on(store.stream_since(&id, 0, 1000))
        .expect("stream");
    assert!(
        stream
            .iter()
            .all(|(_, event)| !event.contains(r#""type":"result""#)),
        "no result written by the stale attempt: {stream:?}"
    );
}

/// Two server processes' worth on one SQLite file: `runner` executes, `front` only answers.
fn two_servers(name: &str) -> (TestServer, TestServer) {
    let db = std::env::temp_dir().join(format!(
        "codecollab-two-servers-{name}-{}.sqlite",
        std::process::id()
    ));
    let url = format!("sqlite://{}", db.display());
    let runner = start_on(
        server::ServerConfig {
            workers: 1,
            ..Default::default()
        },
        &url,
        db.clone(),
    );
    let front = start_on(
        server::ServerConfig {
            workers: 0,
            ..Default::default()
        },
        &url,
        std::path::PathBuf::new(),
    );
    (runner, front)
}

#[test]
fn a_client_of_another_server_process_gets_the_whole_output_of_a_run() {
    let (runner, front) = two_servers("events");
    let (_, created) = post(
        &front,
        "/api/v1/runs",
        &json!({"language": "bash", "source": "echo one; sleep 0.5; echo two >&2"}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    // Connected while it runs elsewhere: statuses while it runs, then its output and result.
    let mut during = connect_events(&front, &id);
    let live = kinds(&read_until_result(&mut during));
    assert!(
        live.ends_with(&[
            "stdout:one\n".into(),
            "stderr:two\n".into(),
            "result".into()
        ]),
        "{live:?}"
    );
    // Connected long after (the runner has forgotten nothing the store keeps): the same story
    // as the runner's own clients get.
    let from_front = kinds(&read_until_result(&mut connect_events(&front, &id)));
    let from_runner = kinds(&read_until_result(&mut connect_events(&runner, &id)));
    assert_eq!(from_front, from_runner);
    assert_eq!(
        from_front.first().map(String::as_str),
        Some("status:queued")
    );
    assert!(
        from_front.ends_with(&live[live.len() - 3..]),
        "{from_front:?}"
    );
}

#[test]
fn a_run_executing_in_another_server_process_is_stopped_through_the_store() {
    let (runner, front) = two_servers("cancel");
    let (_, created) = post(
        &front,
        "/api/v1/runs",
        &json!({"language": "bash", "source": "echo started; sleep 60", "limits": {"wall_time_ms": 90000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while get(&front, &format!("/api/v1/runs/{id}")).1["status"] != "running" {
        assert!(
            std::time::Instant::now() < deadline,
            "the other server never ran it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let asked = std::time::Instant::now();
    let (status, stopped) = post(&front, &format!("/api/v1/runs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["status"], "cancelled");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "stopped long before its 60 s sleep"
    );
    drop(runner);
}

#[test]
fn a_language_without_its_toolchain_here_is_refused_at_submission() {
    let server = start(server::ServerConfig::default());
    let (_, languages) = get(&server, "/api/v1/languages");
    let Some(missing) = languages
        .as_array()
        .expect("list")
        .iter()
        .find(|l| l["available"] == false)
    else {
        eprintln!("every language is available on this host; nothing to refuse");
        return;
    };
    let (status, error) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": missing["id"], "source": "x"}),
    );
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["code"], "language_unavailable");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains(missing["reason"].as_str().expect("reason")),
        "{message}"
    );
}

/// Regression: every invented HTTP method added a Prometheus series of its own, for ever.
#[test]
fn invented_http_methods_add_no_metric_series() {
    let server = start(server::ServerConfig::default());
    for n in 0..5 {
        let _ = agent()
            .request(&format!("INVENTED{n}"), &format!("{}/healthz", server.base))
            .call();
    }
    let metrics = agent()
        .get(&format!("{}/metrics", server.base))
        .call()
        .expect("metrics")
        .into_string()
        .expect("text");
    assert!(!metrics.contains("INVENTED"), "{metrics}");
    assert!(metrics.contains(r#"method="other""#), "{metrics}");
}

/// Regression: these reached the sandbox and came back as `internal_error` with a host path in
/// the message.
#[test]
fn bad_file_trees_are_refused_before_anything_runs_and_no_host_path_is_shown() {
    let server = start(server::ServerConfig::default());
    let long = format!("{}.py", "n".repeat(300));
    let deep = format!("{}main.py", "d/".repeat(40));
    let cases = [
        (
            json!([{"name": long, "content": "print(1)"}]),
            "longer than 255 bytes",
        ),
        (
            json!([{"name": "lib", "content": "x"}, {"name": "lib/util.py", "content": "x"}]),
            "as a file and as a directory",
        ),
        (
            json!([{"name": deep, "content": "print(1)"}]),
            "deeper than 32",
        ),
    ];
    for (files, reason) in cases {
        let (status, body) = post(
            &server,
            "/api/v1/runs",
            &json!({"language": "python", "files": files}),
        );
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "invalid_request", "{body}");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(reason), "{message}");
        assert!(
            !message.contains("/run/") && !message.contains("slot-"),
            "{message}"
        );
    }
}

/// A cluster is upgraded one process at a time: jobs queued by the previous version (the API
/// body as the queue stored it then, without a payload version) must still run, and a job
/// from a newer version than this worker knows is refused with the reason, not half-run.
#[test]
fn an_older_payload_in_the_queue_still_runs_and_a_newer_one_is_refused_clearly() {
    let server = start(server::ServerConfig::default());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = runtime
        .block_on(store::Store::connect(&server.url))
        .expect("store");
    let enqueue = |id: &str, request: &str| {
        runtime
            .block_on(store.enqueue(&store::NewJob {
                id: id.into(),
                client: "upgrade-test".into(),
                priority: 10,
                request: request.into(),
                created_at_ms: server::now_ms(),
                owner: None,
            }))
            .expect("enqueue");
    };
    // Exactly what the previous version stored for `POST /api/v1/runs`.
    enqueue(
        "legacy0000000000000000000000000a",
        r#"{"language":"python","source":"import sys\nprint(sys.stdin.read().upper())","stdin":"from v0","limits":{"cpu_time_ms":3000},"compile_limits":{}}"#,
    );
    enqueue(
        "newer00000000000000000000000000b",
        r#"{"v":99,"language":"python","files":[{"name":"main.py","content":"print(1)"}],"run_limits":{},"compile_limits":{},"gpu":"one"}"#,
    );
    let finished = |id: &str| loop {
        let (_, run) = get(&server, &format!("/api/v1/runs/{id}"));
        if run["status"] == "finished" {
            return run;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let legacy = finished("legacy0000000000000000000000000a");
    assert_eq!(legacy["verdict"], "ok", "{legacy}");
    assert_eq!(legacy["stdout"], "FROM V0\n");
    let newer = finished("newer00000000000000000000000000b");
    assert_eq!(newer["verdict"], "internal_error", "{newer}");
    assert!(
        newer["message"]
            .as_str()
            .is_some_and(|m| m.contains("newer version") && m.contains("v99")),
        "{newer}"
    );
}

/// Regression: output that is not UTF-8 became U+FFFD everywhere, also in Judge0's base64
/// mode, which exists to carry bytes. The text view may replace (and says so); the bytes are
/// kept.
#[test]
fn output_bytes_that_are_not_utf8_are_kept_exactly_and_the_text_view_says_it_replaced_them() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let server = start(server::ServerConfig::default());
    let program = "import sys\nsys.stdout.buffer.write(bytes([0xff, 0x00, 0x41, 0x80, 0x0a]))";
    let (status, run) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": program}),
    );
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["stdout_replaced"], true, "{run}");
    assert_eq!(run["stdout"], "\u{fffd}\u{0}A\u{fffd}\n");
    let bytes = b64
        .decode(run["stdout_base64"].as_str().expect("the bytes"))
        .expect("base64");
    assert_eq!(bytes, [0xff, 0x00, 0x41, 0x80, 0x0a]);
    assert_eq!(run["stderr_replaced"], false);
    assert!(run.get("stderr_base64").is_none(), "{run}");
    // Judge0's base64 mode carries the bytes themselves.
    let (status, submission) = post(
        &server,
        "/submissions?base64_encoded=true&wait=true",
        &json!({"language_id": 71, "source_code": b64.encode(program)}),
    );
    assert!(status == 200 || status == 201, "{submission}");
    let judged = b64
        .decode(submission["stdout"].as_str().expect("stdout"))
        .expect("base64");
    assert_eq!(judged, [0xff, 0x00, 0x41, 0x80, 0x0a], "{submission}");
    // Valid UTF-8 is untouched and not flagged.
    let (_, plain) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print('héllo')"}),
    );
    assert_eq!(plain["stdout"], "héllo\n");
    assert_eq!(plain["stdout_replaced"], false);
    assert!(plain.get("stdout_base64").is_none());
}

#[test]
fn a_wrong_field_name_is_named_with_the_accepted_ones() {
    let server = start(server::ServerConfig::default());
    let (status, body) = post(
        &server,
        "/api/v1/runs",
        &serde_json::json!({"language": "python", "source": "1", "limits": {"memory_mib": 512}}),
    );
    assert_eq!(status, 422, "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("memory_mib"), "{message}");
    assert!(
        message.contains("memory_kib"),
        "the accepted fields are listed: {message}"
    );
    let (_, body) = post(
        &server,
        "/api/v1/runs",
        &serde_json::json!({"language": "python", "sauce": "1"}),
    );
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains("sauce") && message.contains("source"),
        "{message}"
    );
}

#[test]
fn an_interactive_run_waits_minutes_for_a_person_and_ends_when_left_idle() {
    let server = start(server::ServerConfig {
        interactive_idle: std::time::Duration::from_secs(2),
        ..Default::default()
    });
    // Its wall limit fits a person, not the language's few seconds; CPU stays as it is.
    let (status, created) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "input()", "interactive": true}),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["verdict"], "time_limit", "{created}");
    assert_eq!(created["idle_timeout"], true, "{created}");
    assert_eq!(
        created["status"], "finished",
        "ended by the server, not cancelled by its user"
    );
    assert!(
        created["message"]
            .as_str()
            .is_some_and(|m| m.contains("no input")),
        "the verdict says why: {created}"
    );
    let limits = &created["limits"];
    assert_eq!(limits["wall_time_ms"], 900_000, "{created}");
    let (_, batch) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({"language": "python", "source": "print(1)"}),
    );
    assert!(
        batch["limits"]["wall_time_ms"]
            .as_u64()
            .is_some_and(|w| w < 900_000),
        "a run without a person keeps its language's wall: {batch}"
    );
    assert!(batch["limits"]["memory_kib"].as_u64().is_some(), "{batch}");
    // Output is activity too: a program that prints now and then is not idle.
    let (_, busy) = post(
        &server,
        "/api/v1/runs?wait=true",
        &json!({
            "language": "python",
            "source": "import time\nfor i in range(6):\n    print(i, flush=True)\n    time.sleep(0.8)",
            "interactive": true,
        }),
    );
    assert_eq!(busy["verdict"], "ok", "{busy}");
    // An explicit wall above the interactive ceiling is refused; below it, taken.
    let (status, refused) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "input()", "interactive": true,
                "limits": {"wall_time_ms": 2_000_000}}),
    );
    assert_eq!(status, 400, "{refused}");
}

#[test]
fn the_limits_a_run_may_ask_for_are_published() {
    let server = start(server::ServerConfig::default());
    let (status, limits) = get(&server, "/api/v1/limits");
    assert_eq!(status, 200, "{limits}");
    assert_eq!(limits["max"]["output_kib"], 64 * 1024);
    assert_eq!(limits["max_interactive"]["wall_time_ms"], 900_000);
    assert_eq!(
        limits["max_interactive"]["cpu_time_ms"], limits["max"]["cpu_time_ms"],
        "only the wall is longer"
    );
    assert_eq!(limits["interactive_idle_ms"], 120_000);
    let (_, languages) = get(&server, "/api/v1/languages");
    let python = languages
        .as_array()
        .and_then(|l| l.iter().find(|l| l["id"] == "python"))
        .expect("python");
    assert!(
        python["limits"]["memory_kib"].as_u64().is_some(),
        "{python}"
    );
}
