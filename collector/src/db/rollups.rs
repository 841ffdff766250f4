//! Rollups: per grain (day, month) × period × service × questionnaire × channel × verified, the
//! counts that every statistic is computed from. Written as increments in the transaction that
//! stores the responses they count (see `crate::ingest::writer`), rebuilt from the responses by
//! `voce-collector rollups rebuild`, and read summed over the dimensions a query does not split
//! by. SQL only: what the figures mean lives in `voce-stats`, and a wide row is turned into its
//! sums ([`voce_stats::sums::Sums`], indexed by indicator column) and back in one place,
//! [`RollupRow::sums`] and [`RollupRow::new`].
// Built with PostgreSQL alone, SQLite's cached one-row upserts are compiled but never run.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code, unused_imports))]

use std::sync::LazyLock;

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
#[cfg(feature = "sqlite")]
use diesel::sqlite::{Sqlite, SqliteConnection};
#[cfg(feature = "postgres")]
use diesel::upsert::excluded;

use voce_shared::{BodyKind, ServiceKind};
use voce_stats::answer::{ChoiceCount, SumRow, TicketCount};
use voce_stats::query::Grouping;
use voce_stats::rollups::{Grain, Increments, RollupKey};
use voce_stats::sums::{Sums, WIDTH};

use super::schema::{monthly_counters as mc, rollup_choices as rc, rollups as r};
use super::{DbConnection, DbError};
use crate::domain::{Channel, IpaCode, ServiceId};
use crate::with_backend;

/// A day's rows (`period` = `YYYY-MM-DD`).
pub const DAY: &str = Grain::Day.code();
/// A month's rows (`period` = `YYYY-MM`).
pub const MONTH: &str = Grain::Month.code();

/// The count columns of `rollups`, in the order of [`Sums::to_array`].
static COUNT_COLUMNS: LazyLock<Vec<String>> = LazyLock::new(Sums::columns);

/// One row of `rollups` (also an increment to add to one).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Insertable, Queryable, Selectable, QueryableByName,
)]
#[diesel(table_name = r)]
pub struct RollupRow {
    /// [`DAY`] or [`MONTH`].
    pub grain: String,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    /// The service.
    pub service_id: String,
    /// The questionnaire answered (it names the indicator of `valutazione`).
    pub questionnaire_id: String,
    /// The channel (`widget`, `page`, `qr`, `email`, `sms`); empty when summed over channels.
    pub channel: String,
    /// Whether the responses were attested; `false` also when summed over both.
    pub verified: bool,
    /// Responses stored.
    pub responses: i64,
    /// The sum of their record keys.
    pub responses_key: i64,
    /// Answers to `valutazione`.
    pub valutazione_n: i64,
    /// Sum of `valutazione`.
    pub valutazione_sum: i64,
    /// Sum of squares of `valutazione`.
    pub valutazione_sumsq: i64,
    /// Answers `valutazione` = 1.
    pub valutazione_1: i64,
    /// Answers `valutazione` = 2.
    pub valutazione_2: i64,
    /// Answers `valutazione` = 3.
    pub valutazione_3: i64,
    /// Answers `valutazione` = 4.
    pub valutazione_4: i64,
    /// Answers `valutazione` = 5.
    pub valutazione_5: i64,
    /// The sum of the record keys of the answers `valutazione` = 1.
    pub valutazione_key_1: i64,
    /// The sum of the record keys of the answers `valutazione` = 2.
    pub valutazione_key_2: i64,
    /// The sum of the record keys of the answers `valutazione` = 3.
    pub valutazione_key_3: i64,
    /// The sum of the record keys of the answers `valutazione` = 4.
    pub valutazione_key_4: i64,
    /// The sum of the record keys of the answers `valutazione` = 5.
    pub valutazione_key_5: i64,
    /// Answers to `soddisfazione`.
    pub soddisfazione_n: i64,
    /// Sum of `soddisfazione`.
    pub soddisfazione_sum: i64,
    /// Sum of squares of `soddisfazione`.
    pub soddisfazione_sumsq: i64,
    /// Answers `soddisfazione` = 1.
    pub soddisfazione_1: i64,
    /// Answers `soddisfazione` = 2.
    pub soddisfazione_2: i64,
    /// Answers `soddisfazione` = 3.
    pub soddisfazione_3: i64,
    /// Answers `soddisfazione` = 4.
    pub soddisfazione_4: i64,
    /// Answers `soddisfazione` = 5.
    pub soddisfazione_5: i64,
    /// The sum of the record keys of the answers `soddisfazione` = 1.
    pub soddisfazione_key_1: i64,
    /// The sum of the record keys of the answers `soddisfazione` = 2.
    pub soddisfazione_key_2: i64,
    /// The sum of the record keys of the answers `soddisfazione` = 3.
    pub soddisfazione_key_3: i64,
    /// The sum of the record keys of the answers `soddisfazione` = 4.
    pub soddisfazione_key_4: i64,
    /// The sum of the record keys of the answers `soddisfazione` = 5.
    pub soddisfazione_key_5: i64,
    /// Answers to `fiducia`.
    pub fiducia_n: i64,
    /// Sum of `fiducia`.
    pub fiducia_sum: i64,
    /// Sum of squares of `fiducia`.
    pub fiducia_sumsq: i64,
    /// Answers `fiducia` = 1.
    pub fiducia_1: i64,
    /// Answers `fiducia` = 2.
    pub fiducia_2: i64,
    /// Answers `fiducia` = 3.
    pub fiducia_3: i64,
    /// Answers `fiducia` = 4.
    pub fiducia_4: i64,
    /// Answers `fiducia` = 5.
    pub fiducia_5: i64,
    /// The sum of the record keys of the answers `fiducia` = 1.
    pub fiducia_key_1: i64,
    /// The sum of the record keys of the answers `fiducia` = 2.
    pub fiducia_key_2: i64,
    /// The sum of the record keys of the answers `fiducia` = 3.
    pub fiducia_key_3: i64,
    /// The sum of the record keys of the answers `fiducia` = 4.
    pub fiducia_key_4: i64,
    /// The sum of the record keys of the answers `fiducia` = 5.
    pub fiducia_key_5: i64,
}

