//! The rollups of periods that are over, kept in memory for a minute. A response counts for the
//! day it is received, so the writer never changes a past day's or month's rollup row: only the
//! demo seeder and `rollups rebuild` do, and a figure they change is seen within [`FRESH_FOR`].
//! Queries that reach today are always read from the database. One cache per collector, in its
//! [`crate::state::AppState`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use voce_stats::answer::Fetched;

use crate::db::{DbConnection, DbError};

/// How long a cached read stands.
pub const FRESH_FOR: Duration = Duration::from_secs(60);
/// Most reads kept (the oldest are dropped beyond).
const MAX: usize = 256;

/// Reads of closed periods, by what was read.
#[derive(Default)]
pub struct ClosedPeriods {
    reads: Mutex<HashMap<String, (Instant, Arc<Fetched>)>>,
}

impl ClosedPeriods {
    /// The rows read under `key`, from memory when read less than a minute ago, else by `read`.
    pub fn fetch(
        &self,
        conn: &mut DbConnection,
        key: String,
        read: impl FnOnce(&mut DbConnection) -> Result<Fetched, DbError>,
    ) -> Result<Arc<Fetched>, DbError> {
        let now = Instant::now();
        if let Some((at, rows)) = self
            .reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            && now.duration_since(*at) < FRESH_FOR
        {
            return Ok(rows.clone());
        }
        let rows = Arc::new(read(conn)?);
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        reads.retain(|_, (at, _)| now.duration_since(*at) < FRESH_FOR);
        if reads.len() >= MAX
            && let Some(oldest) = reads
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
        {
            reads.remove(&oldest);
        }
        reads.insert(key, (now, rows.clone()));
        Ok(rows)
    }
}
