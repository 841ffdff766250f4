//! `cargo xtask bench`: the collector's measurements, each against a baseline taken in the same
//! run.
//!
//! 1. Ticket verification against a bare HMAC of the same bytes (a release-mode benchmark in
//!    `collector/src/tickets.rs`).
//! 2. In headless Chromium, the widget's time from entering the viewport to being interactive,
//!    on loopback and on emulated Fast 3G with the CPU slowed ×4, against a plain fetch of the
//!    same form as baseline ([`crate::bench_widget`]); `--no-browser` skips it.
//! 3. Last, the collector under load against the ceiling of its HTTP stack: this task prepares a
//!    fresh database with the pilot registry and runs `voce-bench load` (the `voce-devtools`
//!    crate, built in release mode so that the load client and the ceiling server are optimised
//!    like the collector) with the collector's environment; its last line, the last of the whole
//!    run, is one JSON object with the headline figures. `--backend sqlite|postgres` (default
//!    `sqlite`), `--duration S` (seconds a phase, default 10), `--connections C` (default 64),
//!    `--client-threads T` (default 1), `--overload-connections O` (default 1024; the phase at
//!    twice the maximum, with the collector's memory over time) and `--callgrind N` (instruction
//!    counts of `N` accepted responses instead of the load run) are passed on to it.
//!    `cargo xtask bench-load [same options]` runs this part alone.
//!
//! Loopback only, on ports 8480 and 8481; run it under `flock /tmp/voce-ports.lock` on a machine
//! shared with other suites.

use std::process::Command;

use anyhow::{Result, bail};

use crate::collector::{self, Collector};
use crate::postgres;
use crate::tools::{apt_install, have, root, run, target_dir};

/// Where the collector listens (clear of the demo's 8080/81xx and the browser suite's 82xx).
const COLLECTOR_BIND: &str = "127.0.0.1:8480";
/// Its admin listener, for the writer's batch sizes in `/metrics`.
const COLLECTOR_ADMIN_BIND: &str = "127.0.0.1:8482";

/// Runs the benchmarks and prints the figures.
pub fn run_bench(args: &[String]) -> Result<()> {
    let browser = !args.iter().any(|a| a == "--no-browser");
    let load_args: Vec<String> = args
        .iter()
        .filter(|a| *a != "--no-browser")
        .cloned()
        .collect();
    let callgrind = args.iter().any(|a| a == "--callgrind");
    if !callgrind {
        ticket_verification()?;
    }
    collector::build("release")?;
    if browser && !callgrind {
        crate::bench_widget::run_interactive()?;
    }
    load(&load_args)
}

/// `cargo xtask bench-load`: the load run alone (step 3).
pub fn run_load(args: &[String]) -> Result<()> {
    collector::build("release")?;
    load(args)
}

/// A fresh database of the backend `--backend` names, then `voce-bench load` with `args`.
fn load(args: &[String]) -> Result<()> {
    let backend = args
        .iter()
        .position(|a| a == "--backend")
        .and_then(|i| args.get(i + 1))
        .map_or("sqlite", String::as_str);
    if args.iter().any(|a| a == "--callgrind") && (!have("valgrind") || !have("callgrind_annotate"))
    {
        apt_install(&["valgrind"])?;
    }
    let collector = prepare(backend)?;
    run(Command::new(target_dir().join("release/voce-bench"))
        .arg("load")
        .args(args)
        .envs(collector.environment())
        .current_dir(root()))
}

/// A release collector on a fresh database of `backend`, rate limit out of the way.
fn prepare(backend: &str) -> Result<Collector> {
    let dir = root().join("target/bench").join(backend);
    let url = match backend {
        "sqlite" => dir.join("voce.db").display().to_string(),
        "postgres" => postgres::fresh_database(&postgres::ensure()?, "voce_bench")?,
        other => bail!("--backend {other:?}: expected sqlite or postgres"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let collector = Collector::new("release", &url, dir.join("keys"), COLLECTOR_BIND)
        .env("VOCE_RATE_LIMIT_BURST", "1000000000")
        .env("VOCE_RATE_LIMIT_PER_MINUTE", "1000000000")
        .env("VOCE_ADMIN_BIND", COLLECTOR_ADMIN_BIND)
        .env("RUST_LOG", "warn");
    collector.prepare()?;
    Ok(collector)
}

/// Ticket verification against a bare HMAC-SHA-256 of the same input.
fn ticket_verification() -> Result<()> {
    println!("| measured | per call | baseline | per call | ratio |\n|---|---|---|---|---|");
    run(Command::new("cargo")
        .args([
            "test",
            "--release",
            "-p",
            "voce-collector",
            "--lib",
            "bench_",
        ])
        .args(collector::FEATURES)
        .args(["--", "--ignored", "--nocapture", "--quiet"]))
}
