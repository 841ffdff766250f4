//! The hosted page's public URL: `{VOCE_PUBLIC_URL}/s/{service}?locale=…[&channel=…]`, what the
//! QR codes encode and `voce-collector link` prints.

use voce_shared::Locale;

use crate::domain::Channel;

/// Percent-encodes a query or path component (everything but the unreserved characters).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL of the hosted page of `service_id` in `locale`, reached through `channel` (the
/// parameter is left out for [`Channel::Page`], the default, and for the widget).
pub fn hosted_url(public_url: &str, service_id: &str, locale: Locale, channel: Channel) -> String {
    let mut url = format!(
        "{}/s/{}?locale={}",
        public_url.trim().trim_end_matches('/'),
        encode_component(service_id),
        locale.code()
    );
    if matches!(channel, Channel::Qr | Channel::Email | Channel::Sms) {
        url.push_str("&channel=");
        url.push_str(channel.code());
    }
    url
}

/// The channel a hosted page's `channel` parameter names: `qr`, `email` or `sms`; anything else
/// (absent, `widget`, unknown) is the page itself — the citizen is never refused for it.
pub fn page_channel(parameter: Option<&str>) -> Channel {
    match parameter.map(Channel::parse) {
        Some(Ok(c @ (Channel::Qr | Channel::Email | Channel::Sms))) => c,
        _ => Channel::Page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_service_locale_and_channel() {
        assert_eq!(
            hosted_url(
                "https://voce.istat.it/",
                "inps-naspi",
                Locale::It,
                Channel::Qr
            ),
            "https://voce.istat.it/s/inps-naspi?locale=it&channel=qr"
        );
        assert_eq!(
            hosted_url("https://voce.istat.it", "a b", Locale::De, Channel::Page),
            "https://voce.istat.it/s/a%20b?locale=de"
        );
    }

    #[test]
    fn only_the_other_channels_are_taken_from_the_query() {
        assert_eq!(page_channel(Some("sms")), Channel::Sms);
        assert_eq!(page_channel(Some("widget")), Channel::Page);
        assert_eq!(page_channel(Some("fax")), Channel::Page);
        assert_eq!(page_channel(None), Channel::Page);
    }
}
