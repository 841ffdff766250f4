//! Storage with diesel 2: one connection type for SQLite (bundled, the default) and PostgreSQL,
//! chosen from the URL, one portable [`schema`], and per-backend migrations with identical names,
//! embedded in the binary and applied by `migrate` and at start-up. A backend is compiled in only
//! with its cargo feature (`sqlite`, `postgres`): the connection enum has a variant, and the
//! binary embeds migrations, for each backend built.
//!
//! Error policy: the query modules return [`DbError`]; [`DbError::is_transient`] tells the HTTP
//! layer which failures are worth a retry (503) and which are bugs (500).

pub mod attestation_keys;
pub mod audit;
pub mod bodies;
pub mod counters;
pub mod operator_tokens;
pub mod questionnaires;
pub mod releases;
pub mod responses;
pub mod rollups;
pub mod schema;
pub mod versions;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
#[cfg(feature = "postgres")]
use diesel::PgConnection;
#[cfg(feature = "sqlite")]
use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::result::DatabaseErrorKind;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::configuration::DatabaseSettings;
use crate::domain::DatabaseUrl;
use crate::metrics::Metrics;

/// The SQLite migrations.
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL migrations (same names as the SQLite ones).
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

mod connection {
    //! The connection enum. Its derive generates public helper types (the backend enum and its
    //! bind collector) that carry no documentation of their own.
    #![allow(missing_docs)]

    /// A connection to either backend (of those compiled in).
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// An embedded SQLite database file.
        #[cfg(feature = "sqlite")]
        Sqlite(diesel::SqliteConnection),
        /// A PostgreSQL server.
        #[cfg(feature = "postgres")]
        Postgresql(diesel::PgConnection),
    }
}

pub use connection::DbConnection;

impl DbConnection {
    /// Whether this is a PostgreSQL connection (where SQL must spell casts and locks its way).
    pub fn is_postgres(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            DbConnection::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            DbConnection::Postgresql(_) => true,
        }
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of either backend, so that queries the
/// backends spell differently (upserts) are type-checked for each one.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "sqlite")]
            $crate::db::DbConnection::Sqlite($c) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}

/// The pool of connections, counting checkouts: what the tests read to show that a request
/// path makes no database call. It dereferences to the r2d2 pool.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<DbManager>,
    checkouts: Arc<AtomicU64>,
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<DbManager>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Pool {
    /// How many times a connection was taken from the pool since it was built.
    pub fn checkouts(&self) -> u64 {
        self.checkouts.load(Ordering::Relaxed)
    }
}

/// The pool, used from async code: each call runs on the blocking thread pool with a pooled
/// connection, and its time is recorded.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    metrics: actix_web::web::Data<Metrics>,
}

impl Database {
    /// The pool behind `metrics`.
    pub fn new(pool: Pool, metrics: actix_web::web::Data<Metrics>) -> Database {
        Database { pool, metrics }
    }

    /// The pool itself, for blocking code.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        actix_web::web::block(move || {
            let start = std::time::Instant::now();
            let result = pool
                .get()
                .map_err(DbError::from)
                .and_then(|mut c| f(&mut c));
            metrics.record_db_latency(start.elapsed());
            result
        })
        .await
        .map_err(|e| DbError::Runtime(e.to_string()))?
    }
}

/// Opens connections of the backend named by the URL (never guessing: a PostgreSQL URL is never
/// opened as a SQLite file name).
#[derive(Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

/// Counts every checkout of the pool.
#[derive(Debug)]
struct CountCheckouts(Arc<AtomicU64>);

