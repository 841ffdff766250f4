//! `POST /v1/responses`: stores a citizen's answers, once per ticket, only when the ticket is
//! valid, the origin is the ticket's, the body is well-formed JSON of the agreed shape, and the
//! answers validate against the exact questionnaire version of the ticket. Free text is redacted
//! before anything is written. The `201` is sent only after the commit; a retry with the same
//! ticket and body gets the same receipt, another body gets `409`. Every refusal stores nothing
//! and is counted by reason.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use voce_shared::api::{HONEYPOT_FIELD, MAX_BODY_BYTES, Receipt, SubmitRequest};
use voce_shared::{Answer, Submission};

use crate::db::responses::{FreeTextRow, ResponseRow};
use crate::db::{self, DbError};
use crate::domain::{day_of, rfc3339};
use crate::error::ApiError;
use crate::routes::request_origin;
use crate::startup::AppState;
use crate::tickets::TicketClaims;

/// Stores a response.
#[utoipa::path(post, path = "/v1/responses",
    request_body(content = String, description = "voce_shared::api::SubmitRequest: {\"answers\": {...}, \"locale\": \"it\"}", content_type = "application/json"),
    security(("ticket" = [])),
    responses(
        (status = 201, description = "Stored (voce_shared::api::Receipt)", content_type = "application/json"),
        (status = 200, description = "Already stored with this ticket and body: the same receipt", content_type = "application/json"),
        (status = 400, description = "Malformed JSON, duplicate keys, unknown fields, deep nesting", content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired ticket", content_type = "application/problem+json"),
        (status = 403, description = "Origin differs from the ticket's", content_type = "application/problem+json"),
        (status = 408, description = "The body was not received within the request timeout; the connection is closed", content_type = "application/problem+json"),
        (status = 409, description = "The ticket already stored a different body", content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB", content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", content_type = "application/problem+json"),
        (status = 422, description = "Invalid answers, each violation listed", content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; nothing stored", content_type = "application/problem+json"),
    ))]
pub async fn submit_response(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = submit(&req, payload, &state).await;
    if let Err(e) = &result {
        let reason = e.rejection_reason();
        state.metrics.record_rejection(reason);
        if !matches!(e, ApiError::Unavailable { .. } | ApiError::Internal(_)) {
            count_rejection(&state, reason).await;
        }
    }
    result
}

async fn count_rejection(state: &AppState, reason: &'static str) {
    let day = day_of(OffsetDateTime::now_utc());
    if let Err(e) = state
        .db(move |conn| db::counters::count_rejection(conn, reason, &day))
        .await
    {
        tracing::debug!(error = %e, reason, "could not count a rejection");
    }
}

