//! Per-run resource limits, their defaults and the operator's maxima.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The limits of one run. Every field is enforced by the sandbox; none is advisory.
///
/// Missing fields take their defaults and unknown ones are ignored: a job queued by a newer
/// version (with a limit this one does not know) still runs here, with every limit this one
/// enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// User + system CPU time of the whole process tree.
    pub cpu_time_ms: u64,
    /// Real time from start to the end of the program.
    pub wall_time_ms: u64,
    /// Memory of the whole process tree, swap and tmpfs pages included.
    pub memory_kib: u64,
    /// Processes and threads alive at once.
    pub processes: u32,
    /// Bytes of stdout and stderr together; past it the stream is cut and the run stopped.
    pub output_kib: u64,
    /// Size of the private `/tmp` (and `/dev/shm`).
    pub tmpfs_kib: u64,
    /// Size of the writable work dir.
    pub workdir_kib: u64,
    /// Largest file the program may write.
    pub file_size_kib: u64,
    /// Open file descriptors per process.
    pub open_files: u32,
    /// Stack size of the main thread.
    pub stack_kib: u64,
}

impl Default for Limits {
    /// Defaults fit an interactive run of a small program: a few seconds, a quarter GiB.
    fn default() -> Self {
        Limits {
            cpu_time_ms: 5_000,
            wall_time_ms: 10_000,
            memory_kib: 256 * 1024,
            processes: 64,
            output_kib: 1024,
            tmpfs_kib: 64 * 1024,
            workdir_kib: 64 * 1024,
            file_size_kib: 64 * 1024,
            open_files: 256,
            stack_kib: 8 * 1024,
        }
    }
}

/// A limit that is zero or above what the operator allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    pub field: &'static str,
    pub value: u64,
    pub max: u64,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value == 0 {
            write!(f, "limit {} must be greater than 0", self.field)
        } else {
            write!(
                f,
                "limit {} = {} is above the maximum of {}",
                self.field, self.value, self.max
            )
        }
    }
}

impl std::error::Error for LimitError {}

impl Limits {
    /// The ceiling an operator gets unless they configure another: generous, but bounded.
    pub fn operator_maximum() -> Self {
        Limits {
            cpu_time_ms: 60_000,
            wall_time_ms: 120_000,
            memory_kib: 4 * 1024 * 1024,
            processes: 512,
            output_kib: 64 * 1024,
            tmpfs_kib: 1024 * 1024,
            workdir_kib: 1024 * 1024,
            file_size_kib: 1024 * 1024,
            open_files: 4096,
            stack_kib: 256 * 1024,
        }
    }

    /// These limits with a wall limit of at least `wall_ms` (the ceiling of interactive runs).
    pub fn with_wall_of_at_least(&self, wall_ms: u64) -> Limits {
        Limits {
            wall_time_ms: self.wall_time_ms.max(wall_ms),
            ..*self
        }
    }

    fn fields(&self) -> [(&'static str, u64); 10] {
        [
            ("cpu_time_ms", self.cpu_time_ms),
            ("wall_time_ms", self.wall_time_ms),
            ("memory_kib", self.memory_kib),
            ("processes", u64::from(self.processes)),
            ("output_kib", self.output_kib),
            ("tmpfs_kib", self.tmpfs_kib),
            ("workdir_kib", self.workdir_kib),
            ("file_size_kib", self.file_size_kib),
            ("open_files", u64::from(self.open_files)),
            ("stack_kib", self.stack_kib),
        ]
    }

    /// Checks every limit is positive and within `max`; names the first one that is not.
    pub fn validate(&self, max: &Limits) -> Result<(), LimitError> {
        for ((field, value), (_, ceiling)) in self.fields().into_iter().zip(max.fields()) {
            if value == 0 || value > ceiling {
                return Err(LimitError {
                    field,
                    value,
                    max: ceiling,
                });
            }
        }
        Ok(())
    }

    pub fn output_bytes(&self) -> u64 {
        self.output_kib.saturating_mul(1024)
    }

    pub fn memory_bytes(&self) -> u64 {
        self.memory_kib.saturating_mul(1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_within_the_operator_maximum() {
        assert_eq!(
            Limits::default().validate(&Limits::operator_maximum()),
            Ok(())
        );
    }

    #[test]
    fn validate_names_the_offending_limit() {
        let max = Limits::operator_maximum();
        let check = |limits: Limits, field: &str| {
            let err = limits.validate(&max).expect_err("must be refused");
            assert_eq!(err.field, field);
        };
        check(
            Limits {
                memory_kib: max.memory_kib + 1,
                ..Limits::default()
            },
            "memory_kib",
        );
        check(
            Limits {
                processes: 0,
                ..Limits::default()
            },
            "processes",
        );
        check(
            Limits {
                stack_kib: u64::MAX,
                ..Limits::default()
            },
            "stack_kib",
        );
    }

    #[test]
    fn a_zero_limit_says_it_must_be_positive() {
        let err = Limits {
            wall_time_ms: 0,
            ..Limits::default()
        }
        .validate(&Limits::operator_maximum())
        .expect_err("zero is refused");
        assert_eq!(err.to_string(), "limit wall_time_ms must be greater than 0");
    }

    #[test]
    fn limits_from_a_newer_version_keep_what_this_one_enforces() {
        // The API refuses unknown limit names (its own body type); a stored job may come from
        // a newer version.
        let newer: Limits = serde_json::from_str(r#"{"cpu_time_ms": 1, "gpus": 2}"#)
            .expect("a field this version does not know is ignored");
        assert_eq!(newer.cpu_time_ms, 1);
        let partial: Limits = serde_json::from_str(r#"{"cpu_time_ms": 1}"#).expect("partial");
        assert_eq!(partial.cpu_time_ms, 1);
        assert_eq!(partial.memory_kib, Limits::default().memory_kib);
    }
}
