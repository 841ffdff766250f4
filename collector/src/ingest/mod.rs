//! Ingestion: the path of a citizen's answers from the request body to rows committed once per
//! ticket. The handlers (`POST /v1/responses` and the hosted page's last step) read the HTTP
//! request and verify the ticket; [`Ingest::accept`] does the rest, in order:
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
//! database work. Refusals are [`IngestError`]s, counted by reason with
//! [`Ingest::count_rejection`].

pub mod honeypot;
pub mod rows;
pub mod strict_json;
pub mod writer;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use voce_shared::Violations;
use voce_shared::api::{Receipt, SubmitRequest};

use voce_shared::Catalog;

use crate::auth::tickets::TicketClaims;
use crate::counts::DailyCounts;
use crate::db::DbError;
use crate::domain::{day_of, rfc3339};
use crate::metrics::Metrics;
use honeypot::Honeypot;
use writer::{Stored, Writer};

/// Why a response was not stored.
#[derive(Clone, Debug, thiserror::Error)]
pub enum IngestError {
    /// The body is not acceptable JSON of the expected shape.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The ticket names a questionnaire or a claim that is not acceptable.
    #[error("invalid ticket")]
    InvalidTicket,
    /// The ticket already carried a different body.
    #[error("ticket already used")]
    TicketUsed,
    /// The answers do not validate against the ticket's questionnaire.
    #[error("{0}")]
    InvalidAnswers(Violations),
    /// The database or the write queue is unavailable; nothing was stored.
    #[error("unavailable: {cause}")]
    Unavailable {
        /// Seconds to wait before retrying.
        retry_after_secs: u32,
        /// The cause, logged and never shown.
        cause: String,
    },
    /// A bug or an unexpected failure; nothing was stored.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for IngestError {
    fn from(e: DbError) -> Self {
        if e.is_transient() {
            IngestError::Unavailable {
                retry_after_secs: 2,
                cause: e.to_string(),
            }
        } else {
            IngestError::Internal(e.to_string())
        }
    }
}

/// What ingestion works with: the catalog, the writer, the receipts pretended to bots, the
/// retention of free texts, and where refusals are counted (`AppState::ingest` lends it).
pub struct Ingest<'a> {
    /// The national questionnaire catalog.
    pub catalog: &'static Catalog,
    /// The group-commit writer.
    pub writer: &'a Writer,
    /// The receipts pretended to bots.
    pub honeypot: &'a Honeypot,
    /// Days a free text is kept.
    pub free_text_retention_days: u32,
    /// The metrics.
    pub metrics: &'a Metrics,
    /// The day's counts.
    pub counts: &'a DailyCounts,
}

impl Ingest<'_> {
    /// Counts a refused submission under `reason`, in the metrics and the day's counts.
    pub fn count_rejection(&self, reason: &'static str) {
        self.metrics.record_rejection(reason);
        self.counts
            .rejection(reason, &day_of(OffsetDateTime::now_utc()));
    }

    /// Accepts a response carried by a verified ticket: a bot that filled the honeypot is
    /// answered as if stored (and counted); otherwise the answers are validated against the
    /// ticket's questionnaire, the rows built and committed by the writer. What
    /// `POST /v1/responses` and the hosted page's last step both call.
    pub async fn accept(
        &self,
        claims: &TicketClaims,
        body: &ParsedBody,
        now: OffsetDateTime,
    ) -> Result<Stored, IngestError> {
        if honeypot::is_filled(&body.request) {
            self.count_rejection("honeypot");
            let pretended = self.honeypot.receipt_for(
                &claims.jti,
                &body.fingerprint,
                claims.exp,
                now.unix_timestamp(),
                || Receipt {
                    response_id: uuid::Uuid::new_v4().to_string(),
                    received_at: rfc3339(now),
                },
            );
            check_replay(&pretended.fingerprint, &body.fingerprint)?;
            return Ok(Stored::Created(pretended.receipt));
        }
        let questionnaire = rows::questionnaire_of(self.catalog, claims)?;
        let new = rows::build(
            questionnaire,
            claims,
            &body.request,
            &body.fingerprint,
            now,
            self.free_text_retention_days,
        )?;
        self.writer.store(new).await
    }
}

/// A request body that parsed, with the fingerprint of its canonical form.
#[derive(Debug)]
pub struct ParsedBody {
    /// The request.
    pub request: SubmitRequest,
    /// SHA-256 of the canonical JSON of the request (hex).
    pub fingerprint: String,
}

impl ParsedBody {
    /// A request with the fingerprint of its canonical form (the hosted page builds its request
    /// from form fields, then fingerprints it as a JSON body is).
    pub fn of(request: SubmitRequest) -> Result<ParsedBody, IngestError> {
        let canonical =
            serde_json::to_vec(&request).map_err(|e| IngestError::Internal(e.to_string()))?;
        Ok(ParsedBody {
            request,
            fingerprint: hex::encode(Sha256::digest(&canonical)),
        })
    }
}

/// Parses a body strictly into the agreed shape, or says what is wrong with it (400).
pub fn parse_body(bytes: &[u8]) -> Result<ParsedBody, IngestError> {
    let value = strict_json::parse_strict(bytes).map_err(|e| IngestError::Malformed(e.0))?;
    let request: SubmitRequest = serde_json::from_value(value).map_err(|e| {
        IngestError::Malformed(format!("the body does not have the expected shape: {e}"))
    })?;
    ParsedBody::of(request)
}

/// Whether a stored (or pretended) response with `stored_fingerprint` answers a retry of a body
/// with `fingerprint`: the same body gets the same receipt, another body is a conflict (409).
pub fn check_replay(stored_fingerprint: &str, fingerprint: &str) -> Result<(), IngestError> {
    if stored_fingerprint == fingerprint {
        Ok(())
    } else {
        Err(IngestError::TicketUsed)
    }
}
