//! Raw responses as they leave the server, for `GET /v1/responses` (JSON pages) and
//! `GET /v1/exports/responses.csv` (a streamed CSV).
//!
//! What leaves: the keyed response id ([`super::ids`]), the service and its body, the **day**
//! received (never the time), the questionnaire id and version, locale, channel, whether the
//! response was attested, the answers, and — where the role may read them — the redacted free
//! texts. Never the ticket id, the body fingerprint or the stored id.
//!
//! Order: service by service (by service id), and within a service by each response's export
//! key, a random value drawn when it is stored and never shown (stored ids are time-ordered, so
//! they cannot be the order). The order says nothing about when a response came: the host page,
//! which knows the order of its visitors' submissions, cannot match them to rows by rank. Each
//! page is one index range scan (`responses (service_id, export_key)`), so reading page 1,000
//! costs what reading page 1 does.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::csv::{Cell, CsvWriter};
use super::ids::{ExportKey, ExportKeys, NoExportKey};
use crate::audit::{self, AuditAction};
use crate::auth::operator::{Forbidden, Operator};
use crate::db::responses::{FreeTextRow, ResponseRow};
use crate::db::{self, Database, DbConnection, DbError};
use crate::domain::{IpaCode, ServiceId};
use crate::registry::cache::Snapshot;

/// Responses per page of `GET /v1/responses` unless `limit` says otherwise.
pub const DEFAULT_PAGE: usize = 100;
/// The largest `limit` of `GET /v1/responses`.
pub const MAX_PAGE: usize = 1000;
/// Responses per chunk of the CSV export.
pub const EXPORT_CHUNK: usize = 2000;

/// Why raw responses cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A filter or cursor that is not acceptable.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// No such service.
    #[error("not found: {0}")]
    NotFound(String),
    /// The role may not read these responses.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No export key: nothing leaves.
    #[error(transparent)]
    NoKey(#[from] NoExportKey),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The query of `GET /v1/exports/responses.csv`: which responses.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RawFilter {
    /// The body (IPA code). A `body` token reads only its own and may leave it out; `national`
    /// without it reads every body.
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, pattern = r"^[a-z][a-z0-9_]{0,31}$")]
    pub body: Option<IpaCode>,
    /// Only this service (of the body, if one is given); empty names none.
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    pub service: Option<ServiceId>,
    /// From this day, inclusive (`YYYY-MM-DD`).
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// To this day, inclusive (`YYYY-MM-DD`); not before `from`.
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
}

/// The query of `GET /v1/responses`: which responses, and which page.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RawQuery {
    /// The body (IPA code). A `body` token reads only its own and may leave it out; `national`
    /// without it reads every body.
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, pattern = r"^[a-z][a-z0-9_]{0,31}$")]
    pub body: Option<IpaCode>,
    /// Only this service (of the body, if one is given); empty names none.
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    pub service: Option<ServiceId>,
    /// From this day, inclusive (`YYYY-MM-DD`).
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// To this day, inclusive (`YYYY-MM-DD`); not before `from`.
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
    /// The `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
    /// Responses per page, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

impl RawQuery {
    /// Which responses it asks for.
    pub fn filter(&self) -> RawFilter {
        RawFilter {
            body: self.body.clone(),
            service: self.service.clone(),
            from: self.from,
            to: self.to,
        }
    }

    /// The cursor, if one was given (an empty `cursor=` is none: the first page).
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|c| !c.is_empty())
    }
}

/// What a request may read, once checked against the operator's role.
#[derive(Clone, Debug)]
pub struct Selection {
    /// The body, or `None` for every body (`national` only).
    pub body: Option<String>,
    /// Only this service.
    pub service: Option<String>,
    /// First day, inclusive.
    pub from: Option<String>,
    /// The day after the last, exclusive.
    pub before: Option<String>,
    /// Whether the operator may read the free texts.
    pub free_texts: bool,
}

impl Selection {
    /// How the audit log describes it.
    pub fn describe(&self) -> String {
        format!(
            "body={} service={} from={} to(before)={} free_texts={}",
            self.body.as_deref().unwrap_or("*"),
            self.service.as_deref().unwrap_or("*"),
            self.from.as_deref().unwrap_or("-"),
            self.before.as_deref().unwrap_or("-"),
            self.free_texts
        )
    }
}

