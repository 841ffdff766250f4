//! The command line: `serve`, `migrate`, `check-config`, `keys generate`, `registry import|check`,
//! `responses count|export` (used by the acceptance walk to see what is stored; the export in the
//! API's public form unless `--full-record` is asked, and audited), `rollups rebuild`,
//! `token issue|revoke|list` (operator tokens), `audit` (the audit log), `purge` (retention,
//! now), `link` (the hosted page's URL for a channel), `attestation keygen` and `release
//! create|list|show|verify` (official releases): what an operator
//! runs. Demo data comes from `voce-seed` (the `voce-devtools` crate, `cargo xtask seed`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::audit::{self, Actor, AuditAction};
use crate::auth::keys;
use crate::auth::operator::{self, OperatorAuth, Role};
use crate::configuration::Settings;
use crate::domain::redact_url;
use crate::export::{self, ids::ExportKeys, responses::Selection};
use crate::startup::{self, Application};
use crate::{db, registry, retention, telemetry};

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
    /// Operator tokens: bearer tokens for the operator API and the dashboard.
    Token {
        /// What to do with tokens.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Prints the audit log as JSON Lines, newest first.
    Audit {
        /// Only this action (token-issued, token-revoked, registry-imported, exported, raw-read,
        /// audit-read, purged, release-created).
        #[arg(long)]
        action: Option<String>,
        /// Only this actor (a token id, or cli:<user>).
        #[arg(long)]
        actor: Option<String>,
        /// Only entries concerning this body (IPA code).
        #[arg(long)]
        body: Option<String>,
        /// From this day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Before this day (YYYY-MM-DD, exclusive).
        #[arg(long)]
        to: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Deletes now what is past its retention: free texts after VOCE_FREE_TEXT_RETENTION_DAYS,
    /// raw responses after VOCE_RAW_RESPONSE_RETENTION_DAYS (if set). `serve` does it daily.
    Purge,
    /// Prints the URL of a service's hosted page for a channel (from `VOCE_PUBLIC_URL`), to put
    /// in an e-mail, an SMS or on a poster.
    Link {
        /// The service id.
        service: String,
        /// `qr`, `email`, `sms` or `page`.
        #[arg(long, default_value = "page")]
        channel: String,
        /// The language the page opens in.
        #[arg(long, default_value = "it")]
        locale: String,
    },
    /// Completion attestations.
    Attestation {
        /// What to do.
        #[command(subcommand)]
        command: AttestationCommand,
    },
    /// Official releases: fixed, hashed snapshots of every published table of a period.
    Release {
        /// What to do.
        #[command(subcommand)]
        command: ReleaseCommand,
    },
}

/// `release …`
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Makes the release of a month (provisional; final with --final) or of a quarter (final):
    /// every table of `/v1/stats` for the period, protected over its linked tables and audited.
    /// Made again with the same data it changes nothing; with changed data it needs --reason
    /// and is stored as a revision of the latest release. Audited.
    Create {
        /// `2026-11` or `2026-Q3`.
        #[arg(long)]
        period: String,
        /// A final release (a quarter's always is).
        #[arg(long = "final")]
        final_: bool,
        /// Why a revision corrects the latest release of the period.
        #[arg(long)]
        reason: Option<String>,
        /// When it becomes public (RFC 3339); default 11:00 in Rome on its scheduled day.
        #[arg(long)]
        publish_at: Option<String>,
    },
    /// Lists the releases, newest period first.
    List,
    /// Prints a release: its row, and with --content the stored content.
    Show {
        /// The release id (`2026-11-p1`).
        id: String,
        /// Prints the stored content (the canonical JSON that is hashed).
        #[arg(long)]
        content: bool,
    },
    /// Recomputes a release's SHA-256 from its stored content; exits non-zero if it differs.
    Verify {
        /// The release id.
        id: String,
    },
}

/// `attestation …`
#[derive(Debug, Subcommand)]
pub enum AttestationCommand {
    /// Prints a new Ed25519 key pair: the private key (PKCS#8 PEM) for the body's signing
    /// server, and the registry snippet with the public key.
    Keygen {
        /// The key id (`kid`) attestations will name.
        #[arg(long)]
        kid: Option<String>,
        /// The IPA code of the body, for the comment of the snippet.
        #[arg(long)]
        body: Option<String>,
    },
}

