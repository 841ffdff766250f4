//! What a placement asks for: the service, the collector, the language, the render mode and the
//! theme, read from the element's attributes and the page's `<html lang>`.
//!
//! Parsing is pure (strings in, values out) so the rules are tested natively; the browser glue
//! only reads the attributes.

use voce_shared::Locale;

/// How the widget renders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// In an open shadow root, loaded when the placement nears the viewport (the default).
    #[default]
    Isolated,
    /// In the light DOM, eagerly, with the markup contract of the municipal-site checker
    /// (`mode="comuni"`).
    Comuni,
}

impl Mode {
    /// The mode named by a `mode` attribute; anything but `comuni` is the isolated default.
    pub fn parse(attribute: Option<&str>) -> Mode {
        match attribute.map(str::trim) {
            Some(m) if m.eq_ignore_ascii_case("comuni") => Mode::Comuni,
            _ => Mode::Isolated,
        }
    }
}

/// The colour scheme of the widget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on a light background (the default).
    #[default]
    Light,
    /// Light text on a dark background.
    Dark,
    /// Follows the citizen's `prefers-color-scheme`.
    Auto,
}

impl Theme {
    /// The theme named by a `theme` attribute; unknown values give the default.
    pub fn parse(attribute: Option<&str>) -> Theme {
        match attribute.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("dark") => Theme::Dark,
            Some("auto") => Theme::Auto,
            _ => Theme::Light,
        }
    }

    /// The value of the root's `data-theme` attribute, which the stylesheet reads.
    pub fn code(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// The language of a placement: its `locale` attribute if Voce speaks it, else the page's
/// `<html lang>` if Voce speaks it, else Italian.
pub fn resolve_locale(attribute: Option<&str>, html_lang: Option<&str>) -> Locale {
    [attribute, html_lang]
        .into_iter()
        .flatten()
        .find_map(|tag| {
            tag.trim()
                .split(['-', '_'])
                .next()
                .and_then(|primary| primary.parse().ok())
        })
        .unwrap_or(Locale::It)
}

/// The collector's base URL (no trailing slash) from its own base, whatever the caller passed.
pub fn collector_base(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// Appends `text` percent-encoded (everything but the unreserved characters).
fn push_encoded(url: &mut String, text: &str) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            url.push('%');
            url.push(char::from(HEX[usize::from(b >> 4)]));
            url.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Everything a mounted widget needs to know about its placement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The service id from the registry, such as `inps-naspi`.
    pub service: String,
    /// The collector's base URL, such as `https://voce.istat.it` (no trailing slash).
    pub collector: String,
    /// The language of the texts.
    pub locale: Locale,
    /// The render mode.
    pub mode: Mode,
    /// The colour scheme.
    pub theme: Theme,
    /// A completion attestation signed by the service's body (`data-attestation`), passed on
    /// when the form is fetched so the ticket is marked verified.
    pub attestation: Option<String>,
}

impl Config {
    /// The URL of `GET /v1/forms/{service}?locale=xx`, with the service id percent-encoded.
    pub fn form_url(&self) -> String {
        let mut url = String::with_capacity(self.collector.len() + self.service.len() + 24);
        url.push_str(&self.collector);
        url.push_str("/v1/forms/");
        push_encoded(&mut url, &self.service);
        url.push_str("?locale=");
        url.push_str(self.locale.code());
        if let Some(attestation) = &self.attestation {
            url.push_str("&attestation=");
            push_encoded(&mut url, attestation);
        }
        url
    }

    /// The URL of `POST /v1/responses`.
    pub fn responses_url(&self) -> String {
        let mut url = self.collector.clone();
        url.push_str("/v1/responses");
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(service: &str) -> Config {
        Config {
            service: service.into(),
            collector: "https://voce.example".into(),
            locale: Locale::De,
            mode: Mode::Isolated,
            theme: Theme::Light,
            attestation: None,
        }
    }

    #[test]
    fn an_attestation_travels_in_the_form_url() {
        let mut c = config("inps-naspi");
        c.attestation = Some("aa.bb.c_-".into());
        assert_eq!(
            c.form_url(),
            "https://voce.example/v1/forms/inps-naspi?locale=de&attestation=aa.bb.c_-"
        );
    }

    #[test]
    fn the_locale_attribute_wins_over_the_page_language() {
        assert_eq!(resolve_locale(Some("en"), Some("de")), Locale::En);
        assert_eq!(resolve_locale(Some("fr-CH"), None), Locale::Fr);
    }

    #[test]
    fn the_page_language_is_used_when_the_attribute_is_missing_or_unknown() {
        assert_eq!(resolve_locale(None, Some("de-AT")), Locale::De);
        assert_eq!(resolve_locale(Some("es"), Some("sl")), Locale::Sl);
        assert_eq!(resolve_locale(Some(""), Some("SL_si")), Locale::Sl);
    }

    #[test]
    fn italian_is_the_fallback_for_anything_else() {
        assert_eq!(resolve_locale(None, None), Locale::It);
        assert_eq!(resolve_locale(Some("es"), Some("pt-BR")), Locale::It);
    }

    #[test]
    fn only_comuni_switches_on_conformance_mode() {
        assert_eq!(Mode::parse(Some("comuni")), Mode::Comuni);
        assert_eq!(Mode::parse(Some(" COMUNI ")), Mode::Comuni);
        assert_eq!(Mode::parse(Some("isolated")), Mode::Isolated);
        assert_eq!(Mode::parse(None), Mode::Isolated);
    }

    #[test]
    fn unknown_themes_fall_back_to_light() {
        assert_eq!(Theme::parse(Some("Dark")), Theme::Dark);
        assert_eq!(Theme::parse(Some("auto")), Theme::Auto);
        assert_eq!(Theme::parse(Some("neon")), Theme::Light);
        assert_eq!(Theme::parse(None).code(), "light");
    }

    #[test]
    fn the_form_url_names_the_service_and_the_locale() {
        assert_eq!(
            config("inps-naspi").form_url(),
            "https://voce.example/v1/forms/inps-naspi?locale=de"
        );
    }

    #[test]
    fn the_form_url_percent_encodes_a_hostile_service_id() {
        assert_eq!(
            config("../admin?x=1#").form_url(),
            "https://voce.example/v1/forms/..%2Fadmin%3Fx%3D1%23?locale=de"
        );
    }

    #[test]
    fn the_collector_base_loses_its_trailing_slash() {
        assert_eq!(
            collector_base("https://voce.example/ "),
            "https://voce.example"
        );
        assert_eq!(
            config("x").responses_url(),
            "https://voce.example/v1/responses"
        );
    }
}
