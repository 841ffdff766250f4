//! `cargo xtask mutants [PATH…]`: mutation testing of the shared crate with `cargo-mutants`.
//!
//! `shared` decides what is stored, which catalog versions may be published and what personal
//! data survives, so its tests must notice when its code is wrong. `cargo-mutants` (installed,
//! pinned, when missing) changes the code one small way at a time (`<` into `<=`, a body into
//! `true`…) and runs the shared crate's own tests against each change; a change no test notices is
//! *missed*. The mutants that no test can tell apart from the original are listed, each with its
//! reason, in `.cargo/mutants.toml`.
//!
//! The full run takes the files given (default: all of `shared/src`) and is bounded twice: each
//! mutant's tests by `--timeout`, the whole run by [`FULL_RUN_LIMIT`]. `cargo xtask test` runs
//! [`last_commit`]: only the mutants on the lines the last commit changed in `shared/`, so a commit
//! that adds logic no test checks fails CI.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::{ensure_cargo_mutants, root, target_dir};

/// The package whose code is mutated and whose tests judge the mutants.
const PACKAGE: &str = "voce-shared";
/// How long one mutant's tests may run before it counts as a time-out (the unmutated tests take
/// 1 to 3 s, up to 15 s on the loaded machine; a mutant that loops forever must not hold the run).
const TEST_TIMEOUT_SECS: &str = "40";
/// The address space a test binary may take. A few mutants turn a loop into one that pushes onto
/// a vector forever; capped, they stop at 2 GiB instead of filling the shared machine's memory
/// until the time-out. The real tests need a small fraction of it.
const TEST_ADDRESS_SPACE_BYTES: &str = "2147483648";
/// How long one mutant's build may take.
const BUILD_TIMEOUT_SECS: &str = "600";
/// The whole run is stopped after this long (the acceptance bound is 45 minutes).
pub const FULL_RUN_LIMIT: Duration = Duration::from_secs(45 * 60);
/// Parallel jobs: the machine has two cores, and a job's build and another's tests overlap well.
const JOBS: &str = "2";

/// Runs `cargo-mutants` on the given files of `shared/src` (all of them without arguments),
/// prints caught / missed / unviable / timeouts, and fails when a mutant is missed.
pub fn run(args: &[String]) -> Result<()> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!(
            "usage: cargo xtask mutants [PATH…]\n\nMutation testing of shared/src (or of the \
             given files) against the shared crate's tests; at most {} minutes.",
            FULL_RUN_LIMIT.as_secs() / 60
        );
        return Ok(());
    }
    let mut extra = Vec::new();
    for path in args {
        let relative = path.strip_prefix("./").unwrap_or(path);
        if !root().join(relative).is_file() {
            bail!(
                "{path}: no such file (give paths from the workspace root, like shared/src/redact.rs)"
            );
        }
        extra.push("--file".to_owned());
        extra.push(relative.to_owned());
    }
    mutate(&extra, &output_dir("full"), FULL_RUN_LIMIT)
}

/// The CI check: the mutants on the lines that the last commit (and any uncommitted edit)
/// changed in `shared/`. Says so and succeeds when there are none.
pub fn last_commit() -> Result<()> {
    ensure_cargo_mutants()?;
    let parent = Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "HEAD~1"])
        .current_dir(root())
        .output()
        .context("git rev-parse")?;
    if !parent.status.success() {
        bail!(
            "HEAD has no parent commit, so there is no last diff to test: clone with at least \
             two commits (git fetch --deepen=1)"
        );
    }
    let diff = Command::new("git")
        .args(["diff", "HEAD~1", "--", "shared/"])
        .current_dir(root())
        .output()
        .context("git diff")?;
    if !diff.status.success() {
        bail!(
            "git diff HEAD~1 -- shared/ failed: {}",
            String::from_utf8_lossy(&diff.stderr)
        );
    }
    if diff.stdout.is_empty() {
        println!("the last commit does not touch shared/: no mutants to test");
        return Ok(());
    }
    let dir = output_dir("last-commit");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join("last-commit.diff");
    std::fs::write(&file, &diff.stdout).with_context(|| format!("writing {}", file.display()))?;
    mutate(
        &["--in-diff".to_owned(), file.display().to_string()],
        &dir,
        FULL_RUN_LIMIT,
    )
}

/// Where cargo-mutants writes `mutants.out/` for one kind of run (under the target directory,
/// out of the tree; one per kind, so the CI check can run beside a full run).
fn output_dir(kind: &str) -> PathBuf {
    target_dir().join("mutants").join(kind)
}

