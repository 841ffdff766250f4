//! The languages Voce speaks and the texts written in them.
//!
//! Italian is the reference language: every text exists in Italian, and any text missing in
//! another language falls back to Italian.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language of the widget: Italian and the languages with official status in Italian regions.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Italian, the reference language.
    #[default]
    It,
    /// English.
    En,
    /// German (South Tyrol).
    De,
    /// French (Aosta Valley).
    Fr,
    /// Slovenian (Friuli-Venezia Giulia).
    Sl,
}

impl Locale {
    /// Every locale, Italian first.
    pub const ALL: [Locale; 5] = [Locale::It, Locale::En, Locale::De, Locale::Fr, Locale::Sl];

    /// The BCP 47 code of the locale (`it`, `en`, …).
    pub fn code(self) -> &'static str {
        match self {
            Locale::It => "it",
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Sl => "sl",
        }
    }

    /// The best locale for a language tag such as `de-AT` or `EN`, or Italian when none fits.
    pub fn negotiate(tag: &str) -> Locale {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        primary.parse().unwrap_or(Locale::It)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error for a language code that Voce does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale {0:?}: expected one of it, en, de, fr, sl")]
pub struct UnknownLocale(pub String);

impl FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownLocale(s.to_owned()))
    }
}

/// One text in several languages. The Italian text is required; the others fall back to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<Locale, String>);

impl Localized {
    /// The text in `locale`, or in Italian when that translation is missing.
    pub fn get(&self, locale: Locale) -> &str {
        self.0
            .get(&locale)
            .or_else(|| self.0.get(&Locale::It))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The same text narrowed to one language (with the Italian fallback applied).
    pub fn resolve(&self, locale: Locale) -> Localized {
        Localized(BTreeMap::from([(locale, self.get(locale).to_owned())]))
    }

    /// The Italian text.
    pub fn italian(&self) -> &str {
        self.get(Locale::It)
    }
}

impl From<&str> for Localized {
    fn from(italian: &str) -> Self {
        Localized(BTreeMap::from([(Locale::It, italian.to_owned())]))
    }
}
