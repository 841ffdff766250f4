//! A local PostgreSQL for the test suite: installed from Debian's packages when missing, started,
//! and given a password so that tests connect over TCP as `postgres`.
//!
//! Root cannot use peer authentication as `postgres`, so the role gets a password and the tests
//! connect to 127.0.0.1, which Debian's default `pg_hba.conf` allows with a password.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::{apt_install, have, run};

/// The URL of the local test server's maintenance database.
pub const LOCAL_URL: &str = "postgres://postgres:voce@127.0.0.1:5432/postgres";

/// The URL of a PostgreSQL server for the tests: `VOCE_TEST_DATABASE_URL` when set, else a local
/// server this function installs (when missing) and starts.
pub fn ensure() -> Result<String> {
    if let Ok(url) = std::env::var("VOCE_TEST_DATABASE_URL") {
        eprintln!("using PostgreSQL from VOCE_TEST_DATABASE_URL");
        return Ok(url);
    }
    if !have("pg_ctlcluster") || !have("pg_lsclusters") {
        apt_install(&["postgresql"])?;
    }
    let clusters = Command::new("pg_lsclusters")
        .arg("--no-header")
        .output()
        .context("pg_lsclusters")?;
    let listing = String::from_utf8_lossy(&clusters.stdout).into_owned();
    let Some(line) = listing.lines().find(|l| !l.trim().is_empty()) else {
        bail!("no PostgreSQL cluster exists; create one with `pg_createcluster <version> main`");
    };
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (version, name, status) = (
        fields[0],
        fields[1],
        fields.get(3).copied().unwrap_or_default(),
    );
    if status != "online" {
        run(Command::new("pg_ctlcluster").args([version, name, "start"]))?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-q"])
        .status()
        .is_ok_and(|s| s.success())
    {
        if Instant::now() > deadline {
            bail!(
                "PostgreSQL {version}/{name} did not accept connections on 127.0.0.1 within 60 s"
            );
        }
        sleep(Duration::from_millis(300));
    }
    run(Command::new("su").args([
        "postgres",
        "-c",
        "psql -q -c \"ALTER USER postgres PASSWORD 'voce'\"",
    ]))?;
    Ok(LOCAL_URL.to_owned())
}

/// Drops and re-creates database `name` on the server of `url`, returning the new database's URL.
pub fn fresh_database(url: &str, name: &str) -> Result<String> {
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        run(Command::new("psql").args([url, "-q", "-c", &sql]))?;
    }
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}
