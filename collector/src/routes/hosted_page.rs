//! The hosted page, `GET /s/{service_id}?locale=…[&channel=qr|email|sms][&a=attestation]` and
//! `POST /s/{service_id}` (form-encoded), and its stylesheet `GET /s/static/page.css`.
//!
//! `GET` issues a ticket exactly as `GET /v1/forms` does (same keys, counts, rate limit and
//! attestation check), for the collector's own public origin and carrying the channel, and shows
//! step 1. `POST` verifies the ticket, reads the fields ([`crate::hosted::form`]), validates
//! with `voce_shared::validate` (step 1: the rating; step 2: everything, through
//! [`crate::ingest::rows::build`], which also redacts), and stores through the group-commit
//! writer; it answers the confirmation, or the form again with every error next to its field and
//! a summary at the top, values kept. A ticket that no longer verifies gets a fresh one and the
//! form again with the answers kept. Pages carry no script and set no cookie.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use time::OffsetDateTime;
use voce_shared::api::SubmitRequest;
use voce_shared::{Locale, Questionnaire, Submission};

use crate::auth::tickets::TicketClaims;
use crate::domain::{Channel, ServiceId};
use crate::error::ApiError;
use crate::forms;
use crate::hosted::answers::{confirmation, failure, not_found, render_form};
use crate::hosted::form::{self, Posted};
use crate::hosted::i18n::Text;
use crate::hosted::{STYLESHEET, links};
use crate::ingest::{IngestError, ParsedBody, rows};
use crate::registry::cache::CachedService;
use crate::state::AppState;

/// The query string of the hosted page.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// `it`, `en`, `de`, `fr` or `sl` (or a tag such as `de-AT`); else the browser's language,
    /// else Italian.
    pub locale: Option<String>,
    /// `qr`, `email` or `sms`: where the link was found; anything else is the page itself.
    pub channel: Option<String>,
    /// A completion attestation signed by the service's body.
    pub a: Option<String>,
}

/// `GET /s/static/page.css`.
pub async fn serve_page_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type("text/css; charset=utf-8")
        .body(STYLESHEET)
}

/// `GET /s/{service_id}`: step 1 of the form, with a fresh ticket.
pub async fn show_hosted_page(
    req: HttpRequest,
    service_id: web::Path<String>,
    query: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let locale = page_locale(&req, query.locale.as_deref());
    let Some(found) = find_service(&state, &service_id) else {
        return not_found(locale);
    };
    let channel = links::page_channel(query.channel.as_deref());
    let mut kept = String::new();
    if channel != Channel::Page {
        kept.push_str("&channel=");
        kept.push_str(channel.code());
    }
    if let Some(a) = query.a.as_deref().filter(|a| !a.is_empty()) {
        kept.push_str("&a=");
        kept.push_str(&links::encode_component(a));
    }
    let now = OffsetDateTime::now_utc();
    let issued = public_origin(&state).and_then(|origin| {
        forms::issue_ticket(
            &state,
            &found,
            &origin,
            Some(channel),
            query.a.as_deref(),
            now,
        )
        .map_err(ApiError::from)
    });
    let (ticket, _) = match issued {
        Ok(issued) => issued,
        Err(e) => return failure(locale, &found, &e),
    };
    render_form(
        &found,
        locale,
        &kept,
        &ticket,
        1,
        &BTreeMap::new(),
        &[],
        None,
        StatusCode::OK,
    )
}

