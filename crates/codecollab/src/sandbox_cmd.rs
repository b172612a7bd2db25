//! `codecollab sandbox -- CMD…`: one raw command in the sandbox, output passed through or as JSON.

use anyhow::{Context, bail};
use clap::Args;
use sandbox::{
    DEFAULT_STDIN_CAPACITY, Event, Limits, Outcome, RunSpec, Sandbox, SandboxConfig, Stdin,
    StdinFeed, Stream,
};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// CPU time limit of the whole process tree, in seconds.
    #[arg(long, value_name = "SECS")]
    cpu_time: Option<f64>,
    /// Wall-clock limit, in seconds.
    #[arg(long, value_name = "SECS")]
    wall_time: Option<f64>,
    /// Memory limit (swap and tmpfs included), in MiB.
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
    /// Processes and threads alive at once.
    #[arg(long, value_name = "N")]
    processes: Option<u32>,
    /// Combined stdout + stderr limit, in KiB.
    #[arg(long, value_name = "KIB")]
    output_limit: Option<u64>,
    /// Size of /tmp, in MiB.
    #[arg(long, value_name = "MIB")]
    tmpfs: Option<u64>,
    /// A directory whose files are copied into the work dir (/work) before the run.
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
    /// A file given to the program as stdin.
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
    /// An environment variable for the program (the environment is otherwise clean).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Print one JSON object with the verdict, accounting and output.
    #[arg(long)]
    json: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

fn seconds_to_ms(flag: &str, secs: f64) -> anyhow::Result<u64> {
    if !secs.is_finite() || secs <= 0.0 {
        bail!("--{flag} must be a positive number of seconds, got {secs}");
    }
    Ok((secs * 1000.0).round() as u64)
}

fn limits(args: &SandboxArgs) -> anyhow::Result<Limits> {
    let mut limits = Limits::default();
    if let Some(secs) = args.cpu_time {
        limits.cpu_time_ms = seconds_to_ms("cpu-time", secs)?;
        // A CPU limit above the default wall limit would never be reached: follow it.
        limits.wall_time_ms = limits.wall_time_ms.max(limits.cpu_time_ms * 2);
    }
    if let Some(secs) = args.wall_time {
        limits.wall_time_ms = seconds_to_ms("wall-time", secs)?;
    }
    if let Some(mib) = args.memory {
        limits.memory_kib = mib.saturating_mul(1024);
    }
    if let Some(n) = args.processes {
        limits.processes = n;
    }
    if let Some(kib) = args.output_limit {
        limits.output_kib = kib;
    }
    if let Some(mib) = args.tmpfs {
        limits.tmpfs_kib = mib.saturating_mul(1024);
    }
    Ok(limits)
}

/// The `--json` object: field names are part of the CLI's contract.
#[derive(Debug, Serialize)]
struct JsonOutcome {
    verdict: sandbox::Verdict,
    exit_code: Option<i32>,
    signal: Option<i32>,
    wall_ms: u64,
    cpu_ms: u64,
    memory_kib: u64,
    stdout: String,
    stderr: String,
    stdout_truncated: bool,
    stderr_truncated: bool,
    notes: Vec<String>,
}

impl From<Outcome> for JsonOutcome {
    fn from(o: Outcome) -> Self {
        JsonOutcome {
            verdict: o.verdict(),
            exit_code: o.exit_code,
            signal: o.signal,
            wall_ms: o.wall_ms,
            cpu_ms: o.cpu_ms,
            memory_kib: o.memory_kib,
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            stdout_truncated: o.stdout_truncated,
            stderr_truncated: o.stderr_truncated,
            notes: o.notes,
        }
    }
}

pub fn run(args: SandboxArgs, config: SandboxConfig) -> anyhow::Result<ExitCode> {
    let limits = limits(&args)?;
    limits.validate(&config.max_limits)?;
    let mut env = Vec::new();
    for pair in &args.env {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--env expects KEY=VALUE, got {pair:?}");
        };
        env.push((key.to_string(), value.to_string()));
    }
    // A pipe we fill, never the host file itself: the program could reopen
    // `/proc/self/fd/0` for writing.
    let stdin = match &args.stdin {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open stdin file {}", path.display()))?;
            let feed = StdinFeed::new(DEFAULT_STDIN_CAPACITY)
                .context("cannot make the program's stdin")?;
            feed.copy_from(file);
            Stdin::Live(feed)
        }
        None => Stdin::Empty,
    };
    let sandbox = Sandbox::new(config).context("cannot start the sandbox")?;
    let mut lease = sandbox.lease(limits.workdir_kib)?;
    if let Some(dir) = &args.workdir {
        lease
            .workdir()
            .copy_from(dir)
            .with_context(|| format!("cannot copy {} into the work dir", dir.display()))?;
    }
    let spec = RunSpec {
        argv: args.command.clone(),
        env,
        limits,
        stdin,
        cancel: None,
    };
    let passthrough = !args.json;
    let mut on_event = |event: Event<'_>| {
        if let (true, Event::Output { stream, data, .. }) = (passthrough, event) {
            // A closed terminal must not stop the run; the outcome still reports everything.
            let _ = match stream {
                Stream::Stdout => std::io::stdout().lock().write_all(data),
                Stream::Stderr => std::io::stderr().lock().write_all(data),
            };
        }
    };
    let outcome = lease.run(spec, &mut on_event)?;
    let verdict = outcome.verdict();
    if args.json {
        let internal = verdict == sandbox::Verdict::InternalError;
        println!("{}", serde_json::to_string(&JsonOutcome::from(outcome))?);
        return Ok(if internal {
            ExitCode::from(125)
        } else {
            ExitCode::SUCCESS
        });
    }
    let _ = std::io::stdout().flush();
    if verdict.is_limit() || verdict == sandbox::Verdict::InternalError {
        let detail = if outcome.notes.is_empty() {
            String::new()
        } else {
            format!(": {}", outcome.notes.join("; "))
        };
        eprintln!(
            "codecollab: {verdict} (wall {} ms, cpu {} ms, memory {} KiB){detail}",
            outcome.wall_ms, outcome.cpu_ms, outcome.memory_kib
        );
    }
    if verdict == sandbox::Verdict::InternalError {
        return Ok(ExitCode::from(125));
    }
    Ok(ExitCode::from(outcome.shell_exit_code().clamp(0, 255) as u8))
}
