//! Project automation, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! One module per task. Each task installs what it needs when it is missing, so the README's
//! two commands work on a fresh machine.

mod bench;
mod bench_export;
mod bench_stats;
mod bench_utility;
mod bench_widget;
mod collector;
mod demo;
mod demo_dashboard;
mod deploy;
mod mutants;
mod national_registry;
mod pages;
mod postgres;
mod schemathesis;
mod seed;
mod test;
mod tidy;
#[cfg(test)]
mod tidy_links;
mod tools;
mod walk;
mod widget;
mod widget_snip;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(t, r)| (t.as_str(), r));
    match task {
        "test" => test::run_all(rest),
        "demo" => demo::run_demo(rest),
        "seed" => seed::run_seed(rest),
        "bench" => bench::run_bench(rest),
        // The last part of `bench` alone: the collector under load against its ceiling.
        "bench-load" => bench::run_load(rest),
        "bench-export" => bench_export::run_bench(rest),
        "bench-stats" => bench_stats::run_bench(rest),
        "bench-utility" => bench_utility::run_bench(rest),
        "widget" => widget::run(rest),
        "mutants" => mutants::run(rest),
        "serve-pages" => pages::run(rest),
        "national-registry" => national_registry::run(rest),
        "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <test|demo|seed|widget|bench|bench-load|bench-export|bench-stats|bench-utility|serve-pages|national-registry|mutants>"
            );
            Ok(())
        }
        other => bail!("unknown task {other:?}; try `cargo xtask help`"),
    }
}
