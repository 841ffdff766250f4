//! Newtypes for the values the collector receives from outside. Each has a `parse()` constructor,
//! so an invalid value cannot exist past the edge of the program.

/// Declares a newtype over a `String` that only its module's `parse()` can make, with `as_str`
/// and `Display`: the one shape of every text value the collector checks at its edge.
macro_rules! checked_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

mod audit_action;
mod channel;
mod database_url;
mod ipa_code;
mod origin;
mod service_id;
mod timestamp;

pub use audit_action::AuditAction;
pub use channel::Channel;
pub use database_url::{DatabaseUrl, redact_url};
pub use ipa_code::IpaCode;
pub use origin::Origin;
pub use service_id::ServiceId;
pub use timestamp::{day_of, rfc3339};

/// Why a value was refused by a `parse()` constructor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
