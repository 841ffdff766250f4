//! The plan of a statistics query: which grain of rollup rows to read over which periods, how to
//! group the cells, which indicator to publish. The collector checks the query's filters
//! against its registry, reads the rows this plan names and hands them to
//! [`crate::answer::answer`]. How the span of a query is chosen is written out in
//! [Periods](../../../docs/methods.md#periods).

use serde::{Deserialize, Serialize};
use time::Date;
use voce_shared::Indicator;

use crate::period::{Granularity, day_text};
use crate::rollups::Grain;

/// How cells are grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Grouping {
    /// One cell per period: the whole selection.
    #[default]
    National,
    /// Per service.
    Service,
    /// Per body.
    Body,
    /// Per kind of service.
    ServiceKind,
    /// Per kind of body.
    BodyKind,
}

impl Grouping {
    /// Every grouping, in the order outputs list them.
    pub const ALL: [Grouping; 5] = [
        Grouping::National,
        Grouping::Service,
        Grouping::Body,
        Grouping::ServiceKind,
        Grouping::BodyKind,
    ];

    /// The code used in requests and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Grouping::National => "national",
            Grouping::Service => "service",
            Grouping::Body => "body",
            Grouping::ServiceKind => "service-kind",
            Grouping::BodyKind => "body-kind",
        }
    }

    /// The grouping of a code, if it is one.
    pub fn parse(code: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// A group the selection covers, with the indicators its questionnaires ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoped {
    /// The group's code (service id, IPA code, kind; empty for national).
    pub code: String,
    /// The indicators asked of it.
    pub indicators: Vec<Indicator>,
}

/// The most cells one answer may hold (groups × periods × indicators): beyond it a query is
/// refused with a `400` that names the limit.
pub const MAX_CELLS: usize = 20_000;

/// How many cells the answer of `plan` over `scope` holds.
pub fn cells_of(plan: &Plan, scope: &[Scoped]) -> usize {
    let periods = plan
        .granularity
        .period_of(plan.from)
        .through(plan.to)
        .count();
    let per_period: usize = scope
        .iter()
        .map(|s| {
            s.indicators
                .iter()
                .filter(|i| plan.indicator.is_none_or(|w| w == **i))
                .count()
        })
        .sum();
    periods * per_period
}

/// Refuses an answer of more than [`MAX_CELLS`] cells.
pub fn check_size(plan: &Plan, scope: &[Scoped]) -> Result<(), BadQuery> {
    let cells = cells_of(plan, scope);
    if cells > MAX_CELLS {
        return Err(BadQuery(format!(
            "this answer would hold {cells} cells, more than the {MAX_CELLS} one answer may hold: \
             ask for one indicator, a coarser granularity, a shorter span or fewer groups"
        )));
    }
    Ok(())
}

/// A request that cannot be answered as asked (a `400`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadQuery(pub String);

/// What a query asks for, besides the filters of its selection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    /// The cells' period (default a month).
    pub granularity: Option<Granularity>,
    /// The cells' groups (default national).
    pub grouping: Option<Grouping>,
    /// Only this indicator.
    pub indicator: Option<Indicator>,
    /// First day (widened to the start of its period).
    pub from: Option<Date>,
    /// Last day (widened to the end of its period).
    pub to: Option<Date>,
    /// Whether the selection keeps one channel or one value of `verified` (read from day
    /// rows: month rows are summed over them).
    pub splits_channel: bool,
}

/// What to read and how to group it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The cells' period.
    pub granularity: Granularity,
    /// The cells' groups.
    pub grouping: Grouping,
    /// Only this indicator.
    pub indicator: Option<Indicator>,
    /// First day covered.
    pub from: Date,
    /// Last day covered.
    pub to: Date,
    /// The rollup rows to read.
    pub grain: Grain,
    /// The first rollup period to read (`YYYY-MM-DD` or `YYYY-MM`, by grain).
    pub first: String,
    /// The last rollup period to read.
    pub last: String,
}

/// How many periods back from the last one a query reaches by default: a year of months.
const DEFAULT_PERIODS: usize = 11;

/// Plans a query; `today` is the default end.
pub fn plan(asked: &Asked, today: Date) -> Result<Plan, BadQuery> {
    let granularity = asked.granularity.unwrap_or_default();
    let to = granularity.end_of(asked.to.unwrap_or(today));
    let from = match asked.from {
        Some(f) => granularity.start_of(f),
        None => {
            let mut start = granularity.period_of(to);
            for _ in 0..DEFAULT_PERIODS {
                start = start.previous();
            }
            start.start()
        }
    };
    if from > to {
        return Err(BadQuery("from is after to".into()));
    }
    if (to - from).whole_days() > 3 * 366 + 7 && granularity == Granularity::Day {
        return Err(BadQuery("at most three years of days in one answer".into()));
    }
    let by_day =
        matches!(granularity, Granularity::Day | Granularity::Week) || asked.splits_channel;
    let (grain, first, last) = if by_day {
        (Grain::Day, day_text(from), day_text(to))
    } else {
        (
            Grain::Month,
            Granularity::Month.period_of(from).to_string(),
            Granularity::Month.period_of(to).to_string(),
        )
    };
    Ok(Plan {
        granularity,
        grouping: asked.grouping.unwrap_or_default(),
        indicator: asked.indicator,
        from,
        to,
        grain,
        first,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn day(y: i32, m: Month, d: u8) -> Date {
        Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
    }

    #[test]
    fn a_query_reaches_a_year_of_months_back_by_default_and_reads_month_rows() {
        let today = day(2026, Month::October, 3);
        let p = plan(&Asked::default(), today).expect("a plan");
        assert_eq!(
            (day_text(p.from), day_text(p.to)),
            ("2025-11-01".into(), "2026-10-31".into())
        );
        assert_eq!(
            (p.grain, p.first.as_str(), p.last.as_str()),
            (Grain::Month, "2025-11", "2026-10")
        );
        let by_channel = Asked {
            splits_channel: true,
            ..Asked::default()
        };
        let p = plan(&by_channel, today).expect("a plan");
        assert_eq!((p.grain, p.first.as_str()), (Grain::Day, "2025-11-01"));
    }

    #[test]
    fn a_span_backwards_and_more_than_three_years_of_days_are_refused() {
        let today = day(2026, Month::October, 3);
        let backwards = Asked {
            from: Some(day(2026, Month::December, 1)),
            to: Some(day(2026, Month::January, 1)),
            ..Asked::default()
        };
        assert!(plan(&backwards, today).is_err());
        let days = Asked {
            granularity: Some(Granularity::Day),
            from: Some(day(2020, Month::January, 1)),
            ..Asked::default()
        };
        assert!(plan(&days, today).is_err());
    }
}
