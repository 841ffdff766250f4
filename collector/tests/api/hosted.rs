//! The hosted page `/s/{service}` (a form without script, in two steps) and its QR codes.

use anyhow::Context;

use crate::helpers::*;

/// The value of the hidden field `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> anyhow::Result<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle).context("no such field")? + needle.len();
    let end = html[start..].find('"').context("unterminated value")?;
    Ok(html[start..start + end].replace("&#43;", "+"))
}

impl TestApp {
    /// `GET /s/{service}{query}`.
    pub async fn hosted_page(
        &self,
        service: &str,
        query: &str,
    ) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .client
            .get(format!("{}/s/{service}{query}", self.address))
            .send()
            .await?)
    }

    /// `POST /s/{service}` of form fields.
    pub async fn post_page(
        &self,
        service: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .client
            .post(format!("{}/s/{service}", self.address))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields)?)
            .send()
            .await?)
    }

    /// The ticket of a fresh hosted page.
    pub async fn page_ticket(&self, service: &str, query: &str) -> anyhow::Result<String> {
        let response = self.hosted_page(service, query).await?;
        anyhow::ensure!(response.status() == 200, "page: {}", response.status());
        hidden_value(&response.text().await?, "ticket")
    }
}

#[tokio::test]
async fn the_page_is_a_form_without_script_or_cookie_under_a_strict_policy() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app.hosted_page("inps-naspi", "?locale=it").await?;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert!(header("set-cookie").is_none());
    let csp = header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    let html = response.text().await?;
    assert!(!html.contains("<script"));
    assert!(!html.contains("style="));
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("Quanto è stato facile usare questo servizio?"));
    assert!(html.contains("Valuta 3 stelle su 5"));
    // Step 1 only: no follow-up yet.
    assert!(!html.contains("Dove hai incontrato le maggiori difficoltà?"));
    let ticket = hidden_value(&html, "ticket")?;
    let claims = claims_of(&ticket)?;
    assert_eq!(claims["sub"], "inps-naspi");
    assert_eq!(claims["origin"], "http://127.0.0.1:8080");
    assert_eq!(claims["channel"], "page");
    assert!(claims.get("verified").is_none());
    assert_eq!(app.totals("inps-naspi")?, (1, 0));
    let css = app
        .client
        .get(format!("{}/s/static/page.css", app.address))
        .send()
        .await?;
    assert_eq!(css.status(), 200);
    assert!(css.text().await?.contains("--primary: #0066cc"));
    Ok(())
}

#[tokio::test]
async fn the_page_speaks_the_five_languages_of_the_catalog() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for (locale, title, button) in [
        (
            "it",
            "Quanto è stato facile usare questo servizio?",
            "Avanti",
        ),
        ("en", "How easy was it to use this service?", "Next"),
        (
            "de",
            "Wie einfach war es, diesen Dienst zu nutzen?",
            "Weiter",
        ),
        (
            "fr",
            "Dans quelle mesure a-t-il été facile d&#39;utiliser ce service ?",
            "Suivant",
        ),
        (
            "sl",
            "Kako enostavna je bila uporaba te storitve?",
            "Naprej",
        ),
    ] {
        let html = app
            .hosted_page("inps-naspi", &format!("?locale={locale}"))
            .await?
            .text()
            .await?;
        assert!(
            html.contains(&format!("<html lang=\"{locale}\">")),
            "{locale}"
        );
        assert!(html.contains(title), "{locale}: {title}");
        assert!(html.contains(button), "{locale}: {button}");
    }
    Ok(())
}

