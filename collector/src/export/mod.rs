//! What leaves the server in bulk: the CSV writer ([`csv`]) that every export uses, the
//! streaming of a body in chunks read from the database a page at a time ([`stream`]), and the
//! keyed ids that stand for stored response ids outside the server ([`ids`]), and the raw
//! responses as they leave the server ([`responses`]).

pub mod aggregates;
pub mod csv;
pub mod ids;
pub mod responses;
pub mod stream;
