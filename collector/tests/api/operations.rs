//! Health, readiness, metrics, the OpenAPI document and unknown routes.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_readyz_return_200_when_the_database_answers() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for url in [
        format!("{}/healthz", app.address),
        format!("{}/healthz", app.admin_address),
        format!("{}/readyz", app.admin_address),
    ] {
        let response = app.client.get(&url).send().await?;
        assert_eq!(response.status(), 200, "{url}");
    }
    Ok(())
}

#[tokio::test]
async fn metrics_and_readiness_are_not_reachable_on_the_public_listener() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for path in ["/metrics", "/readyz"] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await?;
        expect_problem(response, 404, "/problems/not-found").await?;
    }
    let response = app
        .client
        .get(format!("{}/metrics", app.admin_address))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn readyz_returns_503_when_no_connection_can_be_had() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.database.pool_size = 1;
        s.database.timeout_ms = 200;
    })
    .await?;
    let held = app.conn()?;
    let response = app
        .client
        .get(format!("{}/readyz", app.admin_address))
        .send()
        .await?;
    assert!(response.headers().get("retry-after").is_some());
    expect_problem(response, 503, "/problems/service-unavailable").await?;
    drop(held);
    // The answer stands for a second; then the database is asked again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = app
        .client
        .get(format!("{}/readyz", app.admin_address))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn metrics_count_requests_tickets_responses_and_rejections() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    let bad = serde_json::json!({"answers": {"valutazione": 9}, "locale": "it"});
    assert_eq!(app.submit(&app.ticket().await?, &bad).await?.status(), 422);
    let text = app
        .client
        .get(format!("{}/metrics", app.admin_address))
        .send()
        .await?
        .text()
        .await?;
    for needle in [
        "voce_http_requests_total{route=\"/v1/forms/{service_id}\",status=\"200\"} 2",
        "voce_http_requests_total{route=\"/v1/responses\",status=\"201\"} 1",
        "voce_http_requests_total{route=\"/v1/responses\",status=\"422\"} 1",
        "voce_tickets_issued_total 2",
        "voce_responses_stored_total 1",
        "voce_rejections_total{reason=\"invalid_answers\"} 1",
        "voce_db_seconds_count",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    assert!(
        !text.contains("127.0.0.1"),
        "an address leaked into the metrics"
    );
    Ok(())
}

#[tokio::test]
async fn openapi_lists_every_public_route() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let doc: Value = app
        .client
        .get(format!("{}/v1/openapi.json", app.address))
        .send()
        .await?
        .json()
        .await?;
    for (path, method) in [
        ("/v1/forms/{service_id}", "get"),
        ("/v1/responses", "post"),
        ("/v1/openapi.json", "get"),
        ("/widget/v1/{file}", "get"),
        ("/healthz", "get"),
        ("/v1/responses", "get"),
        ("/v1/exports/responses.csv", "get"),
        ("/v1/audit", "get"),
        ("/v1/stats", "get"),
        ("/v1/exports/aggregates.csv", "get"),
        ("/v1/exports/aggregates.json", "get"),
        ("/v1/exports/aggregates.sdmx.csv", "get"),
        ("/v1/exports/codelists.json", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    assert_eq!(doc["paths"].as_object().map(|p| p.len()), Some(12));
    Ok(())
}

#[tokio::test]
async fn unknown_paths_get_404_and_known_paths_with_another_method_get_405_with_allow()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app
        .client
        .get(format!("{}/nothing", app.address))
        .send()
        .await?;
    expect_problem(response, 404, "/problems/not-found").await?;
    let response = app
        .client
        .delete(format!("{}/v1/responses", app.address))
        .send()
        .await?;
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET, POST")
    );
    expect_problem(response, 405, "/problems/method-not-allowed").await?;
    let response = app
        .client
        .request(
            reqwest::Method::from_bytes(b"TRACE")?,
            format!("{}/v1/forms/inps-naspi", app.address),
        )
        .send()
        .await?;
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET")
    );
    expect_problem(response, 405, "/problems/method-not-allowed").await?;
    Ok(())
}

