//! Per-service daily counters (tickets issued, responses stored) and daily refusals by reason,
//! written as increments by the collector's periodic flush (`crate::counts`).

use diesel::prelude::*;

use super::schema::{daily_counters as dc, daily_rejections as dr};
use super::{DbConnection, DbError};
use crate::with_backend;

/// What a flush adds to a service's day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceCounts {
    /// Tickets issued.
    pub tickets: i64,
    /// The sum of their record keys (the cell key method: each ticket draws a key when counted).
    pub tickets_key: i64,
    /// Responses stored.
    pub responses: i64,
}

/// Adds the tickets issued (with their key sum) and the responses stored on `day` to a service's
/// counters and to its month.
pub fn add_service_counts(
    conn: &mut DbConnection,
    service_id: &str,
    day: &str,
    counts: ServiceCounts,
) -> Result<(), DbError> {
    let ServiceCounts {
        tickets,
        tickets_key,
        responses,
    } = counts;
    with_backend!(conn, |c| diesel::insert_into(dc::table)
        .values((
            dc::service_id.eq(service_id),
            dc::day.eq(day),
            dc::tickets_issued.eq(tickets),
            dc::responses_stored.eq(responses),
            dc::tickets_key.eq(tickets_key),
        ))
        .on_conflict((dc::service_id, dc::day))
        .do_update()
        .set((
            dc::tickets_issued.eq(dc::tickets_issued + tickets),
            dc::responses_stored.eq(dc::responses_stored + responses),
            dc::tickets_key.eq(dc::tickets_key + tickets_key),
        ))
        .execute(c)?);
    if tickets != 0 {
        super::rollups::add_monthly_tickets(conn, service_id, day, tickets, tickets_key)?;
    }
    Ok(())
}

/// Adds `count` refusals for `reason` on `day`.
pub fn add_rejections(
    conn: &mut DbConnection,
    reason: &str,
    day: &str,
    count: i64,
) -> Result<(), DbError> {
    with_backend!(conn, |c| diesel::insert_into(dr::table)
        .values((dr::day.eq(day), dr::reason.eq(reason), dr::count.eq(count)))
        .on_conflict((dr::day, dr::reason))
        .do_update()
        .set(dr::count.eq(dr::count + count))
        .execute(c)?);
    Ok(())
}

/// Refusals for `reason`, over all days.
pub fn rejections(conn: &mut DbConnection, reason: &str) -> Result<i64, DbError> {
    let counts: Vec<i64> = dr::table
        .filter(dr::reason.eq(reason))
        .select(dr::count)
        .load(conn)?;
    Ok(counts.iter().sum())
}
