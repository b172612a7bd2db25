//! Runs as a service, independent of any web framework: the versioned payload the queue
//! stores, the typed events a run emits, `RunService` (submit, wait, cancel, input, subscribe),
//! the worker loop, and the relay of a run's events and input between processes through the
//! store.

mod event;
mod hub;
mod metrics;
mod payload;
mod relay;
mod service;
mod subscription;
mod worker;

pub use event::{Phase, RunEvent};
pub use hub::{EventHub, RunEvents, Utf8Stream};
pub use payload::{
    JobPayload, LimitOverrides, PAYLOAD_VERSION, PayloadError, PayloadFile, PayloadSummary,
};
pub use service::{RunService, RunsConfig, SubmitError, run_id, view};
pub use subscription::Subscription;
pub use worker::MAX_ATTEMPTS;

use std::time::Duration;

/// How long a client's input may wait for the program to read what came before (its next
/// messages wait in TCP meanwhile); then it is refused with a reason.
pub(crate) const STDIN_WAIT: Duration = Duration::from_secs(1);
/// How often a follower of a run executing elsewhere looks again when no doorbell rang.
pub(crate) const ELSEWHERE_POLL: Duration = Duration::from_millis(250);

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
