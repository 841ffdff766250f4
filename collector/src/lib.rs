//! The Voce collector: it hands out signed one-time tickets, accepts only responses that carry a
//! valid ticket and validate against the exact questionnaire version they answer, redacts personal
//! data from free text, and stores every acknowledged response durably in SQLite or PostgreSQL.
//!
//! The binary (`main.rs`) is a thin wrapper around [`cli`]; [`startup::Application`] builds the
//! HTTP server that the integration tests also start on port 0.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod configuration;
pub mod counts;
pub mod dashboard;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod filters;
pub mod hosted;
pub mod housekeeping;
pub mod ingest;
pub mod metrics;
pub mod rate_limit;
pub mod registry;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod state;
pub mod stats;
pub mod telemetry;
