//! The filters of a selection of responses, parsed once at the edge into their domain types: the
//! query string of `GET /v1/stats` and of the aggregate exports (`crate::stats::StatsQuery`,
//! strict: a value that is not one is a `400`) and of the dashboard's pages ([`Filters`],
//! forgiving: a form's empty or unknown value is dropped). An empty value is "none" in both.

use std::fmt;

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serializer};
use time::Date;
use voce_shared::{BodyKind, Indicator, ServiceKind};
use voce_stats::period::{day_text, parse_day};
use voce_stats::query::Grouping;
use voce_stats::{Granularity, Period};

use crate::domain::{AuditAction, Channel, IpaCode, ServiceId};

/// A value of a query string: parsed from its text, written back the same way.
pub trait QueryValue: Sized {
    /// The value of a text, or why it is not one.
    fn parse_value(text: &str) -> Result<Self, String>;
    /// The value as the query string writes it.
    fn text(&self) -> String;
    /// The value in JSON (text unless it is a boolean).
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

fn unknown(text: &str, what: &str) -> String {
    format!("{text:?}: {what}")
}

impl QueryValue for ServiceId {
    fn parse_value(text: &str) -> Result<Self, String> {
        ServiceId::parse(text).map_err(|e| e.0)
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for IpaCode {
    fn parse_value(text: &str) -> Result<Self, String> {
        IpaCode::parse(text).map_err(|e| e.0)
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for ServiceKind {
    fn parse_value(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| unknown(text, "not a catalog service kind"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for BodyKind {
    fn parse_value(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| unknown(text, "not a catalog body kind"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for Channel {
    fn parse_value(text: &str) -> Result<Self, String> {
        Channel::parse(text).map_err(|_| unknown(text, "widget, page, qr, email or sms"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for Indicator {
    fn parse_value(text: &str) -> Result<Self, String> {
        Indicator::parse(text).ok_or_else(|| unknown(text, "not a catalog indicator"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for Granularity {
    fn parse_value(text: &str) -> Result<Self, String> {
        Granularity::parse(text).ok_or_else(|| unknown(text, "day, week, month, quarter or year"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for Grouping {
    fn parse_value(text: &str) -> Result<Self, String> {
        Grouping::parse(text)
            .ok_or_else(|| unknown(text, "national, service, body, service-kind or body-kind"))
    }
    fn text(&self) -> String {
        self.code().to_owned()
    }
}

impl QueryValue for Date {
    fn parse_value(text: &str) -> Result<Self, String> {
        parse_day(text).ok_or_else(|| unknown(text, "expected a day, YYYY-MM-DD"))
    }
    fn text(&self) -> String {
        day_text(*self)
    }
}

impl QueryValue for Period {
    fn parse_value(text: &str) -> Result<Self, String> {
        Period::parse(text).ok_or_else(|| unknown(text, "not a period"))
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

impl QueryValue for AuditAction {
    fn parse_value(text: &str) -> Result<Self, String> {
        AuditAction::parse(text).ok_or_else(|| {
            format!(
                "action must be one of {}",
                AuditAction::ALL.map(AuditAction::as_str).join(", ")
            )
        })
    }
    fn text(&self) -> String {
        self.as_str().to_owned()
    }
}

impl QueryValue for bool {
    fn parse_value(text: &str) -> Result<Self, String> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(unknown(text, "true or false")),
        }
    }
    fn text(&self) -> String {
        self.to_string()
    }
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*self)
    }
}

/// `#[serde(with = "crate::filters::strict")]`: an optional value that must be one when given
/// (empty is none).
pub mod strict {
    use super::*;

    /// Parses the value, refusing text that is not one.
    pub fn deserialize<'de, D: Deserializer<'de>, T: QueryValue>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) if !text.trim().is_empty() => {
                T::parse_value(&text).map(Some).map_err(D::Error::custom)
            }
            _ => Ok(None),
        }
    }

    /// Writes the value, or `null`.
    pub fn serialize<S: Serializer, T: QueryValue>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => v.serialize_value(serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// `#[serde(with = "crate::filters::given")]`: an optional value that must be one whenever the
/// parameter is present, even empty (`to=` is a `400`, as its schema says it must be a day).
pub mod given {
    use super::*;

    /// Parses the value, refusing text that is not one, the empty text included.
    pub fn deserialize<'de, D: Deserializer<'de>, T: QueryValue>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| T::parse_value(&text).map_err(D::Error::custom))
            .transpose()
    }

    /// Writes the value, or `null`.
    pub fn serialize<S: Serializer, T: QueryValue>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::strict::serialize(value, serializer)
    }
}

/// `#[serde(deserialize_with = "crate::filters::forgiving")]`: an optional value of a form,
/// dropped when empty or not one.
pub fn forgiving<'de, D: Deserializer<'de>, T: QueryValue>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|text| T::parse_value(text.trim()).ok()))
}

/// A form's text, dropped when empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// A form's yes or no.
fn yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<String>::deserialize(d)?.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    })
}

/// The rating and scale indicators a chart can rank or follow.
pub const RATED: [Indicator; 4] = [
    Indicator::Facilita,
    Indicator::Chiarezza,
    Indicator::Soddisfazione,
    Indicator::Fiducia,
];

/// The granularities the dashboard's charts offer (a day is too fine for a chart of a year).
pub const CHART_GRANULARITIES: [Granularity; 4] = [
    Granularity::Week,
    Granularity::Month,
    Granularity::Quarter,
    Granularity::Year,
];

/// A key of the dashboard's query strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `service`.
    Service,
    /// `body`.
    Body,
    /// `service_kind`.
    ServiceKind,
    /// `body_kind`.
    BodyKind,
    /// `channel`.
    Channel,
    /// `verified` (`yes` or `no`).
    Verified,
    /// `from`.
    From,
    /// `to`.
    To,
    /// `granularity`.
    Granularity,
    /// `group_by`.
    GroupBy,
    /// `indicator`.
    Indicator,
    /// `period`.
    Period,
    /// `action`.
    Action,
    /// `actor`.
    Actor,
}

/// The keys the statistics pages carry from page to page.
pub const STAT_KEYS: [Key; 7] = [
    Key::Indicator,
    Key::Granularity,
    Key::Period,
    Key::ServiceKind,
    Key::BodyKind,
    Key::Channel,
    Key::Verified,
];

/// The keys of the audit page (besides its cursor).
pub const AUDIT_KEYS: [Key; 5] = [Key::Action, Key::Actor, Key::Body, Key::From, Key::To];

/// The keys the aggregate exports take.
pub const AGGREGATE_KEYS: [Key; 9] = [
    Key::Service,
    Key::Body,
    Key::ServiceKind,
    Key::BodyKind,
    Key::From,
    Key::To,
    Key::Granularity,
    Key::GroupBy,
    Key::Indicator,
];

/// The keys the raw-response export takes.
pub const RAW_KEYS: [Key; 4] = [Key::Service, Key::Body, Key::From, Key::To];

/// The filters of the dashboard's pages (statistics, audit log, exports), as a form sends them:
/// empty and unknown values are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Filters {
    /// The page language.
    #[serde(default)]
    pub locale: Option<String>,
    /// Only this service.
    #[serde(default, deserialize_with = "forgiving")]
    pub service: Option<ServiceId>,
    /// Only this body.
    #[serde(default, deserialize_with = "forgiving")]
    pub body: Option<IpaCode>,
    /// Only this kind of service.
    #[serde(default, deserialize_with = "forgiving")]
    pub service_kind: Option<ServiceKind>,
    /// Only this kind of body.
    #[serde(default, deserialize_with = "forgiving")]
    pub body_kind: Option<BodyKind>,
    /// Only responses from this channel.
    #[serde(default, deserialize_with = "forgiving")]
    pub channel: Option<Channel>,
    /// Only attested (`yes`) or only unattested (`no`) responses.
    #[serde(default, deserialize_with = "yes_no")]
    pub verified: Option<bool>,
    /// First day.
    #[serde(default, deserialize_with = "forgiving")]
    pub from: Option<Date>,
    /// Last day.
    #[serde(default, deserialize_with = "forgiving")]
    pub to: Option<Date>,
    /// The period length.
    #[serde(default, deserialize_with = "forgiving")]
    pub granularity: Option<Granularity>,
    /// The grouping of the exported cells.
    #[serde(default, deserialize_with = "forgiving")]
    pub group_by: Option<Grouping>,
    /// The indicator.
    #[serde(default, deserialize_with = "forgiving")]
    pub indicator: Option<Indicator>,
    /// The period a statistics page shows (default the latest).
    #[serde(default, deserialize_with = "forgiving")]
    pub period: Option<Period>,
    /// The audit log: only this action.
    #[serde(default, deserialize_with = "forgiving")]
    pub action: Option<AuditAction>,
    /// The audit log: only this actor.
    #[serde(default, deserialize_with = "text")]
    pub actor: Option<String>,
    /// The audit log: the next page's cursor.
    #[serde(default, deserialize_with = "text")]
    pub cursor: Option<String>,
}

impl Filters {
    /// The filters the statistics pages keep: a rated indicator, a chart's granularity.
    pub fn for_charts(mut self) -> Filters {
        self.indicator = self.indicator.filter(|i| RATED.contains(i));
        self.granularity = self.granularity.filter(|g| CHART_GRANULARITIES.contains(g));
        self
    }

    /// The indicator a statistics page shows (default `facilita`).
    pub fn rated_indicator(&self) -> Indicator {
        self.indicator.unwrap_or(Indicator::Facilita)
    }

    /// The period length (default a month).
    pub fn chart_granularity(&self) -> Granularity {
        self.granularity.unwrap_or_default()
    }

    fn value(&self, key: Key) -> Option<String> {
        fn t<T: QueryValue>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(QueryValue::text)
        }
        match key {
            Key::Service => t(&self.service),
            Key::Body => t(&self.body),
            Key::ServiceKind => t(&self.service_kind),
            Key::BodyKind => t(&self.body_kind),
            Key::Channel => t(&self.channel),
            Key::Verified => self
                .verified
                .map(|v| if v { "yes" } else { "no" }.to_owned()),
            Key::From => t(&self.from),
            Key::To => t(&self.to),
            Key::Granularity => t(&self.granularity),
            Key::GroupBy => t(&self.group_by),
            Key::Indicator => t(&self.indicator),
            Key::Period => t(&self.period),
            Key::Action => t(&self.action),
            Key::Actor => self.actor.clone(),
        }
    }

    /// The filters of `keys` that are set, as a query string in the order of `keys`.
    pub fn query(&self, keys: &[Key]) -> String {
        keys.iter()
            .filter_map(|k| self.value(*k).map(|v| format!("{k}={}", encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::Service => "service",
            Key::Body => "body",
            Key::ServiceKind => "service_kind",
            Key::BodyKind => "body_kind",
            Key::Channel => "channel",
            Key::Verified => "verified",
            Key::From => "from",
            Key::To => "to",
            Key::Granularity => "granularity",
            Key::GroupBy => "group_by",
            Key::Indicator => "indicator",
            Key::Period => "period",
            Key::Action => "action",
            Key::Actor => "actor",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(query: &str) -> Filters {
        serde_urlencoded::from_str(query).expect("filters")
    }

    #[test]
    fn unknown_filter_values_are_dropped_rather_than_passed_on() {
        let f = filters("indicator=esito%27&granularity=day&period=2026-10").for_charts();
        assert_eq!(f.rated_indicator(), Indicator::Facilita);
        assert_eq!(f.chart_granularity(), Granularity::Month);
        assert_eq!(f.query(&STAT_KEYS), "period=2026-10");
    }

    #[test]
    fn the_channel_and_attestation_filters_pass_known_values_only() {
        let f = filters("channel=qr&verified=yes");
        assert_eq!(f.query(&STAT_KEYS), "channel=qr&verified=yes");
        assert_eq!(f.verified, Some(true));
        let unknown = filters("channel=fax&verified=maybe");
        assert_eq!(unknown.query(&STAT_KEYS), "");
        assert_eq!(unknown.verified, None);
    }

    #[test]
    fn empty_values_are_none_and_texts_are_percent_encoded() {
        let f = filters("actor=cli%3Aroot&from=+&body=");
        assert_eq!(f.query(&AUDIT_KEYS), "actor=cli%3Aroot");
        assert_eq!(f.body, None);
    }

    #[test]
    fn a_query_value_that_is_not_one_is_refused_with_what_was_expected() {
        #[derive(Deserialize)]
        struct One {
            #[serde(default, with = "strict")]
            indicator: Option<Indicator>,
        }
        let refused = serde_urlencoded::from_str::<One>("indicator=esito%27").err();
        assert!(
            refused.is_some_and(|e| e.to_string().contains("not a catalog indicator")),
            "refused"
        );
        let empty: One = serde_urlencoded::from_str("indicator=").expect("empty is none");
        assert_eq!(empty.indicator, None);
    }
}