impl RollupRow {
    /// The row of a key with these sums.
    pub fn new(key: &RollupKey, sums: &Sums) -> RollupRow {
        let [
            responses,
            responses_key,
            valutazione_n,
            valutazione_sum,
            valutazione_sumsq,
            valutazione_1,
            valutazione_2,
            valutazione_3,
            valutazione_4,
            valutazione_5,
            valutazione_key_1,
            valutazione_key_2,
            valutazione_key_3,
            valutazione_key_4,
            valutazione_key_5,
            soddisfazione_n,
            soddisfazione_sum,
            soddisfazione_sumsq,
            soddisfazione_1,
            soddisfazione_2,
            soddisfazione_3,
            soddisfazione_4,
            soddisfazione_5,
            soddisfazione_key_1,
            soddisfazione_key_2,
            soddisfazione_key_3,
            soddisfazione_key_4,
            soddisfazione_key_5,
            fiducia_n,
            fiducia_sum,
            fiducia_sumsq,
            fiducia_1,
            fiducia_2,
            fiducia_3,
            fiducia_4,
            fiducia_5,
            fiducia_key_1,
            fiducia_key_2,
            fiducia_key_3,
            fiducia_key_4,
            fiducia_key_5,
        ] = sums.to_array();
        RollupRow {
            grain: key.grain.code().to_owned(),
            period: key.period.clone(),
            service_id: key.service_id.clone(),
            questionnaire_id: key.questionnaire_id.clone(),
            channel: key.channel.clone(),
            verified: key.verified,
            responses,
            responses_key,
            valutazione_n,
            valutazione_sum,
            valutazione_sumsq,
            valutazione_1,
            valutazione_2,
            valutazione_3,
            valutazione_4,
            valutazione_5,
            valutazione_key_1,
            valutazione_key_2,
            valutazione_key_3,
            valutazione_key_4,
            valutazione_key_5,
            soddisfazione_n,
            soddisfazione_sum,
            soddisfazione_sumsq,
            soddisfazione_1,
            soddisfazione_2,
            soddisfazione_3,
            soddisfazione_4,
            soddisfazione_5,
            soddisfazione_key_1,
            soddisfazione_key_2,
            soddisfazione_key_3,
            soddisfazione_key_4,
            soddisfazione_key_5,
            fiducia_n,
            fiducia_sum,
            fiducia_sumsq,
            fiducia_1,
            fiducia_2,
            fiducia_3,
            fiducia_4,
            fiducia_5,
            fiducia_key_1,
            fiducia_key_2,
            fiducia_key_3,
            fiducia_key_4,
            fiducia_key_5,
        }
    }

