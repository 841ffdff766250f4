//! When each questionnaire version of a service was first answered: the dashboard marks those
//! days on the service's time axis. Reads only that service's responses through the index on
//! `(service_id, received_at)`.

use diesel::prelude::*;

use super::schema::responses;
use super::{DbConnection, DbError};

/// Each questionnaire (id, version) answered for `service_id`, with the first day (`YYYY-MM-DD`)
/// it was answered, oldest first.
pub fn first_days(
    conn: &mut DbConnection,
    service_id: &str,
) -> Result<Vec<(String, i32, String)>, DbError> {
    let rows: Vec<(String, i32, Option<String>)> = responses::table
        .filter(responses::service_id.eq(service_id))
        .group_by((
            responses::questionnaire_id,
            responses::questionnaire_version,
        ))
        .select((
            responses::questionnaire_id,
            responses::questionnaire_version,
            diesel::dsl::min(responses::received_at),
        ))
        .load(conn)?;
    let mut out: Vec<(String, i32, String)> = rows
        .into_iter()
        .filter_map(|(q, v, at)| at.map(|at| (q, v, at.chars().take(10).collect())))
        .collect();
    out.sort_by(|a, b| a.2.cmp(&b.2).then(a.1.cmp(&b.1)));
    Ok(out)
}
