//! `GET /v1/responses`: a page of raw responses, role-scoped; each read is audited.

use actix_web::{HttpResponse, web};

use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::export::responses::{self, RawQuery, ResponsesPage};
use crate::state::AppState;

/// Raw responses of a body, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/responses",
    tag = "operator",
    params(RawQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "A page of responses (keyed ids, days, answers; free texts where the role may read them)", body = ResponsesPage),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
        (status = 404, response = crate::problems::NotFound),
    )
)]
pub async fn list_responses(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, ApiError> {
    let registry = state.registry.snapshot();
    let from = responses::Sources {
        db: &state.db,
        registry: &registry,
        keys: &state.export_keys,
    };
    let body = responses::page_for(from, &operator, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body))
}
