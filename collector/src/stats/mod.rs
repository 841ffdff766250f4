//! Statistics for the national analysis: the estimators and tests that turn rollup sums into
//! published figures ([`estimators`]), the disclosure control that decides which cells may be
//! published at all ([`disclosure`]), the rollups kept in step with the responses
//! ([`rollups`]), and the answer of `GET /v1/stats` and the aggregate exports computed from them
//! ([`query`]). The methods are fixed in `shared/domain/statistics.md`; estimators and
//! disclosure are pure functions (no database, no HTTP) so that every figure can be checked by
//! hand in a unit test.

pub mod disclosure;
pub mod estimators;
pub mod query;
pub mod rollups;