    /// The row's sums.
    pub fn sums(&self) -> Sums {
        let counts: [i64; WIDTH] = [
            self.responses,
            self.responses_key,
            self.valutazione_n,
            self.valutazione_sum,
            self.valutazione_sumsq,
            self.valutazione_1,
            self.valutazione_2,
            self.valutazione_3,
            self.valutazione_4,
            self.valutazione_5,
            self.valutazione_key_1,
            self.valutazione_key_2,
            self.valutazione_key_3,
            self.valutazione_key_4,
            self.valutazione_key_5,
            self.soddisfazione_n,
            self.soddisfazione_sum,
            self.soddisfazione_sumsq,
            self.soddisfazione_1,
            self.soddisfazione_2,
            self.soddisfazione_3,
            self.soddisfazione_4,
            self.soddisfazione_5,
            self.soddisfazione_key_1,
            self.soddisfazione_key_2,
            self.soddisfazione_key_3,
            self.soddisfazione_key_4,
            self.soddisfazione_key_5,
            self.fiducia_n,
            self.fiducia_sum,
            self.fiducia_sumsq,
            self.fiducia_1,
            self.fiducia_2,
            self.fiducia_3,
            self.fiducia_4,
            self.fiducia_5,
            self.fiducia_key_1,
            self.fiducia_key_2,
            self.fiducia_key_3,
            self.fiducia_key_4,
            self.fiducia_key_5,
        ];
        Sums::from_array(counts)
    }

    /// The row as the answer reads it: the group's code in `service_id`.
    fn summed(self) -> SumRow {
        SumRow {
            sums: self.sums(),
            period: self.period,
            group: self.service_id,
            questionnaire_id: self.questionnaire_id,
        }
    }
}

/// The rows of some increments, in key order.
pub fn rows_of(increments: Increments) -> (Vec<RollupRow>, Vec<ChoiceRow>) {
    let (rows, choices) = increments.into_rows();
    (
        rows.iter().map(|(k, s)| RollupRow::new(k, s)).collect(),
        choices
            .into_iter()
            .map(|c| ChoiceRow {
                grain: c.key.grain.code().to_owned(),
                period: c.key.period,
                service_id: c.key.service_id,
                questionnaire_id: c.key.questionnaire_id,
                channel: c.key.channel,
                verified: c.key.verified,
                question: c.question.to_owned(),
                option: c.option,
                count: c.count,
                key_sum: c.key_sum,
            })
            .collect(),
    )
}

/// One row of `rollup_choices` (also an increment).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Insertable, Queryable, Selectable, QueryableByName,
)]
#[diesel(table_name = rc)]
pub struct ChoiceRow {
    /// [`DAY`] or [`MONTH`].
    pub grain: String,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    /// The service.
    pub service_id: String,
    /// The questionnaire answered.
    pub questionnaire_id: String,
    /// The channel; empty when summed over channels.
    pub channel: String,
    /// Whether attested; `false` also when summed over both.
    pub verified: bool,
    /// `esito`, `difficolta` or `aspetti-positivi`.
    pub question: String,
    /// The option chosen.
    pub option: String,
    /// How many chose it.
    pub count: i64,
    /// The sum of their record keys.
    pub key_sum: i64,
}

