//! The dashboard (`/dashboard`): server-rendered pages for Istat, each body and analysts.
//!
//! - [`i18n`]: Italian first, English too; numbers and periods written the Italian way.
//! - [`charts`]: the SVG charts as pure functions, each with a title, a summary and a table.
//! - [`compose`]: each page put together from the capabilities it reads.
//! - [`http`]: security headers, static files, the [`http::SignedIn`] extractor, the answers.

pub mod charts;
pub mod compose;
pub mod embed;
pub mod http;
pub mod i18n;
pub mod pages;
pub mod screens;
pub mod session;
pub mod stat_pages;
pub mod texts;
pub mod views;
