//! The release calendar: Italian working days and the time of day in Rome, with no time-zone
//! database.
//!
//! - **Public holidays** (national, Law 260/1949 as amended, and Law 151/2025 for 4 October from
//!   2026): 1 January, 6 January, Easter Monday, 25 April, 1 May, 2 June, 15 August, 4 October
//!   (from 2026), 1 November, 8 December, 25 and 26 December. Easter Sunday by the Gregorian
//!   computus (the "anonymous" algorithm of Meeus). Patron saints' days are local and not counted.
//! - **Working days**: Monday to Friday, not a public holiday.
//! - **Rome's offset from UTC**: the EU summer-time rule (Directive 2000/84/EC): +02:00 from
//!   01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, +01:00 the
//!   rest of the year.
//! - **The schedule** ([`provisional_release_day`], [`final_release_day`]): a month's provisional
//!   release on the 5th working day of the next month; a quarter's final release on the 5th
//!   working day of the second month after it, at [`RELEASE_HOUR`] in Rome. See
//!   [Releases](../../../docs/methods.md#the-release-calendar).

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The hour of day, in Rome, at which a release becomes public unless it says otherwise.
pub const RELEASE_HOUR: u8 = 11;

/// The working day of the month a release is scheduled on.
pub const RELEASE_WORKING_DAY: u8 = 5;

/// Easter Sunday of `year` (Gregorian calendar).
pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = if month == 3 {
        Month::March
    } else {
        Month::April
    };
    Date::from_calendar_date(year, month, u8::try_from(day).unwrap_or(1)).unwrap_or(Date::MIN)
}

/// Whether `day` is a national public holiday in Italy.
pub fn is_public_holiday(day: Date) -> bool {
    use Month::*;
    let fixed = matches!(
        (day.month(), day.day()),
        (January, 1)
            | (January, 6)
            | (April, 25)
            | (May, 1)
            | (June, 2)
            | (August, 15)
            | (November, 1)
            | (December, 8)
            | (December, 25)
            | (December, 26)
    );
    let san_francesco = day.year() >= 2026 && (day.month(), day.day()) == (October, 4);
    let easter_monday = easter_sunday(day.year()).next_day() == Some(day);
    fixed || san_francesco || easter_monday
}

/// Whether `day` is a working day: Monday to Friday and not a public holiday.
pub fn is_working_day(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(day)
}

/// The `n`-th working day (1-based) of a month.
pub fn nth_working_day(year: i32, month: Month, n: u8) -> Date {
    let mut day = Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN);
    let mut seen = 0;
    loop {
        if is_working_day(day) {
            seen += 1;
            if seen == n {
                return day;
            }
        }
        day = day.next_day().unwrap_or(Date::MAX);
    }
}

/// The first day of the month `months` after the month of `day`.
fn month_after(day: Date, months: u8) -> (i32, Month) {
    let mut year = day.year();
    let mut month = day.month();
    for _ in 0..months {
        if month == Month::December {
            year += 1;
        }
        month = month.next();
    }
    (year, month)
}

/// The day of the provisional release of the month that `first_day` starts.
pub fn provisional_release_day(first_day: Date) -> Date {
    let (year, month) = month_after(first_day, 1);
    nth_working_day(year, month, RELEASE_WORKING_DAY)
}

/// The day of the final release of the quarter whose last month starts on `last_month`.
pub fn final_release_day(last_month: Date) -> Date {
    let (year, month) = month_after(last_month, 2);
    nth_working_day(year, month, RELEASE_WORKING_DAY)
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: Month) -> Date {
    let (y, m) = month_after(
        Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN),
        1,
    );
    let mut day = Date::from_calendar_date(y, m, 1)
        .unwrap_or(Date::MIN)
        .previous_day()
        .unwrap_or(Date::MIN);
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day().unwrap_or(Date::MIN);
    }
    day
}