#[tokio::test]
async fn a_citizen_completes_the_negative_flow_after_a_validation_error_and_one_row_is_stored()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.page_ticket("inps-naspi", "?locale=it").await?;

    // Step 1 without a rating: the form again, with the error next to the field and on top.
    let response = app
        .post_page(
            "inps-naspi",
            &[("ticket", &ticket), ("step", "1"), ("locale", "it")],
        )
        .await?;
    assert_eq!(response.status(), 422);
    let html = response.text().await?;
    assert!(html.contains("<title>Errore:"));
    assert!(html.contains("error-summary"));
    assert!(html.contains("href=\"#valutazione-1\""));
    assert!(html.contains("id=\"valutazione-error\""));
    assert!(html.contains("Questa risposta è obbligatoria."));
    assert_eq!(hidden_value(&html, "ticket")?, ticket);

    // A rating of 2: step 2 shows the negative follow-up only, and the module.
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "1"),
                ("locale", "it"),
                ("valutazione", "2"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    let html = response.text().await?;
    assert!(html.contains("Dove hai incontrato le maggiori difficoltà?"));
    assert!(!html.contains("Quali sono stati gli aspetti che hai preferito?"));
    assert!(html.contains("Hai ancora un minuto?"));
    assert!(html.contains("Quanto sei d&#39;accordo con questa frase?"));
    assert_eq!(hidden_value(&html, "valutazione")?, "2");

    // Step 2 with a free text containing an e-mail address: stored, redacted, channel `page`.
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("locale", "it"),
                ("valutazione", "2"),
                ("difficolta", "problemi-tecnici"),
                ("dettagli", "Scrivetemi a mario.rossi@example.com"),
                ("esito", "in-parte"),
                ("soddisfazione", "3"),
                ("website", ""),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    let html = response.text().await?;
    assert!(html.contains("Grazie, il tuo parere ci aiuterà a migliorare il servizio!"));
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.channel, "page");
    assert!(!row.verified);
    assert_eq!(row.valutazione, Some(2));
    assert_eq!(row.motivo.as_deref(), Some("problemi-tecnici"));
    assert_eq!(row.esito.as_deref(), Some("in-parte"));
    assert_eq!(row.soddisfazione, Some(3));
    assert_eq!(row.locale, "it");
    let texts = app.free_texts()?;
    assert_eq!(texts.len(), 1);
    assert!(!texts[0].text.contains("mario.rossi@example.com"));

    // Sending the same page again (a double click) is thanked, and stores nothing more; other
    // answers with the same ticket are told they were already received.
    let again = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("locale", "it"),
                ("valutazione", "2"),
                ("difficolta", "problemi-tecnici"),
                ("dettagli", "Scrivetemi a mario.rossi@example.com"),
                ("esito", "in-parte"),
                ("soddisfazione", "3"),
                ("website", ""),
            ],
        )
        .await?;
    assert_eq!(again.status(), 200);
    let other = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("locale", "it"),
                ("valutazione", "2"),
            ],
        )
        .await?;
    assert_eq!(other.status(), 409);
    assert!(
        other
            .text()
            .await?
            .contains("Abbiamo già ricevuto una risposta")
    );
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}

#[tokio::test]
async fn the_positive_flow_keeps_values_on_an_error_and_records_the_qr_channel()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app
        .page_ticket("roma-prenotazione-cie", "?locale=en&channel=qr")
        .await?;
    assert_eq!(claims_of(&ticket)?["channel"], "qr");
    let too_long = "x".repeat(201);
    let response = app
        .post_page(
            "roma-prenotazione-cie",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("locale", "en"),
                ("valutazione", "5"),
                ("aspetti-positivi", "indicazioni-complete"),
                ("dettagli", &too_long),
                ("fiducia", "4"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 422);
    let html = response.text().await?;
    assert!(html.contains("The text is too long."));
    assert!(html.contains("id=\"dettagli-error\""));
    assert!(html.contains(&format!("value=\"{too_long}\"")));
    assert!(html.contains("value=\"indicazioni-complete\" checked"));
    assert!(html.contains("id=\"fiducia-4\" name=\"fiducia\" value=\"4\" checked"));
    let response = app
        .post_page(
            "roma-prenotazione-cie",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("locale", "en"),
                ("valutazione", "5"),
                ("aspetti-positivi", "indicazioni-complete"),
                ("fiducia", "4"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    let rows = app.responses()?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].channel, "qr");
    assert_eq!(rows[0].fiducia, Some(4));
    assert_eq!(rows[0].locale, "en");
    Ok(())
}