#[tokio::test]
async fn the_export_lists_each_stored_response_with_its_redacted_free_text() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let first = app.ticket().await?;
    assert_eq!(app.submit(&first, &valid_body()).await?.status(), 201);
    let second = app.ticket().await?;
    let with_text = serde_json::json!({
        "answers": {"valutazione": 2, "difficolta": "altro", "dettagli": "il mio cf è RSSMRA85T10A562S"},
        "locale": "en"
    });
    assert_eq!(app.submit(&second, &with_text).await?.status(), 201);

    let exported = voce_collector::db::responses::list(&mut *app.conn()?, Some("inps-naspi"))?;
    assert_eq!(exported.len(), 2);
    let (plain, texts) = &exported[0];
    assert_eq!((plain.valutazione, texts.len()), (Some(4), 0));
    let (redacted, texts) = &exported[1];
    assert_eq!(redacted.questionnaire_id, "facilita-servizio");
    assert_eq!(redacted.locale, "en");
    assert_eq!(redacted.motivo.as_deref(), Some("altro"));
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].text, "il mio cf è [codice fiscale rimosso]");
    assert_eq!(texts[0].redacted_kinds, "codice-fiscale");
    assert!(voce_collector::db::responses::list(&mut *app.conn()?, Some("roma-tari"))?.is_empty());
    Ok(())
}

#[tokio::test]
async fn each_indicator_answer_lands_in_the_column_its_questionnaire_declares() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let positive = serde_json::json!({
        "answers": {"valutazione": 5, "aspetti-positivi": "indicazioni-complete", "esito": "in-parte",
                    "soddisfazione": 4, "fiducia": 2, "dettagli": "tutto bene\u{0}"},
        "locale": "it"
    });
    assert_eq!(
        app.submit(&app.ticket().await?, &positive).await?.status(),
        201
    );
    let negative = serde_json::json!({
        "answers": {"valutazione": 1, "difficolta": "problemi-tecnici"}, "locale": "it"
    });
    assert_eq!(
        app.submit(&app.ticket().await?, &negative).await?.status(),
        201
    );
    let rows = voce_collector::db::responses::list(&mut *app.conn()?, Some("inps-naspi"))?;
    let columns: Vec<_> = rows
        .iter()
        .map(|(r, _)| {
            (
                r.valutazione,
                r.motivo.clone(),
                r.esito.clone(),
                r.soddisfazione,
                r.fiducia,
            )
        })
        .collect();
    assert!(columns.contains(&(
        Some(5),
        Some("indicazioni-complete".into()),
        Some("in-parte".into()),
        Some(4),
        Some(2)
    )));
    assert!(columns.contains(&(Some(1), Some("problemi-tecnici".into()), None, None, None)));
    let texts: Vec<_> = rows
        .iter()
        .flat_map(|(_, t)| t)
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(
        texts,
        vec!["tutto bene".to_owned()],
        "U+0000 is dropped on every backend"
    );
    Ok(())
}

