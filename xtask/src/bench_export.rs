//! `cargo xtask bench-export`: the collector's peak memory while it streams a large raw-response
//! export (`GET /v1/exports/responses.csv`).
//!
//! A fresh database (SQLite in `target/bench-export-sqlite/`, or `voce_bench_export` on the local
//! PostgreSQL with `--backend postgres`) gets `--rows N` responses (default 1,000,000) from the
//! release build of `collector/examples/export_bench_fixture.rs`, which inserts them through the
//! collector's own insert. Then the release `voce-collector serve` runs, a national token is
//! issued with `voce-collector token issue`, and `curl` downloads the whole export while this task
//! counts its records. The figure is the server's `VmHWM` (peak resident set) from
//! `/proc/<pid>/status` after the download, next to its `VmRSS` before it. `--reuse` keeps the
//! database of the previous run (same backend and rows) instead of inserting again. Loopback port
//! 8490; run it under `flock /tmp/voce-ports.lock`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::collector::Collector;
use crate::postgres;
use crate::tools::{root, run, target_dir};

const BIND: &str = "127.0.0.1:8490";

/// A field of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

/// Runs the benchmark.
pub fn run_bench(args: &[String]) -> Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: usize = value("--rows").map_or(Ok(1_000_000), |v| v.parse())?;
    let backend = value("--backend").unwrap_or_else(|| "sqlite".into());
    let reuse = args.iter().any(|a| a == "--reuse");
    run(Command::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "voce-collector",
            "--bin",
            "voce-collector",
            "--example",
            "export_bench_fixture",
        ])
        .args(crate::collector::FEATURES))?;
    let dir = target_dir().join(format!("bench-export-{backend}"));
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir)?;
    let database_url = match (backend.as_str(), reuse) {
        ("sqlite", _) => dir.join("voce.db").display().to_string(),
        ("postgres", false) => postgres::fresh_database(&postgres::ensure()?, "voce_bench_export")?,
        ("postgres", true) => {
            let base = postgres::ensure()?;
            let server = base.rsplit_once('/').map_or(base.as_str(), |(b, _)| b);
            format!("{server}/voce_bench_export")
        }
        (other, _) => bail!("--backend {other}: sqlite or postgres"),
    };
    let collector = Collector::new("release", &database_url, dir.join("keys"), BIND);
    let fixture_started = Instant::now();
    if !reuse {
        run(
            Command::new(target_dir().join("release/examples/export_bench_fixture"))
                .arg(rows.to_string())
                .envs(collector.environment())
                .current_dir(root()),
        )?;
    }
    let fixture_secs = fixture_started.elapsed().as_secs_f64();
    let issued = collector
        .command()
        .args(["token", "issue", "--role", "national", "--ttl", "1h"])
        .stderr(Stdio::null())
        .output()?;
    let token = String::from_utf8_lossy(&issued.stdout)
        .lines()
        .last()
        .map(str::to_owned)
        .context("token issue printed nothing")?;
    let server = collector.serve()?;
    let pid = server.id();
    let rss_before = status_kib(pid, "VmRSS")?;
    let started = Instant::now();
    let mut curl = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--no-buffer"])
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"))
        .arg(format!("http://{BIND}/v1/exports/responses.csv"))
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start curl")?;
    let mut out = curl.stdout.take().context("no curl output")?;
    let (mut bytes, mut lines) = (0_u64, 0_u64);
    let mut buf = vec![0_u8; 1 << 16];
    loop {
        let n = out.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let status = curl.wait()?;
    let secs = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("curl failed with {status}");
    }
    let peak = status_kib(pid, "VmHWM")?;
    let records = lines.saturating_sub(1);
    println!(
        "| backend | rows exported | bytes | seconds | rows/s | server RSS before | server peak RSS (VmHWM) |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {backend} | {records} | {bytes} | {secs:.1} | {:.0} | {:.1} MiB | {:.1} MiB |",
        records as f64 / secs,
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    if reuse {
        println!("(the database of the previous run, {rows} rows)");
    } else {
        println!("(fixture: {rows} rows inserted in {fixture_secs:.1} s)");
    }
    if records != rows as u64 {
        bail!("the export had {records} records, {rows} were inserted");
    }
    Ok(())
}
