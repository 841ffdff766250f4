//! The "Answers" cases of reliability-tests.md: only well-formed JSON of the agreed shape whose
//! answers validate against the ticket's questionnaire is stored, free text is redacted first,
//! and every refusal is a problem document that stores nothing.

use serde_json::{Value, json};

use crate::helpers::*;

/// Submits `answers` (Italian) with a fresh INPS ticket, expects a 422 invalid-answers problem,
/// and returns its violations as (question, code).
async fn refused(app: &TestApp, answers: &Value) -> anyhow::Result<(Vec<(String, String)>, Value)> {
    let ticket = app.ticket().await?;
    let body = json!({"answers": answers, "locale": "it"});
    let problem = expect_problem(
        app.submit(&ticket, &body).await?,
        422,
        "/problems/invalid-answers",
    )
    .await?;
    Ok((violations(&problem), problem))
}

fn violations(problem: &Value) -> Vec<(String, String)> {
    problem["violations"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| {
                    (
                        v["question"].as_str().unwrap_or_default().to_owned(),
                        v["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn submit_returns_422_naming_the_question_for_each_bad_rating() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for (rating, code) in [
        (json!(0), "out_of_range"),
        (json!(6), "out_of_range"),
        (json!(-1), "out_of_range"),
        (json!(3.5), "wrong_type"),
        (json!("5"), "wrong_type"),
        (Value::Null, "wrong_type"),
    ] {
        let (found, _) = refused(&app, &json!({"valutazione": rating})).await?;
        assert_eq!(
            found,
            vec![("valutazione".to_owned(), code.to_owned())],
            "rating {rating}"
        );
    }
    assert_eq!(app.count_responses()?, 0);
    assert_eq!(app.rejections("invalid_answers")?, 6);
    Ok(())
}

#[tokio::test]
async fn submit_returns_422_for_unknown_hidden_missing_and_foreign_answers() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let cases = [
        (
            json!({"valutazione": 4, "colore-preferito": "blu"}),
            ("colore-preferito", "unknown_question"),
        ),
        (
            json!({"valutazione": 5, "difficolta": "problemi-tecnici"}),
            ("difficolta", "not_shown"),
        ),
        (json!({"esito": "si"}), ("valutazione", "required")),
        (
            json!({"valutazione": 4, "esito": "forse"}),
            ("esito", "not_an_option"),
        ),
    ];
    for (answers, expected) in cases {
        let (found, problem) = refused(&app, &answers).await?;
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{answers}: {problem}"
        );
    }
    // An answer meant for another questionnaire: `esito` belongs to facilita-servizio, not to
    // the chiarezza-pagina questionnaire of an information page.
    let ticket = app.ticket_from("roma-carta-identita", ROMA_ORIGIN).await?;
    let body = json!({"answers": {"valutazione": 4, "esito": "si"}, "locale": "it"});
    let response = app
        .post_raw(
            Some(&ticket),
            Some(ROMA_ORIGIN),
            Some("application/json"),
            serde_json::to_vec(&body)?,
        )
        .await?;
    let problem = expect_problem(response, 422, "/problems/invalid-answers").await?;
    assert_eq!(
        violations(&problem),
        vec![("esito".to_owned(), "unknown_question".to_owned())]
    );
    assert_eq!(app.count_responses()?, 0);
    Ok(())
}

#[tokio::test]
async fn free_text_at_the_limit_is_accepted_and_one_more_character_is_refused() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    // 200 Unicode scalar values each, in several shapes.
    let at_limit = [
        "😀".repeat(200),
        "e\u{301}".repeat(100),
        "ok\r\n".repeat(50),
        "à".repeat(200),
    ];
    for text in &at_limit {
        assert_eq!(text.chars().count(), 200);
        let ticket = app.ticket().await?;
        let body = json!({"answers": {"valutazione": 4, "dettagli": text}, "locale": "it"});
        assert_eq!(app.submit(&ticket, &body).await?.status(), 201, "{text:?}");
        let over = format!("{text}x");
        let (found, _) = refused(&app, &json!({"valutazione": 4, "dettagli": over})).await?;
        assert_eq!(found, vec![("dettagli".to_owned(), "too_long".to_owned())]);
    }
    assert_eq!(app.count_responses()?, 4);
    assert_eq!(app.free_texts()?.len(), 4);
    Ok(())
}

#[tokio::test]
async fn submit_returns_400_for_malformed_bodies() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let deep = format!(
        "{{\"answers\":{{\"valutazione\":{}4{}}},\"locale\":\"it\"}}",
        "[".repeat(50),
        "]".repeat(50)
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "empty body"),
        (b"{\"answers\":".to_vec(), "truncated JSON"),
        (b"not json".to_vec(), "not JSON"),
        (
            br#"{"answers":{"valutazione":4},"locale":"it","extra":1}"#.to_vec(),
            "unknown top-level field",
        ),
        (
            br#"{"answers":{"valutazione":4,"valutazione":5},"locale":"it"}"#.to_vec(),
            "duplicate keys in answers",
        ),
        (
            br#"{"answers":{"valutazione":4},"locale":"it","locale":"en"}"#.to_vec(),
            "duplicate top-level keys",
        ),
        (deep.into_bytes(), "deep nesting"),
        (
            br#"{"answers":{"valutazione":4,"dettagli":"\ud800"},"locale":"it"}"#.to_vec(),
            "lone surrogate",
        ),
        (
            b"{\"answers\":{\"valutazione\":4,\"dettagli\":\"\xff\xfe\"},\"locale\":\"it\"}"
                .to_vec(),
            "invalid UTF-8",
        ),
        (
            br#"{"answers":{"valutazione":4}}"#.to_vec(),
            "missing locale",
        ),
        (
            br#"{"answers":{"valutazione":4},"locale":"xx"}"#.to_vec(),
            "unsupported locale",
        ),
        (br#"[1,2,3]"#.to_vec(), "an array"),
        (
            br#"{"answers":{"valutazione":4},"locale":"it"} {}"#.to_vec(),
            "trailing data",
        ),
    ];
    for (body, what) in cases {
        let ticket = app.ticket().await?;
        let response = app
            .post_raw(
                Some(&ticket),
                Some(INPS_ORIGIN),
                Some("application/json"),
                body,
            )
            .await?;
        let problem = expect_problem(response, 400, "/problems/malformed-request")
            .await
            .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        assert!(problem["detail"].is_string(), "{what}");
    }
    assert_eq!(app.count_responses()?, 0);
    assert_eq!(app.rejections("malformed")?, 13);
    Ok(())
}

