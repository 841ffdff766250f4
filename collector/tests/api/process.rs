//! The "Faults" cases that need the real binary: SIGTERM under load, `kill -9` during writes
//! followed by a restart on the same database, and one of two replicas killed under load — and the
//! harness that runs `voce-collector` as a process, shared with the replica tests
//! (`replicas.rs`) and the PostgreSQL outage test (`faults.rs`). A [`Site`] is what replicas
//! share (one database, one key directory, migrated and loaded with the pilot registry by the
//! binary itself: `migrate`, `registry import`); a [`Collector`] is one `serve` process of a site
//! on its own free loopback ports. Tests drive it with concurrent clients and then read the
//! database through the library. Requests and time are bounded.
#![cfg(unix)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use voce_collector::configuration::DatabaseSettings;
use voce_collector::db;

use crate::helpers::*;

/// Concurrent clients; enough that some are mid-submission when the process is stopped.
const CLIENTS: usize = 12;
/// Acknowledged submissions before the process is stopped.
const ACKNOWLEDGED_BEFORE_STOP: usize = 40;
/// Most form+submit rounds a client makes (bounds the whole test).
const MAX_ROUNDS: usize = 60;
/// Rounds a client may still make once the stop is sent.
const ROUNDS_AFTER_STOP: usize = 3;

/// What the replicas of one deployment share: a temporary directory (the key directory, the
/// widget directory, the logs, a SQLite file) and one database, dropped with the site when it
/// is a PostgreSQL test database.
pub struct Site {
    dir: tempfile::TempDir,
    /// The database every collector of the site uses.
    pub database_url: String,
}

impl Drop for Site {
    fn drop(&mut self) {
        drop_test_database(&self.database_url);
    }
}

/// Says on the test's output that a port was taken and the collector starts again elsewhere.
fn note_port_taken(e: &anyhow::Error) {
    eprintln!("a port was taken before the collector bound it; starting again on others: {e:#}");
}

