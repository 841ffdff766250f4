//! Completion attestations: short tokens a body's server signs when a citizen completes one of its
//! services, so that the ticket issued with them — and the response stored with that ticket — is
//! marked `verified`.
//!
//! An attestation is a compact JWS (a JWT) signed with Ed25519:
//! header `{"alg":"EdDSA","typ":"voce-attestation+jwt","kid":"…"}`, claims
//! `{"sub":"<service id>","jti":"<random>","iat":…,"exp":…}` and nothing about the citizen.
//! Verification is strict and reads only memory: the algorithm is pinned to `EdDSA` (so `HS256`,
//! `none` and every other value are refused before any key is looked at), the `kid` is required
//! and looked up among the keys the service's *own* body registered, `sub` must be the service
//! the form is for, `exp` must lie at most 24 hours after `iat`, the token must not be expired or
//! issued in the future (with the tickets' leeway), and `jti` must look random (16 to 128
//! URL-safe characters). A refusal is never an error for the citizen: the caller issues an
//! ordinary, unverified ticket and counts the [`Refusal`] reason.
//!
//! One attestation stores at most one response: the ticket issued against it carries a `jti`
//! derived from the body and the attestation's `jti` ([`ticket_jti`]), so every ticket issued
//! with the same attestation shares it, and the unique `responses.ticket_id` — decided inside the
//! writer's transaction — admits one response.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The `typ` header of every attestation.
pub const ATTESTATION_TYP: &str = "voce-attestation+jwt";

/// The longest attestation looked at; anything longer is refused before parsing.
pub const MAX_ATTESTATION_BYTES: usize = 2048;

/// The longest an attestation may live: `exp - iat`, in seconds.
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// The public keys one body registered, by `kid`.
pub type BodyKeys = HashMap<String, VerifyingKey>;

/// Why an attestation was not accepted. The code is the label of the metric that counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    /// Too long, not three base64url parts, or not JSON.
    #[error("malformed")]
    Malformed,
    /// `alg` is not `EdDSA` (`HS256`, `none`, …).
    #[error("algorithm")]
    Algorithm,
    /// `typ` is not `voce-attestation+jwt`.
    #[error("type")]
    Type,
    /// No `kid`.
    #[error("kid_missing")]
    KidMissing,
    /// A header parameter other than `alg`, `typ` and `kid` (such as `jku` or `crit`).
    #[error("header")]
    Header,
    /// The service's body has no key with that `kid`.
    #[error("unknown_key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("signature")]
    Signature,
    /// `sub` is not the service the form is for.
    #[error("wrong_service")]
    WrongService,
    /// `exp` has passed.
    #[error("expired")]
    Expired,
    /// `iat` lies in the future.
    #[error("not_yet_valid")]
    NotYetValid,
    /// `exp` lies more than 24 hours after `iat` (or before it).
    #[error("lifetime")]
    Lifetime,
    /// `jti` is missing, too short, too long or not URL-safe.
    #[error("jti")]
    Jti,
}

impl Refusal {
    /// Every reason, in the order the metrics list them.
    pub const ALL: [Refusal; 12] = [
        Refusal::Malformed,
        Refusal::Algorithm,
        Refusal::Type,
        Refusal::KidMissing,
        Refusal::Header,
        Refusal::UnknownKey,
        Refusal::Signature,
        Refusal::WrongService,
        Refusal::Expired,
        Refusal::NotYetValid,
        Refusal::Lifetime,
        Refusal::Jti,
    ];

    /// The stable code, used as the metric label.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Algorithm => "algorithm",
            Refusal::Type => "type",
            Refusal::KidMissing => "kid_missing",
            Refusal::Header => "header",
            Refusal::UnknownKey => "unknown_key",
            Refusal::Signature => "signature",
            Refusal::WrongService => "wrong_service",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::Lifetime => "lifetime",
            Refusal::Jti => "jti",
        }
    }
}

/// The header of an attestation: exactly these three parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: Option<String>,
    kid: Option<String>,
}

/// The claims of an attestation. `iss`, `aud` and `nbf` are tolerated (a generic JWT library may
/// add them) but not required; anything else is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    sub: String,
    jti: String,
    iat: i64,
    exp: i64,
    #[serde(default, rename = "iss")]
    _iss: Option<String>,
    #[serde(default, rename = "aud")]
    _aud: Option<serde_json::Value>,
    #[serde(default, rename = "nbf")]
    _nbf: Option<i64>,
}

/// A verified attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attested {
    /// The key that signed it.
    pub kid: String,
    /// Its `jti`.
    pub jti: String,
}

