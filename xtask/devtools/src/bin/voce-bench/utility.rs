//! `voce-bench utility [--k K] [--until DAY]`: the price of protection on the database that the
//! collector's settings name (`VOCE_DATABASE_URL`, as `voce-seed` reads it): the statistics read
//! exactly and perturbed, compared cell by cell ([`voce_devtools::utility`]). Prints the
//! figures and fails if any is outside its stated bound. `cargo xtask bench-utility` seeds a
//! fresh database and runs it.

use anyhow::{Context, Result, bail};
use voce_collector::configuration::Settings;
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_devtools::utility;
use voce_stats::disclosure::Threshold;

/// Runs the comparison.
pub fn run(args: &[String]) -> Result<()> {
    let mut k = 10;
    let mut until = time::macros::date!(2026 - 11 - 30);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--k" => k = value()?.parse()?,
            "--until" => {
                let text = value()?;
                until = time::Date::parse(
                    text,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .with_context(|| format!("--until {text:?}: expected YYYY-MM-DD"))?;
            }
            other => bail!("unknown argument {other:?}"),
        }
    }
    let settings = Settings::load(None).context("invalid configuration")?;
    let pool = startup::prepare_database(&settings)?;
    let mut conn = pool.get()?;
    let catalog = startup::catalog()?;
    let snapshot = Snapshot::read(&mut conn, catalog)?;
    let k = Threshold::new(k).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let measured = utility::measure(&mut conn, catalog, &snapshot, k, until)?;
    println!("{}", measured.report());
    println!(
        "measured in {:.1} s (k = {})",
        started.elapsed().as_secs_f64(),
        k.get()
    );
    measured
        .within_bounds()
        .map_err(|e| anyhow::anyhow!("outside its bound: {e}"))?;
    println!("every figure within its bound");
    Ok(())
}
