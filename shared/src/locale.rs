//! The languages Voce speaks and the texts written in them.
//!
//! Italian is the reference language: every text exists in Italian, and any text missing in
//! another language falls back to Italian.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language of the widget: Italian and the languages with official status in Italian regions.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    /// This locale's entry of a table written in the order of [`Locale::ALL`] (it, en, de, fr,
    /// sl), as the user-interface strings of the widget and the hosted page are.
    pub fn pick<T>(self, table: [T; 5]) -> T {
        let [it, en, de, fr, sl] = table;
        match self {
            Locale::It => it,
            Locale::En => en,
            Locale::De => de,
            Locale::Fr => fr,
            Locale::Sl => sl,
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
///
/// The present texts, sorted in the order of [`Locale::ALL`], at most one per language (a small
/// vector instead of a map: a `BTreeMap` costs kilobytes of the widget's WebAssembly). It reads
/// and writes the same JSON a `BTreeMap<Locale, String>` did: an object with the present
/// languages in the order `it`, `en`, `de`, `fr`, `sl` (the catalog's content hashes depend on it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Localized(pub Vec<(Locale, String)>);

impl Localized {
    /// The text in `locale`, or in Italian when that translation is missing.
    pub fn get(&self, locale: Locale) -> &str {
        self.exact(locale)
            .or_else(|| self.exact(Locale::It))
            .unwrap_or_default()
    }

    /// The text in `locale` only, without the fallback.
    pub fn exact(&self, locale: Locale) -> Option<&str> {
        self.0
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, t)| t.as_str())
    }

    /// Sets the text in `locale`.
    pub fn set(&mut self, locale: Locale, text: String) {
        match self.0.binary_search_by_key(&locale, |(l, _)| *l) {
            Ok(i) => self.0[i].1 = text,
            Err(i) => self.0.insert(i, (locale, text)),
        }
    }

    /// The present texts, in the order of [`Locale::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (Locale, &str)> {
        self.0.iter().map(|(l, t)| (*l, t.as_str()))
    }

    /// The same text narrowed to one language (with the Italian fallback applied).
    pub fn resolve(&self, locale: Locale) -> Localized {
        Localized(vec![(locale, self.get(locale).to_owned())])
    }

    /// The Italian text.
    pub fn italian(&self) -> &str {
        self.get(Locale::It)
    }
}

impl From<&str> for Localized {
    fn from(italian: &str) -> Self {
        Localized(vec![(Locale::It, italian.to_owned())])
    }
}

impl Serialize for Localized {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Texts;
        impl<'de> serde::de::Visitor<'de> for Texts {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Localized, A::Error> {
                let mut texts = Localized::default();
                // As a map would: a repeated language keeps its last text.
                while let Some((locale, text)) = map.next_entry::<Locale, String>()? {
                    texts.set(locale, text);
                }
                Ok(texts)
            }
        }
        deserializer.deserialize_map(Texts)
    }
}
