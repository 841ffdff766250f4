//! `GET /readyz` (admin listener): the database answers, so requests can be served. The database
//! is asked at most once a second; between two checks the last answer is given, so a probe storm
//! costs the database nothing.

use actix_web::{HttpResponse, web};
use diesel::r2d2::R2D2Connection;

use crate::error::ApiError;
use crate::state::AppState;

/// 200 when a pooled connection answered a ping within the last second, 503 otherwise.
pub async fn check_readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let failure = match state.readiness.cached() {
        Some(failure) => failure,
        None => {
            let failure = state
                .db
                .run(|conn| conn.ping().map(|_| ()).map_err(crate::db::DbError::from))
                .await
                .err()
                .map(|e| e.to_string());
            state.readiness.record(failure.clone());
            failure
        }
    };
    match failure {
        None => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n")),
        Some(cause) => Err(ApiError::Unavailable {
            retry_after_secs: 2,
            cause,
        }),
    }
}
