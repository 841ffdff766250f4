//! The collector's acceptance walk: a real `voce-collector serve` on a fresh database with the
//! pilot registry, driven by `tests/curl-walk.sh`, once on SQLite and once on PostgreSQL.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::postgres;
use crate::tools::{root, run, target_dir};

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

fn collector(database_url: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(target_dir().join("debug/voce-collector"));
    cmd.env("VOCE_DATABASE_URL", database_url)
        .env("VOCE_KEYS_DIR", dir.join("keys"))
        .env("VOCE_BIND", BIND)
        .env("VOCE_WIDGET_DIR", root().join("target/widget"))
        .current_dir(root());
    cmd
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn walk(database_url: &str, dir: &Path) -> Result<()> {
    run(collector(database_url, dir).arg("migrate"))?;
    run(collector(database_url, dir).args(["registry", "import", "examples/registry/pilot.toml"]))?;
    let server = Server(
        collector(database_url, dir)
            .arg("serve")
            .spawn()
            .context("starting voce-collector serve")?,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(BIND).is_err() {
        if Instant::now() > deadline {
            bail!("voce-collector did not listen on {BIND} within 30 s");
        }
        sleep(Duration::from_millis(100));
    }
    let result = run(Command::new("bash")
        .arg(root().join("tests/curl-walk.sh"))
        .arg(format!("http://{BIND}"))
        .env("VOCE_DATABASE_URL", database_url)
        .env("VOCE_KEYS_DIR", dir.join("keys"))
        .env("VOCE_COLLECTOR", target_dir().join("debug/voce-collector")));
    drop(server);
    result
}
