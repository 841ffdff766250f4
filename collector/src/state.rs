//! The state every handler shares, in a module of its own so that handlers and [`crate::startup`]
//! both depend on it and never on each other.

use std::sync::Arc;

use actix_web::web;
use voce_shared::Catalog;

use crate::auth::tickets::Keyring;
use crate::configuration::Settings;
use crate::counts::DailyCounts;
use crate::db::Database;
use crate::ingest::honeypot::Honeypot;
use crate::ingest::writer::Writer;
use crate::metrics::Metrics;
use crate::registry::cache::RegistryCache;

/// What every handler shares.
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The ticket keys.
    pub keyring: Keyring,
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
    /// The receipts pretended to bots.
    pub honeypot: Honeypot,
}
