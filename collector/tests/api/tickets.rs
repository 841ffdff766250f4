//! The "Tickets" cases of reliability-tests.md: only tickets the collector signed, for the right
//! audience, issuer, type and time, with a key it holds, store anything.

use serde_json::{Value, json};

use crate::helpers::*;

/// A header and claims like a real ticket's, to be altered one at a time.
async fn genuine(app: &TestApp) -> anyhow::Result<(Value, Value)> {
    let ticket = app.ticket().await?;
    Ok((header_of(&ticket)?, claims_of(&ticket)?))
}

async fn expect_refused(app: &TestApp, token: &str, what: &str) -> anyhow::Result<()> {
    let response = app.submit(token, &valid_body()).await?;
    let status = response.status();
    anyhow::ensure!(status == 401, "{what}: expected 401, got {status}");
    assert!(
        response.headers().get("www-authenticate").is_some(),
        "{what}"
    );
    expect_problem(response, 401, "/problems/invalid-ticket").await?;
    Ok(())
}

#[tokio::test]
async fn a_valid_ticket_stores_one_row_with_the_questionnaire_reference_and_no_address()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let response = app.submit(&ticket, &valid_body()).await?;
    assert_eq!(response.status(), 201);
    let receipt: voce_shared::api::Receipt = response.json().await?;
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let catalog = voce_collector::startup::catalog()?;
    let reference = catalog.reference("facilita-servizio", 1)?;
    assert_eq!(row.id, receipt.response_id);
    assert_eq!(row.received_at, receipt.received_at);
    assert_eq!(row.service_id, "inps-naspi");
    assert_eq!(row.questionnaire_id, reference.id);
    assert_eq!(row.questionnaire_version, 1);
    assert_eq!(row.questionnaire_hash, reference.hash);
    assert_eq!(
        row.ticket_id,
        claims_of(&ticket)?["jti"].as_str().unwrap_or_default()
    );
    assert_eq!(row.valutazione, Some(4));
    assert_eq!(row.motivo.as_deref(), Some("indicazioni-chiare"));
    assert_eq!(row.locale, "it");
    assert!(
        !format!("{row:?}").contains("127.0.0.1"),
        "an address was stored: {row:?}"
    );
    assert_eq!(app.totals("inps-naspi")?, (1, 1));
    Ok(())
}

#[tokio::test]
async fn submit_returns_401_for_alg_none_guessed_keys_and_other_algorithms() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (header, claims) = genuine(&app).await?;
    let body = |v: &Value| b64(&serde_json::to_vec(v).unwrap_or_default());
    let mut none = header.clone();
    none["alg"] = json!("none");
    expect_refused(
        &app,
        &format!("{}.{}.", body(&none), body(&claims)),
        "alg none",
    )
    .await?;
    for guessed in [&b""[..], b"secret", b"voce"] {
        let token = sign_hs256(&header, &claims, guessed)?;
        expect_refused(&app, &token, "guessed key").await?;
    }
    for alg in ["HS384", "HS512", "RS256", "ES256", "EdDSA"] {
        let mut h = header.clone();
        h["alg"] = json!(alg);
        // Signed with the right key, but announcing another algorithm.
        let token = app.sign(&h, &claims)?;
        expect_refused(&app, &token, alg).await?;
    }
    assert_eq!(app.count_responses()?, 0);
    assert!(app.rejections("invalid_ticket")? >= 9);
    Ok(())
}

#[tokio::test]
async fn submit_returns_401_for_tampered_truncated_huge_and_garbage_tokens() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let parts: Vec<&str> = ticket.split('.').collect();
    let mut claims = claims_of(&ticket)?;
    claims["sub"] = json!("inps-estratto-conto");
    let tampered_payload = format!(
        "{}.{}.{}",
        parts[0],
        b64(&serde_json::to_vec(&claims)?),
        parts[2]
    );
    let mut signature = parts[2].to_owned();
    let last = if signature.ends_with('A') { "B" } else { "A" };
    signature.replace_range(signature.len() - 1.., last);
    let tampered_signature = format!("{}.{}.{signature}", parts[0], parts[1]);
    let huge = "a".repeat(1024 * 1024);
    for (token, what) in [
        (tampered_payload.as_str(), "tampered payload"),
        (tampered_signature.as_str(), "tampered signature"),
        (&ticket[..ticket.len() - 10], "truncated"),
        (&format!("{}.{}", parts[0], parts[1]), "two parts"),
        ("%%%.***.!!!", "not base64url"),
        ("", "empty"),
        ("a.b.c.d", "four parts"),
    ] {
        expect_refused(&app, token, what).await?;
    }
    let response = app.submit(&"a".repeat(5000), &valid_body()).await?;
    expect_problem(response, 401, "/problems/invalid-ticket").await?;
    assert_eq!(app.count_responses()?, 0);
    // A 1 MB token never reaches the verifier: the server refuses the oversized header (with
    // 431, or by closing the connection while the client is still sending). A client of its own
    // keeps that closed connection away from the other requests.
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let sent = once
        .post(format!("{}/v1/responses", app.address))
        .header("Origin", INPS_ORIGIN)
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Bearer {huge}"))
        .body(serde_json::to_vec(&valid_body())?)
        .send()
        .await;
    match sent {
        Ok(response) => assert!(
            response.status().is_client_error(),
            "1 MB token: {}",
            response.status()
        ),
        // The connection was closed while the client was still sending: refused, not timed out.
        Err(e) => assert!(!e.is_timeout() && !e.is_connect(), "1 MB token: {e:#}"),
    }
    assert_eq!(app.count_responses()?, 0);
    // The genuine ticket still works afterwards: nothing panicked.
    assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    Ok(())
}