#[cfg(feature = "postgres")]
macro_rules! upsert_rollups {
    ($c:expr, $values:expr) => {
        diesel::insert_into(r::table)
            .values($values)
            .on_conflict((
                r::grain,
                r::period,
                r::service_id,
                r::questionnaire_id,
                r::channel,
                r::verified,
            ))
            .do_update()
            .set((
                r::responses.eq(r::responses + excluded(r::responses)),
                r::responses_key.eq(r::responses_key + excluded(r::responses_key)),
                r::valutazione_n.eq(r::valutazione_n + excluded(r::valutazione_n)),
                r::valutazione_sum.eq(r::valutazione_sum + excluded(r::valutazione_sum)),
                r::valutazione_sumsq.eq(r::valutazione_sumsq + excluded(r::valutazione_sumsq)),
                r::valutazione_1.eq(r::valutazione_1 + excluded(r::valutazione_1)),
                r::valutazione_2.eq(r::valutazione_2 + excluded(r::valutazione_2)),
                r::valutazione_3.eq(r::valutazione_3 + excluded(r::valutazione_3)),
                r::valutazione_4.eq(r::valutazione_4 + excluded(r::valutazione_4)),
                r::valutazione_5.eq(r::valutazione_5 + excluded(r::valutazione_5)),
                r::valutazione_key_1.eq(r::valutazione_key_1 + excluded(r::valutazione_key_1)),
                r::valutazione_key_2.eq(r::valutazione_key_2 + excluded(r::valutazione_key_2)),
                r::valutazione_key_3.eq(r::valutazione_key_3 + excluded(r::valutazione_key_3)),
                r::valutazione_key_4.eq(r::valutazione_key_4 + excluded(r::valutazione_key_4)),
                r::valutazione_key_5.eq(r::valutazione_key_5 + excluded(r::valutazione_key_5)),
                r::soddisfazione_n.eq(r::soddisfazione_n + excluded(r::soddisfazione_n)),
                r::soddisfazione_sum.eq(r::soddisfazione_sum + excluded(r::soddisfazione_sum)),
                r::soddisfazione_sumsq
                    .eq(r::soddisfazione_sumsq + excluded(r::soddisfazione_sumsq)),
                r::soddisfazione_1.eq(r::soddisfazione_1 + excluded(r::soddisfazione_1)),
                r::soddisfazione_2.eq(r::soddisfazione_2 + excluded(r::soddisfazione_2)),
                r::soddisfazione_3.eq(r::soddisfazione_3 + excluded(r::soddisfazione_3)),
                r::soddisfazione_4.eq(r::soddisfazione_4 + excluded(r::soddisfazione_4)),
                r::soddisfazione_5.eq(r::soddisfazione_5 + excluded(r::soddisfazione_5)),
                r::soddisfazione_key_1
                    .eq(r::soddisfazione_key_1 + excluded(r::soddisfazione_key_1)),
                r::soddisfazione_key_2
                    .eq(r::soddisfazione_key_2 + excluded(r::soddisfazione_key_2)),
                r::soddisfazione_key_3
                    .eq(r::soddisfazione_key_3 + excluded(r::soddisfazione_key_3)),
                r::soddisfazione_key_4
                    .eq(r::soddisfazione_key_4 + excluded(r::soddisfazione_key_4)),
                r::soddisfazione_key_5
                    .eq(r::soddisfazione_key_5 + excluded(r::soddisfazione_key_5)),
                r::fiducia_n.eq(r::fiducia_n + excluded(r::fiducia_n)),
                r::fiducia_sum.eq(r::fiducia_sum + excluded(r::fiducia_sum)),
                r::fiducia_sumsq.eq(r::fiducia_sumsq + excluded(r::fiducia_sumsq)),
                r::fiducia_1.eq(r::fiducia_1 + excluded(r::fiducia_1)),
                r::fiducia_2.eq(r::fiducia_2 + excluded(r::fiducia_2)),
                r::fiducia_3.eq(r::fiducia_3 + excluded(r::fiducia_3)),
                r::fiducia_4.eq(r::fiducia_4 + excluded(r::fiducia_4)),
                r::fiducia_5.eq(r::fiducia_5 + excluded(r::fiducia_5)),
                r::fiducia_key_1.eq(r::fiducia_key_1 + excluded(r::fiducia_key_1)),
                r::fiducia_key_2.eq(r::fiducia_key_2 + excluded(r::fiducia_key_2)),
                r::fiducia_key_3.eq(r::fiducia_key_3 + excluded(r::fiducia_key_3)),
                r::fiducia_key_4.eq(r::fiducia_key_4 + excluded(r::fiducia_key_4)),
                r::fiducia_key_5.eq(r::fiducia_key_5 + excluded(r::fiducia_key_5)),
            ))
            .execute($c)?
    };
}

#[cfg(feature = "postgres")]
macro_rules! upsert_choices {
    ($c:expr, $values:expr) => {
        diesel::insert_into(rc::table)
            .values($values)
            .on_conflict((
                rc::grain,
                rc::period,
                rc::service_id,
                rc::questionnaire_id,
                rc::channel,
                rc::verified,
                rc::question,
                rc::option,
            ))
            .do_update()
            .set((
                rc::count.eq(rc::count + excluded(rc::count)),
                rc::key_sum.eq(rc::key_sum + excluded(rc::key_sum)),
            ))
            .execute($c)?
    };
}

/// The parts of a SQLite upsert that adds counts: the table and its columns, the key first,
/// and which columns are added to on a conflict.
struct Upsert<'a> {
    table: &'static str,
    key: &'static [&'static str],
    added: &'a [String],
}

impl Upsert<'_> {
    /// The text around the values: `INSERT INTO t (k…, a…) VALUES (` and `) ON CONFLICT (k…) DO
    /// UPDATE SET a = a + excluded.a, …` (diesel writes each value's `?` as it binds it).
    fn sql(&self) -> (String, String) {
        let columns: Vec<&str> = self
            .key
            .iter()
            .copied()
            .chain(self.added.iter().map(String::as_str))
            .collect();
        let set: Vec<String> = self
            .added
            .iter()
            .map(|a| format!("{a} = {a} + excluded.{a}"))
            .collect();
        (
            format!(
                "INSERT INTO {} ({}) VALUES (",
                self.table,
                columns.join(", ")
            ),
            format!(
                ") ON CONFLICT ({}) DO UPDATE SET {}",
                self.key.join(", "),
                set.join(", ")
            ),
        )
    }
}

static ROLLUP_SQL: LazyLock<(String, String)> = LazyLock::new(|| {
    Upsert {
        table: "rollups",
        key: &[
            "grain",
            "period",
            "service_id",
            "questionnaire_id",
            "channel",
            "verified",
        ],
        added: &COUNT_COLUMNS,
    }
    .sql()
});

