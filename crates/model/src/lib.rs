//! Pure domain types of one execution — limits, verdicts, accounting — shared by every crate.
//!
//! No IO, no async, no syscalls: everything here is data and the rules on that data.

mod limits;
mod outcome;
mod verdict;

pub use limits::{LimitError, Limits};
pub use outcome::{Outcome, Stream};
pub use verdict::Verdict;
