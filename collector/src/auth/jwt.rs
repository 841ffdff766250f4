//! The header check shared by every kind of token the collector signs (tickets, operator
//! tokens): only `HS256`, the expected `typ`, a `kid`, and no header parameter that points to keys
//! elsewhere or changes how the token is read (`jku`, `jwk`, `x5u`, `crit`, …). The key is then
//! chosen by `kid` from the keys in memory, never from anything the token says.

use jsonwebtoken::Algorithm;

/// Why a token's header was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderRefusal {
    /// Too long, not three base64url parts, or not JSON.
    Malformed,
    /// A header that is not allowed, naming what.
    Refused(&'static str),
}

/// Checks the shape and header of a token of type `typ`, at most `max_bytes` long; returns its
/// `kid`.
pub fn check_header(token: &str, typ: &str, max_bytes: usize) -> Result<String, HeaderRefusal> {
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