static CHOICE_SQL: LazyLock<(String, String)> = LazyLock::new(|| {
    Upsert {
        table: "rollup_choices",
        key: &[
            "grain",
            "period",
            "service_id",
            "questionnaire_id",
            "channel",
            "verified",
            "question",
            "option",
        ],
        added: &["count".to_owned(), "key_sum".to_owned()],
    }
    .sql()
});

/// A one-row upsert of `rollups` whose text never changes, so that diesel's statement cache
/// prepares it once per connection (diesel's own `DO UPDATE` is never cached, and preparing an
/// upsert costs more than running it).
struct RollupUpsert<'a> {
    row: &'a RollupRow,
    counts: [i64; WIDTH],
}

/// The same for `rollup_choices`.
struct ChoiceUpsert<'a>(&'a ChoiceRow);

impl QueryId for RollupUpsert<'_> {
    type QueryId = RollupUpsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryId for ChoiceUpsert<'_> {
    type QueryId = ChoiceUpsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

#[cfg(feature = "sqlite")]
impl QueryFragment<Sqlite> for RollupUpsert<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        let r = self.row;
        out.push_sql(&ROLLUP_SQL.0);
        out.push_bind_param::<Text, _>(&r.grain)?;
        for key in [&r.period, &r.service_id, &r.questionnaire_id, &r.channel] {
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(key)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&r.verified)?;
        for n in &self.counts {
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(n)?;
        }
        out.push_sql(&ROLLUP_SQL.1);
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
impl QueryFragment<Sqlite> for ChoiceUpsert<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        let c = self.0;
        out.push_sql(&CHOICE_SQL.0);
        out.push_bind_param::<Text, _>(&c.grain)?;
        for key in [&c.period, &c.service_id, &c.questionnaire_id, &c.channel] {
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(key)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&c.verified)?;
        for text in [&c.question, &c.option] {
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(text)?;
        }
        for n in [&c.count, &c.key_sum] {
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(n)?;
        }
        out.push_sql(&CHOICE_SQL.1);
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
impl RunQueryDsl<SqliteConnection> for RollupUpsert<'_> {}
#[cfg(feature = "sqlite")]
impl RunQueryDsl<SqliteConnection> for ChoiceUpsert<'_> {}

