//! The collector's settings, in layers: defaults in code, then an optional TOML file (`--config`
//! or `VOCE_CONFIG`), then `VOCE_*` environment variables. Everything is validated at start-up,
//! and every error names the variable (or file field) to fix. Settings are passed to the server by
//! value; nothing is global.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ipnet::IpNet;
use serde::Deserialize;

use crate::domain::{DatabaseUrl, redact_url};

/// Whether the collector runs for development or in production.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Local development: a missing ticket key is generated.
    #[default]
    Development,
    /// Production: a missing ticket key stops the start-up.
    Production,
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" => Ok(Environment::Development),
            "production" => Ok(Environment::Production),
            other => Err(format!(
                "{other:?} is not an environment; expected development or production"
            )),
        }
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "{other:?} is not a log format; expected text or json"
            )),
        }
    }
}

/// Every setting of the collector.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port of the public listener: the API and the widget (`VOCE_BIND`).
    pub bind: String,
    /// Address and port of the admin listener: `/metrics`, `/readyz`, `/healthz`
    /// (`VOCE_ADMIN_BIND`); keep it off the public network.
    pub admin_bind: String,
    /// Development or production (`VOCE_ENV`).
    pub environment: Environment,
    /// The database.
    pub database: DatabaseSettings,
    /// Directory of the ticket keys (`VOCE_KEYS_DIR`).
    pub keys_dir: PathBuf,
    /// Accept key files their group may read (`VOCE_KEYS_GROUP_READABLE`): only for a
    /// Kubernetes Secret mounted for a non-root pod, where the kubelet adds group read.
    pub keys_group_readable: bool,
    /// Seconds between reads of the key directory (`VOCE_KEYS_RELOAD_SECS`); also on `SIGHUP`.
    pub keys_reload_secs: u64,
    /// Seconds a newly seen key only verifies before it may sign (`VOCE_KEYS_SIGN_DELAY_SECS`):
    /// longer than the slowest replica's reload.
    pub keys_sign_delay_secs: u64,
    /// Directory of the built widget assets served under `/widget/v1/` (`VOCE_WIDGET_DIR`).
    pub widget_dir: PathBuf,
    /// Tickets.
    pub tickets: TicketSettings,
    /// Per-client rate limit.
    pub rate_limit: RateLimitSettings,
    /// Days a redacted free text is kept (`VOCE_FREE_TEXT_RETENTION_DAYS`).
    pub free_text_retention_days: u32,
    /// The disclosure threshold k (`VOCE_DISCLOSURE_K`): statistics cells with fewer answers are
    /// suppressed. Default 10, never below 5.
    pub disclosure_k: u64,
    /// Make the scheduled releases in `serve` (`VOCE_RELEASE_SCHEDULE`, default `true`): a
    /// month's provisional release on its 5th working day, a quarter's final release on the 5th
    /// working day of its second month after, each public at 11:00 in Rome.
    pub release_schedule: bool,
    /// Seconds between checks for a registry import by any collector
    /// (`VOCE_REGISTRY_REFRESH_SECS`); the in-memory registry is reloaded when one happened.
    pub registry_refresh_secs: u64,
    /// Most responses committed in one transaction (`VOCE_WRITE_BATCH_MAX_ROWS`).
    pub write_batch_max_rows: usize,
    /// Longest wait, in ms, for more responses after the first of a batch
    /// (`VOCE_WRITE_BATCH_MAX_WAIT_MS`).
    pub write_batch_max_wait_ms: u64,
    /// Most responses waiting to be written; beyond, `503` at once (`VOCE_WRITE_QUEUE`).
    pub write_queue: usize,
    /// Writer threads on PostgreSQL, each with its own connection (`VOCE_POSTGRES_WRITERS`): one
    /// commits while the next gathers and inserts its batch. SQLite has one write lock, so one
    /// writer.
    pub postgres_writers: usize,
    /// Interval, in ms, at which in-memory counts are written (`VOCE_COUNTS_FLUSH_MS`): at most
    /// this much of the counts is lost on a crash, never a response.
    pub counts_flush_ms: u64,
    /// Log format (`VOCE_LOG_FORMAT`); the level comes from `RUST_LOG`.
    pub log_format: LogFormat,
    /// Longest time, in ms, a client may take to send a request's headers, and again its body
    /// (`VOCE_CLIENT_REQUEST_TIMEOUT_MS`); a slower client gets 408 and its connection is closed.
    pub client_request_timeout_ms: u64,
    /// Directory of the keys that sign operator tokens (`VOCE_OPERATOR_KEYS_DIR`); by default
    /// `operator/` inside the ticket key directory. Separate from the ticket keys: a ticket key
    /// can never make an operator token.
    pub operator_keys_dir: Option<PathBuf>,
    /// Directory of the keys that turn stored response ids into the ids exports show
    /// (`VOCE_EXPORT_KEYS_DIR`); by default `export/` inside the ticket key directory.
    pub export_keys_dir: Option<PathBuf>,
    /// Days a raw response is kept (`VOCE_RAW_RESPONSE_RETENTION_DAYS`); unset keeps them. Must
    /// be longer than the free-text retention. Rollups are never purged.
    pub raw_response_retention_days: Option<u32>,
    /// The collector's public base URL as citizens reach it (`VOCE_PUBLIC_URL`, scheme and host,
    /// no path): the hosted page's links and QR codes point there, and its origin is the origin
    /// of the hosted page's tickets.
    pub public_url: String,
}

