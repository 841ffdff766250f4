//! The pure answer of a statistics query: rollup sums read by the collector (per period ×
//! questionnaire × group, the selection's total, and the national references a comparison
//! subtracts from) folded into cells, each published with the estimators of
//! [`crate::estimators`] under the disclosure control of [`crate::disclosure`]. No database:
//! it is tested on hand-made rows.
//!
//! One table per period × indicator: the cells of the groups are its parts and the selection's
//! total (in `totals`) their sum, so complementary suppression runs on each such table as
//! published. A cell of a service or a body carries the national figure of the same kind
//! *excluding the body itself* (the sum of the other bodies' rollups, read in one query grouped
//! by service kind, body kind and body), and the test of the difference. The indicators are
//! defined in [Indicators](../../../docs/methods.md#indicators), the comparisons in
//! [Comparing with the national figure](../../../docs/methods.md#comparing-with-the-national-figure).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use voce_shared::{Catalog, Indicator, IndicatorColumn};

use crate::disclosure::{CellStatus, Table, Threshold};
use crate::estimators::{
    Comparison, Interval, mean_ci95, share_ci95, two_proportion_z_test, welch_t_test,
};
use crate::period::{Granularity, Period, day_text};
use crate::query::{Grouping, Plan};
use crate::sums::{Scale, Sums};

/// The sums of a selection for one period × questionnaire × group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SumRow {
    /// The rollup period (`YYYY-MM-DD` or `YYYY-MM`).
    pub period: String,
    /// The group's code (service id, IPA code, kind, `service_kind|body_kind|body` for
    /// references); empty for the whole selection.
    pub group: String,
    /// The questionnaire answered (it names the indicator of the rating).
    pub questionnaire_id: String,
    /// The sums.
    pub sums: Sums,
}

/// The choice counts of a selection for one period × questionnaire × group × option.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChoiceCount {
    /// The rollup period.
    pub period: String,
    /// The group's code, as in [`SumRow::group`].
    pub group: String,
    /// `esito`, `difficolta` or `aspetti-positivi`.
    pub question: String,
    /// The option chosen.
    pub option: String,
    /// How many chose it.
    pub count: i64,
}

/// Tickets issued per period × group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketCount {
    /// The day or month.
    pub period: String,
    /// The group's code.
    pub group: String,
    /// Tickets issued.
    pub tickets: i64,
}

/// The rollup rows an answer is built from.
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    /// Per period × questionnaire × group.
    pub rows: Vec<SumRow>,
    /// Choice counts, the same way.
    pub choices: Vec<ChoiceCount>,
    /// The selection's total per period × questionnaire.
    pub total_rows: Vec<SumRow>,
    /// Its choice counts.
    pub total_choices: Vec<ChoiceCount>,
    /// Tickets per period × group (none when the selection splits by channel).
    pub tickets: Option<Vec<TicketCount>>,
    /// Tickets of the selection's total per period.
    pub total_tickets: Option<Vec<TicketCount>>,
    /// For comparisons: the national rows (no service, body or kind filter) per period ×
    /// questionnaire × `service_kind|body_kind|body`.
    pub reference_rows: Vec<SumRow>,
    /// Their choice counts.
    pub reference_choices: Vec<ChoiceCount>,
}

/// What the registry says of a group, for labels and comparisons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupFacts {
    /// The service's or body's name.
    pub name: String,
    /// The service's kind, for a service.
    pub service_kind: Option<String>,
    /// The body's kind.
    pub body_kind: Option<String>,
    /// The body's IPA code, for a service.
    pub body: Option<String>,
}

/// The registry as the answer reads it: the facts of a service or of a body by code.
pub trait Directory {
    /// A service's facts (its name, kind, body and body kind).
    fn service(&self, id: &str) -> Option<GroupFacts>;
    /// A body's facts (its name and kind).
    fn body(&self, ipa_code: &str) -> Option<GroupFacts>;
}

