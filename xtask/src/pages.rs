//! `cargo xtask serve-pages`: serves the example host pages, each on its own origin (filled in by the end-to-end work).

use anyhow::Result;

/// Serves the example pages.
pub fn run(_args: &[String]) -> Result<()> {
    anyhow::bail!("the example page server is not written yet")
}

/// Serves the example pages against `collector`, on `base_port + 1 …`, until killed.
pub fn serve(_collector: &str, _base_port: u16) -> Result<()> {
    anyhow::bail!("the example page server is not written yet")
}
