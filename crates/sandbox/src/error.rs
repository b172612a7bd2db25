//! `SandboxError`: the ways the sandbox itself can fail (a user's program failing is a verdict).

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "the sandbox must run as root to create user namespaces with id maps and cgroups (running as uid {uid})"
    )]
    NotRoot { uid: u32 },
    #[error("state dir {path}: {source}")]
    StateDir { path: PathBuf, source: io::Error },
    #[error("all {max} sandbox slots are in use")]
    NoFreeSlot { max: u32 },
    #[error("cgroup {action}: {source}")]
    Cgroup {
        action: &'static str,
        source: io::Error,
    },
    #[error("work dir {path}: {source}")]
    WorkDir { path: PathBuf, source: io::Error },
    #[error("invalid path {path:?} in the work dir: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("invalid run: {reason}")]
    InvalidRun { reason: String },
    #[error(transparent)]
    Limit(#[from] model::LimitError),
    #[error("starting the sandbox failed at {step}: {source}")]
    Spawn {
        step: &'static str,
        source: io::Error,
    },
    #[error("supervising the run failed: {source}")]
    Supervise { source: io::Error },
}

impl SandboxError {
    /// The error as a user may read it: the same words without host paths (where slots and
    /// state live on the host is none of a user's business).
    pub fn public_message(&self) -> String {
        match self {
            SandboxError::StateDir { source, .. } => format!("the sandbox's state dir: {source}"),
            SandboxError::WorkDir { source, .. } => format!("the work dir: {source}"),
            other => other.to_string(),
        }
    }
}