/// Everything counted for one group in one period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Counts {
    responses: i64,
    tickets: Option<i64>,
    /// By indicator: `chiarezza`, `facilita`, `soddisfazione`, `fiducia`.
    scales: BTreeMap<Indicator, Scale>,
    /// By (question, option): `esito`, `difficolta`, `aspetti-positivi`.
    choices: BTreeMap<(String, String), i64>,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.responses += o.responses;
        for (k, v) in &o.scales {
            self.scales.entry(*k).or_default().add(v);
        }
        for (k, v) in &o.choices {
            *self.choices.entry(k.clone()).or_default() += v;
        }
    }

    fn choice_total(&self, question: &str) -> i64 {
        self.choices
            .iter()
            .filter(|((q, _), _)| q == question)
            .map(|(_, c)| c)
            .sum()
    }

    /// The `n` of an indicator's cell: answers to it (respondents shown a follow-up, for
    /// `motivi`).
    fn n(&self, indicator: Indicator) -> i64 {
        match indicator.column() {
            IndicatorColumn::Esito => self.choice_total("esito"),
            IndicatorColumn::Motivo => {
                self.scales.get(&Indicator::Chiarezza).map_or(0, |s| s.n)
                    + self.scales.get(&Indicator::Facilita).map_or(0, |s| s.n)
            }
            _ => self.scales.get(&indicator).map_or(0, |s| s.n),
        }
    }
}

/// The indicator of `valutazione` in each questionnaire (`chiarezza` or `facilita`).
fn rating_indicator(catalog: &Catalog, questionnaire_id: &str) -> Indicator {
    catalog
        .latest(questionnaire_id)
        .ok()
        .and_then(|q| {
            q.indicator_sources()
                .find(|s| s.indicator.column() == IndicatorColumn::Valutazione)
                .map(|s| s.indicator)
        })
        .unwrap_or(Indicator::Facilita)
}

/// Folds rows into counts per (output period, group code).
fn fold(
    catalog: &Catalog,
    granularity: Granularity,
    rows: &[SumRow],
    choices: &[ChoiceCount],
    tickets: Option<&[TicketCount]>,
) -> BTreeMap<(String, String), Counts> {
    let mut out: BTreeMap<(String, String), Counts> = BTreeMap::new();
    let mut indicators: HashMap<&str, Indicator> = HashMap::new();
    let mut periods: HashMap<String, String> = HashMap::new();
    let mut period = |p: &str| -> String {
        if let Some(known) = periods.get(p) {
            return known.clone();
        }
        let out = output_period(granularity, p);
        periods.insert(p.to_owned(), out.clone());
        out
    };
    for r in rows {
        let rating = *indicators
            .entry(r.questionnaire_id.as_str())
            .or_insert_with(|| rating_indicator(catalog, &r.questionnaire_id));
        let c = out.entry((period(&r.period), r.group.clone())).or_default();
        c.responses += r.sums.responses;
        for (indicator, column) in [
            (rating, IndicatorColumn::Valutazione),
            (Indicator::Soddisfazione, IndicatorColumn::Soddisfazione),
            (Indicator::Fiducia, IndicatorColumn::Fiducia),
        ] {
            c.scales
                .entry(indicator)
                .or_default()
                .add(&r.sums.scale(column));
        }
    }
    for ch in choices {
        let c = out
            .entry((period(&ch.period), ch.group.clone()))
            .or_default();
        *c.choices
            .entry((ch.question.clone(), ch.option.clone()))
            .or_default() += ch.count;
    }
    if let Some(tickets) = tickets {
        for t in tickets {
            // Tickets of a period with no response make no cell.
            if let Some(c) = out.get_mut(&(period(&t.period), t.group.clone())) {
                *c.tickets.get_or_insert(0) += t.tickets;
            }
        }
        for c in out.values_mut() {
            c.tickets.get_or_insert(0);
        }
    }
    out
}

/// The output period of a rollup period (`YYYY-MM-DD` or `YYYY-MM`).
fn output_period(granularity: Granularity, period: &str) -> String {
    Period::of_rollup(granularity, period).map_or_else(|| period.to_owned(), |p| p.to_string())
}

/// Which group a cell belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRef {
    /// `national`, `service`, `body`, `service-kind` or `body-kind`; `total` for the selection's
    /// total.
    pub grouping: String,
    /// The group's code: service id, IPA code or kind code; empty for national and total.
    pub code: String,
    /// The service's or body's name, when the group is one.
    pub name: Option<String>,
    /// The service's kind, for a service.
    pub service_kind: Option<String>,
    /// The body's kind, for a service or a body.
    pub body_kind: Option<String>,
    /// The body's IPA code, for a service.
    pub body: Option<String>,
}

