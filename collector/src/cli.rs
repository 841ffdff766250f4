//! The command line: `serve`, `migrate`, `check-config`, `keys generate`, `registry import|check`,
//! `responses count` (used by the acceptance walk to see what is stored), `rollups rebuild` and
//! `seed-demo`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::auth::keys;
use crate::configuration::Settings;
use crate::domain::redact_url;
use crate::startup::{self, Application};
use crate::{db, registry, telemetry};

/// The Voce collector.
#[derive(Debug, Parser)]
#[command(name = "voce-collector", version, about)]
pub struct Cli {
    /// A TOML settings file (also `VOCE_CONFIG`); `VOCE_*` variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the HTTP server (applies pending migrations first).
    Serve,
    /// Applies pending database migrations and exits.
    Migrate,
    /// Validates the settings and the ticket keys, and prints the settings (without secrets).
    CheckConfig,
    /// Writes a consistent copy of the SQLite database to DEST while the collector serves.
    Backup {
        /// The file to write (must not exist).
        dest: PathBuf,
    },
    /// Asks the running collector's admin listener whether it is ready (`GET /readyz` on
    /// `VOCE_ADMIN_BIND`); exits 0 when it answers 200 within 2 s. For container health checks.
    Healthcheck,
    /// Ticket keys.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The registry of bodies and services.
    Registry {
        /// What to do with the registry.
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Stored responses.
    Responses {
        /// What to do with responses.
        #[command(subcommand)]
        command: ResponsesCommand,
    },
    /// The rollups that statistics are computed from.
    Rollups {
        /// What to do with the rollups.
        #[command(subcommand)]
        command: RollupsCommand,
    },
    /// Stores N reproducible, realistic demo responses for the services of the imported registry
    /// (through the same validation, redaction and writer transaction as live responses).
    SeedDemo {
        /// How many responses.
        #[arg(long)]
        responses: u64,
        /// The generator's seed: the same seed gives the same responses.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The last day of the year seeded (`YYYY-MM-DD`; default today, UTC).
        #[arg(long)]
        until: Option<String>,
    },
}

/// `rollups …`
#[derive(Debug, Subcommand)]
pub enum RollupsCommand {
    /// Recomputes every rollup from the stored responses (and the monthly ticket counters from
    /// the daily ones), in one transaction.
    Rebuild,
}

/// `keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Adds a new 256-bit key to the key directory; it signs from the next start.
    Generate,
}

/// `registry …`
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Imports a registry file (insert or update; importing twice changes nothing).
    Import {
        /// The TOML file.
        file: PathBuf,
    },
    /// Checks a registry file without writing anything.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
}

