//! `GET /v1/openapi.json`: the OpenAPI document generated from the handlers' annotations.

use actix_web::{HttpResponse, web};

use crate::openapi::{Paths, document};
use crate::state::AppState;

/// The OpenAPI 3.1 document of every route.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn serve_openapi(state: web::Data<AppState>, paths: web::Data<Paths>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document(state.catalog, &paths))
}