/// Adds increments to the rollups (one upsert per row; the rows must have distinct keys). The
/// caller holds the transaction.
pub fn add(
    conn: &mut DbConnection,
    rows: &[RollupRow],
    choices: &[ChoiceRow],
) -> Result<(), DbError> {
    match conn {
        // One statement per table: a round trip to the server is the cost that counts.
        // (in chunks: a statement binds at most 65,535 parameters).
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(c) => {
            for chunk in rows.chunks(1_000) {
                upsert_rollups!(c, chunk);
            }
            for chunk in choices.chunks(5_000) {
                upsert_choices!(c, chunk);
            }
        }
        // In-process there is no round trip: a cached one-row statement per row.
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => {
            for row in rows {
                RollupUpsert {
                    row,
                    counts: row.sums().to_array(),
                }
                .execute(c)?;
            }
            for choice in choices {
                ChoiceUpsert(choice).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Deletes every rollup row and monthly counter (the start of a rebuild).
pub fn clear(conn: &mut DbConnection) -> Result<(), DbError> {
    #[cfg(feature = "postgres")]
    #[allow(irrefutable_let_patterns)]
    if let DbConnection::Postgresql(c) = &mut *conn {
        // Writers wait until the rebuild commits, then add their increments to the rebuilt rows.
        diesel::sql_query("LOCK TABLE rollups, rollup_choices, monthly_counters IN EXCLUSIVE MODE")
            .execute(c)?;
    }
    diesel::delete(r::table).execute(conn)?;
    diesel::delete(rc::table).execute(conn)?;
    diesel::delete(mc::table).execute(conn)?;
    Ok(())
}

/// Fills `monthly_counters` from `daily_counters` (a rebuild).
pub fn rebuild_monthly_counters(conn: &mut DbConnection) -> Result<usize, DbError> {
    let n = diesel::sql_query(
        "INSERT INTO monthly_counters (service_id, month, tickets_issued, tickets_key) \
         SELECT service_id, SUBSTR(day, 1, 7), CAST(SUM(tickets_issued) AS BIGINT), \
         CAST(SUM(tickets_key) AS BIGINT) \
         FROM daily_counters GROUP BY service_id, SUBSTR(day, 1, 7)",
    )
    .execute(conn)?;
    Ok(n)
}

/// Adds `tickets` issued on `day`, whose record keys sum to `tickets_key`, to the service's month.
pub fn add_monthly_tickets(
    conn: &mut DbConnection,
    service_id: &str,
    day: &str,
    tickets: i64,
    tickets_key: i64,
) -> Result<(), DbError> {
    let month = day.get(..7).unwrap_or(day);
    with_backend!(conn, |c| diesel::insert_into(mc::table)
        .values((
            mc::service_id.eq(service_id),
            mc::month.eq(month),
            mc::tickets_issued.eq(tickets),
            mc::tickets_key.eq(tickets_key),
        ))
        .on_conflict((mc::month, mc::service_id))
        .do_update()
        .set((
            mc::tickets_issued.eq(mc::tickets_issued + tickets),
            mc::tickets_key.eq(mc::tickets_key + tickets_key),
        ))
        .execute(c)?);
    Ok(())
}

/// The dimension cells are grouped by, as an SQL expression over `rollups r`, `services s` and
/// `bodies b` (never text from a request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// One group: everything selected.
    All,
    /// Per service.
    Service,
    /// Per body (IPA code).
    Body,
    /// Per kind of service.
    ServiceKind,
    /// Per kind of body.
    BodyKind,
    /// Per service kind × body kind × body, joined by `|` (what comparisons subtract from).
    KindsAndBody,
}

impl From<Grouping> for GroupBy {
    fn from(g: Grouping) -> GroupBy {
        match g {
            Grouping::National => GroupBy::All,
            Grouping::Service => GroupBy::Service,
            Grouping::Body => GroupBy::Body,
            Grouping::ServiceKind => GroupBy::ServiceKind,
            Grouping::BodyKind => GroupBy::BodyKind,
        }
    }
}

impl GroupBy {
    /// What the group is called in a `GROUP BY`: nothing for [`GroupBy::All`] (PostgreSQL
    /// refuses a constant there).
    fn grouped(self) -> &'static str {
        match self {
            GroupBy::All => "",
            GroupBy::Service => ", s.id",
            GroupBy::Body => ", s.body",
            GroupBy::ServiceKind => ", s.service_kind",
            GroupBy::BodyKind => ", b.body_kind",
            GroupBy::KindsAndBody => ", s.service_kind, b.body_kind, s.body",
        }
    }

    fn expression(self) -> &'static str {
        match self {
            GroupBy::All => "''",
            GroupBy::Service => "s.id",
            GroupBy::Body => "s.body",
            GroupBy::ServiceKind => "s.service_kind",
            GroupBy::BodyKind => "b.body_kind",
            GroupBy::KindsAndBody => "s.service_kind || '|' || b.body_kind || '|' || s.body",
        }
    }
}

/// What a read of the rollups selects: a grain, an inclusive range of periods, optionally one
/// channel, one value of `verified` and one service, body, service kind or body kind.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Day or month rows. Month rows are summed over channels: a selection with a channel or
    /// `verified` must read day rows.
    pub grain: Grain,
    /// First period (inclusive).
    pub from: String,
    /// Last period (inclusive).
    pub to: String,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only attested (`true`) or only unattested (`false`) responses.
    pub verified: Option<bool>,
    /// Only this service.
    pub service: Option<ServiceId>,
    /// Only this body.
    pub body: Option<IpaCode>,
    /// Only this kind of service.
    pub service_kind: Option<ServiceKind>,
    /// Only this kind of body.
    pub body_kind: Option<BodyKind>,
}

impl Selection {
    fn needs_registry(&self, group: GroupBy) -> bool {
        group != GroupBy::All
            || self.service.is_some()
            || self.body.is_some()
            || self.service_kind.is_some()
            || self.body_kind.is_some()
    }
}

