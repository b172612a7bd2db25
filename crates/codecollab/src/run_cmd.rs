//! `codecollab run FILE…`: run source files in the sandbox like a user would in the UI.

use anyhow::{Context, bail};
use clap::Args;
use engine::{
    DEFAULT_STDIN_CAPACITY, Engine, EngineEvent, RunInput, RunRequest, SourceFile, Stage, StdinFeed,
};
use model::{Stream, Verdict};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Language id or alias (default: from the first file's extension).
    #[arg(long, short)]
    language: Option<String>,
    /// A file given to the program as stdin (default: this terminal's stdin).
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
    /// CPU time limit of the program, in seconds.
    #[arg(long, value_name = "SECS")]
    cpu_time: Option<f64>,
    /// Memory limit of the program, in MiB.
    #[arg(long, value_name = "MIB")]
    memory: Option<u64>,
    /// Print one JSON object with the result instead of the program's output.
    #[arg(long)]
    json: bool,
    /// Source files; the first is the entry point.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Arguments for the program, after `--`.
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has no usable file name", path.display()))?
            .to_string();
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let content = String::from_utf8(bytes)
            .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
        files.push(SourceFile { name, content });
    }
    Ok(files)
}

pub fn run(args: RunArgs, engine: &Engine) -> anyhow::Result<ExitCode> {
    let files = read_files(&args.files)?;
    let language = match &args.language {
        Some(name) => engine.catalogue().get(name)?,
        None => engine.catalogue().for_file(&files[0].name)?,
    };
    let mut limits = engine.default_limits(language, Stage::Run);
    if let Some(secs) = args.cpu_time {
        if !secs.is_finite() || secs <= 0.0 {
            bail!("--cpu-time must be a positive number of seconds, got {secs}");
        }
        limits.cpu_time_ms = (secs * 1000.0).round() as u64;
        limits.wall_time_ms = limits.wall_time_ms.max(limits.cpu_time_ms * 2);
    }
    if let Some(mib) = args.memory {
        limits.memory_kib = mib.saturating_mul(1024);
    }
    // The program reads a pipe we fill, never our own descriptors (a terminal it could drive
    // with ioctls, a file it could reopen for writing).
    let feed = StdinFeed::new(DEFAULT_STDIN_CAPACITY).context("cannot make the program's stdin")?;
    match &args.stdin {
        Some(path) => feed.copy_from(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        ),
        None => feed.copy_from(std::io::stdin()),
    }
    let stdin = RunInput::Live(feed);
    let request = RunRequest {
        language: language.id.clone(),
        entry: Some(files[0].name.clone()),
        files,
        stdin,
        args: args.args.clone(),
        compile_limits: None,
        run_limits: Some(limits),
        cancel: None,
        interactive: false,
    };
    let passthrough = !args.json;
    let mut on_event = |event: EngineEvent<'_>| {
        if let (
            true,
            EngineEvent::Output {
                stage: Stage::Run,
                stream,
                data,
                ..
            },
        ) = (passthrough, event)
        {
            let _ = match stream {
                Stream::Stdout => std::io::stdout().lock().write_all(data),
                Stream::Stderr => std::io::stderr().lock().write_all(data),
            };
        }
    };
    let result = engine.execute(request, &mut on_event)?;
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
        return Ok(if result.verdict == Verdict::InternalError {
            ExitCode::from(125)
        } else {
            ExitCode::SUCCESS
        });
    }
    let _ = std::io::stdout().flush();
    if let Some(compile) = result.compile.as_ref().filter(|c| c.verdict != Verdict::Ok) {
        eprint!("{}", compile.output);
        if compile.verdict != Verdict::CompileError {
            eprintln!(
                "codecollab: compilation ended {} (wall {} ms)",
                compile.verdict, compile.wall_ms
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    if result.verdict.is_limit() || result.verdict == Verdict::InternalError {
        eprintln!(
            "codecollab: {} (wall {} ms, cpu {} ms, memory {} KiB)",
            result.verdict, result.wall_ms, result.cpu_ms, result.memory_kib
        );
    }
    if result.verdict == Verdict::InternalError {
        return Ok(ExitCode::from(125));
    }
    let code = match (result.exit_code, result.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 125,
    };
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}
