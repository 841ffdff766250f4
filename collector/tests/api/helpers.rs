//! `spawn_app()` and the small tools the tests share.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(feature = "postgres")]
use diesel::{Connection, PgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use voce_collector::auth::keys::{self, TicketKey};
use voce_collector::configuration::Settings;
use voce_collector::db::responses::{FreeTextRow, ResponseRow};
use voce_collector::db::{self, DbConnection, Pool};
use voce_collector::startup::{self, Application};

/// The origin of each pilot body's demo page.
pub const INPS_ORIGIN: &str = "http://127.0.0.1:8101";
/// INAIL's demo page.
pub const INAIL_ORIGIN: &str = "http://127.0.0.1:8102";
/// Roma Capitale's demo page.
pub const ROMA_ORIGIN: &str = "http://127.0.0.1:8103";
/// The origin no body registered.
pub const STRANGER_ORIGIN: &str = "http://127.0.0.1:8104";

/// A running collector.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The admin listener, `http://127.0.0.1:PORT`.
    pub admin_address: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The server's pool.
    pub pool: Pool,
    /// The writer's pool (one connection).
    pub writer_pool: Pool,
    /// The key that signs tickets.
    pub key: TicketKey,
    /// The settings it runs with.
    pub settings: Settings,
    /// The server's in-memory counts, written to the database by [`TestApp::flush_counts`] (and
    /// by the server every `counts_flush_ms`).
    pub counts: std::sync::Arc<voce_collector::counts::DailyCounts>,
    /// Whether this server made its database (a replica shares another's).
    owns_database: bool,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

impl Drop for TestApp {
    // A PostgreSQL test database is dropped with its test (FORCE closes the server's connections).
    fn drop(&mut self) {
        if self.owns_database {
            drop_test_database(&self.settings.database.url);
        }
    }
}

/// The database backend a test run is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file per test (the default).
    Sqlite,
    /// A fresh PostgreSQL database per test on the server of `VOCE_TEST_DATABASE_URL`.
    Postgres,
}

