//! A body's attestation signer, as a command:
//!
//! ```sh
//! cargo run -p voce-collector --example sign-attestation -- KEY.pem KID SERVICE_ID [LIFETIME_SECONDS]
//! ```
//!
//! prints one attestation for `SERVICE_ID`, to put in the page (`data-attestation="…"`) or in the
//! hosted page's link (`?a=…`). The signing itself is `signer.rs`, a dozen lines to copy into the
//! body's own server.

mod signer;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key, kid, service, rest @ ..] = args.as_slice() else {
        return Err("usage: sign-attestation KEY.pem KID SERVICE_ID [LIFETIME_SECONDS]".into());
    };
    let lifetime: i64 = match rest.first() {
        Some(v) => v.parse().map_err(|_| format!("{v:?} is not a number"))?,
        None => 3600,
    };
    if !(1..=86_400).contains(&lifetime) {
        return Err("LIFETIME_SECONDS: 1 to 86400".into());
    }
    let pem = std::fs::read_to_string(key).map_err(|e| format!("{key}: {e}"))?;
    let key = signer::load_key(&pem)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let now = i64::try_from(now).map_err(|e| e.to_string())?;
    println!(
        "{}",
        signer::sign_attestation(&key, kid, service, &signer::random_jti(), now, lifetime)
    );
    Ok(())
}
