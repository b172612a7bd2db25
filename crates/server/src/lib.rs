//! `codecollab serve`: the execution service. REST API over the engine, a persistent job queue
//! in the store, an in-process worker pool.

pub mod api;
pub mod auth;
mod compat;
mod error;
mod ids;
mod listen;
mod metrics;
mod request_log;
mod web;

pub use error::ApiError;
pub use listen::ConnectionLimits;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use engine::Engine;
use runs::{RunService, RunsConfig};
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Runs executing at once in this process.
    pub workers: usize,
    /// Queued runs past which submissions get 429.
    pub max_queue: i64,
    /// Largest request body accepted (413 past it).
    pub max_body_bytes: usize,
    /// How long a claimed run stays ours without renewal (renewed every third of it): a dead
    /// worker's runs are retried after at most this long.
    pub lease: std::time::Duration,
    /// How long finished runs (results included) are kept.
    pub retention: std::time::Duration,
    /// Open connections and how long a client may take to send its request headers.
    pub connections: ConnectionLimits,
    /// How often an events WebSocket is pinged; a client that has not answered (or sent
    /// anything) for two of these is disconnected.
    pub websocket_ping: std::time::Duration,
    /// Accounts: sign-up, guests, anonymous runs, sessions, rate limits.
    pub auth: auth::AuthConfig,
    /// An interactive run with neither input nor output for this long ends (time limit).
    pub interactive_idle: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            workers: 2,
            max_queue: 1000,
            max_body_bytes: 8 << 20,
            lease: std::time::Duration::from_secs(30),
            retention: std::time::Duration::from_secs(7 * 24 * 3600),
            connections: ConnectionLimits::default(),
            websocket_ping: std::time::Duration::from_secs(30),
            auth: auth::AuthConfig::default(),
            interactive_idle: std::time::Duration::from_secs(120),
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub store: Store,
    pub config: Arc<ServerConfig>,
    /// Submitting, watching and executing runs (the workers of this process included).
    pub runs: RunService,
    /// Accounts, credentials and rate limits.
    pub auth: auth::Auth,
}

impl AppState {
    pub fn new(engine: Engine, store: Store, config: ServerConfig) -> Self {
        let engine = Arc::new(engine);
        let runs = RunService::new(
            engine.clone(),
            store.clone(),
            RunsConfig {
                workers: config.workers,
                max_queue: config.max_queue,
                lease: config.lease,
                retention: config.retention,
                interactive_idle: config.interactive_idle,
            },
        );
        let auth = auth::Auth::new(store.clone(), config.auth.clone());
        AppState {
            engine,
            store,
            config: Arc::new(config),
            runs,
            auth,
        }
    }
}

impl AppState {
    /// Every language with its toolchain, off the async threads (detection may start JVMs).
    /// A process that runs nothing tells what the cluster's workers reported.
    pub async fn toolchains(&self) -> Vec<(languages::Language, engine::Toolchain)> {
        if !self.engine.runs_programs() {
            return self.reported_toolchains().await;
        }
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.toolchains())
            .await
            .unwrap_or_default()
    }

    async fn reported_toolchains(&self) -> Vec<(languages::Language, engine::Toolchain)> {
        let reports = self.store.reported_toolchains().await.unwrap_or_default();
        self.engine
            .catalogue()
            .all()
            .iter()
            .map(|language| {
                let toolchain = match reports.iter().find(|r| r.language == language.id) {
                    Some(report) => engine::Toolchain {
                        available: report.available,
                        version: report.version.clone(),
                        reason: report.reason.clone(),
                    },
                    None => engine::Toolchain {
                        available: false,
                        version: None,
                        reason: Some("no worker has reported this language yet".into()),
                    },
                };
                (language.clone(), toolchain)
            })
            .collect()
    }

    /// Detects this host's toolchains and reports them for the cluster's API replicas.
    async fn detect_and_report(&self) {
        let detected = self.toolchains().await;
        let reports: Vec<store::ReportedToolchain> = detected
            .into_iter()
            .map(|(language, toolchain)| store::ReportedToolchain {
                language: language.id,
                available: toolchain.available,
                version: toolchain.version,
                reason: toolchain.reason,
                reported_at_ms: now_ms(),
            })
            .collect();
        if let Err(e) = self.store.report_toolchains(&reports).await {
            tracing::warn!("reporting toolchains: {e}");
        }
    }
}

pub use runs::now_ms;

pub fn router(state: AppState) -> Router {
    metrics::install();
    let limit = state.config.max_body_bytes;
    api::router()
        .fallback(web::fallback)
        // After routing (it reads the matched route), before every handler.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::enforce,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(request_log::log))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// A worker only (cluster mode): runs jobs from the queue, and answers `/healthz`, `/readyz` and
/// `/metrics` on `listener`, nothing else. Returns when `shutdown` resolves and running jobs
/// have finished.
pub async fn work(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    let detecting = state.clone();
    tokio::spawn(async move { detecting.detect_and_report().await });
    let (stop, stopped) = watch::channel(false);
    let workers = state.runs.spawn_workers(stopped);
    let app = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(api::ready))
        .route("/metrics", axum::routing::get(metrics::render))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}

/// Serves until `shutdown` resolves: stops accepting, lets running jobs finish, then returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Detect the toolchains now, not in the first request that needs them (JVM version
    // commands take seconds; results are kept on disk for the next start).
    if state.engine.runs_programs() {
        let detecting = state.clone();
        tokio::spawn(async move { detecting.detect_and_report().await });
    }
    let (stop, stopped) = watch::channel(false);
    let workers = state.runs.spawn_workers(stopped);
    let limits = state.config.connections;
    listen::serve(listener, router(state), limits, shutdown).await?;
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}
