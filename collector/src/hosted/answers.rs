//! The hosted page's HTTP answers: the form at a step, the confirmation, "not found" and the
//! page for a refusal the citizen cannot fix, each with the page's security headers (strict
//! Content Security Policy, `no-store`, never framed).

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use voce_shared::{Locale, Violation};

use super::i18n::Text;
use super::page::{self, FormInput};
use super::{CONTENT_SECURITY_POLICY, links};
use crate::error::ApiError;
use crate::registry::cache::CachedService;

/// The form of `found` at `step`, with the answers kept, each violation by its field and an
/// optional notice at the top.
#[allow(clippy::too_many_arguments)]
pub fn render_form(
    found: &CachedService,
    locale: Locale,
    kept_query: &str,
    ticket: &str,
    step: u8,
    answers: &BTreeMap<String, serde_json::Value>,
    violations: &[Violation],
    notice: Option<Text>,
    status: StatusCode,
) -> HttpResponse {
    let resolved = found.questionnaire.resolve(locale, &found.body.name);
    let mut chrome = page::chrome(
        locale,
        &format!("{} — {}", found.service.name, found.body.name),
        &found.body.name,
        &format!("/s/{}", links::encode_component(&found.service.id)),
        kept_query,
    );
    let html = page::render_form(
        &mut chrome,
        &FormInput {
            questionnaire: &resolved,
            locale,
            service_id: &found.service.id,
            service_name: &found.service.name,
            ticket,
            step,
            answers,
            violations,
            notice,
        },
    );
    html_response(status, html)
}

/// The confirmation: the questionnaire's own thanks.
pub fn confirmation(locale: Locale, found: &CachedService) -> HttpResponse {
    let resolved = found.questionnaire.resolve(locale, &found.body.name);
    message(
        StatusCode::OK,
        locale,
        found,
        Text::ThankYou.get(locale),
        resolved.confirmation.get(locale),
    )
}

/// No such service.
pub fn not_found(locale: Locale) -> HttpResponse {
    let chrome = page::chrome(locale, Text::NotFound.get(locale), "Voce", "", "");
    html_response(
        StatusCode::NOT_FOUND,
        page::render_message(
            &chrome,
            Text::NotFound.get(locale),
            Text::NotFound.get(locale),
        ),
    )
}

/// The page for a refusal that the citizen cannot fix by editing answers.
pub fn failure(locale: Locale, found: &CachedService, e: &ApiError) -> HttpResponse {
    let (status, text) = match e {
        ApiError::TicketUsed => (StatusCode::CONFLICT, Text::AlreadyAnswered),
        ApiError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, Text::Unavailable),
        ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, Text::NotValid),
        ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, Text::NotValid),
        ApiError::OriginNotAllowed => (StatusCode::FORBIDDEN, Text::NotValid),
        ApiError::InvalidTicket => (StatusCode::UNAUTHORIZED, Text::Expired),
        other => {
            tracing::error!(error = %other, "hosted page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Text::Unavailable)
        }
    };
    let mut response = message(status, locale, found, &found.service.name, text.get(locale));
    if let ApiError::Unavailable {
        retry_after_secs, ..
    } = e
        && let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn message(
    status: StatusCode,
    locale: Locale,
    found: &CachedService,
    heading: &str,
    text: &str,
) -> HttpResponse {
    let chrome = page::chrome(
        locale,
        &format!("{heading} — {}", found.service.name),
        &found.body.name,
        &format!("/s/{}", links::encode_component(&found.service.id)),
        "",
    );
    html_response(status, page::render_message(&chrome, heading, text))
}

fn html_response(status: StatusCode, html: Result<String, askama::Error>) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    match html {
        Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the hosted page");
            HttpResponse::InternalServerError().finish()
        }
    }
}