async fn submit(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    check_content_type(req)?;
    let claims = verify_ticket(req, state)?;
    if request_origin(req).is_none_or(|o| o.as_str() != claims.origin) {
        return Err(ApiError::OriginNotAllowed);
    }
    let deadline = std::time::Duration::from_millis(state.settings.client_request_timeout_ms);
    let bytes = actix_web::rt::time::timeout(deadline, read_body(req, payload))
        .await
        .map_err(|_| ApiError::RequestTimeout)??;
    let value = crate::json::parse_strict(&bytes).map_err(|e| ApiError::Malformed(e.0))?;
    let request: SubmitRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::Malformed(format!("the body does not have the expected shape: {e}"))
    })?;
    let canonical = serde_json::to_vec(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let fingerprint = hex::encode(Sha256::digest(&canonical));

    let jti = claims.jti.clone();
    if let Some(stored) = state
        .db(move |conn| db::responses::find_by_ticket(conn, &jti))
        .await?
    {
        return replay(stored, &fingerprint);
    }

    if request
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        // Looks accepted to the bot; nothing is stored.
        state.metrics.record_rejection("honeypot");
        count_rejection(state, "honeypot").await;
        tracing::debug!(field = HONEYPOT_FIELD, "honeypot filled");
        return Ok(created(Receipt {
            response_id: uuid::Uuid::new_v4().to_string(),
            received_at: rfc3339(OffsetDateTime::now_utc()),
        }));
    }

    let questionnaire = state
        .catalog
        .get(&claims.questionnaire.id, claims.questionnaire.version)
        .ok()
        .filter(|q| {
            state
                .catalog
                .reference(&q.id, q.version)
                .is_ok_and(|r| r.hash == claims.questionnaire.hash)
        })
        .ok_or(ApiError::InvalidTicket)?;
    let submission = Submission {
        answers: request.answers.clone(),
    };
    let valid =
        voce_shared::validate(questionnaire, &submission).map_err(ApiError::InvalidAnswers)?;

    let now = OffsetDateTime::now_utc();
    let response_id = uuid::Uuid::new_v4().to_string();
    let received_at = rfc3339(now);
    let purge_after =
        day_of(now + time::Duration::days(i64::from(state.settings.free_text_retention_days)));
    let answers = valid.into_answers();
    let mut texts = Vec::new();
    let mut structured = BTreeMap::new();
    for (question, answer) in &answers {
        match answer {
            Answer::Text(text) => {
                let redacted = voce_shared::redact(text);
                texts.push(FreeTextRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    response_id: response_id.clone(),
                    question: question.clone(),
                    text: redacted.text,
                    redacted_kinds: redacted
                        .found
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(","),
                    purge_after: purge_after.clone(),
                });
            }
            other => {
                structured.insert(question.clone(), other.clone());
            }
        }
    }
    let rating = |q: &str| answers.get(q).and_then(Answer::as_rating).map(i32::from);
    let choice = |q: &str| match answers.get(q) {
        Some(Answer::Choice(c)) => Some(c.clone()),
        _ => None,
    };
    let response = ResponseRow {
        id: response_id.clone(),
        service_id: claims.sub.clone(),
        questionnaire_id: claims.questionnaire.id.clone(),
        questionnaire_version: i32::try_from(claims.questionnaire.version)
            .map_err(|_| ApiError::InvalidTicket)?,
        questionnaire_hash: claims.questionnaire.hash.clone(),
        ticket_id: claims.jti.clone(),
        body_fingerprint: fingerprint.clone(),
        received_at: received_at.clone(),
        locale: request.locale.code().to_owned(),
        answers: serde_json::to_string(&structured)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        valutazione: rating("valutazione"),
        motivo: choice("difficolta").or_else(|| choice("aspetti-positivi")),
        esito: choice("esito"),
        soddisfazione: rating("soddisfazione"),
        fiducia: rating("fiducia"),
    };
    let day = day_of(now);
    let jti = claims.jti.clone();
    let outcome = state
        .db(
            move |conn| match db::responses::insert(conn, &response, &texts, &day) {
                Ok(()) => Ok(None),
                // Another request with the same ticket committed first.
                Err(e) if e.is_unique_violation() => db::responses::find_by_ticket(conn, &jti)?
                    .map(Some)
                    .ok_or(e),
                Err(e) => Err::<_, DbError>(e),
            },
        )
        .await?;
    if let Some(stored) = outcome {
        return replay(stored, &fingerprint);
    }
    state.metrics.record_response();
    Ok(created(Receipt {
        response_id,
        received_at,
    }))
}

fn created(receipt: Receipt) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(receipt)
}

fn replay(
    stored: db::responses::StoredTicket,
    fingerprint: &str,
) -> Result<HttpResponse, ApiError> {
    if stored.body_fingerprint == fingerprint {
        Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(Receipt {
                response_id: stored.response_id,
                received_at: stored.received_at,
            }))
    } else {
        Err(ApiError::TicketUsed)
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::UnsupportedMediaType)?;
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    let charset_ok = parts.all(|p| match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
            v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    });
    if essence.eq_ignore_ascii_case("application/json") && charset_ok {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn verify_ticket(req: &HttpRequest, state: &AppState) -> Result<TicketClaims, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or(ApiError::InvalidTicket)?;
    state.keyring.verify(token).map_err(|e| {
        tracing::debug!(reason = %e, "ticket refused");
        ApiError::InvalidTicket
    })
}

/// Reads the body, at most [`MAX_BODY_BYTES`]. The caller bounds the time it takes: actix-web
/// times out only a connection's first request head, never a body, so a client trickling its body
/// would otherwise hold the connection and this handler forever.
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut body = Vec::with_capacity(declared.map_or(1024, |n| n as usize));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::Malformed("the body could not be read".into()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
