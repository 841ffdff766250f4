//! Signs a Voce completion attestation: the few lines a body's server needs, in Rust, with
//! `ed25519-dalek` (features `pkcs8`, `pem`), `base64`, `serde_json` and `rand`.
//!
//! An attestation is a JWT signed with Ed25519: header `{"alg":"EdDSA","typ":
//! "voce-attestation+jwt","kid":…}`, claims `{"sub": service id, "jti": random, "iat", "exp"}`
//! with `exp` at most 24 hours after `iat` — and nothing about the citizen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;

/// Reads a PKCS#8 PEM private key (what `voce-collector attestation keygen` and
/// `openssl genpkey -algorithm ed25519` write).
pub fn load_key(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| format!("not an Ed25519 PKCS#8 PEM key: {e}"))
}

/// A fresh random `jti`: 128 bits, hex.
pub fn random_jti() -> String {
    let mut jti = [0_u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut jti);
    jti.iter().map(|b| format!("{b:02x}")).collect()
}

/// The attestation of `service` signed with `key` (named `kid` in the registry), issued at
/// `iat` (Unix seconds) and valid for `lifetime_secs` (at most 86,400).
pub fn sign_attestation(
    key: &SigningKey,
    kid: &str,
    service: &str,
    jti: &str,
    iat: i64,
    lifetime_secs: i64,
) -> String {
    use ed25519_dalek::Signer;
    let header = serde_json::json!({"alg": "EdDSA", "typ": "voce-attestation+jwt", "kid": kid});
    let claims =
        serde_json::json!({"sub": service, "jti": jti, "iat": iat, "exp": iat + lifetime_secs});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}
