//! `GET /v1/openapi.json`: the OpenAPI document generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use crate::openapi::ApiDoc;

/// The OpenAPI 3.1 document of every route.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn serve_openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".into()))
}
