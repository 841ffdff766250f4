//! One-time tickets: JWTs signed with HMAC-SHA-256 by the collector and verified by it.
//!
//! A ticket binds one service, one questionnaire version (id, version, hash) and one origin, and
//! lives two hours by default. Verification is strict: only `HS256`; the key is chosen by `kid`
//! from the keys held in memory (never from anything the token points to, so `jku`, `x5u`, `jwk`
//! and friends are refused); `typ`, `iss`, `aud`, `exp` and `nbf` are all checked, with a small
//! explicit leeway. HMAC keeps the check to a few microseconds. The signing and the checks are
//! [`super::jwt`]'s, shared with the operator tokens.

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use voce_shared::QuestionnaireRef;

use super::jwt::{HmacKeyring, JwtError};
use crate::auth::keys::TicketKey;
use crate::configuration::TicketSettings;

/// The `typ` header of every ticket.
pub const TICKET_TYP: &str = "voce-ticket+jwt";

/// The longest token looked at; anything longer is refused before parsing.
pub const MAX_TICKET_BYTES: usize = 4096;

/// What a ticket says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketClaims {
    /// Issuer: the collector.
    pub iss: String,
    /// Audience: the collector.
    pub aud: String,
    /// The service id.
    pub sub: String,
    /// The questionnaire version the form showed.
    pub questionnaire: QuestionnaireRef,
    /// The origin the form was served to.
    pub origin: String,
    /// Random ticket id; a ticket stores at most one response.
    pub jti: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The channel the form was served through (`page`, `qr`, `email`, `sms`); absent for the
    /// widget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Whether the ticket was issued against a valid completion attestation of the service's body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub verified: bool,
}

/// What a ticket may say besides the service, questionnaire and origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketExtras {
    /// The channel, when not the widget.
    pub channel: Option<crate::domain::Channel>,
    /// The `jti` of the ticket when it must be derived from an attestation (so that every ticket
    /// issued against one attestation shares it, and the unique `ticket_id` of `responses` lets
    /// one attestation store at most one response); a random one when `None`. Set together with
    /// `verified`.
    pub attested_jti: Option<String>,
}

/// Why a ticket was refused: the keyring's own error ([`JwtError`]). Deliberately coarse: the
/// client is told only "invalid ticket".
pub type TicketError = JwtError;

/// The ticket keys in memory: all verify, the newest signs.
pub struct Keyring {
    jwt: HmacKeyring,
    validation: Validation,
    settings: TicketSettings,
}

impl Keyring {
    /// A keyring from keys sorted oldest first.
    pub fn new(keys: &[TicketKey], settings: &TicketSettings) -> Keyring {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.reject_tokens_expiring_in_less_than = 0;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.issuer.as_str()]);
        Keyring {
            jwt: HmacKeyring::new(TICKET_TYP, MAX_TICKET_BYTES, keys),
            validation,
            settings: settings.clone(),
        }
    }

    /// The id of the key that signs, if any.
    pub fn signing_kid(&self) -> Option<&str> {
        self.jwt.signing_kid()
    }

    /// Issues a ticket for a service, questionnaire and origin at `now` (Unix seconds), with a
    /// channel and an attestation's `jti` when `extras` has them; returns the token and its
    /// claims.
    pub fn issue(
        &self,
        service_id: &str,
        questionnaire: QuestionnaireRef,
        origin: &str,
        now: i64,
        extras: TicketExtras,
    ) -> Result<(String, TicketClaims), TicketError> {
        if self.jwt.signing_kid().is_none() {
            return Err(TicketError::NoKey);
        }
        let verified = extras.attested_jti.is_some();
        let jti = extras.attested_jti.unwrap_or_else(|| fresh_jti(now));
        let ttl = i64::try_from(self.settings.ttl_secs).unwrap_or(7200);
        let claims = TicketClaims {
            iss: self.settings.issuer.clone(),
            aud: self.settings.issuer.clone(),
            sub: service_id.to_owned(),
            questionnaire,
            origin: origin.to_owned(),
            jti,
            iat: now,
            nbf: now,
            exp: now + ttl,
            channel: extras.channel.map(|c| c.code().to_owned()),
            verified,
        };
        let token = self.jwt.sign(&claims)?;
        Ok((token, claims))
    }

    /// Verifies a ticket and returns its claims.
    pub fn verify(&self, token: &str) -> Result<TicketClaims, TicketError> {
        self.jwt.verify(token, &self.validation)
    }
}

