//! Statistics: rollups kept in step with the responses ([`rollups`]), and the answer of
//! `GET /v1/stats` and the aggregate exports computed from them ([`query`]).

// pub mod query; (after the estimators land)
pub mod rollups;
