//! Retention: redacted free texts are deleted after `VOCE_FREE_TEXT_RETENTION_DAYS` (365 by
//! default), raw responses after `VOCE_RAW_RESPONSE_RETENTION_DAYS` when it is set (it must be
//! longer). Both are counted from the day the response was received, so a shortened period
//! applies to what is already stored. Rollups (`rollup_*`) and the daily counts are never
//! touched: the published figures outlive the rows they were computed from. Run daily by
//! `serve` (housekeeping) and on demand by `voce-collector purge`; each purge that deleted
//! anything is recorded in the audit log.

use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditAction};
use crate::configuration::Settings;
use crate::db::{self, DbConnection, DbError};
use crate::domain::day_of;

/// Responses deleted per transaction, so a large purge never holds a long lock.
const RESPONSES_PER_BATCH: i64 = 5000;

/// How long what is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Days a free text is kept.
    pub free_text_days: u32,
    /// Days a raw response is kept; `None` keeps them.
    pub raw_response_days: Option<u32>,
}

impl Retention {
    /// The retention the settings ask for.
    pub fn from_settings(settings: &Settings) -> Retention {
        Retention {
            free_text_days: settings.free_text_retention_days,
            raw_response_days: settings.raw_response_retention_days,
        }
    }
}

/// What one purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Free texts deleted (on their own or with their response).
    pub free_texts: usize,
    /// Raw responses deleted.
    pub responses: usize,
}

/// The first day kept when `days` are kept up to `today`: rows received before it go.
fn first_day_kept(today: OffsetDateTime, days: u32) -> String {
    day_of(today - time::Duration::days(i64::from(days)))
}

/// Deletes what `retention` says has been kept long enough on `today`, recording it in the audit
/// log as done by `actor`.
pub fn purge(
    conn: &mut DbConnection,
    retention: Retention,
    today: OffsetDateTime,
    actor: &Actor,
) -> Result<Purged, DbError> {
    let mut purged = Purged::default();
    let free_text_cutoff = first_day_kept(today, retention.free_text_days);
    purged.free_texts =
        db::responses::purge_free_texts_received_before(conn, &day_of(today), &free_text_cutoff)?;
    let mut raw_cutoff = None;
    if let Some(days) = retention.raw_response_days {
        let cutoff = first_day_kept(today, days);
        loop {
            let n =
                db::responses::purge_responses_received_before(conn, &cutoff, RESPONSES_PER_BATCH)?;
            purged.responses += n;
            if n == 0 {
                break;
            }
        }
        raw_cutoff = Some(cutoff);
    }
    if purged != Purged::default() {
        audit::record(
            conn,
            actor,
            AuditAction::Purged,
            None,
            &format!(
                "{} free texts (received before {free_text_cutoff} or past their day), {} raw \
                 responses (received before {})",
                purged.free_texts,
                purged.responses,
                raw_cutoff.as_deref().unwrap_or("-: no raw retention set")
            ),
        )?;
    }
    Ok(purged)
}

/// The collector itself, as the actor of its daily jobs.
pub fn daily_job() -> Actor {
    Actor {
        id: "collector".into(),
        role: "system".into(),
    }
}
