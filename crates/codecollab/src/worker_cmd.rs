//! `codecollab worker`: runs jobs from a PostgreSQL queue in this host's sandbox, with no API.
//! A cluster is any number of `serve --workers 0` replicas and `worker` processes on one
//! database; they coordinate only through it.

use anyhow::Context;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The cluster's PostgreSQL URL (the queue, the live streams, the results).
    #[arg(long, env = "CODECOLLAB_DATABASE_URL")]
    database_url: String,
    /// Address of the health and metrics port (`/healthz`, `/readyz`, `/metrics`; nothing else).
    #[arg(long, env = "CODECOLLAB_BIND", default_value = "0.0.0.0:9091")]
    bind: String,
    /// Runs executing at once (default: the number of cores).
    #[arg(long, env = "CODECOLLAB_WORKERS")]
    workers: Option<usize>,
    /// Seconds a running job's claim lasts without renewal.
    #[arg(long, env = "CODECOLLAB_LEASE_SECS", default_value_t = 30)]
    lease_secs: u64,
    /// Hours finished runs are kept (this worker's reaper purges older ones too).
    #[arg(long, env = "CODECOLLAB_RETENTION_HOURS", default_value_t = 168)]
    retention_hours: u64,
    /// Seconds an interactive run may wait with neither input nor output before it ends.
    #[arg(long, env = "CODECOLLAB_INTERACTIVE_IDLE_SECS", default_value_t = 120)]
    interactive_idle_secs: u64,
}

pub fn run(args: WorkerArgs, engine: engine::Engine) -> anyhow::Result<ExitCode> {
    let redacted = crate::logging::redact_url(&args.database_url);
    if !args.database_url.starts_with("postgres") {
        anyhow::bail!(
            "a worker needs the cluster's PostgreSQL URL (postgres://…), not {redacted}: a `serve` on SQLite runs its own workers"
        );
    }
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if workers == 0 || args.lease_secs == 0 {
        anyhow::bail!("--workers and --lease-secs must be positive");
    }
    let config = server::ServerConfig {
        workers,
        lease: std::time::Duration::from_secs(args.lease_secs),
        retention: std::time::Duration::from_secs(args.retention_hours.saturating_mul(3600)),
        interactive_idle: std::time::Duration::from_secs(args.interactive_idle_secs.max(1)),
        ..Default::default()
    };
    crate::serve_cmd::runtime()?.block_on(async move {
        let store = store::Store::connect(&args.database_url)
            .await
            .with_context(|| format!("cannot open the database {redacted}"))?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        println!("codecollab worker on {redacted} ({workers} workers, health and metrics on http://{address})");
        tracing::info!(%address, workers, "working");
        let state = server::AppState::new(engine, store, config);
        server::work(listener, state, crate::serve_cmd::shutdown_signal())
            .await
            .context("worker")?;
        println!("codecollab worker stopped");
        Ok(ExitCode::SUCCESS)
    })
}
