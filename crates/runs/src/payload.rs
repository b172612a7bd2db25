//! What the queue stores for a run: a versioned payload, not the HTTP body.
//!
//! In a cluster, API replicas and workers of different versions share one queue during an
//! upgrade. The payload is therefore self-contained (the limits are resolved at submission, the
//! files are explicit), carries its version `v`, and ignores fields it does not know, so that a
//! newer field does not break an older worker. A payload of a version this worker does not know
//! is refused with a reason instead of run with half its meaning. Jobs queued before payloads
//! were versioned (`v` absent: the API body as it was) are still understood.

use engine::{Engine, RunInput, RunRequest, SourceFile, Stage};
use model::Limits;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version this build writes, and the newest it reads.
pub const PAYLOAD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPayload {
    pub v: u32,
    pub language: String,
    pub files: Vec<PayloadFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default)]
    pub stdin: String,
    #[serde(default)]
    pub args: Vec<String>,
    pub run_limits: Limits,
    pub compile_limits: Limits,
    /// After `stdin`, the program reads what clients send while it runs, until end of input.
    #[serde(default)]
    pub interactive: bool,
    /// The output a run should produce, for APIs that judge (Judge0's "Wrong Answer").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadFile {
    pub name: String,
    pub content: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("the job is not a JSON object: {0}")]
    NotJson(String),
    #[error(
        "the job was queued by a newer version (payload v{found}); this worker reads up to v{PAYLOAD_VERSION}"
    )]
    Newer { found: u64 },
    #[error("the job's payload is invalid: {0}")]
    Invalid(String),
}

/// Limits a request may set; what it leaves out takes the language's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub cpu_time_ms: Option<u64>,
    pub wall_time_ms: Option<u64>,
    pub memory_kib: Option<u64>,
    pub processes: Option<u32>,
    pub output_kib: Option<u64>,
    pub tmpfs_kib: Option<u64>,
    pub workdir_kib: Option<u64>,
}

impl LimitOverrides {
    /// `base` with these overrides; a CPU limit without a wall limit gives the wall twice it.
    pub fn apply(&self, mut limits: Limits) -> Limits {
        if let Some(cpu) = self.cpu_time_ms {
            limits.cpu_time_ms = cpu;
            if self.wall_time_ms.is_none() {
                limits.wall_time_ms = limits.wall_time_ms.max(cpu.saturating_mul(2));
            }
        }
        limits.wall_time_ms = self.wall_time_ms.unwrap_or(limits.wall_time_ms);
        limits.memory_kib = self.memory_kib.unwrap_or(limits.memory_kib);
        limits.processes = self.processes.unwrap_or(limits.processes);
        limits.output_kib = self.output_kib.unwrap_or(limits.output_kib);
        limits.tmpfs_kib = self.tmpfs_kib.unwrap_or(limits.tmpfs_kib);
        limits.workdir_kib = self.workdir_kib.unwrap_or(limits.workdir_kib);
        limits
    }
}

/// A job as the API body stored it before payloads had a version ("v0").
#[derive(Debug, Deserialize)]
struct LegacyBody {
    language: String,
    #[serde(default)]
    files: Vec<PayloadFile>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    entry: Option<String>,
    #[serde(default)]
    stdin: String,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    compile_limits: LimitOverrides,
    #[serde(default)]
    interactive: bool,
    #[serde(default)]
    expected_output: Option<String>,
}

/// What a job's payload tells without an engine: enough to show a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadSummary {
    pub language: String,
    /// The first file's content (a single-file submission's source).
    pub source: Option<String>,
    pub stdin: String,
    pub expected_output: Option<String>,
}

impl JobPayload {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a payload is plain data")
    }

    /// Reads a stored job: this version, an older one, or a clear refusal.
    pub fn decode(text: &str, engine: &Engine) -> Result<JobPayload, PayloadError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| PayloadError::NotJson(e.to_string()))?;
        match value.get("v") {
            None => Self::from_legacy(value, engine),
            Some(v) => match v.as_u64() {
                Some(n) if n > u64::from(PAYLOAD_VERSION) => Err(PayloadError::Newer { found: n }),
                Some(_) => {
                    serde_json::from_value(value).map_err(|e| PayloadError::Invalid(e.to_string()))
                }
                None => Err(PayloadError::Invalid(format!(
                    "version {v} is not a number"
                ))),
            },
        }
    }

    fn from_legacy(value: Value, engine: &Engine) -> Result<JobPayload, PayloadError> {
        let body: LegacyBody =
            serde_json::from_value(value).map_err(|e| PayloadError::Invalid(e.to_string()))?;
        let language = engine
            .catalogue()
            .get(&body.language)
            .map_err(|e| PayloadError::Invalid(e.to_string()))?;
        let mut files = body.files;
        if let Some(source) = body.source {
            files.push(PayloadFile {
                name: language.main_file.clone(),
                content: source,
            });
        }
        Ok(JobPayload {
            v: PAYLOAD_VERSION,
            language: language.id.clone(),
            files,
            entry: body.entry,
            stdin: body.stdin,
            args: body.args,
            run_limits: body
                .limits
                .apply(engine.default_limits(language, Stage::Run)),
            compile_limits: body
                .compile_limits
                .apply(engine.default_limits(language, Stage::Compile)),
            interactive: body.interactive,
            expected_output: body.expected_output,
        })
    }

    /// The summary of any stored payload this version can read, without an engine.
    pub fn summary(text: &str) -> Option<PayloadSummary> {
        let value: Value = serde_json::from_str(text).ok()?;
        let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(String::from);
        let source = text_of("source").or_else(|| {
            value
                .get("files")?
                .get(0)?
                .get("content")?
                .as_str()
                .map(String::from)
        });
        Some(PayloadSummary {
            language: text_of("language")?,
            source,
            stdin: text_of("stdin").unwrap_or_default(),
            expected_output: text_of("expected_output"),
        })
    }

    /// The engine request; the program's stdin is given by the caller (bytes, or a live feed).
    pub fn to_request(&self, stdin: RunInput) -> RunRequest {
        RunRequest {
            language: self.language.clone(),
            files: self
                .files
                .iter()
                .map(|f| SourceFile {
                    name: f.name.clone(),
                    content: f.content.clone(),
                })
                .collect(),
            entry: self.entry.clone(),
            stdin,
            args: self.args.clone(),
            compile_limits: Some(self.compile_limits),
            run_limits: Some(self.run_limits),
            cancel: None,
            interactive: self.interactive,
        }
    }
}
