//! The HTTP handlers, one per file, named verb + noun.

pub mod answers_schema;
pub mod check_health;
pub mod check_readiness;
pub mod dashboard;
pub mod issue_form;
pub mod openapi;
pub mod operator;
pub mod render_metrics;
pub mod serve_openapi;
pub mod serve_widget_asset;
pub mod submit_response;

pub use check_health::check_health;
pub use check_readiness::check_readiness;
pub use issue_form::issue_form;
pub use render_metrics::render_metrics;
pub use serve_openapi::serve_openapi;
pub use serve_widget_asset::serve_widget_asset;
pub use submit_response::submit_response;

use actix_web::HttpRequest;

use crate::error::ApiError;

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
