//! The OpenAPI document, generated from the `#[utoipa::path]` annotations of the handlers
//! ([`Paths`]) and the JSON schemas of the shared wire types, with the `answers` object described from the national
//! catalog ([`answers_schema`]) so that a client — or a contract tester — knows exactly
//! which answers are accepted; the problem responses every route shares are
//! [`crate::problems`]'.

pub mod answers_schema;

use std::sync::OnceLock;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use voce_shared::Catalog;

use answers_schema::answers_schema;

/// The document's description, schemas, shared responses and security schemes; the paths come
/// from the routes ([`Paths`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Voce collector",
        description = "The public listener: forms with one-time tickets, validated responses, widget assets and health. Metrics and readiness are on the admin listener (VOCE_ADMIN_BIND), not described here. Every error is application/problem+json (RFC 9457)."
    ),
    components(schemas(
        voce_shared::api::Form,
        voce_shared::api::FormService,
        voce_shared::api::FormBody,
        voce_shared::api::SubmitRequest,
        voce_shared::api::Receipt,
        voce_shared::api::Problem,
        voce_shared::Locale,
        voce_shared::questionnaire::QuestionnaireRef,
        voce_shared::Violation,
        voce_shared::ViolationCode,
        crate::export::responses::ResponsesPage,
        crate::export::responses::PublicResponse,
        crate::export::responses::PublicFreeText,
        crate::audit::AuditPage,
        crate::audit::AuditEntry,
        crate::auth::operator::Role,
        crate::stats::query::StatsQuery,
        crate::stats::query::StatsAnswer,
        crate::stats::query::Cell,
        crate::stats::query::GroupRef,
        crate::stats::query::OptionShare,
        crate::stats::query::CellComparison,
        crate::stats::query::Granularity,
        crate::stats::query::Grouping,
        crate::stats::disclosure::CellStatus,
        crate::stats::estimators::Interval,
        crate::stats::estimators::Comparison,
        crate::stats::estimators::TestName,
        crate::stats::estimators::Direction,
        crate::stats::estimators::NotTestable,
        crate::stats::estimators::Correction,
        crate::export::aggregates::CodeList,
        crate::export::aggregates::Code,
    ), responses(
        crate::problems::Malformed,
        crate::problems::InvalidTicket,
        crate::problems::Unauthenticated,
        crate::problems::OriginNotAllowed,
        crate::problems::Forbidden,
        crate::problems::NotFound,
        crate::problems::RequestTimeout,
        crate::problems::TicketUsed,
        crate::problems::PayloadTooLarge,
        crate::problems::UnsupportedMediaType,
        crate::problems::InvalidAnswers,
        crate::problems::RateLimited,
        crate::problems::Unavailable,
    )),
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
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An operator token (typ voce-operator+jwt) from `voce-collector token \
                         issue --role national|body|analyst`; the dashboard sends the same \
                         token in the voce_session cookie.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The paths of the document, generated from the handlers' `#[utoipa::path]` annotations and
/// handed over by `routes::configure` (the routes name this module, so it does not name them).
pub struct Paths(pub fn() -> utoipa::openapi::OpenApi);

/// The document as JSON, built once: the generated document with the `answers` schema of
/// `SubmitRequest` replaced by the one the catalog's questionnaires define.
pub fn document(catalog: &Catalog, paths: &Paths) -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let generated = ApiDoc::openapi().merge_from((paths.0)());
        let mut doc = serde_json::to_value(generated).unwrap_or_default();
        if let Some(answers) =
            doc.pointer_mut("/components/schemas/SubmitRequest/properties/answers")
        {
            *answers = answers_schema(catalog);
        }
        serde_json::to_string(&doc).unwrap_or_else(|_| "{}".into())
    })
}
