//! The "Faults" cases that a single process can stage: an exhausted pool and a busy SQLite
//! database get a quick 503 with `Retry-After`, never a 2xx without a commit, and the service
//! recovers by itself; and the PostgreSQL server itself stopped under load and started again,
//! with the real binary against a private PostgreSQL cluster (`postgres_outage`).

use crate::helpers::*;

#[tokio::test]
async fn submit_returns_503_when_the_writers_connection_is_held_and_recovers() -> anyhow::Result<()>
{
    let app = spawn_app_with(|s| {
        s.database.pool_size = 2;
        s.database.timeout_ms = 300;
        s.postgres_writers = 1;
    })
    .await?;
    let ticket = app.ticket().await?;
    let held = app.writer_conn()?;
    let started = std::time::Instant::now();
    let response = app.submit(&ticket, &valid_body()).await?;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(response.headers().get("retry-after").is_some());
    let problem = expect_problem(response, 503, "/problems/service-unavailable").await?;
    assert!(!problem.to_string().contains("pool"), "{problem}");
    drop(held);
    assert_eq!(app.count_responses()?, 0);
    let response = app.submit(&ticket, &valid_body()).await?;
    assert_eq!(response.status(), 201);
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

/// A busy SQLite file: PostgreSQL has no such state.
mod sqlite_only {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    use crate::helpers::*;

    #[tokio::test]
    async fn submit_returns_503_while_sqlite_is_busy_and_recovers() -> anyhow::Result<()> {
        require_backend(Backend::Sqlite);
        let app = spawn_app_with(|s| s.database.sqlite_busy_timeout_ms = 200).await?;
        let ticket = app.ticket().await?;
        let mut locker = diesel::SqliteConnection::establish(&app.settings.database.url)?;
        locker.batch_execute("BEGIN EXCLUSIVE")?;
        let response = app.submit(&ticket, &valid_body()).await?;
        assert!(response.headers().get("retry-after").is_some());
        expect_problem(response, 503, "/problems/service-unavailable").await?;
        locker.batch_execute("COMMIT")?;
        assert_eq!(app.count_responses()?, 0);
        let response = app.submit(&ticket, &valid_body()).await?;
        assert_eq!(response.status(), 201);
        assert_eq!(app.count_responses()?, 1);
        Ok(())
    }

    /// Overload: while the writer is held up (the file locked by another connection), the write
    /// queue fills; every submission beyond it gets 503 with `Retry-After` at once, not a time-out,
    /// and once the lock goes the queued ones are stored and new ones are accepted again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_full_write_queue_answers_503_at_once_and_the_queued_responses_are_stored()
    -> anyhow::Result<()> {
        require_backend(Backend::Sqlite);
        let app = spawn_app_with(|s| {
            s.database.sqlite_busy_timeout_ms = 5_000;
            s.write_queue = 4;
            s.write_batch_max_rows = 4;
        })
        .await?;
        let mut tickets = Vec::new();
        for _ in 0..40 {
            tickets.push(app.ticket().await?);
        }
        let mut locker = diesel::SqliteConnection::establish(&app.settings.database.url)?;
        locker.batch_execute("BEGIN EXCLUSIVE")?;
        let started = std::time::Instant::now();
        let app = &app;
        let answers = futures_util::future::join_all(tickets.iter().map(|t| async move {
            let response = app.submit(t, &valid_body()).await;
            (response, started.elapsed())
        }));
        // Release the lock while the burst waits, well within the busy timeout.
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
            locker.batch_execute("COMMIT")
        };
        let (answers, released) = tokio::join!(answers, release);
        released?;
        let (mut stored, mut refused) = (0, 0);
        for (response, took) in answers {
            let response = response?;
            match response.status().as_u16() {
                201 => stored += 1,
                503 => {
                    assert!(response.headers().get("retry-after").is_some());
                    assert!(
                        took < std::time::Duration::from_millis(1_500),
                        "a 503 took {took:?}"
                    );
                    refused += 1;
                }
                other => anyhow::bail!("a submission got {other}"),
            }
        }
        assert!(refused > 0, "the queue never filled");
        assert!(
            (1..=8).contains(&stored),
            "{stored} stored: at most a batch and a queue"
        );
        assert_eq!(app.count_responses()?, stored);
        let ticket = app.ticket().await?;
        assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
        Ok(())
    }
}

