//! Operator tokens and roles: who may read what Voce has collected.
//!
//! An operator token is a JWT of its own kind (`typ: voce-operator+jwt`), signed with HMAC-SHA-256
//! by a key from the operator key directory (`VOCE_OPERATOR_KEYS_DIR`, by default `operator/`
//! inside the ticket key directory) — never by a ticket key, so a ticket can never pass for an
//! operator token nor the reverse. Its claims are `jti` (the token id), `role`
//! (`national|body|analyst`), `body` (the IPA code, for the `body` role only), `iat`, `nbf` and
//! `exp`. Verification is strict: `HS256` only, `typ` checked, the key chosen by `kid` from the
//! keys in memory, unknown claims refused, `exp` and `nbf` both checked with [`LEEWAY_SECS`] of
//! leeway (jsonwebtoken's `Validation::default()` would skip `nbf` and allow 60 s).
//!
//! Tokens are made by `voce-collector token issue`, which records the token's id, role, body and
//! times (never the token) in `operator_tokens` and the audit log. A token must be known there:
//! each collector keeps the unexpired tokens in memory and reads them again every
//! `VOCE_REGISTRY_REFRESH_SECS` (housekeeping), so `token revoke` reaches every replica within
//! seconds; a correctly signed token not yet in memory is looked up once.
//!
//! Roles ([`Role`]): `national` may do everything; `body` reads its own aggregates, its own raw
//! responses and their redacted free texts, and the national comparison figures; `analyst` reads
//! the aggregates of every body and never a raw response or a free text. Handlers take an
//! [`Operator`] (an actix extractor: `Authorization: Bearer …` or the dashboard's `voce_session`
//! cookie) and call one of its `may_*`/`require_*` methods, which refuse with [`Forbidden`] (a
//! `403` naming the missing scope). An [`Operator`] carries its token's expiry, so nothing
//! reads a verified token twice.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use diesel::Connection;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use super::jwt::{HmacKeyring, JwtError};
use super::keys::{self, KeyError, KeyFileMode, TicketKey};
use crate::audit::{self, Actor, AuditAction, AuditReader};
use crate::db::operator_tokens::{self, OperatorTokenRow};
use crate::db::{DbConnection, DbError};
use crate::domain::IpaCode;

/// The `typ` header of every operator token.
pub const OPERATOR_TYP: &str = "voce-operator+jwt";

/// The longest token looked at; anything longer is refused before parsing.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// Clock leeway, in seconds, for `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 2;

/// The longest lifetime of a token: 400 days.
pub const MAX_TTL_SECS: i64 = 400 * 86_400;

/// The shortest lifetime of a token: one minute.
pub const MIN_TTL_SECS: i64 = 60;

/// The dashboard's session cookie, which carries the same token as the `Authorization` header.
pub const SESSION_COOKIE: &str = "voce_session";

/// What an operator may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Istat's national team: everything.
    National,
    /// One body (the token's `body`): its own aggregates, raw responses and redacted free texts,
    /// and the national comparison figures.
    Body,
    /// An analyst: the aggregates of every body; never raw responses or free text.
    Analyst,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::National, Role::Body, Role::Analyst];

    /// The role's name in tokens, the API and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::National => "national",
            Role::Body => "body",
            Role::Analyst => "analyst",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role; expected national, body or analyst"))
    }
}

/// What an operator token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorClaims {
    /// The token id (random, 128 bits, hex).
    pub jti: String,
    /// The role.
    pub role: Role,
    /// The body's IPA code: required for `body`, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Why a token was refused. The client is told only `401`; the reason is logged at debug level.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token does not verify: malformed, a refused header, an unknown key, a bad signature,
    /// claims or times (the keyring's own reasons).
    #[error(transparent)]
    Jwt(JwtError),
    /// The token was revoked.
    #[error("revoked token")]
    Revoked,
    /// Correctly signed but not (yet) among the tokens this collector knows.
    #[error("token not known here")]
    Unknown,
    /// No operator key to sign with.
    #[error("no operator key: create one with `voce-collector keys generate --for operator`")]
    NoKey,
    /// The request to issue a token is not acceptable.
    #[error("{0}")]
    Request(String),
}