/// `token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issues a token and prints it as the last line (signing with the newest operator key,
    /// which is created if there is none).
    Issue {
        /// national, body or analyst.
        #[arg(long)]
        role: Role,
        /// The body's IPA code (required for --role body).
        #[arg(long)]
        body: Option<String>,
        /// Lifetime: 30d, 12h, 90m or seconds; from 1 minute to 400 days.
        #[arg(long, default_value = "30d")]
        ttl: String,
    },
    /// Revokes a token by id; every collector refuses it within VOCE_REGISTRY_REFRESH_SECS.
    Revoke {
        /// The token id (`token list` shows them).
        id: String,
    },
    /// Lists the issued tokens (ids, roles, bodies, times; never the tokens), newest first.
    List,
}

/// The keys `keys generate` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyKind {
    /// Ticket keys (VOCE_KEYS_DIR).
    Tickets,
    /// Operator token keys (VOCE_OPERATOR_KEYS_DIR).
    Operator,
    /// Export keys (VOCE_EXPORT_KEYS_DIR).
    Export,
}

/// `rollups …`
#[derive(Debug, Subcommand)]
pub enum RollupsCommand {
    /// Recomputes every rollup from the stored responses (and the monthly ticket counters from
    /// the daily ones), in one transaction. Refused when raw responses are purged
    /// (`VOCE_RAW_RESPONSE_RETENTION_DAYS` set), since the figures of purged days would be lost,
    /// unless `--drop-purged-days` says that is meant.
    Rebuild {
        /// Rebuild even though raw responses are purged: the purged days' figures are lost.
        #[arg(long)]
        drop_purged_days: bool,
    },
}

