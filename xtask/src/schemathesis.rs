//! The API contract checked by a tool we did not write: Schemathesis (PyPI `schemathesis`, pinned
//! in `tools.rs`) against a live collector.
//!
//! A debug `voce-collector serve` on a free loopback port, with a fresh SQLite database and the
//! pilot registry, is tested from its own `/v1/openapi.json` with every check on, bounded in
//! examples per operation and in time, with the settings of `tests/schemathesis/schemathesis.toml`.
//! The hooks in `tests/schemathesis/hooks.py` supply a fresh ticket (and its Origin) for
//! `POST /v1/responses`, a national operator token (from `voce-collector token issue`) for the
//! operator routes, and record the status of every answer; this step prints the counts and
//! fails when Schemathesis reports a failure, and unless `POST /v1/responses` answered `201`
//! (stored), `422` (answers refused) and `409` (a stored ticket replayed with another body).

use std::collections::BTreeMap;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::collector::Collector;
use crate::tools::{ensure_schemathesis, root};

/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "100";
/// The whole run is stopped (and the step fails) after this long.
const TIME_LIMIT: Duration = Duration::from_secs(600);
/// A fixed seed: a failure found in CI is found again by running the step again.
const SEED: &str = "8";
/// What `POST /v1/responses` must have answered.
const SUBMIT: &str = "POST /v1/responses";
const SUBMIT_MUST_ANSWER: [u16; 3] = [201, 409, 422];

/// Runs Schemathesis against a fresh collector.
pub fn run() -> Result<()> {
    let program = ensure_schemathesis()?;
    let dir = root().join("target/schemathesis");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let bind = format!("127.0.0.1:{port}");
    let collector = Collector::new(
        "debug",
        &dir.join("voce.db").display().to_string(),
        dir.join("keys"),
        &bind,
    )
    .env("VOCE_RATE_LIMIT_BURST", "1000000")
    .env("VOCE_RATE_LIMIT_PER_MINUTE", "1000000");
    collector.prepare()?;
    // A national operator token for the operator routes (the hooks send it).
    let issued = collector
        .command()
        .args(["token", "issue", "--role", "national", "--ttl", "1h"])
        .output()
        .context("cannot issue an operator token")?;
    let operator_token = String::from_utf8_lossy(&issued.stdout)
        .lines()
        .last()
        .map(str::to_owned)
        .context("`token issue` printed no token")?;
    let _server = collector.serve()?;
    let statuses = dir.join("statuses.txt");
    let mut command = Command::new(program);
    command
        .arg("--config-file")
        .arg(root().join("tests/schemathesis/schemathesis.toml"))
        .args(["run", &format!("http://{bind}/v1/openapi.json")])
        .args(["--checks", "all", "--continue-on-failure"])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", SEED, "--workers", "1", "--request-timeout", "10"])
        .args(["--generation-database", "none", "--no-color"])
        .env(
            "SCHEMATHESIS_HOOKS",
            root().join("tests/schemathesis/hooks.py"),
        )
        .env("VOCE_SCHEMATHESIS_COLLECTOR", format!("http://{bind}"))
        .env("VOCE_SCHEMATHESIS_STATUSES", &statuses)
        .env("VOCE_SCHEMATHESIS_OPERATOR_TOKEN", &operator_token)
        .current_dir(&dir);
    eprintln!("$ {command:?}");
    let mut child = command.spawn().context("cannot start schemathesis")?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("schemathesis did not finish within {TIME_LIMIT:?}");
        }
        sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&statuses)
        .with_context(|| format!("the hooks recorded no answer in {}", statuses.display()))?;
    let counts = count_statuses(&text);
    println!("answers seen by Schemathesis, by path (METHOD status x count):");
    let mut by_path: BTreeMap<&str, String> = BTreeMap::new();
    for ((operation, code), n) in &counts {
        let (method, path) = operation.split_once(' ').unwrap_or(("?", operation));
        by_path
            .entry(path)
            .or_default()
            .push_str(&format!(" {method} {code}x{n};"));
    }
    for (path, line) in by_path {
        println!("  {path}:{}", line.trim_end_matches(';'));
    }
    let missing: Vec<u16> = SUBMIT_MUST_ANSWER
        .into_iter()
        .filter(|code| !counts.contains_key(&(SUBMIT.to_owned(), *code)))
        .collect();
    let mut problems = Vec::new();
    if !status.success() {
        problems.push(format!(
            "Schemathesis reported failures (above); it exited with {status}"
        ));
    }
    if !missing.is_empty() {
        problems.push(format!(
            "{SUBMIT} never answered {missing:?}: the generated bodies did not reach them"
        ));
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(())
}

/// Counts the `METHOD PATH STATUS` lines the hooks write, by operation and status.
fn count_statuses(text: &str) -> BTreeMap<(String, u16), usize> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some((operation, code)) = line.rsplit_once(' ') else {
            continue;
        };
        if let Ok(code) = code.parse::<u16>() {
            *counts.entry((operation.to_owned(), code)).or_default() += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::count_statuses;

    #[test]
    fn statuses_are_counted_by_operation_and_code() {
        let counts = count_statuses(
            "POST /v1/responses 201\nPOST /v1/responses 422\nPOST /v1/responses 422\n\
             GET /v1/forms/{service_id} 404\nnot a status line\n",
        );
        assert_eq!(
            counts.get(&("POST /v1/responses".to_owned(), 422)),
            Some(&2)
        );
        assert_eq!(
            counts.get(&("POST /v1/responses".to_owned(), 201)),
            Some(&1)
        );
        assert_eq!(
            counts.get(&("GET /v1/forms/{service_id}".to_owned(), 404)),
            Some(&1)
        );
        assert_eq!(counts.len(), 3);
    }
}