impl TokenError {
    /// A token whose signature verifies but whose content does not hold.
    fn invalid(why: impl Into<String>) -> TokenError {
        TokenError::Jwt(JwtError::Invalid(why.into()))
    }
}

impl From<JwtError> for TokenError {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::NoKey => TokenError::NoKey,
            other => TokenError::Jwt(other),
        }
    }
}

/// The role does not grant the scope a request needs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: missing scope {scope}")]
pub struct Forbidden {
    /// The scope missing, such as `raw-responses:inail` or `national`.
    pub scope: String,
}

/// An authenticated operator: the token's id, role, body and expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    id: String,
    role: Role,
    body: Option<IpaCode>,
    expires_at: Option<i64>,
}

impl Operator {
    /// An operator with this token id, role and body (`Some` exactly for [`Role::Body`]). Handlers
    /// get operators from the extractor; this is for the modules that act for one and for tests.
    pub fn new(id: String, role: Role, body: Option<IpaCode>) -> Result<Operator, String> {
        match (role, &body) {
            (Role::Body, None) => Err("the body role needs a body".into()),
            (Role::National | Role::Analyst, Some(_)) => {
                Err(format!("the {role} role takes no body"))
            }
            _ => Ok(Operator {
                id,
                role,
                body,
                expires_at: None,
            }),
        }
    }

    /// The same operator, its token expiring at `exp` (Unix seconds).
    fn expiring_at(self, exp: i64) -> Operator {
        Operator {
            expires_at: Some(exp),
            ..self
        }
    }

    /// When the token expires (Unix seconds): `Some` for every operator read from a token.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// The token id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The body a `body` token is for; `None` for the other roles.
    pub fn body(&self) -> Option<&str> {
        self.body.as_ref().map(IpaCode::as_str)
    }

    /// Who this is in the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id.clone(),
            role: self.role.as_str().to_owned(),
        }
    }

    fn refuse(scope: String) -> Result<(), Forbidden> {
        Err(Forbidden { scope })
    }

    /// Only `national`: the audit log, any body's data.
    pub fn require_national(&self) -> Result<(), Forbidden> {
        match self.role {
            Role::National => Ok(()),
            _ => Operator::refuse("national".into()),
        }
    }

    /// The audit log's reader: `national` only.
    pub fn audit_reader(&self) -> Result<AuditReader, Forbidden> {
        self.require_national()?;
        Ok(AuditReader::new(self.actor()))
    }

    /// The aggregates of one body's services: `national` and `analyst` for any body, `body` for
    /// its own.
    pub fn may_read_aggregates_of(&self, body: &str) -> Result<(), Forbidden> {
        match self.role {
            Role::National | Role::Analyst => Ok(()),
            Role::Body if self.body() == Some(body) => Ok(()),
            Role::Body => Operator::refuse(format!("aggregates:{body}")),
        }
    }

    /// One body's raw responses: `national` for any body, `body` for its own, `analyst` never.
    pub fn may_read_raw(&self, body: &str) -> Result<(), Forbidden> {
        match self.role {
            Role::National => Ok(()),
            Role::Body if self.body() == Some(body) => Ok(()),
            Role::Body | Role::Analyst => Operator::refuse(format!("raw-responses:{body}")),
        }
    }

    /// One body's (redacted) free texts: `national` for any body, `body` for its own, `analyst`
    /// never.
    pub fn may_read_free_text(&self, body: &str) -> Result<(), Forbidden> {
        match self.role {
            Role::National => Ok(()),
            Role::Body if self.body() == Some(body) => Ok(()),
            Role::Body | Role::Analyst => Operator::refuse(format!("free-text:{body}")),
        }
    }
}

/// The operator keys in memory: all verify, the newest signs.
fn keyring(keys: &[TicketKey]) -> HmacKeyring {
    HmacKeyring::new(OPERATOR_TYP, MAX_TOKEN_BYTES, keys)
}

/// What this collector knows of an issued token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Known {
    revoked: bool,
}