/// Rome's offset from UTC at the instant `at`.
pub fn rome_offset_at(at: OffsetDateTime) -> UtcOffset {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    let change = |month| {
        PrimitiveDateTime::new(last_sunday(year, month), Time::MIDNIGHT).assume_utc()
            + Duration::hours(1)
    };
    let summer = at >= change(Month::March) && at < change(Month::October);
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The instant of `hour`:00 in Rome on `day`.
pub fn rome_time(day: Date, hour: u8) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(day, Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT));
    // For any hour from 03:00 on, the offset an hour before that hour UTC is the local one (the
    // changes happen at 01:00 UTC); releases are at 11:00.
    let guess = local.assume_utc();
    let offset = rome_offset_at(guess - Duration::hours(1));
    local.assume_offset(offset).to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn easter_falls_on_the_sundays_of_the_ecclesiastical_tables() {
        assert_eq!(easter_sunday(2024), date!(2024 - 03 - 31));
        assert_eq!(easter_sunday(2025), date!(2025 - 04 - 20));
        assert_eq!(easter_sunday(2026), date!(2026 - 04 - 05));
        assert_eq!(easter_sunday(2027), date!(2027 - 03 - 28));
        assert_eq!(easter_sunday(2038), date!(2038 - 04 - 25));
    }

    #[test]
    fn italian_holidays_include_easter_monday_and_san_francesco_from_2026() {
        assert!(is_public_holiday(date!(2026 - 04 - 06)), "Easter Monday");
        assert!(is_public_holiday(date!(2026 - 12 - 08)), "Immacolata");
        assert!(is_public_holiday(date!(2026 - 10 - 04)));
        assert!(!is_public_holiday(date!(2025 - 10 - 04)));
        assert!(!is_public_holiday(date!(2026 - 12 - 07)));
        assert!(!is_working_day(date!(2026 - 12 - 05)), "a Saturday");
    }

    #[test]
    fn the_fifth_working_day_skips_weekends_and_holidays() {
        // December 2026: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 (Tue 8 is a holiday).
        assert_eq!(
            provisional_release_day(date!(2026 - 11 - 01)),
            date!(2026 - 12 - 07)
        );
        // January 2027: Fri 1 and Wed 6 are holidays: Mon 4, Tue 5, Thu 7, Fri 8, Mon 11.
        assert_eq!(
            provisional_release_day(date!(2026 - 12 - 01)),
            date!(2027 - 01 - 11)
        );
        // 2026-Q3's final release: the 5th working day of November 2026 (Mon 2 … Fri 6).
        assert_eq!(
            final_release_day(date!(2026 - 09 - 01)),
            date!(2026 - 11 - 06)
        );
        // 2026-Q4's: February 2027.
        assert_eq!(
            final_release_day(date!(2026 - 12 - 01)),
            date!(2027 - 02 - 05)
        );
    }

    #[test]
    fn eleven_in_rome_is_ten_utc_in_winter_and_nine_in_summer() {
        assert_eq!(
            rome_time(date!(2026 - 12 - 07), RELEASE_HOUR),
            datetime!(2026 - 12 - 07 10:00 UTC)
        );
        assert_eq!(
            rome_time(date!(2026 - 07 - 07), RELEASE_HOUR),
            datetime!(2026 - 07 - 07 09:00 UTC)
        );
        // The changes: 29 March 2026 and 25 October 2026, at 01:00 UTC.
        assert_eq!(
            rome_time(date!(2026 - 03 - 29), RELEASE_HOUR),
            datetime!(2026 - 03 - 29 09:00 UTC)
        );
        assert_eq!(
            rome_time(date!(2026 - 10 - 25), RELEASE_HOUR),
            datetime!(2026 - 10 - 25 10:00 UTC)
        );
        assert_eq!(
            rome_offset_at(datetime!(2026 - 03 - 29 00:59:59 UTC)),
            UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC)
        );
        assert_eq!(
            rome_offset_at(datetime!(2026 - 03 - 29 01:00 UTC)),
            UtcOffset::from_hms(2, 0, 0).unwrap_or(UtcOffset::UTC)
        );
    }
}