/// `keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Adds a new 256-bit key to the key directory; it signs from the next start.
    Generate {
        /// Which keys: tickets (default), operator or export.
        #[arg(long = "for", value_enum, default_value_t = KeyKind::Tickets)]
        kind: KeyKind,
    },
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
    /// Prints the stored responses as JSON Lines in the form the API exports them
    /// (`GET /v1/responses`): a keyed response id (from the newest key of
    /// `VOCE_EXPORT_KEYS_DIR`), the service, its body, the day received (never the time), the
    /// questionnaire, locale, channel, `verified`, the answers and the redacted free texts;
    /// service by service in a random order that says nothing about time. Never the stored id,
    /// the ticket id or the time of day. Audited.
    Export {
        /// Only those of this service.
        #[arg(long)]
        service: Option<String>,
        /// Prints instead every stored column, oldest first: the stored response id, the ticket
        /// id and the millisecond received, which let whoever saw the visit (the host page)
        /// join it to its answers. For the operator's own checks only, never to hand on; the
        /// audit log records that a full record was printed.
        #[arg(long)]
        full_record: bool,
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
            command: KeysCommand::Generate { kind },
        } => {
            let settings = settings()?;
            let (variable, dir) = match kind {
                KeyKind::Tickets => ("VOCE_KEYS_DIR", settings.keys_dir.clone()),
                KeyKind::Operator => ("VOCE_OPERATOR_KEYS_DIR", settings.operator_keys_dir()),
                KeyKind::Export => ("VOCE_EXPORT_KEYS_DIR", settings.export_keys_dir()),
            };
            let (key, path) =
                keys::generate(&dir).map_err(|e| anyhow::anyhow!("{variable}: {e}"))?;
            match kind {
                KeyKind::Tickets => {
                    println!("new ticket key {} in {}", key.kid, path.display());
                    println!("it signs new tickets from the next start; older keys keep verifying");
                }
                KeyKind::Operator => {
                    println!("new operator key {} in {}", key.kid, path.display());
                    println!("it signs new operator tokens; older keys keep verifying");
                }
                KeyKind::Export => {
                    println!("new export key {} in {}", key.kid, path.display());
                    println!("exports show new response ids once the collectors read it");
                }
            }
            Ok(())
        }
        Command::Token { command } => run_token(command, &settings()?),
        Command::Release { command } => run_release(command, &settings()?),
        Command::Audit {
            action,
            actor,
            body,
            from,
            to,
            limit,
        } => {
            let settings = settings()?;
            if let Some(a) = &action {
                anyhow::ensure!(
                    AuditAction::parse(a).is_some(),
                    "--action {a:?}: not an action; expected one of {}",
                    AuditAction::ALL.map(AuditAction::as_str).join(", ")
                );
            }
            anyhow::ensure!((1..=100_000).contains(&limit), "--limit: from 1 to 100000");
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let filter = db::audit::AuditFilter {
                action,
                actor,
                body,
                from,
                to,
                before_id: None,
            };
            let mut out = std::io::stdout().lock();
            for row in db::audit::list(&mut conn, &filter, limit)? {
                writeln!(out, "{}", serde_json::to_string(&row)?)?;
            }
            Ok(())
        }
        Command::Purge => {
            let settings = settings()?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            let purged = retention::purge(
                &mut conn,
                retention::Retention::from_settings(&settings),
                time::OffsetDateTime::now_utc(),
                &Actor::command_line(),
            )?;
            println!(
                "purged {} free texts and {} raw responses",
                purged.free_texts, purged.responses
            );
            Ok(())
        }
        Command::Registry { command } => run_registry(command, settings),
        Command::Rollups {
            command: RollupsCommand::Rebuild { drop_purged_days },
        } => {
            let settings = settings()?;
            if let Some(days) = settings.raw_response_retention_days {
                anyhow::ensure!(
                    drop_purged_days,
                    "raw responses are purged after {days} days (VOCE_RAW_RESPONSE_RETENTION_DAYS): \
                     a rebuild recomputes the rollups from the responses still stored and would \
                     lose the figures of purged days; pass --drop-purged-days if that is meant"
                );
            }
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
        Command::Link {
            service,
            channel,
            locale,
        } => {
            let settings = settings()?;
            let channel = crate::domain::Channel::parse(&channel)
                .map_err(|e| anyhow::anyhow!("--channel: {}", e.0))?;
            anyhow::ensure!(
                channel != crate::domain::Channel::Widget,
                "--channel: the widget has no link; use page, qr, email or sms"
            );
            let service = crate::domain::ServiceId::parse(&service)
                .map_err(|e| anyhow::anyhow!("{}", e.0))?;
            let locale: voce_shared::Locale = locale
                .parse()
                .map_err(|_| anyhow::anyhow!("--locale: expected it, en, de, fr or sl"))?;
            println!(
                "{}",
                crate::hosted::links::hosted_url(
                    &settings.public_url,
                    service.as_str(),
                    locale,
                    channel
                )
            );
            Ok(())
        }
        Command::Attestation {
            command: AttestationCommand::Keygen { kid, body },
        } => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let key = crate::auth::attestations::generate_key();
            let kid = kid.unwrap_or_else(|| {
                format!(
                    "{}-{}",
                    body.as_deref().unwrap_or("key"),
                    crate::domain::day_of(time::OffsetDateTime::now_utc())
                )
            });
            // PKCS#8 v1 (the private key alone), which every OpenSSL reads.
            let pem = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| anyhow::anyhow!("cannot encode the private key: {e}"))?;
            println!("# The private key: keep it on the body's signing server only.");
            print!("{}", pem.as_str());
            println!();
            println!(
                "# The registry snippet: add it under the body{} and import the registry.",
                body.as_deref()
                    .map(|b| format!(" {b:?}"))
                    .unwrap_or_default()
            );
            println!("[[bodies.attestation_keys]]");
            println!("kid = {kid:?}");
            println!(
                "public_key = {:?}",
                crate::auth::attestations::encode_public_key(&key.verifying_key())
            );
            Ok(())
        }
        Command::Responses { command } => {
            let settings = settings()?;
            let pool = startup::prepare_database(&settings)?;
            let mut conn = pool.get()?;
            match command {
                ResponsesCommand::Count { service } => {
                    println!("{}", db::responses::count(&mut conn, service.as_deref())?);
                }
                ResponsesCommand::Export {
                    service,
                    full_record,
                } => export_responses(&settings, &mut conn, service.as_deref(), full_record)?,
            }
            Ok(())
        }
    }
}