/// The `FROM … WHERE …` of a read of `table` (`rollups`, `rollup_choices`, or a counters table
/// with `period_column` and no channel), binding `$1` … `$9` in [`bind_selection`]'s order.
fn from_where(
    conn: &DbConnection,
    table: &str,
    period_column: &str,
    by_channel: bool,
    s: &Selection,
    group: GroupBy,
) -> String {
    let pg = conn.is_postgres();
    let t = |n: u8, ty: &str| {
        if pg {
            format!("${n}::{ty}")
        } else {
            format!("${n}")
        }
    };
    let joins = if s.needs_registry(group) {
        " JOIN services s ON s.id = r.service_id JOIN bodies b ON b.ipa_code = s.body"
    } else {
        ""
    };
    let mut sql = format!(
        " FROM {table} r{joins} WHERE {grain} r.{period_column} >= $2 AND r.{period_column} <= $3",
        grain = if by_channel {
            "r.grain = $1 AND"
        } else {
            "$1 = $1 AND"
        },
    );
    if by_channel {
        sql += &format!(
            " AND ({c} IS NULL OR r.channel = $4) AND ({v} IS NULL OR r.verified = $5)",
            c = t(4, "text"),
            v = t(5, "boolean"),
        );
    } else {
        sql += &format!(
            " AND {c} IS NULL AND {v} IS NULL",
            c = t(4, "text"),
            v = t(5, "boolean")
        );
    }
    if s.needs_registry(group) {
        sql += &format!(
            " AND ({a} IS NULL OR s.id = $6) AND ({b} IS NULL OR s.body = $7) \
             AND ({c} IS NULL OR s.service_kind = $8) AND ({d} IS NULL OR b.body_kind = $9)",
            a = t(6, "text"),
            b = t(7, "text"),
            c = t(8, "text"),
            d = t(9, "text"),
        );
    } else {
        sql += &format!(
            " AND {a} IS NULL AND {b} IS NULL AND {c} IS NULL AND {d} IS NULL",
            a = t(6, "text"),
            b = t(7, "text"),
            c = t(8, "text"),
            d = t(9, "text"),
        );
    }
    // The generic `($6 IS NULL OR …)` keeps one statement text per shape; the equalities
    // added for a given service or body let the planner read only their rows (the
    // `*_by_service` indexes lead with `service_id`). They come after every parameter's first
    // use: SQLite numbers `$n` parameters in the order they first appear.
    if s.service.is_some() {
        sql += " AND r.service_id = $6";
    } else if s.body.is_some() {
        sql += " AND r.service_id IN (SELECT id FROM services WHERE body = $7)";
    }
    sql
}

macro_rules! bind_selection {
    ($query:expr, $s:expr) => {
        $query
            .bind::<Text, _>($s.grain.code())
            .bind::<Text, _>(&$s.from)
            .bind::<Text, _>(&$s.to)
            .bind::<Nullable<Text>, _>($s.channel.map(|c| c.code()))
            .bind::<Nullable<Bool>, _>($s.verified)
            .bind::<Nullable<Text>, _>($s.service.as_ref().map(|s| s.as_str()))
            .bind::<Nullable<Text>, _>($s.body.as_ref().map(|b| b.as_str()))
            .bind::<Nullable<Text>, _>($s.service_kind.map(|k| k.code()))
            .bind::<Nullable<Text>, _>($s.body_kind.map(|k| k.code()))
    };
}

/// `, CAST(SUM(r.c) AS BIGINT) AS c` for every count column.
static SUMS: LazyLock<String> = LazyLock::new(|| {
    COUNT_COLUMNS
        .iter()
        .map(|c| format!(", CAST(SUM(r.{c}) AS BIGINT) AS {c}"))
        .collect()
});

/// The rollups of the selection summed per period × questionnaire × group: in each row
/// `service_id` holds the group's code (empty for [`GroupBy::All`]), `channel` is empty and
/// `verified` false.
pub fn read(
    conn: &mut DbConnection,
    s: &Selection,
    group: GroupBy,
) -> Result<Vec<SumRow>, DbError> {
    let sql = read_sql(conn, s, group);
    let rows: Vec<RollupRow> = bind_selection!(diesel::sql_query(sql), s).load(conn)?;
    Ok(rows.into_iter().map(RollupRow::summed).collect())
}

/// The statement of [`read`].
fn read_sql(conn: &DbConnection, s: &Selection, group: GroupBy) -> String {
    format!(
        "SELECT r.grain, r.period, r.questionnaire_id, {g} AS service_id, '' AS channel, \
         {f} AS verified{sums}{from} GROUP BY r.grain, r.period, r.questionnaire_id{gb}",
        g = group.expression(),
        gb = group.grouped(),
        f = false_literal(conn),
        sums = *SUMS,
        from = from_where(conn, "rollups", "period", true, s, group),
    )
}

/// The choice counts of the selection summed per period × questionnaire × group × question ×
/// option (`service_id` holds the group's code, as in [`read`]).
pub fn read_choices(
    conn: &mut DbConnection,
    s: &Selection,
    group: GroupBy,
) -> Result<Vec<ChoiceCount>, DbError> {
    let sql = format!(
        "SELECT r.grain, r.period, r.questionnaire_id, {g} AS service_id, '' AS channel, \
         {f} AS verified, r.question, r.option, CAST(SUM(r.count) AS BIGINT) AS count, \
         CAST(SUM(r.key_sum) AS BIGINT) AS key_sum{from} GROUP BY r.grain, r.period, r.questionnaire_id{gb}, r.question, r.option",
        g = group.expression(),
        gb = group.grouped(),
        f = false_literal(conn),
        from = from_where(conn, "rollup_choices", "period", true, s, group),
    );
    let rows: Vec<ChoiceRow> = bind_selection!(diesel::sql_query(sql), s).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| ChoiceCount {
            period: c.period,
            group: c.service_id,
            question: c.question,
            option: c.option,
            count: c.count,
            key_sum: c.key_sum,
        })
        .collect())
}

