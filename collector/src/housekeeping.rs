//! The collector's background thread: writes the in-memory counts every `VOCE_COUNTS_FLUSH_MS`,
//! reloads the in-memory registry when an import (on any collector) raised its version, reads
//! the ticket keys again every `VOCE_KEYS_RELOAD_SECS`, and
//! purges free texts past their retention once a day. It stops when the server is gone (the last
//! strong reference to the registry cache), after a last flush.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::auth::rotation::RotatingKeys;
use crate::counts::DailyCounts;
use crate::db::{self, DbError, Pool};
use crate::registry::cache::RegistryCache;

/// How often each job runs.
#[derive(Clone, Copy, Debug)]
pub struct Intervals {
    /// Between flushes of the counts.
    pub counts: Duration,
    /// Between checks of the registry version.
    pub registry: Duration,
    /// Between reads of the key directory.
    pub keys: Duration,
}

/// Writes the pending counts, logging a failure (they are kept for the next flush).
pub fn flush_counts(pool: &Pool, counts: &DailyCounts) {
    if counts.is_empty() {
        return;
    }
    let flushed = pool
        .get()
        .map_err(DbError::from)
        .and_then(|mut c| counts.flush(&mut c));
    if let Err(e) = flushed {
        tracing::warn!(error = %e, "cannot write the counts; they are kept for the next flush");
    }
}

fn purge_free_texts(pool: &Pool) {
    let today = crate::domain::day_of(time::OffsetDateTime::now_utc());
    let purged = pool
        .get()
        .map_err(DbError::from)
        .and_then(|mut c| db::responses::purge_free_texts(&mut c, &today));
    match purged {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "deleted free texts past their retention"),
        Err(e) => tracing::warn!(error = %e, "cannot purge expired free texts"),
    }
}

fn refresh_registry(pool: &Pool, registry: &RegistryCache) {
    let refreshed = pool
        .get()
        .map_err(DbError::from)
        .and_then(|mut c| registry.refresh(&mut c));
    match refreshed {
        Ok(true) => tracing::info!(
            version = registry.snapshot().version,
            "registry reloaded after an import"
        ),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "cannot check the registry version"),
    }
}

/// Starts the thread.
pub fn spawn(
    pool: Pool,
    registry: Weak<RegistryCache>,
    keys: Arc<RotatingKeys>,
    counts: Arc<DailyCounts>,
    every: Intervals,
) {
    let tick = every.counts.min(every.registry);
    let spawned = std::thread::Builder::new()
        .name("voce-housekeeping".into())
        .spawn(move || {
            let mut purged_on = String::new();
            let mut registry_checked = Instant::now();
            let mut keys_read = Instant::now();
            loop {
                let today = crate::domain::day_of(time::OffsetDateTime::now_utc());
                if today != purged_on {
                    purge_free_texts(&pool);
                    purged_on = today;
                }
                std::thread::sleep(tick);
                let Some(registry) = registry.upgrade() else {
                    flush_counts(&pool, &counts);
                    return;
                };
                flush_counts(&pool, &counts);
                if registry_checked.elapsed() >= every.registry {
                    refresh_registry(&pool, &registry);
                    registry_checked = Instant::now();
                }
                if keys_read.elapsed() >= every.keys {
                    if let Err(e) = keys.reload() {
                        tracing::warn!(error = %e, "cannot read the ticket keys; the loaded ones stay");
                    }
                    keys_read = Instant::now();
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start housekeeping: counts and registry changes wait for a restart");
    }
}
