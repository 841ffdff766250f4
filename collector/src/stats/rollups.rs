//! The rollups kept in step with the responses: the increments of a committed batch, counted by
//! `voce-stats` ([`Increments`]), added to the stored rows in the batch's transaction
//! ([`store`]), and the rebuild of every rollup from the stored responses ([`rebuild`]).

use diesel::prelude::*;
use voce_shared::Catalog;

pub use voce_stats::rollups::{Counted, Increments};

use crate::db::responses::ResponseRow;
use crate::db::rollups as store;
use crate::db::schema::responses;
use crate::db::{DbConnection, DbError};

/// The columns of a response that the rollups count, as the rebuild reads them.
type CountedColumns = (
    String,
    String,
    i32,
    String,
    String,
    bool,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<i32>,
    i64,
);

fn counted(c: CountedColumns) -> Counted {
    let (
        service_id,
        questionnaire_id,
        questionnaire_version,
        received_at,
        channel,
        verified,
        valutazione,
        motivo,
        esito,
        soddisfazione,
        fiducia,
        record_key,
    ) = c;
    Counted {
        service_id,
        questionnaire_id,
        questionnaire_version,
        received_at,
        channel,
        verified,
        valutazione,
        motivo,
        esito,
        soddisfazione,
        fiducia,
        record_key,
    }
}

impl From<&ResponseRow> for Counted {
    fn from(r: &ResponseRow) -> Counted {
        Counted {
            service_id: r.service_id.clone(),
            questionnaire_id: r.questionnaire_id.clone(),
            questionnaire_version: r.questionnaire_version,
            received_at: r.received_at.clone(),
            channel: r.channel.clone(),
            verified: r.verified,
            valutazione: r.valutazione,
            motivo: r.motivo.clone(),
            esito: r.esito.clone(),
            soddisfazione: r.soddisfazione,
            fiducia: r.fiducia,
            record_key: r.record_key,
        }
    }
}

/// Adds the counts to the stored rollups (the caller holds the transaction).
pub fn store(conn: &mut DbConnection, increments: Increments) -> Result<(), DbError> {
    if increments.is_empty() {
        return Ok(());
    }
    let (rows, choices) = store::rows_of(increments);
    store::add(conn, &rows, &choices)
}

/// How many responses a rebuild reads at a time.
const PAGE: i64 = 20_000;

/// What a rebuild did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Responses counted.
    pub responses: u64,
    /// Rollup rows written.
    pub rows: u64,
}

/// Recomputes every rollup (and the monthly ticket counters) from the stored responses, in one
/// transaction: the tables are cleared, then the responses are read service by service in pages
/// and folded exactly as the writer folds a batch.
pub fn rebuild(conn: &mut DbConnection, catalog: &'static Catalog) -> Result<Rebuilt, DbError> {
    conn.transaction(|conn| {
        store::clear(conn)?;
        store::rebuild_monthly_counters(conn)?;
        let services: Vec<String> = responses::table
            .select(responses::service_id)
            .distinct()
            .order(responses::service_id)
            .load(conn)?;
        let mut done = Rebuilt::default();
        for service in services {
            let mut increments = Increments::default();
            let mut after: Option<(String, String)> = None;
            loop {
                let mut query = responses::table
                    .filter(responses::service_id.eq(&service))
                    .select((
                        responses::received_at,
                        responses::id,
                        (
                            responses::service_id,
                            responses::questionnaire_id,
                            responses::questionnaire_version,
                            responses::received_at,
                            responses::channel,
                            responses::verified,
                            responses::valutazione,
                            responses::motivo,
                            responses::esito,
                            responses::soddisfazione,
                            responses::fiducia,
                            responses::record_key,
                        ),
                    ))
                    .order((responses::received_at, responses::id))
                    .limit(PAGE)
                    .into_boxed();
                if let Some((at, id)) = &after {
                    query = query.filter(
                        responses::received_at
                            .gt(at.clone())
                            .or(responses::received_at
                                .eq(at.clone())
                                .and(responses::id.gt(id.clone()))),
                    );
                }
                let page: Vec<(String, String, CountedColumns)> = query.load(conn)?;
                let full = page.len() == usize::try_from(PAGE).unwrap_or(usize::MAX);
                after = page.last().map(|(at, id, _)| (at.clone(), id.clone()));
                for (_, _, columns) in page {
                    increments.add(catalog, &counted(columns));
                    done.responses += 1;
                }
                if !full {
                    break;
                }
            }
            let (rows, choices) = store::rows_of(increments);
            done.rows += rows.len() as u64;
            for chunk in rows.chunks(1_000) {
                store::add(conn, chunk, &[])?;
            }
            for chunk in choices.chunks(1_000) {
                store::add(conn, &[], chunk)?;
            }
        }
        Ok(done)
    })
}
