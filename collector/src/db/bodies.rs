//! Queries on the registry: bodies, their allowed origins, and services.

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{bodies, body_origins, registry_version, services};
use super::{DbConnection, DbError};
use crate::with_backend;

/// A body as stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = bodies)]
pub struct BodyRow {
    /// IPA code.
    pub ipa_code: String,
    /// Name.
    pub name: String,
    /// Catalog code of the kind of body.
    pub body_kind: String,
    /// When the registry last wrote it.
    pub updated_at: String,
}

/// A service as stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
pub struct ServiceRow {
    /// Registry id.
    pub id: String,
    /// IPA code of the body.
    pub body: String,
    /// Name.
    pub name: String,
    /// Catalog code of the kind of service.
    pub service_kind: String,
    /// The catalog questionnaire it is rated with (its latest version is used).
    pub questionnaire_id: String,
    /// When the registry last wrote it.
    pub updated_at: String,
}

/// Inserts or updates a body and replaces its allowed origins.
pub fn upsert_body(
    conn: &mut DbConnection,
    body: &BodyRow,
    origins: &[String],
) -> Result<(), DbError> {
    with_backend!(conn, |c| {
        diesel::insert_into(bodies::table)
            .values(body)
            .on_conflict(bodies::ipa_code)
            .do_update()
            .set((
                bodies::name.eq(excluded(bodies::name)),
                bodies::body_kind.eq(excluded(bodies::body_kind)),
                bodies::updated_at.eq(excluded(bodies::updated_at)),
            ))
            .execute(c)?;
        diesel::delete(body_origins::table.filter(body_origins::ipa_code.eq(&body.ipa_code)))
            .execute(c)?;
        for origin in origins {
            diesel::insert_into(body_origins::table)
                .values((
                    body_origins::ipa_code.eq(&body.ipa_code),
                    body_origins::origin.eq(origin),
                ))
                .execute(c)?;
        }
    });
    Ok(())
}

/// Inserts or updates a service.
pub fn upsert_service(conn: &mut DbConnection, service: &ServiceRow) -> Result<(), DbError> {
    with_backend!(conn, |c| {
        diesel::insert_into(services::table)
            .values(service)
            .on_conflict(services::id)
            .do_update()
            .set((
                services::body.eq(excluded(services::body)),
                services::name.eq(excluded(services::name)),
                services::service_kind.eq(excluded(services::service_kind)),
                services::questionnaire_id.eq(excluded(services::questionnaire_id)),
                services::updated_at.eq(excluded(services::updated_at)),
            ))
            .execute(c)?;
    });
    Ok(())
}

/// The number of bodies and services in the registry.
pub fn count(conn: &mut DbConnection) -> Result<(i64, i64), DbError> {
    let counts = (
        bodies::table.count().get_result(conn)?,
        services::table.count().get_result(conn)?,
    );
    Ok(counts)
}

/// The registry's version: it grows with every import.
pub fn registry_version(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(registry_version::table
        .select(registry_version::version)
        .first(conn)?)
}

/// Marks the registry as changed, so running collectors reload it.
pub fn bump_registry_version(conn: &mut DbConnection) -> Result<(), DbError> {
    diesel::update(registry_version::table)
        .set(registry_version::version.eq(registry_version::version + 1_i64))
        .execute(conn)?;
    Ok(())
}

/// Every service with the body that provides it.
pub fn all_services_with_bodies(
    conn: &mut DbConnection,
) -> Result<Vec<(ServiceRow, BodyRow)>, DbError> {
    Ok(services::table
        .inner_join(bodies::table)
        .select((ServiceRow::as_select(), BodyRow::as_select()))
        .load(conn)?)
}

/// Every (IPA code, allowed origin) pair.
pub fn all_body_origins(conn: &mut DbConnection) -> Result<Vec<(String, String)>, DbError> {
    Ok(body_origins::table
        .select((body_origins::ipa_code, body_origins::origin))
        .load(conn)?)
}

/// Whether a body with this IPA code is in the registry.
pub fn body_exists(conn: &mut DbConnection, ipa_code: &str) -> Result<bool, DbError> {
    let n: i64 = bodies::table
        .filter(bodies::ipa_code.eq(ipa_code))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The (service id, body) of every service, or of one body's, ordered by service id.
pub fn services_of(
    conn: &mut DbConnection,
    body: Option<&str>,
) -> Result<Vec<(String, String)>, DbError> {
    let mut query = services::table
        .select((services::id, services::body))
        .order(services::id)
        .into_boxed();
    if let Some(body) = body {
        query = query.filter(services::body.eq(body.to_owned()));
    }
    Ok(query.load(conn)?)
}
