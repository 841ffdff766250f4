//! `voce-seed --responses N [--seed S] [--until DAY]`: stores N reproducible demo responses for
//! the services of the registry imported into the database that the collector's settings name
//! (`VOCE_DATABASE_URL`, or `--config FILE`), exactly as the collector stores live ones (see
//! [`voce_devtools::seed`]). `cargo xtask seed` runs it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use voce_collector::configuration::Settings;
use voce_collector::counts::DailyCounts;
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_devtools::seed;

/// Stores N reproducible, realistic demo responses for the services of the imported registry
/// (through the same validation, redaction and writer transaction as live responses).
#[derive(Debug, Parser)]
#[command(name = "voce-seed", version, about)]
struct Cli {
    /// A TOML settings file of the collector (also `VOCE_CONFIG`); `VOCE_*` variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How many responses.
    #[arg(long)]
    responses: u64,
    /// The generator's seed: the same seed gives the same responses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The last day of the year seeded (`YYYY-MM-DD`; default today, UTC).
    #[arg(long)]
    until: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("invalid configuration")?;
    let until = match cli.until.as_deref() {
        Some(text) => time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .with_context(|| format!("--until {text:?}: expected YYYY-MM-DD"))?,
        None => seed::today(),
    };
    let pool = startup::prepare_database(&settings)?;
    let mut conn = pool.get()?;
    let catalog = startup::catalog()?;
    let snapshot = Snapshot::read(&mut conn, catalog)?;
    let counts = DailyCounts::default();
    let started = std::time::Instant::now();
    let seeded = seed::seed(
        &mut conn,
        catalog,
        &snapshot,
        &counts,
        seed::SeedOptions {
            responses: cli.responses,
            seed: cli.seed,
            until,
        },
        settings.free_text_retention_days,
    )?;
    counts.flush(&mut conn)?;
    println!(
        "seeded {} responses (seed {}) for {} services over the year to {} in {:.1} s",
        seeded.stored,
        cli.seed,
        seeded.services,
        seed::day_text(until),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
