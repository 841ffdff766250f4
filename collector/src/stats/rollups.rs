//! From stored responses to rollup increments, and the rebuild of every rollup from the
//! responses.
//!
//! The group-commit writer folds each committed batch into [`Increments`] in memory and adds
//! them with one upsert per touched rollup row, in the batch's transaction; [`rebuild`] folds
//! every stored response the same way, service by service, after clearing the tables. The
//! follow-up reason of a response is counted under the follow-up question its rating showed
//! (`difficolta` for 1–3, `aspetti-positivi` for 4–5 in the national catalog), read from the
//! questionnaire's `shown_if`, since both follow-ups offer an `altro`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use voce_shared::{Catalog, Indicator};

use crate::db::responses::ResponseRow;
use crate::db::rollups::{self as store, ChoiceRow, DAY, MONTH, RollupRow};
use crate::db::schema::responses;
use crate::db::{DbConnection, DbError};

/// The key of a rollup row: grain, period, service, questionnaire, channel, verified.
type Key = (&'static str, String, String, String, String, bool);

/// The counts of some responses, per rollup row they touch.
#[derive(Debug, Default)]
pub struct Increments {
    rows: BTreeMap<Key, RollupRow>,
    choices: BTreeMap<(Key, &'static str, String), i64>,
}

/// The columns of a response that the rollups count.
#[derive(Clone, Debug, Queryable)]
pub struct Counted {
    /// Service.
    pub service_id: String,
    /// Questionnaire.
    pub questionnaire_id: String,
    /// Its version.
    pub questionnaire_version: i32,
    /// When it was received (RFC 3339; its first ten characters are the day).
    pub received_at: String,
    /// Channel.
    pub channel: String,
    /// Attested.
    pub verified: bool,
    /// The 1–5 rating.
    pub valutazione: Option<i32>,
    /// The follow-up reason.
    pub motivo: Option<String>,
    /// `esito`.
    pub esito: Option<String>,
    /// `soddisfazione`.
    pub soddisfazione: Option<i32>,
    /// `fiducia`.
    pub fiducia: Option<i32>,
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
        }
    }
}

/// Adds one 1–5 answer to a column's count, sum, sum of squares and histogram.
fn add_scale(value: Option<i32>, n: &mut i64, sum: &mut i64, sumsq: &mut i64, hist: [&mut i64; 5]) {
    let Some(v) = value.filter(|v| (1..=5).contains(v)) else {
        return;
    };
    let v = i64::from(v);
    *n += 1;
    *sum += v;
    *sumsq += v * v;
    if let Some(slot) = usize::try_from(v - 1)
        .ok()
        .and_then(|i| hist.into_iter().nth(i))
    {
        *slot += 1;
    }
}

/// The follow-up question that a rating showed in this questionnaire version, if any.
pub fn reason_question(
    catalog: &'static Catalog,
    questionnaire_id: &str,
    version: i32,
    rating: Option<i32>,
) -> Option<&'static str> {
    let rating = u8::try_from(rating?).ok()?;
    let questionnaire = catalog
        .get(questionnaire_id, u32::try_from(version).ok()?)
        .ok()?;
    questionnaire
        .questions
        .iter()
        .filter(|q| q.indicator.as_deref() == Some(Indicator::Motivi.code()))
        .find(|q| {
            q.shown_if
                .as_ref()
                .is_some_and(|c| (c.min..=c.max).contains(&rating))
        })
        .map(|q| q.id.as_str())
}

impl Increments {
    /// Counts one response, in its day's and its month's rows.
    pub fn add(&mut self, catalog: &'static Catalog, r: &Counted) {
        let day = r.received_at.get(..10).unwrap_or(&r.received_at);
        let month = day.get(..7).unwrap_or(day);
        let reason = r.motivo.as_ref().and_then(|m| {
            reason_question(
                catalog,
                &r.questionnaire_id,
                r.questionnaire_version,
                r.valutazione,
            )
            .map(|q| (q, m.clone()))
        });
        // Day rows keep the channel and `verified`; month rows sum over them (a monthly figure
        // for one channel is read from the day rows).
        for (grain, period, channel, verified) in [
            (DAY, day, r.channel.as_str(), r.verified),
            (MONTH, month, "", false),
        ] {
            let key: Key = (
                grain,
                period.to_owned(),
                r.service_id.clone(),
                r.questionnaire_id.clone(),
                channel.to_owned(),
                verified,
            );
            let row = self.rows.entry(key.clone()).or_insert_with(|| RollupRow {
                grain: grain.to_owned(),
                period: period.to_owned(),
                service_id: r.service_id.clone(),
                questionnaire_id: r.questionnaire_id.clone(),
                channel: channel.to_owned(),
                verified,
                ..RollupRow::default()
            });
            row.responses += 1;
            add_scale(
                r.valutazione,
                &mut row.valutazione_n,
                &mut row.valutazione_sum,
                &mut row.valutazione_sumsq,
                [
                    &mut row.valutazione_1,
                    &mut row.valutazione_2,
                    &mut row.valutazione_3,
                    &mut row.valutazione_4,
                    &mut row.valutazione_5,
                ],
            );
            add_scale(
                r.soddisfazione,
                &mut row.soddisfazione_n,
                &mut row.soddisfazione_sum,
                &mut row.soddisfazione_sumsq,
                [
                    &mut row.soddisfazione_1,
                    &mut row.soddisfazione_2,
                    &mut row.soddisfazione_3,
                    &mut row.soddisfazione_4,
                    &mut row.soddisfazione_5,
                ],
            );
            add_scale(
                r.fiducia,
                &mut row.fiducia_n,
                &mut row.fiducia_sum,
                &mut row.fiducia_sumsq,
                [
                    &mut row.fiducia_1,
                    &mut row.fiducia_2,
                    &mut row.fiducia_3,
                    &mut row.fiducia_4,
                    &mut row.fiducia_5,
                ],
            );
            if let Some(esito) = &r.esito {
                *self
                    .choices
                    .entry((key.clone(), "esito", esito.clone()))
                    .or_default() += 1;
            }
            if let Some((question, option)) = &reason {
                *self
                    .choices
                    .entry((key, question, option.clone()))
                    .or_default() += 1;
            }
        }
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows to add, in key order (so that two writers lock rows in the same order).
    pub fn into_rows(self) -> (Vec<RollupRow>, Vec<ChoiceRow>) {
        let choices = self
            .choices
            .into_iter()
            .map(|((key, question, option), count)| ChoiceRow {
                grain: key.0.to_owned(),
                period: key.1,
                service_id: key.2,
                questionnaire_id: key.3,
                channel: key.4,
                verified: key.5,
                question: question.to_owned(),
                option,
                count,
            })
            .collect();
        (self.rows.into_values().collect(), choices)
    }

    /// Adds the counts to the stored rollups (the caller holds the transaction).
    pub fn store(self, conn: &mut DbConnection) -> Result<(), DbError> {
        if self.is_empty() {
            return Ok(());
        }
        let (rows, choices) = self.into_rows();
        store::add(conn, &rows, &choices)
    }
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
                let page: Vec<(String, String, Counted)> = query.load(conn)?;
                let full = page.len() == usize::try_from(PAGE).unwrap_or(usize::MAX);
                for (_, _, counted) in &page {
                    increments.add(catalog, counted);
                    done.responses += 1;
                }
                after = page.last().map(|(at, id, _)| (at.clone(), id.clone()));
                if !full {
                    break;
                }
            }
            let (rows, choices) = increments.into_rows();
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
