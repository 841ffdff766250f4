//! The collector's acceptance walk: a real `voce-collector serve` on a fresh database with the
//! pilot registry, driven by `tests/curl-walk.sh`, once on SQLite and once on PostgreSQL.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::collector::Collector;
use crate::postgres;
use crate::tools::{root, run};

const BIND: &str = "127.0.0.1:8380";

/// The walk on a fresh SQLite file.
pub fn sqlite() -> Result<()> {
    let dir = root().join("target/walk-sqlite");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    walk(&dir.join("voce.db").display().to_string(), &dir)
}

/// The walk on a fresh PostgreSQL database of the server at `url`.
pub fn postgres(url: &str) -> Result<()> {
    let dir = root().join("target/walk-postgres");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    walk(&postgres::fresh_database(url, "voce_walk")?, &dir)
}

fn walk(database_url: &str, dir: &Path) -> Result<()> {
    let collector = Collector::new("debug", database_url, dir.join("keys"), BIND);
    collector.prepare()?;
    let _server = collector.serve()?;
    run(Command::new("bash")
        .arg(root().join("tests/curl-walk.sh"))
        .arg(format!("http://{BIND}"))
        .envs(collector.environment())
        .env("VOCE_COLLECTOR", collector.binary()))
}