/// Database settings.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` or a SQLite file path (`VOCE_DATABASE_URL`); refused at start-up when the
    /// build lacks that backend's cargo feature (`postgres`, `sqlite`).
    pub url: String,
    /// Most pooled connections (`VOCE_DATABASE_POOL_SIZE`).
    pub pool_size: u32,
    /// Longest wait for a pooled connection, in ms, before a 503 (`VOCE_DATABASE_TIMEOUT_MS`).
    pub timeout_ms: u64,
    /// SQLite busy timeout in ms (`VOCE_SQLITE_BUSY_TIMEOUT_MS`).
    pub sqlite_busy_timeout_ms: u32,
    /// SQLite page cache of the writer's connection, in MiB (`VOCE_SQLITE_WRITER_CACHE_MIB`): the
    /// indexes it inserts into stay in memory instead of being read back from the file.
    pub sqlite_writer_cache_mib: u32,
    /// SQLite WAL pages after which a commit copies the log into the database
    /// (`VOCE_SQLITE_WAL_AUTOCHECKPOINT`; SQLite's own default is 1000): fewer, larger checkpoints
    /// write a page changed by many commits once.
    pub sqlite_wal_autocheckpoint: u32,
}

impl fmt::Debug for DatabaseSettings {
    // The URL may hold a password: show it redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("timeout_ms", &self.timeout_ms)
            .field("sqlite_busy_timeout_ms", &self.sqlite_busy_timeout_ms)
            .field("sqlite_writer_cache_mib", &self.sqlite_writer_cache_mib)
            .field("sqlite_wal_autocheckpoint", &self.sqlite_wal_autocheckpoint)
            .finish()
    }
}

/// Ticket settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketSettings {
    /// The `iss` and `aud` of tickets (`VOCE_TICKET_ISSUER`).
    pub issuer: String,
    /// Lifetime of a ticket in seconds (`VOCE_TICKET_TTL_SECS`).
    pub ttl_secs: u64,
    /// Clock leeway in seconds for `exp` and `nbf` (`VOCE_TICKET_LEEWAY_SECS`).
    pub leeway_secs: u64,
}

/// Rate-limit settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests a client may make at once (`VOCE_RATE_LIMIT_BURST`).
    pub burst: u32,
    /// Sustained requests per minute per client (`VOCE_RATE_LIMIT_PER_MINUTE`).
    pub per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed (`VOCE_TRUSTED_PROXIES`, comma-separated
    /// addresses or CIDR ranges such as `10.0.0.0/8`).
    #[serde(deserialize_with = "deserialize_proxies")]
    pub trusted_proxies: Vec<IpNet>,
    /// Most clients tracked at once (`VOCE_RATE_LIMIT_MAX_CLIENTS`).
    pub max_clients: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            admin_bind: "127.0.0.1:9090".into(),
            environment: Environment::Development,
            database: DatabaseSettings::default(),
            keys_dir: PathBuf::from("./data/keys"),
            keys_group_readable: false,
            keys_reload_secs: 30,
            keys_sign_delay_secs: 120,
            widget_dir: PathBuf::from("target/widget"),
            tickets: TicketSettings::default(),
            rate_limit: RateLimitSettings::default(),
            free_text_retention_days: 365,
            disclosure_k: 10,
            release_schedule: true,
            registry_refresh_secs: 2,
            write_batch_max_rows: 512,
            write_batch_max_wait_ms: 0,
            write_queue: 8192,
            postgres_writers: 2,
            counts_flush_ms: 1000,
            log_format: LogFormat::Text,
            client_request_timeout_ms: 10_000,
            operator_keys_dir: None,
            export_keys_dir: None,
            raw_response_retention_days: None,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "./data/voce.db".into(),
            pool_size: 8,
            timeout_ms: 2000,
            sqlite_busy_timeout_ms: 2000,
            sqlite_writer_cache_mib: 64,
            sqlite_wal_autocheckpoint: 4000,
        }
    }
}

