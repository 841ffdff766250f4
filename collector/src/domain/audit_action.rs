//! The kinds of entry of the audit log, as the `action` column stores them and the audit's
//! filters name them.

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
    /// An official release was made (or revised).
    ReleaseCreated,
}

impl AuditAction {
    /// Every action, for documentation and filters.
    pub const ALL: [AuditAction; 8] = [
        AuditAction::TokenIssued,
        AuditAction::TokenRevoked,
        AuditAction::RegistryImported,
        AuditAction::Exported,
        AuditAction::RawRead,
        AuditAction::AuditRead,
        AuditAction::Purged,
        AuditAction::ReleaseCreated,
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
            AuditAction::ReleaseCreated => "release-created",
        }
    }

    /// The action with this code.
    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == code)
    }
}
