//! The state every handler shares, in a module of its own so that handlers and [`crate::startup`]
//! both depend on it and never on each other.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use actix_web::web;
use voce_shared::Catalog;

use crate::auth::tickets::Keyring;
use crate::configuration::Settings;
use crate::db::Database;
use crate::ingest::honeypot::Honeypot;
use crate::metrics::Metrics;

/// What every handler shares.
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The ticket keys.
    pub keyring: Keyring,
    /// The national questionnaire catalog.
    pub catalog: &'static Catalog,
    /// The metrics.
    pub metrics: web::Data<Metrics>,
    /// The settings.
    pub settings: Settings,
    /// The receipts pretended to bots.
    pub honeypot: Honeypot,
}

/// The allowed origins of every body, shared with the CORS check and reloaded periodically.
pub type OriginSet = Arc<RwLock<HashSet<String>>>;
