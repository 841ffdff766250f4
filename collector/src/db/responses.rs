//! Stored responses and their redacted free texts.

use diesel::prelude::*;

use super::schema::{free_texts, responses};
use super::{DbConnection, DbError};

/// A stored response: every column of `responses`, as inserted and as read back.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
pub struct ResponseRow {
    /// Response id (a time-ordered UUIDv7, so that its unique index grows at its end; never
    /// exported, only its keyed hash).
    pub id: String,
    /// Service rated.
    pub service_id: String,
    /// Questionnaire answered.
    pub questionnaire_id: String,
    /// Its version.
    pub questionnaire_version: i32,
    /// Its content hash.
    pub questionnaire_hash: String,
    /// The ticket's `jti`; unique, so a ticket stores at most one response.
    pub ticket_id: String,
    /// SHA-256 of the canonical request body, to tell a retry from a different body.
    #[serde(skip)]
    pub body_fingerprint: String,
    /// When it was received (RFC 3339 UTC).
    pub received_at: String,
    /// Locale answered in.
    pub locale: String,
    /// Every answer except free text, as JSON.
    pub answers: String,
    /// The star rating (`chiarezza` or `facilita`).
    pub valutazione: Option<i32>,
    /// The follow-up reason (either direction).
    pub motivo: Option<String>,
    /// `esito`.
    pub esito: Option<String>,
    /// `soddisfazione`.
    pub soddisfazione: Option<i32>,
    /// `fiducia`.
    pub fiducia: Option<i32>,
    /// Where the response came from: `widget`, `page`, `qr`, `email` or `sms`.
    pub channel: String,
    /// Whether its ticket was issued against a body's completion attestation.
    pub verified: bool,
    /// A random key that orders the raw export, so that the order says nothing about time;
    /// never leaves the server.
    #[serde(skip)]
    pub export_key: String,
    /// The record key of the cell key method (uniform in `0..2³²`, drawn when stored): the
    /// noise of every perturbed cell is read from the sum of its records' keys, so it never
    /// leaves the server.
    #[serde(skip)]
    pub record_key: i64,
}

/// A stored free text, after redaction: every column of `free_texts`.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = free_texts)]
pub struct FreeTextRow {
    /// Row id (a time-ordered UUIDv7, never shown).
    #[serde(skip)]
    pub id: String,
    /// The response it belongs to.
    #[serde(skip)]
    pub response_id: String,
    /// Question id.
    pub question: String,
    /// The text, after redaction.
    pub text: String,
    /// Comma-separated codes of the kinds of personal data removed.
    pub redacted_kinds: String,
    /// Day after which the text is deleted (`YYYY-MM-DD`).
    pub purge_after: String,
}

/// What a stored response says about the ticket that carried it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct StoredTicket {
    /// Response id.
    pub response_id: String,
    /// Fingerprint of the body stored.
    pub body_fingerprint: String,
    /// When it was received.
    pub received_at: String,
}

/// Inserts responses (in one statement on PostgreSQL), each unless its ticket already stored one, and the free
/// texts of those inserted; returns the ids of the responses inserted. The caller holds the
/// transaction.
pub fn insert_unless_stored(
    conn: &mut DbConnection,
    rows: &[ResponseRow],
    texts: &[FreeTextRow],
) -> Result<Vec<String>, DbError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let inserted: Vec<String> = match &mut *conn {
        // One statement for the batch: a round trip to the server is the cost that counts.
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(c) => diesel::insert_into(responses::table)
            .values(rows)
            .on_conflict(responses::ticket_id)
            .do_nothing()
            .returning(responses::id)
            .get_results(c)?,
        // In-process, a cached one-row statement per response costs no round trip, and tells
        // exactly which rows the unique ticket refused (cached because a `None` is bound as
        // `NULL`, not written as a default, so the text never changes).
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => {
            let mut inserted = Vec::with_capacity(rows.len());
            for row in rows {
                let n = diesel::insert_into(responses::table)
                    .values(row)
                    .on_conflict(responses::ticket_id)
                    .do_nothing()
                    .execute(c)?;
                if n == 1 {
                    inserted.push(row.id.clone());
                }
            }
            inserted
        }
    };
    let kept: Vec<FreeTextRow> = texts
        .iter()
        .filter(|t| inserted.contains(&t.response_id))
        .cloned()
        .collect();
    match &mut *conn {
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(c) if !kept.is_empty() => {
            diesel::insert_into(free_texts::table)
                .values(&kept)
                .execute(c)?;
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgresql(_) => {}
        // A one-row insert is a cached statement; a multi-row one is prepared anew each time.
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => {
            for text in &kept {
                diesel::insert_into(free_texts::table)
                    .values(text)
                    .execute(c)?;
            }
        }
    }
    Ok(inserted)
}

