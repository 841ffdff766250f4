//! Ingestion: the path of a citizen's answers from the request body to rows committed once per
//! ticket. The handler (`routes::submit_response`) reads the HTTP request and verifies the ticket;
//! this module does the rest, in order:
//!
//! 1. [`strict_json`] parses the body (no duplicate keys, bounded depth) into a
//!    [`SubmitRequest`] and fingerprints it, so a retry can be told from a different body;
//! 2. [`honeypot`] answers bots that filled the hidden field as if stored, storing nothing;
//! 3. [`rows`] validates the answers against the exact questionnaire version of the ticket and
//!    builds the rows, redacting free text and filling the indicator columns the questionnaire
//!    declares;
//! 4. [`writer`] commits them in batches, durably, and turns a second use of the ticket into the
//!    first receipt or a conflict.
//!
//! Nothing here reads the database before the writer's transaction: a refused request costs no
//! database work.

pub mod honeypot;
pub mod rows;
pub mod strict_json;
pub mod writer;

use sha2::{Digest, Sha256};
use voce_shared::api::SubmitRequest;

use crate::error::ApiError;

/// A request body that parsed, with the fingerprint of its canonical form.
#[derive(Debug)]
pub struct ParsedBody {
    /// The request.
    pub request: SubmitRequest,
    /// SHA-256 of the canonical JSON of the request (hex).
    pub fingerprint: String,
}

/// Parses a body strictly into the agreed shape, or says what is wrong with it (400).
pub fn parse_body(bytes: &[u8]) -> Result<ParsedBody, ApiError> {
    let value = strict_json::parse_strict(bytes).map_err(|e| ApiError::Malformed(e.0))?;
    let request: SubmitRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::Malformed(format!("the body does not have the expected shape: {e}"))
    })?;
    let canonical = serde_json::to_vec(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ParsedBody {
        request,
        fingerprint: hex::encode(Sha256::digest(&canonical)),
    })
}

/// Whether a stored (or pretended) response with `stored_fingerprint` answers a retry of a body
/// with `fingerprint`: the same body gets the same receipt, another body is a conflict (409).
pub fn check_replay(stored_fingerprint: &str, fingerprint: &str) -> Result<(), ApiError> {
    if stored_fingerprint == fingerprint {
        Ok(())
    } else {
        Err(ApiError::TicketUsed)
    }
}
