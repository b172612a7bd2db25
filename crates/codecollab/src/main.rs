//! The `codecollab` binary: argument parsing and wiring only.

mod doctor;
mod sandbox_cmd;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a raw command in the sandbox (debugging, benchmarking).
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Show what this host supports and what is degraded.
    Doctor,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = sandbox::SandboxConfig {
        state_dir: cli.state_dir,
        uid_base: cli.uid_base,
        ..Default::default()
    };
    let result = match cli.command {
        Command::Sandbox(args) => sandbox_cmd::run(args, config),
        Command::Doctor => Ok(doctor::run(&config)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codecollab: {e:#}");
            ExitCode::from(125)
        }
    }
}
