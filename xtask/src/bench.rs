//! `cargo xtask bench`: the collector under load, on SQLite and on PostgreSQL, measured against a
//! baseline taken in the same run.
//!
//! First, ticket verification against a bare HMAC of the same bytes (a release-mode benchmark
//! in `collector/src/tickets.rs`). Then a release build of the collector is started on a fresh database with the pilot registry. The
//! baseline is `GET /healthz` (the HTTP stack with no work); then each client thread repeatedly
//! asks for a form and ticket (`GET /v1/forms/…`: signing plus a counter update) and submits a
//! valid response with it (`POST /v1/responses`: ticket check, validation, redaction, one
//! committed transaction). Every figure is printed with its ratio to the baseline, because a
//! shared 2-core machine makes absolute numbers drift from run to run. Loopback only, bounded in
//! requests and time. Then, in headless Chromium, the widget's time from entering the viewport to
//! being interactive, against a plain fetch of the same form as baseline
//! (`tests/browser/bench-interactive.mjs`, run by `bench_widget.rs`: on loopback and on emulated
//! Fast 3G with the CPU slowed ×4). `--sqlite-only` and `--no-browser` skip parts.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::collector::Collector;
use crate::postgres;
use crate::tools::{root, run};

const BIND: &str = "127.0.0.1:8480";
const ORIGIN: &str = "http://127.0.0.1:8101";
const THREADS: usize = 4;
const ITERATIONS: usize = 500;
const LIMIT: Duration = Duration::from_secs(120);

/// Runs the benchmark and prints the figures.
pub fn run_bench(args: &[String]) -> Result<()> {
    println!("| measured | per call | baseline | per call | ratio |\n|---|---|---|---|---|");
    run(Command::new("cargo").args([
        "test",
        "--release",
        "-p",
        "voce-collector",
        "--lib",
        "bench_",
        "--",
        "--ignored",
        "--nocapture",
        "--quiet",
    ]))?;
    run(Command::new("cargo").args(["build", "--release", "-p", "voce-collector"]))?;
    let dir = root().join("target/bench");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut rows = vec![bench_backend(
        "SQLite",
        &dir.join("voce.db").display().to_string(),
        &dir,
    )?];
    if !args.iter().any(|a| a == "--sqlite-only") {
        let url = postgres::fresh_database(&postgres::ensure()?, "voce_bench")?;
        rows.push(bench_backend("PostgreSQL", &url, &dir)?);
    }
    println!(
        "\n| backend | healthz req/s (baseline) | stored responses/s (form + submit) | ratio to baseline | form p50 / p99 ms | submit p50 / p99 ms | healthz p50 / p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} |",
            r.backend,
            r.baseline.rate,
            r.pairs_per_sec,
            r.pairs_per_sec / r.baseline.rate,
            r.forms.p50,
            r.forms.p99,
            r.submits.p50,
            r.submits.p99,
            r.baseline.p50,
            r.baseline.p99
        );
    }
    println!(
        "\n{THREADS} client threads, {ITERATIONS} form+response pairs each, loopback, release build."
    );
    if !args.iter().any(|a| a == "--no-browser") {
        crate::bench_widget::run_interactive()?;
    }
    Ok(())
}

struct Figures {
    rate: f64,
    p50: f64,
    p99: f64,
}

struct Row {
    backend: &'static str,
    baseline: Figures,
    /// Complete cycles (a form with its ticket, then a stored response) per second.
    pairs_per_sec: f64,
    forms: Figures,
    submits: Figures,
}

fn bench_backend(backend: &'static str, database_url: &str, dir: &Path) -> Result<Row> {
    let collector = Collector::new("release", database_url, dir.join("keys"), BIND)
        .env("VOCE_RATE_LIMIT_BURST", "1000000")
        .env("VOCE_RATE_LIMIT_PER_MINUTE", "100000000")
        .env("RUST_LOG", "warn");
    collector.prepare()?;
    let _server = collector.serve()?;
    eprintln!("benchmarking {backend}…");
    let baseline = measure(|agent| {
        let t = Instant::now();
        let status = agent
            .get(format!("http://{BIND}/healthz"))
            .call()?
            .status()
            .as_u16();
        ensure!(status == 200, "healthz answered {status}");
        Ok(vec![t.elapsed()])
    })?;
    let (pairs_per_sec, forms, submits) = measure_pairs()?;
    Ok(Row {
        backend,
        baseline,
        pairs_per_sec,
        forms,
        submits,
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Runs `f` `ITERATIONS` times on each of `THREADS` threads; every call returns one latency.
fn measure(f: fn(&ureq::Agent) -> Result<Vec<Duration>>) -> Result<Figures> {
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let agent = agent();
                let mut all = Vec::with_capacity(ITERATIONS);
                for _ in 0..ITERATIONS {
                    all.extend(f(&agent)?);
                }
                Ok(all)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(
            h.join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))??,
        );
    }
    Ok(figures(&mut latencies, start.elapsed()))
}

fn measure_pairs() -> Result<(f64, Figures, Figures)> {
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(move || -> Result<(Vec<Duration>, Vec<Duration>)> {
                let agent = agent();
                let (mut forms, mut submits) = (Vec::new(), Vec::new());
                for i in 0..ITERATIONS {
                    if start.elapsed() > LIMIT {
                        bail!("the benchmark ran past {LIMIT:?}");
                    }
                    let t = Instant::now();
                    let mut resp = agent
                        .get(format!("http://{BIND}/v1/forms/inps-naspi?locale=it"))
                        .header("Origin", ORIGIN)
                        .call()?;
                    let status = resp.status().as_u16();
                    let body = resp.body_mut().read_to_string()?;
                    ensure!(status == 200, "form answered {status}: {body}");
                    forms.push(t.elapsed());
                    let form: serde_json::Value = serde_json::from_str(&body)?;
                    let ticket = form["ticket"].as_str().context("no ticket")?.to_owned();
                    let answers = serde_json::json!({
                        "answers": {"valutazione": 1 + i % 5, "dettagli": "Prova di carico: tutto chiaro, grazie."},
                        "locale": "it"
                    });
                    let t = Instant::now();
                    let mut resp = agent
                        .post(format!("http://{BIND}/v1/responses"))
                        .header("Origin", ORIGIN)
                        .header("Authorization", &format!("Bearer {ticket}"))
                        .content_type("application/json")
                        .send(answers.to_string())?;
                    let status = resp.status().as_u16();
                    let elapsed = t.elapsed();
                    ensure!(status == 201, "submit answered {status}: {}", resp.body_mut().read_to_string()?);
                    submits.push(elapsed);
                }
                Ok((forms, submits))
            })
        })
        .collect();
    let (mut forms, mut submits) = (Vec::new(), Vec::new());
    for h in handles {
        let (f, s) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        forms.extend(f);
        submits.extend(s);
    }
    let wall = start.elapsed();
    let pairs_per_sec = submits.len() as f64 / wall.as_secs_f64();
    Ok((
        pairs_per_sec,
        figures(&mut forms, wall),
        figures(&mut submits, wall),
    ))
}

fn figures(latencies: &mut [Duration], wall: Duration) -> Figures {
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Figures {
        rate: latencies.len() as f64 / wall.as_secs_f64(),
        p50: at(0.5),
        p99: at(0.99),
    }
}
