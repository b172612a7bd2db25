//! One execution: stage the files in a fresh work dir, compile inside the sandbox (or take the
//! artifacts from the compile cache), run inside the sandbox, and return a verdict — emitting
//! events as it goes for live output.

mod cache;
mod quiet;
mod request;
mod result;
mod toolchain;

pub use cache::CompileCache;
pub use request::{
    MAX_FILES, MAX_SOURCE_BYTES, RunInput, RunRequest, SourceFile, default_compile_limits,
};
pub use result::{CompileResult, LanguageInfo, RunResult, Stage};
pub use sandbox::{DEFAULT_STDIN_CAPACITY, FeedError, StdinFeed};
pub use toolchain::Toolchain;

use languages::{Catalogue, Language, LanguagesError};
use model::{Limits, Outcome, Stream, Verdict};
use sandbox::{Event, Lease, RunSpec, Sandbox, SandboxError, Stdin};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Language(#[from] LanguagesError),
    #[error("{language} is not available on this host: {reason}")]
    Unavailable { language: String, reason: String },
    #[error("invalid request: {reason}")]
    InvalidRequest { reason: String },
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
}

impl EngineError {
    /// The error as a user may read it (no host paths).
    pub fn public_message(&self) -> String {
        match self {
            EngineError::Sandbox(e) => e.public_message(),
            other => other.to_string(),
        }
    }
}

/// Something that happened during an execution, delivered as it happens.
#[derive(Debug, Clone, Copy)]
pub enum EngineEvent<'a> {
    StageStarted {
        stage: Stage,
    },
    Output {
        stage: Stage,
        stream: Stream,
        elapsed: Duration,
        data: &'a [u8],
    },
    Stats {
        stage: Stage,
        elapsed: Duration,
        cpu_ms: u64,
        memory_kib: u64,
    },
    StageFinished {
        stage: Stage,
        verdict: Verdict,
        cached: bool,
    },
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub cache_dir: PathBuf,
    /// Bound of the compile cache on disk.
    pub cache_max_bytes: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: PathBuf::from("/var/cache/codecollab/compile"),
            cache_max_bytes: 1 << 30,
        }
    }
}

/// Largest set of artifacts one compile may leave (a Kotlin jar with its runtime is ~5 MiB).
const MAX_ARTIFACT_BYTES: u64 = 256 << 20;
const MAX_ARTIFACT_FILES: usize = 4096;

#[derive(Debug)]
pub struct Engine {
    /// None in a process that runs no programs (an API replica of a cluster).
    sandbox: Option<Sandbox>,
    max_limits: Limits,
    /// The wall ceiling of interactive runs (the sandbox's, or the operator's for a replica).
    max_interactive_wall_ms: u64,
    catalogue: Catalogue,
    cache: Option<CompileCache>,
    toolchains: toolchain::KnownToolchains,
}

/// Why an engine without a sandbox knows no toolchain.
pub const NO_SANDBOX: &str =
    "this process runs no programs (an API replica): workers report their toolchains";

impl Engine {
    pub fn new(
        sandbox: Sandbox,
        catalogue: Catalogue,
        config: EngineConfig,
    ) -> Result<Self, EngineError> {
        let cache = CompileCache::new(config.cache_dir.clone(), config.cache_max_bytes).map_err(
            |source| {
                EngineError::Sandbox(SandboxError::WorkDir {
                    path: config.cache_dir.clone(),
                    source,
                })
            },
        )?;
        Ok(Engine {
            max_limits: sandbox.config().max_limits,
            max_interactive_wall_ms: sandbox.config().max_interactive_wall_ms,
            sandbox: Some(sandbox),
            catalogue,
            cache: Some(cache),
            toolchains: toolchain::KnownToolchains::load(config.cache_dir.join("toolchains.json")),
        })
    }

    /// An engine that validates requests and knows the catalogue but runs nothing: for a process
    /// that only answers the API (no root, no writable disk needed).
    pub fn without_sandbox(
        catalogue: Catalogue,
        max_limits: Limits,
        max_interactive_wall_ms: u64,
    ) -> Self {
        Engine {
            sandbox: None,
            max_limits,
            max_interactive_wall_ms,
            catalogue,
            cache: None,
            // Never consulted: without a sandbox nothing is detected.
            toolchains: toolchain::KnownToolchains::load(PathBuf::new()),
        }
    }

    /// Whether this engine runs programs (has a sandbox).
    pub fn runs_programs(&self) -> bool {
        self.sandbox.is_some()
    }

    /// The operator's maxima for limits.
    pub fn max_limits(&self) -> &Limits {
        &self.max_limits
    }

