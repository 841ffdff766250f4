//! `cargo xtask seed --responses N [--seed S] [--until DAY]`: stores N reproducible demo responses
//! in the database that `VOCE_DATABASE_URL` (or `--config FILE`, or the collector's default)
//! names, for the services of the registry imported there, through the collector's own
//! validation, redaction and writer transaction. It runs `voce-seed` of the `voce-devtools` crate
//! (the same seed gives the same data; seeding again stores nothing twice), built with both
//! database backends, in the current directory, so a relative database path means what it says.

use std::process::Command;

use anyhow::Result;

use crate::collector::FEATURES;
use crate::tools::run;

/// Builds and runs the seeder with `args`.
pub fn run_seed(args: &[String]) -> Result<()> {
    run(Command::new("cargo")
        .args([
            "run",
            "--quiet",
            "-p",
            "voce-devtools",
            "--bin",
            "voce-seed",
        ])
        .args(FEATURES)
        .arg("--")
        .args(args)
        .current_dir(std::env::current_dir()?))
}