/// The responses already stored with any of these tickets, by ticket id.
pub fn find_by_tickets(
    conn: &mut DbConnection,
    ticket_ids: &[&str],
) -> Result<Vec<(String, StoredTicket)>, DbError> {
    let rows: Vec<(String, String, String, String)> = responses::table
        .filter(responses::ticket_id.eq_any(ticket_ids))
        .select((
            responses::ticket_id,
            responses::id,
            responses::body_fingerprint,
            responses::received_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(ticket, response_id, body_fingerprint, received_at)| {
            (
                ticket,
                StoredTicket {
                    response_id,
                    body_fingerprint,
                    received_at,
                },
            )
        })
        .collect())
}

/// The number of stored responses, for one service or all.
pub fn count(conn: &mut DbConnection, service_id: Option<&str>) -> Result<i64, DbError> {
    let n = match service_id {
        Some(s) => responses::table
            .filter(responses::service_id.eq(s))
            .count()
            .get_result(conn)?,
        None => responses::table.count().get_result(conn)?,
    };
    Ok(n)
}

/// Stored responses (of one service, or all), oldest first, each with its free texts.
pub fn list(
    conn: &mut DbConnection,
    service_id: Option<&str>,
) -> Result<Vec<(ResponseRow, Vec<FreeTextRow>)>, DbError> {
    let (rows, texts): (Vec<ResponseRow>, Vec<FreeTextRow>) = {
        let mut query = responses::table
            .select(ResponseRow::as_select())
            .order((responses::received_at, responses::id))
            .into_boxed();
        let mut text_query = free_texts::table
            .inner_join(responses::table)
            .select(FreeTextRow::as_select())
            .order((free_texts::response_id, free_texts::question))
            .into_boxed();
        if let Some(s) = service_id {
            query = query.filter(responses::service_id.eq(s.to_owned()));
            text_query = text_query.filter(responses::service_id.eq(s.to_owned()));
        }
        (query.load(conn)?, text_query.load(conn)?)
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let own = texts
                .iter()
                .filter(|t| t.response_id == r.id)
                .cloned()
                .collect();
            (r, own)
        })
        .collect())
}

/// Deletes the free texts whose own retention day has passed (`purge_after` before `today`) or
/// whose response was received before `received_before` (RFC 3339 or a `YYYY-MM-DD` day): so a
/// shortened retention applies to texts stored earlier too. Returns how many.
pub fn purge_free_texts_received_before(
    conn: &mut DbConnection,
    today: &str,
    received_before: &str,
) -> Result<usize, DbError> {
    let old_responses = responses::table
        .filter(responses::received_at.lt(received_before.to_owned()))
        .select(responses::id);
    let deleted = diesel::delete(
        free_texts::table.filter(
            free_texts::purge_after
                .lt(today.to_owned())
                .or(free_texts::response_id.eq_any(old_responses)),
        ),
    )
    .execute(conn)?;
    Ok(deleted)
}

/// Deletes at most `limit` responses received before `received_before`, with their free
/// texts, in one transaction; returns how many responses. Call until it returns 0.
pub fn purge_responses_received_before(
    conn: &mut DbConnection,
    received_before: &str,
    limit: i64,
) -> Result<usize, DbError> {
    use diesel::Connection;
    conn.transaction::<_, DbError, _>(|conn| {
        let ids: Vec<String> = responses::table
            .filter(responses::received_at.lt(received_before.to_owned()))
            .select(responses::id)
            .limit(limit)
            .load(conn)?;
        if ids.is_empty() {
            return Ok(0);
        }
        diesel::delete(free_texts::table.filter(free_texts::response_id.eq_any(&ids)))
            .execute(conn)?;
        let deleted =
            diesel::delete(responses::table.filter(responses::id.eq_any(&ids))).execute(conn)?;
        Ok(deleted)
    })
}

/// Up to `limit` responses of one service, in the order of their export keys after `after` (the
/// keys are random, so the order says nothing about time), received on or after `from` and before
/// `before` (each a day `YYYY-MM-DD` or a time, compared as text).
pub fn page_of_service(
    conn: &mut DbConnection,
    service_id: &str,
    after: Option<&str>,
    from: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<ResponseRow>, DbError> {
    let mut query = responses::table
        .filter(responses::service_id.eq(service_id.to_owned()))
        .select(ResponseRow::as_select())
        .order(responses::export_key)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(responses::export_key.gt(after.to_owned()));
    }
    if let Some(from) = from {
        query = query.filter(responses::received_at.ge(from.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(responses::received_at.lt(before.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// The free texts of these responses.
pub fn free_texts_of(
    conn: &mut DbConnection,
    response_ids: &[&str],
) -> Result<Vec<FreeTextRow>, DbError> {
    if response_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(free_texts::table
        .filter(free_texts::response_id.eq_any(response_ids))
        .select(FreeTextRow::as_select())
        .order((free_texts::response_id, free_texts::question))
        .load(conn)?)
}