/// `responses …`
#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Prints the number of stored responses.
    Count {
        /// Only those of this service.
        #[arg(long)]
        service: Option<String>,
    },
    /// Prints the stored responses as JSON Lines, oldest first, each with its answers and its
    /// redacted free texts.
    Export {
        /// Only those of this service.
        #[arg(long)]
        service: Option<String>,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = || Settings::load(cli.config.as_deref()).context("invalid configuration");
    match cli.command {
        Command::Serve => {
            let settings = settings()?;
            telemetry::init(settings.log_format);
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings)?;
                tracing::info!(
                    port = app.port(),
                    admin_port = app.admin_port(),
                    "voce-collector listening"
                );
                app.run_until_stopped().await?;
                Ok(())
            })
        }
        Command::Migrate => {
            let settings = settings()?;
            telemetry::init(settings.log_format);
            startup::prepare_database(&settings)?;
            println!(
                "database {} is up to date",
                redact_url(&settings.database.url)
            );
            Ok(())
        }
        Command::Backup { dest } => {
            let settings = settings()?;
            anyhow::ensure!(!dest.exists(), "{} exists; name a new file", dest.display());
            let pool = db::build_pool(&settings.database)?;
            let mut conn = pool.get().context("cannot open the database")?;
            db::backup(&mut conn, &dest)?;
            println!(
                "backed up {} to {}",
                redact_url(&settings.database.url),
                dest.display()
            );
            Ok(())
        }
        Command::Healthcheck => healthcheck(&settings()?),
        Command::CheckConfig => {
            let settings = settings()?;
            let keys = keys::load_dir(
                &settings.keys_dir,
                keys::KeyFileMode::allowing_group_read(settings.keys_group_readable),
            )
            .map_err(|e| anyhow::anyhow!("VOCE_KEYS_DIR: {e}"))?;
            if keys.is_empty()
                && settings.environment == crate::configuration::Environment::Production
            {
                anyhow::bail!(
                    "VOCE_KEYS_DIR: no ticket key in {}; create one with `voce-collector keys generate`",
                    settings.keys_dir.display()
                );
            }
            println!("{settings:#?}");
            println!("ticket keys: {}", keys.len());
            println!("configuration OK");
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Generate,
        } => {
            let settings = settings()?;
            let (key, path) = keys::generate(&settings.keys_dir)
                .map_err(|e| anyhow::anyhow!("VOCE_KEYS_DIR: {e}"))?;
            println!("new ticket key {} in {}", key.kid, path.display());
            println!("it signs new tickets from the next start; older keys keep verifying");
            Ok(())
        }
        Command::Registry { command } => run_registry(command, settings),
        Command::Rollups {
            command: RollupsCommand::Rebuild,
        } => {
            let settings = settings()?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let done = crate::stats::rollups::rebuild(&mut conn, startup::catalog()?)?;
            println!(
                "rebuilt the rollups from {} responses: {} rows in {:.1} s",
                done.responses,
                done.rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::SeedDemo {
            responses,
            seed,
            until,
        } => seed_demo(&settings()?, responses, seed, until.as_deref()),
        Command::Responses { command } => {
            let settings = settings()?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            match command {
                ResponsesCommand::Count { service } => {
                    println!("{}", db::responses::count(&mut conn, service.as_deref())?);
                }
                ResponsesCommand::Export { service } => {
                    let mut out = std::io::stdout().lock();
                    for (response, free_texts) in
                        db::responses::list(&mut conn, service.as_deref())?
                    {
                        let mut line = serde_json::to_value(&response)?;
                        line["answers"] = serde_json::from_str(&response.answers)?;
                        line["free_texts"] = serde_json::to_value(&free_texts)?;
                        writeln!(out, "{line}")?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// `seed-demo`: seeds, flushes the counts, prints what it did.
fn seed_demo(
    settings: &Settings,
    responses: u64,
    seed: u64,
    until: Option<&str>,
) -> anyhow::Result<()> {
    use crate::ingest::seed;
    let until = match until {
        Some(text) => time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("--until {text:?}: expected YYYY-MM-DD"))?,
        None => seed::today(),
    };
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let catalog = startup::catalog()?;
    let snapshot = registry::cache::Snapshot::read(&mut conn, catalog)?;
    let counts = crate::counts::DailyCounts::default();
    let started = std::time::Instant::now();
    let seeded = seed::seed(
        &mut conn,
        catalog,
        &snapshot,
        &counts,
        seed::SeedOptions {
            responses,
            seed,
            until,
        },
        settings.free_text_retention_days,
    )?;
    counts.flush(&mut conn)?;
    println!(
        "seeded {} responses (seed {seed}) for {} services over the year to {} in {:.1} s",
        seeded.stored,
        seeded.services,
        seed::day_text(until),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read_registry(file: &Path) -> anyhow::Result<registry::Registry> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    registry::check(&text, startup::catalog()?).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{} has {} problem(s):\n  {}",
            file.display(),
            errors.len(),
            lines.join("\n  ")
        )
    })
}

fn run_registry(
    command: RegistryCommand,
    settings: impl Fn() -> anyhow::Result<Settings>,
) -> anyhow::Result<()> {
    match command {
        RegistryCommand::Check { file } => {
            let r = read_registry(&file)?;
            println!(
                "{}: {} bodies, {} services: OK",
                file.display(),
                r.bodies.len(),
                r.services.len()
            );
            Ok(())
        }
        RegistryCommand::Import { file } => {
            let r = read_registry(&file)?;
            let settings = settings()?;
            telemetry::init(settings.log_format);
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let summary = registry::import(&mut conn, &r)?;
            println!(
                "imported {}: {} bodies, {} services",
                file.display(),
                summary.bodies,
                summary.services
            );
            Ok(())
        }
    }
}

/// `GET /readyz` on the admin listener, over plain HTTP/1.0 (an unspecified address such as
/// `0.0.0.0` means this machine).
fn healthcheck(settings: &Settings) -> anyhow::Result<()> {
    use std::io::Read;
    let mut address = settings.admin_bind_address()?;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let limit = std::time::Duration::from_secs(2);
    let mut stream = std::net::TcpStream::connect_timeout(&address, limit)
        .with_context(|| format!("cannot connect to the admin listener at {address}"))?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(format!("GET /readyz HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())?;
    let mut reply = String::new();
    stream.take(4096).read_to_string(&mut reply)?;
    let status = reply.split_whitespace().nth(1).unwrap_or_default();
    anyhow::ensure!(
        status == "200",
        "not ready: {}",
        reply.lines().next().unwrap_or("no answer")
    );
    println!("ready");
    Ok(())
}
