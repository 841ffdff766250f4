//! The one HMAC JWT code path of every kind of token the collector signs (tickets, operator
//! tokens): [`HmacKeyring`] holds one kind's keys (all verify, the newest signs) and its `typ`;
//! it writes the header (`HS256`, `kid`, `typ`) and signs, and on the way back checks the header
//! (only `HS256`, the expected `typ`, a `kid`, and no header parameter that points to keys
//! elsewhere or changes how the token is read: `jku`, `jwk`, `x5u`, `crit`, …), chooses the key by
//! `kid` from the keys in memory, never from anything the token says, and verifies.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::keys::TicketKey;

/// Why a token was refused or could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Too long, not three base64url parts, or not JSON.
    #[error("malformed token")]
    Malformed,
    /// Not `HS256`, wrong `typ`, no `kid`, or a header that points to keys elsewhere.
    #[error("refused header: {0}")]
    Header(&'static str),
    /// No key with that `kid`.
    #[error("unknown key id")]
    UnknownKey,
    /// Bad signature, claims or times.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// No key to sign with.
    #[error("no signing key")]
    NoKey,
    /// Signing failed.
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// The keys of one kind of token in memory: all verify, the newest signs.
pub struct HmacKeyring {
    typ: &'static str,
    max_bytes: usize,
    signing: Option<(String, EncodingKey)>,
    verifying: HashMap<String, DecodingKey>,
}

impl HmacKeyring {
    /// A keyring for tokens of type `typ`, at most `max_bytes` long, from keys sorted oldest
    /// first.
    pub fn new(typ: &'static str, max_bytes: usize, keys: &[TicketKey]) -> HmacKeyring {
        HmacKeyring {
            typ,
            max_bytes,
            signing: keys
                .last()
                .map(|k| (k.kid.clone(), EncodingKey::from_secret(k.secret()))),
            verifying: keys
                .iter()
                .map(|k| (k.kid.clone(), DecodingKey::from_secret(k.secret())))
                .collect(),
        }
    }

    /// The id of the key that signs, if any.
    pub fn signing_kid(&self) -> Option<&str> {
        self.signing.as_ref().map(|(kid, _)| kid.as_str())
    }

    /// Signs `claims` with the newest key.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, JwtError> {
        let (kid, key) = self.signing.as_ref().ok_or(JwtError::NoKey)?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        header.typ = Some(self.typ.to_owned());
        jsonwebtoken::encode(&header, claims, key).map_err(|e| JwtError::Sign(e.to_string()))
    }

    /// Checks the header, chooses the key by `kid`, verifies the signature and the claims as
    /// `validation` says; returns the claims.
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<C, JwtError> {
        let kid = check_header(token, self.typ, self.max_bytes).map_err(|r| match r {
            HeaderRefusal::Malformed => JwtError::Malformed,
            HeaderRefusal::Refused(what) => JwtError::Header(what),
        })?;
        let key = self.verifying.get(&kid).ok_or(JwtError::UnknownKey)?;
        jsonwebtoken::decode::<C>(token, key, validation)
            .map(|data| data.claims)
            .map_err(|e| JwtError::Invalid(format!("{:?}", e.kind())))
    }
}

/// Why a token's header was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HeaderRefusal {
    /// Too long, not three base64url parts, or not JSON.
    Malformed,
    /// A header that is not allowed, naming what.
    Refused(&'static str),
}

/// Checks the shape and header of a token of type `typ`, at most `max_bytes` long; returns its
/// `kid`.
fn check_header(token: &str, typ: &str, max_bytes: usize) -> Result<String, HeaderRefusal> {
    if token.is_empty() || token.len() > max_bytes || token.split('.').count() != 3 {
        return Err(HeaderRefusal::Malformed);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| HeaderRefusal::Malformed)?;
    if header.alg != Algorithm::HS256 {
        return Err(HeaderRefusal::Refused("alg"));
    }
    if header.typ.as_deref() != Some(typ) {
        return Err(HeaderRefusal::Refused("typ"));
    }
    if header.jku.is_some()
        || header.jwk.is_some()
        || header.x5u.is_some()
        || header.x5c.is_some()
        || header.x5t.is_some()
        || header.x5t_s256.is_some()
        || header.url.is_some()
        || header.crit.is_some()
        || header.cty.is_some()
        || header.enc.is_some()
        || header.zip.is_some()
        || header.nonce.is_some()
        || !header.extras.is_empty()
    {
        return Err(HeaderRefusal::Refused("unexpected header parameter"));
    }
    header.kid.ok_or(HeaderRefusal::Refused("kid"))
}
