//! `cargo xtask widget`: builds the widget assets into `target/widget/` (filled in by the widget work).

use anyhow::Result;

/// Builds the widget.
pub fn run(_args: &[String]) -> Result<()> {
    anyhow::bail!("the widget build is not written yet")
}
