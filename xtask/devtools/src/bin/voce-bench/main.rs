//! `voce-bench`: the load benchmark's client and its ceiling server, built in release mode and
//! run by `cargo xtask bench` (and `cargo xtask bench-load`), so that they are optimised like the
//! collector they measure.
//!
//! - `voce-bench load [--backend sqlite|postgres] [--duration S] [--connections C]
//!   [--client-threads T] [--overload-connections O] [--callgrind N]` ([`load`]): runs
//!   `target/release/voce-collector serve` with the environment it was given (xtask prepares the
//!   database and sets `VOCE_BIND`, `VOCE_ADMIN_BIND` and the rest), measures it, then the
//!   ceiling, and prints the figures;
//! - `voce-bench ceiling ADDR` ([`ceiling`]): the ceiling server alone, which `load` starts as
//!   its own process;
//! - `voce-bench utility [--k K] [--until DAY]` ([`utility`]): the price of disclosure
//!   protection on a seeded database (what `cargo xtask bench-utility` runs).
//!
//! Run from the workspace root (xtask does).

mod ceiling;
mod client;
mod load;
mod overload;
mod utility;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((task, rest)) if task == "load" => load::run(rest),
        Some((task, rest)) if task == "ceiling" => ceiling::serve(rest),
        Some((task, rest)) if task == "utility" => utility::run(rest),
        _ => bail!(
            "usage: voce-bench load [OPTIONS] | voce-bench ceiling ADDR | voce-bench utility [OPTIONS]"
        ),
    }
}