    /// The maxima for a run, interactive or not: an interactive run's wall may be longer (a
    /// person types), never its CPU or anything else.
    pub fn max_limits_for(&self, interactive: bool) -> Limits {
        if interactive {
            self.max_limits
                .with_wall_of_at_least(self.max_interactive_wall_ms)
        } else {
            self.max_limits
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The toolchain of `language` on this host: detected in the sandbox once, then known (also
    /// to later processes) until its files change.
    pub fn toolchain(&self, language: &Language) -> Result<Toolchain, EngineError> {
        let fingerprint = toolchain::fingerprint(language);
        if let Some(known) = self.toolchains.get(&language.id, &fingerprint) {
            return Ok(known);
        }
        let Some(sandbox) = &self.sandbox else {
            return Ok(Toolchain {
                available: false,
                version: None,
                reason: Some(NO_SANDBOX.into()),
            });
        };
        let detected = toolchain::detect(sandbox, language)?;
        self.toolchains
            .insert(&language.id, fingerprint, detected.clone());
        Ok(detected)
    }

    /// Every language with its toolchain, detected two at a time (the machine has two cores).
    pub fn toolchains(&self) -> Vec<(Language, Toolchain)> {
        let languages = self.catalogue.all();
        let half = languages.len().div_ceil(2).max(1);
        std::thread::scope(|scope| {
            let detectors: Vec<_> = languages
                .chunks(half)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|l| (l.clone(), self.toolchain_or_reason(l)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            detectors
                .into_iter()
                .flat_map(|d| d.join().unwrap_or_default())
                .collect()
        })
    }

    /// For listings: a detection that could not run is shown as unavailable, with the reason.
    fn toolchain_or_reason(&self, language: &Language) -> Toolchain {
        self.toolchain(language).unwrap_or_else(|e| Toolchain {
            available: false,
            version: None,
            reason: Some(format!("detection failed: {e}")),
        })
    }

    /// The limits a run of `language` gets unless the caller says otherwise: the defaults,
    /// raised to what the language's runtime or compiler needs, within the operator's maxima.
    pub fn default_limits(&self, language: &Language, stage: Stage) -> Limits {
        let floors = &language.limits;
        let mut limits = match stage {
            Stage::Compile => default_compile_limits(),
            Stage::Run => Limits::default(),
        };
        limits.processes = limits.processes.max(floors.processes.unwrap_or(0));
        limits.memory_kib = limits.memory_kib.max(floors.memory_mib.unwrap_or(0) * 1024);
        let (cpu_floor, wall_floor) = match stage {
            Stage::Compile => (floors.compile_cpu_seconds, floors.compile_wall_seconds),
            Stage::Run => (floors.cpu_seconds, None),
        };
        limits.cpu_time_ms = limits.cpu_time_ms.max(cpu_floor.unwrap_or(0) * 1000);
        limits.wall_time_ms = limits
            .wall_time_ms
            .max(wall_floor.unwrap_or(0) * 1000)
            .max(limits.cpu_time_ms * 2);
        clamp(limits, &self.max_limits)
    }

    /// Checks a request without running it: the language exists, the files and limits are
    /// acceptable. What `execute` would refuse, this refuses with the same error.
    pub fn check(&self, request: &RunRequest) -> Result<(), EngineError> {
        let language = self.catalogue.get(&request.language)?;
        request::validate(request, &language.main_file)?;
        let max = &self.max_limits_for(request.is_interactive());
        for limits in [request.compile_limits.as_ref(), request.run_limits.as_ref()]
            .into_iter()
            .flatten()
        {
            limits
                .validate(max)
                .map_err(|e| EngineError::InvalidRequest {
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// Runs one request to its verdict.
    pub fn execute(
        &self,
        request: RunRequest,
        on_event: &mut dyn FnMut(EngineEvent<'_>),
    ) -> Result<RunResult, EngineError> {
        let language = self.catalogue.get(&request.language)?.clone();
        let entry = request::validate(&request, &language.main_file)?;
        let toolchain = self.toolchain(&language)?;
        let Some(version) = toolchain.version.filter(|_| toolchain.available) else {
            let reason = toolchain
                .reason
                .unwrap_or_else(|| "toolchain not found".into());
            return Err(EngineError::Unavailable {
                language: language.name.clone(),
                reason,
            });
        };
        let info = LanguageInfo {
            id: language.id.clone(),
            name: language.name.clone(),
            version,
            build_tool: language.build_tool.clone(),
            runtime: language.runtime_name().to_string(),
        };
        let compile_limits = request
            .compile_limits
            .unwrap_or_else(|| self.default_limits(&language, Stage::Compile));
        let run_limits = request
            .run_limits
            .unwrap_or_else(|| self.default_limits(&language, Stage::Run));
        let max = &self.max_limits_for(request.is_interactive());
        compile_limits
            .validate(max)
            .map_err(|e| EngineError::InvalidRequest {
                reason: e.to_string(),
            })?;
        run_limits
            .validate(max)
            .map_err(|e| EngineError::InvalidRequest {
                reason: e.to_string(),
            })?;

        let Some(sandbox) = &self.sandbox else {
            return Err(EngineError::Unavailable {
                language: language.name.clone(),
                reason: NO_SANDBOX.into(),
            });
        };
        let mut lease = sandbox.lease(compile_limits.workdir_kib.max(run_limits.workdir_kib))?;
        for file in &request.files {
            lease
                .workdir()
                .write_file(&file.name, file.content.as_bytes())?;
        }
        let names: Vec<&str> = request.files.iter().map(|f| f.name.as_str()).collect();
        let job = Job {
            cancel: request.cancel.clone(),
            language: &language,
            info: &info,
            entry: &entry,
            names: &names,
        };
        let compile = match &language.compile {
            Some(template) => {
                let compiled = self.compile(
                    &mut lease,
                    &job,
                    template,
                    &request.files,
                    compile_limits,
                    on_event,
                )?;
                if compiled.verdict != Verdict::Ok {
                    return Ok(compile_failure(info, compiled));
                }
                Some(compiled)
            }
            None => None,
        };

        on_event(EngineEvent::StageStarted { stage: Stage::Run });
        let mut argv = language.expand(&language.run, &entry, &names);
        argv.extend(request.args.iter().cloned());
        let stdin = match request.stdin {
            RunInput::Empty => Stdin::Empty,
            RunInput::Bytes(bytes) => Stdin::Bytes(bytes),
            RunInput::Live(feed) => Stdin::Live(feed),
        };
        let spec = RunSpec {
            argv,
            env: env_of(&language),
            limits: run_limits,
            stdin,
            cancel: request.cancel.clone(),
        };
        let outcome = lease.run(spec, &mut |event| relay(Stage::Run, event, on_event))?;
        on_event(EngineEvent::StageFinished {
            stage: Stage::Run,
            verdict: outcome.verdict(),
            cached: false,
        });
        let mut result = run_result(info, outcome, compile);
        result.limits = Some(run_limits);
        Ok(result)
    }

    fn compile(
        &self,
        lease: &mut Lease,
        job: &Job<'_>,
        template: &[String],
        files: &[SourceFile],
        limits: Limits,
        on_event: &mut dyn FnMut(EngineEvent<'_>),
    ) -> Result<CompileResult, EngineError> {
        on_event(EngineEvent::StageStarted {
            stage: Stage::Compile,
        });
        let argv = job.language.expand(template, job.entry, job.names);
        let sources: Vec<(&str, &str)> = files
            .iter()
            .map(|f| (f.name.as_str(), f.content.as_str()))
            .collect();
        let key = cache::key(&job.info.id, &job.info.version, &argv, &sources);
        if let Some(artifacts) = self.cache.as_ref().and_then(|cache| cache.get(&key)) {
            for artifact in &artifacts {
                lease
                    .workdir()
                    .write_file(&artifact.path, &artifact.content)?;
                if artifact.executable {
                    lease.workdir().set_executable(&artifact.path)?;
                }
            }
            on_event(EngineEvent::StageFinished {
                stage: Stage::Compile,
                verdict: Verdict::Ok,
                cached: true,
            });
            return Ok(CompileResult {
                verdict: Verdict::Ok,
                output: String::new(),
                wall_ms: 0,
                cpu_ms: 0,
                memory_kib: 0,
                cached: true,
            });
        }
        let spec = RunSpec {
            argv,
            env: env_of(job.language),
            limits,
            stdin: Stdin::Empty,
            cancel: job.cancel.clone(),
        };
        let mut quiet = quiet::QuietLines::new(&job.language.quiet);
        let outcome = lease.run(spec, &mut |event| match event {
            Event::Output {
                stream,
                elapsed,
                data,
            } => quiet.feed(stream, data, &mut |data| {
                compile_output(stream, elapsed, data, on_event)
            }),
            other => relay(Stage::Compile, other, on_event),
        })?;
        quiet.flush(&mut |stream, data| {
            let elapsed = std::time::Duration::from_millis(outcome.wall_ms);
            compile_output(stream, elapsed, data, on_event)
        });
        let verdict = match outcome.verdict() {
            Verdict::RuntimeError if !outcome.cancelled => Verdict::CompileError,
            other => other,
        };
        if verdict == Verdict::Ok {
            // Everything the compile left that is not a source as it was staged: a source the
            // compiler overwrote (an output named like an input) is an artifact too, or a cache
            // hit would run the source where the miss ran the compiler's output.
            let mut artifacts =
                lease
                    .workdir()
                    .collect_files(&[], MAX_ARTIFACT_FILES, MAX_ARTIFACT_BYTES)?;
            artifacts.retain(|artifact| {
                !files.iter().any(|source| {
                    source.name == artifact.path
                        && source.content.as_bytes() == artifact.content.as_slice()
                        && !artifact.executable
                })
            });
            // The cache only saves time: a full disk must not fail the run.
            if let Some(cache) = &self.cache {
                let _ = cache.put(&key, &artifacts);
            }
        }
        on_event(EngineEvent::StageFinished {
            stage: Stage::Compile,
            verdict,
            cached: false,
        });
        let mut output = String::from_utf8_lossy(&outcome.stdout).into_owned();
        output.push_str(&String::from_utf8_lossy(&outcome.stderr));
        let output = quiet::without_quiet_lines(&output, &job.language.quiet);
        Ok(CompileResult {
            verdict,
            output,
            wall_ms: outcome.wall_ms,
            cpu_ms: outcome.cpu_ms,
            memory_kib: outcome.memory_kib,
            cached: false,
        })
    }
}

/// What every stage of one execution shares.
struct Job<'a> {
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    language: &'a Language,
    info: &'a LanguageInfo,
    entry: &'a str,
    names: &'a [&'a str],
}

fn env_of(language: &Language) -> Vec<(String, String)> {
    language
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Output of the compile stage, as the events of any stage are.
fn compile_output(
    stream: sandbox::Stream,
    elapsed: std::time::Duration,
    data: &[u8],
    on_event: &mut dyn FnMut(EngineEvent<'_>),
) {
    relay(
        Stage::Compile,
        Event::Output {
            stream,
            elapsed,
            data,
        },
        on_event,
    );
}

fn relay(stage: Stage, event: Event<'_>, on_event: &mut dyn FnMut(EngineEvent<'_>)) {
    on_event(match event {
        Event::Output {
            stream,
            elapsed,
            data,
        } => EngineEvent::Output {
            stage,
            stream,
            elapsed,
            data,
        },
        Event::Stats {
            elapsed,
            cpu_ms,
            memory_kib,
        } => EngineEvent::Stats {
            stage,
            elapsed,
            cpu_ms,
            memory_kib,
        },
    });
}

fn clamp(limits: Limits, max: &Limits) -> Limits {
    Limits {
        cpu_time_ms: limits.cpu_time_ms.min(max.cpu_time_ms),
        wall_time_ms: limits.wall_time_ms.min(max.wall_time_ms),
        memory_kib: limits.memory_kib.min(max.memory_kib),
        processes: limits.processes.min(max.processes),
        output_kib: limits.output_kib.min(max.output_kib),
        tmpfs_kib: limits.tmpfs_kib.min(max.tmpfs_kib),
        workdir_kib: limits.workdir_kib.min(max.workdir_kib),
        file_size_kib: limits.file_size_kib.min(max.file_size_kib),
        open_files: limits.open_files.min(max.open_files),
        stack_kib: limits.stack_kib.min(max.stack_kib),
    }
}

fn compile_failure(language: LanguageInfo, compile: CompileResult) -> RunResult {
    RunResult {
        language,
        verdict: Verdict::CompileError,
        stdout: String::new(),
        stderr: String::new(),
        stdout_replaced: false,
        stderr_replaced: false,
        stdout_base64: None,
        stderr_base64: None,
        stdout_truncated: false,
        stderr_truncated: false,
        exit_code: None,
        signal: None,
        wall_ms: 0,
        cpu_ms: 0,
        memory_kib: 0,
        // A compile stage's runtime_error survives only when it was stopped on request.
        cancelled: compile.verdict == Verdict::RuntimeError,
        compile: Some(compile),
        notes: Vec::new(),
        limits: None,
    }
}

/// The text view of output, and the bytes themselves (base64) when the text view had to
/// replace any: output is bytes, and APIs that carry bytes (Judge0's base64 mode) must not lose
/// them.
fn text_and_bytes(bytes: &[u8]) -> (String, Option<String>) {
    use base64::Engine as _;
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    }
}

fn run_result(
    language: LanguageInfo,
    outcome: Outcome,
    compile: Option<CompileResult>,
) -> RunResult {
    let (stdout, stdout_base64) = text_and_bytes(&outcome.stdout);
    let (stderr, stderr_base64) = text_and_bytes(&outcome.stderr);
    RunResult {
        language,
        verdict: outcome.verdict(),
        stdout,
        stderr,
        stdout_replaced: stdout_base64.is_some(),
        stderr_replaced: stderr_base64.is_some(),
        stdout_base64,
        stderr_base64,
        stdout_truncated: outcome.stdout_truncated,
        stderr_truncated: outcome.stderr_truncated,
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        wall_ms: outcome.wall_ms,
        cpu_ms: outcome.cpu_ms,
        memory_kib: outcome.memory_kib,
        compile,
        cancelled: outcome.cancelled,
        notes: outcome.notes,
        limits: None,
    }
}