/// Runs `voce-collector` with `args` on the app's database and keys; returns its standard output.
fn collector_cli(app: &TestApp, args: &[&str]) -> anyhow::Result<String> {
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

/// Whether `text` holds a time of day after a day (`…-DDTHH:MM`).
fn has_time_of_day(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(6).any(|w| {
        w[0].is_ascii_digit()
            && w[1] == b'T'
            && w[2].is_ascii_digit()
            && w[3].is_ascii_digit()
            && w[4] == b':'
            && w[5].is_ascii_digit()
    })
}

#[tokio::test]
async fn the_command_line_export_prints_keyed_ids_and_days_in_the_api_order_unless_the_full_record_is_asked_and_audited()
-> anyhow::Result<()> {
    use voce_collector::auth::keys::KeyFileMode;
    use voce_collector::auth::operator::Role;
    use voce_collector::export::ids::ExportKeys;

    let app = spawn_app().await?;
    for text in ["Primo commento", "Secondo commento", "Terzo commento"] {
        let body =
            serde_json::json!({"answers": {"valutazione": 4, "dettagli": text}, "locale": "it"});
        assert_eq!(app.submit(&app.ticket().await?, &body).await?.status(), 201);
    }
    assert_eq!(
        app.submit(&app.ticket().await?, &valid_body())
            .await?
            .status(),
        201
    );
    let stored = app.responses()?;
    assert_eq!(stored.len(), 4);

    let printed = collector_cli(&app, &["responses", "export", "--service", "inps-naspi"])?;
    let lines: Vec<Value> = printed
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 4, "{printed}");
    for row in &stored {
        assert!(!printed.contains(&row.id), "a stored id leaves: {printed}");
        assert!(
            !printed.contains(&row.ticket_id),
            "a ticket id leaves: {printed}"
        );
        assert!(!printed.contains(&row.received_at));
    }
    assert!(
        !has_time_of_day(&printed),
        "a time of day leaves: {printed}"
    );
    let key =
        ExportKeys::load(app.settings.export_keys_dir(), KeyFileMode::OwnerOnly)?.current()?;
    let mut keyed: Vec<String> = stored.iter().map(|r| key.public_id(&r.id)).collect();
    keyed.sort();
    let mut printed_ids: Vec<String> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let in_order = printed_ids.clone();
    printed_ids.sort();
    assert_eq!(
        printed_ids, keyed,
        "every id is the keyed id of a stored one"
    );
    let today = voce_collector::domain::day_of(time::OffsetDateTime::now_utc());
    for line in &lines {
        let fields: std::collections::BTreeSet<&str> = line
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            [
                "answers",
                "body",
                "channel",
                "day",
                "free_texts",
                "id",
                "locale",
                "questionnaire_id",
                "questionnaire_version",
                "service",
                "verified"
            ]
            .into(),
            "{line}"
        );
        assert_eq!(line["day"], today.as_str());
        assert_eq!(line["body"], "inps");
    }
    let texts: Vec<&str> = lines
        .iter()
        .flat_map(|l| l["free_texts"].as_array().into_iter().flatten())
        .filter_map(|t| t["text"].as_str())
        .collect();
    assert_eq!(texts.len(), 3, "the free texts are printed: {printed}");
    assert!(texts.contains(&"Secondo commento"));

    // The order is the API's: by export key, not by time.
    let (national, _) = app.operator_token(Role::National, None)?;
    let page: Value = app
        .operator_get(Some(&national), "/v1/responses?service=inps-naspi")
        .await?
        .json()
        .await?;
    let api_order: Vec<String> = page["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(in_order, api_order);

    let audit = collector_cli(&app, &["audit", "--action", "exported"])?;
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(
        !audit.contains("full-record") && audit.contains("\"body\":\"inps\""),
        "{audit}"
    );

    let full = collector_cli(
        &app,
        &[
            "responses",
            "export",
            "--service",
            "inps-naspi",
            "--full-record",
        ],
    )?;
    assert_eq!(full.lines().count(), 4);
    for row in &stored {
        assert!(
            full.contains(&row.id) && full.contains(&row.ticket_id),
            "{full}"
        );
        assert!(full.contains(&row.received_at), "{full}");
    }
    assert!(has_time_of_day(&full));
    let audit = collector_cli(&app, &["audit", "--action", "exported"])?;
    let newest: Value = serde_json::from_str(audit.lines().next().unwrap_or_default())?;
    assert_eq!(audit.lines().count(), 2, "{audit}");
    assert!(
        newest["detail"]
            .as_str()
            .is_some_and(|d| d.contains("full-record")),
        "{newest}"
    );

    assert!(
        collector_cli(
            &app,
            &["responses", "export", "--service", "no-such-service"]
        )
        .is_err()
    );
    Ok(())
}
