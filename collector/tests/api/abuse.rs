//! The server-side "Abuse and web security" cases of reliability-tests.md.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn submit_returns_403_when_the_origin_differs_from_the_tickets() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body = serde_json::to_vec(&valid_body())?;
    // Another origin of the same body is allowed by CORS but is not the ticket's.
    for origin in [Some("http://127.0.0.1:8201"), Some(INAIL_ORIGIN), None] {
        let response = app
            .post_raw(
                Some(&ticket),
                origin,
                Some("application/json"),
                body.clone(),
            )
            .await?;
        expect_problem(response, 403, "/problems/origin-not-allowed")
            .await
            .map_err(|e| anyhow::anyhow!("{origin:?}: {e}"))?;
    }
    assert_eq!(app.count_responses()?, 0);
    assert_eq!(app.rejections("origin_not_allowed")?, 3);
    Ok(())
}

#[tokio::test]
async fn a_request_from_an_unregistered_origin_never_reaches_the_handler() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let response = app
        .post_raw(
            Some(&ticket),
            Some(STRANGER_ORIGIN),
            Some("application/json"),
            serde_json::to_vec(&valid_body())?,
        )
        .await?;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    expect_problem(response, 403, "/problems/origin-not-allowed").await?;
    assert_eq!(app.count_responses()?, 0);
    // The handler counts its own refusals in the database; this one was stopped before it.
    assert_eq!(app.rejections("origin_not_allowed")?, 0);
    Ok(())
}

#[tokio::test]
async fn a_filled_honeypot_gets_a_201_shaped_reply_and_stores_nothing() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body =
        json!({"answers": {"valutazione": 5}, "locale": "it", "website": "http://spam.example"});
    let response = app.submit(&ticket, &body).await?;
    assert_eq!(response.status(), 201);
    let receipt: voce_shared::api::Receipt = response.json().await?;
    assert!(!receipt.response_id.is_empty() && !receipt.received_at.is_empty());
    assert_eq!(app.count_responses()?, 0);
    assert_eq!(app.rejections("honeypot")?, 1);
    assert_eq!(app.totals("inps-naspi")?, (1, 0));
    Ok(())
}

#[tokio::test]
async fn a_honeypot_replay_gets_the_same_receipt_and_another_body_a_conflict_like_a_real_store()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body =
        json!({"answers": {"valutazione": 5}, "locale": "it", "website": "http://spam.example"});
    let first: voce_shared::api::Receipt = app.submit(&ticket, &body).await?.json().await?;
    let again = app.submit(&ticket, &body).await?;
    assert_eq!(again.status(), 201);
    let again: voce_shared::api::Receipt = again.json().await?;
    assert_eq!(again, first);
    let mut other = body.clone();
    other["answers"]["valutazione"] = json!(4);
    assert_eq!(app.submit(&ticket, &other).await?.status(), 409);
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn bursts_above_the_per_client_limit_get_429_with_retry_after() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.rate_limit.burst = 3;
        s.rate_limit.per_minute = 1;
    })
    .await?;
    for _ in 0..3 {
        assert_eq!(
            app.get_form("inps-naspi", Some(INPS_ORIGIN), "")
                .await?
                .status(),
            200
        );
    }
    let response = app.get_form("inps-naspi", Some(INPS_ORIGIN), "").await?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_default();
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    expect_problem(response, 429, "/problems/rate-limited").await?;
    let response = app
        .post_raw(None, Some(INPS_ORIGIN), Some("application/json"), "{}")
        .await?;
    expect_problem(response, 429, "/problems/rate-limited").await?;
    // Health checks are not limited.
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await?;
    assert_eq!(health.status(), 200);
    assert_eq!(app.totals("inps-naspi")?, (3, 0));
    Ok(())
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.rate_limit.burst = 2;
        s.rate_limit.per_minute = 1;
    })
    .await?;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let response = app
            .client
            .get(format!("{}/v1/forms/inps-naspi", app.address))
            .header("Origin", INPS_ORIGIN)
            .header("X-Forwarded-For", format!("198.51.100.{i}"))
            .send()
            .await?;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 429, 429]);
    Ok(())
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_tells_clients_apart() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| {
        s.rate_limit.burst = 1;
        s.rate_limit.per_minute = 1;
        s.rate_limit.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1]).into()];
    })
    .await?;
    let get = |client: &str| {
        app.client
            .get(format!("{}/v1/forms/inps-naspi", app.address))
            .header("Origin", INPS_ORIGIN)
            .header("X-Forwarded-For", client.to_owned())
            .send()
    };
    assert_eq!(get("198.51.100.1").await?.status(), 200);
    assert_eq!(get("198.51.100.2").await?.status(), 200);
    assert_eq!(get("198.51.100.1").await?.status(), 429);
    Ok(())
}
