//! `GET /v1/stats`: the statistics of a selection, per period × group × indicator, read from the
//! rollups, with intervals, comparisons and disclosure control ([`crate::stats::answer_for`]).
//! Operators only: `national` and `analyst` read every body, `body` its own (plus the national
//! comparison figures its cells carry).

use actix_web::{HttpResponse, web};

use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::state::AppState;
use crate::stats::{StatsAnswer, StatsQuery, answer_for};

/// Answers the statistics of a selection.
#[utoipa::path(get, path = "/v1/stats",
    params(StatsQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "The cells, with suppressed ones carrying no figures", body = StatsAnswer, content_type = "application/json"),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
        (status = 503, response = crate::problems::Unavailable),
    ))]
pub async fn read_stats(
    operator: Operator,
    query: web::Query<StatsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let answer = answer_for(&state.stats_sources(), &operator, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}
