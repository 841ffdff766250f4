//! The bodies' attestation keys: Ed25519 public keys by body and key id.

use diesel::prelude::*;

use super::schema::attestation_keys;
use super::{DbConnection, DbError};

/// An attestation key as stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attestation_keys)]
pub struct AttestationKeyRow {
    /// IPA code of the body.
    pub ipa_code: String,
    /// Key id, unique within the body.
    pub kid: String,
    /// The 32-byte public key, base64url without padding.
    pub public_key: String,
}

/// Replaces the keys of the body `ipa_code` with `keys`: a key left out is revoked.
pub fn replace_for_body(
    conn: &mut DbConnection,
    ipa_code: &str,
    keys: &[&AttestationKeyRow],
) -> Result<(), DbError> {
    diesel::delete(attestation_keys::table.filter(attestation_keys::ipa_code.eq(ipa_code)))
        .execute(conn)?;
    for key in keys {
        diesel::insert_into(attestation_keys::table)
            .values(*key)
            .execute(conn)?;
    }
    Ok(())
}

/// Every attestation key of every body.
pub fn all(conn: &mut DbConnection) -> Result<Vec<AttestationKeyRow>, DbError> {
    Ok(attestation_keys::table
        .select(AttestationKeyRow::as_select())
        .order((attestation_keys::ipa_code, attestation_keys::kid))
        .load(conn)?)
}