/// A share with its 95% Wilson interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionShare {
    /// The follow-up question (`esito`, `difficolta`, `aspetti-positivi`).
    pub question: String,
    /// The option.
    pub option: String,
    /// How many chose it.
    pub count: u64,
    /// Of how many (who answered `esito`; who were shown this follow-up, for reasons).
    pub of: u64,
    /// `count / of`.
    pub share: f64,
    /// 95% Wilson score interval.
    pub ci95: Interval,
}

/// A cell compared with the national figure of the same kind, excluding its own body.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellComparison {
    /// `service-kind` (the same kind of service in every other body), `service-kind-and-body-kind`
    /// (the same kind of service in other bodies of the same kind) or `body-kind` (other bodies
    /// of the same kind, for a body's cell).
    pub reference: String,
    /// The reference's kind of service, if it is one.
    pub service_kind: Option<String>,
    /// The reference's kind of body, if it is one.
    pub body_kind: Option<String>,
    /// The body left out of the reference.
    pub excluding_body: String,
    /// Answers in the reference.
    pub n: u64,
    /// The reference's mean (rating and scale indicators).
    pub mean: Option<f64>,
    /// The reference's top-box share (rating and scale indicators) or share of `si` (`esito`).
    pub share: Option<f64>,
    /// Welch's t-test of the means (`test: welch-t`).
    pub mean_test: Option<Comparison>,
    /// The two-proportion z-test of the top-box shares or of `esito = si`
    /// (`test: two-proportion-z`).
    pub share_test: Option<Comparison>,
}

/// One published cell: a group, a period, an indicator. A suppressed cell carries no figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cell {
    /// The period, in SDMX form (`2026-10-03`, `2026-W40`, `2026-10`, `2026-Q4`, `2026`).
    pub period: String,
    /// The group.
    pub group: GroupRef,
    /// `chiarezza`, `facilita`, `soddisfazione`, `fiducia`, `esito` or `motivi`.
    pub indicator: String,
    /// Whether the figures are withheld (disclosure control).
    pub suppressed: bool,
    /// `published`, `primary` (fewer than k answers) or `complementary` (withheld so that
    /// another suppressed cell cannot be recovered by subtraction).
    pub status: CellStatus,
    /// Answers to the indicator; absent when suppressed.
    pub n: Option<u64>,
    /// For a primary-suppressed cell: `n` is below this `k`.
    pub n_below: Option<u64>,
    /// Responses of the group in the period; absent when suppressed.
    pub responses: Option<u64>,
    /// Tickets issued to the group in the period (absent when suppressed or split by channel:
    /// tickets are not).
    pub tickets: Option<u64>,
    /// `responses / tickets` (no interval: tickets are not a sample).
    pub response_rate: Option<f64>,
    /// The mean (1–5).
    pub mean: Option<f64>,
    /// The sample standard deviation.
    pub sd: Option<f64>,
    /// The 95% t-interval of the mean, clamped to [1, 5].
    pub ci95: Option<Interval>,
    /// Whether `ci95` was clamped.
    pub ci95_clamped: bool,
    /// The share of 4 and 5.
    pub top_box: Option<f64>,
    /// Its 95% Wilson interval.
    pub top_box_ci95: Option<Interval>,
    /// Counts of 1, 2, 3, 4, 5.
    pub distribution: Option<Vec<u64>>,
    /// `esito`: the share of each option; `motivi`: the share of each reason among those shown
    /// its follow-up.
    pub shares: Vec<OptionShare>,
    /// The national figure of the same kind without the body, and the test of the difference.
    pub comparison: Option<CellComparison>,
    /// The same, restricted to bodies of the same kind (when that reference is not suppressed).
    pub comparison_same_body_kind: Option<CellComparison>,
}

/// The answer of `GET /v1/stats`, echoing the filters `F` it was asked with.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsAnswer<F> {
    /// The cells' period.
    pub granularity: Granularity,
    /// The cells' groups.
    pub group_by: Grouping,
    /// First day covered (the start of the first period).
    pub from: String,
    /// Last day covered (the end of the last period).
    pub to: String,
    /// The disclosure threshold: cells with fewer answers are suppressed.
    pub k: u64,
    /// The filters applied, as asked (a `body` operator's own body filled in).
    pub filters: F,
    /// How to read the figures: the methods, the tests, the multiple-comparison caveat.
    pub notes: Vec<String>,
    /// The cells, by period, group, indicator.
    pub cells: Vec<Cell>,
    /// The selection's total per period and indicator (the sum of the cells of each table);
    /// empty when the grouping is national (the cells are the totals).
    pub totals: Vec<Cell>,
}

