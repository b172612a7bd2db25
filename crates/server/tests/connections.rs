//! Connections that hold a server's resources without using them: idle and half-sent HTTP
//! connections, more connections than the server can carry, WebSocket clients that vanished.
//! Regression for "500 idle TCP connections starve a server with 400 file descriptors".

mod common;

use common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn with_limits(max_connections: usize, header_read_timeout: Duration) -> TestServer {
    start(server::ServerConfig {
        connections: server::ConnectionLimits {
            max_connections,
            header_read_timeout,
        },
        websocket_ping: Duration::from_millis(200),
        ..server::ServerConfig::default()
    })
}

fn connect(server: &TestServer) -> TcpStream {
    let stream = TcpStream::connect(server.base.trim_start_matches("http://")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
}

/// Reads until the server closes the connection (or the read timeout says it did not).
fn read_to_close(stream: &mut TcpStream) -> Result<String, std::io::Error> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(String::from_utf8_lossy(&all).into_owned()),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Ok(String::from_utf8_lossy(&all).into_owned());
            }
            Err(e) => return Err(e),
        }
    }
}

#[test]
fn idle_and_half_sent_connections_are_closed_after_the_header_deadline() {
    let server = with_limits(1000, Duration::from_millis(500));
    let mut idle: Vec<TcpStream> = (0..20).map(|_| connect(&server)).collect();
    let mut half = connect(&server);
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    let mut kept_alive = connect(&server);
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    for stream in idle.iter_mut().chain([&mut half, &mut kept_alive]) {
        let seen = read_to_close(stream).expect("closed by the server, not left open");
        assert!(seen.is_empty() || seen.starts_with("HTTP/1.1"), "{seen:?}");
    }
    let (status, _) = get(&server, "/healthz");
    assert_eq!(status, 200, "the server still serves");
}

#[test]
fn past_the_connection_cap_a_client_is_refused_with_a_reason_and_served_again_after() {
    let server = with_limits(8, Duration::from_secs(60));
    let held: Vec<TcpStream> = (0..8).map(|_| connect(&server)).collect();
    // The cap is counted when the server accepts: give it the moment to take all eight.
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = connect(&server);
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    let refused = read_to_close(&mut extra).expect("answered");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    let body: Value =
        serde_json::from_str(refused.split("\r\n\r\n").nth(1).expect("body")).expect("json");
    assert_eq!(body["code"], "too_many_connections", "{body}");
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        if let Ok(response) = agent().get(&format!("{}/healthz", server.base)).call()
            && response.status() == 200
        {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(served, "room again once the held connections closed");
}

#[test]
fn an_events_websocket_whose_client_stopped_answering_is_closed_and_a_live_one_is_kept() {
    let server = with_limits(1000, Duration::from_secs(60));
    let (_, created) = post(
        &server,
        "/api/v1/runs",
        &json!({"language": "python", "source": "import time\nprint('up', flush=True)\ntime.sleep(4)",
                "limits": {"wall_time_ms": 20000}}),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let url = format!(
        "{}/api/v1/runs/{id}/events",
        server.base.replace("http://", "ws://")
    );
    let (mut silent, _) = tungstenite::connect(&url).expect("websocket");
    let (mut live, _) = tungstenite::connect(&url).expect("websocket");
    // The live client reads (and so answers pings) for a while; the silent one reads nothing.
    let until = std::time::Instant::now() + Duration::from_secs(2);
    while std::time::Instant::now() < until {
        match live.read() {
            Ok(_) => {}
            Err(e) => panic!("a client that answers is kept: {e}"),
        }
    }
    // Now the silent client looks: after the pings it buffered, the server's close.
    let mut closed = false;
    loop {
        match silent.read() {
            Ok(tungstenite::Message::Close(_)) | Err(_) => {
                closed = true;
                break;
            }
            Ok(tungstenite::Message::Text(text)) if text.contains(r#""type":"result""#) => break,
            Ok(_) => {}
        }
    }
    assert!(closed, "the silent client was closed before the run ended");
}
