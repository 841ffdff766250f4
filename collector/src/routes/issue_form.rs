//! `GET /v1/forms/{service_id}?locale=it`: the questionnaire of a service, resolved for one
//! locale, and a fresh one-time ticket bound to the service, the questionnaire version and the
//! requesting origin. Only the body's allowed origins get one. Everything is read from the
//! in-memory registry ([`crate::registry::cache`]): a form costs no database work.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use time::OffsetDateTime;
use voce_shared::Locale;

use crate::domain::{ServiceId, rfc3339};
use crate::error::ApiError;
use crate::extract::request_origin;
use crate::forms;
use crate::state::AppState;

/// The query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FormQuery {
    /// Language tag (`it`, `en`, `de`, `fr`, `sl`, or a tag such as `de-AT`); Italian when absent
    /// or unsupported.
    pub locale: Option<String>,
    /// A completion attestation signed by the service's body (`data-attestation` of the
    /// widget's placement): a valid one makes the ticket `verified`; any other still gets an
    /// ordinary ticket.
    pub attestation: Option<String>,
}

/// Issues a form and ticket.
#[utoipa::path(get, path = "/v1/forms/{service_id}",
    params(
        ("service_id" = String, Path, description = "Registry id of the service"),
        ("Origin" = String, Header, description = "The origin of the page that embeds the widget; one of the body's allowed origins"),
        FormQuery,
    ),
    responses(
        (status = 200, description = "The form with a fresh ticket", body = voce_shared::api::Form, content_type = "application/json"),
        (status = 400, response = crate::problems::Malformed),
        (status = 403, response = crate::problems::OriginNotAllowed),
        (status = 404, response = crate::problems::NotFound),
        (status = 429, response = crate::problems::RateLimited),
        (status = 503, response = crate::problems::Unavailable),
    ))]
pub async fn issue_form(
    req: HttpRequest,
    service_id: web::Path<String>,
    query: web::Query<FormQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound("No such service.".into());
    let service_id = ServiceId::parse(&service_id).map_err(|_| not_found())?;
    let Some(origin) = request_origin(&req) else {
        state.metrics.record_rejection("origin_not_allowed");
        return Err(ApiError::OriginNotAllowed);
    };
    let locale = query
        .locale
        .as_deref()
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split([',', ';']).next())
        })
        .map_or(Locale::It, |tag| Locale::negotiate(tag.trim()));
    let now = OffsetDateTime::now_utc();
    let registry = state.registry.snapshot();
    let found = registry
        .service(service_id.as_str())
        .ok_or_else(not_found)?;
    if !found.origins.contains(origin.as_str()) {
        state.ingest().count_rejection("origin_not_allowed");
        return Err(ApiError::OriginNotAllowed);
    }
    let (ticket, claims) = forms::issue_ticket(
        &state,
        found,
        origin.as_str(),
        None,
        query.attestation.as_deref(),
        now,
    )?;
    let expires_at = OffsetDateTime::from_unix_timestamp(claims.exp)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    // The cached form, then the two fields that change with every ticket.
    let mut body = String::with_capacity(8192);
    body.push_str(&found.form_prefix(locale));
    body.push_str(",\"ticket\":");
    body.push_str(&serde_json::to_string(&ticket).map_err(|e| ApiError::Internal(e.to_string()))?);
    body.push_str(",\"expires_at\":\"");
    body.push_str(&rfc3339(expires_at));
    body.push_str("\"}");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body))
}
