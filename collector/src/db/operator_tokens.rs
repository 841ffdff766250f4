//! Operator tokens as issued: id, role, body and times (never the token itself), and their
//! revocation.

use diesel::prelude::*;

use super::schema::operator_tokens;
use super::{DbConnection, DbError};

/// One issued operator token.
#[derive(Clone, Debug, PartialEq, Eq, Insertable, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = operator_tokens)]
pub struct OperatorTokenRow {
    /// The token id (its `jti`).
    pub id: String,
    /// `national`, `body` or `analyst`.
    pub role: String,
    /// The body's IPA code, for the `body` role.
    pub body: Option<String>,
    /// When it was issued (RFC 3339 UTC).
    pub issued_at: String,
    /// When it expires (RFC 3339 UTC).
    pub expires_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Records an issued token.
pub fn insert(conn: &mut DbConnection, row: &OperatorTokenRow) -> Result<(), DbError> {
    diesel::insert_into(operator_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Marks a token revoked at `at` (RFC 3339); returns whether a token with that id was not
/// revoked yet. Revoking twice changes nothing.
pub fn revoke(conn: &mut DbConnection, id: &str, at: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        operator_tokens::table
            .filter(operator_tokens::id.eq(id))
            .filter(operator_tokens::revoked_at.is_null()),
    )
    .set(operator_tokens::revoked_at.eq(at))
    .execute(conn)?;
    Ok(n == 1)
}

/// One token by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<OperatorTokenRow>, DbError> {
    Ok(operator_tokens::table
        .filter(operator_tokens::id.eq(id))
        .select(OperatorTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every token, newest first.
pub fn list(conn: &mut DbConnection) -> Result<Vec<OperatorTokenRow>, DbError> {
    Ok(operator_tokens::table
        .select(OperatorTokenRow::as_select())
        .order((operator_tokens::issued_at.desc(), operator_tokens::id))
        .load(conn)?)
}

/// The tokens not yet expired at `now` (RFC 3339), each with whether it was revoked: what every
/// collector keeps in memory.
pub fn unexpired(conn: &mut DbConnection, now: &str) -> Result<Vec<(String, bool)>, DbError> {
    let rows: Vec<(String, Option<String>)> = operator_tokens::table
        .filter(operator_tokens::expires_at.gt(now))
        .select((operator_tokens::id, operator_tokens::revoked_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, revoked_at)| (id, revoked_at.is_some()))
        .collect())
}
