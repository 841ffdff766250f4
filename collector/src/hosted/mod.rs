//! The hosted page: the service's questionnaire as a plain HTML form rendered on the server, for
//! citizens whose browser cannot run the widget and for the channels that end away from the
//! service's page (a QR code at a counter, a link in an e-mail or SMS).
//!
//! [`form`] reads what the browser posts and splits the questionnaire into two steps (the rating,
//! then the one follow-up it shows with the rest), [`page`] renders the pages with askama,
//! [`i18n`] holds the page's own words, [`links`] builds the page's public URL for a channel, and
//! [`qr`] draws that URL as a QR code (SVG and PNG); [`answers`] wraps the pages in their HTTP
//! answers. Tickets, validation, redaction and storage
//! are the widget's: the same ticket code, validator, row builder and group-commit writer.

pub mod answers;
pub mod form;
pub mod i18n;
pub mod links;
pub mod page;
pub mod qr;

/// The stylesheet of the hosted page, served at `/s/static/page.css`.
pub const STYLESHEET: &str = include_str!("../../static/page.css");

/// The Content-Security-Policy of every hosted page: its own stylesheet, nothing else (the empty
/// `data:` icon keeps browsers from asking for `/favicon.ico`), forms posted only to itself,
/// never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
