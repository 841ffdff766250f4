//! The shared crate's tests, one module per part of the crate, built as one test binary: one
//! compile and one link instead of seven, which counts when `cargo xtask mutants` rebuilds them
//! for each of some five hundred mutants.

mod catalog;
mod locale;
mod messages;
mod properties;
mod questionnaire;
mod redact;
mod text;
mod validate;
