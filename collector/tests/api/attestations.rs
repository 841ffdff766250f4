//! Completion attestations: a valid one makes the ticket and the stored response `verified`; one
//! attestation stores at most one response; a bad one still gets an ordinary ticket, and the
//! reason is counted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use voce_collector::auth::attestations;

use crate::helpers::*;
use crate::hosted::hidden_value;

#[path = "../../../examples/attestation/signer.rs"]
mod signer;

/// The INPS example key, registered as `inps-example` in the pilot registry.
fn inps_key() -> anyhow::Result<ed25519_dalek::SigningKey> {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/attestation/inps-example-key.pem"
    ))?;
    signer::load_key(&pem).map_err(anyhow::Error::msg)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A fresh attestation of `service` by the INPS example key.
fn attest(service: &str) -> anyhow::Result<String> {
    Ok(signer::sign_attestation(
        &inps_key()?,
        "inps-example",
        service,
        &signer::random_jti(),
        now(),
        600,
    ))
}

/// A token with any header, claims and signature bytes.
fn token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

impl TestApp {
    /// A widget ticket for `inps-naspi` asked with `attestation`.
    async fn attested_ticket(&self, attestation: &str) -> anyhow::Result<String> {
        let response = self
            .get_form(
                "inps-naspi",
                Some(INPS_ORIGIN),
                &format!("?locale=it&attestation={attestation}"),
            )
            .await?;
        anyhow::ensure!(response.status() == 200, "form: {}", response.status());
        let form: Value = response.json().await?;
        Ok(form["ticket"].as_str().unwrap_or_default().to_owned())
    }

    /// The value of a metric line, 0 when absent.
    async fn metric(&self, line_start: &str) -> anyhow::Result<u64> {
        let text = self
            .client
            .get(format!("{}/metrics", self.admin_address))
            .send()
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix(line_start))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0))
    }
}

#[tokio::test]
async fn an_attested_response_is_stored_verified() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.attested_ticket(&attest("inps-naspi")?).await?;
    assert_eq!(claims_of(&ticket)?["verified"], true);
    assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].verified);
    assert_eq!(rows[0].channel, "widget");
    assert_eq!(app.metric("voce_attestations_verified_total ").await?, 1);
    // Without an attestation, the same endpoint issues an ordinary ticket.
    let plain = app.ticket().await?;
    assert!(claims_of(&plain)?.get("verified").is_none());
    assert_eq!(app.submit(&plain, &valid_body()).await?.status(), 201);
    assert_eq!(
        app.responses()?.iter().filter(|r| r.verified).count(),
        1,
        "only the attested response is verified"
    );
    Ok(())
}

#[tokio::test]
async fn the_same_attestation_used_twice_stores_one_response() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let attestation = attest("inps-naspi")?;
    let first = app.attested_ticket(&attestation).await?;
    let second = app.attested_ticket(&attestation).await?;
    // Both carry the jti derived from the attestation (equal tokens when issued in the same
    // second): whichever is used first stores, the other cannot store another response.
    assert_eq!(claims_of(&first)?["jti"], claims_of(&second)?["jti"]);
    assert_eq!(app.submit(&first, &valid_body()).await?.status(), 201);
    let other = json!({"answers": {"valutazione": 1}, "locale": "it"});
    let response = app.submit(&second, &other).await?;
    assert_eq!(response.status(), 409, "{}", response.text().await?);
    // The hosted page with the same attestation: thanked for nothing new.
    let page = app
        .hosted_page("inps-naspi", &format!("?a={attestation}"))
        .await?
        .text()
        .await?;
    let third = hidden_value(&page, "ticket")?;
    assert_eq!(claims_of(&third)?["verified"], true);
    let response = app
        .post_page(
            "inps-naspi",
            &[("ticket", &third), ("step", "2"), ("valutazione", "3")],
        )
        .await?;
    assert_eq!(response.status(), 409);
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn an_attested_hosted_page_stores_a_verified_response_with_its_channel() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let attestation = attest("inps-naspi")?;
    let page = app
        .hosted_page(
            "inps-naspi",
            &format!("?locale=it&channel=email&a={attestation}"),
        )
        .await?
        .text()
        .await?;
    assert!(page.contains(&format!("channel=email&#38;a={attestation}")));
    let ticket = hidden_value(&page, "ticket")?;
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("valutazione", "4"),
                ("aspetti-positivi", "capivo-come-procedere"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].verified);
    assert_eq!(rows[0].channel, "email");
    Ok(())
}

