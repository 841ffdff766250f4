//! Builds the HTTP server: loads the catalog and the ticket keys, opens the database pool,
//! applies the migrations, loads the registry's origins for CORS, and wires the routes.
//! [`Application::build`] binds the listener first, so tests can ask for port 0 and read the
//! port back.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use voce_shared::Catalog;

use crate::auth::keys;
use crate::auth::operator::OperatorAuth;
use crate::auth::rotation::RotatingKeys;
use crate::configuration::{Environment, Settings};
use crate::counts::DailyCounts;
use crate::db::{self, DbError, Pool};
use crate::error::ApiError;
use crate::export::ids::ExportKeys;
use crate::housekeeping;
use crate::ingest::writer::{BatchSettings, Writer};
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::registry::cache::RegistryCache;
use crate::routes;
use crate::state::AppState;

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    admin_port: u16,
    server: Server,
    admin: Server,
    pool: Pool,
    writer_pool: Pool,
    counts: Arc<DailyCounts>,
}

/// The national catalog, or a start-up error.
pub fn catalog() -> anyhow::Result<&'static Catalog> {
    Catalog::national()
        .map_err(|e| anyhow::anyhow!("the embedded questionnaire catalog is broken: {e}"))
}

/// Opens the pool, applies the migrations and records the catalog's questionnaire versions.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = db::build_pool(&settings.database)?;
    let mut conn = pool.get().with_context(|| {
        format!(
            "VOCE_DATABASE_URL: cannot connect to {}",
            crate::domain::redact_url(&settings.database.url)
        )
    })?;
    let applied = db::run_migrations(&mut conn)?;
    for name in &applied {
        tracing::info!(migration = %name, "applied migration");
    }
    let added = db::questionnaires::sync_catalog(&mut conn, catalog()?)
        .context("cannot record the catalog's questionnaire versions")?;
    if added > 0 {
        tracing::info!(added, "recorded questionnaire versions");
    }
    Ok(pool)
}

/// Loads the ticket keys; with none, generates one in development and refuses in production.
/// They are read again on `SIGHUP` and every `VOCE_KEYS_RELOAD_SECS` ([`RotatingKeys`]).
pub fn load_keyring(settings: &Settings) -> anyhow::Result<RotatingKeys> {
    let dir = &settings.keys_dir;
    let mut loaded = keys::load_dir(
        dir,
        keys::KeyFileMode::allowing_group_read(settings.keys_group_readable),
    )
    .map_err(|e| anyhow::anyhow!("VOCE_KEYS_DIR: {e}"))?;
    if loaded.is_empty() {
        match settings.environment {
            Environment::Production => anyhow::bail!(
                "VOCE_KEYS_DIR: no ticket key in {}; create one with `voce-collector keys generate` \
                 (production never generates keys by itself)",
                dir.display()
            ),
            Environment::Development => {
                let (key, path) =
                    keys::generate(dir).map_err(|e| anyhow::anyhow!("VOCE_KEYS_DIR: {e}"))?;
                tracing::warn!(
                    kid = %key.kid,
                    file = %path.display(),
                    "no ticket key found: generated one (development only)"
                );
                loaded.push(key);
            }
        }
    }
    let keys = RotatingKeys::new(
        dir.clone(),
        keys::KeyFileMode::allowing_group_read(settings.keys_group_readable),
        settings.tickets.clone(),
        Duration::from_secs(settings.keys_sign_delay_secs),
        &loaded,
    );
    tracing::info!(
        keys = loaded.len(),
        signing_kid = keys.keyring().signing_kid().unwrap_or_default(),
        "ticket keys loaded"
    );
    Ok(keys)
}