mod durability {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use voce_collector::db::Pool;

    use crate::helpers::*;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }

    /// Reads one setting through a connection of `pool` (the server's, or its writer's).
    fn read(pool: &Pool, sqlite: &str, postgres: &str) -> anyhow::Result<String> {
        let mut conn = pool.get()?;
        let sql = if conn.is_postgres() { postgres } else { sqlite };
        let rows: Vec<Setting> = diesel::sql_query(sql).load(&mut *conn)?;
        rows.into_iter()
            .next()
            .map(|s| s.value)
            .ok_or_else(|| anyhow::anyhow!("{sql} returned nothing"))
    }

    #[tokio::test]
    async fn every_pooled_connection_commits_durably_before_a_response_is_acknowledged()
    -> anyhow::Result<()> {
        let app = spawn_app().await?;
        // The writer's own connection commits the responses; the server's pool, the counts.
        for pool in [&app.writer_pool, &app.pool] {
            match backend() {
                Backend::Sqlite => {
                    // synchronous: 2 = FULL, 3 = EXTRA; both fsync the WAL at every commit.
                    let sync = read(
                        pool,
                        "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous",
                        "",
                    )?;
                    assert!(sync == "2" || sync == "3", "PRAGMA synchronous = {sync}");
                    let mode = read(
                        pool,
                        "SELECT journal_mode AS value FROM pragma_journal_mode",
                        "",
                    )?;
                    assert_eq!(mode, "wal");
                }
                Backend::Postgres => {
                    let sync = read(
                        pool,
                        "",
                        "SELECT current_setting('synchronous_commit') AS value",
                    )?;
                    assert_eq!(sync, "on");
                }
            }
        }
        // Only the writer's SQLite connection has the larger page cache (KiB, negative).
        if backend() == Backend::Sqlite {
            let cache = |pool| {
                read(
                    pool,
                    "SELECT CAST(cache_size AS TEXT) AS value FROM pragma_cache_size",
                    "",
                )
            };
            assert_eq!(cache(&app.writer_pool)?, "-65536");
            assert_eq!(cache(&app.pool)?, "-2000");
        }
        Ok(())
    }
}

mod backup_sqlite_only {
    use std::sync::{Arc, Mutex};

    use crate::helpers::*;

