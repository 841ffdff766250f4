//! Integration tests of the collector: a real server on port 0 with its own database (a
//! temporary SQLite file, or a fresh PostgreSQL database when `VOCE_TEST_DATABASE_URL` is set),
//! driven over HTTP, with the database checked after each request.

mod abuse;
mod access;
mod answers;
mod assets;
mod attestations;
mod dashboard;
mod disclosure_attack;
mod faults;
mod forms;
mod helpers;
mod hosted;
mod load;
mod operations;
mod process;
mod registry;
mod release_audit;
mod releases;
mod replicas;
mod stats;
mod tickets;
