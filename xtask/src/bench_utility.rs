//! `cargo xtask bench-utility [--responses N]`: the price of disclosure protection (issue 21).
//! Builds the release collector and tools, makes a fresh SQLite database under
//! `target/bench-utility/`, imports the pilot and national registries, seeds `N` responses
//! (default 200,000, seed 1, the year to 2026-11-30) and runs `voce-bench utility`: every
//! grouping by month, quarter and year and two tables by day, read exactly and perturbed, compared
//! cell by cell. Prints the mean absolute change of counts, means and shares, the largest change
//! of a mean with n ≥ 30 and the share of cells suppressed, and fails when one is outside its
//! bound (`voce_devtools::utility::bounds`).

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::collector::Collector;
use crate::tools::{root, run, target_dir};

/// Runs the benchmark.
pub fn run_bench(args: &[String]) -> Result<()> {
    let mut responses: u64 = 200_000;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--responses" => responses = value()?.parse()?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    crate::collector::build("release")?;
    let dir = root().join("target/bench-utility");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let url = dir.join("voce.db").display().to_string();
    let collector =
        Collector::new("release", &url, dir.join("keys"), "127.0.0.1:0").env("RUST_LOG", "warn");
    collector.prepare()?;
    run(collector
        .command()
        .args(["registry", "import", "examples/registry/national.toml"]))?;
    run(collector.seed_command().args([
        "--responses",
        &responses.to_string(),
        "--seed",
        "1",
        "--until",
        "2026-11-30",
    ]))?;
    let mut bench = Command::new(target_dir().join("release").join("voce-bench"));
    bench
        .current_dir(root())
        .envs(collector.environment())
        .args(["utility", "--until", "2026-11-30"]);
    println!("\n{responses} seeded responses, national registry:");
    run(&mut bench)
}
