//! The accept loop: HTTP/1.1 connections under a cap, each with a deadline for its request
//! headers (which also ends a keep-alive connection left idle), and a clear refusal past the
//! cap. Without these, idle or half-sent connections were kept for ever: 500 of them starved a
//! server of file descriptors.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_service::Service;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; past it a client gets 503 and is closed.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long a keep-alive
    /// connection may sit idle between requests.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: default_max_connections(),
            header_read_timeout: Duration::from_secs(15),
        }
    }
}

/// Half of this process's descriptor limit (the rest is for the database, the sandbox's pipes
/// and the runs' WebSockets), at least 64.
fn default_max_connections() -> usize {
    let mut limit = libc_nofile();
    if limit == 0 {
        limit = 1024;
    }
    (limit / 2).max(64)
}

fn libc_nofile() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse().ok())
        })
        .unwrap_or(0)
}

const REFUSAL: &str = r#"{"code":"too_many_connections","message":"the server has as many connections open as it allows; retry later"}"#;

/// Serves `router` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors or the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("codecollab_connections_refused_total").increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let router = router.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().call(request)
                });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let connection = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = async { drop(stopping.wait_for(|stop| *stop).await) } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    let _ = stop.send(true);
    // Every connection gives its permit back when its last request is answered.
    let _ = permits
        .acquire_many(limits.max_connections as u32)
        .await
        .map(drop);
    Ok(())
}

async fn refuse(mut stream: tokio::net::TcpStream) {
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{REFUSAL}",
        REFUSAL.len()
    );
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        stream.write_all(response.as_bytes()),
    )
    .await;
    let _ = stream.shutdown().await;
}