#[tokio::test]
async fn bad_attestations_get_an_unverified_ticket_and_a_counted_reason() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let key = inps_key()?;
    let forger = attestations::generate_key();
    let jti = signer::random_jti();
    let t = now();
    let claims = json!({"sub": "inps-naspi", "jti": jti, "iat": t, "exp": t + 600});
    let hs256 = {
        use hmac::{Hmac, Mac};
        let header = json!({"alg": "HS256", "typ": "voce-attestation+jwt", "kid": "inps-example"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        // HMAC keyed with the public key's bytes: the classic algorithm-confusion forgery.
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.verifying_key().as_bytes())?;
        mac.update(input.as_bytes());
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "signature",
            signer::sign_attestation(&forger, "inps-example", "inps-naspi", &jti, t, 600),
        ),
        (
            "expired",
            signer::sign_attestation(&key, "inps-example", "inps-naspi", &jti, t - 7200, 3600),
        ),
        (
            "wrong_service",
            signer::sign_attestation(&key, "inps-example", "inps-estratto-conto", &jti, t, 600),
        ),
        ("algorithm", hs256),
        (
            "algorithm",
            token(
                &json!({"alg": "none", "typ": "voce-attestation+jwt", "kid": "inps-example"}),
                &claims,
                b"",
            ),
        ),
        (
            "lifetime",
            signer::sign_attestation(&key, "inps-example", "inps-naspi", &jti, t, 86_401),
        ),
        (
            "unknown_key",
            signer::sign_attestation(&key, "inps-other", "inps-naspi", &jti, t, 600),
        ),
    ];
    for (reason, attestation) in &cases {
        let before = app
            .metric(&format!(
                "voce_attestation_refusals_total{{reason=\"{reason}\"}} "
            ))
            .await?;
        let ticket = app.attested_ticket(attestation).await?;
        let claims = claims_of(&ticket)?;
        assert!(claims.get("verified").is_none(), "{reason}: {claims}");
        assert_eq!(
            app.metric(&format!(
                "voce_attestation_refusals_total{{reason=\"{reason}\"}} "
            ))
            .await?,
            before + 1,
            "{reason}"
        );
        assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    }
    let rows = app.responses()?;
    assert_eq!(rows.len(), cases.len());
    assert!(rows.iter().all(|r| !r.verified));
    assert_eq!(app.metric("voce_attestations_verified_total ").await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_key_of_another_body_does_not_verify_for_this_bodys_service() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    // INPS's key, INPS's kid, but a Roma Capitale service: Roma registered no such key.
    let attestation = signer::sign_attestation(
        &inps_key()?,
        "inps-example",
        "roma-tari",
        &signer::random_jti(),
        now(),
        600,
    );
    let page = app
        .hosted_page("roma-tari", &format!("?a={attestation}"))
        .await?
        .text()
        .await?;
    let ticket = hidden_value(&page, "ticket")?;
    assert!(claims_of(&ticket)?.get("verified").is_none());
    assert_eq!(
        app.metric("voce_attestation_refusals_total{reason=\"unknown_key\"} ")
            .await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn the_openssl_recipe_signs_attestations_the_collector_accepts() -> anyhow::Result<()> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/attestation");
    let output = std::process::Command::new("sh")
        .arg(format!("{root}/sign.sh"))
        .arg(format!("{root}/inps-example-key.pem"))
        .arg("inps-example")
        .arg("inps-naspi")
        .arg("600")
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "sign.sh failed (it needs OpenSSL 3): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let attestation = String::from_utf8(output.stdout)?.trim().to_owned();
    let keys =
        std::collections::HashMap::from([("inps-example".to_owned(), inps_key()?.verifying_key())]);
    let attested = attestations::verify(&attestation, "inps-naspi", &keys, now(), 5)
        .map_err(|r| anyhow::anyhow!("refused: {r}"))?;
    assert_eq!(attested.kid, "inps-example");
    assert_eq!(attested.jti.len(), 32);
    let app = spawn_app().await?;
    let ticket = app.attested_ticket(&attestation).await?;
    assert_eq!(claims_of(&ticket)?["verified"], true);
    Ok(())
}

#[tokio::test]
async fn importing_a_registry_without_a_key_revokes_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let attestation = attest("inps-naspi")?;
    assert_eq!(
        claims_of(&app.attested_ticket(&attestation).await?)?["verified"],
        true
    );
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/registry/pilot.toml"
    );
    let without: String = std::fs::read_to_string(path)?
        .lines()
        .filter(|l| {
            !l.starts_with("[[bodies.attestation_keys]]")
                && !l.starts_with("kid = ")
                && !l.starts_with("public_key = ")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let registry = voce_collector::registry::check(&without, voce_collector::startup::catalog()?)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(registry.attestation_keys.is_empty());
    voce_collector::registry::import(&mut *app.conn()?, &registry)?;
    // The collector reloads the registry within `registry_refresh_secs` (1 s in tests).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ticket = app.attested_ticket(&attest("inps-naspi")?).await?;
        if claims_of(&ticket)?.get("verified").is_none() {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the key still verifies"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(())
}
