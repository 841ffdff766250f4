//! The registry: the bodies that take part (IPA code, name, kind, the origins their pages are
//! served from) and their services (id, body, name, kind, and optionally a catalog questionnaire
//! other than the one the catalog prescribes).
//!
//! [`file`] is the TOML file as written, [`check`] turns it into rows or names the entry and field
//! of every problem, [`import`] writes the rows, idempotently, in one transaction, and [`cache`]
//! keeps the imported registry in memory for the request paths.

pub mod cache;
pub mod check;
pub mod file;
pub mod import;

pub use check::{Registry, RegistryError, check, check_file};
pub use file::{BodyEntry, RegistryFile, ServiceEntry};
pub use import::{ImportSummary, import};
