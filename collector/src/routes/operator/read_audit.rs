//! `GET /v1/audit`: the audit log, for `national` only.

use actix_web::{HttpResponse, web};

use crate::audit::{self, AuditPage, AuditQuery};
use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::state::AppState;

/// The audit log, newest first, filtered and paginated.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "operator",
    params(AuditQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = AuditPage),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
    )
)]
pub async fn read_audit(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = operator.audit_reader()?;
    let page = audit::read_for(&state.db, reader, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}
