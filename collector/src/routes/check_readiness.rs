//! `GET /readyz`: the database answers, so requests can be served.

use actix_web::{HttpResponse, web};
use diesel::r2d2::R2D2Connection;

use crate::error::ApiError;
use crate::state::AppState;

/// 200 when a pooled connection answers a ping, 503 otherwise.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "The database is reachable"),
    (status = 503, description = "The database is unreachable", content_type = "application/problem+json"),
))]
pub async fn check_readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(|conn| conn.ping().map(|_| ()).map_err(crate::db::DbError::from))
        .await
        .map_err(|e| ApiError::Unavailable {
            retry_after_secs: 2,
            cause: e.to_string(),
        })?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ready\n"))
}
