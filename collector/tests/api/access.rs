//! Operator access: tokens and roles on `GET /v1/responses`, `GET /v1/exports/responses.csv` and
//! `GET /v1/audit`; revocation across replicas; what leaves the server (keyed ids, days only,
//! neutralised CSV); the audit log; retention.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use voce_collector::audit::Actor;
use voce_collector::auth::operator::{self, Role};
use voce_collector::db::responses::{FreeTextRow, ResponseRow};
use voce_collector::retention::{self, Retention};

use crate::helpers::*;

/// A service of INAIL and the origin of its page.
const INAIL_SERVICE: &str = "inail-denuncia-infortunio-info";

/// Stores `n` responses to `inps-naspi`, each with a free text, and one to an INAIL service.
async fn seed(app: &TestApp, n: usize, text: &str) -> anyhow::Result<()> {
    for _ in 0..n {
        let ticket = app.ticket().await?;
        let body = json!({"answers": {"valutazione": 4, "dettagli": text}, "locale": "it"});
        let response = app.submit(&ticket, &body).await?;
        anyhow::ensure!(response.status() == 201, "submit: {}", response.status());
    }
    let ticket = app.ticket_from(INAIL_SERVICE, INAIL_ORIGIN).await?;
    let response = app
        .post_raw(
            Some(&ticket),
            Some(INAIL_ORIGIN),
            Some("application/json"),
            serde_json::to_vec(&json!({"answers": {"valutazione": 2}, "locale": "it"}))?,
        )
        .await?;
    anyhow::ensure!(
        response.status() == 201,
        "INAIL submit: {} {}",
        response.status(),
        response.text().await?
    );
    Ok(())
}

#[tokio::test]
async fn operator_routes_answer_401_without_a_valid_operator_token() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let forged = format!("{}x", &national[..national.len() - 1]);
    for path in [
        "/v1/responses?body=inps",
        "/v1/exports/responses.csv?body=inps",
        "/v1/audit",
    ] {
        for token in [None, Some(ticket.as_str()), Some("garbage"), Some(&forged)] {
            let response = app.operator_get(token, path).await?;
            let www = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            expect_problem(response, 401, "/problems/unauthenticated").await?;
            assert!(www.starts_with("Bearer"), "{www}");
        }
        let ok = app.operator_get(Some(&national), path).await?;
        assert_eq!(ok.status(), 200, "{path}: {}", ok.text().await?);
    }
    Ok(())
}

#[tokio::test]
async fn a_body_token_for_inps_gets_403_on_inails_raw_responses_and_reads_its_own()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 2, "Tutto chiaro").await?;
    let (inps, _) = app.operator_token(Role::Body, Some("inps"))?;
    for path in [
        "/v1/responses?body=inail".to_owned(),
        format!("/v1/responses?service={INAIL_SERVICE}"),
        "/v1/exports/responses.csv?body=inail".to_owned(),
        format!("/v1/exports/responses.csv?service={INAIL_SERVICE}"),
        "/v1/audit".to_owned(),
    ] {
        let response = app.operator_get(Some(&inps), &path).await?;
        let problem = expect_problem(response, 403, "/problems/forbidden").await?;
        let detail = problem["detail"].as_str().unwrap_or_default();
        let scope = if path.contains("audit") {
            "national"
        } else {
            "raw-responses:inail"
        };
        assert!(detail.contains(scope), "{path}: {detail}");
    }
    let page: Value = app
        .operator_get(Some(&inps), "/v1/responses")
        .await?
        .json()
        .await?;
    let rows = page["responses"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row["body"], "inps");
        assert_eq!(row["free_texts"][0]["text"], "Tutto chiaro");
    }
    Ok(())
}

#[tokio::test]
async fn an_analyst_token_gets_403_on_any_raw_response_or_free_text() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 1, "Bene").await?;
    let (analyst, _) = app.operator_token(Role::Analyst, None)?;
    for path in [
        "/v1/responses",
        "/v1/responses?body=inps",
        "/v1/responses?service=inps-naspi",
        "/v1/exports/responses.csv",
        "/v1/exports/responses.csv?body=inail",
        "/v1/audit",
    ] {
        let response = app.operator_get(Some(&analyst), path).await?;
        let problem = expect_problem(response, 403, "/problems/forbidden").await?;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Missing scope")),
            "{path}: {problem}"
        );
    }
    Ok(())
}

