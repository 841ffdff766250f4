//! `GET /v1/responses`: a page of raw responses, role-scoped; each read is audited.

use actix_web::{HttpResponse, web};

use crate::audit::{self, AuditAction};
use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::export::responses::{self, DEFAULT_PAGE, MAX_PAGE, Position, RawQuery, ResponsesPage};
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
        (status = 400, description = "A malformed filter or cursor", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid operator token", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not read these raw responses (analyst, or another body)", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = voce_shared::api::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_responses(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<RawQuery>,
) -> Result<HttpResponse, ApiError> {
    let body = responses_for(&state, &operator, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// A page of raw responses for `operator`, role-scoped, the read audited: what
/// `GET /v1/responses` answers and the dashboard's service page reads its comments from.
pub async fn responses_for(
    state: &AppState,
    operator: &Operator,
    query: RawQuery,
) -> Result<ResponsesPage, ApiError> {
    let selection = responses::select(operator, &state.registry.snapshot(), &query.filter())?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Malformed(format!(
            "limit must be from 1 to {MAX_PAGE}"
        )));
    }
    let key = state.export_keys.current()?;
    let start = query
        .cursor()
        .map(|c| Position::open(&key, c))
        .transpose()?;
    let actor = operator.actor();
    let (page, next, free_texts) = state
        .db
        .run(move |conn| {
            let (page, next) = responses::read_page(conn, &selection, start.as_ref(), limit)?;
            audit::record(
                conn,
                &actor,
                AuditAction::RawRead,
                selection.body.as_deref(),
                &format!(
                    "GET /v1/responses {} rows={}",
                    selection.describe(),
                    page.len()
                ),
            )?;
            Ok((page, next, selection.free_texts))
        })
        .await?;
    Ok(ResponsesPage {
        responses: page.iter().map(|r| r.public(&key, free_texts)).collect(),
        next_cursor: next.map(|p| p.seal(&key)),
    })
}