#[tokio::test]
async fn submit_returns_401_for_bad_times_and_wrong_audience_issuer_or_type() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let (header, claims) = genuine(&app).await?;
    let now = now();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let mut without_exp = claims.clone();
    without_exp.as_object_mut().map(|o| o.remove("exp"));
    let mut without_nbf = claims.clone();
    without_nbf.as_object_mut().map(|o| o.remove("nbf"));
    let cases = [
        (with("exp", json!(now - 60)), "exp in the past"),
        (with("nbf", json!(now + 120)), "nbf in the future"),
        (
            with("exp", json!((now + 3600).to_string())),
            "exp as a string",
        ),
        (without_exp, "missing exp"),
        (without_nbf, "missing nbf"),
        (with("aud", json!("someone-else")), "wrong aud"),
        (with("iss", json!("someone-else")), "wrong iss"),
    ];
    for (claims, what) in &cases {
        expect_refused(&app, &app.sign(&header, claims)?, what).await?;
    }
    for typ in [json!("JWT"), Value::Null] {
        let mut h = header.clone();
        h["typ"] = typ;
        expect_refused(&app, &app.sign(&h, &claims)?, "wrong typ").await?;
    }
    // The same claims and header, re-signed with the real key, are accepted: the refusals above
    // were for the altered field alone.
    let resigned = app.sign(&header, &claims)?;
    assert_eq!(app.submit(&resigned, &valid_body()).await?.status(), 201);
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn submit_returns_401_for_unknown_or_hostile_kids_and_key_url_headers() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let (header, claims) = genuine(&app).await?;
    let with = |key: &str, value: Value| {
        let mut h = header.clone();
        h[key] = value;
        h
    };
    let mut no_kid = header.clone();
    no_kid.as_object_mut().map(|o| o.remove("kid"));
    for (h, what) in [
        (with("kid", json!("k-unknown")), "unknown kid"),
        (with("kid", json!("../../etc/passwd")), "kid with a path"),
        (with("kid", json!("x' OR '1'='1")), "kid with SQL"),
        (no_kid, "no kid"),
        (with("jku", json!("http://127.0.0.1:1/keys.json")), "jku"),
        (with("x5u", json!("http://127.0.0.1:1/cert.pem")), "x5u"),
        (
            with("jwk", json!({"kty": "oct", "k": b64(b"secret")})),
            "embedded jwk",
        ),
    ] {
        expect_refused(&app, &app.sign(&h, &claims)?, what).await?;
    }
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn submit_returns_401_without_a_bearer_ticket() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let body = serde_json::to_vec(&valid_body())?;
    let response = app
        .post_raw(
            None,
            Some(INPS_ORIGIN),
            Some("application/json"),
            body.clone(),
        )
        .await?;
    expect_problem(response, 401, "/problems/invalid-ticket").await?;
    let response = app
        .client
        .post(format!("{}/v1/responses", app.address))
        .header("Origin", INPS_ORIGIN)
        .header("Content-Type", "application/json")
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .body(body)
        .send()
        .await?;
    expect_problem(response, 401, "/problems/invalid-ticket").await?;
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn the_same_ticket_and_body_twice_returns_the_same_receipt_and_stores_one_row()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let first = app.submit(&ticket, &valid_body()).await?;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await?;
    // Same content with keys in another order and other spacing is the same body.
    let again = app
        .post_raw(
            Some(&ticket),
            Some(INPS_ORIGIN),
            Some("application/json"),
            r#"{ "locale": "it", "answers": { "aspetti-positivi": "indicazioni-chiare", "valutazione": 4 } }"#,
        )
        .await?;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await?;
    assert_eq!(first, again);
    assert_eq!(app.count_responses()?, 1);
    assert_eq!(app.totals("inps-naspi")?, (1, 1));
    Ok(())
}

#[tokio::test]
async fn submit_returns_409_when_the_same_ticket_carries_another_body() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    let other = json!({"answers": {"valutazione": 1}, "locale": "it"});
    let response = app.submit(&ticket, &other).await?;
    expect_problem(response, 409, "/problems/ticket-already-used").await?;
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].valutazione, Some(4));
    assert_eq!(app.rejections("ticket_reused")?, 1);
    Ok(())
}

#[tokio::test]
async fn concurrent_submissions_with_one_ticket_store_one_row() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body = valid_body();
    let attempts = (0..6).map(|_| app.submit(&ticket, &body));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.map(|r| r.status().as_u16()))
        .collect::<Result<_, _>>()?;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 200),
        "{statuses:?}"
    );
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn a_broken_key_file_stops_the_start_up_naming_the_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let settings = sqlite_settings(dir.path())?;
    std::fs::write(settings.keys_dir.join("k0-broken.key"), "this is not a key")?;
    let error = voce_collector::startup::Application::build(settings)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("k0-broken.key"), "{error}");
    assert!(error.contains("VOCE_KEYS_DIR"), "{error}");
    Ok(())
}

#[tokio::test]
async fn production_refuses_to_start_without_a_key_and_development_generates_one()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = sqlite_settings(dir.path())?;
    settings.keys_dir = dir.path().join("no-keys");
    settings.environment = voce_collector::configuration::Environment::Production;
    let error = voce_collector::startup::Application::build(settings.clone())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(
        error.contains("VOCE_KEYS_DIR") && error.contains("keys generate"),
        "{error}"
    );
    assert!(!settings.keys_dir.exists());
    settings.environment = voce_collector::configuration::Environment::Development;
    let app = voce_collector::startup::Application::build(settings.clone())?;
    assert_eq!(
        voce_collector::auth::keys::load_dir(
            &settings.keys_dir,
            voce_collector::auth::keys::KeyFileMode::allowing_group_read(
                settings.keys_group_readable
            )
        )?
        .len(),
        1
    );
    drop(app);
    Ok(())
}