/// Waits up to `limit` for `path` to answer `status` to `token` on `app`.
async fn answers_within(
    app: &TestApp,
    token: &str,
    path: &str,
    status: u16,
    limit: Duration,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    loop {
        let got = app.operator_get(Some(token), path).await?.status().as_u16();
        if got == status {
            return Ok(start.elapsed());
        }
        anyhow::ensure!(
            start.elapsed() < limit,
            "{path} still answers {got} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_revoked_token_gets_401_from_every_replica_within_seconds() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let replica = app.replica().await?;
    let (token, id) = app.operator_token(Role::National, None)?;
    // The replica has not seen this token yet: it looks it up once, then keeps it.
    for server in [&app, &replica] {
        let response = server.operator_get(Some(&token), "/v1/responses").await?;
        assert_eq!(response.status(), 200);
    }
    assert!(operator::revoke(
        &mut *app.conn()?,
        &Actor::command_line(),
        &id
    )?);
    for server in [&app, &replica] {
        let took =
            answers_within(server, &token, "/v1/responses", 401, Duration::from_secs(5)).await?;
        assert!(took < Duration::from_secs(5));
    }
    let response = replica.operator_get(Some(&token), "/v1/audit").await?;
    expect_problem(response, 401, "/problems/unauthenticated").await?;
    Ok(())
}

#[tokio::test]
async fn the_dashboard_cookie_carries_the_same_token_as_the_header() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let with_cookie = |value: String| {
        app.client
            .get(format!("{}/v1/audit", app.address))
            .header("Cookie", value)
            .send()
    };
    assert_eq!(
        with_cookie(format!("theme=dark; voce_session={national}"))
            .await?
            .status(),
        200
    );
    let refused = with_cookie("voce_session=nope".into()).await?;
    expect_problem(refused, 401, "/problems/unauthenticated").await?;
    Ok(())
}

#[tokio::test]
async fn raw_responses_leave_with_keyed_ids_and_days_only() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 3, "Chiaro").await?;
    let stored = app.responses()?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let response = app
        .operator_get(Some(&national), "/v1/responses?body=inps")
        .await?;
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let text = response.text().await?;
    let page: Value = serde_json::from_str(&text)?;
    let rows = page["responses"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3);
    for row in &stored {
        for secret in [
            &row.id,
            &row.ticket_id,
            &row.body_fingerprint,
            &row.received_at,
        ] {
            assert!(!text.contains(secret.as_str()), "{secret} left the server");
        }
    }
    for row in &rows {
        let keys: HashSet<&str> = row
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for forbidden in ["ticket_id", "body_fingerprint", "received_at"] {
            assert!(!keys.contains(forbidden), "{forbidden} in {row}");
        }
        let day = row["day"].as_str().unwrap_or_default();
        assert_eq!(day.len(), 10, "{day}");
        assert!(stored.iter().any(|s| s.received_at.starts_with(day)));
        assert_eq!(row["id"].as_str().map(str::len), Some(32));
    }
    // The same ids again: stable per export key.
    let again: Value = app
        .operator_get(Some(&national), "/v1/responses?body=inps")
        .await?
        .json()
        .await?;
    let ids = |v: &Value| -> Vec<String> {
        v["responses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ids(&page), ids(&again));
    Ok(())
}

#[tokio::test]
async fn pages_follow_the_cursor_to_the_end_without_repeats_and_a_forged_cursor_is_refused()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 12, "Ok").await?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/v1/responses?limit=5".to_owned(),
            Some(c) => format!("/v1/responses?limit=5&cursor={c}"),
        };
        let page: Value = app
            .operator_get(Some(&national), &path)
            .await?
            .json()
            .await?;
        pages += 1;
        for row in page["responses"].as_array().cloned().unwrap_or_default() {
            assert!(seen.insert(row["id"].to_string()), "repeated {row}");
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        anyhow::ensure!(pages < 10, "the cursor does not end");
    }
    assert_eq!(seen.len(), 13, "12 INPS responses and 1 INAIL");
    for bad in ["abcd", "00", &"0".repeat(80)] {
        let response = app
            .operator_get(Some(&national), &format!("/v1/responses?cursor={bad}"))
            .await?;
        expect_problem(response, 400, "/problems/malformed-request").await?;
    }
    for bad in [
        "limit=0",
        "limit=1001",
        "from=yesterday",
        "to=",
        "body=INPS",
        "color=red",
    ] {
        let response = app
            .operator_get(Some(&national), &format!("/v1/responses?{bad}"))
            .await?;
        expect_problem(response, 400, "/problems/malformed-request").await?;
    }
    Ok(())
}

/// Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

/// A free text a spreadsheet would run as a formula.
const FORMULA: &str = "=HYPERLINK(\"http://x.invalid\",\"clic\")";

#[tokio::test]
async fn the_csv_export_has_every_row_neutralised_and_the_ids_of_the_api() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 3, FORMULA).await?;
    let (inps, _) = app.operator_token(Role::Body, Some("inps"))?;
    let response = app
        .operator_get(Some(&inps), "/v1/exports/responses.csv")
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8; header=present")
    );
    let text = response.text().await?;
    for row in app.responses()? {
        for secret in [&row.id, &row.ticket_id, &row.received_at] {
            assert!(!text.contains(secret.as_str()), "{secret} left the server");
        }
    }
    let records = parse_csv(&text);
    assert_eq!(records.len(), 4, "a header and INPS's 3 rows: {text}");
    assert_eq!(records[0][0], "response_id");
    let column = |name: &str| records[0].iter().position(|c| c == name);
    let (id, body, texts) = (column("response_id"), column("body"), column("free_text"));
    let (Some(id), Some(body), Some(texts)) = (id, body, texts) else {
        anyhow::bail!("columns missing: {:?}", records[0]);
    };
    let page: Value = app
        .operator_get(Some(&inps), "/v1/responses")
        .await?
        .json()
        .await?;
    let api_ids: HashSet<String> = page["responses"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for record in &records[1..] {
        assert_eq!(record.len(), records[0].len());
        assert_eq!(record[body], "inps");
        assert!(
            api_ids.contains(&record[id]),
            "{} not in the API",
            record[id]
        );
        // Neutralised: a leading apostrophe, which a reader drops to get the text back.
        assert_eq!(record[texts], format!("'{FORMULA}"));
    }
    assert!(!text.contains("\r\n=") && !text.contains(",=") && !text.contains(",\"="));
    Ok(())
}

