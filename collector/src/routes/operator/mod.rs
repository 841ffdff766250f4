//! The operators' routes: each takes an [`crate::auth::operator::Operator`] (401 without a valid
//! token) and checks the role's scope before reading anything (403 naming the scope).

pub mod export_aggregates;
pub mod export_responses;
pub mod list_responses;
pub mod read_audit;
pub mod read_stats;

pub use export_aggregates::{
    export_aggregates_csv, export_aggregates_json, export_aggregates_sdmx, export_code_lists,
};
pub use export_responses::export_responses;
pub use list_responses::list_responses;
pub use read_audit::read_audit;
pub use read_stats::read_stats;