#[tokio::test]
async fn an_expired_ticket_gets_a_fresh_form_with_the_answers_kept() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", "not.a.ticket"),
                ("step", "2"),
                ("locale", "it"),
                ("valutazione", "4"),
                ("aspetti-positivi", "indicazioni-chiare"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    let html = response.text().await?;
    assert!(html.contains("Il modulo è scaduto"));
    assert!(html.contains("value=\"indicazioni-chiare\" checked"));
    let fresh = hidden_value(&html, "ticket")?;
    assert_eq!(claims_of(&fresh)?["sub"], "inps-naspi");
    assert_eq!(app.rejections("invalid_ticket")?, 1);
    assert_eq!(app.count_responses()?, 0);
    // A widget ticket (another origin) is not a hosted page's ticket.
    let widget_ticket = app.ticket().await?;
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &widget_ticket),
                ("step", "2"),
                ("valutazione", "4"),
            ],
        )
        .await?;
    assert!(response.text().await?.contains("Il modulo è scaduto"));
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn the_honeypot_is_thanked_and_nothing_is_stored() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.page_ticket("inps-naspi", "").await?;
    let response = app
        .post_page(
            "inps-naspi",
            &[
                ("ticket", &ticket),
                ("step", "2"),
                ("valutazione", "4"),
                ("website", "http://spam.example"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 200);
    assert!(response.text().await?.contains("Grazie"));
    assert_eq!(app.count_responses()?, 0);
    assert_eq!(app.rejections("honeypot")?, 1);
    Ok(())
}

#[tokio::test]
async fn an_unknown_service_is_a_404_page_and_a_foreign_origin_is_refused() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app.hosted_page("no-such-service", "?locale=it").await?;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await?
            .contains("Questo servizio non esiste.")
    );
    let ticket = app.page_ticket("inps-naspi", "").await?;
    let response = app
        .client
        .post(format!("{}/s/inps-naspi", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "https://evil.example")
        .body(format!("ticket={ticket}&step=2&valutazione=4"))
        .send()
        .await?;
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(format!("{}/s/inps-naspi", app.address))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await?;
    assert_eq!(response.status(), 415);
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

/// The modules of the QR code in a greyscale image, read back by `rqrr`.
fn decode(image: image::GrayImage) -> anyhow::Result<String> {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    anyhow::ensure!(grids.len() == 1, "{} codes found", grids.len());
    let (_, text) = grids[0].decode().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(text)
}

/// Rasterises the SVG the collector draws: its view box, and the unit squares of its path.
fn rasterise_svg(svg: &str, scale: u32) -> anyhow::Result<image::GrayImage> {
    let view = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .context("no view box")?
        .parse::<u32>()?;
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("no path")?;
    let mut image = image::GrayImage::from_pixel(view * scale, view * scale, image::Luma([255]));
    for square in d.split('z').filter(|s| !s.is_empty()) {
        let rest = square.strip_prefix('M').context("a square starts with M")?;
        let rest = rest.strip_suffix("h1v1h-1").context("a unit square")?;
        let (x, y) = rest.split_once(' ').context("x y")?;
        let (x, y): (u32, u32) = (x.parse()?, y.parse()?);
        for px in x * scale..(x + 1) * scale {
            for py in y * scale..(y + 1) * scale {
                image.put_pixel(px, py, image::Luma([0]));
            }
        }
    }
    Ok(image)
}

#[tokio::test]
async fn the_qr_codes_decode_to_the_hosted_page_with_the_qr_channel() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.public_url = "https://voce.istat.example".into()).await?;
    let expected = "https://voce.istat.example/s/roma-tari?locale=it&channel=qr";
    let png = app
        .client
        .get(format!("{}/s/roma-tari/qr.png", app.address))
        .send()
        .await?;
    assert_eq!(png.status(), 200);
    assert_eq!(
        png.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    let png = image::load_from_memory(&png.bytes().await?)?.to_luma8();
    assert!(png.width() >= 1063, "printable at A6: {}", png.width());
    assert_eq!(decode(png)?, expected);

    let svg = app
        .client
        .get(format!("{}/s/roma-tari/qr.svg", app.address))
        .send()
        .await?;
    assert_eq!(svg.status(), 200);
    let svg = svg.text().await?;
    assert!(svg.contains("width=\"90mm\""));
    assert_eq!(decode(rasterise_svg(&svg, 8)?)?, expected);

    let german = app
        .client
        .get(format!("{}/s/roma-tari/qr.svg?locale=de", app.address))
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(
        decode(rasterise_svg(&german, 8)?)?,
        "https://voce.istat.example/s/roma-tari?locale=de&channel=qr"
    );
    let missing = app
        .client
        .get(format!("{}/s/nobody/qr.svg", app.address))
        .send()
        .await?;
    assert_eq!(missing.status(), 404);
    Ok(())
}