#[tokio::test]
async fn each_raw_read_and_export_lands_in_the_audit_log_with_who_and_what() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 1, "Ok").await?;
    let (inps, inps_id) = app.operator_token(Role::Body, Some("inps"))?;
    let (national, national_id) = app.operator_token(Role::National, None)?;
    let (analyst, _) = app.operator_token(Role::Analyst, None)?;
    assert_eq!(
        app.operator_get(Some(&inps), "/v1/responses")
            .await?
            .status(),
        200
    );
    assert_eq!(
        app.operator_get(Some(&inps), "/v1/exports/responses.csv")
            .await?
            .status(),
        200
    );
    assert_eq!(
        app.operator_get(Some(&analyst), "/v1/responses")
            .await?
            .status(),
        403
    );
    let log: Value = app
        .operator_get(Some(&national), "/v1/audit")
        .await?
        .json()
        .await?;
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    let find = |action: &str, actor: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["actor"] == actor)
            .cloned()
    };
    let read = find("raw-read", &inps_id).ok_or_else(|| anyhow::anyhow!("no raw-read: {log}"))?;
    assert_eq!(read["role"], "body");
    assert_eq!(read["body"], "inps");
    assert!(
        read["detail"]
            .as_str()
            .is_some_and(|d| d.contains("rows=1"))
    );
    let export = find("exported", &inps_id).ok_or_else(|| anyhow::anyhow!("no export: {log}"))?;
    assert!(
        export["detail"]
            .as_str()
            .is_some_and(|d| d.contains("responses.csv"))
    );
    for id in [&inps_id, &national_id] {
        assert!(
            entries.iter().any(|e| e["action"] == "token-issued"
                && e["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains(id.as_str()))),
            "the issue of {id} is not logged"
        );
    }
    // Filters and pages.
    let only: Value = app
        .operator_get(Some(&national), "/v1/audit?action=raw-read&limit=1")
        .await?
        .json()
        .await?;
    assert_eq!(only["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(only["entries"][0]["action"], "raw-read");
    let cursor = only["next_cursor"].as_str().unwrap_or_default();
    let next: Value = app
        .operator_get(
            Some(&national),
            &format!("/v1/audit?action=raw-read&limit=1&cursor={cursor}"),
        )
        .await?
        .json()
        .await?;
    assert_eq!(next["entries"].as_array().map(Vec::len), Some(0));
    for bad in ["action=deleted", "to=", "from=2026-13-01", "body=INPS"] {
        let response = app
            .operator_get(Some(&national), &format!("/v1/audit?{bad}"))
            .await?;
        expect_problem(response, 400, "/problems/malformed-request").await?;
    }
    Ok(())
}

/// A copy of `row` received on `day`, with its own ids, and a free text.
fn received_on(row: &ResponseRow, day: &str) -> (ResponseRow, FreeTextRow) {
    let id = uuid::Uuid::new_v4().to_string();
    let copy = ResponseRow {
        id: id.clone(),
        ticket_id: uuid::Uuid::new_v4().simple().to_string(),
        received_at: format!("{day}T12:00:00.000Z"),
        export_key: uuid::Uuid::new_v4().simple().to_string(),
        ..row.clone()
    };
    let text = FreeTextRow {
        id: uuid::Uuid::new_v4().to_string(),
        response_id: id,
        question: "dettagli".into(),
        text: format!("scritto il {day}"),
        redacted_kinds: String::new(),
        purge_after: "9999-12-31".into(),
    };
    (copy, text)
}

/// Stores copies of the first stored response received 10, 100 and 1000 days ago.
fn store_old_copies(app: &TestApp) -> anyhow::Result<()> {
    let template = app
        .responses()?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no response to copy"))?;
    let today = time::OffsetDateTime::now_utc();
    let mut rows = Vec::new();
    let mut texts = Vec::new();
    for days in [10, 100, 1000] {
        let day = voce_collector::domain::day_of(today - time::Duration::days(days));
        let (row, text) = received_on(&template, &day);
        rows.push(row);
        texts.push(text);
    }
    voce_collector::db::responses::insert_unless_stored(&mut *app.conn()?, &rows, &texts)?;
    Ok(())
}

#[tokio::test]
async fn purge_deletes_free_texts_then_raw_responses_past_their_periods_and_keeps_the_counts()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 1, "Oggi").await?;
    store_old_copies(&app)?;
    let totals_before = app.totals("inps-naspi")?;
    assert_eq!(app.count_responses()?, 5);
    assert_eq!(app.free_texts()?.len(), 4);
    let now = time::OffsetDateTime::now_utc();
    let actor = Actor::command_line();
    // Free texts after 50 days; raw responses kept.
    let purged = retention::purge(
        &mut *app.conn()?,
        Retention {
            free_text_days: 50,
            raw_response_days: None,
        },
        now,
        &actor,
    )?;
    assert_eq!((purged.free_texts, purged.responses), (2, 0));
    assert_eq!(app.count_responses()?, 5);
    let mut left: Vec<String> = app.free_texts()?.into_iter().map(|t| t.text).collect();
    left.sort();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&"Oggi".to_owned()));
    // Raw responses after 500 days: the one of 1000 days ago goes.
    let purged = retention::purge(
        &mut *app.conn()?,
        Retention {
            free_text_days: 50,
            raw_response_days: Some(500),
        },
        now,
        &actor,
    )?;
    assert_eq!((purged.free_texts, purged.responses), (0, 1));
    assert_eq!(app.count_responses()?, 4);
    // The daily counts (like the rollups) are untouched.
    assert_eq!(app.totals("inps-naspi")?, totals_before);
    // Nothing left to purge; the purges are in the audit log.
    let again = retention::purge(
        &mut *app.conn()?,
        Retention {
            free_text_days: 50,
            raw_response_days: Some(500),
        },
        now,
        &actor,
    )?;
    assert_eq!((again.free_texts, again.responses), (0, 0));
    let logged = voce_collector::db::audit::list(
        &mut *app.conn()?,
        &voce_collector::db::audit::AuditFilter {
            action: Some("purged".into()),
            ..Default::default()
        },
        10,
    )?;
    assert_eq!(logged.len(), 2);
    Ok(())
}

