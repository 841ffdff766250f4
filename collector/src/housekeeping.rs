//! The collector's background thread: writes the in-memory counts every `VOCE_COUNTS_FLUSH_MS`,
//! reloads the in-memory registry when an import (on any collector) raised its version and reads
//! the operator tokens and their revocations again (both every `VOCE_REGISTRY_REFRESH_SECS`),
//! reads the ticket, operator and export keys again every `VOCE_KEYS_RELOAD_SECS`, and
//! purges free texts and raw responses past their retention once a day ([`crate::retention`]),
//! and once a day makes the official releases that are due ([`crate::release::schedule`]). It
//! stops when the server is gone (the last
//! strong reference to the registry cache), after a last flush.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::auth::operator::OperatorAuth;
use crate::auth::rotation::RotatingKeys;
use crate::counts::DailyCounts;
use crate::db::{DbError, Pool};
use crate::export::ids::ExportKeys;
use crate::registry::cache::RegistryCache;
use crate::retention::{self, Retention};

/// What housekeeping keeps fresh for operator access, and the retention it applies daily.
pub struct Access {
    /// The operator keys and issued tokens.
    pub operators: Arc<OperatorAuth>,
    /// The export keys.
    pub export_keys: Arc<ExportKeys>,
    /// How long free texts and raw responses are kept.
    pub retention: Retention,
    /// The disclosure threshold of scheduled releases; `None`: no release schedule.
    pub release_k: Option<crate::stats::disclosure::Threshold>,
    /// The questionnaire catalog the releases are computed with.
    pub catalog: &'static voce_shared::Catalog,
}

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

fn purge_expired(pool: &Pool, retention: Retention) {
    let purged = pool.get().map_err(DbError::from).and_then(|mut c| {
        retention::purge(
            &mut c,
            retention,
            time::OffsetDateTime::now_utc(),
            &retention::daily_job(),
        )
    });
    match purged {
        Ok(p) if p == retention::Purged::default() => {}
        Ok(p) => tracing::info!(
            free_texts = p.free_texts,
            responses = p.responses,
            "deleted what was past its retention"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot purge what is past its retention"),
    }
}

fn make_due_releases(
    pool: &Pool,
    registry: &RegistryCache,
    catalog: &'static voce_shared::Catalog,
    k: crate::stats::disclosure::Threshold,
) {
    let snapshot = registry.snapshot();
    let made = pool
        .get()
        .map_err(|e| crate::release::ReleaseError::Db(DbError::from(e)))
        .and_then(|mut c| {
            crate::release::schedule::run(
                &mut c,
                &crate::release::Inputs {
                    catalog,
                    registry: &snapshot,
                    k,
                    now: time::OffsetDateTime::now_utc(),
                    publish_at: None,
                    reason: None,
                    actor: crate::audit::Actor {
                        id: "schedule".into(),
                        role: "cli".into(),
                    },
                },
            )
        });
    match made {
        Ok(made) => {
            for m in made {
                tracing::info!(
                    release = %m.row.id,
                    publish_at = %m.row.publish_at,
                    sha256 = %m.row.sha256,
                    "scheduled release made"
                );
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot make the scheduled releases; tried again tomorrow")
        }
    }
}

/// Reads the operator tokens and revocations again.
pub fn refresh_operators(pool: &Pool, operators: &OperatorAuth) {
    let refreshed = pool
        .get()
        .map_err(DbError::from)
        .and_then(|mut c| operators.refresh(&mut c));
    if let Err(e) = refreshed {
        tracing::warn!(error = %e, "cannot read the operator tokens; the loaded ones stay");
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
    access: Access,
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
                    purge_expired(&pool, access.retention);
                    if let (Some(k), Some(registry)) = (access.release_k, registry.upgrade()) {
                        make_due_releases(&pool, &registry, access.catalog, k);
                    }
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
                    refresh_operators(&pool, &access.operators);
                    registry_checked = Instant::now();
                }
                if keys_read.elapsed() >= every.keys {
                    if let Err(e) = keys.reload() {
                        tracing::warn!(error = %e, "cannot read the ticket keys; the loaded ones stay");
                    }
                    if let Err(e) = access.operators.reload_keys() {
                        tracing::warn!(error = %e, "cannot read the operator keys; the loaded ones stay");
                    }
                    if let Err(e) = access.export_keys.reload() {
                        tracing::warn!(error = %e, "cannot read the export keys; the loaded one stays");
                    }
                    keys_read = Instant::now();
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start housekeeping: counts and registry changes wait for a restart");
    }
}
