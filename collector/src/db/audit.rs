//! The audit log: one row per token issued or revoked, registry import, export and raw-data
//! read.

use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, DbError};

/// An entry to write.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    /// When (RFC 3339 UTC).
    pub at: &'a str,
    /// The token id, or `cli:<user>` for the command line.
    pub actor_id: &'a str,
    /// The actor's role (`national`, `body`, `analyst`, `cli`).
    pub actor_role: &'a str,
    /// What was done.
    pub action: &'a str,
    /// The body whose data it concerned, if one.
    pub body: Option<&'a str>,
    /// What exactly (filters, token id, file…).
    pub detail: &'a str,
}

/// A stored entry.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who: the token id, or `cli:<user>`.
    pub actor_id: String,
    /// The actor's role.
    pub actor_role: String,
    /// What was done.
    pub action: String,
    /// The body it concerned.
    pub body: Option<String>,
    /// Details.
    pub detail: String,
}

/// Which entries to read.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this actor (token id).
    pub actor: Option<String>,
    /// Only entries concerning this body.
    pub body: Option<String>,
    /// From this day or time (inclusive, compared as text: `YYYY-MM-DD` works).
    pub from: Option<String>,
    /// Before this day or time (exclusive).
    pub to: Option<String>,
    /// Only entries with a sequence number below this (the cursor: newest first).
    pub before_id: Option<i64>,
}

/// Writes an entry.
pub fn insert(conn: &mut DbConnection, entry: &NewAuditEntry<'_>) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` entries matching `filter`, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, DbError> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor_id.eq(actor.clone()));
    }
    if let Some(body) = &filter.body {
        query = query.filter(audit_log::body.eq(body.clone()));
    }
    if let Some(from) = &filter.from {
        query = query.filter(audit_log::at.ge(from.clone()));
    }
    if let Some(to) = &filter.to {
        query = query.filter(audit_log::at.lt(to.clone()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    Ok(query.load(conn)?)
}