/// `responses export`: the public form of [`export::responses::PublicResponse`] in the API's
/// order, or (`full_record`) every stored column, oldest first; audited either way before
/// anything is printed.
fn export_responses(
    settings: &Settings,
    conn: &mut db::DbConnection,
    service: Option<&str>,
    full_record: bool,
) -> anyhow::Result<()> {
    let services = db::bodies::services_of(conn, None)?;
    let body = service.and_then(|s| {
        services
            .iter()
            .find(|(id, _)| id == s)
            .map(|(_, body)| body.clone())
    });
    let service_words = service.unwrap_or("*");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if full_record {
        audit::record(
            conn,
            &Actor::command_line(),
            AuditAction::Exported,
            body.as_deref(),
            &format!(
                "responses export --full-record (JSON Lines, every stored column: stored ids, \
                 ticket ids, times received) service={service_words}"
            ),
        )?;
        for (response, free_texts) in db::responses::list(conn, service)? {
            let mut line = serde_json::to_value(&response)?;
            line["answers"] = serde_json::from_str(&response.answers)?;
            line["free_texts"] = serde_json::to_value(&free_texts)?;
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        return Ok(());
    }
    if let Some(s) = service {
        anyhow::ensure!(
            body.is_some(),
            "--service {s:?}: not in the registry (`--full-record` prints what is stored of a \
             service no longer in it)"
        );
    }
    let mode = keys::KeyFileMode::allowing_group_read(settings.keys_group_readable);
    let key = ExportKeys::load(settings.export_keys_dir(), mode)
        .map_err(|e| anyhow::anyhow!("VOCE_EXPORT_KEYS_DIR: {e}"))?
        .current()
        .map_err(|e| anyhow::anyhow!("VOCE_EXPORT_KEYS_DIR: {e}"))?;
    audit::record(
        conn,
        &Actor::command_line(),
        AuditAction::Exported,
        body.as_deref(),
        &format!("responses export (JSON Lines, keyed ids, days) service={service_words}"),
    )?;
    let selection = Selection {
        body: None,
        service: service.map(str::to_owned),
        from: None,
        before: None,
        free_texts: true,
    };
    let mut start = None;
    loop {
        let (page, next) = export::responses::read_page(
            conn,
            &selection,
            start.as_ref(),
            export::responses::EXPORT_CHUNK,
        )?;
        for response in &page {
            serde_json::to_writer(&mut out, &response.public(&key, true))?;
            writeln!(out)?;
        }
        match next {
            Some(position) => start = Some(position),
            None => break,
        }
    }
    out.flush()?;
    Ok(())
}

fn run_token(command: TokenCommand, settings: &Settings) -> anyhow::Result<()> {
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    match command {
        TokenCommand::Issue { role, body, ttl } => {
            let ttl = operator::parse_ttl(&ttl).map_err(|e| anyhow::anyhow!("--ttl: {e}"))?;
            let body = body
                .as_deref()
                .map(crate::domain::IpaCode::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--body: {e}"))?;
            let dir = settings.operator_keys_dir();
            let mode = keys::KeyFileMode::allowing_group_read(settings.keys_group_readable);
            if keys::load_dir(&dir, mode)
                .map_err(|e| anyhow::anyhow!("VOCE_OPERATOR_KEYS_DIR: {e}"))?
                .is_empty()
            {
                let (key, path) = keys::generate(&dir)
                    .map_err(|e| anyhow::anyhow!("VOCE_OPERATOR_KEYS_DIR: {e}"))?;
                eprintln!(
                    "no operator key yet: made {} in {}; collectors read it within \
                     VOCE_KEYS_RELOAD_SECS ({} s)",
                    key.kid,
                    path.display(),
                    settings.keys_reload_secs
                );
            }
            let auth = OperatorAuth::load(dir, mode)
                .map_err(|e| anyhow::anyhow!("VOCE_OPERATOR_KEYS_DIR: {e}"))?;
            let (token, claims) = operator::issue(
                &auth,
                &mut conn,
                &Actor::command_line(),
                role,
                body.as_ref(),
                ttl,
            )?;
            println!(
                "token {} role {}{} expires {} (revoke with `voce-collector token revoke {}`)",
                claims.jti,
                claims.role,
                claims
                    .body
                    .as_deref()
                    .map(|b| format!(" body {b}"))
                    .unwrap_or_default(),
                crate::domain::rfc3339(time::OffsetDateTime::from_unix_timestamp(claims.exp)?),
                claims.jti
            );
            println!("{token}");
        }
        TokenCommand::Revoke { id } => {
            if operator::revoke(&mut conn, &Actor::command_line(), &id)? {
                println!(
                    "revoked {id}; every collector refuses it within VOCE_REGISTRY_REFRESH_SECS \
                     ({} s)",
                    settings.registry_refresh_secs
                );
            } else {
                match db::operator_tokens::find(&mut conn, &id)? {
                    Some(_) => println!("{id} was already revoked"),
                    None => anyhow::bail!("no token {id}; `voce-collector token list` shows them"),
                }
            }
        }
        TokenCommand::List => {
            let mut out = std::io::stdout().lock();
            for row in db::operator_tokens::list(&mut conn)? {
                writeln!(out, "{}", serde_json::to_string(&row)?)?;
            }
        }
    }
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
            audit::record(
                &mut conn,
                &Actor::command_line(),
                AuditAction::RegistryImported,
                None,
                &format!(
                    "{}: {} bodies, {} services",
                    file.display(),
                    summary.bodies,
                    summary.services
                ),
            )?;
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

fn run_release(command: ReleaseCommand, settings: &Settings) -> anyhow::Result<()> {
    use crate::release::{self, Inputs, Outcome, Spec};
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let mut out = std::io::stdout().lock();
    match command {
        ReleaseCommand::Create {
            period,
            final_,
            reason,
            publish_at,
        } => {
            let spec = Spec::parse(&period, final_)?;
            let publish_at = publish_at
                .map(|t| {
                    time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                        .with_context(|| format!("--publish-at {t:?}: not an RFC 3339 time"))
                })
                .transpose()?;
            let catalog = startup::catalog()?;
            let registry = registry::cache::Snapshot::read(&mut conn, catalog)?;
            let k = crate::stats::disclosure::Threshold::new(settings.disclosure_k)
                .map_err(|e| anyhow::anyhow!("VOCE_DISCLOSURE_K: {e}"))?;
            let started = std::time::Instant::now();
            let made = release::create(
                &mut conn,
                &spec,
                &Inputs {
                    catalog,
                    registry: &registry,
                    k,
                    now: time::OffsetDateTime::now_utc(),
                    publish_at,
                    reason,
                    actor: Actor::command_line(),
                },
            )?;
            let what = match made.outcome {
                Outcome::Created => "created".to_owned(),
                Outcome::Unchanged => {
                    "unchanged (the figures are those of this release)".to_owned()
                }
                Outcome::Revised { changes } => format!(
                    "created, revising {} ({changes} observations changed)",
                    made.row.revises.as_deref().unwrap_or("")
                ),
            };
            writeln!(
                out,
                "release {} {what}: {} {}, public from {}, sha256 {}; {} cells, {} small, {} \
                 withheld as primary, {} as complementary, {} below the protection level ({:.1} s)",
                made.row.id,
                made.row.kind,
                made.row.period,
                made.row.publish_at,
                made.row.sha256,
                made.audit.cells,
                made.audit.small,
                made.audit.primary,
                made.audit.complementary,
                made.audit.below_level,
                started.elapsed().as_secs_f64()
            )?;
        }
        ReleaseCommand::List => {
            for r in db::releases::list(&mut conn)? {
                writeln!(
                    out,
                    "{}\t{}\t{}\tpublic from {}\tsha256 {}{}",
                    r.id,
                    r.kind,
                    r.period,
                    r.publish_at,
                    r.sha256,
                    r.revises
                        .map(|x| format!("\trevises {x}: {}", r.reason.unwrap_or_default()))
                        .unwrap_or_default()
                )?;
            }
        }
        ReleaseCommand::Show { id, content } => {
            let row = db::releases::find(&mut conn, &id)?
                .ok_or_else(|| anyhow::anyhow!("no release {id}"))?;
            if content {
                writeln!(out, "{}", row.content)?;
            } else {
                let changes: serde_json::Value = row
                    .changes
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or(serde_json::Value::Null);
                let shown = serde_json::json!({
                    "id": row.id,
                    "period": row.period,
                    "kind": row.kind,
                    "sequence": row.sequence,
                    "created_at": row.created_at,
                    "publish_at": row.publish_at,
                    "sha256": row.sha256,
                    "revises": row.revises,
                    "reason": row.reason,
                    "changes": changes,
                    "created_by": row.created_by,
                    "content_bytes": row.content.len(),
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&shown)?)?;
            }
        }
        ReleaseCommand::Verify { id } => {
            let verified = release::verify(&mut conn, &id)?;
            writeln!(
                out,
                "release {id} verified: sha256 {} over {} bytes, {} cells",
                verified.row.sha256,
                verified.row.content.len(),
                verified.content.cells.len()
            )?;
        }
    }
    Ok(())
}
