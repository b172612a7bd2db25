//! What a run produced, in the shape every interface shows (`codecollab run --json`, the API).

use model::Verdict;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    /// The compiler or build tool, when the language has one.
    pub build_tool: Option<String>,
    /// What runs the program (Node.js, Mono…), when it is not the language itself.
    pub runtime: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompileResult {
    pub verdict: Verdict,
    /// The compiler's stdout and stderr, as it printed them.
    pub output: String,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub memory_kib: u64,
    /// True when the artifacts came from the compile cache and nothing was compiled.
    pub cached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunResult {
    pub language: LanguageInfo,
    pub verdict: Verdict,
    /// The output as text; bytes that are not UTF-8 are shown as U+FFFD (then `*_replaced`
    /// is true and `*_base64` holds the bytes exactly as the program wrote them).
    pub stdout: String,
    pub stderr: String,
    pub stdout_replaced: bool,
    pub stderr_replaced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_base64: Option<String>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub memory_kib: u64,
    pub compile: Option<CompileResult>,
    /// Stopped on request (the user pressed Stop), not ended by itself or a limit.
    pub cancelled: bool,
    /// What was degraded or went wrong inside the sandbox, if anything.
    pub notes: Vec<String>,
    /// The limits the run stage had (none when it did not run: a compile error), so that a
    /// verdict can say which limit ended it and what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<model::Limits>,
}

/// Which stage of a run an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Compile,
    Run,
}
