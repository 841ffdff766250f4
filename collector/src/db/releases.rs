//! Official releases as stored: one row per release, never updated or deleted
//! (`crate::release` makes and verifies them).

use diesel::prelude::*;

use super::schema::releases;
use super::{DbConnection, DbError};

/// One stored release.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = releases)]
pub struct ReleaseRow {
    /// `2026-11-p1`: period, kind (`p` provisional, `f` final) and sequence.
    pub id: String,
    /// The period released (`2026-11`, `2026-Q3`).
    pub period: String,
    /// `provisional` or `final`.
    pub kind: String,
    /// 1 for the first release of the period and kind, then one more per revision.
    pub sequence: i32,
    /// When it was made (RFC 3339 UTC).
    pub created_at: String,
    /// When it becomes public (RFC 3339 UTC).
    pub publish_at: String,
    /// SHA-256 of `content`, hex.
    pub sha256: String,
    /// The canonical encoding of everything the release publishes.
    pub content: String,
    /// The release this one corrects.
    pub revises: Option<String>,
    /// Why it corrects it.
    pub reason: Option<String>,
    /// The observations that changed (JSON), for a revision.
    pub changes: Option<String>,
    /// Who made it (`cli:<user>`, `schedule`).
    pub created_by: String,
}

/// A release without its content, for lists.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = releases)]
pub struct ReleaseSummary {
    /// The id.
    pub id: String,
    /// The period.
    pub period: String,
    /// `provisional` or `final`.
    pub kind: String,
    /// The sequence.
    pub sequence: i32,
    /// When it was made.
    pub created_at: String,
    /// When it becomes public.
    pub publish_at: String,
    /// Its hash.
    pub sha256: String,
    /// What it revises.
    pub revises: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// Stores a new release; fails if its id or (period, kind, sequence) is taken.
pub fn insert(conn: &mut DbConnection, row: &ReleaseRow) -> Result<(), DbError> {
    diesel::insert_into(releases::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// One release by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<ReleaseRow>, DbError> {
    Ok(releases::table
        .filter(releases::id.eq(id))
        .select(ReleaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The latest release of a period and kind (the highest sequence).
pub fn latest(
    conn: &mut DbConnection,
    period: &str,
    kind: &str,
) -> Result<Option<ReleaseRow>, DbError> {
    Ok(releases::table
        .filter(releases::period.eq(period))
        .filter(releases::kind.eq(kind))
        .order(releases::sequence.desc())
        .select(ReleaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every release, newest period first, then kind and sequence.
pub fn list(conn: &mut DbConnection) -> Result<Vec<ReleaseSummary>, DbError> {
    Ok(releases::table
        .select(ReleaseSummary::as_select())
        .order((
            releases::period.desc(),
            releases::kind,
            releases::sequence.desc(),
        ))
        .load(conn)?)
}
