//! The release calendar in `serve`: which releases are due at an instant ([`due`]) and making
//! those not made yet ([`run`]), once a day from the housekeeping thread. A month's provisional
//! release is due from the start of its scheduled day (5th working day of the next month), a
//! quarter's final release from the start of the 5th working day of its second month after;
//! both are public at 11:00 in Rome that day, so the bodies and Istat see them under embargo
//! in the morning. Only the last two months and quarters are considered: a release missed
//! longer ago is made by hand (`voce-collector release create`). A scheduled release is never a
//! revision: one already made for its period and kind is left as it is.

use time::OffsetDateTime;

use super::{Inputs, Made, ReleaseError, Spec, create};
use crate::db::DbConnection;
use crate::db::releases as store;
use voce_stats::calendar;
use voce_stats::{Granularity, Period};

/// The releases due at `now`, oldest first: months and quarters whose scheduled day has come.
pub fn due(now: OffsetDateTime) -> Vec<Spec> {
    let today = now.date();
    let mut out = Vec::new();
    let this_quarter = Period::containing(Granularity::Quarter, today);
    for quarter in [this_quarter.previous().previous(), this_quarter.previous()] {
        let last_month = Period::containing(Granularity::Month, quarter.end());
        if today >= calendar::final_release_day(last_month.start())
            && let Ok(spec) = Spec::parse(&quarter.to_string(), true)
        {
            out.push(spec);
        }
    }
    let this_month = Period::containing(Granularity::Month, today);
    for month in [this_month.previous().previous(), this_month.previous()] {
        if today >= calendar::provisional_release_day(month.start())
            && let Ok(spec) = Spec::parse(&month.to_string(), false)
        {
            out.push(spec);
        }
    }
    out
}

/// Makes every release [`due`] at `inputs.now` that has not been made; returns those made.
pub fn run(conn: &mut DbConnection, inputs: &Inputs<'_>) -> Result<Vec<Made>, ReleaseError> {
    let mut made = Vec::new();
    for spec in due(inputs.now) {
        if store::latest(conn, &spec.period.to_string(), spec.kind.code())?.is_none() {
            made.push(create(conn, &spec, inputs)?);
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn periods(now: OffsetDateTime) -> Vec<String> {
        due(now)
            .iter()
            .map(|s| format!("{} {}", s.period, s.kind.code()))
            .collect()
    }

    #[test]
    fn november_is_due_from_the_fifth_working_day_of_december_and_not_before() {
        // December 2026: 1 Tue, 2, 3, 4, 7 Mon (the 5th working day).
        assert!(!periods(datetime!(2026-12-06 23:00 UTC)).contains(&"2026-11 provisional".into()));
        assert!(periods(datetime!(2026-12-07 00:00 UTC)).contains(&"2026-11 provisional".into()));
        assert!(periods(datetime!(2026-12-07 00:00 UTC)).contains(&"2026-10 provisional".into()));
    }

    #[test]
    fn the_third_quarter_is_final_from_the_fifth_working_day_of_november() {
        // November 2026: 2 Mon, 3, 4, 5, 6 Fri (1 November is a Sunday and a holiday).
        assert!(!periods(datetime!(2026-11-05 12:00 UTC)).contains(&"2026-Q3 final".into()));
        assert!(periods(datetime!(2026-11-06 00:00 UTC)).contains(&"2026-Q3 final".into()));
        assert!(periods(datetime!(2027-01-04 00:00 UTC)).contains(&"2026-Q3 final".into()));
    }
}
