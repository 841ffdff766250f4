//! `cargo xtask demo`: the whole pilot on one machine.
//!
//! Builds the widget and the collector, starts the collector on SQLite with the pilot registry
//! (INPS, INAIL, Roma Capitale), serves the example host pages each on its own origin, and prints
//! their URLs. Ctrl-C stops everything. The demo's data lives in `data/demo/`. The national
//! example registry is imported too, and 20,000 demo responses are seeded
//! (`voce-seed` of `voce-devtools`, seed 1: seeding again stores nothing twice) so that the
//! statistics have something to show; it prints the dashboard's address with a `national` token
//! and a `body` token for INPS to sign in with.

use anyhow::Result;

use crate::collector::Collector;
use crate::tools::{ensure_toolchain, root, run};
use crate::{pages, widget};

/// Where the demo's collector listens.
pub const COLLECTOR_BIND: &str = "127.0.0.1:8080";
/// Where the demo's admin listener (`/metrics`, `/readyz`) listens.
pub const ADMIN_BIND: &str = "127.0.0.1:9090";
/// The example pages listen on this port + 1 … + 4.
pub const PAGES_BASE_PORT: u16 = 8100;

/// Runs the demo until interrupted.
pub fn run_demo(_args: &[String]) -> Result<()> {
    ensure_toolchain()?;
    widget::run(&[])?;
    crate::collector::build("debug")?;
    let data = root().join("data/demo");
    std::fs::create_dir_all(&data)?;
    let collector = Collector::new(
        "debug",
        &data.join("voce.db").display().to_string(),
        data.join("keys"),
        COLLECTOR_BIND,
    )
    .env("VOCE_ADMIN_BIND", ADMIN_BIND);
    collector.prepare()?;
    run(collector
        .command()
        .args(["registry", "import", "examples/registry/national.toml"]))?;
    run(collector
        .seed_command()
        .args(["--responses", "20000", "--seed", "1"]))?;
    let tokens = crate::demo_dashboard::issue_tokens(&collector)?;
    let _server = collector.serve()?;
    println!("\nVoce demo: collector at http://{COLLECTOR_BIND} (SQLite: data/demo/voce.db)");
    println!("Admin listener (metrics, readiness): http://{ADMIN_BIND}/metrics");
    crate::demo_dashboard::print(COLLECTOR_BIND, &tokens);
    println!("Rate a service on these pages (Ctrl-C stops everything):");
    pages::serve(&format!("http://{COLLECTOR_BIND}"), PAGES_BASE_PORT)
}