/// A free loopback port (free when asked; the collector binds it a moment later), drawn below
/// Linux's ephemeral range (32768–60999), so that the outgoing connections of the tests running
/// meanwhile cannot take it in that moment.
pub fn free_port() -> anyhow::Result<u16> {
    for _ in 0..200 {
        let port = rand::random_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    anyhow::bail!("no free port found between 20000 and 32000")
}

impl Site {
    /// A fresh database (SQLite file or PostgreSQL test database), migrated and loaded with the
    /// pilot registry by the binary, and one ticket key.
    pub fn prepare() -> anyhow::Result<Arc<Site>> {
        let dir = tempfile::tempdir()?;
        let database_url = fresh_database_url(dir.path())?;
        Site::prepare_on(dir, database_url)
    }

    /// Like [`Site::prepare`], on a database that already exists at `database_url`.
    pub fn prepare_on(dir: tempfile::TempDir, database_url: String) -> anyhow::Result<Arc<Site>> {
        let site = Site { dir, database_url };
        voce_collector::auth::keys::generate(&site.keys_dir())?;
        site.run_to_end(&["migrate"])?;
        site.import("pilot.toml")?;
        Ok(Arc::new(site))
    }

    /// The key directory every replica reads.
    pub fn keys_dir(&self) -> PathBuf {
        self.dir.path().join("keys")
    }

    /// `voce-collector ARGS` with the site's configuration and nothing from the test's own
    /// `VOCE_*` environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_voce-collector"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("VOCE_") {
                command.env_remove(name);
            }
        }
        command
            .args(args)
            .env("VOCE_DATABASE_URL", &self.database_url)
            .env("VOCE_KEYS_DIR", self.keys_dir())
            .env("VOCE_WIDGET_DIR", self.dir.path().join("widget"))
            .env("VOCE_RATE_LIMIT_BURST", "100000")
            .env("VOCE_RATE_LIMIT_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        command
    }

    /// Runs a one-shot command of the binary (`migrate`, `registry import`, …) to its end.
    pub fn run_to_end(&self, args: &[&str]) -> anyhow::Result<()> {
        let output = self.command(args).output()?;
        anyhow::ensure!(
            output.status.success(),
            "voce-collector {args:?}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }

    /// `voce-collector registry import examples/registry/<name>`, as an operator runs it next to
    /// the running replicas.
    pub fn import(&self, name: &str) -> anyhow::Result<()> {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/registry")
            .join(name);
        self.run_to_end(&["registry", "import", &file.to_string_lossy()])
    }

    /// A library pool on the site's database (the servers may be stopped).
    pub fn pool(&self) -> anyhow::Result<db::Pool> {
        db::build_pool(&DatabaseSettings {
            url: self.database_url.clone(),
            ..DatabaseSettings::default()
        })
    }

    /// The stored responses: ticket id by response id.
    pub fn stored(&self) -> anyhow::Result<HashMap<String, String>> {
        let listed = db::responses::list(&mut *self.pool()?.get()?, None)?;
        Ok(listed
            .into_iter()
            .map(|(r, _)| (r.id, r.ticket_id))
            .collect())
    }

    /// A collector of this site, not started yet; `name` names its log file.
    pub fn collector(self: &Arc<Self>, name: &str) -> anyhow::Result<Collector> {
        Ok(Collector {
            site: self.clone(),
            name: name.to_owned(),
            port: free_port()?,
            admin_port: free_port()?,
            env: Vec::new(),
            child: None,
        })
    }
}

/// One `voce-collector serve` process of a [`Site`]; killed when dropped.
pub struct Collector {
    /// The deployment it belongs to.
    pub site: Arc<Site>,
    name: String,
    /// The public listener's port.
    pub port: u16,
    /// The admin listener's port.
    pub admin_port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Collector {
    /// A collector on a fresh site of its own.
    pub fn prepare() -> anyhow::Result<Collector> {
        Site::prepare()?.collector("collector")
    }

    /// The same collector with one more setting in its environment.
    pub fn with_env(mut self, name: &str, value: &str) -> Collector {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.site.command(args);
        command
            .env("VOCE_BIND", format!("127.0.0.1:{}", self.port))
            .env("VOCE_ADMIN_BIND", format!("127.0.0.1:{}", self.admin_port))
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn log_path(&self) -> PathBuf {
        self.site.dir.path().join(format!("{}.log", self.name))
    }

    /// What the process wrote (warnings and errors), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// `http://127.0.0.1:PORT` of the public listener.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT` of the admin listener (used by the PostgreSQL outage test).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub fn admin_address(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin_port)
    }

    /// Starts `serve` and waits until it is ready (at most 15 s). Should another process take one
    /// of its ports between [`free_port`] and the bind, it starts again on new ones.
    pub async fn serve(&mut self) -> anyhow::Result<()> {
        for _ in 0..4 {
            let before = self.log().len();
            match self.serve_once().await {
                Err(e)
                    if self
                        .log()
                        .get(before..)
                        .is_some_and(|new| new.contains("Address already in use")) =>
                {
                    note_port_taken(&e);
                    self.port = free_port()?;
                    self.admin_port = free_port()?;
                }
                other => return other,
            }
        }
        self.serve_once().await
    }

    async fn serve_once(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        self.child = Some(
            self.command(&["serve"])
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?,
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                anyhow::bail!("serve exited at start-up with {status}:\n{}", self.log());
            }
            if let Ok(r) = client
                .get(format!("{}/healthz", self.address()))
                .send()
                .await
                && r.status() == 200
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("serve was not ready within 15 s:\n{}", self.log())
    }

    /// The process id of the running `serve`.
    pub fn pid(&self) -> anyhow::Result<u32> {
        Ok(self.child.as_ref().context("not running")?.id())
    }

    /// Whether the process is still running (it was neither stopped nor crashed).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Sends a signal (`TERM`, `KILL`, `HUP`, …) with `kill(1)`.
    pub fn signal(&self, name: &str) -> anyhow::Result<()> {
        signal(self.pid()?, name)
    }

    /// Takes the child out, so that another thread may reap it.
    pub fn take_child(&mut self) -> anyhow::Result<Child> {
        self.child.take().context("not running")
    }

    /// Waits for the process to exit, at most `limit`.
    pub async fn wait(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let started = Instant::now();
        let child = self.child.as_mut().context("not running")?;
        loop {
            if let Some(status) = child.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            anyhow::ensure!(
                started.elapsed() < limit,
                "the collector did not exit within {limit:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The stored responses by id, read through the library (the server may be stopped).
    pub fn stored(&self) -> anyhow::Result<HashMap<String, String>> {
        self.site.stored()
    }
}

/// Sends signal `name` to `pid` with `kill(1)`.
pub fn signal(pid: u32, name: &str) -> anyhow::Result<()> {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()?;
    anyhow::ensure!(status.success(), "kill -{name} {pid}: {status}");
    Ok(())
}

/// What one submission got.
#[derive(Debug)]
pub enum Outcome {
    /// 200 or 201 with this receipt's response id.
    Acknowledged(String),
    /// 503 with `Retry-After`.
    Unavailable,
    /// No answer (refused, reset, or closed before the answer).
    ConnectionError(String),
    /// Anything else: never acceptable here.
    Unexpected(String),
}

/// One submission: its ticket, where it went, when, and its outcome.
#[derive(Debug)]
pub struct Attempt {
    /// The ticket it used (a retry uses it again).
    pub ticket: String,
    /// The collector it was sent to.
    pub address: String,
    /// Whether it was sent after the stop.
    pub after_stop: bool,
    /// What it got.
    pub outcome: Outcome,
}

/// What one round of a client ended with: a submission, or a form that could not be had.
pub enum Round {
    /// A form was had and a response sent.
    Submitted(Attempt),
    /// The form request got this instead of a ticket.
    NoForm(Outcome),
}

/// Sorts an answer to a submission.
pub async fn classify(sent: Result<reqwest::Response, reqwest::Error>) -> Outcome {
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Outcome::ConnectionError(e.to_string()),
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    match status {
        200 | 201 => match response.json::<Value>().await {
            Ok(v) => match v["response_id"].as_str() {
                Some(id) => Outcome::Acknowledged(id.to_owned()),
                None => Outcome::Unexpected(format!("{status} without a receipt: {v}")),
            },
            Err(e) => Outcome::ConnectionError(format!("{status} cut short: {e}")),
        },
        503 if retry_after => Outcome::Unavailable,
        _ => Outcome::Unexpected(format!(
            "{status}: {}",
            response.text().await.unwrap_or_default()
        )),
    }
}

/// One citizen: a form (and its ticket) from `address`, then a response with that ticket.
pub async fn round(client: &reqwest::Client, address: &str) -> Round {
    let form = client
        .get(format!("{address}/v1/forms/inps-naspi?locale=it"))
        .header("Origin", INPS_ORIGIN)
        .send()
        .await;
    let ticket = match form {
        Err(e) => return Round::NoForm(Outcome::ConnectionError(e.to_string())),
        Ok(r) if r.status() == 200 => match r.json::<Value>().await {
            Ok(v) => match v["ticket"].as_str() {
                Some(t) => t.to_owned(),
                None => return Round::NoForm(Outcome::Unexpected(format!("no ticket: {v}"))),
            },
            Err(e) => return Round::NoForm(Outcome::ConnectionError(e.to_string())),
        },
        Ok(r) if r.status() == 503 => return Round::NoForm(Outcome::Unavailable),
        Ok(r) => return Round::NoForm(Outcome::Unexpected(format!("form: {}", r.status()))),
    };
    let sent = submit(client, address, &ticket).await;
    Round::Submitted(Attempt {
        ticket,
        address: address.to_owned(),
        after_stop: false,
        outcome: classify(sent).await,
    })
}

/// `POST /v1/responses` of [`valid_body`] with `ticket`.
pub async fn submit(
    client: &reqwest::Client,
    address: &str,
    ticket: &str,
) -> Result<reqwest::Response, reqwest::Error> {
    client
        .post(format!("{address}/v1/responses"))
        .header("Authorization", format!("Bearer {ticket}"))
        .header("Origin", INPS_ORIGIN)
        .header("Content-Type", "application/json")
        .body(valid_body().to_string())
        .send()
        .await
}

/// Runs [`CLIENTS`] clients, each going round the `addresses` (as a load balancer would, one
/// round on each in turn, client `i` starting at the `i`-th) until it has made its bounded
/// number of rounds or has no collector left: a collector that cuts a client's connection is
/// dropped from that client's turn. `stop` is called once [`ACKNOWLEDGED_BEFORE_STOP`]
/// submissions were acknowledged.
pub async fn load_then(
    addresses: &[String],
    stop: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<(Vec<Attempt>, Vec<Outcome>)> {
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let mut targets = addresses.to_vec();
        targets.rotate_left(i % addresses.len().max(1));
        let (acknowledged, stopped) = (acknowledged.clone(), stopped.clone());
        clients.push(tokio::spawn(async move {
            // One client (and connection pool) each, dropped at the end: no idle connection
            // outlives the load and holds up a graceful shutdown.
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?;
            let (mut attempts, mut refusals) = (Vec::new(), Vec::new());
            let mut after_stop = 0;
            for turn in 0..MAX_ROUNDS {
                if targets.is_empty() {
                    break;
                }
                let is_after_stop = stopped.load(Ordering::SeqCst);
                if is_after_stop {
                    after_stop += 1;
                    if after_stop > ROUNDS_AFTER_STOP {
                        break;
                    }
                }
                let target = targets[turn % targets.len()].clone();
                let cut = match round(&client, &target).await {
                    Round::Submitted(mut attempt) => {
                        attempt.after_stop = is_after_stop;
                        if matches!(attempt.outcome, Outcome::Acknowledged(_)) {
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        let cut = matches!(attempt.outcome, Outcome::ConnectionError(_));
                        attempts.push(attempt);
                        cut
                    }
                    Round::NoForm(outcome) => {
                        let cut = matches!(outcome, Outcome::ConnectionError(_));
                        refusals.push(outcome);
                        cut
                    }
                };
                if cut {
                    targets.retain(|t| *t != target);
                }
            }
            anyhow::Ok((attempts, refusals))
        }));
    }
    let started = Instant::now();
    while acknowledged.load(Ordering::SeqCst) < ACKNOWLEDGED_BEFORE_STOP {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "only {} submissions acknowledged in 20 s",
            acknowledged.load(Ordering::SeqCst)
        );
        anyhow::ensure!(
            !clients.iter().all(tokio::task::JoinHandle::is_finished),
            "every client stopped before the load was up"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop()?;
    stopped.store(true, Ordering::SeqCst);
    let (mut attempts, mut refusals) = (Vec::new(), Vec::new());
    for client in clients {
        let (a, r) = tokio::time::timeout(Duration::from_secs(30), client)
            .await
            .context("a client did not finish within 30 s")???;
        attempts.extend(a);
        refusals.extend(r);
    }
    Ok((attempts, refusals))
}

/// Every acknowledged submission is stored under its receipt's id and ticket; every other outcome
/// is one a client may retry. Returns the unacknowledged submissions.
pub fn check_outcomes<'a>(
    attempts: &'a [Attempt],
    refusals: &[Outcome],
    stored: &HashMap<String, String>,
) -> anyhow::Result<Vec<&'a Attempt>> {
    let mut unacknowledged = Vec::new();
    for attempt in attempts {
        match &attempt.outcome {
            Outcome::Acknowledged(id) => {
                let ticket = claims_of(&attempt.ticket)?["jti"]
                    .as_str()
                    .map(str::to_owned);
                anyhow::ensure!(
                    stored.get(id) == ticket.as_ref(),
                    "acknowledged response {id} is not stored under its ticket"
                );
            }
            Outcome::Unavailable => unacknowledged.push(attempt),
            Outcome::ConnectionError(e) => {
                // Shown with a failing test's output.
                eprintln!("unacknowledged: {e}");
                unacknowledged.push(attempt);
            }
            Outcome::Unexpected(e) => anyhow::bail!("a submission got {e}"),
        }
    }
    for outcome in refusals {
        anyhow::ensure!(
            !matches!(outcome, Outcome::Unexpected(_) | Outcome::Acknowledged(_)),
            "a form request got {outcome:?}"
        );
    }
    Ok(unacknowledged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_keeps_every_acknowledged_response_and_exits_cleanly()
-> anyhow::Result<()> {
    let mut collector = Collector::prepare()?;
    collector.serve().await?;
    let pid = collector.pid()?;
    let (attempts, refusals) =
        load_then(&[collector.address()], move || signal(pid, "TERM")).await?;
    // Graceful: in-flight requests finish, then the process exits by itself with success (a
    // process killed by the signal has no exit code).
    let status = collector.wait(Duration::from_secs(15)).await?;
    assert!(
        status.success(),
        "exit after SIGTERM: {status}\n{}",
        collector.log()
    );
    let stored = collector.stored()?;
    let acknowledged = attempts
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::Acknowledged(_)))
        .count();
    assert!(acknowledged >= ACKNOWLEDGED_BEFORE_STOP, "{acknowledged}");
    check_outcomes(&attempts, &refusals, &stored)?;
    // Nothing was stored that no client sent.
    assert!(stored.len() <= attempts.len());
    Ok(())
}

/// `kill -9` while clients write, `after_kill` on the database of the dead process, then a restart
/// on the same database: every acknowledged response is there, and retries of the cut ones succeed.
async fn kill_9_during_writes_then_restart(
    after_kill: impl FnOnce(&Collector) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut collector = Collector::prepare()?;
    collector.serve().await?;
    let mut child = collector.take_child()?;
    let pid = child.id();
    // The child itself is reaped by `killer`.
    let killer = std::thread::spawn(move || child.wait());
    let (attempts, refusals) =
        load_then(&[collector.address()], move || signal(pid, "KILL")).await?;
    let status = killer
        .join()
        .map_err(|_| anyhow::anyhow!("the reaper panicked"))??;
    assert!(!status.success(), "the collector was not killed: {status}");

    after_kill(&collector)?;

    // The same database, a new process.
    collector.port = free_port()?;
    collector.serve().await?;
    let stored = collector.stored()?;
    let unacknowledged = check_outcomes(&attempts, &refusals, &stored)?;
    assert!(
        !unacknowledged.is_empty(),
        "no submission was cut by the kill; {} attempts",
        attempts.len()
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let address = collector.address();
    for attempt in &unacknowledged {
        let response = submit(&client, &address, &attempt.ticket).await?;
        let status = response.status().as_u16();
        assert!(
            status == 201 || status == 200,
            "retry after restart: {status}: {}",
            response.text().await.unwrap_or_default()
        );
    }
    // Each retried ticket now holds exactly one response, and new ones are stored too.
    let stored = collector.stored()?;
    for attempt in &unacknowledged {
        let jti = claims_of(&attempt.ticket)?["jti"]
            .as_str()
            .map(str::to_owned)
            .context("no jti")?;
        assert_eq!(stored.values().filter(|t| **t == jti).count(), 1);
    }
    match round(&client, &address).await {
        Round::Submitted(Attempt {
            outcome: Outcome::Acknowledged(_),
            ..
        }) => {}
        Round::Submitted(a) => anyhow::bail!("a new submission after restart: {:?}", a.outcome),
        Round::NoForm(o) => anyhow::bail!("a new form after restart: {o:?}"),
    }
    Ok(())
}

/// The SQLite file is the collector's own: after `kill -9` it must pass `PRAGMA integrity_check`.
mod sqlite_only {
    use diesel::{Connection, QueryableByName, RunQueryDsl};

    use super::kill_9_during_writes_then_restart;
    use crate::helpers::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn kill_9_during_writes_leaves_a_sound_sqlite_file_and_restart_keeps_acknowledged_responses()
    -> anyhow::Result<()> {
        require_backend(Backend::Sqlite);
        kill_9_during_writes_then_restart(|collector| {
            #[derive(QueryableByName)]
            struct Check {
                #[diesel(sql_type = diesel::sql_types::Text)]
                integrity_check: String,
            }
            let mut conn = diesel::SqliteConnection::establish(&collector.site.database_url)?;
            let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
            let checks: Vec<String> = checks.into_iter().map(|c| c.integrity_check).collect();
            assert_eq!(checks, ["ok"], "integrity check after kill -9");
            Ok(())
        })
        .await
    }
}

/// On PostgreSQL the killed process owns no database file (the server survives it), so nothing
/// is checked between the kill and the restart.
mod postgres_only {
    use super::kill_9_during_writes_then_restart;
    use crate::helpers::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn kill_9_during_writes_then_restart_keeps_acknowledged_responses_and_retries_succeed()
    -> anyhow::Result<()> {
        require_backend(Backend::Postgres);
        kill_9_during_writes_then_restart(|_| Ok(())).await
    }
}
