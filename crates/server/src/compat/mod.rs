//! Compatibility with the APIs existing clients speak, over the same queue and engine.

mod form;
pub mod piston;