/// The indicators in output order.
const INDICATORS: [Indicator; 6] = [
    Indicator::Chiarezza,
    Indicator::Facilita,
    Indicator::Soddisfazione,
    Indicator::Fiducia,
    Indicator::Esito,
    Indicator::Motivi,
];

/// The registry facts of a group code, for labels and comparisons.
fn group_ref(registry: &impl Directory, grouping: Grouping, code: &str) -> GroupRef {
    let mut g = GroupRef {
        grouping: grouping.code().to_owned(),
        code: code.to_owned(),
        name: None,
        service_kind: None,
        body_kind: None,
        body: None,
    };
    let facts = match grouping {
        Grouping::Service => registry.service(code),
        Grouping::Body => registry.body(code),
        Grouping::ServiceKind => {
            g.service_kind = Some(code.to_owned());
            None
        }
        Grouping::BodyKind => {
            g.body_kind = Some(code.to_owned());
            None
        }
        Grouping::National => {
            g.code = String::new();
            None
        }
    };
    if let Some(f) = facts {
        g.name = Some(f.name);
        g.service_kind = f.service_kind;
        g.body_kind = f.body_kind;
        g.body = f.body;
    }
    g
}

/// The figures of a published cell (everything but status and comparisons).
fn fill(cell: &mut Cell, indicator: Indicator, c: &Counts) {
    let n = c.n(indicator);
    cell.n = u64::try_from(n).ok();
    cell.responses = u64::try_from(c.responses).ok();
    cell.tickets = c.tickets.and_then(|t| u64::try_from(t).ok());
    cell.response_rate = c
        .tickets
        .filter(|t| *t > 0)
        .map(|t| c.responses as f64 / t as f64);
    match indicator.column() {
        IndicatorColumn::Esito => {
            cell.shares = shares(c, "esito", u64::try_from(n).unwrap_or(0));
        }
        IndicatorColumn::Motivo => {
            // Those shown each follow-up: ratings 1–3 (difficolta) and 4–5 (aspetti-positivi).
            let ratings = |range: std::ops::Range<usize>| -> u64 {
                [Indicator::Chiarezza, Indicator::Facilita]
                    .iter()
                    .filter_map(|i| c.scales.get(i))
                    .map(|s| s.hist[range.clone()].iter().sum::<i64>())
                    .sum::<i64>()
                    .try_into()
                    .unwrap_or(0)
            };
            let mut all = shares(c, "difficolta", ratings(0..3));
            all.extend(shares(c, "aspetti-positivi", ratings(3..5)));
            cell.shares = all;
        }
        _ => {
            let scale = c.scales.get(&indicator).copied().unwrap_or_default();
            if let Some(m) = mean_ci95(&scale.moments()) {
                cell.mean = Some(m.mean);
                cell.sd = m.sd;
                cell.ci95 = m.ci95;
                cell.ci95_clamped = m.ci95_clamped;
            }
            if let Some(s) = share_ci95(scale.top_box(), u64::try_from(scale.n).unwrap_or(0)) {
                cell.top_box = Some(s.share);
                cell.top_box_ci95 = Some(s.ci95);
            }
            cell.distribution = Some(
                scale
                    .hist
                    .iter()
                    .map(|h| u64::try_from(*h).unwrap_or(0))
                    .collect(),
            );
        }
    }
}

fn shares(c: &Counts, question: &str, of: u64) -> Vec<OptionShare> {
    c.choices
        .iter()
        .filter(|((q, _), _)| q == question)
        .filter_map(|((q, option), count)| {
            let count = u64::try_from(*count).ok()?;
            let s = share_ci95(count, of)?;
            Some(OptionShare {
                question: q.clone(),
                option: option.clone(),
                count,
                of,
                share: s.share,
                ci95: s.ci95,
            })
        })
        .collect()
}