impl Default for TicketSettings {
    fn default() -> Self {
        TicketSettings {
            issuer: "voce-collector".into(),
            ttl_secs: 2 * 60 * 60,
            leeway_secs: 5,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            burst: 30,
            per_minute: 60,
            trusted_proxies: Vec::new(),
            max_clients: 100_000,
        }
    }
}

/// A setting that cannot be used, naming the variable or file field to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable or `file: field` at fault.
    pub variable: String,
    /// What is wrong.
    pub message: String,
}

fn config_error(variable: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        message: message.into(),
    }
}

/// A trusted proxy: an address (`10.0.0.1`) or a CIDR range (`10.0.0.0/8`).
fn parse_proxy(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|e| format!("{s:?} is not an IP address or CIDR range: {e}"))
}

/// `trusted_proxies` in the settings file: addresses or CIDR ranges, as in the variable.
fn deserialize_proxies<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    let raw = Vec::<String>::deserialize(d)?;
    raw.iter()
        .map(|s| parse_proxy(s.trim()).map_err(serde::de::Error::custom))
        .collect()
}

fn socket_address(variable: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|e| {
        config_error(
            variable,
            format!("{value:?} is not an address:port such as 127.0.0.1:8080: {e}"),
        )
    })
}

impl Settings {
    /// Loads the settings from the process environment, with the file named by `file` or
    /// `VOCE_CONFIG`.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_from(file, |name| std::env::var(name).ok())
    }

    /// Loads the settings with `env` as the environment (tests pass a map).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env("VOCE_CONFIG").map(PathBuf::from));
        let mut settings = match &file {
            None => Settings::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    config_error(
                        "VOCE_CONFIG",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                toml::from_str(&text).map_err(|e| {
                    config_error(&path.display().to_string(), e.to_string().trim().to_owned())
                })?
            }
        };
        settings.apply_env(&env)?;
        settings.validate()?;
        Ok(settings)
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: FromStr>(
            env: &impl Fn(&str) -> Option<String>,
            name: &str,
            target: &mut T,
        ) -> Result<(), ConfigError>
        where
            T::Err: fmt::Display,
        {
            if let Some(raw) = env(name) {
                *target = raw
                    .trim()
                    .parse()
                    .map_err(|e| config_error(name, format!("cannot use {raw:?}: {e}")))?;
            }
            Ok(())
        }
        parsed(env, "VOCE_BIND", &mut self.bind)?;
        parsed(env, "VOCE_ADMIN_BIND", &mut self.admin_bind)?;
        parsed(env, "VOCE_ENV", &mut self.environment)?;
        parsed(env, "VOCE_DATABASE_URL", &mut self.database.url)?;
        parsed(env, "VOCE_DATABASE_POOL_SIZE", &mut self.database.pool_size)?;
        parsed(
            env,
            "VOCE_DATABASE_TIMEOUT_MS",
            &mut self.database.timeout_ms,
        )?;
        parsed(
            env,
            "VOCE_SQLITE_BUSY_TIMEOUT_MS",
            &mut self.database.sqlite_busy_timeout_ms,
        )?;
        parsed(
            env,
            "VOCE_SQLITE_WRITER_CACHE_MIB",
            &mut self.database.sqlite_writer_cache_mib,
        )?;
        parsed(
            env,
            "VOCE_SQLITE_WAL_AUTOCHECKPOINT",
            &mut self.database.sqlite_wal_autocheckpoint,
        )?;
        parsed(env, "VOCE_KEYS_DIR", &mut self.keys_dir)?;
        parsed(
            env,
            "VOCE_KEYS_GROUP_READABLE",
            &mut self.keys_group_readable,
        )?;
        parsed(env, "VOCE_KEYS_RELOAD_SECS", &mut self.keys_reload_secs)?;
        parsed(
            env,
            "VOCE_KEYS_SIGN_DELAY_SECS",
            &mut self.keys_sign_delay_secs,
        )?;
        parsed(env, "VOCE_WIDGET_DIR", &mut self.widget_dir)?;
        parsed(env, "VOCE_TICKET_ISSUER", &mut self.tickets.issuer)?;
        parsed(env, "VOCE_TICKET_TTL_SECS", &mut self.tickets.ttl_secs)?;
        parsed(
            env,
            "VOCE_TICKET_LEEWAY_SECS",
            &mut self.tickets.leeway_secs,
        )?;
        parsed(env, "VOCE_RATE_LIMIT_BURST", &mut self.rate_limit.burst)?;
        parsed(
            env,
            "VOCE_RATE_LIMIT_PER_MINUTE",
            &mut self.rate_limit.per_minute,
        )?;
        parsed(
            env,
            "VOCE_RATE_LIMIT_MAX_CLIENTS",
            &mut self.rate_limit.max_clients,
        )?;
        if let Some(raw) = env("VOCE_TRUSTED_PROXIES") {
            self.rate_limit.trusted_proxies = raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse_proxy(s).map_err(|e| config_error("VOCE_TRUSTED_PROXIES", e)))
                .collect::<Result<_, _>>()?;
        }
        parsed(
            env,
            "VOCE_FREE_TEXT_RETENTION_DAYS",
            &mut self.free_text_retention_days,
        )?;
        parsed(env, "VOCE_DISCLOSURE_K", &mut self.disclosure_k)?;
        parsed(env, "VOCE_RELEASE_SCHEDULE", &mut self.release_schedule)?;
        parsed(
            env,
            "VOCE_REGISTRY_REFRESH_SECS",
            &mut self.registry_refresh_secs,
        )?;
        parsed(
            env,
            "VOCE_WRITE_BATCH_MAX_ROWS",
            &mut self.write_batch_max_rows,
        )?;
        parsed(
            env,
            "VOCE_WRITE_BATCH_MAX_WAIT_MS",
            &mut self.write_batch_max_wait_ms,
        )?;
        parsed(env, "VOCE_WRITE_QUEUE", &mut self.write_queue)?;
        parsed(env, "VOCE_POSTGRES_WRITERS", &mut self.postgres_writers)?;
        parsed(env, "VOCE_COUNTS_FLUSH_MS", &mut self.counts_flush_ms)?;
        parsed(env, "VOCE_LOG_FORMAT", &mut self.log_format)?;
        parsed(
            env,
            "VOCE_CLIENT_REQUEST_TIMEOUT_MS",
            &mut self.client_request_timeout_ms,
        )?;
        for (name, target) in [
            ("VOCE_OPERATOR_KEYS_DIR", &mut self.operator_keys_dir),
            ("VOCE_EXPORT_KEYS_DIR", &mut self.export_keys_dir),
        ] {
            if let Some(raw) = env(name).filter(|v| !v.trim().is_empty()) {
                *target = Some(PathBuf::from(raw.trim()));
            }
        }
        if let Some(raw) = env("VOCE_RAW_RESPONSE_RETENTION_DAYS") {
            self.raw_response_retention_days = match raw.trim() {
                "" | "none" => None,
                days => Some(days.parse().map_err(|e| {
                    config_error(
                        "VOCE_RAW_RESPONSE_RETENTION_DAYS",
                        format!("cannot use {raw:?}: {e}"),
                    )
                })?),
            };
        }
        parsed(env, "VOCE_PUBLIC_URL", &mut self.public_url)?;
        Ok(())
    }

    /// The directory of the operator token keys.
    pub fn operator_keys_dir(&self) -> PathBuf {
        self.operator_keys_dir
            .clone()
            .unwrap_or_else(|| self.keys_dir.join("operator"))
    }

    /// The directory of the export keys.
    pub fn export_keys_dir(&self) -> PathBuf {
        self.export_keys_dir
            .clone()
            .unwrap_or_else(|| self.keys_dir.join("export"))
    }

    /// The origin of [`Settings::public_url`] (the URL without a trailing slash must be an
    /// origin: scheme, host and port only).
    pub fn public_origin(&self) -> Result<crate::domain::Origin, ConfigError> {
        crate::domain::Origin::parse(self.public_url.trim().trim_end_matches('/'))
            .map_err(|e| config_error("VOCE_PUBLIC_URL", e.0))
    }

    /// Checks every setting, naming the variable of the first one that cannot be used.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind_address()?;
        self.admin_bind_address()?;
        DatabaseUrl::parse(&self.database.url)
            .map_err(|e| config_error("VOCE_DATABASE_URL", e.0))?;
        self.public_origin()?;
        let checks: [(&str, bool, &str); 20] = [
            (
                "VOCE_SQLITE_WRITER_CACHE_MIB",
                (1..=4096).contains(&self.database.sqlite_writer_cache_mib),
                "must be from 1 to 4096",
            ),
            (
                "VOCE_SQLITE_WAL_AUTOCHECKPOINT",
                (100..=1_000_000).contains(&self.database.sqlite_wal_autocheckpoint),
                "must be from 100 to 1000000 pages",
            ),
            (
                "VOCE_DATABASE_POOL_SIZE",
                (1..=256).contains(&self.database.pool_size),
                "must be from 1 to 256",
            ),
            (
                "VOCE_DATABASE_TIMEOUT_MS",
                (1..=60_000).contains(&self.database.timeout_ms),
                "must be from 1 to 60000",
            ),
            (
                "VOCE_TICKET_TTL_SECS",
                (60..=86_400).contains(&self.tickets.ttl_secs),
                "must be from 60 to 86400",
            ),
            (
                "VOCE_TICKET_LEEWAY_SECS",
                self.tickets.leeway_secs <= 60,
                "must be at most 60",
            ),
            (
                "VOCE_TICKET_ISSUER",
                !self.tickets.issuer.trim().is_empty(),
                "must not be empty",
            ),
            (
                "VOCE_RATE_LIMIT_BURST",
                self.rate_limit.burst >= 1,
                "must be at least 1",
            ),
            (
                "VOCE_RATE_LIMIT_PER_MINUTE",
                self.rate_limit.per_minute >= 1,
                "must be at least 1",
            ),
            (
                "VOCE_FREE_TEXT_RETENTION_DAYS",
                (1..=3650).contains(&self.free_text_retention_days),
                "must be from 1 to 3650",
            ),
            (
                "VOCE_DISCLOSURE_K",
                self.disclosure_k >= 5,
                "must be at least 5 (smaller cells identify respondents)",
            ),
            (
                "VOCE_REGISTRY_REFRESH_SECS",
                self.registry_refresh_secs >= 1,
                "must be at least 1",
            ),
            (
                "VOCE_KEYS_RELOAD_SECS",
                (1..=86_400).contains(&self.keys_reload_secs),
                "must be from 1 to 86400",
            ),
            (
                "VOCE_KEYS_SIGN_DELAY_SECS",
                self.keys_sign_delay_secs <= 86_400,
                "must be at most 86400",
            ),
            (
                "VOCE_WRITE_BATCH_MAX_ROWS",
                (1..=10_000).contains(&self.write_batch_max_rows),
                "must be from 1 to 10000",
            ),
            (
                "VOCE_WRITE_BATCH_MAX_WAIT_MS",
                self.write_batch_max_wait_ms <= 1000,
                "must be at most 1000",
            ),
            (
                "VOCE_WRITE_QUEUE",
                (1..=1_000_000).contains(&self.write_queue),
                "must be from 1 to 1000000",
            ),
            (
                "VOCE_POSTGRES_WRITERS",
                (1..=16).contains(&self.postgres_writers),
                "must be from 1 to 16",
            ),
            (
                "VOCE_COUNTS_FLUSH_MS",
                (10..=3_600_000).contains(&self.counts_flush_ms),
                "must be from 10 to 3600000",
            ),
            (
                "VOCE_CLIENT_REQUEST_TIMEOUT_MS",
                (100..=60_000).contains(&self.client_request_timeout_ms),
                "must be from 100 to 60000",
            ),
        ];
        for (variable, ok, message) in checks {
            if !ok {
                return Err(config_error(variable, message));
            }
        }
        if let Some(raw) = self.raw_response_retention_days
            && (raw <= self.free_text_retention_days || raw > 36_500)
        {
            return Err(config_error(
                "VOCE_RAW_RESPONSE_RETENTION_DAYS",
                format!(
                    "must be longer than VOCE_FREE_TEXT_RETENTION_DAYS ({}) and at most 36500",
                    self.free_text_retention_days
                ),
            ));
        }
        if self.rate_limit.max_clients < 1 {
            return Err(config_error(
                "VOCE_RATE_LIMIT_MAX_CLIENTS",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The address of the public listener.
    pub fn bind_address(&self) -> Result<SocketAddr, ConfigError> {
        socket_address("VOCE_BIND", &self.bind)
    }

    /// The address of the admin listener.
    pub fn admin_bind_address(&self) -> Result<SocketAddr, ConfigError> {
        socket_address("VOCE_ADMIN_BIND", &self.admin_bind)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::load_from(None, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_listen_on_loopback_and_use_a_sqlite_file() -> Result<(), ConfigError> {
        let s = load(&[])?;
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "./data/voce.db");
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.tickets.ttl_secs, 7200);
        Ok(())
    }

    #[test]
    fn environment_variables_override_the_defaults() -> Result<(), ConfigError> {
        let s = load(&[
            ("VOCE_BIND", "0.0.0.0:9000"),
            ("VOCE_ENV", "production"),
            ("VOCE_TRUSTED_PROXIES", "10.0.0.1, ::1"),
        ])?;
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.environment, Environment::Production);
        assert_eq!(s.rate_limit.trusted_proxies.len(), 2);
        Ok(())
    }

    #[test]
    fn a_bad_value_is_reported_with_the_variable_that_holds_it() {
        for (var, value) in [
            ("VOCE_BIND", "localhost"),
            ("VOCE_ENV", "staging"),
            ("VOCE_DATABASE_URL", "mysql://x"),
            ("VOCE_DATABASE_POOL_SIZE", "0"),
            ("VOCE_TICKET_TTL_SECS", "many"),
            ("VOCE_TRUSTED_PROXIES", "not-an-ip"),
            ("VOCE_CLIENT_REQUEST_TIMEOUT_MS", "0"),
            ("VOCE_CLIENT_REQUEST_TIMEOUT_MS", "600000"),
        ] {
            let err = load(&[(var, value)]).err();
            assert_eq!(
                err.map(|e| e.variable),
                Some(var.to_owned()),
                "{var}={value}"
            );
        }
    }

    #[test]
    fn a_file_layer_sits_between_defaults_and_environment() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("voce.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:9100\"\n[database]\nurl = \"/tmp/x.db\"\n",
        )?;
        let s = Settings::load_from(Some(&path), |k| {
            (k == "VOCE_DATABASE_URL").then(|| "/tmp/y.db".to_owned())
        })?;
        assert_eq!(s.bind, "127.0.0.1:9100");
        assert_eq!(s.database.url, "/tmp/y.db");
        std::fs::write(&path, "bnid = \"x\"\n")?;
        let err = Settings::load_from(Some(&path), |_| None).err();
        assert!(err.is_some_and(|e| e.message.contains("bnid")));
        Ok(())
    }

    #[test]
    fn the_operators_example_settings_file_loads() -> anyhow::Result<()> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/voce-collector.toml");
        let s = Settings::load_from(Some(&path), |_| None)?;
        assert_eq!(s.admin_bind, "127.0.0.1:9090");
        assert!(!s.rate_limit.trusted_proxies.is_empty());
        Ok(())
    }

    #[test]
    fn trusted_proxies_in_a_file_take_addresses_and_ranges() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("voce.toml");
        std::fs::write(
            &path,
            "[rate_limit]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n",
        )?;
        let s = Settings::load_from(Some(&path), |_| None)?;
        let nets: Vec<String> = s
            .rate_limit
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        std::fs::write(&path, "[rate_limit]\ntrusted_proxies = [\"10.0.0.0/33\"]\n")?;
        let err = Settings::load_from(Some(&path), |_| None).err();
        assert!(err.is_some_and(|e| e.message.contains("10.0.0.0/33")));
        Ok(())
    }
}