/// Loads the operator and export keys; with none, generates them in development and, in
/// production, warns: operator routes answer 401 (and raw responses 503) until keys are added
/// with `voce-collector keys generate --for operator|export` (read again every
/// `VOCE_KEYS_RELOAD_SECS`).
pub fn load_access_keys(settings: &Settings) -> anyhow::Result<(OperatorAuth, ExportKeys)> {
    let mode = keys::KeyFileMode::allowing_group_read(settings.keys_group_readable);
    let (operator_dir, export_dir) = (settings.operator_keys_dir(), settings.export_keys_dir());
    ensure_key(
        settings,
        "VOCE_OPERATOR_KEYS_DIR",
        &operator_dir,
        "operator",
    )?;
    ensure_key(settings, "VOCE_EXPORT_KEYS_DIR", &export_dir, "export")?;
    let operators = OperatorAuth::load(operator_dir, mode)
        .map_err(|e| anyhow::anyhow!("VOCE_OPERATOR_KEYS_DIR: {e}"))?;
    let export_keys = ExportKeys::load(export_dir, mode)
        .map_err(|e| anyhow::anyhow!("VOCE_EXPORT_KEYS_DIR: {e}"))?;
    Ok((operators, export_keys))
}

/// Generates a key in `dir` when it has none, in development; warns in production.
fn ensure_key(
    settings: &Settings,
    variable: &str,
    dir: &std::path::Path,
    kind: &str,
) -> anyhow::Result<()> {
    let mode = keys::KeyFileMode::allowing_group_read(settings.keys_group_readable);
    let found = keys::load_dir(dir, mode).map_err(|e| anyhow::anyhow!("{variable}: {e}"))?;
    if !found.is_empty() {
        return Ok(());
    }
    match settings.environment {
        Environment::Production => tracing::warn!(
            dir = %dir.display(),
            "no {kind} key: create one with `voce-collector keys generate --for {kind}`"
        ),
        Environment::Development => {
            let (key, path) =
                keys::generate(dir).map_err(|e| anyhow::anyhow!("{variable}: {e}"))?;
            tracing::warn!(
                kid = %key.kid,
                file = %path.display(),
                "no {kind} key found: generated one (development only)"
            );
        }
    }
    Ok(())
}

/// Reads the key directory again on every `SIGHUP` (`systemctl reload`), on the server's runtime.
fn reload_keys_on_sighup(keys: Arc<RotatingKeys>) {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::hangup()) {
        Ok(mut hangups) => {
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    match keys.reload() {
                        Ok(()) => tracing::info!("ticket keys read again after SIGHUP"),
                        Err(e) => tracing::warn!(error = %e, "cannot read the ticket keys"),
                    }
                }
            });
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; keys reload on the timer only")
        }
    }
}

/// The admin listener: metrics, readiness and liveness, for the operator's network only.
fn admin_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> anyhow::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .configure(|cfg| routes::configure(cfg, routes::Listener::Admin))
    })
    .workers(1)
    .shutdown_timeout(5)
    .listen(listener)?
    .run())
}