/// The backend of this run: PostgreSQL when `VOCE_TEST_DATABASE_URL` is set, else SQLite.
pub fn backend() -> Backend {
    if std::env::var_os("VOCE_TEST_DATABASE_URL").is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Fails the test unless this run is on `wanted`. A test for one backend lives in a module named
/// `sqlite_only` or `postgres_only`; `cargo xtask test` selects it for its backend's run and skips
/// it (`--skip`) in the other, so it never passes by not running.
pub fn require_backend(wanted: Backend) {
    let actual = backend();
    assert!(
        actual == wanted,
        "this test is for {wanted:?} but the run is on {actual:?}: run the `sqlite_only` tests \
         without VOCE_TEST_DATABASE_URL and the `postgres_only` tests with it (`cargo xtask test` \
         does both)"
    );
}

/// Drops a PostgreSQL database made by [`fresh_database_url`]; does nothing for any other URL.
pub fn drop_test_database(url: &str) {
    let (Ok(base), Some(name)) = (
        std::env::var("VOCE_TEST_DATABASE_URL"),
        url.rsplit('/')
            .next()
            .and_then(|n| n.split('?').next())
            .filter(|n| url.starts_with("postgres") && n.starts_with("voce_test_")),
    ) else {
        return;
    };
    #[cfg(feature = "postgres")]
    if let Ok(mut admin) = PgConnection::establish(&base) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
    #[cfg(not(feature = "postgres"))]
    let _ = (base, name);
}

/// A database URL for one test: a fresh PostgreSQL database when `VOCE_TEST_DATABASE_URL` is set,
/// else a SQLite file in `dir`.
pub fn fresh_database_url(dir: &Path) -> anyhow::Result<String> {
    let Ok(base) = std::env::var("VOCE_TEST_DATABASE_URL") else {
        return Ok(dir.join("voce.db").to_string_lossy().into_owned());
    };
    anyhow::ensure!(
        cfg!(feature = "postgres"),
        "VOCE_TEST_DATABASE_URL is set, but the tests were built without PostgreSQL: add \
         `--features postgres`"
    );
    let name = format!("voce_test_{}", uuid::Uuid::new_v4().simple());
    #[cfg(feature = "postgres")]
    {
        let mut admin = PgConnection::establish(&base).context("VOCE_TEST_DATABASE_URL")?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    }
    let (without_query, query) = match base.split_once('?') {
        Some((u, q)) => (u.to_owned(), format!("?{q}")),
        None => (base.clone(), String::new()),
    };
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let root = match without_query[scheme_end..].find('/') {
        Some(i) => &without_query[..scheme_end + i],
        None => without_query.as_str(),
    };
    Ok(format!("{root}/{name}{query}"))
}

/// Settings for a test server in `dir`: port 0, its own database, one key, a widget directory.
pub fn test_settings(dir: &Path) -> anyhow::Result<Settings> {
    base_settings(dir, fresh_database_url(dir)?)
}

/// Like [`test_settings`], always on a SQLite file: for start-up tests that never serve.
pub fn sqlite_settings(dir: &Path) -> anyhow::Result<Settings> {
    base_settings(dir, dir.join("voce.db").to_string_lossy().into_owned())
}

fn base_settings(dir: &Path, database_url: String) -> anyhow::Result<Settings> {
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        admin_bind: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    settings.database.url = database_url;
    settings.database.pool_size = 4;
    settings.keys_dir = dir.join("keys");
    settings.widget_dir = dir.join("widget");
    settings.rate_limit.burst = 100_000;
    settings.rate_limit.per_minute = 100_000;
    settings.registry_refresh_secs = 1;
    // Releases are made by the tests that are about them, with a clock they control.
    settings.release_schedule = false;
    std::fs::create_dir_all(&settings.widget_dir)?;
    for (name, content) in [
        ("voce.js", "import('./voce-app-0123abcd.js');\n"),
        ("voce-app-0123abcd.js", "export const app = 1;\n"),
        ("voce_widget-89abcdef.wasm", "\0asm"),
        ("manifest.json", "{\"loader\":\"voce.js\"}"),
    ] {
        std::fs::write(settings.widget_dir.join(name), content)?;
    }
    std::fs::write(dir.join("secret.js"), "outside the widget directory")?;
    keys::generate(&settings.keys_dir)?;
    Ok(settings)
}

/// A collector with the pilot registry imported.
pub async fn spawn_app() -> anyhow::Result<TestApp> {
    spawn_app_with(|_| {}).await
}

/// A collector with the pilot registry imported, its settings changed by `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> anyhow::Result<TestApp> {
    let dir = tempfile::tempdir()?;
    let mut settings = test_settings(dir.path())?;
    customize(&mut settings);
    let pool = startup::prepare_database(&settings)?;
    import_file(&pool, "pilot.toml")?;
    let key = keys::load_dir(
        &settings.keys_dir,
        voce_collector::auth::keys::KeyFileMode::allowing_group_read(settings.keys_group_readable),
    )?
    .pop()
    .context("the test key is missing")?;
    let app = Application::build(settings.clone())?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin_address = format!("http://127.0.0.1:{}", app.admin_port());
    let pool = app.pool();
    let writer_pool = app.writer_pool();
    let counts = app.counts();
    tokio::spawn(app.run_until_stopped());
    Ok(TestApp {
        address,
        admin_address,
        counts,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        pool,
        writer_pool,
        key,
        settings,
        owns_database: true,
        _dir: std::sync::Arc::new(dir),
    })
}

/// Imports `examples/registry/<name>`.
pub fn import_file(pool: &Pool, name: &str) -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/registry")
        .join(name);
    let catalog = startup::catalog()?;
    let registry = voce_collector::registry::check(&std::fs::read_to_string(path)?, catalog)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut conn = pool.get()?;
    voce_collector::registry::import(&mut conn, &registry)?;
    Ok(())
}