/// Checks a query against the operator's role and the registry: the body of a named service is
/// the service's; a `body` token reads its own body only; `analyst` never reads raw responses.
pub fn select(
    operator: &Operator,
    registry: &Snapshot,
    query: &RawFilter,
) -> Result<Selection, ExportError> {
    let mut body = query
        .body
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| operator.body().map(str::to_owned));
    // An empty `service=` names no service (the query reads it as none): every service of the
    // body.
    let service = query.service.as_ref().map(ServiceId::as_str);
    if let Some(service) = service {
        let cached = registry
            .service(service)
            .ok_or_else(|| ExportError::NotFound(format!("No service {service:?}.")))?;
        let owner = cached.body.ipa_code.clone();
        if body.as_ref().is_some_and(|b| *b != owner) && query.body.is_some() {
            return Err(ExportError::Malformed(format!(
                "service {service:?} is not a service of body {:?}",
                query.body.as_ref().map(IpaCode::as_str).unwrap_or_default()
            )));
        }
        body = Some(owner);
    }
    operator.may_read_raw(body.as_deref().unwrap_or("*"))?;
    let free_texts = operator
        .may_read_free_text(body.as_deref().unwrap_or("*"))
        .is_ok();
    let (from, to) = (query.from, query.to);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(ExportError::Malformed("to is before from".into()));
    }
    let before = to
        .map(|d| {
            d.next_day()
                .ok_or_else(|| ExportError::Malformed("to is too late".into()))
        })
        .transpose()?;
    Ok(Selection {
        body,
        service: service.map(str::to_owned),
        from: from.map(|d| d.to_string()),
        before: before.map(|d| d.to_string()),
        free_texts,
    })
}

/// Where a page starts: a service, and the last export key read of it (for responses stored
/// before export keys existed, the key is the stored id, so older cursors still hold).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    service: String,
    after: Option<String>,
}

impl Position {
    /// The opaque cursor for this position.
    pub fn seal(&self, key: &ExportKey) -> String {
        key.seal(&format!(
            "v1\n{}\n{}",
            self.service,
            self.after.as_deref().unwrap_or_default()
        ))
    }

    /// The position a cursor stands for; 400 for a cursor this key did not make.
    pub fn open(key: &ExportKey, cursor: &str) -> Result<Position, ExportError> {
        let refused = || {
            ExportError::Malformed(
                "the cursor is not one this collector gave, or the export key changed since; \
                 start again without a cursor"
                    .into(),
            )
        };
        let plain = key.open(cursor).ok_or_else(refused)?;
        let mut parts = plain.split('\n');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(service), Some(after), None) => Ok(Position {
                service: service.to_owned(),
                after: (!after.is_empty()).then(|| after.to_owned()),
            }),
            _ => Err(refused()),
        }
    }
}

/// Where raw responses are read from: the database, the registry as it is now, and the export
/// keys that turn stored ids into the ids that leave.
pub struct Sources<'a> {
    /// The database.
    pub db: &'a Database,
    /// The registry snapshot.
    pub registry: &'a Snapshot,
    /// The export keys.
    pub keys: &'a ExportKeys,
}

/// A page of raw responses for `operator`, role-scoped, the read audited: what
/// `GET /v1/responses` answers and the dashboard's service page reads its comments from.
pub async fn page_for(
    from: Sources<'_>,
    operator: &Operator,
    query: RawQuery,
) -> Result<ResponsesPage, ExportError> {
    let selection = select(operator, from.registry, &query.filter())?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ExportError::Malformed(format!(
            "limit must be from 1 to {MAX_PAGE}"
        )));
    }
    let key = from.keys.current()?;
    let start = query
        .cursor()
        .map(|c| Position::open(&key, c))
        .transpose()?;
    let actor = operator.actor();
    let (page, next, free_texts) = from
        .db
        .run(move |conn| {
            let (page, next) = read_page(conn, &selection, start.as_ref(), limit)?;
            audit::record(
                conn,
                &actor,
                AuditAction::RawRead,
                selection.body.as_deref(),
                &format!(
                    "GET /v1/responses {} rows={}",
                    selection.describe(),
                    page.len()
                ),
            )?;
            Ok((page, next, selection.free_texts))
        })
        .await?;
    Ok(ResponsesPage {
        responses: page.iter().map(|r| r.public(&key, free_texts)).collect(),
        next_cursor: next.map(|p| p.seal(&key)),
    })
}

/// One stored response with its body and (if readable) its free texts.
pub struct RawResponse {
    /// The stored row.
    pub row: ResponseRow,
    /// Its service's body.
    pub body: String,
    /// Its redacted free texts (empty when the role may not read them).
    pub free_texts: Vec<FreeTextRow>,
}

/// Reads up to `limit` responses from `start` (the beginning when `None`); returns them and the
/// position of the next page, if there may be one.
pub fn read_page(
    conn: &mut DbConnection,
    selection: &Selection,
    start: Option<&Position>,
    limit: usize,
) -> Result<(Vec<RawResponse>, Option<Position>), DbError> {
    let mut services = db::bodies::services_of(conn, selection.body.as_deref())?;
    if let Some(only) = &selection.service {
        services.retain(|(id, _)| id == only);
    }
    let mut index = match start {
        None => 0,
        Some(p) => services.partition_point(|(id, _)| *id < p.service),
    };
    let mut after = start
        .filter(|p| services.get(index).is_some_and(|(id, _)| *id == p.service))
        .and_then(|p| p.after.clone());
    let mut out = Vec::new();
    while out.len() < limit
        && let Some((service, body)) = services.get(index)
    {
        let wanted = limit - out.len();
        let rows = db::responses::page_of_service(
            conn,
            service,
            after.as_deref(),
            selection.from.as_deref(),
            selection.before.as_deref(),
            i64::try_from(wanted).unwrap_or(i64::MAX),
        )?;
        if rows.len() < wanted {
            index += 1;
            after = None;
        } else {
            after = rows.last().map(|r| r.export_key.clone());
        }
        out.extend(rows.into_iter().map(|row| RawResponse {
            row,
            body: body.clone(),
            free_texts: Vec::new(),
        }));
    }
    if selection.free_texts {
        let ids: Vec<&str> = out.iter().map(|r| r.row.id.as_str()).collect();
        let mut texts: HashMap<String, Vec<FreeTextRow>> = HashMap::new();
        for text in db::responses::free_texts_of(conn, &ids)? {
            texts
                .entry(text.response_id.clone())
                .or_default()
                .push(text);
        }
        for response in &mut out {
            response.free_texts = texts.remove(&response.row.id).unwrap_or_default();
        }
    }
    let next = services.get(index).map(|(service, _)| Position {
        service: service.clone(),
        after,
    });
    Ok((out, next))
}

