//! `cargo xtask test`: every check the project has, in the order a failure is cheapest to see.
//!
//! Format, lints (also of the collector built with SQLite alone, which must not need libpq),
//! every Rust test of the workspace twice (once on SQLite, once on PostgreSQL; a
//! test for one backend only lives in a module `sqlite_only` or `postgres_only` and runs only in
//! its backend's run), the shared crate's tests compiled to WebAssembly, the widget's browser
//! tests, the widget build and its size budget, the collector's scripted curl walk on both
//! backends, Schemathesis against the collector's OpenAPI document, and the browser end-to-end
//! suite. `.ci/run` calls exactly this.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::collector::FEATURES;
use crate::tools::{ensure_browser_packages, ensure_toolchain, root, run, target_dir};
use crate::{postgres, schemathesis, walk, widget};

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
        run(Command::new("cargo")
            .args(["clippy", "--workspace", "--all-targets"])
            .args(FEATURES)
            .args(["--", "-D", "warnings"]))
    })?;
    step("collector built with SQLite alone (no libpq)", &mut || {
        sqlite_only_build()
    })?;
    step("voce-stats without I/O dependencies", &mut || {
        stats_without_io()
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
    step("unit and integration tests on SQLite", &mut || {
        rust_tests("SQLite", None)
    })?;
    step("unit and integration tests on PostgreSQL", &mut || {
        rust_tests("PostgreSQL", Some(&pg))
    })?;
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
    step("widget stable build and size budget", &mut || {
        widget::run(&["--stable-budget".to_owned()])
    })?;
    step("widget build and size budget", &mut || {
        widget::run(&[])?;
        widget::run(&["--check-budget".to_owned()])
    })?;
    step("collector binaries", &mut || {
        run(Command::new("cargo")
            .args([
                "build",
                "-p",
                "voce-collector",
                "-p",
                "voce-devtools",
                "-p",
                "xtask",
            ])
            .args(FEATURES))
    })?;
    step("deploy artefacts", &mut || crate::deploy::check())?;
    step("curl walk on SQLite", &mut || walk::sqlite())?;
    step("curl walk on PostgreSQL", &mut || walk::postgres(&pg))?;
    step("Schemathesis against the OpenAPI document", &mut || {
        schemathesis::run()
    })?;
    step("browser end-to-end", &mut || browser_suite())?;
    step("mutants in the last commit's diff to shared/", &mut || {
        crate::mutants::last_commit()
    })?;
    println!("{passed} passed, 0 failed");
    Ok(())
}

/// The collector built with SQLite alone compiles without warnings, and without libpq: `pq-sys`
/// is not among its dependencies.
fn sqlite_only_build() -> Result<()> {
    let only_sqlite = [
        "-p",
        "voce-collector",
        "--no-default-features",
        "--features",
        "sqlite",
    ];
    let tree = Command::new("cargo")
        .args(["tree", "-e", "normal", "--prefix", "none"])
        .args(only_sqlite)
        .current_dir(root())
        .output()
        .context("cannot run cargo tree")?;
    if !tree.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&tree.stderr)
        );
    }
    let tree = String::from_utf8_lossy(&tree.stdout);
    if let Some(line) = tree.lines().find(|l| l.starts_with("pq-sys ")) {
        bail!(
            "the SQLite-only collector depends on {line}: libpq must follow the `postgres` feature"
        );
    }
    run(Command::new("cargo")
        .arg("clippy")
        .args(only_sqlite)
        .args(["--", "-D", "warnings"]))
}

/// The crates `voce-stats` may never depend on, even indirectly: it is the statistics without
/// I/O, so a database driver, a web framework, a template engine or an async runtime there is a
/// design error.
const IO_CRATES: [&str; 6] = [
    "diesel",
    "actix-web",
    "askama",
    "tokio",
    "libsqlite3-sys",
    "pq-sys",
];

