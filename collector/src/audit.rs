//! The audit log: who (a token id and its role, or the command line) did what, and when. Every
//! token issued or revoked, registry import, export and raw-data read is recorded through
//! [`record`], in the same connection as the work it describes; `national` reads the log through
//! `GET /v1/audit` and `voce-collector audit`.

use crate::db::{self, DbConnection, DbError};

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

/// What was done: the `action` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// An operator token was issued.
    TokenIssued,
    /// An operator token was revoked.
    TokenRevoked,
    /// A registry file was imported.
    RegistryImported,
    /// An export was made (raw responses or aggregates).
    Exported,
    /// Raw responses were read through the API.
    RawRead,
    /// The audit log was read.
    AuditRead,
    /// Free texts or raw responses were purged for retention.
    Purged,
}

impl AuditAction {
    /// Every action, for documentation and filters.
    pub const ALL: [AuditAction; 7] = [
        AuditAction::TokenIssued,
        AuditAction::TokenRevoked,
        AuditAction::RegistryImported,
        AuditAction::Exported,
        AuditAction::RawRead,
        AuditAction::AuditRead,
        AuditAction::Purged,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::TokenIssued => "token-issued",
            AuditAction::TokenRevoked => "token-revoked",
            AuditAction::RegistryImported => "registry-imported",
            AuditAction::Exported => "exported",
            AuditAction::RawRead => "raw-read",
            AuditAction::AuditRead => "audit-read",
            AuditAction::Purged => "purged",
        }
    }

    /// The action with this code.
    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == code)
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
