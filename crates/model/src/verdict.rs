//! The verdict of a run: the same words everywhere (CLI, API, database, UI).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened to a program, from the user's point of view.
///
/// A program that fails is data, not an error: every way a user's program can end is a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    CompileError,
    RuntimeError,
    TimeLimit,
    MemoryLimit,
    OutputLimit,
    InternalError,
}

impl Verdict {
    pub const ALL: [Verdict; 7] = [
        Verdict::Ok,
        Verdict::CompileError,
        Verdict::RuntimeError,
        Verdict::TimeLimit,
        Verdict::MemoryLimit,
        Verdict::OutputLimit,
        Verdict::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::CompileError => "compile_error",
            Verdict::RuntimeError => "runtime_error",
            Verdict::TimeLimit => "time_limit",
            Verdict::MemoryLimit => "memory_limit",
            Verdict::OutputLimit => "output_limit",
            Verdict::InternalError => "internal_error",
        }
    }

    /// True when a limit of the run (not the program itself) ended it.
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            Verdict::TimeLimit | Verdict::MemoryLimit | Verdict::OutputLimit
        )
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_serializes_to_its_display_name() {
        for verdict in Verdict::ALL {
            let json = serde_json::to_string(&verdict).expect("serialize");
            assert_eq!(json, format!("\"{verdict}\""));
            let back: Verdict = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, verdict);
        }
    }

    #[test]
    fn only_time_memory_and_output_are_limits() {
        let limits: Vec<_> = Verdict::ALL.into_iter().filter(|v| v.is_limit()).collect();
        assert_eq!(
            limits,
            [
                Verdict::TimeLimit,
                Verdict::MemoryLimit,
                Verdict::OutputLimit
            ]
        );
    }
}
