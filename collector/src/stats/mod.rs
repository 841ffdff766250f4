//! Statistics for the national analysis, as the collector serves them: [`answer_for`] scopes a
//! query to what an operator may read, [`query`] reads the rollup rows its plan names and hands
//! them to the pure statistics of `voce-stats` (periods, sums, plan, answer, estimators,
//! disclosure control), [`rollups`] keeps the rollups in step with the responses, and
//! [`cache::ClosedPeriods`] keeps the rows of periods that are over for a minute. The methods are
//! written out in [`docs/methods.md`](../../../docs/methods.md).

pub mod cache;
pub mod query;
pub mod rollups;

pub use query::{StatsAnswer, StatsQuery};
pub use voce_stats::{disclosure, estimators};

use std::sync::Arc;

use voce_shared::Catalog;

use crate::auth::operator::{Forbidden, Operator, Role};
use crate::db::{Database, DbError};
use crate::domain::IpaCode;
use crate::registry::cache::RegistryCache;
use cache::ClosedPeriods;
use disclosure::Threshold;
use voce_stats::answer::Audience;

/// Why a statistics query has no answer (`crate::error` decides the HTTP status).
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The query cannot be answered as asked (an unknown service, a span too long…).
    #[error("{0}")]
    Malformed(String),
    /// The operator may not read these cells.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The configured disclosure threshold is not usable.
    #[error("disclosure threshold: {0}")]
    Threshold(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What answering a statistics query reads: the collector's database, catalog and registry,
/// its disclosure threshold and its cache of closed periods (`crate::state::AppState` lends
/// them).
pub struct Sources<'a> {
    /// The database.
    pub db: &'a Database,
    /// The national questionnaire catalog.
    pub catalog: &'static Catalog,
    /// The registry, in memory.
    pub registry: &'a RegistryCache,
    /// The disclosure threshold `k` as configured.
    pub disclosure_k: u64,
    /// The rollup rows of periods that are over.
    pub closed_periods: &'a Arc<ClosedPeriods>,
}

/// Whose figures are exact: the national team's (it may read every raw response), a body's own
/// (it may read its own), nobody else's — analysts read perturbed figures.
pub fn audience_of(operator: &Operator) -> Audience {
    match (operator.role(), operator.body()) {
        (Role::National, _) => Audience::National,
        (Role::Body, Some(own)) => Audience::OwnBody(own.to_owned()),
        _ => Audience::Perturbed,
    }
}

/// The statistics a query asks for, as `operator` may read them: a `body` operator reads its
/// own body (asking for another body's cells is a `403`); answered on the blocking pool. What
/// `GET /v1/stats`, the aggregate exports and the dashboard's pages all call.
pub async fn answer_for(
    sources: &Sources<'_>,
    operator: &Operator,
    mut query: StatsQuery,
) -> Result<StatsAnswer, StatsError> {
    let registry = sources.registry.snapshot();
    if let Some(service) = &query.service
        && let Some(s) = registry.service(service.as_str())
    {
        operator.may_read_aggregates_of(&s.body.ipa_code)?;
    }
    if let Some(body) = &query.body {
        operator.may_read_aggregates_of(body.as_str())?;
    }
    if operator.role() == Role::Body
        && let Some(own) = operator.body()
    {
        query.body = IpaCode::parse(own).ok();
    }
    let k =
        Threshold::new(sources.disclosure_k).map_err(|e| StatsError::Threshold(e.to_string()))?;
    let audience = audience_of(operator);
    let catalog = sources.catalog;
    let today = time::OffsetDateTime::now_utc().date();
    let closed = sources.closed_periods.clone();
    sources
        .db
        .run(move |conn| {
            query::run(
                conn, catalog, &registry, query, k, today, &closed, &audience,
            )
        })
        .await?
        .map_err(|e| StatsError::Malformed(e.0))
}
