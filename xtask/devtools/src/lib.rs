//! Tools for developing Voce, kept out of the collector because an operator never runs them in
//! production: [`seed`], the demo seeder behind the `voce-seed` binary (`cargo xtask seed`,
//! `cargo xtask demo`, `cargo xtask bench-stats`, and the collector's own tests, which need a
//! year of realistic data), and the `voce-bench` binary, the load client and the ceiling server
//! that `cargo xtask bench` runs in release mode. [`totals`] reads back what was counted, for the
//! seeder's and the collector's tests.

pub mod seed;
pub mod totals;
pub mod utility;
