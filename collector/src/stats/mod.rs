//! Statistics for the national analysis: the estimators and tests that turn rollup sums into
//! published figures, and the disclosure control that decides which cells may be published at
//! all. The methods are fixed in `shared/domain/statistics.md`; the modules here are pure
//! functions (no database, no HTTP) so that every figure can be checked by hand in a unit test.

pub mod disclosure;
pub mod estimators;
