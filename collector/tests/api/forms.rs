//! `GET /v1/forms/{service_id}`.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn form_returns_200_with_the_questionnaire_and_a_ticket_for_an_allowed_origin()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app
        .get_form("inps-naspi", Some(INPS_ORIGIN), "?locale=it")
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(INPS_ORIGIN)
    );
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let form: voce_shared::api::Form = response.json().await?;
    assert_eq!(form.service.id, "inps-naspi");
    assert_eq!(form.service.kind, "domanda-online");
    assert_eq!(form.body.ipa_code, "inps");
    assert_eq!(form.body.kind, "ente-previdenziale");
    assert_eq!(form.locale, voce_shared::Locale::It);
    let catalog = voce_collector::startup::catalog()?;
    assert_eq!(
        &form.questionnaire_ref,
        catalog.reference("facilita-servizio", 1)?
    );
    assert_eq!(form.questionnaire.id, "facilita-servizio");

    let claims = claims_of(&form.ticket)?;
    assert_eq!(claims["sub"], "inps-naspi");
    assert_eq!(claims["origin"], INPS_ORIGIN);
    assert_eq!(claims["questionnaire"]["hash"], form.questionnaire_ref.hash);
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        7200
    );
    let header = header_of(&form.ticket)?;
    assert_eq!(header["typ"], "voce-ticket+jwt");
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["kid"].as_str(), Some(app.key.kid.as_str()));
    assert!(form.expires_at.ends_with('Z'));

    assert_eq!(app.totals("inps-naspi")?, (1, 0));
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn form_is_resolved_for_the_requested_locale_with_italian_fallback() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for (query, expected) in [
        ("?locale=de", "de"),
        ("?locale=de-AT", "de"),
        ("?locale=xx", "it"),
        ("", "it"),
    ] {
        let form: Value = app
            .get_form("inps-naspi", Some(INPS_ORIGIN), query)
            .await?
            .json()
            .await?;
        assert_eq!(form["locale"], expected, "{query}");
        let title = &form["questionnaire"]["questions"][0]["title"];
        assert!(
            title.get(expected).is_some_and(Value::is_string),
            "{query}: {title}"
        );
        assert_eq!(title.as_object().map(|o| o.len()), Some(1));
    }
    let form: Value = app
        .get_form("inps-naspi", Some(INPS_ORIGIN), "?locale=it")
        .await?
        .json()
        .await?;
    let fiducia = form["questionnaire"]["questions"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["id"] == "fiducia"))
        .map(|q| q["title"]["it"].to_string())
        .unwrap_or_default();
    assert!(
        fiducia.contains("INPS") && !fiducia.contains("{ente}"),
        "{fiducia}"
    );
    Ok(())
}

#[tokio::test]
async fn an_information_page_gets_the_chiarezza_questionnaire() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let form: Value = app
        .get_form("roma-carta-identita", Some(ROMA_ORIGIN), "?locale=it")
        .await?
        .json()
        .await?;
    assert_eq!(form["questionnaire_ref"]["id"], "chiarezza-pagina");
    assert_eq!(form["body"]["name"], "Roma Capitale");
    Ok(())
}

#[tokio::test]
async fn form_returns_403_when_the_origin_belongs_to_another_body() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app.get_form("inps-naspi", Some(INAIL_ORIGIN), "").await?;
    expect_problem(response, 403, "/problems/origin-not-allowed").await?;
    assert_eq!(app.totals("inps-naspi")?, (0, 0));
    Ok(())
}

#[tokio::test]
async fn form_returns_a_readable_403_when_the_origin_is_not_registered() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app
        .get_form("inps-naspi", Some(STRANGER_ORIGIN), "")
        .await?;
    // The refused page may read the refusal, so that the widget can say it is unavailable.
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    expect_problem(response, 403, "/problems/origin-not-allowed").await?;
    assert_eq!(app.totals("inps-naspi")?, (0, 0));
    Ok(())
}

#[tokio::test]
async fn form_returns_403_without_an_origin() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app.get_form("inps-naspi", None, "").await?;
    expect_problem(response, 403, "/problems/origin-not-allowed").await?;
    let response = app.get_form("inps-naspi", Some("null"), "").await?;
    expect_problem(response, 403, "/problems/origin-not-allowed").await?;
    assert_eq!(app.totals("inps-naspi")?, (0, 0));
    Ok(())
}

#[tokio::test]
async fn form_returns_404_for_an_unknown_service() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for service in ["inps-nothing", "INPS", "a%20b", "..%2Fetc"] {
        let response = app.get_form(service, Some(INPS_ORIGIN), "").await?;
        expect_problem(response, 404, "/problems/not-found").await?;
    }
    Ok(())
}

#[tokio::test]
async fn cors_preflight_is_answered_for_a_registered_origin_and_refused_for_another()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let preflight = |origin: &str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/responses", app.address),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let ok = preflight(INPS_ORIGIN).await?;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(INPS_ORIGIN)
    );
    let refused = preflight(STRANGER_ORIGIN).await?;
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    expect_problem(refused, 403, "/problems/origin-not-allowed").await?;
    Ok(())
}
