//! `registry import`: writes a checked registry in one transaction.

use diesel::Connection;

use super::check::Registry;
use crate::db::{self, DbConnection, DbError};

/// How many entries an import wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// Bodies inserted or updated.
    pub bodies: usize,
    /// Services inserted or updated.
    pub services: usize,
}

/// Writes a checked registry in one transaction and raises the registry version, so that every
/// running collector reloads it; importing the same file twice changes no row.
pub fn import(conn: &mut DbConnection, registry: &Registry) -> Result<ImportSummary, DbError> {
    conn.transaction::<_, DbError, _>(|conn| {
        for (body, origins) in &registry.bodies {
            db::bodies::upsert_body(conn, body, origins)?;
            let keys: Vec<_> = registry
                .attestation_keys
                .iter()
                .filter(|k| k.ipa_code == body.ipa_code)
                .collect();
            db::attestation_keys::replace_for_body(conn, &body.ipa_code, &keys)?;
        }
        for service in &registry.services {
            db::bodies::upsert_service(conn, service)?;
        }
        db::bodies::bump_registry_version(conn)?;
        Ok(ImportSummary {
            bodies: registry.bodies.len(),
            services: registry.services.len(),
        })
    })
}