/// Parses a registry's public key: the 32 bytes of an Ed25519 public key in base64url (the `x`
/// of its JWK), padding optional.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .map_err(|e| format!("not base64url: {e}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{} bytes, an Ed25519 public key has 32", b.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not an Ed25519 public key".to_owned())
}

/// The registry's spelling of a public key (base64url, no padding).
pub fn encode_public_key(key: &VerifyingKey) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// Verifies `token` as an attestation of `service_id` by the body whose keys are `keys`, at
/// `now` (Unix seconds) with `leeway_secs` of clock skew.
pub fn verify(
    token: &str,
    service_id: &str,
    keys: &BodyKeys,
    now: i64,
    leeway_secs: i64,
) -> Result<Attested, Refusal> {
    if token.is_empty() || token.len() > MAX_ATTESTATION_BYTES {
        return Err(Refusal::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| Refusal::Malformed);
    let header: serde_json::Value =
        serde_json::from_slice(&decode(header_b64)?).map_err(|_| Refusal::Malformed)?;
    // The algorithm first, before anything else is believed.
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("EdDSA") {
        return Err(Refusal::Algorithm);
    }
    let header: Header = serde_json::from_value(header).map_err(|_| Refusal::Header)?;
    debug_assert_eq!(header.alg, "EdDSA");
    if header.typ.as_deref() != Some(ATTESTATION_TYP) {
        return Err(Refusal::Type);
    }
    let kid = header.kid.ok_or(Refusal::KidMissing)?;
    let key = keys.get(&kid).ok_or(Refusal::UnknownKey)?;
    let signature: [u8; 64] = decode(signature_b64)?
        .try_into()
        .map_err(|_| Refusal::Signature)?;
    let signing_input = &token[..header_b64.len() + 1 + claims_b64.len()];
    key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| Refusal::Signature)?;
    let claims: Claims =
        serde_json::from_slice(&decode(claims_b64)?).map_err(|_| Refusal::Malformed)?;
    if claims.sub != service_id {
        return Err(Refusal::WrongService);
    }
    if claims.exp <= claims.iat || claims.exp - claims.iat > MAX_LIFETIME_SECS {
        return Err(Refusal::Lifetime);
    }
    if claims.exp + leeway_secs <= now {
        return Err(Refusal::Expired);
    }
    if claims.iat > now + leeway_secs {
        return Err(Refusal::NotYetValid);
    }
    let jti_ok = (16..=128).contains(&claims.jti.len())
        && claims
            .jti
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !jti_ok {
        return Err(Refusal::Jti);
    }
    Ok(Attested {
        kid,
        jti: claims.jti,
    })
}

/// The `jti` of every ticket issued against the attestation `jti` of the body `ipa_code`: a hash,
/// so it has the shape of a ticket id and bodies cannot collide.
pub fn ticket_jti(ipa_code: &str, jti: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"voce-attestation\0");
    hash.update(ipa_code.as_bytes());
    hash.update(b"\0");
    hash.update(jti.as_bytes());
    format!("a{}", &hex::encode(hash.finalize())[..31])
}