/// The comparison of a published cell with a reference (already excluding the body).
fn compare(
    indicator: Indicator,
    subject: &Counts,
    reference: &Counts,
    k: Threshold,
    label: (&str, Option<&str>, Option<&str>, &str),
) -> Option<CellComparison> {
    let n = reference.n(indicator);
    if n < i64::try_from(k.get()).unwrap_or(i64::MAX) {
        return None;
    }
    let mut out = CellComparison {
        reference: label.0.to_owned(),
        service_kind: label.1.map(str::to_owned),
        body_kind: label.2.map(str::to_owned),
        excluding_body: label.3.to_owned(),
        n: u64::try_from(n).unwrap_or(0),
        mean: None,
        share: None,
        mean_test: None,
        share_test: None,
    };
    let u = |x: i64| u64::try_from(x).unwrap_or(0);
    match indicator.column() {
        IndicatorColumn::Motivo => return None,
        IndicatorColumn::Esito => {
            let si = |c: &Counts| {
                u(c.choices
                    .get(&("esito".to_owned(), "si".to_owned()))
                    .copied()
                    .unwrap_or(0))
            };
            let (x1, n1, x2, n2) = (si(subject), u(subject.n(indicator)), si(reference), u(n));
            out.share = Some(x2 as f64 / n2 as f64);
            out.share_test = two_proportion_z_test(x1, n1, x2, n2);
        }
        _ => {
            let (a, b) = (
                subject.scales.get(&indicator).copied().unwrap_or_default(),
                reference
                    .scales
                    .get(&indicator)
                    .copied()
                    .unwrap_or_default(),
            );
            out.mean = b.moments().mean();
            out.share = Some(b.top_box() as f64 / b.n as f64);
            out.mean_test = welch_t_test(&a.moments(), &b.moments());
            out.share_test = two_proportion_z_test(a.top_box(), u(a.n), b.top_box(), u(b.n));
        }
    }
    Some(out)
}

/// References per output period, keyed by `service_kind|body_kind|body`.
type References = BTreeMap<(String, String), Counts>;

/// The sum of the reference counts of `period` whose key matches, minus those of `body`.
fn reference(
    refs: &References,
    period: &str,
    service_kind: Option<&str>,
    body_kind: Option<&str>,
    body: &str,
) -> Counts {
    let mut total = Counts::default();
    for ((p, key), counts) in refs.range((period.to_owned(), String::new())..) {
        if p != period {
            break;
        }
        let mut parts = key.splitn(3, '|');
        let (sk, bk, b) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        if service_kind.is_some_and(|x| x != sk) || body_kind.is_some_and(|x| x != bk) {
            continue;
        }
        if b == body {
            continue;
        }
        total.add(counts);
    }
    total
}

/// The notes every answer carries.
fn notes(k: Threshold, comparisons: usize) -> Vec<String> {
    let mut notes = vec![
        format!(
            "Cells with fewer than {} answers are suppressed (primary); further cells are \
             suppressed so that none can be recovered by subtraction from a total (complementary).",
            k.get()
        ),
        "Means carry a 95% Student t-interval clamped to the 1–5 scale; shares a 95% Wilson \
         score interval; the response rate (responses ÷ tickets issued) has no interval."
            .into(),
    ];
    if comparisons > 0 {
        notes.push(format!(
            "{comparisons} comparisons with the national figure of the same kind (excluding the \
             body itself): Welch's t-test for means, the two-proportion z-test for shares, each \
             at 95% without correction for multiple comparisons, so about one in twenty may be \
             flagged by chance."
        ));
    }
    notes
}