/// `cargo tree -p voce-stats` lists none of [`IO_CRATES`].
fn stats_without_io() -> Result<()> {
    let tree = Command::new("cargo")
        .args([
            "tree",
            "-p",
            "voce-stats",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root())
        .output()
        .context("cannot run cargo tree")?;
    if !tree.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&tree.stderr)
        );
    }
    let found = io_crates_in(&String::from_utf8_lossy(&tree.stdout));
    if !found.is_empty() {
        bail!("voce-stats depends on {found:?}: the statistics crate must stay without I/O");
    }
    println!("voce-stats depends on none of {IO_CRATES:?}");
    Ok(())
}

/// The lines of a `cargo tree --prefix none` listing that name one of [`IO_CRATES`].
fn io_crates_in(tree: &str) -> Vec<String> {
    tree.lines()
        .filter(|line| {
            let name = line.split_whitespace().next().unwrap_or_default();
            IO_CRATES.contains(&name)
        })
        .map(str::to_owned)
        .collect()
}

fn browser_suite() -> Result<()> {
    let dir = ensure_browser_packages()?;
    let target = target_dir().join("debug");
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .current_dir(&dir)
        .env("VOCE_ROOT", root())
        .env("VOCE_COLLECTOR_BIN", target.join("voce-collector"))
        .env("VOCE_SEED_BIN", target.join("voce-seed"))
        .env("VOCE_XTASK_BIN", target.join("xtask")))
}

/// `cargo test --workspace` on one backend: on PostgreSQL when `postgres` (the server's URL) is
/// given, else on SQLite. The other backend's `…_only` tests are skipped by name; a test of this
/// backend's module fails if it finds itself on the other one. Prints how many tests passed.
fn rust_tests(backend: &str, postgres: Option<&str>) -> Result<()> {
    let skip = if postgres.is_some() {
        "sqlite_only"
    } else {
        "postgres_only"
    };
    let mut cmd = Command::new("cargo");
    cmd.args(["test", "--workspace"])
        .args(FEATURES)
        .args(["--", "--skip", skip]);
    match postgres {
        Some(url) => cmd.env("VOCE_TEST_DATABASE_URL", url),
        None => cmd.env_remove("VOCE_TEST_DATABASE_URL"),
    };
    let passed = run_counting_tests(&mut cmd)?;
    if passed == 0 {
        bail!("no test ran on {backend}");
    }
    println!("unit and integration tests on {backend}: {passed} passed");
    Ok(())
}

/// Runs a `cargo test` command, echoing its output, and returns the sum of the "N passed" of
/// every "test result:" line libtest prints; fails if the command fails.
fn run_counting_tests(cmd: &mut Command) -> Result<usize> {
    eprintln!("$ {cmd:?}");
    let mut child = cmd
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start cargo test")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut passed = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        passed += passed_in(&line).unwrap_or(0);
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo test failed with {status}");
    }
    Ok(passed)
}

/// The number of passed tests in a libtest summary line
/// (`test result: ok. 12 passed; 0 failed; …`), or `None` for any other line.
fn passed_in(line: &str) -> Option<usize> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let (_, counts) = rest.split_once(". ")?;
    counts.split_once(" passed")?.0.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{io_crates_in, passed_in};

    #[test]
    fn an_io_crate_anywhere_in_the_statistics_tree_is_named() {
        let clean = "voce-stats v0.1.0 (/r/collector/stats)\nserde v1.0.228\nstatrs v0.18.0\n";
        assert!(io_crates_in(clean).is_empty());
        let dirty = format!("{clean}tokio v1.54.1\ndiesel v2.3.4\ntokio-util v0.7.0\n");
        assert_eq!(io_crates_in(&dirty), ["tokio v1.54.1", "diesel v2.3.4"]);
    }

    #[test]
    fn the_passed_count_is_read_from_libtest_summaries_only() {
        assert_eq!(
            passed_in(
                "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 3 filtered out; \
                 finished in 0.41s"
            ),
            Some(12)
        );
        assert_eq!(
            passed_in("test result: FAILED. 3 passed; 1 failed; 0 ignored"),
            Some(3)
        );
        assert_eq!(passed_in("running 12 tests"), None);
        assert_eq!(passed_in("test a::b ... ok"), None);
    }
}
