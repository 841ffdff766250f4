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

use crate::disclosure::{CellId, CellStatus, Table, Threshold};
use crate::estimators::{
    Comparison, Interval, Moments, mean_ci95_with, share_ci95, two_proportion_z_test, welch_t_test,
};
use crate::period::{Granularity, Period, day_text};
use crate::perturb::{CellKey, Magnitude, PTABLE, PerturbationNote};
use crate::query::{Grouping, Plan, Scoped};
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
    /// The sum of their record keys.
    pub key_sum: i64,
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
    /// The sum of their record keys (each ticket draws one when it is counted).
    pub key_sum: i64,
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
    /// The groups the selection covers in the registry, each with the indicators it is asked:
    /// every one gets a cell for every period, empty or not (so that a missing cell says
    /// nothing). `None` (hand-made rows in tests): the groups that have rows.
    pub scope: Option<Vec<Scoped>>,
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

/// Everything counted for one group in one period, with the key sums of the cell key method.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Counts {
    responses: i64,
    responses_key: i64,
    tickets: Option<i64>,
    tickets_key: i64,
    /// By indicator: `chiarezza`, `facilita`, `soddisfazione`, `fiducia`.
    scales: BTreeMap<Indicator, Scale>,
    /// By (question, option): `esito`, `difficolta`, `aspetti-positivi`: count and key sum.
    choices: BTreeMap<(String, String), (i64, i64)>,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.responses += o.responses;
        self.responses_key += o.responses_key;
        for (k, v) in &o.scales {
            self.scales.entry(*k).or_default().add(v);
        }
        for (k, (count, key)) in &o.choices {
            let c = self.choices.entry(k.clone()).or_default();
            *c = (c.0 + count, c.1 + key);
        }
    }

    /// The count and key sum of the answers to `question`.
    fn choice_total(&self, question: &str) -> (i64, i64) {
        self.choices
            .iter()
            .filter(|((q, _), _)| q == question)
            .fold((0, 0), |(n, key), (_, (c, k))| (n + c, key + k))
    }

    /// The count and key sum of the ratings (either rating indicator) in `bars` (0-based).
    fn ratings(&self, bars: std::ops::Range<usize>) -> (i64, i64) {
        [Indicator::Chiarezza, Indicator::Facilita]
            .iter()
            .filter_map(|i| self.scales.get(i))
            .fold((0, 0), |(n, key), s| {
                (
                    n + s.hist[bars.clone()].iter().sum::<i64>(),
                    key + s.key_of(bars.clone()),
                )
            })
    }

    /// The `n` of an indicator's cell — answers to it (respondents shown a follow-up, for
    /// `motivi`) — and the key sum of those answers.
    fn n_and_key(&self, indicator: Indicator) -> (i64, i64) {
        match indicator.column() {
            IndicatorColumn::Esito => self.choice_total("esito"),
            IndicatorColumn::Motivo => self.ratings(0..5),
            _ => self
                .scales
                .get(&indicator)
                .map_or((0, 0), |s| (s.n, s.key_of(0..5))),
        }
    }

    /// The `n` of an indicator's cell.
    fn n(&self, indicator: Indicator) -> i64 {
        self.n_and_key(indicator).0
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
        c.responses_key += r.sums.responses_key;
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
        let slot = c
            .choices
            .entry((ch.question.clone(), ch.option.clone()))
            .or_default();
        *slot = (slot.0 + ch.count, slot.1 + ch.key_sum);
    }
    if let Some(tickets) = tickets {
        for t in tickets {
            // Tickets of a period with no response make no cell.
            if let Some(c) = out.get_mut(&(period(&t.period), t.group.clone())) {
                *c.tickets.get_or_insert(0) += t.tickets;
                c.tickets_key += t.key_sum;
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
    /// `published`, `primary` (fewer than k answers; in a perturbed answer, a true or
    /// perturbed count below k) or `complementary` (withheld so that another suppressed cell
    /// cannot be recovered by subtraction; exact answers only).
    pub status: CellStatus,
    /// Whether the figures are perturbed (the cell key method: see the answer's
    /// `perturbation`).
    pub perturbed: bool,
    /// Answers to the indicator; absent when suppressed.
    pub n: Option<u64>,
    /// For a primary-suppressed cell: `n` is below this value (`k`, or `k + D` in a perturbed
    /// answer, where a cell is also suppressed when its perturbed count is below `k`).
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
    /// How the figures are perturbed; absent when they are exact (the national team, which
    /// may read every raw response).
    pub perturbation: Option<PerturbationNote>,
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

/// Who reads an answer, which decides whether its figures are perturbed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Istat's national team, which may read every raw response: exact figures, each table
    /// protected as published (primary and complementary suppression).
    National,
    /// A body reading its own figures (it may read its own raw responses): its own cells exact,
    /// the references to other bodies perturbed and made of at least
    /// [`MIN_REFERENCE_BODIES`] other bodies.
    OwnBody(String),
    /// Everyone else (analysts): every figure perturbed by the cell key method of
    /// [`crate::perturb`].
    Perturbed,
    /// An official release: exact figures, each cell's status decided once over the linked
    /// tables of the release ([`crate::release`]); a cell it does not name is withheld. No
    /// comparisons (a release publishes the reference cells themselves).
    Release(std::sync::Arc<crate::release::Statuses>),
}

impl Audience {
    fn exact_cells(&self) -> bool {
        !matches!(self, Audience::Perturbed)
    }

    fn exact_references(&self) -> bool {
        matches!(self, Audience::National)
    }
}

/// The true `n` of every cell of `plan` × each indicator its group is asked, empty cells
/// included: what a release protects ([`crate::release`]). Never published as such.
pub fn cell_counts(
    catalog: &Catalog,
    plan: &Plan,
    fetched: &Fetched,
) -> BTreeMap<(String, String, Indicator), u64> {
    let groups = fold(
        catalog,
        plan.granularity,
        &fetched.rows,
        &fetched.choices,
        None,
    );
    let scope = groups_of(fetched, &groups);
    let empty = Counts::default();
    let mut out = BTreeMap::new();
    for period in periods_of(plan) {
        for (code, asked) in &scope {
            let c = groups
                .get(&(period.clone(), code.clone()))
                .unwrap_or(&empty);
            for indicator in asked {
                let n = u64::try_from(c.n(*indicator)).unwrap_or(0);
                out.insert((period.clone(), code.clone(), *indicator), n);
            }
        }
    }
    out
}

/// The fewest other bodies a comparison reference may be made of, outside the national team's
/// exact view: a reference of one or two other bodies would be their own figures.
pub const MIN_REFERENCE_BODIES: usize = 3;

/// The figures published for one group, period and indicator: exact, or computed from perturbed
/// counts and magnitudes only.
#[derive(Clone, Debug, Default, PartialEq)]
struct Figures {
    /// The indicator's `n`.
    n: i64,
    responses: i64,
    tickets: Option<i64>,
    /// Mean, standard deviation, and the variance a perturbation adds to the mean.
    mean: Option<(f64, Option<f64>, f64)>,
    /// The bars 1–5 of a scale.
    hist: Option<[i64; 5]>,
    /// Answers of 4 or 5.
    top: i64,
    /// (question, option, count, of).
    options: Vec<(String, String, i64, i64)>,
}

/// The noise of a perturbed view: the table and the threshold.
#[derive(Clone, Copy)]
struct Noise {
    k: u64,
}

impl Noise {
    fn count(self, (n, key): (i64, i64)) -> i64 {
        PTABLE.count(n, CellKey::of(key), self.k)
    }
}

/// The figures of `c` for `indicator`: exact when `noise` is `None`.
fn figures(c: &Counts, indicator: Indicator, noise: Option<Noise>) -> Figures {
    let count = |nk: (i64, i64)| noise.map_or(nk.0, |z| z.count(nk));
    let (n_true, n_key) = c.n_and_key(indicator);
    let mut f = Figures {
        n: count((n_true, n_key)),
        responses: count((c.responses, c.responses_key)),
        tickets: c.tickets.map(|t| count((t, c.tickets_key))),
        ..Figures::default()
    };
    let option = |question: &str, of: i64, f: &mut Figures| {
        for ((q, o), (n, key)) in c.choices.iter().filter(|((q, _), _)| q == question) {
            f.options
                .push((q.clone(), o.clone(), count((*n, *key)), of));
        }
    };
    match indicator.column() {
        IndicatorColumn::Esito => option("esito", f.n, &mut f),
        IndicatorColumn::Motivo => {
            // Those shown each follow-up: ratings 1–3 (difficolta) and 4–5 (aspetti-positivi).
            option("difficolta", count(c.ratings(0..3)), &mut f);
            option("aspetti-positivi", count(c.ratings(3..5)), &mut f);
        }
        _ => {
            let scale = c.scales.get(&indicator).copied().unwrap_or_default();
            let moments = scale.moments();
            let key = CellKey::of(n_key);
            f.mean = moments.mean().map(|mean| match noise {
                None => (mean, moments.sd(), 0.0),
                Some(_) => (
                    (mean + PTABLE.shift(Magnitude::Mean, n_true, key)).clamp(1.0, 5.0),
                    moments
                        .sd()
                        .map(|sd| (sd + PTABLE.shift(Magnitude::Sd, n_true, key)).max(0.0)),
                    PTABLE.shift_variance(f.n as f64),
                ),
            });
            let mut hist = [0; 5];
            for (i, bar) in hist.iter_mut().enumerate() {
                *bar = count((scale.hist[i], scale.keys[i]));
            }
            f.hist = Some(hist);
            f.top = count((scale.hist[3] + scale.hist[4], scale.key_of(3..5)));
        }
    }
    f
}

/// The figures of a published cell (everything but status and comparisons).
fn fill(cell: &mut Cell, f: &Figures) {
    let u = |x: i64| u64::try_from(x).unwrap_or(0);
    cell.n = Some(u(f.n));
    cell.responses = Some(u(f.responses));
    cell.tickets = f.tickets.map(u);
    cell.response_rate = f
        .tickets
        .filter(|t| *t > 0)
        .map(|t| f.responses as f64 / t as f64);
    cell.shares = f
        .options
        .iter()
        .filter_map(|(question, option, count, of)| {
            // A perturbed count may exceed its perturbed total: the share is cut at 1.
            let (count, of) = (u(*count), u(*of));
            let s = share_ci95(count.min(of), of)?;
            Some(OptionShare {
                question: question.clone(),
                option: option.clone(),
                count,
                of,
                share: s.share,
                ci95: s.ci95,
            })
        })
        .collect();
    if let Some((mean, sd, extra)) = f.mean {
        let m = mean_ci95_with(u(f.n), mean, sd, extra);
        cell.mean = Some(m.mean);
        cell.sd = m.sd;
        cell.ci95 = m.ci95;
        cell.ci95_clamped = m.ci95_clamped;
        if let Some(s) = share_ci95(u(f.top).min(u(f.n)), u(f.n)) {
            cell.top_box = Some(s.share);
            cell.top_box_ci95 = Some(s.ci95);
        }
    }
    cell.distribution = f.hist.map(|h| h.iter().map(|x| u(*x)).collect());
}

/// The comparison of a published cell with a reference (already excluding the body).
fn compare(
    indicator: Indicator,
    subject: &Figures,
    reference: &Figures,
    k: Threshold,
    label: (&str, Option<&str>, Option<&str>, &str),
) -> Option<CellComparison> {
    let n = reference.n;
    if n < i64::try_from(k.get()).unwrap_or(i64::MAX) {
        return None;
    }
    let u = |x: i64| u64::try_from(x).unwrap_or(0);
    let mut out = CellComparison {
        reference: label.0.to_owned(),
        service_kind: label.1.map(str::to_owned),
        body_kind: label.2.map(str::to_owned),
        excluding_body: label.3.to_owned(),
        n: u(n),
        mean: None,
        share: None,
        mean_test: None,
        share_test: None,
    };
    match indicator.column() {
        IndicatorColumn::Motivo => return None,
        IndicatorColumn::Esito => {
            let si = |f: &Figures| {
                f.options
                    .iter()
                    .find(|(q, o, _, _)| q == "esito" && o == "si")
                    .map_or(0, |(_, _, c, _)| u(*c).min(u(f.n)))
            };
            let (x1, n1, x2, n2) = (si(subject), u(subject.n), si(reference), u(n));
            out.share = Some(x2 as f64 / n2 as f64);
            out.share_test = two_proportion_z_test(x1, n1, x2, n2);
        }
        _ => {
            let moments = |f: &Figures| {
                f.mean.map_or(Moments::EMPTY, |(mean, sd, _)| {
                    Moments::from_summary(u(f.n), mean, sd)
                })
            };
            let (a, b) = (moments(subject), moments(reference));
            out.mean = b.mean();
            out.share = Some(u(reference.top).min(u(n)) as f64 / n as f64);
            out.mean_test = welch_t_test(&a, &b);
            out.share_test = two_proportion_z_test(
                u(subject.top).min(u(subject.n)),
                u(subject.n),
                u(reference.top).min(u(n)),
                u(n),
            );
        }
    }
    Some(out)
}

/// References per output period, keyed by `service_kind|body_kind|body`.
type References = BTreeMap<(String, String), Counts>;

/// The sum of the reference counts of `period` whose key matches, minus those of `body`, and
/// how many other bodies answered `indicator` in it.
fn reference(
    refs: &References,
    period: &str,
    service_kind: Option<&str>,
    body_kind: Option<&str>,
    body: &str,
    indicator: Indicator,
) -> (Counts, usize) {
    let mut total = Counts::default();
    let mut bodies = BTreeSet::new();
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
        if counts.n(indicator) > 0 {
            bodies.insert(b);
        }
        total.add(counts);
    }
    (total, bodies.len())
}

/// The notes every answer carries.
fn notes(k: Threshold, comparisons: usize, perturbed: bool) -> Vec<String> {
    let mut notes = if perturbed {
        vec![
            format!(
                "Figures are perturbed by the cell key method (table {}): every count is within \
                 ±{} of the true count, a mean or standard deviation of n answers within ±{}/n, \
                 and the same cell always gets the same noise. Cells whose true or perturbed \
                 count is below {} are suppressed; empty cells are published as suppressed cells.",
                PTABLE.version,
                PTABLE.max_noise,
                PTABLE.magnitude_noise,
                k.get()
            ),
            "Means carry a 95% Student t-interval widened by the variance of the perturbation \
             and clamped to the 1–5 scale; shares a 95% Wilson score interval of the perturbed \
             counts; the response rate (responses ÷ tickets issued) has no interval."
                .into(),
        ]
    } else {
        vec![
            format!(
                "Exact figures. Cells with fewer than {} answers are suppressed (primary); further \
                 cells are suppressed so that none can be recovered by subtraction from a total \
                 (complementary).",
                k.get()
            ),
            "Means carry a 95% Student t-interval clamped to the 1–5 scale; shares a 95% Wilson \
             score interval; the response rate (responses ÷ tickets issued) has no interval."
                .into(),
        ]
    };
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

/// The periods of a plan, in SDMX form.
fn periods_of(plan: &Plan) -> Vec<String> {
    plan.granularity
        .period_of(plan.from)
        .through(plan.to)
        .map(|p| p.to_string())
        .collect()
}

/// The groups of an answer with the indicators each is asked: the scope the collector read
/// from its registry, or (without one) the groups that have rows.
fn groups_of(
    fetched: &Fetched,
    groups: &BTreeMap<(String, String), Counts>,
) -> Vec<(String, Vec<Indicator>)> {
    match &fetched.scope {
        Some(scope) => scope
            .iter()
            .map(|s| (s.code.clone(), s.indicators.clone()))
            .collect(),
        None => {
            let codes: BTreeSet<&String> = groups.keys().map(|(_, code)| code).collect();
            codes
                .into_iter()
                .map(|c| (c.clone(), INDICATORS.to_vec()))
                .collect()
        }
    }
}

/// Builds the answer from fetched rows: pure (no database), so it is tested on hand-made rows.
/// Every group of the scope gets a cell for every period and indicator it is asked, empty ones
/// included (suppressed); `audience` decides whether the figures are exact or perturbed.
pub fn answer<F>(
    catalog: &Catalog,
    registry: &impl Directory,
    plan: &Plan,
    filters: F,
    fetched: &Fetched,
    k: Threshold,
    audience: &Audience,
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
    let noise = Noise { k: k.get() };
    let cell_noise = (!audience.exact_cells()).then_some(noise);
    let reference_noise = (!audience.exact_references()).then_some(noise);
    let min_bodies = match audience {
        Audience::Release(_) => usize::MAX,
        _ if audience.exact_references() => 1,
        _ => MIN_REFERENCE_BODIES,
    };
    let released = match audience {
        Audience::Release(statuses) => Some(statuses.as_ref()),
        _ => None,
    };
    let scope = groups_of(fetched, &groups);
    let empty = Counts::default();
    let wanted = |i: &Indicator| plan.indicator.is_none_or(|w| w == *i);
    let mut cells = Vec::new();
    let mut total_cells = Vec::new();
    let mut comparisons = 0;
    let periods = if fetched.scope.is_some() {
        periods_of(plan)
    } else {
        let present: BTreeSet<&String> = groups.keys().map(|(p, _)| p).collect();
        present.into_iter().cloned().collect()
    };
    for period in &periods {
        let total = totals.get(&(period.clone(), String::new()));
        for indicator in INDICATORS.iter().filter(|i| wanted(i)) {
            let members: Vec<(&String, &Counts)> = scope
                .iter()
                .filter(|(_, asked)| asked.contains(indicator))
                .map(|(code, _)| {
                    (
                        code,
                        groups
                            .get(&(period.clone(), code.clone()))
                            .unwrap_or(&empty),
                    )
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            // Exact views: each table protected as published; empty cells are shown as
            // suppressed but take no part in the table (the reader may read the raw rows).
            let mut table = Table::new();
            let ids: Vec<Option<CellId>> = members
                .iter()
                .map(|(_, c)| {
                    let n = c.n(*indicator);
                    (n > 0).then(|| table.add_cell(u64::try_from(n).unwrap_or(0)))
                })
                .collect();
            let total_id = total.filter(|t| t.n(*indicator) > 0).map(|t| {
                let id = table.add_cell(u64::try_from(t.n(*indicator)).unwrap_or(0));
                // The total is the sum of the parts (a partition of the selection).
                let _ = table.add_sum(id, ids.iter().flatten().copied());
                id
            });
            let protection =
                (audience.exact_cells() && released.is_none()).then(|| table.protect(k));
            let release_status = |code: &str| {
                let grouping = if code.is_empty() && plan.grouping != Grouping::National {
                    Grouping::National
                } else {
                    plan.grouping
                };
                released.map(|r| r.status(period, grouping, code, *indicator))
            };
            let status_of =
                |id: Option<CellId>, code: &str, c: &Counts, f: &Figures| match &protection {
                    _ if released.is_some() => release_status(code).unwrap_or(CellStatus::Primary),
                    Some(p) => id.map_or(CellStatus::Primary, |id| p.status(id)),
                    None => {
                        let small = |n: i64| u64::try_from(n).unwrap_or(0) < k.get();
                        if small(c.n(*indicator)) || small(f.n) {
                            CellStatus::Primary
                        } else {
                            CellStatus::Published
                        }
                    }
                };
            for ((code, counts), id) in members.iter().zip(&ids) {
                let f = figures(counts, *indicator, cell_noise);
                let status = status_of(*id, code, counts, &f);
                let group = group_ref(registry, plan.grouping, code);
                let mut cell = blank(period, group, *indicator, status, k, cell_noise.is_some());
                if !status.is_suppressed() {
                    fill(&mut cell, &f);
                    if let Some(body) = cell.group.body.clone().or_else(|| {
                        (plan.grouping == Grouping::Body).then(|| cell.group.code.clone())
                    }) {
                        let sk = cell.group.service_kind.clone();
                        let bk = cell.group.body_kind.clone();
                        let against = |sk: Option<&str>, bk: Option<&str>, label: &str| {
                            let (counts, bodies) =
                                reference(&refs, period, sk, bk, &body, *indicator);
                            if bodies < min_bodies {
                                return None;
                            }
                            let r = figures(&counts, *indicator, reference_noise);
                            compare(*indicator, &f, &r, k, (label, sk, bk, &body))
                        };
                        let (first, second) = if plan.grouping == Grouping::Service {
                            (
                                against(sk.as_deref(), None, "service-kind"),
                                against(sk.as_deref(), bk.as_deref(), "service-kind-and-body-kind"),
                            )
                        } else {
                            (against(None, bk.as_deref(), "body-kind"), None)
                        };
                        comparisons += usize::from(first.is_some()) + usize::from(second.is_some());
                        cell.comparison = first;
                        cell.comparison_same_body_kind = second;
                    }
                }
                cells.push(cell);
            }
            if !national {
                let t = total.unwrap_or(&empty);
                let f = figures(t, *indicator, cell_noise);
                let status = status_of(total_id, "", t, &f);
                let group = GroupRef {
                    grouping: "total".into(),
                    code: String::new(),
                    name: None,
                    service_kind: None,
                    body_kind: None,
                    body: None,
                };
                let mut cell = blank(period, group, *indicator, status, k, cell_noise.is_some());
                if !status.is_suppressed() {
                    fill(&mut cell, &f);
                }
                if total.is_some() || fetched.scope.is_some() {
                    total_cells.push(cell);
                }
            }
        }
    }
    StatsAnswer {
        granularity: g,
        group_by: plan.grouping,
        from: day_text(plan.from),
        to: day_text(plan.to),
        k: k.get(),
        perturbation: cell_noise
            .map(|_| PTABLE.note(None))
            .or_else(|| match audience {
                Audience::OwnBody(body) => Some(PTABLE.note(Some(body.clone()))),
                _ => None,
            }),
        filters,
        notes: notes(k, comparisons, cell_noise.is_some()),
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
    perturbed: bool,
) -> Cell {
    let d = u64::try_from(PTABLE.max_noise).unwrap_or(0);
    Cell {
        period: period.to_owned(),
        group,
        indicator: indicator.code().to_owned(),
        suppressed: status.is_suppressed(),
        status,
        perturbed,
        n: None,
        n_below: (status == CellStatus::Primary).then_some(if perturbed {
            k.get() + d
        } else {
            k.get()
        }),
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
                    scale.record(value, 1);
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
            &Audience::National,
        );
        assert_eq!(answer.perturbation, None);
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

    /// Rows of `facilita-servizio` for group `code` with record keys: answer `i` has key
    /// `seed · (i + 1) · 2654435761` (distinct and spread over 0..2³²).
    fn keyed(code: &str, hist: [i64; 5], seed: i64) -> SumRow {
        let mut sums = Sums::default();
        let mut i = 0;
        for (value, count) in (1..).zip(hist) {
            for _ in 0..count {
                i += 1;
                let key = (seed * i * 2_654_435_761).rem_euclid(1 << 32);
                sums.count_response(key);
                if let Some(scale) = sums.scale_mut(IndicatorColumn::Valutazione) {
                    scale.record(value, key);
                }
            }
        }
        SumRow {
            period: "2026-10".into(),
            group: code.into(),
            questionnaire_id: "facilita-servizio".into(),
            sums,
        }
    }

    fn scoped(codes: &[&str]) -> Option<Vec<Scoped>> {
        Some(
            codes
                .iter()
                .map(|c| Scoped {
                    code: (*c).into(),
                    indicators: vec![Indicator::Facilita],
                })
                .collect(),
        )
    }

    fn summed(code: &str, rows: &[&SumRow]) -> SumRow {
        let mut total = SumRow {
            group: code.into(),
            ..rows[0].clone()
        };
        total.sums = Sums::default();
        for r in rows {
            total.sums.add(&r.sums);
        }
        total
    }

    #[test]
    fn an_analyst_reads_perturbed_figures_and_an_empty_or_small_cell_is_suppressed_like_any_other()
    -> anyhow::Result<()> {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        let (a, c) = (
            keyed("a", [0, 0, 10, 20, 20], 7),
            keyed("c", [1, 1, 1, 0, 0], 11),
        );
        let fetched = Fetched {
            rows: vec![a.clone(), c.clone()],
            total_rows: vec![summed("", &[&a, &c])],
            scope: scoped(&["a", "b", "c"]),
            ..Fetched::default()
        };
        let answer = answer(
            catalog,
            &NoRegistry,
            &plan_of(Grouping::Service),
            (),
            &fetched,
            Threshold::DEFAULT,
            &Audience::Perturbed,
        );
        let note = answer.perturbation.as_ref().expect("a perturbation note");
        assert_eq!((note.method.as_str(), note.max_noise), ("cell-key", 2));
        let codes: Vec<(&str, CellStatus)> = answer
            .cells
            .iter()
            .map(|c| (c.group.code.as_str(), c.status))
            .collect();
        assert_eq!(
            codes,
            [
                ("a", CellStatus::Published),
                ("b", CellStatus::Primary),
                ("c", CellStatus::Primary),
            ],
            "b has no response and is a cell all the same; no complementary suppression"
        );
        assert!(answer.cells.iter().all(|c| c.perturbed));
        assert_eq!(answer.cells[1].n_below, Some(12), "k + D");
        let cell = &answer.cells[0];
        let n = cell.n.unwrap_or(0);
        assert!((48..=52).contains(&n), "{n}");
        let mean = cell.mean.unwrap_or(0.0);
        assert!((mean - 4.2).abs() <= 1.5 / 50.0 + 1e-12, "{mean}");
        let bars = cell.distribution.clone().unwrap_or_default();
        assert_eq!(bars[0], 0, "zero stays zero");
        for (bar, truth) in bars.iter().zip([0u64, 0, 10, 20, 20]) {
            assert!(bar.abs_diff(truth) <= 2);
        }
        assert_eq!(answer.totals.len(), 1);
        let total = answer.totals[0].n.unwrap_or(0);
        assert!((51..=55).contains(&total), "{total}");
        Ok(())
    }

    #[test]
    fn the_same_cell_gets_the_same_figures_whichever_query_reaches_it() -> anyhow::Result<()> {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        let (a, b) = (
            keyed("a", [2, 3, 9, 14, 12], 5),
            keyed("b", [0, 4, 8, 20, 30], 9),
        );
        // Service a's tickets: 57 forms shown, their record keys summing to 57 · 2³¹ + 12345.
        let tickets = |group: &str| TicketCount {
            period: "2026-10".into(),
            group: group.into(),
            tickets: 57,
            key_sum: 57 * (1 << 31) + 12_345,
        };
        let ask = |grouping: Grouping, rows: Vec<SumRow>, total: Vec<SumRow>, scope: &[&str]| {
            let groups: Vec<TicketCount> = rows.iter().map(|r| tickets(&r.group)).collect();
            let fetched = Fetched {
                rows,
                total_rows: total,
                scope: scoped(scope),
                tickets: Some(groups),
                total_tickets: Some(vec![tickets("")]),
                ..Fetched::default()
            };
            answer(
                catalog,
                &NoRegistry,
                &plan_of(grouping),
                (),
                &fetched,
                Threshold::DEFAULT,
                &Audience::Perturbed,
            )
        };
        // Service a read three ways: among the services of its body, alone (national grouping
        // under `service=a`), and as the only service of a body grouped by body.
        let among = ask(
            Grouping::Service,
            vec![a.clone(), b.clone()],
            vec![summed("", &[&a, &b])],
            &["a", "b"],
        );
        let alone = ask(Grouping::National, vec![summed("", &[&a])], vec![], &[""]);
        let as_body = ask(
            Grouping::Body,
            vec![summed("body-a", &[&a])],
            vec![summed("", &[&a])],
            &["body-a"],
        );
        let figures = |c: &Cell| {
            (
                c.n,
                c.mean,
                c.sd,
                c.ci95,
                c.distribution.clone(),
                c.responses,
                c.tickets,
                c.response_rate,
            )
        };
        let first = figures(&among.cells[0]);
        assert!(first.6.is_some_and(|t| t.abs_diff(57) <= 2), "{first:?}");
        assert_eq!(first, figures(&alone.cells[0]));
        assert_eq!(first, figures(&as_body.cells[0]));
        assert_eq!(first, figures(&as_body.totals[0]));
        let exact = keyed("a", [2, 3, 9, 14, 12], 5)
            .sums
            .scale(IndicatorColumn::Valutazione);
        assert_eq!(exact.n, 40);
        Ok(())
    }

    #[test]
    fn a_body_reads_its_own_cells_exact_and_a_reference_of_fewer_than_three_other_bodies_not_at_all()
    -> anyhow::Result<()> {
        let catalog = Catalog::national().map_err(|e| anyhow::anyhow!("{e}"))?;
        let own = keyed("a", [0, 0, 10, 20, 20], 3);
        struct Registry;
        impl Directory for Registry {
            fn service(&self, id: &str) -> Option<GroupFacts> {
                Some(GroupFacts {
                    name: id.into(),
                    service_kind: Some("domanda-online".into()),
                    body_kind: Some("ente-nazionale".into()),
                    body: Some("own".into()),
                })
            }
            fn body(&self, _: &str) -> Option<GroupFacts> {
                None
            }
        }
        let reference = |body: &str, seed: i64| {
            let mut r = keyed(
                &format!("domanda-online|ente-nazionale|{body}"),
                [1, 2, 10, 20, 17],
                seed,
            );
            r.questionnaire_id = "facilita-servizio".into();
            r
        };
        let with_references = |bodies: &[&str]| {
            let mut refs = vec![{
                let mut r = own.clone();
                r.group = "domanda-online|ente-nazionale|own".into();
                r
            }];
            refs.extend(bodies.iter().zip(1..).map(|(b, seed)| reference(b, seed)));
            let fetched = Fetched {
                rows: vec![own.clone()],
                total_rows: vec![summed("", &[&own])],
                reference_rows: refs,
                scope: scoped(&["a"]),
                ..Fetched::default()
            };
            answer(
                catalog,
                &Registry,
                &plan_of(Grouping::Service),
                (),
                &fetched,
                Threshold::DEFAULT,
                &Audience::OwnBody("own".into()),
            )
        };
        let two = with_references(&["x", "y"]);
        let cell = &two.cells[0];
        assert!(!cell.perturbed);
        assert_eq!(
            (cell.n, cell.distribution.clone()),
            (Some(50), Some(vec![0, 0, 10, 20, 20]))
        );
        assert_eq!(
            cell.comparison, None,
            "two other bodies are not a reference"
        );
        assert_eq!(
            two.perturbation.as_ref().and_then(|p| p.exact_body.clone()),
            Some("own".into())
        );
        let three = with_references(&["x", "y", "z"]);
        let comparison = three.cells[0]
            .comparison
            .as_ref()
            .expect("a reference of three bodies");
        assert!(comparison.n.abs_diff(150) <= 2, "{}", comparison.n);
        // Each other body: (1 + 4 + 30 + 80 + 85) / 50 = 4.0 exactly; the reference is perturbed.
        let mean = comparison.mean.unwrap_or(0.0);
        assert!(
            mean != 4.0 && (mean - 4.0).abs() <= 1.5 / 150.0 + 1e-12,
            "{mean}"
        );
        Ok(())
    }
}
