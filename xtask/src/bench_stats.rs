//! `cargo xtask bench-stats [--backend sqlite|postgres] [--responses N] [--runs R]`: how fast
//! `GET /v1/stats` answers over a large seeded database (issue 10: with 1,000,000 responses the
//! national overview by month, median of 20, under 100 ms; the goal 20 ms).
//!
//! It builds the release collector, makes a fresh database (SQLite file under
//! `target/bench-stats/`, or a fresh PostgreSQL database), imports the pilot and national
//! registries, seeds `N` responses with `voce-seed` (default 1,000,000, seed 1,
//! the year to 2026-11-30), issues a `national` operator token, starts the collector on
//! 127.0.0.1:8482 and times `R` requests (default 20, after two untimed ones) of each query:
//! the national overview by month, the overview by service kind, and one body's services by
//! month with their comparisons. It prints the median, the fastest and the slowest, and a JSON
//! line with the medians. Binds a fixed port: run it under `flock /tmp/voce-ports.lock`.
//!
//! `--prepare` only builds and seeds the database (no port, so no lock needed: seeding a
//! million responses takes minutes); `--reuse` skips that and times the database an earlier
//! `--prepare` left under `target/bench-stats/<backend>/` (PostgreSQL: database
//! `voce_bench_stats`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::collector::Collector;
use crate::postgres;
use crate::tools::{root, run};

/// Where the collector listens (clear of the demo, the browser suite and the load bench).
const BIND: &str = "127.0.0.1:8482";

/// The queries timed: (label, path and query string). The first three end on 2026-11-30, a
/// closed period, so after the untimed requests they are answered from the collector's cache of
/// closed periods; the last one reaches today and is read from the rollup tables every time.
const QUERIES: [(&str, &str); 4] = [
    (
        "national overview by month",
        "/v1/stats?granularity=month&from=2025-12-01&to=2026-11-30",
    ),
    (
        "by service kind, by month",
        "/v1/stats?granularity=month&group_by=service-kind&from=2025-12-01&to=2026-11-30",
    ),
    (
        "INPS's services by month, with comparisons",
        "/v1/stats?granularity=month&group_by=service&body=inps&from=2025-12-01&to=2026-11-30",
    ),
    (
        "national overview by month, through today (database, no cache)",
        "/v1/stats?granularity=month&from=2025-12-01&to=TODAY",
    ),
];

/// Today (UTC) as `YYYY-MM-DD`, from the system clock (days to civil date: H. Hinnant's
/// `civil_from_days`).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Runs the benchmark.
pub fn run_bench(args: &[String]) -> Result<()> {
    let mut backend = "sqlite".to_owned();
    let mut responses: u64 = 1_000_000;
    let mut runs: usize = 20;
    let (mut prepare_only, mut reuse) = (false, false);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => backend = value()?.clone(),
            "--responses" => responses = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--prepare" => prepare_only = true,
            "--reuse" => reuse = true,
            other => bail!("unknown argument {other:?}"),
        }
    }
    if !reuse {
        crate::collector::build("release")?;
    }
    let dir = root().join("target/bench-stats").join(&backend);
    let url = match backend.as_str() {
        "sqlite" => dir.join("voce.db").display().to_string(),
        "postgres" if reuse => {
            let base = postgres::ensure()?;
            format!(
                "{}/voce_bench_stats",
                base.rsplit_once('/').map_or(base.as_str(), |(b, _)| b)
            )
        }
        "postgres" => postgres::fresh_database(&postgres::ensure()?, "voce_bench_stats")?,
        other => bail!("--backend {other:?}: expected sqlite or postgres"),
    };
    let collector = Collector::new("release", &url, dir.join("keys"), BIND)
        .env("RUST_LOG", "warn")
        // The per-client rate limit out of the way: one client asks 66 times in a row.
        .env("VOCE_RATE_LIMIT_BURST", "1000000000")
        .env("VOCE_RATE_LIMIT_PER_MINUTE", "1000000000")
        .env("VOCE_OPERATOR_KEYS_DIR", dir.join("operator-keys"));
    let mut seeding = None;
    if !reuse {
        if backend == "sqlite" {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir)?;
        collector.prepare()?;
        run(collector
            .command()
            .args(["registry", "import", "examples/registry/national.toml"]))?;
        let started = Instant::now();
        run(collector.seed_command().args([
            "--responses",
            &responses.to_string(),
            "--seed",
            "1",
            "--until",
            "2026-11-30",
        ]))?;
        seeding = Some(started.elapsed());
        if prepare_only {
            println!(
                "seeded {responses} responses on {backend} in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
    }
    let output = collector
        .command()
        .args(["token", "issue", "--role", "national", "--ttl", "1h"])
        .output()?;
    ensure!(output.status.success(), "token issue failed");
    let token = String::from_utf8(output.stdout)?
        .lines()
        .last()
        .context("token issue printed nothing")?
        .trim()
        .to_owned();
    let _server = collector.serve()?;
    let stored = collector.command().args(["responses", "count"]).output()?;
    println!(
        "\n{backend}: {} responses stored{}; {runs} timed requests per query after 2 untimed\n",
        String::from_utf8_lossy(&stored.stdout).trim(),
        seeding.map_or(String::new(), |d| format!(
            ", seeded in {:.1} s",
            d.as_secs_f64()
        ))
    );
    println!("| query | median ms | fastest ms | slowest ms | cells |\n|---|---:|---:|---:|---:|");
    let mut medians = serde_json::Map::new();
    let today = today();
    for (label, path) in QUERIES {
        let path = &path.replace("TODAY", &today);
        let mut times = Vec::with_capacity(runs);
        let mut cells = 0;
        for i in 0..runs + 2 {
            let t = Instant::now();
            let body = get(path, &token)?;
            let elapsed = t.elapsed();
            if i >= 2 {
                times.push(elapsed);
            }
            let answer: serde_json::Value = serde_json::from_slice(&body)?;
            cells = answer["cells"].as_array().map_or(0, Vec::len);
            ensure!(
                cells > 0,
                "{label}: no cells: {}",
                String::from_utf8_lossy(&body)
            );
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = ms(times[times.len() / 2]);
        println!(
            "| {label} | {median:.1} | {:.1} | {:.1} | {cells} |",
            ms(times[0]),
            ms(times[times.len() - 1])
        );
        medians.insert(
            label.into(),
            serde_json::json!((median * 10.0).round() / 10.0),
        );
    }
    medians.insert("backend".into(), backend.into());
    medians.insert(
        "responses".into(),
        String::from_utf8_lossy(&stored.stdout).trim().into(),
    );
    println!("\n{}", serde_json::Value::Object(medians));
    Ok(())
}

/// `GET path` with the token over a fresh connection (HTTP/1.1, `Connection: close`); the body.
fn get(path: &str, token: &str) -> Result<Vec<u8>> {
    let mut stream = TcpStream::connect(BIND)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {BIND}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&reply[..split]).to_string();
    ensure!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    let body = &reply[split + 4..];
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Ok(dechunk(body));
    }
    Ok(body.to_vec())
}

/// The body of a chunked transfer.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}
