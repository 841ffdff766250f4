//! Who may do what: the ticket keys on disk ([`keys`]) and the signed one-time tickets made and
//! checked with them ([`tickets`]), and the completion attestations bodies sign
//! ([`attestations`]).

pub mod attestations;
pub mod keys;
pub mod rotation;
pub mod tickets;