    #[tokio::test]
    async fn a_backup_taken_under_load_restores_every_response_acknowledged_before_it_began()
    -> anyhow::Result<()> {
        require_backend(Backend::Sqlite);
        let app = Arc::new(spawn_app().await?);
        let backup_dir = tempfile::tempdir()?;
        let dest = backup_dir.path().join("backup.db");
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let load = {
            let (app, acknowledged) = (app.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for _ in 0..120 {
                    let ticket = app.ticket().await?;
                    let response = app.submit(&ticket, &valid_body()).await?;
                    anyhow::ensure!(response.status() == 201, "{}", response.status());
                    let receipt: voce_shared::api::Receipt = response.json().await?;
                    acknowledged
                        .lock()
                        .map_err(|_| anyhow::anyhow!("poisoned"))?
                        .push(receipt.response_id);
                }
                anyhow::Ok(())
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let before: Vec<String> = acknowledged
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .clone();
        assert!(
            !before.is_empty(),
            "the load had stored responses before the backup"
        );
        voce_collector::db::backup(&mut *app.conn()?, &dest)?;
        load.await??;
        let after = acknowledged
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .len();
        // Restore: a fresh collector on the copy.
        let mut settings = app.settings.clone();
        settings.database.url = dest.to_string_lossy().into_owned();
        let restored = voce_collector::startup::prepare_database(&settings)?;
        let rows = voce_collector::db::responses::list(&mut *restored.get()?, None)?;
        let ids: std::collections::HashSet<_> = rows.iter().map(|(r, _)| r.id.clone()).collect();
        for id in &before {
            assert!(
                ids.contains(id),
                "{id} was acknowledged before the backup and is missing"
            );
        }
        assert!(rows.len() >= before.len() && rows.len() <= after);
        Ok(())
    }
}

mod backup_postgres_only {
    use crate::helpers::*;

    #[tokio::test]
    async fn backup_refuses_postgresql_and_names_its_own_tools() -> anyhow::Result<()> {
        require_backend(Backend::Postgres);
        let app = spawn_app().await?;
        let dir = tempfile::tempdir()?;
        let refused = voce_collector::db::backup(&mut *app.conn()?, &dir.path().join("b.db"));
        assert!(refused.is_err_and(|e| e.to_string().contains("pg_dump")));
        Ok(())
    }
}

/// PostgreSQL stopped under load, on a private cluster made for the test (`initdb` in a temporary
/// directory, on a free port, run as the `postgres` user when the test runs as root): the shared
/// server of the other tests is never stopped. PostgreSQL only, since it stops a PostgreSQL
/// server; run in the PostgreSQL pass of `cargo xtask test`.
#[cfg(all(unix, feature = "postgres"))]
mod postgres_outage_postgres_only {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use anyhow::Context;
    use diesel::{Connection, RunQueryDsl};

    use crate::helpers::*;
    use crate::process::{Attempt, Outcome, Round, Site, free_port, round, submit};

    /// Where Debian's packages put each PostgreSQL version's programs.
    const VERSIONS: &str = "/usr/lib/postgresql";
    /// Concurrent clients of the load.
    const CLIENTS: usize = 8;
    /// Longest a submission may wait for its answer, outage or not.
    const ANSWER_WITHIN: Duration = Duration::from_secs(5);

    /// A PostgreSQL cluster of this test only, stopped (immediately) when dropped.
    struct PrivatePostgres {
        dir: tempfile::TempDir,
        port: u16,
    }

    impl Drop for PrivatePostgres {
        fn drop(&mut self) {
            let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        }
    }

    fn is_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    }

    /// `program ARGS` run as `postgres` when this process is root (the server refuses to run as
    /// root), else as the current user.
    fn as_server_user(program: &str, args: &[&str]) -> Command {
        let program = server_bin().join(program).to_string_lossy().into_owned();
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &program]).args(args);
            command
        } else {
            let mut command = Command::new(program);
            command.args(args);
            command
        }
    }

    /// The programs of the newest PostgreSQL installed (15 on the project's machines), or the
    /// directory of version 15 for the error message when there is none.
    fn server_bin() -> PathBuf {
        let newest = std::fs::read_dir(VERSIONS).ok().and_then(|versions| {
            versions
                .filter_map(|v| v.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|v| Path::new(VERSIONS).join(format!("{v}/bin/initdb")).exists())
                .max()
        });
        Path::new(VERSIONS).join(format!("{}/bin", newest.unwrap_or(15)))
    }

    fn run(mut command: Command) -> anyhow::Result<()> {
        let output = command.output().with_context(|| format!("{command:?}"))?;
        anyhow::ensure!(
            output.status.success(),
            "{command:?}: {}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }

    impl PrivatePostgres {
        /// `initdb` (trust authentication on loopback, no fsync: a throwaway cluster) and start.
        fn start_new() -> anyhow::Result<PrivatePostgres> {
            let dir = tempfile::tempdir()?;
            if is_root() {
                run({
                    let mut c = Command::new("chown");
                    c.args(["postgres:postgres"]).arg(dir.path());
                    c
                })?;
            }
            let cluster = PrivatePostgres {
                port: free_port()?,
                dir,
            };
            let data = cluster.data();
            run(as_server_user(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
            ))?;
            cluster.start()?;
            Ok(cluster)
        }

        fn data(&self) -> String {
            self.dir.path().join("data").to_string_lossy().into_owned()
        }

        fn log(&self) -> PathBuf {
            self.dir.path().join("server.log")
        }

        fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
            let data = self.data();
            let mut all = vec!["-D", &data];
            all.extend_from_slice(args);
            run(as_server_user("pg_ctl", &all))
        }

        /// Starts the server and waits until it accepts connections.
        fn start(&self) -> anyhow::Result<()> {
            let options = format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
                self.port,
                self.dir.path().display()
            );
            let log = self.log().to_string_lossy().into_owned();
            self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log, "-o", &options])
        }

        /// A fast shutdown: the server ends its sessions (rolling back what is open) and stops.
        fn stop(&self) -> anyhow::Result<()> {
            self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])
        }

        fn url(&self, database: &str) -> String {
            format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
        }
    }

    /// One round of the load, timed from the start of the test.
    struct Timed {
        sent: Duration,
        answered: Duration,
        round: Round,
    }

    /// Clients doing rounds (form, then submission) until `done`.
    fn load(
        address: &str,
        origin: Instant,
        done: &Arc<AtomicBool>,
        acknowledged: &Arc<AtomicUsize>,
    ) -> Vec<tokio::task::JoinHandle<anyhow::Result<Vec<Timed>>>> {
        (0..CLIENTS)
            .map(|_| {
                let (address, done, acknowledged) =
                    (address.to_owned(), done.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::builder()
                        .timeout(Duration::from_secs(20))
                        .build()?;
                    let mut rounds = Vec::new();
                    while !done.load(Ordering::SeqCst) && rounds.len() < 2_000 {
                        let sent = origin.elapsed();
                        let round = round(&client, &address).await;
                        if let Round::Submitted(Attempt {
                            outcome: Outcome::Acknowledged(_),
                            ..
                        }) = &round
                        {
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        rounds.push(Timed {
                            sent,
                            answered: origin.elapsed(),
                            round,
                        });
                    }
                    anyhow::Ok(rounds)
                })
            })
            .collect()
    }

    /// Waits until `done()` or fails after `limit`.
    async fn until(
        what: &str,
        limit: Duration,
        mut done: impl FnMut() -> bool,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        while !done() {
            anyhow::ensure!(started.elapsed() < limit, "{what}: not within {limit:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(started.elapsed())
    }

    async fn readiness(client: &reqwest::Client, admin: &str) -> anyhow::Result<u16> {
        Ok(client
            .get(format!("{admin}/readyz"))
            .send()
            .await?
            .status()
            .as_u16())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgresql_stopped_under_load_gets_503_with_retry_after_quickly_and_the_collector_recovers_without_a_restart()
    -> anyhow::Result<()> {
        require_backend(Backend::Postgres);
        let server = PrivatePostgres::start_new()?;
        let mut admin = diesel::PgConnection::establish(&server.url("postgres"))?;
        diesel::sql_query("CREATE DATABASE voce").execute(&mut admin)?;
        drop(admin);
        let site = Site::prepare_on(tempfile::tempdir()?, server.url("voce"))?;
        let mut collector = site
            .collector("collector")?
            .with_env("VOCE_DATABASE_TIMEOUT_MS", "1000");
        collector.serve().await?;
        let pid = collector.pid()?;
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        assert_eq!(readiness(&probe, &collector.admin_address()).await?, 200);

        let origin = Instant::now();
        let (done, acknowledged) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let clients = load(&collector.address(), origin, &done, &acknowledged);
        let ack = acknowledged.clone();
        until(
            "30 acknowledged before the outage",
            Duration::from_secs(20),
            || ack.load(Ordering::SeqCst) >= 30,
        )
        .await?;

        // Stop the server under load; keep it down a few seconds.
        let stop_begun = origin.elapsed();
        let server = tokio::task::spawn_blocking(move || server.stop().map(|()| server)).await??;
        let stop_done = origin.elapsed();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let ready_during = readiness(&probe, &collector.admin_address()).await?;
        let restart_begun = origin.elapsed();
        let server = tokio::task::spawn_blocking(move || server.start().map(|()| server)).await??;
        let restarted = origin.elapsed();
        let before = acknowledged.load(Ordering::SeqCst);
        let ack = acknowledged.clone();
        let recovered_in = until(
            "a submission acknowledged after the restart",
            Duration::from_secs(20),
            || ack.load(Ordering::SeqCst) >= before + 20,
        )
        .await?;
        done.store(true, Ordering::SeqCst);
        let mut rounds = Vec::new();
        for client in clients {
            rounds.extend(
                tokio::time::timeout(Duration::from_secs(30), client)
                    .await
                    .context("a client did not finish within 30 s")???,
            );
        }
        // Readiness is cached for a second: it turns back within a few.
        let admin_address = collector.admin_address();
        let mut ready_after = readiness(&probe, &admin_address).await?;
        let polled = Instant::now();
        while ready_after != 200 && polled.elapsed() < Duration::from_secs(3) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ready_after = readiness(&probe, &admin_address).await?;
        }

        // Never a 2xx without a commit: nothing sent once the server was down is acknowledged
        // before it came back, and every acknowledged response is stored under its ticket.
        let mut attempts = Vec::new();
        let mut first_refusal = None;
        for timed in &rounds {
            anyhow::ensure!(
                timed.answered - timed.sent < ANSWER_WITHIN,
                "a round took {:?}",
                timed.answered - timed.sent
            );
            match &timed.round {
                Round::Submitted(attempt) => {
                    match &attempt.outcome {
                        Outcome::Acknowledged(_) => anyhow::ensure!(
                            !(timed.sent > stop_done && timed.answered < restart_begun),
                            "a submission sent with the server stopped was acknowledged"
                        ),
                        Outcome::Unavailable if timed.answered > stop_begun => {
                            first_refusal = first_refusal
                                .map_or(Some(timed.answered), |f: Duration| {
                                    Some(f.min(timed.answered))
                                });
                        }
                        Outcome::Unavailable => {}
                        Outcome::ConnectionError(e) => {
                            anyhow::bail!("a connection failed: {e}\n{}", collector.log())
                        }
                        Outcome::Unexpected(e) => anyhow::bail!("a submission got {e}"),
                    }
                    attempts.push(attempt);
                }
                // Forms need no database: they are served through the outage.
                Round::NoForm(outcome) => anyhow::bail!("a form request got {outcome:?}"),
            }
        }
        let first_refusal = first_refusal.context("no 503 during the outage")?;
        assert!(
            first_refusal < stop_done + ANSWER_WITHIN,
            "the first 503 came {:?} after the stop ended",
            first_refusal.saturating_sub(stop_done)
        );
        let refused = attempts
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Unavailable))
            .count();
        assert_eq!(ready_during, 503, "/readyz while the server was stopped");
        assert_eq!(ready_after, 200, "/readyz after the restart");
        let stored = site.stored()?;
        let mut acknowledged_tickets = 0;
        for attempt in &attempts {
            if let Outcome::Acknowledged(id) = &attempt.outcome {
                acknowledged_tickets += 1;
                assert_eq!(
                    stored.get(id).map(String::as_str),
                    claims_of(&attempt.ticket)?["jti"].as_str(),
                    "acknowledged response {id} is not stored under its ticket"
                );
            }
        }
        // The refused ones may be sent again, now that the server is back, and are stored once.
        let client = reqwest::Client::new();
        for attempt in &attempts {
            if matches!(attempt.outcome, Outcome::Unavailable) {
                let status = submit(&client, &collector.address(), &attempt.ticket)
                    .await?
                    .status()
                    .as_u16();
                assert!(status == 201 || status == 200, "a retry got {status}");
            }
        }
        let stored = site.stored()?;
        assert_eq!(stored.len(), acknowledged_tickets + refused);
        assert!(collector.is_running(), "{}", collector.log());
        assert_eq!(collector.pid()?, pid, "the same process throughout");
        eprintln!(
            "outage: stop took {:?}, first 503 {:?} after the stop began, {refused} refused, \
             recovered {recovered_in:?} after the restart (which took {:?})",
            stop_done - stop_begun,
            first_refusal.saturating_sub(stop_begun),
            restarted - restart_begun
        );
        drop(server);
        Ok(())
    }
}