/// `POST /s/{service_id}`: the next step, the confirmation, or the form again with its errors.
pub async fn submit_hosted_page(
    req: HttpRequest,
    service_id: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let fallback_locale = page_locale(&req, None);
    let Some(found) = find_service(&state, &service_id) else {
        return not_found(fallback_locale);
    };
    if !is_form_encoded(&req) {
        state.ingest().count_rejection("unsupported_media_type");
        return failure(fallback_locale, &found, &ApiError::UnsupportedMediaType);
    }
    let posted = match form::parse(&body, found.questionnaire) {
        Ok(posted) => posted,
        Err(e) => {
            state.ingest().count_rejection("malformed");
            return failure(fallback_locale, &found, &ApiError::Malformed(e));
        }
    };
    let locale = posted.locale;
    let origin = match public_origin(&state) {
        Ok(origin) => origin,
        Err(e) => return failure(locale, &found, &e),
    };
    let sent_origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if sent_origin.is_some_and(|o| o != "null" && o != origin) {
        state.ingest().count_rejection("origin_not_allowed");
        return failure(locale, &found, &ApiError::OriginNotAllowed);
    }
    let claims = state
        .keys
        .keyring()
        .verify(&posted.ticket)
        .ok()
        .filter(|c| c.sub == found.service.id && c.origin == origin);
    let Some(claims) = claims else {
        // Expired or not valid: a fresh (unverified) ticket, and the answers kept.
        state.ingest().count_rejection("invalid_ticket");
        return match forms::issue_ticket(
            &state,
            &found,
            &origin,
            Some(Channel::Page),
            None,
            OffsetDateTime::now_utc(),
        ) {
            Ok((ticket, _)) => render_form(
                &found,
                locale,
                "",
                &ticket,
                posted.step,
                &posted.answers,
                &[],
                Some(Text::Expired),
                StatusCode::OK,
            ),
            Err(e) => failure(locale, &found, &e.into()),
        };
    };
    if posted.website.is_some() {
        // A bot: thanked, nothing stored, counted.
        state.ingest().count_rejection("honeypot");
        return confirmation(locale, &found);
    }
    let questionnaire = match rows::questionnaire_of(state.catalog, &claims) {
        Ok(q) => q,
        Err(e) => return failure(locale, &found, &e.into()),
    };
    if posted.step == 1 {
        let step_one = form::step_one_answers(questionnaire, &posted.answers);
        let submission = Submission {
            answers: step_one.clone(),
        };
        return match voce_shared::validate(questionnaire, &submission) {
            Ok(_) => render_form(
                &found,
                locale,
                "",
                &posted.ticket,
                2,
                &step_one,
                &[],
                None,
                StatusCode::OK,
            ),
            Err(violations) => render_form(
                &found,
                locale,
                "",
                &posted.ticket,
                1,
                &step_one,
                &violations.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        };
    }
    store(&state, &found, questionnaire, &posted, &claims).await
}

/// Step 2: validates, redacts and stores through [`crate::ingest::Ingest::accept`]; the
/// confirmation, or the form with its errors.
async fn store(
    state: &AppState,
    found: &CachedService,
    questionnaire: &Questionnaire,
    posted: &Posted,
    claims: &TicketClaims,
) -> HttpResponse {
    let locale = posted.locale;
    let accepted = match ParsedBody::of(SubmitRequest {
        answers: posted.answers.clone(),
        locale,
        website: None,
    }) {
        Ok(body) => {
            state
                .ingest()
                .accept(claims, &body, OffsetDateTime::now_utc())
                .await
        }
        Err(e) => Err(e),
    };
    match accepted {
        Ok(_) => confirmation(locale, found),
        Err(IngestError::InvalidAnswers(violations)) => {
            state.ingest().count_rejection("invalid_answers");
            let on_step_one = violations.0.iter().any(|v| {
                questionnaire
                    .question(&v.question)
                    .is_some_and(|q| form::page_step(questionnaire, q) == 1)
            });
            render_form(
                found,
                locale,
                "",
                &posted.ticket,
                if on_step_one { 1 } else { 2 },
                &posted.answers,
                &violations.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => {
            let e = ApiError::from(e);
            state.ingest().count_rejection(e.rejection_reason());
            failure(locale, found, &e)
        }
    }
}

fn find_service(state: &AppState, id: &str) -> Option<std::sync::Arc<CachedService>> {
    let id = ServiceId::parse(id).ok()?;
    state.registry.snapshot().service(id.as_str()).cloned()
}

fn public_origin(state: &AppState) -> Result<String, ApiError> {
    state
        .settings
        .public_origin()
        .map(|o| o.as_str().to_owned())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The page's language: the query's, else the browser's first, else Italian.
fn page_locale(req: &HttpRequest, query: Option<&str>) -> Locale {
    query
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split([',', ';']).next())
        })
        .map_or(Locale::It, |tag| Locale::negotiate(tag.trim()))
}

fn is_form_encoded(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