/// A new ticket id: the issue time in seconds (4 bytes, big-endian), then 12 random bytes, in
/// hex. The time says nothing the ticket's `iat` does not; it makes the unique index of
/// `responses.ticket_id` grow at its end (tickets are used minutes after they are issued), so a
/// batch of responses touches a few index pages, not one page each.
fn fresh_jti(now: i64) -> String {
    let mut jti = [0_u8; 16];
    let secs = u32::try_from(now.max(0)).unwrap_or(u32::MAX);
    jti[..4].copy_from_slice(&secs.to_be_bytes());
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut jti[4..]);
    hex::encode(jti)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(secret: u8) -> Keyring {
        Keyring::new(
            &[TicketKey::new("k1".into(), [secret; 32])],
            &TicketSettings::default(),
        )
    }

    fn qref() -> QuestionnaireRef {
        QuestionnaireRef {
            id: "facilita-servizio".into(),
            version: 1,
            hash: "sha256:00".into(),
        }
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn an_issued_ticket_verifies_with_its_claims() -> Result<(), TicketError> {
        let ring = keyring(1);
        let (token, claims) = ring.issue(
            "inps-naspi",
            qref(),
            "https://www.inps.it",
            now(),
            TicketExtras::default(),
        )?;
        assert_eq!(ring.verify(&token)?, claims);
        assert_eq!(claims.exp - claims.iat, 7200);
        Ok(())
    }

    #[test]
    fn a_ticket_signed_with_another_key_of_the_same_id_is_refused() -> Result<(), TicketError> {
        let (token, _) = keyring(2).issue(
            "inps-naspi",
            qref(),
            "https://www.inps.it",
            now(),
            TicketExtras::default(),
        )?;
        assert!(keyring(1).verify(&token).is_err());
        Ok(())
    }

    #[test]
    fn older_keys_still_verify_and_the_newest_signs() -> Result<(), TicketError> {
        let settings = TicketSettings::default();
        let old = Keyring::new(&[TicketKey::new("a".into(), [1; 32])], &settings);
        let (token, _) = old.issue("s", qref(), "https://x.it", now(), TicketExtras::default())?;
        let both = Keyring::new(
            &[
                TicketKey::new("a".into(), [1; 32]),
                TicketKey::new("b".into(), [2; 32]),
            ],
            &settings,
        );
        assert_eq!(both.signing_kid(), Some("b"));
        assert!(both.verify(&token).is_ok());
        Ok(())
    }

    #[test]
    fn expired_and_future_tickets_are_refused_beyond_the_leeway() -> Result<(), TicketError> {
        let ring = keyring(1);
        let (expired, _) = ring.issue(
            "s",
            qref(),
            "https://x.it",
            now() - 7200 - 10,
            TicketExtras::default(),
        )?;
        assert!(ring.verify(&expired).is_err());
        let (future, _) = ring.issue(
            "s",
            qref(),
            "https://x.it",
            now() + 60,
            TicketExtras::default(),
        )?;
        assert!(ring.verify(&future).is_err());
        let (within, _) = ring.issue(
            "s",
            qref(),
            "https://x.it",
            now() + 2,
            TicketExtras::default(),
        )?;
        assert!(ring.verify(&within).is_ok());
        Ok(())
    }

    #[test]
    fn garbage_never_panics() {
        let ring = keyring(1);
        for token in [
            "",
            ".",
            "..",
            "a.b.c",
            "%%%.%%%.%%%",
            &"a".repeat(MAX_TICKET_BYTES + 1),
        ] {
            assert!(ring.verify(token).is_err(), "{token}");
        }
    }

    /// A benchmark, not a test: run by `cargo xtask bench` (release build) as
    /// `cargo test --release -p voce-collector --lib bench_ -- --ignored --nocapture`.
    /// Baseline in the same run: one bare HMAC-SHA-256 over the ticket's signing input, the
    /// cryptographic floor of any HS256 check.
    #[test]
    #[ignore = "a benchmark; run by `cargo xtask bench`"]
    fn bench_ticket_verification_against_a_bare_hmac() -> Result<(), TicketError> {
        use hmac::{Hmac, Mac};
        let ring = keyring(1);
        let (token, _) = ring.issue(
            "inps-naspi",
            qref(),
            "https://www.inps.it",
            now(),
            TicketExtras::default(),
        )?;
        let signing_input = token
            .rsplit_once('.')
            .map_or("", |(input, _)| input)
            .as_bytes();
        let rounds: u32 = 200_000;
        let time = |f: &mut dyn FnMut()| {
            let start = std::time::Instant::now();
            for _ in 0..rounds {
                f();
            }
            start.elapsed() / rounds
        };
        let mut ok = true;
        let verify = time(&mut || ok &= ring.verify(std::hint::black_box(&token)).is_ok());
        let hmac = time(&mut || {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&[1; 32]).expect("any key length");
            mac.update(std::hint::black_box(signing_input));
            std::hint::black_box(mac.finalize());
        });
        assert!(ok, "every verification succeeded");
        println!(
            "| HS256 ticket verification | {:.2} µs | bare HMAC-SHA-256 of the same input | {:.2} µs | {:.1} |",
            verify.as_secs_f64() * 1e6,
            hmac.as_secs_f64() * 1e6,
            verify.as_secs_f64() / hmac.as_secs_f64()
        );
        Ok(())
    }
}
