//! The dashboard's languages and its Italian-first formatting of numbers, shares and periods.
//!
//! The dashboard takes the widget's `locale` codes (`it`, `en`, `de`, `fr`, `sl`, see
//! [`voce_shared::Locale`]) and speaks Italian and English; any other code falls back to Italian,
//! the reference language, as the widget's texts do. Numbers follow the locale's convention:
//! `4,2` and `1.000.000` in Italian, `4.2` and `1,000,000` in English. Months are abbreviated the
//! way Istat writes them (`gen 2026`), quarters `T4 2026` (`Q4 2026` in English).

use voce_shared::Locale;
use voce_stats::{Granularity, Period};

/// A language the dashboard is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// Italian, the reference language.
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// Every language of the dashboard, Italian first (the order of the language switch).
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    /// The dashboard language for a widget locale: English for `en`, Italian for the rest.
    pub fn from_locale(locale: Locale) -> Lang {
        match locale {
            Locale::En => Lang::En,
            _ => Lang::It,
        }
    }

    /// The language of a `locale` query value (`it`, `EN`, `de-AT`…), or `None` when absent.
    pub fn from_query(value: Option<&str>) -> Option<Lang> {
        value
            .filter(|v| !v.is_empty())
            .map(|v| Lang::from_locale(Locale::negotiate(v)))
    }

    /// The language for a request: its `locale` query value, else the first language of
    /// `Accept-Language` the dashboard speaks, else Italian.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = Lang::from_query(query) {
            return lang;
        }
        accept_language
            .into_iter()
            .flat_map(|h| h.split(','))
            .map(|part| part.split(';').next().unwrap_or_default().trim())
            .find_map(|tag| match Locale::negotiate(tag) {
                Locale::En if tag.to_ascii_lowercase().starts_with("en") => Some(Lang::En),
                Locale::It if tag.to_ascii_lowercase().starts_with("it") => Some(Lang::It),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The locale code, as in the widget (`it`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::It => "Italiano",
            Lang::En => "English",
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Lang::It => (',', '.'),
            Lang::En => ('.', ','),
        }
    }

    /// `x` with `decimals` digits after the locale's decimal mark: `4,2` / `4.2`, and `−` for
    /// negative figures. Not a number prints as `–`.
    pub fn number(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".to_owned();
        }
        let (decimal, thousands) = self.separators();
        let text = format!("{:.*}", decimals, x.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut out = String::new();
        // A figure that rounds to zero has no sign.
        if x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            out.push('−');
        }
        out.push_str(&group(int, thousands));
        if !frac.is_empty() {
            out.push(decimal);
            out.push_str(frac);
        }
        out
    }

    /// A count with the locale's thousands separator: `1.000.000` / `1,000,000`.
    pub fn count(self, n: u64) -> String {
        group(&n.to_string(), self.separators().1)
    }

    /// A share in [0, 1] as a percentage with one decimal: `42,0%` / `42.0%`.
    pub fn percent(self, share: f64) -> String {
        format!("{}%", self.number(share * 100.0, 1))
    }

    /// The abbreviated name of month `month` (1..=12): `gen`, `feb`… / `Jan`, `Feb`…
    pub fn month(self, month: u8) -> &'static str {
        const IT: [&str; 12] = [
            "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
        ];
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let i = usize::from(month.clamp(1, 12) - 1);
        match self {
            Lang::It => IT[i],
            Lang::En => EN[i],
        }
    }

    /// A period of the API (`2026-10-03`, `2026-W40`, `2026-10`, `2026-Q4`, `2026`) as a reader
    /// writes it: `3 ott 2026`, `sett. 40 2026`, `ott 2026`, `T4 2026`, `2026`. A text that is not
    /// such a period is returned as it is.
    pub fn period(self, period: &str) -> String {
        match Period::parse(period) {
            Some(p) => self.period_label(p),
            None => period.to_owned(),
        }
    }

    /// A period as a reader writes it (see [`Lang::period`]).
    pub fn period_label(self, period: Period) -> String {
        let d = period.start();
        let y = d.year();
        match period.granularity() {
            Granularity::Year => y.to_string(),
            Granularity::Quarter => {
                let q = (u8::from(d.month()) - 1) / 3 + 1;
                match self {
                    Lang::It => format!("T{q} {y}"),
                    Lang::En => format!("Q{q} {y}"),
                }
            }
            Granularity::Week => {
                let (y, w, _) = d.to_iso_week_date();
                match self {
                    Lang::It => format!("sett. {w} {y}"),
                    Lang::En => format!("week {w} {y}"),
                }
            }
            Granularity::Month => format!("{} {y}", self.month(u8::from(d.month()))),
            Granularity::Day => format!("{} {} {y}", d.day(), self.month(u8::from(d.month()))),
        }
    }
}

fn group(digits: &str, separator: char) -> String {
    let len = digits.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_numbers_use_a_decimal_comma_and_dots_between_thousands() {
        assert_eq!(Lang::It.number(4.2, 1), "4,2");
        assert_eq!(Lang::It.number(4.249, 2), "4,25");
        assert_eq!(Lang::It.number(1234567.0, 0), "1.234.567");
        assert_eq!(Lang::It.number(-0.31, 2), "−0,31");
        assert_eq!(Lang::It.number(-0.001, 2), "0,00");
        assert_eq!(Lang::It.count(1_000_000), "1.000.000");
        assert_eq!(Lang::It.count(999), "999");
        assert_eq!(Lang::It.percent(0.4204), "42,0%");
    }

    #[test]
    fn english_numbers_use_a_decimal_point_and_commas_between_thousands() {
        assert_eq!(Lang::En.number(4.2, 1), "4.2");
        assert_eq!(Lang::En.count(1_000_000), "1,000,000");
        assert_eq!(Lang::En.percent(1.0), "100.0%");
        assert_eq!(Lang::En.number(f64::NAN, 1), "–");
    }

    #[test]
    fn periods_are_written_as_istat_writes_them() {
        assert_eq!(Lang::It.period("2026-01"), "gen 2026");
        assert_eq!(Lang::En.period("2026-01"), "Jan 2026");
        assert_eq!(Lang::It.period("2026-10-03"), "3 ott 2026");
        assert_eq!(Lang::It.period("2026-Q4"), "T4 2026");
        assert_eq!(Lang::En.period("2026-Q4"), "Q4 2026");
        assert_eq!(Lang::It.period("2026-W05"), "sett. 5 2026");
        assert_eq!(Lang::It.period("2026"), "2026");
        assert_eq!(Lang::It.period("2026-13"), "2026-13");
        assert_eq!(Lang::It.period("ieri"), "ieri");
    }

    #[test]
    fn the_language_comes_from_the_widget_locale_code_then_accept_language_then_italian() {
        assert_eq!(Lang::negotiate(Some("en"), Some("it")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de"), Some("en")), Lang::It);
        assert_eq!(Lang::negotiate(None, Some("fr;q=1, en-GB;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de-AT")), Lang::It);
        assert_eq!(Lang::negotiate(Some(""), None), Lang::It);
        assert_eq!(Lang::ALL.map(Lang::code), ["it", "en"]);
    }
}
