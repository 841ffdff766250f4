//! The registry file as an operator writes it (TOML), before any check.

use serde::{Deserialize, Serialize};

/// A registry file as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    /// The bodies.
    #[serde(default)]
    pub bodies: Vec<BodyEntry>,
    /// The services.
    #[serde(default)]
    pub services: Vec<ServiceEntry>,
}

/// A body entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyEntry {
    /// IPA code, such as `inps` or `c_h501`.
    pub ipa_code: String,
    /// Name, as the questionnaire shows it for `{ente}`.
    pub name: String,
    /// Catalog code of the kind of body.
    pub body_kind: String,
    /// Origins (scheme, host, port) of the pages that embed the widget.
    pub allowed_origins: Vec<String>,
    /// The Ed25519 public keys the body's servers sign completion attestations with. Importing
    /// a file replaces the body's keys: a key left out is revoked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_keys: Vec<AttestationKeyEntry>,
}

/// An attestation key entry (`[[bodies.attestation_keys]]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationKeyEntry {
    /// The key id the attestations name in their `kid` header; unique within the body.
    pub kid: String,
    /// The 32-byte Ed25519 public key, base64url (the `x` of its JWK); `voce-collector
    /// attestation keygen` prints it.
    pub public_key: String,
}

/// A service entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    /// Registry id, such as `inps-naspi`.
    pub id: String,
    /// IPA code of the body that provides it.
    pub body: String,
    /// Name.
    pub name: String,
    /// Catalog code of the kind of service.
    pub service_kind: String,
    /// A catalog questionnaire id other than the one the catalog prescribes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
}