impl r2d2::HandleEvent for CountCheckouts {
    fn handle_checkout(&self, _: r2d2::event::CheckoutEvent) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => {
                SqliteConnection::establish(&path.to_string_lossy()).map(DbConnection::Sqlite)
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgresql)
            }
            // `DatabaseUrl::parse` refuses a backend that is not compiled in.
            #[allow(unreachable_patterns)]
            other => Err(diesel::ConnectionError::BadConnection(format!(
                "this build has no {} backend",
                other.backend()
            ))),
        }
        .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map(|_| ()).map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Makes every pooled connection durable: SQLite in WAL mode with `synchronous = FULL` (each
/// commit is fsynced before it returns, so an acknowledged response survives power loss), a busy
/// timeout, foreign keys, the WAL checkpoint interval and, on the writer's connection, a larger
/// page cache; PostgreSQL with `synchronous_commit = on` whatever the server's default.
#[derive(Debug)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
struct DurableConnections {
    busy_timeout_ms: u32,
    wal_autocheckpoint: u32,
    /// `PRAGMA cache_size` in KiB, when not SQLite's default.
    cache_kib: Option<u32>,
}

impl CustomizeConnection<DbConnection, r2d2::Error> for DurableConnections {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        match conn {
            #[cfg(feature = "sqlite")]
            DbConnection::Sqlite(c) => {
                let cache = self
                    .cache_kib
                    .map(|kib| format!(" PRAGMA cache_size = -{kib};"))
                    .unwrap_or_default();
                c.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA wal_autocheckpoint = {};{cache}",
                    self.busy_timeout_ms, self.wal_autocheckpoint
                ))
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgresql(c) => c.batch_execute("SET synchronous_commit = on;"),
        }
        .map_err(r2d2::Error::QueryError)
    }
}

/// Builds the pool without connecting yet; creates the directory of a SQLite file.
pub fn build_pool(settings: &DatabaseSettings) -> anyhow::Result<Pool> {
    build(settings, settings.pool_size, None)
}

/// Builds the writers' own pool: a connection per writer thread (replaced if it breaks), with a
/// page cache of `sqlite_writer_cache_mib` on SQLite, so the indexes it inserts into stay in
/// memory.
pub fn build_writer_pool(settings: &DatabaseSettings, writers: u32) -> anyhow::Result<Pool> {
    build(
        settings,
        writers.max(1),
        Some(settings.sqlite_writer_cache_mib.saturating_mul(1024)),
    )
}

fn build(settings: &DatabaseSettings, size: u32, cache_kib: Option<u32>) -> anyhow::Result<Pool> {
    let url =
        DatabaseUrl::parse(&settings.url).map_err(|e| anyhow::anyhow!("VOCE_DATABASE_URL: {e}"))?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("VOCE_DATABASE_URL: cannot create {}: {e}", dir.display())
        })?;
    }
    let checkouts = Arc::new(AtomicU64::new(0));
    let inner = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_millis(settings.timeout_ms))
        .connection_customizer(Box::new(DurableConnections {
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
            wal_autocheckpoint: settings.sqlite_wal_autocheckpoint,
            cache_kib,
        }))
        .event_handler(Box::new(CountCheckouts(checkouts.clone())))
        .build_unchecked(DbManager { url });
    Ok(Pool { inner, checkouts })
}

/// Writes a consistent copy of a SQLite database to `dest` while it serves (`VACUUM INTO`: one
/// read transaction, so the copy holds exactly the commits made before it began). `dest` must
/// not exist. PostgreSQL is backed up with its own tools (`pg_dump`, base backups).
pub fn backup(conn: &mut DbConnection, dest: &std::path::Path) -> Result<(), DbError> {
    #[cfg(not(feature = "sqlite"))]
    let _ = dest;
    match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => {
            let dest = dest.to_string_lossy().replace('\'', "''");
            c.batch_execute(&format!("VACUUM INTO '{dest}'"))?;
            Ok(())
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(_) => Err(DbError::Corrupt(
            "voce-collector backup copies SQLite databases; back up PostgreSQL with pg_dump or a \
             base backup (deploy/README.md, Backups)"
                .into(),
        )),
    }
}

/// A PostgreSQL advisory-lock key held while migrating ("voce" in ASCII), so that replicas and
/// the migration Job starting together apply each migration once.
#[cfg(feature = "postgres")]
const MIGRATION_LOCK: i64 = 0x766f_6365;