/// Signs an attestation: what a body's server does (the examples and the tests use it; the
/// collector itself never signs one).
pub fn sign(
    key: &ed25519_dalek::SigningKey,
    kid: &str,
    service_id: &str,
    jti: &str,
    iat: i64,
    exp: i64,
) -> String {
    use ed25519_dalek::Signer;
    let header = serde_json::json!({"alg": "EdDSA", "typ": ATTESTATION_TYP, "kid": kid});
    let claims = serde_json::json!({"sub": service_id, "jti": jti, "iat": iat, "exp": exp});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A fresh random `jti` for an attestation (128 bits, hex).
pub fn random_jti() -> String {
    let mut jti = [0_u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut jti);
    hex::encode(jti)
}

/// A fresh Ed25519 signing key.
pub fn generate_key() -> ed25519_dalek::SigningKey {
    let mut secret = [0_u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    ed25519_dalek::SigningKey::from_bytes(&secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn keys(key: &ed25519_dalek::SigningKey) -> BodyKeys {
        HashMap::from([("k1".to_owned(), key.verifying_key())])
    }

    fn unsigned(header: &serde_json::Value, claims: &serde_json::Value, sig: &str) -> String {
        format!(
            "{}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn a_well_signed_attestation_verifies_with_its_kid_and_jti() {
        let key = generate_key();
        let token = sign(&key, "k1", "inps-naspi", "0123456789abcdef", NOW, NOW + 600);
        assert_eq!(
            verify(&token, "inps-naspi", &keys(&key), NOW, 5),
            Ok(Attested {
                kid: "k1".into(),
                jti: "0123456789abcdef".into()
            })
        );
    }

    #[test]
    fn each_defect_is_refused_with_its_own_reason() {
        let key = generate_key();
        let other = generate_key();
        let ks = keys(&key);
        let jti = "0123456789abcdef";
        let check = |token: &str| verify(token, "inps-naspi", &ks, NOW, 5);
        let cases: Vec<(String, Refusal)> = vec![
            ("a.b".into(), Refusal::Malformed),
            ("%%.%%.%%".into(), Refusal::Malformed),
            (
                sign(&other, "k1", "inps-naspi", jti, NOW, NOW + 60),
                Refusal::Signature,
            ),
            (
                sign(&key, "k2", "inps-naspi", jti, NOW, NOW + 60),
                Refusal::UnknownKey,
            ),
            (
                sign(&key, "k1", "inps-estratto-conto", jti, NOW, NOW + 60),
                Refusal::WrongService,
            ),
            (
                sign(&key, "k1", "inps-naspi", jti, NOW - 700, NOW - 100),
                Refusal::Expired,
            ),
            (
                sign(&key, "k1", "inps-naspi", jti, NOW + 100, NOW + 700),
                Refusal::NotYetValid,
            ),
            (
                sign(&key, "k1", "inps-naspi", jti, NOW, NOW + 86_401),
                Refusal::Lifetime,
            ),
            (
                sign(&key, "k1", "inps-naspi", "short", NOW, NOW + 60),
                Refusal::Jti,
            ),
            (
                unsigned(
                    &serde_json::json!({"alg": "HS256", "typ": ATTESTATION_TYP, "kid": "k1"}),
                    &serde_json::json!({"sub": "inps-naspi", "jti": jti, "iat": NOW, "exp": NOW + 60}),
                    "c2lnbmF0dXJl",
                ),
                Refusal::Algorithm,
            ),
            (
                unsigned(
                    &serde_json::json!({"alg": "none", "typ": ATTESTATION_TYP, "kid": "k1"}),
                    &serde_json::json!({"sub": "inps-naspi", "jti": jti, "iat": NOW, "exp": NOW + 60}),
                    "",
                ),
                Refusal::Algorithm,
            ),
            (
                unsigned(
                    &serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": "k1"}),
                    &serde_json::json!({}),
                    "",
                ),
                Refusal::Type,
            ),
            (
                unsigned(
                    &serde_json::json!({"alg": "EdDSA", "typ": ATTESTATION_TYP}),
                    &serde_json::json!({}),
                    "",
                ),
                Refusal::KidMissing,
            ),
            (
                unsigned(
                    &serde_json::json!({"alg": "EdDSA", "typ": ATTESTATION_TYP, "kid": "k1", "jku": "https://evil.example"}),
                    &serde_json::json!({}),
                    "",
                ),
                Refusal::Header,
            ),
        ];
        for (token, reason) in cases {
            assert_eq!(check(&token), Err(reason), "{token}");
        }
    }

    #[test]
    fn public_keys_round_trip_and_garbage_is_refused() {
        let key = generate_key().verifying_key();
        assert_eq!(parse_public_key(&encode_public_key(&key)), Ok(key));
        assert!(parse_public_key("not base64!").is_err());
        assert!(parse_public_key("AAAA").is_err());
    }

    #[test]
    fn tickets_of_one_attestation_share_a_jti_and_bodies_never_collide() {
        assert_eq!(ticket_jti("inps", "x"), ticket_jti("inps", "x"));
        assert_ne!(ticket_jti("inps", "x"), ticket_jti("inail", "x"));
        assert_eq!(ticket_jti("inps", "x").len(), 32);
    }

    /// A benchmark, not a test: run by `cargo xtask bench` (release build) as
    /// `cargo test --release -p voce-collector --lib bench_ -- --ignored --nocapture`.
    #[test]
    #[ignore = "a benchmark; run by `cargo xtask bench`"]
    fn bench_attestation_verification() {
        let key = generate_key();
        let ks = keys(&key);
        let token = sign(&key, "k1", "inps-naspi", "0123456789abcdef", NOW, NOW + 600);
        let rounds: u32 = 20_000;
        let mut ok = true;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            ok &= verify(std::hint::black_box(&token), "inps-naspi", &ks, NOW, 5).is_ok();
        }
        let per = start.elapsed() / rounds;
        assert!(ok, "every verification succeeded");
        println!(
            "| EdDSA attestation verification | {:.2} µs | verifications per second on one core | {:.0} |",
            per.as_secs_f64() * 1e6,
            1.0 / per.as_secs_f64()
        );
    }
}
