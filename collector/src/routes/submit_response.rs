//! `POST /v1/responses`: stores a citizen's answers, once per ticket, only when the ticket is
//! valid, the origin is the ticket's, the body is well-formed JSON of the agreed shape, and the
//! answers validate against the exact questionnaire version of the ticket. The handler reads the
//! HTTP request and checks the ticket; [`crate::ingest`] parses, validates, redacts and commits
//! (the handler itself makes no database call: a refusal costs none).
//! The `201` is sent only after the commit; every refusal stores nothing and is counted by reason.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use time::OffsetDateTime;
use voce_shared::api::{MAX_BODY_BYTES, Receipt};

use crate::auth::tickets::TicketClaims;
use crate::error::ApiError;
use crate::extract::request_origin;
use crate::ingest::{self, writer::Stored};
use crate::state::AppState;

/// Stores a response.
#[utoipa::path(post, path = "/v1/responses",
    request_body(content = voce_shared::api::SubmitRequest, content_type = "application/json"),
    security(("ticket" = [])),
    responses(
        (status = 201, description = "Stored", body = voce_shared::api::Receipt, content_type = "application/json"),
        (status = 200, description = "Already stored with this ticket and body: the same receipt", body = voce_shared::api::Receipt, content_type = "application/json"),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::InvalidTicket),
        (status = 403, response = crate::problems::OriginNotAllowed),
        (status = 408, response = crate::problems::RequestTimeout),
        (status = 409, response = crate::problems::TicketUsed),
        (status = 413, response = crate::problems::PayloadTooLarge),
        (status = 415, response = crate::problems::UnsupportedMediaType),
        (status = 422, response = crate::problems::InvalidAnswers),
        (status = 429, response = crate::problems::RateLimited),
        (status = 503, response = crate::problems::Unavailable),
    ))]
pub async fn submit_response(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = submit(&req, payload, &state).await;
    if let Err(e) = &result {
        state.ingest().count_rejection(e.rejection_reason());
    }
    result
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
    let body = ingest::parse_body(&bytes)?;
    Ok(
        match state
            .ingest()
            .accept(&claims, &body, OffsetDateTime::now_utc())
            .await?
        {
            Stored::Created(receipt) => receipt_response(HttpResponse::Created(), receipt),
            Stored::Replayed(receipt) => receipt_response(HttpResponse::Ok(), receipt),
        },
    )
}

fn receipt_response(mut builder: actix_web::HttpResponseBuilder, receipt: Receipt) -> HttpResponse {
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(receipt)
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
    state.keys.keyring().verify(token).map_err(|e| {
        tracing::debug!(reason = %e, "ticket refused");
        ApiError::from(e)
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
