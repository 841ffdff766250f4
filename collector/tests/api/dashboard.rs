//! The dashboard over HTTP: signing in with an operator token sets the session cookie, every
//! page carries the strict CSP, and each page enforces the role as the API does.

use voce_collector::auth::operator::Role;

use crate::helpers::*;

/// A client that does not follow redirects, so that they can be checked.
fn browser() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// `GET` of a dashboard path with the session cookie holding `token`.
async fn page(app: &TestApp, token: Option<&str>, path: &str) -> anyhow::Result<reqwest::Response> {
    let mut request = browser()?.get(format!("{}{path}", app.address));
    if let Some(t) = token {
        request = request.header("Cookie", format!("voce_session={t}"));
    }
    Ok(request.send().await?)
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn signing_in_with_a_valid_token_sets_a_strict_http_only_cookie_that_expires_with_it()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (token, _) = app.operator_token(Role::National, None)?;
    let response = browser()?
        .post(format!("{}/dashboard/sign-in?locale=en", app.address))
        .form(&[("token", token.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), 303);
    assert_eq!(header(&response, "location"), "/dashboard?locale=en");
    let cookie = header(&response, "set-cookie");
    assert!(
        cookie.starts_with(&format!(
            "voce_session={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        )),
        "{cookie}"
    );
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    // The test token lives an hour.
    assert!((3590..=3600).contains(&max_age), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let https = browser()?
        .post(format!("{}/dashboard/sign-in", app.address))
        .header("X-Forwarded-Proto", "https")
        .form(&[("token", token.as_str())])
        .send()
        .await?;
    assert!(header(&https, "set-cookie").ends_with("; Secure"));
    Ok(())
}

#[tokio::test]
async fn a_refused_token_shows_the_sign_in_page_again_and_sets_no_cookie() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    for token in ["garbage", ticket.as_str(), "a; Path=/x"] {
        let response = browser()?
            .post(format!("{}/dashboard/sign-in?locale=it", app.address))
            .form(&[("token", token)])
            .send()
            .await?;
        assert_eq!(response.status(), 401);
        assert!(header(&response, "set-cookie").is_empty());
        assert!(
            response
                .text()
                .await?
                .contains("Token non valido, scaduto o revocato.")
        );
    }
    Ok(())
}

#[tokio::test]
async fn signing_out_clears_the_cookie() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = browser()?
        .post(format!("{}/dashboard/sign-out?locale=en", app.address))
        .send()
        .await?;
    assert_eq!(response.status(), 303);
    assert_eq!(
        header(&response, "location"),
        "/dashboard/sign-in?locale=en"
    );
    assert!(
        header(&response, "set-cookie")
            .starts_with("voce_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0;")
    );
    Ok(())
}

#[tokio::test]
async fn every_dashboard_answer_carries_the_strict_csp_and_the_assets_are_served_by_the_collector()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    for path in [
        "/dashboard/sign-in",
        "/dashboard/static/dashboard.css",
        "/dashboard/static/dashboard.js",
        "/dashboard/nothing-here",
    ] {
        let response = page(&app, None, path).await?;
        let csp = header(&response, "content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    }
    let css = page(&app, None, "/dashboard/static/dashboard.css").await?;
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    assert_eq!(
        page(&app, None, "/dashboard/static/other.css")
            .await?
            .status(),
        404
    );
    assert_eq!(
        page(&app, None, "/dashboard/nothing-here").await?.status(),
        404
    );
    Ok(())
}

#[tokio::test]
async fn a_page_without_a_session_sends_the_browser_to_sign_in() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for path in ["/dashboard/audit?locale=en", "/dashboard/exports"] {
        let response = page(&app, Some("garbage"), path).await?;
        assert_eq!(response.status(), 303, "{path}");
        assert!(header(&response, "location").starts_with("/dashboard/sign-in"));
    }
    Ok(())
}

#[tokio::test]
async fn the_audit_page_is_for_the_national_role_only_as_in_the_api() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let (analyst, _) = app.operator_token(Role::Analyst, None)?;
    let (inps, _) = app.operator_token(Role::Body, Some("inps"))?;
    let ok = page(
        &app,
        Some(&national),
        "/dashboard/audit?locale=en&action=token-issued",
    )
    .await?;
    assert_eq!(ok.status(), 200);
    let html = ok.text().await?;
    assert_eq!(html.matches("<td>token-issued</td>").count(), 3, "{html}");
    for token in [&analyst, &inps] {
        let api = app.operator_get(Some(token), "/v1/audit").await?;
        assert_eq!(api.status(), 403);
        let refused = page(&app, Some(token), "/dashboard/audit?locale=en").await?;
        assert_eq!(refused.status(), 403);
        let html = refused.text().await?;
        assert!(html.contains("national"), "the scope is named");
        assert!(!html.contains("token-issued"));
    }
    // The dashboard's read is audited as the API's.
    let log: serde_json::Value = app
        .operator_get(Some(&national), "/v1/audit?action=audit-read")
        .await?
        .json()
        .await?;
    assert!(
        !log["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn the_exports_page_offers_raw_responses_only_to_the_roles_that_may_read_them()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (analyst, _) = app.operator_token(Role::Analyst, None)?;
    let (inps, _) = app.operator_token(Role::Body, Some("inps"))?;
    let html = page(
        &app,
        Some(&analyst),
        "/dashboard/exports?granularity=quarter",
    )
    .await?
    .text()
    .await?;
    assert!(
        html.contains(r#"href="/v1/exports/aggregates.sdmx.csv?granularity=quarter""#),
        "{html}"
    );
    assert!(!html.contains("responses.csv"));
    let html = page(&app, Some(&inps), "/dashboard/exports")
        .await?
        .text()
        .await?;
    assert!(html.contains(r#"href="/v1/exports/responses.csv?body=inps""#));
    // The link works with the session cookie alone, as the browser sends it.
    let csv = page(&app, Some(&inps), "/v1/exports/responses.csv?body=inps").await?;
    assert_eq!(csv.status(), 200);
    Ok(())
}

#[tokio::test]
async fn a_comment_is_shown_only_once_the_period_it_was_written_in_is_published()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let (national, _) = app.operator_token(Role::National, None)?;
    let comment = "Tre persone soltanto hanno risposto";
    for _ in 0..3 {
        let body =
            serde_json::json!({"answers": {"valutazione": 2, "dettagli": comment}, "locale": "it"});
        assert_eq!(app.submit(&app.ticket().await?, &body).await?.status(), 201);
    }
    let path = "/dashboard/services/inps-naspi?locale=it";
    let html = page(&app, Some(&national), path).await?.text().await?;
    assert!(
        !html.contains(comment),
        "a comment of a suppressed period is shown: {html}"
    );
    assert!(html.contains("Nessun commento pubblicabile."), "{html}");

    // Ten more answers this period: its cells are published, and so are its comments.
    for _ in 0..10 {
        assert_eq!(
            app.submit(&app.ticket().await?, &valid_body())
                .await?
                .status(),
            201
        );
    }
    let html = page(&app, Some(&national), path).await?.text().await?;
    assert!(html.contains(comment), "{html}");
    Ok(())
}