impl TestApp {
    /// A second collector in this process, on another port, sharing this one's database and key
    /// directory, as replicas behind a load balancer do (the replica tests proper run two
    /// processes: see `process.rs`).
    pub async fn replica(&self) -> anyhow::Result<TestApp> {
        let app = Application::build(self.settings.clone())?;
        let address = format!("http://127.0.0.1:{}", app.port());
        let admin_address = format!("http://127.0.0.1:{}", app.admin_port());
        let (pool, writer_pool, counts) = (app.pool(), app.writer_pool(), app.counts());
        tokio::spawn(app.run_until_stopped());
        Ok(TestApp {
            address,
            admin_address,
            client: self.client.clone(),
            pool,
            writer_pool,
            key: self.key.clone(),
            settings: self.settings.clone(),
            counts,
            owns_database: false,
            _dir: self._dir.clone(),
        })
    }

    /// The writer's connection: while it is held, the writer waits for it.
    pub fn writer_conn(&self) -> anyhow::Result<diesel::r2d2::PooledConnection<db::DbManager>> {
        Ok(self.writer_pool.get()?)
    }

    /// A pooled connection.
    pub fn conn(&self) -> anyhow::Result<diesel::r2d2::PooledConnection<db::DbManager>> {
        Ok(self.pool.get()?)
    }

    /// Number of stored responses.
    pub fn count_responses(&self) -> anyhow::Result<i64> {
        Ok(db::responses::count(&mut *self.conn()?, None)?)
    }

    /// Every stored response, oldest first.
    pub fn responses(&self) -> anyhow::Result<Vec<ResponseRow>> {
        let listed = db::responses::list(&mut *self.conn()?, None)?;
        Ok(listed.into_iter().map(|(response, _)| response).collect())
    }

    /// Every stored free text.
    pub fn free_texts(&self) -> anyhow::Result<Vec<FreeTextRow>> {
        let listed = db::responses::list(&mut *self.conn()?, None)?;
        Ok(listed.into_iter().flat_map(|(_, texts)| texts).collect())
    }

    /// Refusals counted for `reason`.
    pub fn rejections(&self, reason: &str) -> anyhow::Result<i64> {
        self.flush_counts()?;
        Ok(db::counters::rejections(&mut *self.conn()?, reason)?)
    }

    /// (tickets issued, responses stored) for a service.
    pub fn totals(&self, service: &str) -> anyhow::Result<(i64, i64)> {
        self.flush_counts()?;
        Ok(voce_devtools::totals::service_totals(
            &mut *self.conn()?,
            service,
        )?)
    }

    /// Writes the server's pending counts now, as its periodic flush does.
    pub fn flush_counts(&self) -> anyhow::Result<()> {
        self.counts.flush(&mut *self.conn()?)?;
        Ok(())
    }

    /// `GET /v1/forms/{service}` from `origin`.
    pub async fn get_form(
        &self,
        service: &str,
        origin: Option<&str>,
        query: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self
            .client
            .get(format!("{}/v1/forms/{service}{query}", self.address));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        Ok(request.send().await?)
    }

    /// A fresh ticket for a service, asked from `origin`.
    pub async fn ticket_from(&self, service: &str, origin: &str) -> anyhow::Result<String> {
        let response = self.get_form(service, Some(origin), "?locale=it").await?;
        anyhow::ensure!(response.status() == 200, "form: {}", response.status());
        let form: Value = response.json().await?;
        form["ticket"]
            .as_str()
            .map(str::to_owned)
            .context("the form has no ticket")
    }

    /// A fresh ticket for `inps-naspi` (facilita-servizio) from INPS's page.
    pub async fn ticket(&self) -> anyhow::Result<String> {
        self.ticket_from("inps-naspi", INPS_ORIGIN).await
    }