/// A redacted free text as it leaves the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicFreeText {
    /// The question id.
    pub question: String,
    /// The text, after redaction of personal data.
    pub text: String,
    /// The kinds of personal data removed from it (codes).
    pub redacted_kinds: Vec<String>,
}

/// A raw response as it leaves the server.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicResponse {
    /// A keyed hash of the stored id (32 hex digits): stable per export key, never the stored id.
    pub id: String,
    /// The service id.
    pub service: String,
    /// The body's IPA code.
    pub body: String,
    /// The day it was received (UTC, `YYYY-MM-DD`): never a finer time.
    pub day: String,
    /// The questionnaire answered.
    pub questionnaire_id: String,
    /// Its version.
    pub questionnaire_version: i32,
    /// The locale answered in.
    pub locale: String,
    /// Where it came from: `widget`, `page`, `qr`, `email` or `sms`.
    pub channel: String,
    /// Whether its ticket was issued against a completion attestation.
    pub verified: bool,
    /// Every answer except free text, by question id.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// The redacted free texts, present only when the role may read them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_texts: Option<Vec<PublicFreeText>>,
}

/// A page of `GET /v1/responses`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResponsesPage {
    /// The responses, service by service, in an order that says nothing about time.
    pub responses: Vec<PublicResponse>,
    /// Pass as `cursor` for the next page; `null` after the last.
    pub next_cursor: Option<String>,
}

/// The day of a stored RFC 3339 time.
fn day_of_stored(received_at: &str) -> String {
    received_at.get(..10).unwrap_or_default().to_owned()
}

fn kinds(text: &FreeTextRow) -> Vec<String> {
    text.redacted_kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

impl RawResponse {
    /// As it leaves the server, under `key`.
    pub fn public(&self, key: &ExportKey, free_texts: bool) -> PublicResponse {
        let row = &self.row;
        PublicResponse {
            id: key.public_id(&row.id),
            service: row.service_id.clone(),
            body: self.body.clone(),
            day: day_of_stored(&row.received_at),
            questionnaire_id: row.questionnaire_id.clone(),
            questionnaire_version: row.questionnaire_version,
            locale: row.locale.clone(),
            channel: row.channel.clone(),
            verified: row.verified,
            answers: serde_json::from_str(&row.answers).unwrap_or(serde_json::Value::Null),
            free_texts: free_texts.then(|| {
                self.free_texts
                    .iter()
                    .map(|t| PublicFreeText {
                        question: t.question.clone(),
                        text: t.text.clone(),
                        redacted_kinds: kinds(t),
                    })
                    .collect()
            }),
        }
    }
}

/// The columns of `responses.csv`.
pub const CSV_COLUMNS: [&str; 16] = [
    "response_id",
    "service",
    "body",
    "day",
    "questionnaire_id",
    "questionnaire_version",
    "locale",
    "channel",
    "verified",
    "valutazione",
    "motivo",
    "esito",
    "soddisfazione",
    "fiducia",
    "answers",
    "free_text",
];

/// Writes one response as a CSV record: the indicator columns, the answers as JSON, and the
/// redacted free text as a text cell of its own (neutralised like every text cell; empty when
/// the role may not read it). The national questionnaires have one free-text question
/// (`dettagli`); were there several, their texts would be joined by line breaks in the order of
/// their question ids.
pub fn write_csv(w: &mut CsvWriter, key: &ExportKey, response: &RawResponse, free_texts: bool) {
    let row = &response.row;
    let id = key.public_id(&row.id);
    let day = day_of_stored(&row.received_at);
    let texts = free_texts.then(|| {
        response
            .free_texts
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    });
    w.record([
        Cell::Text(&id),
        Cell::Text(&row.service_id),
        Cell::Text(&response.body),
        Cell::Text(&day),
        Cell::Text(&row.questionnaire_id),
        Cell::from(row.questionnaire_version),
        Cell::Text(&row.locale),
        Cell::Text(&row.channel),
        Cell::Bool(row.verified),
        Cell::from(row.valutazione),
        Cell::from(row.motivo.as_deref()),
        Cell::from(row.esito.as_deref()),
        Cell::from(row.soddisfazione),
        Cell::from(row.fiducia),
        Cell::Text(&row.answers),
        Cell::from(texts.as_deref()),
    ]);
}
