//! `codecollab serve`: everything in one process — API, workers — on SQLite under a data dir
//! (or PostgreSQL with `--database-url`).

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CODECOLLAB_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Where the embedded SQLite database lives.
    #[arg(long, env = "CODECOLLAB_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// A PostgreSQL URL (cluster mode) instead of the embedded SQLite.
    #[arg(long, env = "CODECOLLAB_DATABASE_URL")]
    database_url: Option<String>,
    /// Runs executing at once (default: the number of cores; 0: an API replica of a cluster,
    /// whose runs execute on `codecollab worker` processes).
    #[arg(long, env = "CODECOLLAB_WORKERS")]
    workers: Option<usize>,
    /// Queued runs past which submissions are refused with 429.
    #[arg(long, env = "CODECOLLAB_MAX_QUEUE", default_value_t = 1000)]
    max_queue: i64,
    /// Seconds a running job's claim lasts without renewal (a dead worker's jobs come back after it).
    #[arg(long, env = "CODECOLLAB_LEASE_SECS", default_value_t = 30)]
    lease_secs: u64,
    /// Hours finished runs and their results are kept.
    #[arg(long, env = "CODECOLLAB_RETENTION_HOURS", default_value_t = 168)]
    retention_hours: u64,
    /// Connections open at once; past it a client gets 503 (default: half the descriptor limit).
    #[arg(long, env = "CODECOLLAB_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a client may take to send a request's headers (also the keep-alive idle limit).
    #[arg(long, env = "CODECOLLAB_HEADER_TIMEOUT_SECS", default_value_t = 15)]
    header_timeout_secs: u64,
}

impl ServeArgs {
    /// `--workers 0`: this process answers the API and runs nothing.
    pub fn api_only(&self) -> bool {
        self.workers == Some(0)
    }
}

pub fn run(args: ServeArgs, engine: engine::Engine) -> anyhow::Result<ExitCode> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
            let path = args
                .data_dir
                .canonicalize()
                .context("data dir")?
                .join("codecollab.sqlite");
            format!("sqlite://{}", path.display())
        }
    };
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if args.lease_secs == 0 || args.max_queue <= 0 {
        anyhow::bail!("--lease-secs and --max-queue must be positive");
    }
    if workers == 0 && args.database_url.is_none() {
        anyhow::bail!(
            "--workers 0 is for an API replica of a cluster (with --database-url postgres://…): on SQLite nothing would run the jobs"
        );
    }
    let mut connections = server::ConnectionLimits::default();
    if let Some(max) = args.max_connections {
        connections.max_connections = max;
    }
    connections.header_read_timeout = std::time::Duration::from_secs(args.header_timeout_secs);
    if connections.max_connections == 0 || args.header_timeout_secs == 0 {
        anyhow::bail!("--max-connections and --header-timeout-secs must be positive");
    }
    let config = server::ServerConfig {
        workers,
        connections,
        max_queue: args.max_queue,
        lease: std::time::Duration::from_secs(args.lease_secs),
        retention: std::time::Duration::from_secs(args.retention_hours.saturating_mul(3600)),
        ..Default::default()
    };
    runtime()?.block_on(async move {
        let store = store::Store::connect(&url).await.with_context(|| {
            format!(
                "cannot open the database {}",
                crate::logging::redact_url(&url)
            )
        })?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        println!(
            "codecollab serving on http://{address} ({workers} workers, {:?} store)",
            store.backend()
        );
        tracing::info!(%address, workers, backend = ?store.backend(), "serving");
        let state = server::AppState::new(engine, store, config);
        server::serve(listener, state, shutdown_signal())
            .await
            .context("server")?;
        println!("codecollab stopped");
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
}