/// Tickets issued per period × group.
#[derive(Clone, Debug, QueryableByName)]
struct TicketRow {
    /// The day or month.
    #[diesel(sql_type = Text)]
    period: String,
    /// The group's code.
    #[diesel(sql_type = Text)]
    grp: String,
    /// Tickets issued.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    tickets: i64,
    /// The sum of their record keys.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    key_sum: i64,
}

/// Tickets issued in the selection per period (day or month, by the selection's grain) × group.
/// Tickets are not split by channel: the selection's channel and `verified` must be unset.
pub fn read_tickets(
    conn: &mut DbConnection,
    s: &Selection,
    group: GroupBy,
) -> Result<Vec<TicketCount>, DbError> {
    let (table, column) = if s.grain == Grain::Month {
        ("monthly_counters", "month")
    } else {
        ("daily_counters", "day")
    };
    let sql = format!(
        "SELECT r.{column} AS period, {g} AS grp, CAST(SUM(r.tickets_issued) AS BIGINT) AS tickets, \
         CAST(SUM(r.tickets_key) AS BIGINT) AS key_sum\
         {from} GROUP BY r.{column}{gb}",
        g = group.expression(),
        gb = group.grouped(),
        from = from_where(conn, table, column, false, s, group),
    );
    let rows: Vec<TicketRow> = bind_selection!(diesel::sql_query(sql), s).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|t| TicketCount {
            period: t.period,
            group: t.grp,
            tickets: t.tickets,
            key_sum: t.key_sum,
        })
        .collect())
}

/// Every stored rollup row and choice row, in key order (what the rebuild test compares).
pub fn all(conn: &mut DbConnection) -> Result<(Vec<RollupRow>, Vec<ChoiceRow>), DbError> {
    let rows = r::table
        .select(RollupRow::as_select())
        .order((
            r::grain,
            r::period,
            r::service_id,
            r::questionnaire_id,
            r::channel,
            r::verified,
        ))
        .load(conn)?;
    let choices = rc::table
        .select(ChoiceRow::as_select())
        .order((
            rc::grain,
            rc::period,
            rc::service_id,
            rc::questionnaire_id,
            rc::channel,
            rc::verified,
            rc::question,
            rc::option,
        ))
        .load(conn)?;
    Ok((rows, choices))
}

/// SQLite writes `false` as 0, PostgreSQL as `FALSE`.
fn false_literal(conn: &DbConnection) -> &'static str {
    match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => "0",
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(_) => "FALSE",
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Integer;
    use diesel_migrations::MigrationHarness;

    use super::*;

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Integer)]
        #[allow(dead_code)]
        id: i32,
        #[diesel(sql_type = Text)]
        detail: String,
    }

    fn plan_of(conn: &mut DbConnection, s: &Selection, group: GroupBy) -> String {
        let sql = format!("EXPLAIN QUERY PLAN {}", read_sql(conn, s, group));
        let steps: Vec<PlanStep> = bind_selection!(diesel::sql_query(sql), s)
            .load(conn)
            .expect("a plan");
        steps
            .into_iter()
            .map(|p| p.detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn a_query_of_one_service_or_one_body_reads_the_rollups_through_the_service_index() {
        let mut conn = DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").expect("an in-memory database"),
        );
        conn.run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
            .expect("the migrations");
        let year = Selection {
            grain: Grain::Day,
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            channel: None,
            verified: None,
            service: None,
            body: None,
            service_kind: None,
            body_kind: None,
        };
        let one_service = Selection {
            service: Some(ServiceId::parse("inps-naspi").expect("an id")),
            ..year.clone()
        };
        let one_body = Selection {
            body: Some(IpaCode::parse("inps").expect("a code")),
            ..year.clone()
        };
        for (s, group) in [
            (&one_service, GroupBy::All),
            (&one_service, GroupBy::Service),
            (&one_body, GroupBy::Service),
            (&one_body, GroupBy::All),
        ] {
            let plan = plan_of(&mut conn, s, group);
            assert!(
                plan.contains("SEARCH r USING INDEX rollups_by_service (service_id=?"),
                "{group:?} of {:?}/{:?}: {plan}",
                s.service,
                s.body
            );
        }
        // Without a service or a body, the primary key's grain and period range.
        let plan = plan_of(&mut conn, &year, GroupBy::Service);
        assert!(!plan.contains("rollups_by_service"), "{plan}");
    }
}
