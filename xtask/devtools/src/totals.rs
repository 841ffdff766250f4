//! What the counts flush stored for a service, summed over every day: the check a seed's digest
//! and the collector's tests make of `daily_counters`. The collector itself never needs the
//! total, so the query lives here, with the tools.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use voce_collector::db::schema::daily_counters as dc;
use voce_collector::db::{DbConnection, DbError};

/// (tickets issued, responses stored) for `service`, over all days.
pub fn service_totals(conn: &mut DbConnection, service: &str) -> Result<(i64, i64), DbError> {
    let rows: Vec<(i64, i64)> = dc::table
        .filter(dc::service_id.eq(service))
        .select((dc::tickets_issued, dc::responses_stored))
        .load(conn)?;
    Ok(rows
        .iter()
        .fold((0, 0), |(t, r), (dt, dr)| (t + dt, r + dr)))
}