/// Builds the answer from fetched rows: pure (no database), so it is tested on hand-made rows.
pub fn answer<F>(
    catalog: &Catalog,
    registry: &impl Directory,
    plan: &Plan,
    filters: F,
    fetched: &Fetched,
    k: Threshold,
) -> StatsAnswer<F> {
    let g = plan.granularity;
    let groups = fold(
        catalog,
        g,
        &fetched.rows,
        &fetched.choices,
        fetched.tickets.as_deref(),
    );
    let national = plan.grouping == Grouping::National;
    let totals = if national {
        BTreeMap::new()
    } else {
        fold(
            catalog,
            g,
            &fetched.total_rows,
            &fetched.total_choices,
            fetched.total_tickets.as_deref(),
        )
    };
    let refs: References = fold(
        catalog,
        g,
        &fetched.reference_rows,
        &fetched.reference_choices,
        None,
    );
    let wanted = |i: &Indicator| plan.indicator.is_none_or(|w| w == *i);
    let mut cells = Vec::new();
    let mut total_cells = Vec::new();
    let mut comparisons = 0;
    // Periods in order, then each table (period × indicator) protected as published.
    let periods: BTreeSet<&String> = groups.keys().map(|(p, _)| p).collect();
    for period in periods {
        let members: Vec<(&String, &Counts)> = groups
            .range((period.clone(), String::new())..)
            .take_while(|((p, _), _)| p == period)
            .map(|((_, code), c)| (code, c))
            .collect();
        let total = totals.get(&(period.clone(), String::new()));
        for indicator in INDICATORS.iter().filter(|i| wanted(i)) {
            let present: Vec<&(&String, &Counts)> = members
                .iter()
                .filter(|(_, c)| c.n(*indicator) > 0)
                .collect();
            if present.is_empty() {
                continue;
            }
            let mut table = Table::new();
            let ids: Vec<_> = present
                .iter()
                .map(|(_, c)| table.add_cell(u64::try_from(c.n(*indicator)).unwrap_or(0)))
                .collect();
            let total_id = total.filter(|t| t.n(*indicator) > 0).map(|t| {
                let id = table.add_cell(u64::try_from(t.n(*indicator)).unwrap_or(0));
                // The total is the sum of the parts (a partition of the selection).
                let _ = table.add_sum(id, ids.iter().copied());
                id
            });
            let protection = table.protect(k);
            for ((code, counts), id) in present.iter().zip(&ids) {
                let status = protection.status(*id);
                let group = group_ref(registry, plan.grouping, code);
                let mut cell = blank(period, group, *indicator, status, k);
                if !status.is_suppressed() {
                    fill(&mut cell, *indicator, counts);
                    if let Some(body) = cell.group.body.clone().or_else(|| {
                        (plan.grouping == Grouping::Body).then(|| cell.group.code.clone())
                    }) {
                        let sk = cell.group.service_kind.clone();
                        let bk = cell.group.body_kind.clone();
                        let (first, second) = if plan.grouping == Grouping::Service {
                            (
                                compare(
                                    *indicator,
                                    counts,
                                    &reference(&refs, period, sk.as_deref(), None, &body),
                                    k,
                                    ("service-kind", sk.as_deref(), None, &body),
                                ),
                                compare(
                                    *indicator,
                                    counts,
                                    &reference(&refs, period, sk.as_deref(), bk.as_deref(), &body),
                                    k,
                                    (
                                        "service-kind-and-body-kind",
                                        sk.as_deref(),
                                        bk.as_deref(),
                                        &body,
                                    ),
                                ),
                            )
                        } else {
                            (
                                compare(
                                    *indicator,
                                    counts,
                                    &reference(&refs, period, None, bk.as_deref(), &body),
                                    k,
                                    ("body-kind", None, bk.as_deref(), &body),
                                ),
                                None,
                            )
                        };
                        comparisons += usize::from(first.is_some()) + usize::from(second.is_some());
                        cell.comparison = first;
                        cell.comparison_same_body_kind = second;
                    }
                }
                cells.push(cell);
            }
            if let (Some(id), Some(t)) = (total_id, total) {
                let status = protection.status(id);
                let group = GroupRef {
                    grouping: "total".into(),
                    code: String::new(),
                    name: None,
                    service_kind: None,
                    body_kind: None,
                    body: None,
                };
                let mut cell = blank(period, group, *indicator, status, k);
                if !status.is_suppressed() {
                    fill(&mut cell, *indicator, t);
                }
                total_cells.push(cell);
            }
        }
    }
    StatsAnswer {
        granularity: g,
        group_by: plan.grouping,
        from: day_text(plan.from),
        to: day_text(plan.to),
        k: k.get(),
        filters,
        notes: notes(k, comparisons),
        cells,
        totals: total_cells,
    }
}

