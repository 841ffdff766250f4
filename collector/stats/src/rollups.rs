//! From stored responses to rollup increments. The group-commit writer folds each committed
//! batch into [`Increments`] in memory and the collector adds them with one upsert per touched
//! rollup row; a rebuild folds every stored response the same way. The follow-up reason of a
//! response is counted under the follow-up question its rating showed (`difficolta` for 1–3,
//! `aspetti-positivi` for 4–5 in the national catalog), read from the questionnaire's
//! `shown_if`, since both follow-ups offer an `altro`. See
//! [Roll-ups](../../../docs/methods.md#roll-ups).

use std::collections::BTreeMap;

use voce_shared::{Catalog, Indicator, IndicatorColumn};

use crate::sums::Sums;

/// The grain of a rollup row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    /// A day's rows (`period` = `YYYY-MM-DD`), split by channel and `verified`.
    Day,
    /// A month's rows (`period` = `YYYY-MM`), summed over channels.
    Month,
}

impl Grain {
    /// The code stored in `rollups.grain`.
    pub const fn code(self) -> &'static str {
        match self {
            Grain::Day => "D",
            Grain::Month => "M",
        }
    }
}

/// The key of a rollup row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    /// Day or month.
    pub grain: Grain,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    /// The service.
    pub service_id: String,
    /// The questionnaire answered.
    pub questionnaire_id: String,
    /// The channel; empty when summed over channels.
    pub channel: String,
    /// Whether attested; `false` also when summed over both.
    pub verified: bool,
}

/// The columns of a response that the rollups count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counted {
    /// Service.
    pub service_id: String,
    /// Questionnaire.
    pub questionnaire_id: String,
    /// Its version.
    pub questionnaire_version: i32,
    /// When it was received (RFC 3339; its first ten characters are the day).
    pub received_at: String,
    /// Channel.
    pub channel: String,
    /// Attested.
    pub verified: bool,
    /// The 1–5 rating.
    pub valutazione: Option<i32>,
    /// The follow-up reason.
    pub motivo: Option<String>,
    /// `esito`.
    pub esito: Option<String>,
    /// `soddisfazione`.
    pub soddisfazione: Option<i32>,
    /// `fiducia`.
    pub fiducia: Option<i32>,
    /// The response's record key (uniform in `0..2³²`, fixed at storage; see
    /// [`crate::perturb`]).
    pub record_key: i64,
}

/// One choice count to add: a rollup row's key, the question, the option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceIncrement {
    /// The rollup row.
    pub key: RollupKey,
    /// `esito`, `difficolta` or `aspetti-positivi`.
    pub question: &'static str,
    /// The option chosen.
    pub option: String,
    /// How many chose it.
    pub count: i64,
    /// The sum of their record keys.
    pub key_sum: i64,
}

/// The counts of some responses, per rollup row they touch.
#[derive(Debug, Default)]
pub struct Increments {
    rows: BTreeMap<RollupKey, Sums>,
    choices: BTreeMap<(RollupKey, &'static str, String), (i64, i64)>,
}

/// The follow-up question that a rating showed in this questionnaire version, if any.
pub fn reason_question(
    catalog: &'static Catalog,
    questionnaire_id: &str,
    version: i32,
    rating: Option<i32>,
) -> Option<&'static str> {
    let rating = u8::try_from(rating?).ok()?;
    let questionnaire = catalog
        .get(questionnaire_id, u32::try_from(version).ok()?)
        .ok()?;
    questionnaire
        .questions
        .iter()
        .filter(|q| q.indicator.as_deref() == Some(Indicator::Motivi.code()))
        .find(|q| {
            q.shown_if
                .as_ref()
                .is_some_and(|c| (c.min..=c.max).contains(&rating))
        })
        .map(|q| q.id.as_str())
}

impl Increments {
    /// Counts one response, in its day's and its month's rows.
    pub fn add(&mut self, catalog: &'static Catalog, r: &Counted) {
        let day = r.received_at.get(..10).unwrap_or(&r.received_at);
        let month = day.get(..7).unwrap_or(day);
        let reason = r.motivo.as_ref().and_then(|m| {
            reason_question(
                catalog,
                &r.questionnaire_id,
                r.questionnaire_version,
                r.valutazione,
            )
            .map(|q| (q, m.clone()))
        });
        // Day rows keep the channel and `verified`; month rows sum over them (a monthly figure
        // for one channel is read from the day rows).
        for (grain, period, channel, verified) in [
            (Grain::Day, day, r.channel.as_str(), r.verified),
            (Grain::Month, month, "", false),
        ] {
            let key = RollupKey {
                grain,
                period: period.to_owned(),
                service_id: r.service_id.clone(),
                questionnaire_id: r.questionnaire_id.clone(),
                channel: channel.to_owned(),
                verified,
            };
            let sums = self.rows.entry(key.clone()).or_default();
            sums.count_response(r.record_key);
            for (column, value) in [
                (IndicatorColumn::Valutazione, r.valutazione),
                (IndicatorColumn::Soddisfazione, r.soddisfazione),
                (IndicatorColumn::Fiducia, r.fiducia),
            ] {
                if let (Some(v), Some(scale)) = (value, sums.scale_mut(column)) {
                    scale.record(i64::from(v), r.record_key);
                }
            }
            if let Some(esito) = &r.esito {
                let c = self
                    .choices
                    .entry((key.clone(), "esito", esito.clone()))
                    .or_default();
                *c = (c.0 + 1, c.1 + r.record_key);
            }
            if let Some((question, option)) = &reason {
                let c = self
                    .choices
                    .entry((key, question, option.clone()))
                    .or_default();
                *c = (c.0 + 1, c.1 + r.record_key);
            }
        }
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows to add, in key order (so that two writers lock rows in the same order).
    pub fn into_rows(self) -> (Vec<(RollupKey, Sums)>, Vec<ChoiceIncrement>) {
        let choices = self
            .choices
            .into_iter()
            .map(
                |((key, question, option), (count, key_sum))| ChoiceIncrement {
                    key,
                    question,
                    option,
                    count,
                    key_sum,
                },
            )
            .collect();
        (self.rows.into_iter().collect(), choices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_counts_in_its_day_by_channel_and_in_its_month_over_channels() -> anyhow::Result<()>
    {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut increments = Increments::default();
        let response = Counted {
            service_id: "inps-naspi".into(),
            questionnaire_id: "facilita-servizio".into(),
            questionnaire_version: 1,
            received_at: "2026-10-03T10:00:00Z".into(),
            channel: "qr".into(),
            verified: true,
            valutazione: Some(2),
            esito: Some("si".into()),
            record_key: 40,
            ..Counted::default()
        };
        increments.add(catalog, &response);
        increments.add(catalog, &response);
        let (rows, choices) = increments.into_rows();
        let keys: Vec<(Grain, &str, &str, bool)> = rows
            .iter()
            .map(|(k, _)| (k.grain, k.period.as_str(), k.channel.as_str(), k.verified))
            .collect();
        assert_eq!(
            keys,
            [
                (Grain::Day, "2026-10-03", "qr", true),
                (Grain::Month, "2026-10", "", false)
            ]
        );
        let rating = rows[1].1.scale(IndicatorColumn::Valutazione);
        assert_eq!((rows[1].1.responses, rating.n, rating.sumsq), (2, 2, 8));
        assert_eq!((rows[1].1.responses_key, rating.key_of(1..2)), (80, 80));
        assert_eq!(choices.len(), 2);
        assert!(
            choices
                .iter()
                .all(|c| c.question == "esito" && c.count == 2 && c.key_sum == 80)
        );
        Ok(())
    }
}
