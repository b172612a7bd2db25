//! Compatibility with the APIs existing clients speak, over the same queue and engine.

mod form;
pub mod judge0;
pub mod piston;
