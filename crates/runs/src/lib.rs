//! Runs as a service, independent of any web framework: the versioned payload the queue
//! stores, the typed events a run emits, and (growing) the service that submits, watches and
//! executes runs in this process or another.

mod event;
mod payload;

pub use event::{Phase, RunEvent};
pub use payload::{
    JobPayload, LimitOverrides, PAYLOAD_VERSION, PayloadError, PayloadFile, PayloadSummary,
};