/// Runs cargo-mutants on the shared crate with `extra` arguments, stopping it after `limit`, and
/// reports its outcome.
fn mutate(extra: &[String], out: &Path, limit: Duration) -> Result<()> {
    ensure_cargo_mutants()?;
    let outcomes = out.join("mutants.out/outcomes.json");
    // A stale file from an earlier run must not be reported as this run's outcome.
    let _ = std::fs::remove_file(&outcomes);
    // cargo-mutants copies the tree into a folder under TMPDIR; the catalog test reads the domain
    // documents beside the checkout (`../shared/domain/`), so that folder gets them beside it too.
    let scratch = target_dir().join("mutants/scratch");
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let domain = root().join("../shared");
    let beside = scratch.join("shared");
    if std::fs::symlink_metadata(&beside).is_err() {
        std::os::unix::fs::symlink(
            domain
                .canonicalize()
                .with_context(|| format!("the domain documents are not at {}", domain.display()))?,
            &beside,
        )
        .with_context(|| format!("linking {}", beside.display()))?;
    }
    let mut cmd = Command::new("cargo");
    cmd.env("TMPDIR", &scratch);
    cmd.args(["mutants", "--package", PACKAGE, "--jobs", JOBS])
        .args(["--timeout", TEST_TIMEOUT_SECS])
        .args(["--build-timeout", BUILD_TIMEOUT_SECS])
        .arg("--output")
        .arg(out)
        .args(extra)
        .current_dir(root())
        // Each job builds in its own copy of the tree; a shared target directory would serialise
        // them and let one mutant's build overwrite another's.
        .env_remove("CARGO_TARGET_DIR")
        // No debug information: every mutant relinks the crate's test binaries, and linking
        // without it takes a fraction of the time. What the tests see does not change.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_PROFILE_TEST_DEBUG", "0")
        // Cargo starts each test binary through this runner (native target only).
        .env(
            runner_variable()?,
            format!("prlimit --as={TEST_ADDRESS_SPACE_BYTES} --"),
        );
    let start = Instant::now();
    let status = run_bounded(&mut cmd, limit)?;
    let elapsed = start.elapsed();
    let Some(status) = status else {
        report(&outcomes, elapsed).ok();
        bail!(
            "cargo mutants did not finish within {} minutes and was stopped",
            limit.as_secs() / 60
        );
    };
    if !outcomes.exists() {
        // cargo-mutants found nothing to test (a diff that changes no mutable line): it said
        // so, and exits 0 then.
        if status.success() {
            println!("no mutants to test in the lines changed");
            return Ok(());
        }
        bail!("cargo mutants failed with {status} before testing any mutant");
    }
    let counts = report(&outcomes, elapsed)?;
    let list = |file: &str| std::fs::read_to_string(out.join("mutants.out").join(file));
    // A time-out is a mutant the tests noticed (they did not pass); listed, not a failure.
    for line in list("timeout.txt").unwrap_or_default().lines() {
        println!("TIMEOUT  {line}");
    }
    if counts.missed > 0 {
        for line in list("missed.txt").unwrap_or_default().lines() {
            println!("MISSED   {line}");
        }
        bail!(
            "{} mutant(s) missed: add a test that states the rule each one breaks, or list a \
             truly equivalent one in .cargo/mutants.toml with its reason",
            counts.missed
        );
    }
    // cargo-mutants exits 2 for missed mutants (handled above) and 3 for time-outs.
    if !status.success() && status.code() != Some(3) {
        bail!("cargo mutants failed with {status}");
    }
    Ok(())
}

/// The figures of one run.
struct Counts {
    missed: u64,
}

/// `CARGO_TARGET_<HOST>_RUNNER` for this machine's target triple.
fn runner_variable() -> Result<String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .context("rustc -vV")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let host = text
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .context("rustc -vV names no host")?;
    Ok(format!(
        "CARGO_TARGET_{}_RUNNER",
        host.to_uppercase().replace(['-', '.'], "_")
    ))
}

/// Prints the figures of `outcomes.json`.
fn report(outcomes: &Path, elapsed: Duration) -> Result<Counts> {
    let text = std::fs::read_to_string(outcomes)
        .with_context(|| format!("reading {}", outcomes.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", outcomes.display()))?;
    let n = |key: &str| {
        json.get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    let counts = Counts {
        missed: n("missed"),
    };
    println!(
        "mutants: {} in reach; caught {}, missed {}, unviable {}, timeouts {} ({:.0?}, cargo-mutants {})",
        n("total_mutants"),
        n("caught"),
        counts.missed,
        n("unviable"),
        n("timeout"),
        elapsed,
        json.get("cargo_mutants_version")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?"),
    );
    Ok(counts)
}

/// Runs `cmd` in its own process group; stops the group (cargo-mutants and every build and test
/// under it) when `limit` passes. `None` when it was stopped.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Option<ExitStatus>> {
    use std::os::unix::process::CommandExt;
    eprintln!("$ {cmd:?}");
    let mut child = cmd
        .process_group(0)
        .spawn()
        .context("cannot start cargo mutants")?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().context("waiting for cargo mutants")? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let group = format!("-{}", child.id());
            // cargo-mutants stops its builds and tests on SIGTERM; give it a moment, then insist.
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            std::thread::sleep(Duration::from_secs(10));
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
