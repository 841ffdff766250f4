//! The questionnaire versions of the catalog, recorded in the database so that every stored
//! response refers to the exact definition it answered.

use diesel::prelude::*;

use super::schema::questionnaire_versions as qv;
use super::{DbConnection, DbError};

/// Records every version of the catalog that the database does not hold yet. A version already
/// stored with another hash is a published questionnaire that was edited: an error.
pub fn sync_catalog(
    conn: &mut DbConnection,
    catalog: &voce_shared::Catalog,
) -> Result<usize, DbError> {
    let mut added = 0;
    for q in catalog.questionnaires() {
        let version = i32::try_from(q.version)
            .map_err(|_| DbError::Corrupt(format!("{} v{} is too large", q.id, q.version)))?;
        let hash = q.content_hash();
        let stored: Option<String> = qv::table
            .filter(qv::id.eq(&q.id))
            .filter(qv::version.eq(version))
            .select(qv::hash)
            .first(&mut *conn)
            .optional()?;
        match stored {
            Some(h) if h == hash => {}
            Some(h) => {
                return Err(DbError::Corrupt(format!(
                    "questionnaire {} v{} is stored with hash {h} but the catalog has {hash}; \
                     a published version must never change",
                    q.id, q.version
                )));
            }
            None => {
                let definition =
                    serde_json::to_string(q).map_err(|e| DbError::Corrupt(e.to_string()))?;
                diesel::insert_into(qv::table)
                    .values((
                        qv::id.eq(&q.id),
                        qv::version.eq(version),
                        qv::hash.eq(&hash),
                        qv::definition.eq(&definition),
                    ))
                    .execute(&mut *conn)?;
                added += 1;
            }
        }
    }
    Ok(added)
}
