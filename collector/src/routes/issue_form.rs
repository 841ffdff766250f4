//! `GET /v1/forms/{service_id}?locale=it`: the questionnaire of a service, resolved for one
//! locale, and a fresh one-time ticket bound to the service, the questionnaire version and the
//! requesting origin. Only the body's allowed origins get one.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use time::OffsetDateTime;
use voce_shared::Locale;
use voce_shared::api::{Form, FormBody, FormService};

use crate::db;
use crate::domain::{ServiceId, day_of, rfc3339};
use crate::error::ApiError;
use crate::routes::request_origin;
use crate::state::AppState;

/// The query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FormQuery {
    /// Language tag (`it`, `en`, `de`, `fr`, `sl`, or a tag such as `de-AT`); Italian when absent
    /// or unsupported.
    pub locale: Option<String>,
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
        (status = 400, description = "The query string is not acceptable", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The Origin is missing or not allowed for the service's body", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = voce_shared::api::Problem, content_type = "application/problem+json"),
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
    let day = day_of(now);
    let (sid, o) = (service_id.to_string(), origin.to_string());
    let found = state
        .db
        .run(move |conn| {
            let Some((service, body)) = db::bodies::find_service_with_body(conn, &sid)? else {
                return Ok(None);
            };
            let allowed = db::bodies::is_origin_allowed(conn, &body.ipa_code, &o)?;
            if allowed {
                db::counters::count_ticket(conn, &sid, &day)?;
            }
            Ok(Some((service, body, allowed)))
        })
        .await?;
    let (service, body, allowed) = found.ok_or_else(not_found)?;
    if !allowed {
        state.metrics.record_rejection("origin_not_allowed");
        return Err(ApiError::OriginNotAllowed);
    }
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let questionnaire = state
        .catalog
        .latest(&service.questionnaire_id)
        .map_err(|e| internal(&e))?;
    let reference = state
        .catalog
        .reference(&questionnaire.id, questionnaire.version)
        .map_err(|e| internal(&e))?
        .clone();
    let (ticket, claims) = state
        .keyring
        .issue(
            &service.id,
            reference.clone(),
            origin.as_str(),
            now.unix_timestamp(),
        )
        .map_err(|e| internal(&e))?;
    state.metrics.record_ticket();
    let expires_at = OffsetDateTime::from_unix_timestamp(claims.exp).map_err(|e| internal(&e))?;
    let form = Form {
        service: FormService {
            id: service.id,
            name: service.name,
            kind: service.service_kind,
        },
        questionnaire: questionnaire.resolve(locale, &body.name),
        body: FormBody {
            ipa_code: body.ipa_code,
            name: body.name,
            kind: body.body_kind,
        },
        locale,
        questionnaire_ref: reference,
        ticket,
        expires_at: rfc3339(expires_at),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(form))
}
