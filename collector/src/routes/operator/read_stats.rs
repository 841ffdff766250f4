//! `GET /v1/stats`: the statistics of a selection, per period × group × indicator, read from the
//! rollups, with intervals, comparisons and disclosure control ([`crate::stats::query`]).
//! Operators only: `national` and `analyst` read every body, `body` its own (plus the national
//! comparison figures its cells carry).

use actix_web::{HttpResponse, web};

use crate::auth::operator::{Operator, Role};
use crate::error::ApiError;
use crate::state::AppState;
use crate::stats::disclosure::Threshold;
use crate::stats::query::{StatsAnswer, StatsQuery};

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
    let answer = answer_for(&state, &operator, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Scopes a query to what `operator` may read (a `body` operator reads its own body, and asking
/// for another body's cells is a `403`), then answers it on the blocking pool.
pub async fn answer_for(
    state: &AppState,
    operator: &Operator,
    mut query: StatsQuery,
) -> Result<StatsAnswer, ApiError> {
    let registry = state.registry.snapshot();
    if let Some(service) = &query.service
        && let Some(s) = registry.service(service)
    {
        operator.may_read_aggregates_of(&s.body.ipa_code)?;
    }
    if let Some(body) = &query.body {
        operator.may_read_aggregates_of(body)?;
    }
    if operator.role() == Role::Body
        && let Some(own) = operator.body()
    {
        query.body = Some(own.to_owned());
    }
    let k = Threshold::new(state.settings.disclosure_k)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let catalog = state.catalog;
    let today = time::OffsetDateTime::now_utc().date();
    let scope = state.settings.database.url.clone();
    state
        .db
        .run(move |conn| {
            crate::stats::query::run(conn, catalog, &registry, query, k, today, Some(&scope))
        })
        .await?
        .map_err(|e| ApiError::Malformed(e.0))
}
