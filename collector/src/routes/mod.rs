//! The HTTP handlers, one per file, named verb + noun.

pub mod answers_schema;
pub mod check_health;
pub mod check_readiness;
pub mod dashboard;
pub mod hosted_page;
pub mod issue_form;
pub mod openapi;
pub mod operator;
pub mod render_metrics;
pub mod serve_openapi;
pub mod serve_qr;
pub mod serve_widget_asset;
pub mod submit_response;

pub use check_health::check_health;
pub use check_readiness::check_readiness;
pub use hosted_page::{serve_page_stylesheet, show_hosted_page, submit_hosted_page};
pub use issue_form::issue_form;
pub use render_metrics::render_metrics;
pub use serve_openapi::serve_openapi;
pub use serve_qr::serve_qr;
pub use serve_widget_asset::serve_widget_asset;
pub use submit_response::submit_response;

use actix_web::HttpRequest;

use crate::error::ApiError;

/// Issues a ticket for `found` served to `origin` through `channel` (`None`: the widget), with
/// the same key, counts and metrics as every ticket. An `attestation` that verifies against the
/// body's keys makes it `verified` (its `jti` then derives from the attestation's); one that does
/// not still gets an ordinary ticket, and the reason is counted.
pub(crate) fn issue_ticket(
    state: &crate::state::AppState,
    found: &crate::registry::cache::CachedService,
    origin: &str,
    channel: Option<crate::domain::Channel>,
    attestation: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<(String, crate::auth::tickets::TicketClaims), ApiError> {
    use crate::auth::attestations;
    let leeway = i64::try_from(state.settings.tickets.leeway_secs).unwrap_or(5);
    let attested_jti = attestation
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .and_then(|token| {
            match attestations::verify(
                token,
                &found.service.id,
                &found.attestation_keys,
                now.unix_timestamp(),
                leeway,
            ) {
                Ok(attested) => {
                    state.metrics.record_attestation_verified();
                    Some(attestations::ticket_jti(
                        &found.body.ipa_code,
                        &attested.jti,
                    ))
                }
                Err(reason) => {
                    tracing::debug!(reason = reason.code(), "attestation not accepted");
                    state.metrics.record_attestation_refusal(reason.code());
                    None
                }
            }
        });
    let issued = state
        .keys
        .keyring()
        .issue_with(
            &found.service.id,
            found.reference.clone(),
            origin,
            now.unix_timestamp(),
            crate::auth::tickets::TicketExtras {
                channel,
                attested_jti,
            },
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.metrics.record_ticket();
    state
        .counts
        .ticket(&found.service.id, &crate::domain::day_of(now));
    Ok(issued)
}

/// The request's `Origin` header, when it is a well-formed origin.
pub(crate) fn request_origin(req: &HttpRequest) -> Option<crate::domain::Origin> {
    req.headers()
        .get(actix_web::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::domain::Origin::parse(v).ok())
}

/// A resource at `path` served by `routes` (each with its method guard), and every other
/// method `405` with an `Allow` header naming `allow`.
pub fn resource(
    path: &str,
    allow: &'static str,
    routes: Vec<actix_web::Route>,
) -> actix_web::Resource {
    routes
        .into_iter()
        .fold(actix_web::web::resource(path), |r, route| r.route(route))
        .default_service(actix_web::web::to(move || method_not_allowed(allow)))
}

/// `405` with `Allow`: for a known path asked with a method it does not serve.
pub async fn method_not_allowed(allow: &'static str) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed { allow })
}

/// The answer for every path and method that no route serves.
pub async fn route_not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(
        "There is nothing at this path for this method.".into(),
    ))
}