/// The operator keys and the issued tokens, as one collector holds them.
pub struct OperatorAuth {
    dir: PathBuf,
    mode: KeyFileMode,
    keyring: RwLock<Arc<HmacKeyring>>,
    tokens: RwLock<HashMap<String, Known>>,
    validation: Validation,
}

/// The validation of every operator token: `HS256` only, `exp`, `nbf` and `iat` required,
/// `exp` and `nbf` checked with [`LEEWAY_SECS`].
fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.reject_tokens_expiring_in_less_than = 0;
    validation.set_required_spec_claims(&["exp", "nbf", "iat"]);
    validation
}

/// Unix seconds now.
fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix seconds as RFC 3339 text, as the database stores times.
fn stamp(secs: i64) -> String {
    crate::domain::rfc3339(
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// Parses a token lifetime such as `30d`, `12h`, `90m` or `3600s` (a bare number is seconds),
/// from one minute to 400 days.
pub fn parse_ttl(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        other => {
            return Err(format!(
                "{other:?} is not a unit; use s, m, h or d (as in 30d)"
            ));
        }
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 30d, 12h, 90m or 3600s"))?;
    let secs = n.saturating_mul(scale);
    if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&secs) {
        return Err(format!("{text:?}: a token lives from 1 minute to 400 days"));
    }
    Ok(secs)
}

impl OperatorAuth {
    /// Reads the operator keys of `dir` (none is allowed: then no token verifies until a key is
    /// added and read again).
    pub fn load(dir: PathBuf, mode: KeyFileMode) -> Result<OperatorAuth, KeyError> {
        let keys = keys::load_dir(&dir, mode)?;
        Ok(OperatorAuth {
            dir,
            mode,
            keyring: RwLock::new(Arc::new(keyring(&keys))),
            tokens: RwLock::new(HashMap::new()),
            validation: validation(),
        })
    }

    /// Reads the key directory again; a broken key file leaves the keys as they were.
    pub fn reload_keys(&self) -> Result<(), KeyError> {
        let keys = keys::load_dir(&self.dir, self.mode)?;
        *self
            .keyring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keyring(&keys));
        Ok(())
    }

    fn keyring(&self) -> Arc<HmacKeyring> {
        self.keyring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the unexpired issued tokens and their revocations again (every replica does, every
    /// `VOCE_REGISTRY_REFRESH_SECS`).
    pub fn refresh(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        let now = stamp(now_secs());
        let rows = operator_tokens::unexpired(conn, &now)?;
        let fresh: HashMap<String, Known> = rows
            .into_iter()
            .map(|(id, revoked)| (id, Known { revoked }))
            .collect();
        *self
            .tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// Remembers one token as read from the database.
    fn remember(&self, row: &OperatorTokenRow) {
        self.tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(
                row.id.clone(),
                Known {
                    revoked: row.revoked_at.is_some(),
                },
            );
    }

    /// Signs a token for `role` (and `body`, for the `body` role) living `ttl_secs` from `now`.
    pub fn sign(
        &self,
        role: Role,
        body: Option<&IpaCode>,
        ttl_secs: i64,
        now: i64,
    ) -> Result<(String, OperatorClaims), TokenError> {
        Operator::new(String::new(), role, body.cloned()).map_err(TokenError::Request)?;
        if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&ttl_secs) {
            return Err(TokenError::Request(
                "a token lives from 1 minute to 400 days".into(),
            ));
        }
        let mut jti = [0_u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut jti);
        let claims = OperatorClaims {
            jti: hex::encode(jti),
            role,
            body: body.map(ToString::to_string),
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
        };
        let token = self.keyring().sign(&claims)?;
        Ok((token, claims))
    }

    /// Checks a token's header, signature, claims and times; returns the operator it names. Does
    /// not look at revocations (see [`OperatorAuth::verify`]).
    pub fn check_signature(&self, token: &str) -> Result<Operator, TokenError> {
        let claims: OperatorClaims = self.keyring().verify(token, &self.validation)?;
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        if claims.iat > now_secs() + leeway
            || claims.nbf < claims.iat
            || claims.exp - claims.iat > MAX_TTL_SECS
        {
            return Err(TokenError::invalid("times"));
        }
        let body = claims
            .body
            .as_deref()
            .map(IpaCode::parse)
            .transpose()
            .map_err(|_| TokenError::invalid("body"))?;
        Operator::new(claims.jti, claims.role, body)
            .map(|o| o.expiring_at(claims.exp))
            .map_err(TokenError::invalid)
    }

    /// Verifies a token against the tokens in memory: a revoked token is refused; one not in
    /// memory is [`TokenError::Unknown`] (the caller looks it up once).
    pub fn verify(&self, token: &str) -> Result<Operator, TokenError> {
        let operator = self.check_signature(token)?;
        let known = self
            .tokens
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(operator.id())
            .copied();
        match known {
            Some(Known { revoked: false }) => Ok(operator),
            Some(Known { revoked: true }) => Err(TokenError::Revoked),
            None => Err(TokenError::Unknown),
        }
    }

    /// Verifies a token, looking it up in the database when it is not in memory yet.
    pub fn verify_with(
        &self,
        token: &str,
        conn: &mut DbConnection,
    ) -> Result<Operator, TokenError> {
        match self.verify(token) {
            Err(TokenError::Unknown) => {}
            other => return other,
        }
        let operator = self.check_signature(token)?;
        let row = operator_tokens::find(conn, operator.id())
            .map_err(|e| TokenError::invalid(format!("lookup: {e}")))?
            .ok_or(TokenError::Unknown)?;
        self.remember(&row);
        self.verify(token)
    }
}

/// Issues a token: signs it, records its id, role, body and times in `operator_tokens` and the
/// audit log (one transaction), and returns the token and its claims.
pub fn issue(
    auth: &OperatorAuth,
    conn: &mut DbConnection,
    actor: &Actor,
    role: Role,
    body: Option<&IpaCode>,
    ttl_secs: i64,
) -> Result<(String, OperatorClaims), anyhow::Error> {
    if let Some(body) = body {
        anyhow::ensure!(
            crate::db::bodies::body_exists(conn, body.as_str())?,
            "no body {body} in the registry; import the registry first"
        );
    }
    let (token, claims) = auth.sign(role, body, ttl_secs, now_secs())?;
    let row = OperatorTokenRow {
        id: claims.jti.clone(),
        role: role.as_str().to_owned(),
        body: claims.body.clone(),
        issued_at: stamp(claims.iat),
        expires_at: stamp(claims.exp),
        revoked_at: None,
    };
    conn.transaction::<_, DbError, _>(|conn| {
        operator_tokens::insert(conn, &row)?;
        audit::record(
            conn,
            actor,
            AuditAction::TokenIssued,
            row.body.as_deref(),
            &format!(
                "token {} role {} expires {}",
                row.id, row.role, row.expires_at
            ),
        )
    })?;
    auth.remember(&row);
    Ok((token, claims))
}

/// Revokes a token by id (recorded in the audit log); returns whether it was a token not
/// revoked yet. Every collector refuses it within `VOCE_REGISTRY_REFRESH_SECS`.
pub fn revoke(conn: &mut DbConnection, actor: &Actor, id: &str) -> Result<bool, DbError> {
    conn.transaction::<_, DbError, _>(|conn| {
        let Some(row) = operator_tokens::find(conn, id)? else {
            return Ok(false);
        };
        let revoked = operator_tokens::revoke(conn, id, &stamp(now_secs()))?;
        if revoked {
            audit::record(
                conn,
                actor,
                AuditAction::TokenRevoked,
                row.body.as_deref(),
                &format!("token {id} role {}", row.role),
            )?;
        }
        Ok(revoked)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth_with_key() -> anyhow::Result<(tempfile::TempDir, OperatorAuth)> {
        let dir = tempfile::tempdir()?;
        keys::generate(dir.path())?;
        let auth = OperatorAuth::load(dir.path().to_path_buf(), KeyFileMode::OwnerOnly)?;
        Ok((dir, auth))
    }

    fn known(auth: &OperatorAuth, claims: &OperatorClaims, revoked: bool) {
        auth.tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(claims.jti.clone(), Known { revoked });
    }

    fn ipa(code: &str) -> anyhow::Result<IpaCode> {
        IpaCode::parse(code).map_err(|e| anyhow::anyhow!(e))
    }

    #[test]
    fn a_signed_token_verifies_once_known_and_not_after_revocation() -> anyhow::Result<()> {
        let (_dir, auth) = auth_with_key()?;
        let inps = ipa("inps")?;
        let (token, claims) = auth.sign(Role::Body, Some(&inps), 3600, now_secs())?;
        assert_eq!(auth.verify(&token), Err(TokenError::Unknown));
        known(&auth, &claims, false);
        let operator = auth.verify(&token)?;
        assert_eq!(
            (operator.role(), operator.body()),
            (Role::Body, Some("inps"))
        );
        known(&auth, &claims, true);
        assert_eq!(auth.verify(&token), Err(TokenError::Revoked));
        Ok(())
    }

    /// Signs any header and claims with `secret`, as an attacker or a buggy client would.
    fn forge(header: &serde_json::Value, claims: &serde_json::Value, secret: &[u8]) -> String {
        use base64::Engine;
        use hmac::Mac;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(&mac.finalize().into_bytes()))
    }

    #[test]
    fn tokens_with_a_wrong_type_time_claim_or_key_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let (key, _) = keys::generate(dir.path())?;
        let auth = OperatorAuth::load(dir.path().to_path_buf(), KeyFileMode::OwnerOnly)?;
        let now = now_secs();
        let header = serde_json::json!({"alg": "HS256", "typ": OPERATOR_TYP, "kid": key.kid});
        let claims = serde_json::json!({
            "jti": "ab", "role": "national", "iat": now, "nbf": now, "exp": now + 600
        });
        let good = forge(&header, &claims, key.secret());
        assert!(auth.check_signature(&good).is_ok());
        let with = |field: &str, value: serde_json::Value| {
            let mut c = claims.clone();
            c[field] = value;
            forge(&header, &c, key.secret())
        };
        let mut ticket_header = header.clone();
        ticket_header["typ"] = "voce-ticket+jwt".into();
        let mut none_header = header.clone();
        none_header["alg"] = "none".into();
        let mut unknown_kid = header.clone();
        unknown_kid["kid"] = "k-other".into();
        let cases = [
            (
                "a ticket's typ",
                forge(&ticket_header, &claims, key.secret()),
            ),
            ("alg none", forge(&none_header, &claims, key.secret())),
            ("an unknown kid", forge(&unknown_kid, &claims, key.secret())),
            ("another secret", forge(&header, &claims, b"secret")),
            ("nbf in 30 s", with("nbf", (now + 30).into())),
            ("expired 10 s ago", with("exp", (now - 10).into())),
            ("iat in an hour", with("iat", (now + 3600).into())),
            (
                "exp as a string",
                with("exp", (now + 600).to_string().into()),
            ),
            ("an unknown role", with("role", "admin".into())),
            ("a body on a national token", with("body", "inps".into())),
            ("an unknown claim", with("aud", "x".into())),
            (
                "a lifetime over 400 days",
                with("exp", (now + MAX_TTL_SECS + 10).into()),
            ),
            ("a truncated token", good[..good.len() - 3].to_owned()),
            ("garbage", "a.b.c".to_owned()),
        ];
        for (what, token) in cases {
            assert!(auth.check_signature(&token).is_err(), "{what} was accepted");
        }
        let mut missing_exp = claims.clone();
        missing_exp
            .as_object_mut()
            .map(|o| o.remove("exp"))
            .unwrap_or_default();
        assert!(
            auth.check_signature(&forge(&header, &missing_exp, key.secret()))
                .is_err()
        );
        let body_without_code = with("role", "body".into());
        assert!(auth.check_signature(&body_without_code).is_err());
        Ok(())
    }

    #[test]
    fn a_token_within_the_two_second_leeway_is_accepted() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let (key, _) = keys::generate(dir.path())?;
        let auth = OperatorAuth::load(dir.path().to_path_buf(), KeyFileMode::OwnerOnly)?;
        let now = now_secs();
        let header = serde_json::json!({"alg": "HS256", "typ": OPERATOR_TYP, "kid": key.kid});
        let claims = serde_json::json!({
            "jti": "ab", "role": "analyst", "iat": now, "nbf": now + 1, "exp": now + 600
        });
        assert!(
            auth.check_signature(&forge(&header, &claims, key.secret()))
                .is_ok()
        );
        Ok(())
    }

    #[test]
    fn a_ticket_key_cannot_sign_an_operator_token() -> anyhow::Result<()> {
        let (_dir, auth) = auth_with_key()?;
        let tickets = tempfile::tempdir()?;
        let (ticket_key, _) = keys::generate(tickets.path())?;
        let now = now_secs();
        let header =
            serde_json::json!({"alg": "HS256", "typ": OPERATOR_TYP, "kid": ticket_key.kid});
        let claims = serde_json::json!({
            "jti": "ab", "role": "national", "iat": now, "nbf": now, "exp": now + 600
        });
        assert_eq!(
            auth.check_signature(&forge(&header, &claims, ticket_key.secret())),
            Err(TokenError::Jwt(JwtError::UnknownKey))
        );
        Ok(())
    }

    #[test]
    fn without_a_key_nothing_is_signed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let auth = OperatorAuth::load(dir.path().join("none"), KeyFileMode::OwnerOnly)?;
        assert_eq!(
            auth.sign(Role::National, None, 3600, now_secs()).err(),
            Some(TokenError::NoKey)
        );
        Ok(())
    }

    #[test]
    fn roles_grant_exactly_their_scopes() -> anyhow::Result<()> {
        let national =
            Operator::new("n".into(), Role::National, None).map_err(anyhow::Error::msg)?;
        let inps = Operator::new("b".into(), Role::Body, Some(ipa("inps")?))
            .map_err(anyhow::Error::msg)?;
        let analyst = Operator::new("a".into(), Role::Analyst, None).map_err(anyhow::Error::msg)?;
        let scope = |r: Result<(), Forbidden>| match r {
            Ok(()) => "ok".to_owned(),
            Err(Forbidden { scope }) => scope,
        };
        assert_eq!(scope(national.require_national()), "ok");
        assert_eq!(scope(national.may_read_raw("inail")), "ok");
        assert_eq!(scope(national.may_read_free_text("inail")), "ok");
        assert_eq!(scope(inps.require_national()), "national");
        assert_eq!(scope(inps.may_read_raw("inps")), "ok");
        assert_eq!(scope(inps.may_read_raw("inail")), "raw-responses:inail");
        assert_eq!(scope(inps.may_read_free_text("inps")), "ok");
        assert_eq!(scope(inps.may_read_free_text("inail")), "free-text:inail");
        assert_eq!(scope(inps.may_read_aggregates_of("inps")), "ok");
        assert_eq!(
            scope(inps.may_read_aggregates_of("inail")),
            "aggregates:inail"
        );
        assert_eq!(scope(analyst.require_national()), "national");
        assert_eq!(scope(analyst.may_read_raw("inps")), "raw-responses:inps");
        assert_eq!(scope(analyst.may_read_free_text("inps")), "free-text:inps");
        assert_eq!(scope(analyst.may_read_aggregates_of("inail")), "ok");
        assert!(Operator::new("x".into(), Role::Body, None).is_err());
        assert!(Operator::new("x".into(), Role::Analyst, Some(ipa("inps")?)).is_err());
        Ok(())
    }

    #[test]
    fn lifetimes_read_with_their_unit_and_stay_within_bounds() {
        assert_eq!(parse_ttl("30d"), Ok(30 * 86_400));
        assert_eq!(parse_ttl("12h"), Ok(12 * 3600));
        assert_eq!(parse_ttl("90m"), Ok(5400));
        assert_eq!(parse_ttl("3600"), Ok(3600));
        for bad in ["", "d", "30x", "-1d", "59s", "401d", "1.5d"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