/// Applies the pending migrations of the connection's backend, returning their names. On
/// PostgreSQL the whole run holds an advisory lock: a second collector waits, then finds nothing
/// left to apply.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| anyhow::anyhow!("cannot take the migration lock: {e}"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .map_err(|e| anyhow::anyhow!("cannot release the migration lock: {e}"))?;
            applied
        }
    };
    applied.map_err(|e| anyhow::anyhow!("cannot apply the migrations: {e}"))
}

/// SQLite's primary result codes that mean "try again later", with their texts. Diesel passes on
/// only `sqlite3_errmsg`, which for these codes is exactly `sqlite3_errstr(code)`, so the whole
/// message is compared with the code's text — never a word searched for in it.
pub const SQLITE_TRANSIENT: [(i32, &str); 6] = [
    (5, "database is locked"), // SQLITE_BUSY: another connection holds the lock
    (6, "database table is locked"), // SQLITE_LOCKED: a conflict inside one connection
    (10, "disk I/O error"),    // SQLITE_IOERR: the disk failed this time
    (13, "database or disk is full"), // SQLITE_FULL: space may be freed
    (14, "unable to open database file"), // SQLITE_CANTOPEN: a directory or mount is missing
    (15, "locking protocol"),  // SQLITE_PROTOCOL: a WAL lock race
];

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool in time.
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// The blocking thread pool refused the work (the server is stopping).
    #[error("cannot run database work: {0}")]
    Runtime(String),
    /// Stored data that this version of the collector cannot read.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl DbError {
    /// Whether the failure is the database being unavailable or overloaded (worth a retry), not a
    /// bug: told by diesel's error kind (PostgreSQL's SQLSTATE, a broken connection) and, for
    /// SQLite, by the primary result code (see [`SQLITE_TRANSIENT`]).
    pub fn is_transient(&self) -> bool {
        match self {
            DbError::Pool(_) => true,
            DbError::Query(diesel::result::Error::DatabaseError(kind, info)) => match kind {
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::SerializationFailure => true,
                DatabaseErrorKind::Unknown => SQLITE_TRANSIENT
                    .iter()
                    .any(|(_, text)| info.message() == *text),
                _ => false,
            },
            DbError::Query(diesel::result::Error::BrokenTransactionManager) => true,
            DbError::Query(_) | DbError::Corrupt(_) | DbError::Runtime(_) => false,
        }
    }

    /// Whether the failure is a unique constraint refusing a second row with the same key.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;

    #[test]
    fn a_busy_sqlite_database_is_a_transient_failure() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("busy.db");
        let path = path.to_string_lossy();
        let mut holder = SqliteConnection::establish(&path)?;
        holder.batch_execute(
            "CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);",
        )?;
        let mut other = SqliteConnection::establish(&path)?;
        other.batch_execute("PRAGMA busy_timeout = 0;")?;
        let error = DbError::from(
            other
                .batch_execute("INSERT INTO t VALUES (2);")
                .expect_err("the table is locked by the other connection"),
        );
        assert!(error.is_transient(), "{error}");
        Ok(())
    }

    #[test]
    fn a_constraint_or_syntax_error_is_not_transient() -> anyhow::Result<()> {
        let mut conn = SqliteConnection::establish(":memory:")?;
        conn.batch_execute("CREATE TABLE t (x INTEGER UNIQUE); INSERT INTO t VALUES (1);")?;
        let unique = DbError::from(
            conn.batch_execute("INSERT INTO t VALUES (1);")
                .expect_err("a duplicate"),
        );
        assert!(unique.is_unique_violation() && !unique.is_transient());
        let syntax = DbError::from(conn.batch_execute("INSERT INTO").expect_err("bad SQL"));
        assert!(!syntax.is_transient(), "{syntax}");
        Ok(())
    }
}
