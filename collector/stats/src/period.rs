//! Periods: a day, an ISO week, a month, a quarter or a year, written in SDMX form (`2026-10-03`,
//! `2026-W40`, `2026-10`, `2026-Q4`, `2026`). A query names days and a [`Granularity`]; its cells
//! are [`Period`]s, each widened to whole periods. How periods are chosen and compared is written
//! out in [Periods](../../../docs/methods.md#periods).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

/// The length of a period.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// A day (`2026-10-03`).
    Day,
    /// An ISO week (`2026-W40`).
    Week,
    /// A month (`2026-10`).
    #[default]
    Month,
    /// A quarter (`2026-Q4`).
    Quarter,
    /// A year (`2026`).
    Year,
}

impl Granularity {
    /// Every granularity, shortest first.
    pub const ALL: [Granularity; 5] = [
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
        Granularity::Quarter,
        Granularity::Year,
    ];

    /// The SDMX `FREQ` code: `D`, `W`, `M`, `Q`, `A`.
    pub fn sdmx_freq(self) -> &'static str {
        match self {
            Granularity::Day => "D",
            Granularity::Week => "W",
            Granularity::Month => "M",
            Granularity::Quarter => "Q",
            Granularity::Year => "A",
        }
    }

    /// The code used in requests and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            Granularity::Year => "year",
        }
    }

    /// The granularity of a code, if it is one.
    pub fn parse(code: &str) -> Option<Granularity> {
        Granularity::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The period of this length that contains `d`.
    pub fn period_of(self, d: Date) -> Period {
        Period::containing(self, d)
    }

    /// The first day of the period that contains `d`.
    pub fn start_of(self, d: Date) -> Date {
        match self {
            Granularity::Day => d,
            Granularity::Week => {
                d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
            }
            Granularity::Month => d.replace_day(1).unwrap_or(d),
            Granularity::Quarter => {
                let month = Month::try_from(((u8::from(d.month()) - 1) / 3) * 3 + 1)
                    .unwrap_or(Month::January);
                Date::from_calendar_date(d.year(), month, 1).unwrap_or(d)
            }
            Granularity::Year => Date::from_calendar_date(d.year(), Month::January, 1).unwrap_or(d),
        }
    }

    /// The last day of the period that contains `d`.
    pub fn end_of(self, d: Date) -> Date {
        let next = match self {
            Granularity::Day => return d,
            Granularity::Week => return self.start_of(d) + Duration::days(6),
            Granularity::Month => self.start_of(d) + Duration::days(31),
            Granularity::Quarter => self.start_of(d) + Duration::days(92),
            Granularity::Year => self.start_of(d) + Duration::days(366),
        };
        self.start_of(next) - Duration::days(1)
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One period: its length and its first day. Periods of one length sort as their SDMX texts do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    granularity: Granularity,
    start: Date,
}

impl Period {
    /// The period of length `granularity` that contains `d`.
    pub fn containing(granularity: Granularity, d: Date) -> Period {
        Period {
            granularity,
            start: granularity.start_of(d),
        }
    }

    /// A period in SDMX form (`2026`, `2026-Q4`, `2026-W40`, `2026-10`, `2026-10-03`), if the
    /// text is one.
    pub fn parse(text: &str) -> Option<Period> {
        let parts: Vec<&str> = text.split('-').collect();
        let year: i32 = parts.first()?.parse().ok()?;
        let number = |s: &str| s.parse::<u8>().ok();
        let (granularity, start) = match parts.as_slice() {
            [_] => (
                Granularity::Year,
                Date::from_calendar_date(year, Month::January, 1).ok()?,
            ),
            [_, q] if q.starts_with('Q') => {
                let q = number(&q[1..]).filter(|q| (1..=4).contains(q))?;
                (
                    Granularity::Quarter,
                    Date::from_calendar_date(year, Month::try_from(q * 3 - 2).ok()?, 1).ok()?,
                )
            }
            [_, w] if w.starts_with('W') => (
                Granularity::Week,
                Date::from_iso_week_date(year, number(&w[1..])?, Weekday::Monday).ok()?,
            ),
            [_, m] => (
                Granularity::Month,
                Date::from_calendar_date(year, Month::try_from(number(m)?).ok()?, 1).ok()?,
            ),
            [_, m, d] => (
                Granularity::Day,
                Date::from_calendar_date(year, Month::try_from(number(m)?).ok()?, number(d)?)
                    .ok()?,
            ),
            _ => return None,
        };
        Some(Period { granularity, start })
    }

    /// The rollup period of a rollup row (`YYYY-MM-DD` or `YYYY-MM`) as a period of
    /// `granularity`, if it is one.
    pub fn of_rollup(granularity: Granularity, text: &str) -> Option<Period> {
        Period::parse(text)
            .filter(|p| matches!(p.granularity, Granularity::Day | Granularity::Month))
            .map(|p| Period::containing(granularity, p.start))
    }

    /// Its length.
    pub fn granularity(self) -> Granularity {
        self.granularity
    }

    /// Its first day.
    pub fn start(self) -> Date {
        self.start
    }

    /// Its last day.
    pub fn end(self) -> Date {
        self.granularity.end_of(self.start)
    }

    /// Whether `d` falls in it.
    pub fn contains(self, d: Date) -> bool {
        self.start <= d && d <= self.end()
    }

    /// The period of the same length that follows it.
    pub fn next(self) -> Period {
        Period::containing(self.granularity, self.end() + Duration::days(1))
    }

    /// The period of the same length before it.
    pub fn previous(self) -> Period {
        Period::containing(self.granularity, self.start - Duration::days(1))
    }

    /// This period and the ones after it, up to the one that contains `last`.
    pub fn through(self, last: Date) -> impl Iterator<Item = Period> {
        std::iter::successors(Some(self), |p| Some(p.next())).take_while(move |p| p.start <= last)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.start;
        match self.granularity {
            Granularity::Day => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            Granularity::Week => {
                let (year, week, _) = d.to_iso_week_date();
                write!(f, "{year:04}-W{week:02}")
            }
            Granularity::Month => write!(f, "{:04}-{:02}", d.year(), u8::from(d.month())),
            Granularity::Quarter => {
                write!(f, "{:04}-Q{}", d.year(), (u8::from(d.month()) - 1) / 3 + 1)
            }
            Granularity::Year => write!(f, "{:04}", d.year()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A day as `YYYY-MM-DD`.
pub fn day_text(d: Date) -> String {
    Period::containing(Granularity::Day, d).to_string()
}

/// A day written `YYYY-MM-DD`, if the text is one.
pub fn parse_day(text: &str) -> Option<Date> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: Month, d: u8) -> Date {
        Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
    }

    #[test]
    fn periods_are_written_in_sdmx_form_and_a_query_is_widened_to_whole_periods() {
        let d = day(2026, Month::October, 3);
        assert_eq!(Granularity::Day.period_of(d).to_string(), "2026-10-03");
        assert_eq!(Granularity::Week.period_of(d).to_string(), "2026-W40");
        assert_eq!(Granularity::Month.period_of(d).to_string(), "2026-10");
        assert_eq!(Granularity::Quarter.period_of(d).to_string(), "2026-Q4");
        assert_eq!(Granularity::Year.period_of(d).to_string(), "2026");
        assert_eq!(day_text(Granularity::Week.start_of(d)), "2026-09-28");
        assert_eq!(day_text(Granularity::Quarter.end_of(d)), "2026-12-31");
        assert_eq!(
            day_text(Granularity::Month.end_of(day(2028, Month::February, 10))),
            "2028-02-29"
        );
        let of = |g, text| Period::of_rollup(g, text).map(|p| p.to_string());
        assert_eq!(
            of(Granularity::Quarter, "2026-11").as_deref(),
            Some("2026-Q4")
        );
        assert_eq!(
            of(Granularity::Week, "2027-01-01").as_deref(),
            Some("2026-W53")
        );
    }

    #[test]
    fn a_period_selects_from_its_first_day() {
        let start = |text| Period::parse(text).map(|p| day_text(p.start()));
        assert_eq!(start("2026").as_deref(), Some("2026-01-01"));
        assert_eq!(start("2026-Q4").as_deref(), Some("2026-10-01"));
        assert_eq!(start("2026-W01").as_deref(), Some("2025-12-29"));
        assert_eq!(start("2026-02").as_deref(), Some("2026-02-01"));
        assert_eq!(start("2026-02-28").as_deref(), Some("2026-02-28"));
        assert_eq!(start("2026-Q5"), None);
        assert_eq!(start("2026-13"), None);
        assert_eq!(start("x"), None);
    }

    #[test]
    fn every_period_parses_back_from_its_text_contains_its_days_and_is_followed_by_the_next() {
        let d = day(2026, Month::December, 31);
        for g in Granularity::ALL {
            let p = g.period_of(d);
            assert_eq!(Period::parse(&p.to_string()), Some(p), "{p}");
            assert!(p.contains(p.start()) && p.contains(p.end()) && p.contains(d));
            assert!(!p.contains(p.next().start()));
            assert_eq!(p.next().previous(), p);
            assert_eq!(p.next().start(), p.end() + Duration::days(1));
        }
        let months: Vec<String> = Granularity::Month
            .period_of(day(2026, Month::November, 15))
            .through(day(2027, Month::January, 1))
            .map(|p| p.to_string())
            .collect();
        assert_eq!(months, ["2026-11", "2026-12", "2027-01"]);
    }
}
