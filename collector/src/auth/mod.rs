//! Who may do what: the ticket keys on disk ([`keys`]) and the signed one-time tickets made and
//! checked with them ([`tickets`]); the operators' own tokens and roles ([`operator`]); and the
//! completion attestations bodies sign ([`attestations`]). Tickets and operator tokens are signed
//! and verified by one code path, [`jwt::HmacKeyring`], each kind with its own keys and `typ`.

pub mod attestations;
pub mod jwt;
pub mod keys;
pub mod operator;
pub mod rotation;
pub mod tickets;
