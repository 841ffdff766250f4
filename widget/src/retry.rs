//! The retry policy for sending answers: which outcomes are retried, and how long to wait.
//!
//! Network errors, `429` and `502`–`504` are transient: the widget re-sends the same ticket and the
//! same body after an exponential backoff with jitter, honouring `Retry-After`. The collector makes
//! the replay safe (the same ticket with the same body returns the same receipt). Every other
//! status is final. The policy is pure so that it is tested natively.

/// How many times a body is sent at most before the citizen is asked to retry.
pub const MAX_ATTEMPTS: u32 = 5;

/// The first backoff delay, in milliseconds.
pub const BASE_DELAY_MS: u32 = 500;

/// The longest backoff delay computed from the attempt number, in milliseconds.
pub const MAX_BACKOFF_MS: u32 = 8_000;

/// The longest wait the widget accepts from a `Retry-After` header, in milliseconds.
pub const MAX_RETRY_AFTER_MS: u32 = 30_000;

/// What a response (or its absence) means for a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Stored (or replayed): `200` or `201`.
    Stored,
    /// Transient: a network error, `429`, `502`, `503` or `504`. Send the same body again.
    Transient,
    /// The answers were refused by the validator (`422`): the citizen can correct them.
    Invalid,
    /// The ticket is expired or invalid (`401`): a new ticket is needed.
    Expired,
    /// Any other refusal: not retried automatically.
    Refused,
}

/// Classifies the HTTP status of an attempt; `None` stands for a network error.
pub fn classify(status: Option<u16>) -> Verdict {
    match status {
        None | Some(429 | 502 | 503 | 504) => Verdict::Transient,
        Some(200 | 201) => Verdict::Stored,
        Some(422) => Verdict::Invalid,
        Some(401) => Verdict::Expired,
        Some(_) => Verdict::Refused,
    }
}

/// The wait before attempt `attempt + 1`, after attempt `attempt` (from 1) failed transiently.
///
/// The backoff doubles from [`BASE_DELAY_MS`] up to [`MAX_BACKOFF_MS`]; `random` (in `0..1`) picks
/// a point in its upper half ("equal jitter"), so clients that failed together do not come back
/// together. A `Retry-After` from the collector is a floor, capped at [`MAX_RETRY_AFTER_MS`].
pub fn delay_ms(attempt: u32, retry_after_ms: Option<u32>, random: f64) -> u32 {
    let exponent = attempt.saturating_sub(1).min(16);
    let backoff = BASE_DELAY_MS
        .saturating_mul(1 << exponent)
        .min(MAX_BACKOFF_MS);
    let half = backoff / 2;
    let jitter = (f64::from(half) * random.clamp(0.0, 1.0)) as u32;
    let computed = half + jitter;
    match retry_after_ms {
        Some(floor) => computed.max(floor.min(MAX_RETRY_AFTER_MS)),
        None => computed,
    }
}

/// Parses a `Retry-After` header given in delay-seconds (`"120"`) into milliseconds.
///
/// The HTTP-date form needs a clock and is handled by the caller; this returns `None` for it.
pub fn parse_retry_after_seconds(value: &str) -> Option<u32> {
    let seconds: u32 = value.trim().parse().ok()?;
    Some(seconds.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_errors_and_overload_statuses_are_retried() {
        for status in [None, Some(429), Some(502), Some(503), Some(504)] {
            assert_eq!(classify(status), Verdict::Transient, "{status:?}");
        }
    }

    #[test]
    fn client_errors_are_never_retried() {
        assert_eq!(classify(Some(400)), Verdict::Refused);
        assert_eq!(classify(Some(401)), Verdict::Expired);
        assert_eq!(classify(Some(409)), Verdict::Refused);
        assert_eq!(classify(Some(413)), Verdict::Refused);
        assert_eq!(classify(Some(422)), Verdict::Invalid);
        assert_eq!(classify(Some(500)), Verdict::Refused);
    }

    #[test]
    fn created_and_replayed_receipts_count_as_stored() {
        assert_eq!(classify(Some(201)), Verdict::Stored);
        assert_eq!(classify(Some(200)), Verdict::Stored);
    }

    #[test]
    fn backoff_doubles_and_stays_within_its_jitter_window() {
        assert_eq!(delay_ms(1, None, 0.0), 250);
        assert_eq!(delay_ms(1, None, 1.0), 500);
        assert_eq!(delay_ms(2, None, 0.0), 500);
        assert_eq!(delay_ms(3, None, 0.0), 1000);
        assert_eq!(delay_ms(4, None, 0.5), 3000);
    }

    #[test]
    fn backoff_is_capped_for_late_attempts() {
        assert_eq!(delay_ms(30, None, 1.0), MAX_BACKOFF_MS);
        assert_eq!(delay_ms(u32::MAX, None, 0.0), MAX_BACKOFF_MS / 2);
    }

    #[test]
    fn jitter_outside_zero_to_one_is_clamped() {
        assert_eq!(delay_ms(1, None, -3.0), 250);
        assert_eq!(delay_ms(1, None, 7.0), 500);
        assert_eq!(delay_ms(1, None, f64::NAN), 250);
    }

    #[test]
    fn retry_after_is_honoured_as_a_floor() {
        assert_eq!(delay_ms(1, Some(5_000), 0.0), 5_000);
        assert_eq!(delay_ms(5, Some(100), 1.0), 8_000);
    }

    #[test]
    fn an_absurd_retry_after_is_capped() {
        assert_eq!(delay_ms(1, Some(3_600_000), 0.0), MAX_RETRY_AFTER_MS);
    }

    #[test]
    fn retry_after_seconds_are_parsed_and_dates_are_left_to_the_caller() {
        assert_eq!(parse_retry_after_seconds("120"), Some(120_000));
        assert_eq!(parse_retry_after_seconds(" 0 "), Some(0));
        assert_eq!(
            parse_retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"),
            None
        );
        assert_eq!(parse_retry_after_seconds("-1"), None);
        assert_eq!(parse_retry_after_seconds("99999999"), Some(u32::MAX));
    }
}
