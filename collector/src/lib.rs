//! The Voce collector: it hands out signed one-time tickets, accepts only responses that carry a
//! valid ticket and validate against the exact questionnaire version they answer, redacts personal
//! data from free text, and stores every acknowledged response durably in SQLite or PostgreSQL.
//!
//! The binary (`main.rs`) is a thin wrapper around [`cli`]; [`startup::Application`] builds the
//! HTTP server that the integration tests also start on port 0.
//!
//! The cargo features `sqlite` (the default) and `postgres` choose the database backends compiled
//! in; release builds enable both (`--features postgres`). A build without `postgres` has no
//! libpq, and refuses a `postgres://` `VOCE_DATABASE_URL` at start-up.

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "voce-collector needs a database backend: enable the feature `sqlite` (the default), \
     `postgres`, or both"
);

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
pub mod extract;
pub mod filters;
pub mod forms;
pub mod hosted;
pub mod housekeeping;
pub mod ingest;
pub mod metrics;
pub mod openapi;
pub mod problems;
pub mod rate_limit;
pub mod registry;
pub mod release;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod state;
pub mod stats;
pub mod telemetry;
