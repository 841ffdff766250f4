//! `cargo xtask demo`: the whole pilot on one machine.
//!
//! Builds the widget and the collector, starts the collector on SQLite with the pilot registry
//! (INPS, INAIL, Roma Capitale), serves the example host pages each on its own origin, and prints
//! their URLs. Ctrl-C stops everything. The demo's data lives in `data/demo/`.

use std::net::TcpStream;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::{ensure_toolchain, root, run, target_dir};
use crate::{pages, widget};

/// Where the demo's collector listens.
pub const COLLECTOR_BIND: &str = "127.0.0.1:8080";
/// The example pages listen on this port + 1 … + 4.
pub const PAGES_BASE_PORT: u16 = 8100;

struct Collector(Child);

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the demo until interrupted.
pub fn run_demo(_args: &[String]) -> Result<()> {
    ensure_toolchain()?;
    widget::run(&[])?;
    run(Command::new("cargo").args(["build", "-p", "voce-collector"]))?;
    let data = root().join("data/demo");
    std::fs::create_dir_all(&data)?;
    let collector = || {
        let mut cmd = Command::new(target_dir().join("debug/voce-collector"));
        cmd.current_dir(root())
            .env("VOCE_BIND", COLLECTOR_BIND)
            .env("VOCE_DATABASE_URL", data.join("voce.db"))
            .env("VOCE_KEYS_DIR", data.join("keys"))
            .env("VOCE_WIDGET_DIR", root().join("target/widget"));
        cmd
    };
    run(collector().arg("migrate"))?;
    run(collector().args(["registry", "import", "examples/registry/pilot.toml"]))?;
    let _server = Collector(
        collector()
            .arg("serve")
            .spawn()
            .context("starting voce-collector serve")?,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(COLLECTOR_BIND).is_err() {
        if Instant::now() > deadline {
            bail!("the collector did not start listening on {COLLECTOR_BIND}");
        }
        sleep(Duration::from_millis(100));
    }
    println!("\nVoce demo: collector at http://{COLLECTOR_BIND} (SQLite: data/demo/voce.db)");
    println!("Rate a service on these pages (Ctrl-C stops everything):");
    pages::serve(&format!("http://{COLLECTOR_BIND}"), PAGES_BASE_PORT)
}
