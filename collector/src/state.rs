//! The state every handler shares, in a module of its own so that handlers and [`crate::startup`]
//! both depend on it and never on each other.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::web;
use voce_shared::Catalog;

use crate::auth::tickets::Keyring;
use crate::configuration::Settings;
use crate::db::{DbConnection, DbError, Pool};
use crate::error::ApiError;
use crate::ingest::honeypot::Honeypot;
use crate::metrics::Metrics;

/// What every handler shares.
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
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

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool, timing it.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        web::block(move || {
            let start = Instant::now();
            let result = pool
                .get()
                .map_err(DbError::from)
                .and_then(|mut c| f(&mut c));
            metrics.record_db_latency(start.elapsed());
            result
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }
}

/// The allowed origins of every body, shared with the CORS check and reloaded periodically.
pub type OriginSet = Arc<RwLock<HashSet<String>>>;
