//! Timestamps and days as the database stores them: fixed-width RFC 3339 UTC text with
//! milliseconds, and `YYYY-MM-DD` days, both of which sort in time order as text on every backend.

use time::OffsetDateTime;
use time::macros::format_description;

/// `t` as RFC 3339 in UTC with milliseconds, such as `2025-06-01T12:00:00.000Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&format).unwrap_or_default()
}

/// The UTC day of `t`, such as `2025-06-01`.
pub fn day_of(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(&format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fixed_width_utc() {
        let t = OffsetDateTime::from_unix_timestamp(0).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc3339(t), "1970-01-01T00:00:00.000Z");
        assert_eq!(day_of(t), "1970-01-01");
    }
}
