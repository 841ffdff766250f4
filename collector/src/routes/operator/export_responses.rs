//! `GET /v1/exports/responses.csv`: a body's raw responses as one streamed CSV; audited.

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::audit::{self, AuditAction};
use crate::auth::operator::Operator;
use crate::error::ApiError;
use crate::export::csv::{self, CsvWriter};
use crate::export::responses::{self, CSV_COLUMNS, EXPORT_CHUNK, Position, RawFilter};
use crate::state::AppState;

/// Raw responses as CSV (RFC 4180, UTF-8, spreadsheet-safe), streamed from the database in
/// pages, so its size does not bound the collector's memory.
#[utoipa::path(
    get,
    path = "/v1/exports/responses.csv",
    tag = "operator",
    params(RawFilter),
    security(("operator" = [])),
    responses(
        (status = 200, description = "CSV with the columns response_id, service, body, day, questionnaire_id, questionnaire_version, locale, channel, verified, valutazione, motivo, esito, soddisfazione, fiducia, answers (JSON), free_text (the redacted free text, where the role may read it). Text cells beginning with = + - @ TAB CR or ' carry a leading apostrophe.", content_type = "text/csv", body = String),
        (status = 400, response = crate::problems::Malformed),
        (status = 401, response = crate::problems::Unauthenticated),
        (status = 403, response = crate::problems::Forbidden),
        (status = 404, response = crate::problems::NotFound),
    )
)]
pub async fn export_responses(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<RawFilter>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let selection = responses::select(&operator, &state.registry.snapshot(), &query)?;
    let filename = format!(
        "attachment; filename=\"voce-responses-{}.csv\"",
        selection.body.as_deref().unwrap_or("all")
    );
    let key = state.export_keys.current()?;
    let actor = operator.actor();
    let selection = state
        .db
        .run(move |conn| {
            audit::record(
                conn,
                &actor,
                AuditAction::Exported,
                selection.body.as_deref(),
                &format!("responses.csv {}", selection.describe()),
            )?;
            Ok(selection)
        })
        .await?;
    let (selection, db) = (Arc::new(selection), state.db.clone());
    let body = csv::stream(&CSV_COLUMNS, None::<Position>, move |start| {
        let (selection, db, key) = (selection.clone(), db.clone(), key.clone());
        async move {
            let chunk = db
                .run(move |conn| {
                    let (page, next) =
                        responses::read_page(conn, &selection, start.as_ref(), EXPORT_CHUNK)?;
                    let mut w = CsvWriter::with_capacity(page.len() * 256);
                    for response in &page {
                        responses::write_csv(&mut w, &key, response, selection.free_texts);
                    }
                    Ok((w.into_bytes(), next.map(Some)))
                })
                .await?;
            Ok(chunk)
        }
    });
    Ok(HttpResponse::Ok()
        .content_type(csv::CONTENT_TYPE)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, filename))
        .streaming(body))
}