#[tokio::test]
async fn submit_returns_413_for_a_body_over_16_kib() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let padding = "x".repeat(voce_shared::api::MAX_BODY_BYTES);
    let body = json!({"answers": {"valutazione": 4, "dettagli": padding}, "locale": "it"});
    let response = app.submit(&ticket, &body).await?;
    expect_problem(response, 413, "/problems/payload-too-large").await?;
    // Without a Content-Length (chunked), the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b' '; 10_000]), Ok(vec![b' '; 10_000])];
    let stream = futures_util::stream::iter(chunks);
    let response = app
        .post_raw(
            Some(&ticket),
            Some(INPS_ORIGIN),
            Some("application/json"),
            reqwest::Body::wrap_stream(stream),
        )
        .await?;
    expect_problem(response, 413, "/problems/payload-too-large").await?;
    assert_eq!(app.count_responses()?, 0);
    // The ticket is still good for a body within the limit.
    assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    Ok(())
}

#[tokio::test]
async fn submit_returns_415_without_a_json_content_type() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body = serde_json::to_vec(&valid_body())?;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let response = app
            .post_raw(Some(&ticket), Some(INPS_ORIGIN), content_type, body.clone())
            .await?;
        expect_problem(response, 415, "/problems/unsupported-media-type")
            .await
            .map_err(|e| anyhow::anyhow!("{content_type:?}: {e}"))?;
    }
    assert_eq!(app.count_responses()?, 0);
    let response = app
        .post_raw(
            Some(&ticket),
            Some(INPS_ORIGIN),
            Some("Application/JSON; charset=UTF-8"),
            body,
        )
        .await?;
    assert_eq!(response.status(), 201);
    Ok(())
}

#[tokio::test]
async fn personal_data_in_free_text_is_redacted_before_it_is_stored() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let personal = "Sono RSSMRA85T10A562S, IBAN IT60 X054 2811 1010 0000 0123 456, \
                    mario.rossi@example.com, tel. 333 123 4567, carta 4111 1111 1111 1111";
    let ordinary = "Pagato 45,50 euro il 12/03/2024 alle 10:30, pratica n. 2024/123: tutto ok.";
    for text in [personal, ordinary] {
        let ticket = app.ticket().await?;
        let body = json!({"answers": {"valutazione": 2, "difficolta": "altro", "dettagli": text}, "locale": "it"});
        assert_eq!(app.submit(&ticket, &body).await?.status(), 201);
    }
    let texts = app.free_texts()?;
    assert_eq!(texts.len(), 2);
    let redacted = texts
        .iter()
        .find(|t| !t.redacted_kinds.is_empty())
        .map(|t| t.text.clone())
        .unwrap_or_default();
    for secret in [
        "RSSMRA85T10A562S",
        "IT60 X054",
        "mario.rossi@example.com",
        "333 123 4567",
        "4111 1111 1111 1111",
    ] {
        assert!(!redacted.contains(secret), "{secret} stored in {redacted}");
    }
    assert!(redacted.contains("[codice fiscale rimosso]"), "{redacted}");
    assert!(
        texts.iter().any(|t| t.text == ordinary),
        "ordinary feedback was altered"
    );
    for row in app.responses()? {
        assert!(
            !row.answers.contains("dettagli"),
            "free text kept in answers: {}",
            row.answers
        );
        assert_eq!(row.motivo.as_deref(), Some("altro"));
    }
    Ok(())
}

#[tokio::test]
async fn free_texts_past_their_retention_are_purged_and_the_response_stays() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let ticket = app.ticket().await?;
    let body = json!({"answers": {"valutazione": 4, "dettagli": "Ottimo"}, "locale": "it"});
    assert_eq!(app.submit(&ticket, &body).await?.status(), 201);
    let texts = app.free_texts()?;
    assert_eq!(texts.len(), 1);
    // No response was received before year 0: only each text's own retention day counts.
    let purge = |day: &str| -> anyhow::Result<usize> {
        Ok(
            voce_collector::db::responses::purge_free_texts_received_before(
                &mut *app.conn()?,
                day,
                "0000-01-01",
            )?,
        )
    };
    assert_eq!(purge(&texts[0].purge_after)?, 0, "purged on its last day");
    assert_eq!(purge("9999-12-31")?, 1);
    assert!(app.free_texts()?.is_empty());
    assert_eq!(app.count_responses()?, 1);
    Ok(())
}