fn blank(
    period: &str,
    group: GroupRef,
    indicator: Indicator,
    status: CellStatus,
    k: Threshold,
) -> Cell {
    Cell {
        period: period.to_owned(),
        group,
        indicator: indicator.code().to_owned(),
        suppressed: status.is_suppressed(),
        status,
        n: None,
        n_below: (status == CellStatus::Primary).then_some(k.get()),
        responses: None,
        tickets: None,
        response_rate: None,
        mean: None,
        sd: None,
        ci95: None,
        ci95_clamped: false,
        top_box: None,
        top_box_ci95: None,
        distribution: None,
        shares: Vec::new(),
        comparison: None,
        comparison_same_body_kind: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollups::Grain;
    use time::{Date, Month};

    /// No registry: groups are shown by code.
    struct NoRegistry;

    impl Directory for NoRegistry {
        fn service(&self, _: &str) -> Option<GroupFacts> {
            None
        }
        fn body(&self, _: &str) -> Option<GroupFacts> {
            None
        }
    }

    /// A month row of `facilita-servizio` for group `code` with histogram `hist` of the rating.
    fn row(code: &str, hist: [i64; 5]) -> SumRow {
        let mut sums = Sums::default();
        if let Some(scale) = sums.scale_mut(IndicatorColumn::Valutazione) {
            for (value, count) in (1..).zip(hist) {
                for _ in 0..count {
                    scale.record(value);
                }
            }
            sums.responses = scale.n;
        }
        SumRow {
            period: "2026-10".into(),
            group: code.into(),
            questionnaire_id: "facilita-servizio".into(),
            sums,
        }
    }

    fn plan_of(grouping: Grouping) -> Plan {
        let october = Date::from_calendar_date(2026, Month::October, 1).unwrap_or(Date::MIN);
        Plan {
            granularity: Granularity::Month,
            grouping,
            indicator: Some(Indicator::Facilita),
            from: october,
            to: Granularity::Month.end_of(october),
            grain: Grain::Month,
            first: "2026-10".into(),
            last: "2026-10".into(),
        }
    }

    #[test]
    fn a_body_with_one_small_service_gets_a_second_one_suppressed_and_the_figures_of_the_rest_are_exact()
    -> anyhow::Result<()> {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        // a: 50 ratings, ten 3s, twenty 4s, twenty 5s: mean (30 + 80 + 100) / 50 = 4.2, top box
        // 40/50 = 0.8. b: 40 ratings. c: 3 ratings, below k = 10.
        let (a, b, c) = (
            row("a", [0, 0, 10, 20, 20]),
            row("b", [5, 5, 10, 10, 10]),
            row("c", [1, 1, 1, 0, 0]),
        );
        let mut total = a.clone();
        total.sums.add(&b.sums);
        total.sums.add(&c.sums);
        total.group = String::new();
        let fetched = Fetched {
            rows: vec![a, b, c],
            total_rows: vec![total],
            ..Fetched::default()
        };
        let answer = answer(
            catalog,
            &NoRegistry,
            &plan_of(Grouping::Service),
            (),
            &fetched,
            Threshold::DEFAULT,
        );
        let status: Vec<(&str, CellStatus)> = answer
            .cells
            .iter()
            .map(|c| (c.group.code.as_str(), c.status))
            .collect();
        assert_eq!(
            status,
            [
                ("a", CellStatus::Published),
                ("b", CellStatus::Complementary),
                ("c", CellStatus::Primary),
            ]
        );
        let a = &answer.cells[0];
        assert_eq!(a.n, Some(50));
        assert!((a.mean.unwrap_or_default() - 4.2).abs() < 1e-12);
        assert!((a.top_box.unwrap_or_default() - 0.8).abs() < 1e-12);
        assert_eq!(a.distribution, Some(vec![0, 0, 10, 20, 20]));
        for hidden in &answer.cells[1..] {
            assert!(hidden.suppressed);
            assert_eq!(
                (
                    hidden.n,
                    hidden.mean,
                    hidden.ci95,
                    hidden.top_box,
                    &hidden.distribution
                ),
                (None, None, None, None, &None)
            );
        }
        assert_eq!(answer.cells[2].n_below, Some(10));
        assert_eq!(
            answer.cells[1].n_below, None,
            "a complementary cell says nothing of n"
        );
        // The total (93) is published: b and c together (43) cannot be split.
        assert_eq!(answer.totals.len(), 1);
        assert_eq!(answer.totals[0].n, Some(93));
        Ok(())
    }
}
