//! Daily counts — tickets issued and responses stored per service, refusals by reason — kept in
//! memory and written to the database in one transaction every second (and at shutdown), so that
//! no request waits for a counter row: a form request and a refusal make no database call.
//!
//! On a crash (kill -9, power loss) at most one flush interval of *counts* is lost; responses are
//! rows of their own, committed before they are acknowledged, and never lost.

use std::collections::HashMap;
use std::sync::Mutex;

use diesel::Connection;

use crate::db::counters::ServiceCounts;
use crate::db::{self, DbConnection, DbError};

/// Counts not yet written, by (service, day) and (reason, day).
#[derive(Default)]
struct Pending {
    services: HashMap<(String, String), ServiceCounts>,
    rejections: HashMap<(&'static str, String), i64>,
}

/// The counts of this process since the last flush.
#[derive(Default)]
pub struct DailyCounts {
    pending: Mutex<Pending>,
}

impl DailyCounts {
    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One ticket issued for `service` on `day`, with its record key: drawn uniformly from
    /// 0 .. 2^32 − 1 here, counted in the day's key sum and never stored alone (the cell key
    /// method, `docs/methods.md`), so that a cell's tickets get the same noise in every table.
    pub fn ticket(&self, service: &str, day: &str) {
        let key = i64::from(rand::random::<u32>());
        let mut p = self.pending();
        let c = p
            .services
            .entry((service.to_owned(), day.to_owned()))
            .or_default();
        c.tickets += 1;
        c.tickets_key += key;
    }

    /// `n` responses stored for `service` on `day`.
    pub fn responses(&self, service: &str, day: &str, n: i64) {
        let mut p = self.pending();
        p.services
            .entry((service.to_owned(), day.to_owned()))
            .or_default()
            .responses += n;
    }

    /// One refusal for `reason` on `day`.
    pub fn rejection(&self, reason: &'static str, day: &str) {
        *self
            .pending()
            .rejections
            .entry((reason, day.to_owned()))
            .or_default() += 1;
    }

    /// Whether anything waits to be written.
    pub fn is_empty(&self) -> bool {
        let p = self.pending();
        p.services.is_empty() && p.rejections.is_empty()
    }

    /// Writes every pending count in one transaction; on failure the counts are kept for the next
    /// flush. Returns how many counter rows were written.
    pub fn flush(&self, conn: &mut DbConnection) -> Result<usize, DbError> {
        let taken = std::mem::take(&mut *self.pending());
        if taken.services.is_empty() && taken.rejections.is_empty() {
            return Ok(0);
        }
        let written = conn.transaction::<_, DbError, _>(|conn| {
            for ((service, day), counts) in &taken.services {
                db::counters::add_service_counts(conn, service, day, *counts)?;
            }
            for ((reason, day), n) in &taken.rejections {
                db::counters::add_rejections(conn, reason, day, *n)?;
            }
            Ok(taken.services.len() + taken.rejections.len())
        });
        if written.is_err() {
            let mut p = self.pending();
            for (key, c) in taken.services {
                let e = p.services.entry(key).or_default();
                e.tickets += c.tickets;
                e.tickets_key += c.tickets_key;
                e.responses += c.responses;
            }
            for (key, n) in taken.rejections {
                *p.rejections.entry(key).or_default() += n;
            }
        }
        written
    }
}
