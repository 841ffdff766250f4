//! `cargo xtask bench`, browser part: the widget's time from its placement entering the viewport
//! to being interactive, in headless Chromium against the release collector, with a plain fetch
//! of the same form as the same-run baseline (`tests/browser/bench-interactive.mjs`).
//!
//! Two profiles: loopback, and a citizen's phone — Chromium's network emulation with the
//! "Fast 3G" figures (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) and the CPU slowed four
//! times — each cold (empty cache) and warm (reload), with the bytes each widget file cost on the
//! wire as the browser's resource timing reports them.

use std::process::Command;

use anyhow::Result;

use crate::tools::{ensure_browser_packages, ensure_toolchain, root, run, target_dir};
use crate::widget;

/// Visits of each kind (cold, warm) per profile.
const VISITS: &str = "15";

/// Builds what the benchmark serves and runs it on both profiles, printing its tables.
pub fn run_interactive() -> Result<()> {
    ensure_toolchain()?;
    widget::run(&[])?;
    crate::collector::build("release")?;
    run(Command::new("cargo").args(["build", "-p", "xtask"]))?;
    let dir = ensure_browser_packages()?;
    run(Command::new("node")
        .args(["bench-interactive.mjs", VISITS, "all"])
        .current_dir(dir)
        .env("VOCE_ROOT", root())
        .env(
            "VOCE_COLLECTOR_BIN",
            target_dir().join("release/voce-collector"),
        )
        .env("VOCE_XTASK_BIN", target_dir().join("debug/xtask")))
}