    /// `POST /v1/responses` with full control of the request.
    pub async fn post_raw(
        &self,
        ticket: Option<&str>,
        origin: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self
            .client
            .post(format!("{}/v1/responses", self.address))
            .body(body);
        if let Some(t) = ticket {
            request = request.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(o) = origin {
            request = request.header("Origin", o);
        }
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        Ok(request.send().await?)
    }

    /// `POST /v1/responses` of a JSON body from INPS's page.
    pub async fn submit(&self, ticket: &str, body: &Value) -> anyhow::Result<reqwest::Response> {
        self.post_raw(
            Some(ticket),
            Some(INPS_ORIGIN),
            Some("application/json"),
            serde_json::to_vec(body)?,
        )
        .await
    }

    /// Signs a token with the server's own key, with any header and claims.
    pub fn sign(&self, header: &Value, claims: &Value) -> anyhow::Result<String> {
        sign_hs256(header, claims, self.key.secret())
    }
}

/// A valid body: a rating of 4 and a positive follow-up.
pub fn valid_body() -> Value {
    json!({"answers": {"valutazione": 4, "aspetti-positivi": "indicazioni-chiare"}, "locale": "it"})
}

/// The claims inside a ticket (not verified).
pub fn claims_of(ticket: &str) -> anyhow::Result<Value> {
    let payload = ticket.split('.').nth(1).context("not a JWT")?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?)
}

/// The header of a ticket.
pub fn header_of(ticket: &str) -> anyhow::Result<Value> {
    let header = ticket.split('.').next().context("not a JWT")?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header)?)?)
}

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An HS256 JWT over any header and claims.
pub fn sign_hs256(header: &Value, claims: &Value, key: &[u8]) -> anyhow::Result<String> {
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(header)?),
        b64(&serde_json::to_vec(claims)?)
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key)?;
    mac.update(input.as_bytes());
    Ok(format!("{input}.{}", b64(&mac.finalize().into_bytes())))
}

/// Checks that a response is a problem document with this status and type; returns its body.
pub async fn expect_problem(
    response: reqwest::Response,
    status: u16,
    kind: &str,
) -> anyhow::Result<Value> {
    anyhow::ensure!(
        response.status().as_u16() == status,
        "expected {status}, got {}: {}",
        response.status(),
        response.text().await.unwrap_or_default()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(
        content_type == "application/problem+json",
        "content type {content_type}"
    );
    let body: Value = response.json().await?;
    anyhow::ensure!(
        body["type"] == kind,
        "type {} instead of {kind}",
        body["type"]
    );
    anyhow::ensure!(body["status"] == status, "status field {}", body["status"]);
    anyhow::ensure!(body["title"].is_string(), "no title");
    let text = body.to_string().to_lowercase();
    for internal in [
        "serde",
        "diesel",
        "sqlite",
        "postgres",
        "panicked",
        "line 1 column",
    ] {
        anyhow::ensure!(
            !text.contains(internal),
            "the problem shows {internal}: {text}"
        );
    }
    Ok(body)
}

/// Unix time now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The connection type, for tests that need it.
#[allow(dead_code)]
pub type Conn = DbConnection;

impl TestApp {
    /// Issues an operator token as `voce-collector token issue` does (signed with the server's
    /// operator key, recorded in the database); returns the token and its id.
    pub fn operator_token(
        &self,
        role: voce_collector::auth::operator::Role,
        body: Option<&str>,
    ) -> anyhow::Result<(String, String)> {
        use voce_collector::auth::operator::{self, OperatorAuth};
        let auth = OperatorAuth::load(
            self.settings.operator_keys_dir(),
            keys::KeyFileMode::OwnerOnly,
        )?;
        let body = body
            .map(voce_collector::domain::IpaCode::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!(e))?;
        let (token, claims) = operator::issue(
            &auth,
            &mut *self.conn()?,
            &voce_collector::audit::Actor::command_line(),
            role,
            body.as_ref(),
            3600,
        )?;
        Ok((token, claims.jti))
    }

    /// `GET` of an operator route (path and query) with a bearer token.
    pub async fn operator_get(
        &self,
        token: Option<&str>,
        path_and_query: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let mut request = self.client.get(format!("{}{path_and_query}", self.address));
        if let Some(t) = token {
            request = request.header("Authorization", format!("Bearer {t}"));
        }
        Ok(request.send().await?)
    }
}
