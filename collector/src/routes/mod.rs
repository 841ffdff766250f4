//! The HTTP handlers, one per file, named verb + noun. A handler reads the request, calls one
//! capability function and writes the answer; no handler imports another. [`configure`] mounts
//! them all: the public routes (forms, responses, the hosted page, the widget), the operators'
//! (`/v1` reads and exports, the dashboard) and the admin listener's.

pub mod check_health;
pub mod check_readiness;
pub mod dashboard;
pub mod hosted_page;
pub mod issue_form;
pub mod operator;
pub mod render_metrics;
pub mod serve_openapi;
pub mod serve_qr;
pub mod serve_widget_asset;
pub mod submit_response;

use std::sync::Arc;

use actix_cors::{Cors, CorsError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{ResponseError, Route, web};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::rate_limit::limit_rate;
use crate::registry::cache::RegistryCache;

/// The paths of the OpenAPI document: every route of the public listener that the document
/// describes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    issue_form::issue_form,
    submit_response::submit_response,
    serve_openapi::serve_openapi,
    serve_widget_asset::serve_widget_asset,
    check_health::check_health,
    operator::list_responses::list_responses,
    operator::export_responses::export_responses,
    operator::read_audit::read_audit,
    operator::read_stats::read_stats,
    operator::export_aggregates::export_aggregates_csv,
    operator::export_aggregates::export_aggregates_json,
    operator::export_aggregates::export_aggregates_sdmx,
    operator::export_aggregates::export_code_lists,
))]
struct RoutePaths;

/// Which listener [`configure`] mounts the routes of.
pub enum Listener {
    /// `VOCE_BIND`: the API, the hosted page, the widget and the dashboard. The registry's
    /// origins decide CORS.
    Public(Arc<RegistryCache>),
    /// `VOCE_ADMIN_BIND`: metrics, readiness and liveness.
    Admin,
}

/// Every route of `listener`, and `404` for any other path.
pub fn configure(cfg: &mut web::ServiceConfig, listener: Listener) {
    match listener {
        Listener::Public(registry) => {
            cfg.app_data(web::Data::new(crate::openapi::Paths(
                <RoutePaths as utoipa::OpenApi>::openapi,
            )));
            let api = api_guard(registry);
            cfg.service(operator_routes(public_api(web::scope("/v1"), &api), &api));
            public_pages(cfg);
            dashboard_pages(cfg);
        }
        Listener::Admin => {
            cfg.service(resource(
                "/metrics",
                "GET",
                vec![web::get().to(render_metrics::render_metrics)],
            ))
            .service(resource(
                "/readyz",
                "GET",
                vec![web::get().to(check_readiness::check_readiness)],
            ))
            .service(resource(
                "/healthz",
                "GET",
                vec![web::get().to(check_health::check_health)],
            ));
        }
    }
    cfg.default_service(web::to(route_not_found));
}

/// The API's routes, each behind the rate limit and CORS (origins from the registry); a method a
/// path does not serve gets 405 before either, whatever its Origin.
fn api_guard(registry: Arc<RegistryCache>) -> impl Fn(Route) -> Route {
    move |route: Route| {
        let registry = registry.clone();
        let cors = Cors::default()
            .allowed_origin_fn(move |origin, _| {
                origin
                    .to_str()
                    .is_ok_and(|o| registry.snapshot().is_known_origin(o))
            })
            .allowed_methods(["GET", "POST"])
            .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(600)
            .block_on_origin_mismatch(true);
        route
            .wrap(from_fn(limit_rate))
            .wrap(cors)
            .wrap(from_fn(cors_problem))
    }
}

/// A CORS preflight is answered by the CORS middleware; a bare OPTIONS gets 405.
fn preflight() -> Route {
    web::route().method(Method::OPTIONS)
}

/// The citizens' API: forms and tickets, responses, the OpenAPI document.
fn public_api(scope: actix_web::Scope, api: &impl Fn(Route) -> Route) -> actix_web::Scope {
    scope
        .service(resource(
            "/forms/{service_id}",
            "GET",
            vec![
                api(web::get().to(issue_form::issue_form)),
                api(preflight().to(|| method_not_allowed("GET"))),
            ],
        ))
        .service(resource(
            "/responses",
            "GET, POST",
            vec![
                api(web::post().to(submit_response::submit_response)),
                api(web::get().to(operator::list_responses)),
                api(preflight().to(|| method_not_allowed("GET, POST"))),
            ],
        ))
        .service(resource(
            "/openapi.json",
            "GET",
            vec![api(web::get().to(serve_openapi::serve_openapi))],
        ))
}

/// The operators' API (`GET /v1/responses` shares its path with the submissions, above).
fn operator_routes(scope: actix_web::Scope, api: &impl Fn(Route) -> Route) -> actix_web::Scope {
    let get = |path: &str, route: Route| resource(path, "GET", vec![api(route)]);
    scope
        .service(get(
            "/exports/responses.csv",
            web::get().to(operator::export_responses),
        ))
        .service(get("/audit", web::get().to(operator::read_audit)))
        .service(get("/stats", web::get().to(operator::read_stats)))
        .service(get(
            "/exports/aggregates.csv",
            web::get().to(operator::export_aggregates_csv),
        ))
        .service(get(
            "/exports/aggregates.json",
            web::get().to(operator::export_aggregates_json),
        ))
        .service(get(
            "/exports/aggregates.sdmx.csv",
            web::get().to(operator::export_aggregates_sdmx),
        ))
        .service(get(
            "/exports/codelists.json",
            web::get().to(operator::export_code_lists),
        ))
}