#[tokio::test]
async fn serve_purges_at_start_and_daily_what_its_settings_say_is_past_retention()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed(&app, 1, "Oggi").await?;
    store_old_copies(&app)?;
    // A second collector on the same database with short periods purges as it starts.
    let mut settings = app.settings.clone();
    settings.free_text_retention_days = 50;
    settings.raw_response_retention_days = Some(500);
    let short = voce_collector::startup::Application::build(settings)?;
    tokio::spawn(short.run_until_stopped());
    let start = Instant::now();
    while app.count_responses()? != 4 || app.free_texts()?.len() != 2 {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(10),
            "not purged: {} responses, {} free texts",
            app.count_responses()?,
            app.free_texts()?.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Runs `voce-collector` with `args` on the app's database and keys; returns its standard output.
fn command_line(app: &TestApp, args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_voce-collector"))
        .args(args)
        .env("VOCE_DATABASE_URL", &app.settings.database.url)
        .env("VOCE_KEYS_DIR", &app.settings.keys_dir)
        .env("RUST_LOG", "warn")
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

#[tokio::test]
async fn token_issue_prints_the_token_last_and_token_revoke_and_audit_work_from_the_command_line()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let printed = command_line(
        &app,
        &[
            "token", "issue", "--role", "body", "--body", "inps", "--ttl", "2h",
        ],
    )?;
    let token = printed.lines().last().unwrap_or_default().to_owned();
    assert_eq!(token.split('.').count(), 3, "{printed}");
    let header = header_of(&token)?;
    assert_eq!(header["typ"], "voce-operator+jwt");
    let claims = claims_of(&token)?;
    assert_eq!(claims["role"], "body");
    assert_eq!(claims["body"], "inps");
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        7200
    );
    let id = claims["jti"].as_str().unwrap_or_default().to_owned();
    let response = app.operator_get(Some(&token), "/v1/responses").await?;
    assert_eq!(response.status(), 200);
    let listed = command_line(&app, &["token", "list"])?;
    assert!(listed.contains(&id) && !listed.contains(&token), "{listed}");
    command_line(&app, &["token", "revoke", &id])?;
    answers_within(&app, &token, "/v1/responses", 401, Duration::from_secs(5)).await?;
    let audit = command_line(&app, &["audit", "--actor", &id])?;
    assert!(audit.lines().any(|l| l.contains("\"raw-read\"")), "{audit}");
    let issued = command_line(&app, &["audit", "--action", "token-revoked"])?;
    assert!(issued.contains(&id), "{issued}");
    for refused in [
        vec!["token", "issue", "--role", "body"],
        vec!["token", "issue", "--role", "analyst", "--body", "inps"],
        vec!["token", "issue", "--role", "body", "--body", "nobody"],
        vec!["token", "issue", "--role", "national", "--ttl", "401d"],
        vec!["token", "revoke", "not-a-token"],
    ] {
        assert!(
            command_line(&app, &refused).is_err(),
            "{refused:?} succeeded"
        );
    }
    assert!(command_line(&app, &["purge"])?.starts_with("purged "));
    Ok(())
}

#[tokio::test]
async fn rollups_rebuild_is_refused_while_raw_responses_are_purged_unless_the_loss_is_accepted()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let rebuild = |extra: &[&str], retention: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_voce-collector"));
        command
            .args(["rollups", "rebuild"])
            .args(extra)
            .env("VOCE_DATABASE_URL", &app.settings.database.url)
            .env("VOCE_KEYS_DIR", &app.settings.keys_dir)
            .env("RUST_LOG", "warn");
        if let Some(days) = retention {
            command.env("VOCE_RAW_RESPONSE_RETENTION_DAYS", days);
        }
        command.output()
    };
    let refused = rebuild(&[], Some("400"))?;
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("--drop-purged-days"), "{why}");
    assert!(
        rebuild(&["--drop-purged-days"], Some("400"))?
            .status
            .success()
    );
    assert!(rebuild(&[], None)?.status.success());
    Ok(())
}
