//! `cargo xtask test`: every check the project has, in the order a failure is cheapest to see.
//!
//! Format, lints, unit and integration tests (SQLite always, PostgreSQL too), the shared crate's
//! tests compiled to WebAssembly, the widget's browser tests, the widget build and its size
//! budget, the collector's scripted curl walk on both backends, and the browser end-to-end suite.
//! `.ci/run` calls exactly this.

use std::process::Command;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::tools::{ensure_browser_packages, ensure_toolchain, root, run, target_dir};
use crate::{postgres, walk, widget};

/// Runs every check, or with an argument only the checks whose name contains it (for example
/// `cargo xtask test walk`); stops at the first failure.
pub fn run_all(args: &[String]) -> Result<()> {
    ensure_toolchain()?;
    let pg = postgres::ensure()?;
    let filter = args.first().cloned().unwrap_or_default();
    let mut passed = 0;
    let mut step = |name: &str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        if !name.contains(filter.as_str()) {
            return Ok(());
        }
        eprintln!("\n=== {name}");
        let start = Instant::now();
        match f() {
            Ok(()) => {
                passed += 1;
                eprintln!("=== {name}: ok in {:.0?}", start.elapsed());
                Ok(())
            }
            Err(e) => {
                println!("{passed} passed, 1 failed");
                bail!("{name} failed: {e:#}")
            }
        }
    };
    step("format", &mut || {
        run(Command::new("cargo").args(["fmt", "--all", "--check"]))
    })?;
    step("clippy", &mut || {
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("clippy (wasm32)", &mut || {
        run(Command::new("cargo").args([
            "clippy",
            "-p",
            "voce-shared",
            "-p",
            "voce-widget",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step(
        "unit and integration tests (SQLite and PostgreSQL)",
        &mut || {
            run(Command::new("cargo")
                .args(["test", "--workspace"])
                .env("VOCE_TEST_DATABASE_URL", &pg))
        },
    )?;
    step("shared crate on wasm32 (Node)", &mut || {
        run(Command::new("cargo").args([
            "test",
            "-p",
            "voce-shared",
            "--target",
            "wasm32-unknown-unknown",
        ]))
    })?;
    step("widget components in headless Chromium", &mut || {
        run(Command::new("cargo")
            .args([
                "test",
                "-p",
                "voce-widget",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver"))
    })?;
    step("widget build and size budget", &mut || {
        widget::run(&[])?;
        widget::run(&["--check-budget".to_owned()])
    })?;
    step("collector binaries", &mut || {
        run(Command::new("cargo").args(["build", "-p", "voce-collector", "-p", "xtask"]))
    })?;
    step("curl walk on SQLite", &mut || walk::sqlite())?;
    step("curl walk on PostgreSQL", &mut || walk::postgres(&pg))?;
    step("browser end-to-end", &mut || browser_suite())?;
    step("mutants in the last commit's diff to shared/", &mut || {
        crate::mutants::last_commit()
    })?;
    println!("{passed} passed, 0 failed");
    Ok(())
}

fn browser_suite() -> Result<()> {
    let dir = ensure_browser_packages()?;
    let target = target_dir().join("debug");
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .current_dir(&dir)
        .env("VOCE_ROOT", root())
        .env("VOCE_COLLECTOR_BIN", target.join("voce-collector"))
        .env("VOCE_XTASK_BIN", target.join("xtask")))
}
