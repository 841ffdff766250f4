//! Where the database is: `VOCE_DATABASE_URL`, parsed once into the backend it names (refused
//! when this build does not have that backend: the cargo features `sqlite` and `postgres`), and a
//! form of any URL that is safe to log.

use std::fmt;
use std::path::PathBuf;

use super::ParseError;

/// Where the database is, from `VOCE_DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (a plain path, or `sqlite://path`).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl DatabaseUrl {
    /// Picks the backend from the URL scheme; refuses a backend this build does not have.
    pub fn parse(url: &str) -> Result<DatabaseUrl, ParseError> {
        let url = url.trim();
        let parsed = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            DatabaseUrl::Sqlite(PathBuf::from(path))
        } else if url.contains("://") {
            return Err(ParseError(format!(
                "{} uses an unsupported scheme; use postgres://… or a SQLite file path",
                redact_url(url)
            )));
        } else if url.is_empty() {
            return Err(ParseError("the database URL is empty".into()));
        } else {
            DatabaseUrl::Sqlite(PathBuf::from(url))
        };
        parsed.built_with(url, cfg!(feature = "sqlite"), cfg!(feature = "postgres"))?;
        Ok(parsed)
    }

    /// Whether a build with these backends has this one; if not, the feature to build it with.
    fn built_with(&self, url: &str, sqlite: bool, postgres: bool) -> Result<(), ParseError> {
        let (compiled, feature) = match self {
            DatabaseUrl::Sqlite(_) => (sqlite, "sqlite"),
            DatabaseUrl::Postgres(_) => (postgres, "postgres"),
        };
        if compiled {
            Ok(())
        } else {
            Err(ParseError(format!(
                "{} names {}, but this voce-collector was built without it; build it with \
                 `cargo build --release -p voce-collector --features {feature}`",
                redact_url(url),
                self.backend()
            )))
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

/// Shows the URL with its passwords masked, never the secret.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            DatabaseUrl::Postgres(url) => write!(f, "Postgres({})", redact_url(url)),
        }
    }
}

/// Query parameters that carry a secret in libpq connection URLs.
const SECRET_PARAMETERS: [&str; 3] = ["password", "sslpassword", "passfile"];

/// `url` with every password replaced by `***` — the one in `user:password@` and any
/// `password=`-like query parameter — safe to log.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &base[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &base[..scheme + 3], &base[at..]),
                None => base.to_owned(),
            }
        }
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _))
                    if SECRET_PARAMETERS.contains(&key.to_ascii_lowercase().as_str()) =>
                {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(feature = "sqlite", feature = "postgres"))]
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
    fn a_postgres_url_is_refused_by_a_build_without_postgres_naming_the_feature() {
        let url = "postgres://u:secret@h/db";
        let postgres = DatabaseUrl::Postgres(url.into());
        let error = postgres
            .built_with(url, true, false)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(
            error.contains("built without it") && error.contains("--features postgres"),
            "{error}"
        );
        assert!(!error.contains("secret"), "{error}");
        assert!(postgres.built_with(url, false, true).is_ok());
        let sqlite = DatabaseUrl::Sqlite("voce.db".into());
        assert!(sqlite.built_with("voce.db", false, true).is_err());
        assert_eq!(
            DatabaseUrl::parse(url).is_ok(),
            cfg!(feature = "postgres"),
            "this build parses a PostgreSQL URL exactly when it has PostgreSQL"
        );
    }

    #[test]
    fn passwords_are_redacted_from_urls_wherever_they_are() {
        assert_eq!(
            redact_url("postgres://postgres:voce@127.0.0.1:5432/db"),
            "postgres://postgres:***@127.0.0.1:5432/db"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?sslmode=require&password=hunter2&Password=x"),
            "postgres://u@h/db?sslmode=require&password=***&Password=***"
        );
        assert_eq!(
            redact_url("postgres://u:a@b@h/db?password=s"),
            "postgres://u:***@h/db?password=***"
        );
        assert_eq!(redact_url("./data/voce.db"), "./data/voce.db");
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn the_debug_form_never_shows_the_password() {
        let url = DatabaseUrl::parse("postgres://u:secret@h/db?password=other")
            .unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{url:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("other"),
            "{shown}"
        );
    }
}
