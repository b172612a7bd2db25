//! The `codecollab` binary: argument parsing and wiring only.

mod admin_cmd;
mod config_file;
mod doctor;
mod languages_cmd;
mod logging;
mod run_cmd;
mod sandbox_cmd;
mod serve_cmd;
mod worker_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "codecollab",
    version,
    about = "Write, run and share code in a hostile-code sandbox"
)]
struct Cli {
    /// Where sandbox slots, locks and work dirs live.
    #[arg(
        long,
        global = true,
        env = "CODECOLLAB_STATE_DIR",
        default_value = "/run/codecollab/sandbox"
    )]
    state_dir: PathBuf,
    /// First host uid of the range sandboxed programs map to (two per slot); give every state
    /// dir on one host its own range.
    #[arg(long, global = true, env = "CODECOLLAB_UID_BASE", default_value_t = sandbox::SandboxConfig::default().uid_base)]
    uid_base: u32,
    /// The longest wall time of an interactive run, in seconds (a person reads and types; its
    /// CPU limit stays as it is, and one left waiting ends after --interactive-idle-secs).
    #[arg(
        long,
        global = true,
        env = "CODECOLLAB_INTERACTIVE_WALL_SECS",
        default_value_t = 900
    )]
    interactive_wall_secs: u64,
    /// Where compiled artifacts are cached between runs.
    #[arg(
        long,
        global = true,
        env = "CODECOLLAB_CACHE_DIR",
        default_value = "/var/cache/codecollab/compile"
    )]
    cache_dir: PathBuf,
    /// A TOML file of options (keys as the long flags, with underscores); flags and
    /// `CODECOLLAB_*` variables take precedence over it.
    #[arg(long, global = true, env = "CODECOLLAB_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log lines as text (for people) or JSON (for collectors); `auto` picks text on a terminal.
    #[arg(long, global = true, env = "CODECOLLAB_LOG_FORMAT", value_enum, default_value_t = logging::LogFormat::Auto)]
    log_format: logging::LogFormat,
    #[arg(long, global = true, env = "CODECOLLAB_LOG_LEVEL", value_enum, default_value_t = logging::LogLevel::Info)]
    log_level: logging::LogLevel,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a raw command in the sandbox (debugging, benchmarking).
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Serve the API and run the workers (embedded SQLite by default).
    Serve(serve_cmd::ServeArgs),
    /// Run jobs from a cluster's PostgreSQL queue, with no API (health and metrics only).
    Worker(worker_cmd::WorkerArgs),
    /// Run source files in the sandbox: compile (cached) and run, like the UI does.
    Run(run_cmd::RunArgs),
    /// The language catalogue with the toolchain version found on this host.
    Languages {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show what this host supports and what is degraded.
    Doctor,
    /// Administer the database: create users.
    Admin(admin_cmd::AdminArgs),
}

fn engine(config: sandbox::SandboxConfig, cache_dir: PathBuf) -> anyhow::Result<engine::Engine> {
    use anyhow::Context;
    let sandbox = sandbox::Sandbox::new(config).context("cannot start the sandbox")?;
    let catalogue = languages::Catalogue::builtin()?;
    let config = engine::EngineConfig {
        cache_dir,
        ..Default::default()
    };
    engine::Engine::new(sandbox, catalogue, config).context("cannot start the engine")
}

fn main() -> ExitCode {
    let args = match config_file::expand(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("codecollab: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    logging::init(cli.log_format, cli.log_level);
    let config = sandbox::SandboxConfig {
        state_dir: cli.state_dir,
        uid_base: cli.uid_base,
        max_interactive_wall_ms: cli.interactive_wall_secs.saturating_mul(1000),
        ..Default::default()
    };
    let result = match cli.command {
        Command::Sandbox(args) => sandbox_cmd::run(args, config),
        Command::Doctor => Ok(doctor::run(&config)),
        Command::Admin(args) => admin_cmd::run(args),
        Command::Serve(args) if args.api_only() => {
            // An API replica runs nothing: no sandbox, so no root and no writable disk.
            languages::Catalogue::builtin()
                .map_err(anyhow::Error::from)
                .and_then(|catalogue| {
                    let engine = engine::Engine::without_sandbox(
                        catalogue,
                        config.max_limits,
                        config.max_interactive_wall_ms,
                    );
                    serve_cmd::run(args, engine)
                })
        }
        Command::Serve(args) => {
            engine(config, cli.cache_dir).and_then(|engine| serve_cmd::run(args, engine))
        }
        Command::Worker(args) => {
            engine(config, cli.cache_dir).and_then(|engine| worker_cmd::run(args, engine))
        }
        Command::Run(args) => {
            engine(config, cli.cache_dir).and_then(|engine| run_cmd::run(args, &engine))
        }
        Command::Languages { json } => {
            engine(config, cli.cache_dir).and_then(|engine| languages_cmd::run(&engine, json))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codecollab: {e:#}");
            ExitCode::from(125)
        }
    }
}
