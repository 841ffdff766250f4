//! The audit log: who (a token id and its role, or the command line) did what, and when. Every
//! token issued or revoked, registry import, export and raw-data read is recorded through
//! [`record`], in the same connection as the work it describes; `national` reads the log through
//! `GET /v1/audit` (and the dashboard's audit page) through [`read_for`], and
//! `voce-collector audit`.

use serde::Deserialize;

use crate::db::{self, Database, DbConnection, DbError};
pub use crate::domain::AuditAction;
use crate::domain::IpaCode;

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The operator token's id, or `cli:<user>`.
    pub id: String,
    /// The token's role, or `cli`.
    pub role: String,
}

impl Actor {
    /// Whoever runs `voce-collector` on the server (the Unix user, from `$USER`).
    pub fn command_line() -> Actor {
        let user = std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty() && u.len() <= 64)
            .unwrap_or_else(|| "unknown".into());
        Actor {
            id: format!("cli:{user}"),
            role: "cli".into(),
        }
    }
}

/// Writes one entry, timed now. `body` is the body whose data the action concerned, if one;
/// `detail` says exactly what (filters, token id, file), never personal data.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: AuditAction,
    body: Option<&str>,
    detail: &str,
) -> Result<(), DbError> {
    let at = crate::domain::rfc3339(time::OffsetDateTime::now_utc());
    db::audit::insert(
        conn,
        &db::audit::NewAuditEntry {
            at: &at,
            actor_id: &actor.id,
            actor_role: &actor.role,
            action: action.as_str(),
            body,
            detail,
        },
    )
}

/// One entry as `GET /v1/audit` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence number (newest highest).
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who: an operator token id, `cli:<user>` for the command line, `collector` for its own
    /// daily jobs.
    pub actor: String,
    /// The actor's role: `national`, `body`, `analyst`, `cli` or `system`.
    pub role: String,
    /// What was done: `token-issued`, `token-revoked`, `registry-imported`, `exported`,
    /// `raw-read`, `audit-read` or `purged`.
    pub action: String,
    /// The body whose data it concerned, if one.
    pub body: Option<String>,
    /// Details: filters, token id, file, counts.
    pub detail: String,
}

/// A page of `GET /v1/audit`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; `null` after the last.
    pub next_cursor: Option<String>,
}

/// Reads a page of entries matching `filter`, newest first.
pub fn page(
    conn: &mut DbConnection,
    filter: &db::audit::AuditFilter,
    limit: i64,
) -> Result<AuditPage, DbError> {
    let rows = db::audit::list(conn, filter, limit)?;
    let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) == limit;
    let next_cursor = rows.last().filter(|_| full).map(|r| r.id.to_string());
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor_id,
                role: r.actor_role,
                action: r.action,
                body: r.body,
                detail: r.detail,
            })
            .collect(),
        next_cursor,
    })
}

/// Who reads the audit log: made by `Operator::audit_reader`, which only a `national` token
/// gets, so [`read_for`] cannot be called for anyone else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReader(Actor);

impl AuditReader {
    /// The reader acting as `actor`, once its role has been checked.
    pub fn new(actor: Actor) -> AuditReader {
        AuditReader(actor)
    }
}

/// Why the audit log cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A filter or cursor that is not acceptable.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The filters of `GET /v1/audit`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this action: `token-issued`, `token-revoked`, `registry-imported`, `exported`,
    /// `raw-read`, `audit-read` or `purged`.
    #[serde(default, with = "crate::filters::given")]
    #[param(
        value_type = Option<String>,
        pattern = "^(token-issued|token-revoked|registry-imported|exported|raw-read|audit-read|purged)$"
    )]
    pub action: Option<AuditAction>,
    /// Only this actor (a token id, or `cli:<user>`).
    pub actor: Option<String>,
    /// Only entries concerning this body (IPA code).
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>)]
    pub body: Option<IpaCode>,
    /// From this day, inclusive (`YYYY-MM-DD`).
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<time::Date>,
    /// To this day, inclusive (`YYYY-MM-DD`).
    #[serde(default, with = "crate::filters::given")]
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<time::Date>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Entries per page, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// A page of the audit log for `reader`, the read itself audited: what `GET /v1/audit` answers
/// and the dashboard's audit page shows.
pub async fn read_for(
    db: &Database,
    reader: AuditReader,
    query: AuditQuery,
) -> Result<AuditPage, AuditError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AuditError::Malformed("limit must be from 1 to 1000".into()));
    }
    let before_id = query
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| AuditError::Malformed("the cursor is not one this API gave".into()))
        })
        .transpose()?;
    let from = query.from;
    let to = query.to.map(|d| d.next_day().unwrap_or(d));
    let filter = db::audit::AuditFilter {
        action: query.action.map(|a| a.as_str().to_owned()),
        actor: query.actor,
        body: query.body.map(|b| b.to_string()),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        before_id,
    };
    let actor = reader.0;
    db.run(move |conn| {
        let found = page(conn, &filter, limit)?;
        record(
            conn,
            &actor,
            AuditAction::AuditRead,
            None,
            &format!("GET /v1/audit {} entries", found.entries.len()),
        )?;
        Ok(found)
    })
    .await
    .map_err(AuditError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_code_parses_back_to_its_action() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted-everything"), None);
    }
}
