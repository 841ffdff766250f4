//! The OpenAPI document, generated from the `#[utoipa::path]` annotations of the handlers.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Every route of the collector.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Voce collector",
        description = "Forms with one-time tickets, validated responses, widget assets, health and metrics. Every error is application/problem+json (RFC 9457)."
    ),
    paths(
        crate::routes::issue_form::issue_form,
        crate::routes::submit_response::submit_response,
        crate::routes::serve_openapi::serve_openapi,
        crate::routes::serve_widget_asset::serve_widget_asset,
        crate::routes::check_health::check_health,
        crate::routes::check_readiness::check_readiness,
        crate::routes::render_metrics::render_metrics,
    ),
    modifiers(&TicketScheme)
)]
pub struct ApiDoc;

struct TicketScheme;

impl Modify for TicketScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ticket",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
