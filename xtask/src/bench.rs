//! `cargo xtask bench`: the collector's measurements, each against a baseline taken in the same
//! run.
//!
//! 1. Ticket verification against a bare HMAC of the same bytes (a release-mode benchmark in
//!    `collector/src/tickets.rs`).
//! 2. In headless Chromium, the widget's time from entering the viewport to being interactive,
//!    on loopback and on emulated Fast 3G with the CPU slowed ×4, against a plain fetch of the
//!    same form as baseline ([`crate::bench_widget`]); `--no-browser` skips it.
//! 3. Last, the collector under load against the ceiling of its HTTP stack ([`load`]): it runs
//!    as the release build of this program (`xtask bench-load`), so that the load client and the
//!    ceiling server are optimised like the collector, and its last line, the last of the whole
//!    run, is one JSON object with the headline figures. `--backend sqlite|postgres` (default
//!    `sqlite`), `--duration S` (seconds a phase, default 10), `--connections C` (default 64),
//!    `--client-threads T` (default 1), `--overload-connections O` (default 1024; the phase at
//!    twice the maximum, with the collector's memory over time) and `--callgrind N` (instruction counts of `N` accepted
//!    responses instead of the load run) are passed on to it.
//!
//! Loopback only, on ports 8480 and 8481; run it under `flock /tmp/voce-ports.lock` on a machine
//! shared with other suites.

pub mod ceiling;
pub mod client;
pub mod load;
pub mod overload;

use std::process::Command;

use anyhow::Result;

use crate::tools::{root, run, target_dir};

/// Runs the benchmarks and prints the figures.
pub fn run_bench(args: &[String]) -> Result<()> {
    let browser = !args.iter().any(|a| a == "--no-browser");
    let load_args: Vec<&String> = args.iter().filter(|a| *a != "--no-browser").collect();
    let callgrind = args.iter().any(|a| a == "--callgrind");
    if !callgrind {
        ticket_verification()?;
    }
    run(Command::new("cargo").args(["build", "--release", "-p", "voce-collector", "-p", "xtask"]))?;
    if browser && !callgrind {
        crate::bench_widget::run_interactive()?;
    }
    run(Command::new(target_dir().join("release/xtask"))
        .arg("bench-load")
        .args(load_args)
        .current_dir(root()))
}

/// Ticket verification against a bare HMAC-SHA-256 of the same input.
fn ticket_verification() -> Result<()> {
    println!("| measured | per call | baseline | per call | ratio |\n|---|---|---|---|---|");
    run(Command::new("cargo").args([
        "test",
        "--release",
        "-p",
        "voce-collector",
        "--lib",
        "bench_",
        "--",
        "--ignored",
        "--nocapture",
        "--quiet",
    ]))
}
