//! Newtypes for the values the collector receives from outside. Each has a `parse()` constructor,
//! so an invalid value cannot exist past the edge of the program.

mod ipa_code;
mod origin;
mod service_id;
mod timestamp;

pub use ipa_code::IpaCode;
pub use origin::Origin;
pub use service_id::ServiceId;
pub use timestamp::{day_of, rfc3339};

/// Why a value was refused by a `parse()` constructor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
