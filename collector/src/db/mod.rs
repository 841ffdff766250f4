//! Storage with diesel 2: one connection type for SQLite (bundled, the default) and PostgreSQL,
//! chosen from the URL, one portable [`schema`], and per-backend migrations with identical names,
//! embedded in the binary and applied by `migrate` and at start-up.
//!
//! Error policy: the query modules return [`DbError`]; [`DbError::is_transient`] tells the HTTP
//! layer which failures are worth a retry (503) and which are bugs (500).

pub mod counters;
pub mod questionnaires;
pub mod registry;
pub mod responses;
pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::result::DatabaseErrorKind;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::configuration::DatabaseSettings;
use crate::domain::ParseError;

/// The SQLite migrations.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL migrations (same names as the SQLite ones).
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

mod connection {
    //! The connection enum. Its derive generates public helper types (the backend enum and its
    //! bind collector) that carry no documentation of their own.
    #![allow(missing_docs)]

    use diesel::{PgConnection, SqliteConnection};

    /// A connection to either backend.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// An embedded SQLite database file.
        Sqlite(SqliteConnection),
        /// A PostgreSQL server.
        Postgresql(PgConnection),
    }
}

pub use connection::DbConnection;

/// Runs `$body` with `$c` bound to the concrete connection of either backend, so that queries the
/// backends spell differently (upserts) are type-checked for each one.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}

/// The pool of connections.
pub type Pool = r2d2::Pool<DbManager>;

/// Where the database is, from `VOCE_DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (a plain path, or `sqlite://path`).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// Picks the backend from the URL scheme.
    pub fn parse(url: &str) -> Result<DatabaseUrl, ParseError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if url.contains("://") {
            Err(ParseError(format!(
                "{} uses an unsupported scheme; use postgres://… or a SQLite file path",
                redact_url(url)
            )))
        } else if url.is_empty() {
            Err(ParseError("the database URL is empty".into()))
        } else {
            Ok(DatabaseUrl::Sqlite(PathBuf::from(url)))
        }
    }

    /// The name of the backend, for logs.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgresql",
        }
    }
}

/// `url` with any password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens connections of the backend named by the URL (never guessing: a PostgreSQL URL is never
/// opened as a SQLite file name).
#[derive(Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                SqliteConnection::establish(&path.to_string_lossy()).map(DbConnection::Sqlite)
            }
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgresql)
            }
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

/// Sets the per-connection SQLite pragmas: WAL, a busy timeout, foreign keys.
#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout_ms: u32,
}

impl CustomizeConnection<DbConnection, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                self.busy_timeout_ms
            ))
            .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Builds the pool without connecting yet; creates the directory of a SQLite file.
pub fn build_pool(settings: &DatabaseSettings) -> anyhow::Result<Pool> {
    let url =
        DatabaseUrl::parse(&settings.url).map_err(|e| anyhow::anyhow!("VOCE_DATABASE_URL: {e}"))?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("VOCE_DATABASE_URL: cannot create {}: {e}", dir.display())
        })?;
    }
    Ok(r2d2::Pool::builder()
        .max_size(settings.pool_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_millis(settings.timeout_ms))
        .connection_customizer(Box::new(SqlitePragmas {
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
        }))
        .build_unchecked(DbManager { url }))
}

/// Applies the pending migrations of the connection's backend, returning their names.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        DbConnection::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    applied.map_err(|e| anyhow::anyhow!("cannot apply the migrations: {e}"))
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool in time.
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Stored data that this version of the collector cannot read.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl DbError {
    /// Whether the failure is the database being unavailable or overloaded (worth a retry), not a
    /// bug.
    pub fn is_transient(&self) -> bool {
        match self {
            DbError::Pool(_) => true,
            DbError::Query(diesel::result::Error::DatabaseError(kind, info)) => {
                let message = info.message().to_ascii_lowercase();
                matches!(
                    kind,
                    DatabaseErrorKind::ClosedConnection
                        | DatabaseErrorKind::UnableToSendCommand
                        | DatabaseErrorKind::SerializationFailure
                ) || message.contains("locked")
                    || message.contains("busy")
                    || message.contains("disk")
                    || message.contains("terminating connection")
                    || message.contains("server closed")
            }
            DbError::Query(diesel::result::Error::BrokenTransactionManager) => true,
            DbError::Query(_) | DbError::Corrupt(_) => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_chosen_from_the_scheme() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("./data/voce.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///tmp/v.db"),
            Ok(DatabaseUrl::Sqlite(p)) if p == std::path::Path::new("/tmp/v.db")
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://postgres:voce@127.0.0.1:5432/db"),
            "postgres://postgres:***@127.0.0.1:5432/db"
        );
        assert_eq!(redact_url("./data/voce.db"), "./data/voce.db");
    }
}
