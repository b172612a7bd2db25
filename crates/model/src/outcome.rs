//! The accounting of one finished run.

use crate::Verdict;
use serde::{Deserialize, Serialize};

/// Which output stream a chunk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Everything we know about a finished run. Output is kept as bytes: a program may print
/// anything, and only the presentation layer decides how to show non-UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub verdict: Option<Verdict>,
    /// Exit status when the program exited on its own.
    pub exit_code: Option<i32>,
    /// The signal that killed the program, when it was killed.
    pub signal: Option<i32>,
    pub wall_ms: u64,
    /// User + system time of the whole process tree.
    pub cpu_ms: u64,
    /// Peak memory of the whole process tree.
    pub memory_kib: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// Why the run is `internal_error`, or what was degraded (e.g. no cgroup on this host).
    pub notes: Vec<String>,
    /// The run was stopped on request (not by a limit).
    pub cancelled: bool,
}

impl Outcome {
    /// The verdict; a run that never got one is an internal error.
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::InternalError)
    }

    /// The exit code a shell would report: the program's own, or 128 + signal.
    pub fn shell_exit_code(&self) -> i32 {
        match (self.exit_code, self.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => 125,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_exit_code_follows_the_shell_convention() {
        let check = |exit_code, signal, expect| {
            let outcome = Outcome {
                exit_code,
                signal,
                ..Outcome::default()
            };
            assert_eq!(outcome.shell_exit_code(), expect);
        };
        check(Some(0), None, 0);
        check(Some(3), None, 3);
        check(None, Some(9), 137);
        check(None, None, 125);
    }

    #[test]
    fn an_outcome_without_verdict_is_an_internal_error() {
        assert_eq!(Outcome::default().verdict(), Verdict::InternalError);
    }
}
