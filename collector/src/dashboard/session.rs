//! The dashboard's session: the operator token itself, in the `voce_session` cookie.
//!
//! The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page sends
//! it, which also guards every form of the dashboard against cross-site requests), `Secure`
//! when the dashboard is served over TLS, `Path=/` (the export links under `/v1/exports/` carry
//! it too) and expires with the token. Sign-out replaces it with an expired, empty one. The
//! no-cookie rule is for citizens' pages; this is an operator tool.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// The cookie's name, which the operator extractor reads as well as `Authorization: Bearer`.
pub const COOKIE: &str = "voce_session";

fn http_date(at: OffsetDateTime) -> String {
    // RFC 7231's IMF-fixdate, e.g. `Thu, 01 Jan 1970 00:00:00 GMT`.
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc2822)
        .map(|s| s.replace("+0000", "GMT"))
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
}

/// `Set-Cookie` for a session holding `token` until `expires` (the token's own expiry), seen
/// from `now`.
pub fn set_cookie(token: &str, expires: OffsetDateTime, now: OffsetDateTime, tls: bool) -> String {
    let max_age = (expires - now).whole_seconds().max(0);
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}; Expires={}{}",
        http_date(expires),
        if tls { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that ends the session.
pub fn clear_cookie(tls: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{}",
        if tls { "; Secure" } else { "" }
    )
}

/// Whether `token` may go into a cookie value as it is: a JWT's base64url parts and dots, and
/// nothing a cookie header would split on.
pub fn is_cookie_safe(token: &str) -> bool {
    (1..=4096).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_session_cookie_is_http_only_strict_and_expires_with_the_token() {
        let cookie = set_cookie(
            "aaa.bbb.ccc",
            datetime!(2026-12-02 12:00 UTC),
            datetime!(2026-12-01 12:00 UTC),
            false,
        );
        assert_eq!(
            cookie,
            "voce_session=aaa.bbb.ccc; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400; Expires=Wed, 02 Dec 2026 12:00:00 GMT"
        );
    }

    #[test]
    fn over_tls_the_cookie_is_secure_and_sign_out_expires_it() {
        let now = datetime!(2026-12-01 12:00 UTC);
        assert!(set_cookie("t", now, now, true).ends_with("; Secure"));
        assert!(set_cookie("t", now, now, true).contains("Max-Age=0"));
        assert_eq!(
            clear_cookie(true),
            "voce_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure"
        );
        assert!(!clear_cookie(false).contains("Secure"));
    }

    #[test]
    fn only_a_token_made_of_jwt_characters_goes_into_the_cookie() {
        assert!(is_cookie_safe("eyJhbGciOi.eyJzdWIi.sig-_"));
        assert!(!is_cookie_safe("a; Path=/evil"));
        assert!(!is_cookie_safe("a\r\nSet-Cookie: x"));
        assert!(!is_cookie_safe(""));
    }
}
