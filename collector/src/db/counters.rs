//! Per-service daily counters (tickets issued, responses stored) and daily refusals by reason.

use diesel::prelude::*;

use super::schema::{daily_counters as dc, daily_rejections as dr};
use super::{DbConnection, DbError};
use crate::with_backend;

/// Adds one to the tickets issued today for a service.
pub fn count_ticket(conn: &mut DbConnection, service_id: &str, day: &str) -> Result<(), DbError> {
    with_backend!(conn, |c| diesel::insert_into(dc::table)
        .values((
            dc::service_id.eq(service_id),
            dc::day.eq(day),
            dc::tickets_issued.eq(1_i64),
            dc::responses_stored.eq(0_i64),
        ))
        .on_conflict((dc::service_id, dc::day))
        .do_update()
        .set(dc::tickets_issued.eq(dc::tickets_issued + 1_i64))
        .execute(c)?);
    Ok(())
}

/// Adds one to the responses stored today for a service.
pub fn count_response(conn: &mut DbConnection, service_id: &str, day: &str) -> Result<(), DbError> {
    with_backend!(conn, |c| diesel::insert_into(dc::table)
        .values((
            dc::service_id.eq(service_id),
            dc::day.eq(day),
            dc::tickets_issued.eq(0_i64),
            dc::responses_stored.eq(1_i64),
        ))
        .on_conflict((dc::service_id, dc::day))
        .do_update()
        .set(dc::responses_stored.eq(dc::responses_stored + 1_i64))
        .execute(c)?);
    Ok(())
}

/// Adds one to today's refusals for `reason`.
pub fn count_rejection(conn: &mut DbConnection, reason: &str, day: &str) -> Result<(), DbError> {
    with_backend!(conn, |c| diesel::insert_into(dr::table)
        .values((dr::day.eq(day), dr::reason.eq(reason), dr::count.eq(1_i64)))
        .on_conflict((dr::day, dr::reason))
        .do_update()
        .set(dr::count.eq(dr::count + 1_i64))
        .execute(c)?);
    Ok(())
}

/// Tickets issued and responses stored for a service, over all days.
pub fn service_totals(conn: &mut DbConnection, service_id: &str) -> Result<(i64, i64), DbError> {
    let rows: Vec<(i64, i64)> = dc::table
        .filter(dc::service_id.eq(service_id))
        .select((dc::tickets_issued, dc::responses_stored))
        .load(conn)?;
    Ok(rows
        .iter()
        .fold((0, 0), |(t, r), (dt, dr)| (t + dt, r + dr)))
}

/// Refusals for `reason`, over all days.
pub fn rejections(conn: &mut DbConnection, reason: &str) -> Result<i64, DbError> {
    let counts: Vec<i64> = dr::table
        .filter(dr::reason.eq(reason))
        .select(dr::count)
        .load(conn)?;
    Ok(counts.iter().sum())
}
