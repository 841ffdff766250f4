//! Commits the rows of a response, once per ticket: the response, its free texts and the day's
//! counter in one transaction, acknowledged only after the commit. A second request with a ticket
//! that already stored a response gets that response's receipt back (same body) or a conflict.

use voce_shared::api::Receipt;

use super::check_replay;
use super::rows::NewResponse;
use crate::db::responses::StoredTicket;
use crate::db::{self, Database, DbError};
use crate::error::ApiError;
use crate::metrics::Metrics;

/// What happened to a response.
#[derive(Debug)]
pub enum Stored {
    /// It was committed now.
    Created(Receipt),
    /// The ticket had already stored this same body: its first receipt.
    Replayed(Receipt),
}

/// The receipt of the response the ticket already stored, if it stored one: `Ok(None)` when the
/// ticket is unused, the first receipt for the same body, `409` for another body.
pub async fn find_replay(
    db: &Database,
    ticket_id: &str,
    fingerprint: &str,
) -> Result<Option<Receipt>, ApiError> {
    let jti = ticket_id.to_owned();
    let stored = db
        .run(move |conn| db::responses::find_by_ticket(conn, &jti))
        .await?;
    stored.map(|s| answer_replay(s, fingerprint)).transpose()
}

/// Commits a response; a concurrent request with the same ticket that committed first turns
/// this one into its replay (or a conflict).
pub async fn commit(
    db: &Database,
    metrics: &Metrics,
    new: NewResponse,
) -> Result<Stored, ApiError> {
    let receipt = Receipt {
        response_id: new.response.id.clone(),
        received_at: new.response.received_at.clone(),
    };
    let fingerprint = new.response.body_fingerprint.clone();
    let jti = new.response.ticket_id.clone();
    let first = db
        .run(move |conn| {
            match db::responses::insert(conn, &new.response, &new.texts, &new.day) {
                Ok(()) => Ok(None),
                // Another request with the same ticket committed first.
                Err(e) if e.is_unique_violation() => db::responses::find_by_ticket(conn, &jti)?
                    .map(Some)
                    .ok_or(e),
                Err(e) => Err::<_, DbError>(e),
            }
        })
        .await?;
    match first {
        None => {
            metrics.record_response();
            Ok(Stored::Created(receipt))
        }
        Some(s) => answer_replay(s, &fingerprint).map(Stored::Replayed),
    }
}

/// The first receipt of a ticket for a retry of the same body; `409` for another body.
fn answer_replay(stored: StoredTicket, fingerprint: &str) -> Result<Receipt, ApiError> {
    check_replay(&stored.body_fingerprint, fingerprint)?;
    Ok(Receipt {
        response_id: stored.response_id,
        received_at: stored.received_at,
    })
}
