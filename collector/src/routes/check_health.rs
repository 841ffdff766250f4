//! `GET /healthz`: the process is alive and answering.

use actix_web::HttpResponse;

/// Always 200 while the server runs.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is alive")))]
pub async fn check_health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}
