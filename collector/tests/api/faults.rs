//! The "Faults" cases that a single process can stage: an exhausted pool and a busy SQLite
//! database get a quick 503 with `Retry-After`, never a 2xx without a commit, and the service
//! recovers by itself.

use crate::helpers::*;

#[tokio::test]
async fn submit_returns_503_when_the_pool_is_exhausted_and_recovers() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.database.pool_size = 2;
        s.database.timeout_ms = 300;
    })
    .await?;
    let ticket = app.ticket().await?;
    let held = (app.conn()?, app.conn()?);
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

    use crate::helpers::*;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }

    /// Reads one setting through a pooled connection of the server's own pool.
    fn read(app: &TestApp, sqlite: &str, postgres: &str) -> anyhow::Result<String> {
        let mut conn = app.conn()?;
        let sql = match &mut *conn {
            voce_collector::db::DbConnection::Sqlite(_) => sqlite,
            voce_collector::db::DbConnection::Postgresql(_) => postgres,
        };
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
        match backend() {
            Backend::Sqlite => {
                // synchronous: 2 = FULL, 3 = EXTRA; both fsync the WAL at every commit.
                let sync = read(
                    &app,
                    "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous",
                    "",
                )?;
                assert!(sync == "2" || sync == "3", "PRAGMA synchronous = {sync}");
                let mode = read(
                    &app,
                    "SELECT journal_mode AS value FROM pragma_journal_mode",
                    "",
                )?;
                assert_eq!(mode, "wal");
            }
            Backend::Postgres => {
                let sync = read(
                    &app,
                    "",
                    "SELECT current_setting('synchronous_commit') AS value",
                )?;
                assert_eq!(sync, "on");
            }
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
