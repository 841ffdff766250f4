//! `GET /v1/exports/aggregates.{csv,json,sdmx.csv}` and `GET /v1/exports/codelists.json`: the
//! cells of `GET /v1/stats` (same query string, same roles, same disclosure control) as files a
//! statistical office loads ([`crate::export::aggregates`]). The CSV bodies are streamed a page
//! of cells at a time. Every export is recorded in the audit log.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::export::aggregates::{self, CSV_HEADER, CodeList, SDMX_HEADER};
use crate::export::csv::{self, CONTENT_TYPE};
use crate::state::AppState;
use crate::stats::{StatsAnswer, StatsQuery};

/// Cells per streamed chunk.
const PAGE: usize = 500;

/// Which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Sdmx,
}

async fn export(
    operator: Operator,
    query: StatsQuery,
    state: web::Data<AppState>,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let detail = format!(
        "aggregates.{} {}",
        match format {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Sdmx => "sdmx.csv",
        },
        serde_json::to_string(&query).unwrap_or_default()
    );
    let answer = crate::stats::answer_for(&state.stats_sources(), &operator, query).await?;
    let actor = operator.actor();
    let body = operator.body().map(str::to_owned);
    state
        .db
        .run(move |conn| {
            crate::audit::record(
                conn,
                &actor,
                crate::audit::AuditAction::Exported,
                body.as_deref(),
                &detail,
            )
        })
        .await?;
    let file = |name: &str| format!("attachment; filename=\"{name}\"");
    match format {
        Format::Json => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_DISPOSITION, file("aggregates.json")))
            .json(answer)),
        Format::Csv | Format::Sdmx => {
            let answer = std::sync::Arc::new(answer);
            let (head, name): (&[&str], _) = if format == Format::Csv {
                (&CSV_HEADER, "aggregates.csv")
            } else {
                (&SDMX_HEADER, "aggregates.sdmx.csv")
            };
            let body = csv::stream(head, 0usize, move |from| {
                let answer = answer.clone();
                async move {
                    let (mut w, next) = if format == Format::Csv {
                        aggregates::csv_page(&answer, from, PAGE)
                    } else {
                        aggregates::sdmx_page(&answer, from, PAGE)
                    };
                    Ok((w.take(), next))
                }
            });
            Ok(HttpResponse::Ok()
                .content_type(CONTENT_TYPE)
                .insert_header((header::CONTENT_DISPOSITION, file(name)))
                .streaming(body))
        }
    }
}

/// The statistics of a selection as CSV: one line per cell × statistic.
#[utoipa::path(get, path = "/v1/exports/aggregates.csv",
    params(StatsQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "period, grouping, group, group_name, body_kind, body, service_kind, indicator, statistic, option, value, unit, status, perturbed (yes when the figures are perturbed by the cell key method); a suppressed cell has empty values", body = String, content_type = "text/csv"),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
    ))]
pub async fn export_aggregates_csv(
    operator: Operator,
    query: web::Query<StatsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    export(operator, query.into_inner(), state, Format::Csv).await
}

/// The statistics of a selection as JSON (the answer of `GET /v1/stats`).
#[utoipa::path(get, path = "/v1/exports/aggregates.json",
    params(StatsQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "The answer of GET /v1/stats, as a file", body = StatsAnswer, content_type = "application/json"),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
    ))]
pub async fn export_aggregates_json(
    operator: Operator,
    query: web::Query<StatsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    export(operator, query.into_inner(), state, Format::Json).await
}

/// The statistics of a selection as SDMX-CSV (dataflow `IT1:VOCE_CX(1.0)`).
#[utoipa::path(get, path = "/v1/exports/aggregates.sdmx.csv",
    params(StatsQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,BODY_KIND,BODY,SERVICE_KIND,SERVICE,INDICATOR,STATISTIC,OPTION,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,CONF_STATUS,UNIT_MULT,PERTURBATION; suppressed cells have an empty OBS_VALUE, OBS_STATUS O and CONF_STATUS A (primary) or D (secondary); PERTURBATION is CKM for figures perturbed by the cell key method, EXACT for figures the reader sees exact", body = String, content_type = "text/csv"),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
    ))]
pub async fn export_aggregates_sdmx(
    operator: Operator,
    query: web::Query<StatsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    export(operator, query.into_inner(), state, Format::Sdmx).await
}

/// The code lists of the SDMX-CSV export.
#[utoipa::path(get, path = "/v1/exports/codelists.json",
    security(("operator" = [])),
    responses(
        (status = 200, description = "Every code list of aggregates.sdmx.csv", body = Vec<CodeList>, content_type = "application/json"),
        (status = 401, response = crate::problems::Unauthenticated),
    ))]
pub async fn export_code_lists(_operator: Operator) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(aggregates::code_lists()))
}