/// Liveness, the hosted page and its QR codes (same-origin, no CORS; tickets behind the same
/// rate limit as the API's), and the widget's files.
fn public_pages(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/healthz",
        "GET",
        vec![web::get().to(check_health::check_health)],
    ))
    .service(resource(
        "/s/static/page.css",
        "GET",
        vec![web::get().to(hosted_page::serve_page_stylesheet)],
    ))
    .service(resource(
        "/s/{service_id}/{file}",
        "GET",
        vec![web::get().to(serve_qr::serve_qr)],
    ))
    .service(
        resource(
            "/s/{service_id}",
            "GET, POST",
            vec![
                web::get()
                    .to(hosted_page::show_hosted_page)
                    .wrap(from_fn(limit_rate)),
                web::post()
                    .to(hosted_page::submit_hosted_page)
                    .wrap(from_fn(limit_rate)),
            ],
        )
        .app_data(web::PayloadConfig::new(voce_shared::api::MAX_BODY_BYTES)),
    )
    .service(resource(
        "/widget/v1/{file}",
        "GET",
        vec![web::get().to(serve_widget_asset::serve_widget_asset)],
    ));
}

/// Every path under `/dashboard`, with the dashboard's security headers.
fn dashboard_pages(cfg: &mut web::ServiceConfig) {
    use dashboard::*;
    cfg.service(
        web::scope("/dashboard")
            .wrap(from_fn(crate::dashboard::http::add_security_headers))
            .service(resource(
                "/static/{file}",
                "GET",
                vec![web::get().to(serve_dashboard_asset)],
            ))
            .service(resource(
                "/sign-in",
                "GET, POST",
                vec![web::get().to(show_sign_in), web::post().to(sign_in)],
            ))
            .service(resource("", "GET", vec![web::get().to(show_overview)]))
            .service(resource(
                "/bodies/{body}",
                "GET",
                vec![web::get().to(show_body)],
            ))
            .service(resource(
                "/services/{service}",
                "GET",
                vec![web::get().to(show_service)],
            ))
            .service(resource("/audit", "GET", vec![web::get().to(show_audit)]))
            .service(resource(
                "/exports",
                "GET",
                vec![web::get().to(show_exports)],
            ))
            .service(resource(
                "/sign-out",
                "POST",
                vec![web::post().to(sign_out)],
            ))
            .default_service(web::to(not_found)),
    );
}

/// Turns actix-cors's refusal of an unknown origin into our 403 problem document.
async fn cors_problem(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let res = next.call(req).await?;
    let refused = res
        .response()
        .error()
        .is_some_and(|e| e.as_error::<CorsError>().is_some());
    if refused {
        if let Some(m) = metrics {
            m.record_rejection("origin_not_allowed");
        }
        let (req, _) = res.into_parts();
        let mut response = ApiError::OriginNotAllowed.error_response();
        // A page asking for a form may read the refusal (it says nothing secret), so the widget
        // shows its polite "unavailable" state instead of a network error. Nothing else is
        // readable: preflights and submissions stay opaque to the refused origin.
        if req.method() == Method::GET {
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                header::HeaderValue::from_static("*"),
            );
        }
        return Ok(ServiceResponse::new(req, response).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// A resource at `path` served by `routes` (each with its method guard), and every other
/// method `405` with an `Allow` header naming `allow`.
pub fn resource(path: &str, allow: &'static str, routes: Vec<Route>) -> actix_web::Resource {
    routes
        .into_iter()
        .fold(web::resource(path), |r, route| r.route(route))
        .default_service(web::to(move || method_not_allowed(allow)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` of `value`, with where it was found.
    fn refs(value: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => {
                            out.push((at.to_owned(), r.clone()));
                        }
                        _ => refs(v, &format!("{at}/{k}"), out),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    refs(v, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_problem_responses_are_written_once_and_every_reference_resolves() -> anyhow::Result<()> {
        let catalog = voce_shared::Catalog::national().map_err(anyhow::Error::msg)?;
        let paths = crate::openapi::Paths(<RoutePaths as utoipa::OpenApi>::openapi);
        let doc: serde_json::Value =
            serde_json::from_str(crate::openapi::document(catalog, &paths))?;
        let mut found = Vec::new();
        refs(&doc, "", &mut found);
        assert!(found.len() > 40, "only {} references", found.len());
        for (at, reference) in &found {
            let pointer = reference.strip_prefix('#').unwrap_or(reference);
            assert!(
                doc.pointer(pointer).is_some(),
                "{at}: {reference} does not resolve"
            );
        }
        assert_eq!(
            doc.pointer("/paths/~1v1~1responses/post/responses/422/$ref"),
            Some(&serde_json::json!("#/components/responses/InvalidAnswers"))
        );
        assert_eq!(
            doc.pointer("/components/responses/Unauthenticated/content/application~1problem+json/schema/$ref"),
            Some(&serde_json::json!("#/components/schemas/Problem"))
        );
        Ok(())
    }
}