impl Application {
    /// Builds the server from validated settings: keys, database, migrations, origins, routes.
    pub fn build(settings: Settings) -> anyhow::Result<Application> {
        let address = settings.bind_address()?;
        let catalog = catalog()?;
        let keys = Arc::new(load_keyring(&settings)?);
        let pool = prepare_database(&settings)?;
        if !settings.widget_dir.is_dir() {
            tracing::warn!(
                dir = %settings.widget_dir.display(),
                "VOCE_WIDGET_DIR does not exist: /widget/v1/ answers 404 until the widget is built"
            );
        }
        let registry = Arc::new(
            pool.get()
                .map_err(DbError::from)
                .and_then(|mut conn| RegistryCache::load(&mut conn, catalog))
                .context("cannot load the registry")?,
        );
        let counts = Arc::new(DailyCounts::default());
        let (operators, export_keys) = load_access_keys(&settings)?;
        let (operators, export_keys) = (Arc::new(operators), Arc::new(export_keys));
        pool.get()
            .map_err(DbError::from)
            .and_then(|mut conn| operators.refresh(&mut conn))
            .context("cannot read the operator tokens")?;
        housekeeping::spawn(
            pool.clone(),
            Arc::downgrade(&registry),
            keys.clone(),
            counts.clone(),
            housekeeping::Intervals {
                counts: Duration::from_millis(settings.counts_flush_ms),
                registry: Duration::from_secs(settings.registry_refresh_secs),
                keys: Duration::from_secs(settings.keys_reload_secs),
            },
            housekeeping::Access {
                operators: operators.clone(),
                export_keys: export_keys.clone(),
                retention: crate::retention::Retention::from_settings(&settings),
                release_k: settings
                    .release_schedule
                    .then(|| crate::stats::disclosure::Threshold::new(settings.disclosure_k).ok())
                    .flatten(),
                catalog,
            },
        );
        let listener = TcpListener::bind(address)
            .with_context(|| format!("VOCE_BIND: cannot listen on {address}"))?;
        let port = listener.local_addr()?.port();
        let admin_address = settings.admin_bind_address()?;
        let admin_listener = TcpListener::bind(admin_address)
            .with_context(|| format!("VOCE_ADMIN_BIND: cannot listen on {admin_address}"))?;
        let admin_port = admin_listener.local_addr()?.port();
        let request_timeout = Duration::from_millis(settings.client_request_timeout_ms);
        let metrics = web::Data::new(Metrics::default());
        let limiter = web::Data::new(RateLimiter::new(settings.rate_limit.clone()));
        let writers = match crate::domain::DatabaseUrl::parse(&settings.database.url) {
            Ok(crate::domain::DatabaseUrl::Postgres(_)) => settings.postgres_writers,
            _ => 1,
        };
        let writer_pool =
            db::build_writer_pool(&settings.database, u32::try_from(writers).unwrap_or(1))?;
        let writer = Writer::spawn(
            writer_pool.clone(),
            counts.clone(),
            metrics.clone(),
            BatchSettings {
                max_rows: settings.write_batch_max_rows,
                max_wait: Duration::from_millis(settings.write_batch_max_wait_ms),
                queue: settings.write_queue,
                writers,
            },
        )
        .context("cannot start the writer thread")?;
        let state = web::Data::new(AppState {
            db: db::Database::new(pool.clone(), metrics.clone()),
            keys: keys.clone(),
            catalog,
            registry,
            counts: counts.clone(),
            writer,
            metrics: metrics.clone(),
            settings,
            readiness: Default::default(),
            honeypot: Default::default(),
            operators,
            export_keys,
            closed_periods: Arc::default(),
        });
        let (state_for_admin, metrics_for_admin) = (state.clone(), metrics.clone());
        let server = HttpServer::new(move || {
            let registry = state.registry.clone();
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(limiter.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::Malformed(format!("the query string is not acceptable: {e}")).into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound("Not found.".into()).into()),
                )
                .wrap(from_fn(crate::metrics::track_requests))
                .configure(|cfg| routes::configure(cfg, routes::Listener::Public(registry)))
        })
        .client_request_timeout(request_timeout)
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        let admin = admin_server(admin_listener, state_for_admin, metrics_for_admin)?;
        reload_keys_on_sighup(keys);
        Ok(Application {
            port,
            admin_port,
            server,
            admin,
            pool,
            writer_pool,
            counts,
        })
    }

    /// The port of the public listener.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the admin listener.
    pub fn admin_port(&self) -> u16 {
        self.admin_port
    }

    /// The counts waiting for the next flush (tests flush them at once).
    pub fn counts(&self) -> Arc<DailyCounts> {
        self.counts.clone()
    }

    /// The database pool the server uses (tests inspect and exhaust it).
    pub fn pool(&self) -> Pool {
        self.pool.clone()
    }

    /// The writer's own pool of one connection (tests hold it to make the writer wait).
    pub fn writer_pool(&self) -> Pool {
        self.writer_pool.clone()
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM stop it gracefully: requests
    /// in flight finish, then the counts are written).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (served, admin) = futures_util::future::join(self.server, self.admin).await;
        housekeeping::flush_counts(&self.pool, &self.counts);
        served.and(admin)
    }
}
