//! The statistics of Voce, with no I/O: the collector reads rollup rows from its database and
//! hands them here, and everything a published figure depends on is a pure function that a unit
//! test can check by hand. The methods are written out in
//! [`docs/methods.md`](../../../docs/methods.md).
//!
//! - [`calendar`]: Italian working days and Rome's time, for the release schedule.
//! - [`period`]: days, ISO weeks, months, quarters and years in SDMX form.
//! - [`sums`]: the integer sums of a rollup row, indexed by the indicator column they count.
//! - [`rollups`]: from stored responses to rollup increments.
//! - [`query`]: the plan of a query (which rows, which periods, which groups).
//! - [`answer`]: the cells of an answer, built from fetched rows.
//! - [`estimators`]: means, shares, their intervals and the tests of a difference.
//! - [`disclosure`]: which cells may carry figures.
//! - [`perturb`]: the cell key method, the noise of every count a flexible output publishes.
//! - [`linked`]: disclosure control decided once over all the linked tables of a release.
//! - [`lp_audit`]: the attacker's linear program that audits it.
//! - [`release`]: the statuses of every cell of an official release, protected and audited.

pub mod answer;
pub mod calendar;
pub mod disclosure;
pub mod estimators;
pub mod linked;
pub mod lp_audit;
pub mod period;
pub mod perturb;
pub mod query;
pub mod release;
pub mod rollups;
pub mod sums;

pub use period::{Granularity, Period};
pub use voce_shared::Indicator;
