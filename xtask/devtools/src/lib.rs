//! Tools for developing Voce, kept out of the collector because an operator never runs them in
//! production: [`seed`], the demo seeder behind the `voce-seed` binary (`cargo xtask seed`,
//! `cargo xtask demo`, `cargo xtask bench-stats`, and the collector's own tests, which need a
//! year of realistic data), and the `voce-bench` binary, the load client and the ceiling server
//! that `cargo xtask bench` runs in release mode.

pub mod seed;
