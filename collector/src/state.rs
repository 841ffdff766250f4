//! The state every handler shares, in a module of its own so that handlers and [`crate::startup`]
//! both depend on it and never on each other.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use voce_shared::Catalog;

use crate::auth::operator::OperatorAuth;
use crate::auth::rotation::RotatingKeys;
use crate::configuration::Settings;
use crate::counts::DailyCounts;
use crate::db::Database;
use crate::export::ids::ExportKeys;
use crate::ingest::Ingest;
use crate::ingest::honeypot::Honeypot;
use crate::ingest::writer::Writer;
use crate::metrics::Metrics;
use crate::registry::cache::RegistryCache;
use crate::stats::Sources;
use crate::stats::cache::ClosedPeriods;

/// What every handler shares.
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The ticket keys, reloaded without a restart.
    pub keys: Arc<RotatingKeys>,
    /// The national questionnaire catalog.
    pub catalog: &'static Catalog,
    /// The registry, in memory.
    pub registry: Arc<RegistryCache>,
    /// Counts waiting for the next flush.
    pub counts: Arc<DailyCounts>,
    /// The group-commit writer.
    pub writer: Writer,
    /// The metrics.
    pub metrics: web::Data<Metrics>,
    /// The settings.
    pub settings: Settings,
    /// The last readiness check.
    pub readiness: Readiness,
    /// The receipts pretended to bots.
    pub honeypot: Honeypot,
    /// The operator keys and the issued operator tokens.
    pub operators: Arc<OperatorAuth>,
    /// The key that turns stored response ids into the ids exports show.
    pub export_keys: Arc<ExportKeys>,
    /// The rollup rows of periods that are over, read less than a minute ago.
    pub closed_periods: Arc<ClosedPeriods>,
}

impl AppState {
    /// What answering a statistics query reads.
    pub fn stats_sources(&self) -> Sources<'_> {
        Sources {
            db: &self.db,
            catalog: self.catalog,
            registry: &self.registry,
            disclosure_k: self.settings.disclosure_k,
            closed_periods: &self.closed_periods,
        }
    }
}

impl AppState {
    /// What ingestion works with, lent from the state.
    pub fn ingest(&self) -> Ingest<'_> {
        Ingest {
            catalog: self.catalog,
            writer: &self.writer,
            honeypot: &self.honeypot,
            free_text_retention_days: self.settings.free_text_retention_days,
            metrics: &self.metrics,
            counts: &self.counts,
        }
    }
}

/// How long one answer of the database stands for.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The last readiness check (`GET /readyz`): when, and the failure if it failed. The database is
/// asked at most once a second.
#[derive(Default)]
pub struct Readiness {
    last: Mutex<Option<(Instant, Option<String>)>>,
}

impl Readiness {
    /// The last answer, if it is less than a second old.
    pub fn cached(&self) -> Option<Option<String>> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, failure)| failure.clone())
    }

    /// Records an answer of the database.
    pub fn record(&self, failure: Option<String>) {
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), failure));
    }
}
