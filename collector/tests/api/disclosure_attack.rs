//! The adversarial disclosure test: an attacker who holds an `analyst` token asks for every
//! table it may — every grouping by month, quarter and year, with and without
//! each channel and each value of `verified`, a month by day, single services, for a rating,
//! `esito` and `motivi` — over seeded national data with hundreds of small cells, and solves
//! for the cells it is not shown.
//!
//! The attacker's knowledge is a set of intervals, one per **canonical cell** (a set of
//! services, a span of days, a channel or all, `verified` or all) and statistic — every count
//! an answer publishes: the `n` of a rating, each bar of its distribution, its top box (4–5)
//! and the 1–3 ratings (the `of` of `difficolta`); the `n` of `esito` and each option's count;
//! the `of` and each reason's count of both follow-ups; the `n` of `motivi`; the responses;
//! the tickets. An exact figure is `[v, v]`; a perturbed
//! one `[v − D, v + D]` (and for a published `n` at least `k`); a suppressed `n` below its
//! `n_below`. The same canonical cell published twice must carry the same value (else the
//! outputs are inconsistent, which is a failure of its own). The true values add up, and the
//! attacker knows how: a period is the sum of its sub-periods, a set of services the sum of its
//! services, all channels the sum of the five, all responses the verified plus the unverified,
//! an `n` the sum of its bars (or options), the top box bars 4 and 5, a follow-up's `of` the
//! ratings that show it, `motivi`'s `n` every rating. Interval propagation over these relations (the bounds of a
//! linear program, tightened relation by relation until nothing moves: every subtraction
//! attack, chained) gives the attacker's interval of every cell; a cell whose true value is
//! between 1 and k − 1 and whose interval is a single value is **recovered**. Every recovered
//! value is checked against the truth read from the stored responses (a wrong "recovery" would
//! mean the model is wrong). Methods: `docs/methods.md#the-adversarial-test`.
//!
//! The same attack on the national team's exact view (per-table suppression, what every role
//! read before the cell key method) recovers small cells: that is shown, not hidden. A `body`
//! token reads its own cells exact (it may read its own raw responses) and references to other
//! bodies perturbed and made of at least three of them: the same attack run as each of a few
//! bodies, with its own cells and every comparison reference it is shown, recovers no small
//! cell of another body.

use std::collections::{BTreeSet, HashMap};

use time::{Date, Duration};
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_collector::stats::StatsAnswer;
use voce_collector::stats::cache::ClosedPeriods;
use voce_collector::stats::disclosure::Threshold;
use voce_collector::stats::query::{self, Cell, Granularity, Grouping, StatsQuery};
use voce_stats::Period;
use voce_stats::answer::{Audience, CellComparison};

use crate::helpers::*;
use crate::stats::seed_app;

/// The last day seeded.
const UNTIL: Date = time::macros::date!(2026 - 11 - 30);
/// The channels a response comes from.
const CHANNELS: [&str; 5] = ["widget", "page", "qr", "email", "sms"];
/// The rating indicators.
const RATINGS: [&str; 2] = ["facilita", "chiarezza"];
/// No upper bound.
const UNBOUNDED: i64 = 1 << 40;

/// What a canonical cell counts: a measure and a part of it. Ratings (measure 0 and 1): part 0
/// the `n`, 1–5 the bars, [`TOP`] 4 and 5, [`LOW`] 1 to 3. `esito` and the follow-ups: part 0
/// the `n` (`of`), 1… the options in the questionnaire's order.
type Stat = (u8, u8);
/// `esito`.
const ESITO: u8 = 2;
/// The reasons of a low rating.
const DIFFICOLTA: u8 = 3;
/// The reasons of a high rating.
const ASPETTI: u8 = 4;
/// The `n` of `motivi`: every rating.
const MOTIVI: u8 = 5;
/// A group's responses.
const RESPONSES: u8 = 6;
/// A group's tickets.
const TICKETS: u8 = 7;
/// The follow-up questions, by measure.
const FOLLOW_UPS: [(u8, &str); 3] = [
    (ESITO, "esito"),
    (DIFFICOLTA, "difficolta"),
    (ASPETTI, "aspetti-positivi"),
];
/// A rating's top box (4 and 5).
const TOP: u8 = 6;
/// A rating's 1 to 3.
const LOW: u8 = 7;

/// The options of each choice question, in the questionnaire's order.
fn options() -> HashMap<u8, Vec<String>> {
    let mut out: HashMap<u8, Vec<String>> = HashMap::new();
    let Ok(catalog) = startup::catalog() else {
        return out;
    };
    for q in catalog.questionnaires() {
        for (measure, id) in FOLLOW_UPS {
            if let Some(question) = q.question(id) {
                let listed = match &question.kind {
                    voce_shared::questionnaire::QuestionKind::SingleChoice { options }
                    | voce_shared::questionnaire::QuestionKind::MultipleChoice {
                        options, ..
                    } => options,
                    _ => continue,
                };
                let known = out.entry(measure).or_default();
                for o in listed {
                    if !known.contains(&o.id) {
                        known.push(o.id.clone());
                    }
                }
            }
        }
    }
    out
}

/// The part of `measure` that `option` is.
fn option_part(options: &HashMap<u8, Vec<String>>, measure: u8, option: &str) -> Option<u8> {
    let i = options.get(&measure)?.iter().position(|o| o == option)?;
    u8::try_from(i + 1).ok()
}

/// A canonical cell: service set, first and last day, channel (0 = all, else 1 + index),
/// verified (0 = all, 1 = false, 2 = true), statistic.
type Key = (u32, Date, Date, u8, u8, Stat);

/// What the attacker knows and how the cells relate.
#[derive(Default)]
struct Knowledge {
    /// Service sets, interned.
    sets: HashMap<Vec<String>, u32>,
    set_list: Vec<Vec<String>>,
    /// Cells, interned, with their interval.
    ids: HashMap<Key, usize>,
    keys: Vec<Key>,
    bounds: Vec<(i64, i64)>,
    /// The figure a cell was first published with.
    shown: Vec<Option<i64>>,
    /// The measures each service counts in (its rating, `esito` if asked, …).
    asks: HashMap<String, Vec<u8>>,
    /// The options of each choice question.
    options: HashMap<u8, Vec<String>>,
    /// The same cell published with two values.
    inconsistent: Vec<String>,
}

impl Knowledge {
    fn set(&mut self, services: Vec<String>) -> u32 {
        if let Some(id) = self.sets.get(&services) {
            return *id;
        }
        let id = u32::try_from(self.set_list.len()).unwrap_or(u32::MAX);
        self.sets.insert(services.clone(), id);
        self.set_list.push(services);
        id
    }

    fn cell(&mut self, key: Key) -> usize {
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.keys.len();
        self.ids.insert(key, id);
        self.keys.push(key);
        self.bounds.push((0, UNBOUNDED));
        self.shown.push(None);
        id
    }

    /// Learns that the true value of `key` is within `[lo, hi]`; `exact_value` is the figure as
    /// published, to check that the same cell always shows the same figure.
    fn learn(&mut self, key: Key, lo: i64, hi: i64, published: Option<(bool, i64)>) {
        let id = self.cell(key);
        let b = &mut self.bounds[id];
        *b = (b.0.max(lo), b.1.min(hi));
        if let Some((_, value)) = published {
            match self.shown[id] {
                Some(before) if before != value => self
                    .inconsistent
                    .push(format!("{key:?}: published {before}, then {value}")),
                _ => self.shown[id] = Some(value),
            }
        }
    }
}

/// The registry facts the attacker uses: every service's body, kinds.
struct Facts {
    services: Vec<(String, String, String, String)>,
}

impl Facts {
    fn of(snapshot: &Snapshot) -> Facts {
        let mut services: Vec<(String, String, String, String)> = snapshot
            .services()
            .map(|s| {
                (
                    s.service.id.clone(),
                    s.body.ipa_code.clone(),
                    s.service.service_kind.clone(),
                    s.body.body_kind.clone(),
                )
            })
            .collect();
        services.sort();
        Facts { services }
    }

    /// The services of a cell of `answer`.
    fn services_of(&self, q: &StatsQuery, cell: &Cell) -> Vec<String> {
        let code = cell.group.code.as_str();
        self.services
            .iter()
            .filter(|(id, body, sk, bk)| {
                q.service.as_ref().is_none_or(|s| s.as_str() == id)
                    && q.body.as_ref().is_none_or(|b| b.as_str() == body)
                    && match cell.group.grouping.as_str() {
                        "service" => id == code,
                        "body" => body == code,
                        "service-kind" => sk == code,
                        "body-kind" => bk == code,
                        _ => true,
                    }
            })
            .map(|(id, ..)| id.clone())
            .collect()
    }

    /// The body of a service.
    fn body_of(&self, service: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|(id, ..)| id == service)
            .map(|(_, body, ..)| body.as_str())
    }

    /// The services of a comparison's reference: the same kind of service (and of body) in
    /// every other body.
    fn reference_of(&self, c: &CellComparison) -> Vec<String> {
        self.services
            .iter()
            .filter(|(_, body, sk, bk)| {
                *body != c.excluding_body
                    && c.service_kind.as_ref().is_none_or(|k| k == sk)
                    && c.body_kind.as_ref().is_none_or(|k| k == bk)
            })
            .map(|(id, ..)| id.clone())
            .collect()
    }
}

fn channel_code(c: Option<&str>) -> u8 {
    c.and_then(|c| CHANNELS.iter().position(|x| *x == c))
        .map_or(0, |i| u8::try_from(i + 1).unwrap_or(0))
}

fn verified_code(v: Option<bool>) -> u8 {
    match v {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

/// Records what one answer publishes.
fn learn_answer(k: &mut Knowledge, facts: &Facts, q: &StatsQuery, answer: &StatsAnswer) {
    let threshold = i64::try_from(answer.k).unwrap_or(10);
    let d = answer
        .perturbation
        .as_ref()
        .map_or(0, |p| i64::try_from(p.max_noise).unwrap_or(0));
    let (ch, ve) = (
        channel_code(q.channel.map(|c| c.code())),
        verified_code(q.verified),
    );
    let int = |x: u64| i64::try_from(x).unwrap_or(0);
    for cell in answer.cells.iter().chain(&answer.totals) {
        let measure = match cell.indicator.as_str() {
            "esito" => ESITO,
            "motivi" => MOTIVI,
            other => match RATINGS.iter().position(|r| *r == other) {
                Some(i) => u8::try_from(i).unwrap_or(0),
                None => continue,
            },
        };
        let Some(period) = Period::parse(&cell.period) else {
            continue;
        };
        let services = facts.services_of(q, cell);
        if services.is_empty() {
            continue;
        }
        let set = k.set(services);
        let key = |ch: u8, ve: u8, stat: Stat| (set, period.start(), period.end(), ch, ve, stat);
        // Exact figures come from the national view or a body's own cells.
        let noise = if cell.perturbed { d } else { 0 };
        // A published count: its interval, and the figure to check for consistency.
        let seen = |value: i64, floor: i64| {
            let lo = if cell.perturbed {
                (value - noise).max(floor)
            } else {
                value
            };
            (lo, value + noise, Some((cell.perturbed, value)))
        };
        match (cell.suppressed, cell.n) {
            (false, Some(n)) => {
                let n = int(n);
                let (lo, hi, shown) = seen(n, threshold);
                k.learn(key(ch, ve, (measure, 0)), lo, hi, shown);
                if let Some(r) = cell.responses {
                    let (lo, hi, shown) = seen(int(r), 0);
                    k.learn(key(ch, ve, (RESPONSES, 0)), lo, hi, shown);
                }
                // Tickets are neither split by channel nor verified.
                if let Some(t) = cell.tickets {
                    let (lo, hi, shown) = seen(int(t), 0);
                    k.learn(key(0, 0, (TICKETS, 0)), lo, hi, shown);
                }
                for (b, bar) in cell.distribution.iter().flatten().enumerate() {
                    let (lo, hi, shown) = seen(int(*bar), 0);
                    let part = u8::try_from(b + 1).unwrap_or(0);
                    k.learn(key(ch, ve, (measure, part)), lo, hi, shown);
                }
                // The top box's count: its share of the published n, cut at 1.
                if let (Some(top), true) = (cell.top_box, n > 0) {
                    let count = (top * n as f64).round() as i64;
                    let (lo, mut hi, shown) = seen(count, 0);
                    if top >= 1.0 {
                        hi = UNBOUNDED;
                    }
                    k.learn(key(ch, ve, (measure, TOP)), lo, hi, shown);
                }
                // A comparison's reference: its n, and its top box (or `si`) from its share.
                for c in [&cell.comparison, &cell.comparison_same_body_kind]
                    .into_iter()
                    .flatten()
                {
                    let reference = facts.reference_of(c);
                    if reference.is_empty() {
                        continue;
                    }
                    let set = k.set(reference);
                    let key = |stat: Stat| (set, period.start(), period.end(), ch, ve, stat);
                    let n = int(c.n);
                    let spread = |value: i64| (value - d, value + d, Some((d > 0, value)));
                    let (lo, hi, shown) = spread(n);
                    k.learn(key((measure, 0)), lo.max(0), hi, shown);
                    let part = if measure == ESITO {
                        option_part(&k.options, ESITO, "si")
                    } else {
                        Some(TOP)
                    };
                    if let (Some(share), Some(part), true) = (c.share, part, n > 0) {
                        let count = (share * n as f64).round() as i64;
                        let (lo, hi, _) = spread(count);
                        let hi = if share >= 1.0 { UNBOUNDED } else { hi };
                        k.learn(key((measure, part)), lo.max(0), hi, None);
                    }
                }
                for share in &cell.shares {
                    let follow_up = FOLLOW_UPS
                        .iter()
                        .find(|(_, id)| *id == share.question)
                        .map(|(m, _)| *m);
                    let Some(follow_up) = follow_up else { continue };
                    let Some(part) = option_part(&k.options, follow_up, &share.option) else {
                        continue;
                    };
                    let (lo, hi, shown) = seen(int(share.count), 0);
                    k.learn(key(ch, ve, (follow_up, part)), lo, hi, shown);
                    // A follow-up's `of` (esito's is its n, learned above).
                    if follow_up != ESITO {
                        let (lo, hi, shown) = seen(int(share.of), 0);
                        k.learn(key(ch, ve, (follow_up, 0)), lo, hi, shown);
                    }
                }
            }
            _ => {
                let below = cell
                    .n_below
                    .map_or(UNBOUNDED, |b| i64::try_from(b).unwrap_or(UNBOUNDED) - 1);
                k.learn(key(ch, ve, (measure, 0)), 0, below, None);
                let parts: Vec<u8> = match measure {
                    ESITO => (1..=k.options.get(&ESITO).map_or(0, Vec::len))
                        .filter_map(|p| u8::try_from(p).ok())
                        .collect(),
                    MOTIVI => vec![],
                    _ => vec![1, 2, 3, 4, 5, TOP, LOW],
                };
                for part in parts {
                    k.learn(key(ch, ve, (measure, part)), 0, below, None);
                }
            }
        }
    }
}

/// The relations `total = Σ parts` among the cells the attacker has seen.
fn relations(k: &Knowledge) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    let keys = &k.keys;
    let singles: HashMap<String, u32> = k
        .set_list
        .iter()
        .enumerate()
        .filter(|(_, s)| s.len() == 1)
        .map(|(i, s)| (s[0].clone(), u32::try_from(i).unwrap_or(0)))
        .collect();
    for (id, &(set, from, to, ch, ve, stat)) in keys.iter().enumerate() {
        let part = |set: u32, from: Date, to: Date, ch: u8, ve: u8, stat: Stat| {
            k.ids.get(&(set, from, to, ch, ve, stat)).copied()
        };
        let mut add = |parts: Option<Vec<usize>>| {
            if let Some(parts) = parts.filter(|p| p.len() > 1 || p.first() != Some(&id)) {
                out.push((id, parts));
            }
        };
        // A set of services: the sum of its services.
        let services = &k.set_list[set as usize];
        if services.len() > 1 {
            // Services not asked this indicator count nothing in it.
            add(services
                .iter()
                .filter(|s| k.asks.get(*s).is_some_and(|a| a.contains(&stat.0)))
                .map(|s| {
                    singles
                        .get(s)
                        .and_then(|one| part(*one, from, to, ch, ve, stat))
                })
                .collect());
        }
        // All channels: the sum of the five; all responses: verified plus not.
        if ch == 0 {
            add((1..=5).map(|c| part(set, from, to, c, ve, stat)).collect());
        }
        if ve == 0 {
            add((1..=2).map(|v| part(set, from, to, ch, v, stat)).collect());
        }
        // An n: the sum of its bars (esito: of its options); the top box and the 1–3 ratings.
        let rating = usize::from(stat.0) < RATINGS.len();
        if rating {
            let bars = |b: &[u8]| -> Option<Vec<usize>> {
                b.iter()
                    .map(|b| part(set, from, to, ch, ve, (stat.0, *b)))
                    .collect()
            };
            match stat.1 {
                0 => add(bars(&[1, 2, 3, 4, 5])),
                TOP => add(bars(&[4, 5])),
                LOW => add(bars(&[1, 2, 3])),
                _ => {}
            }
        }
        if stat == (ESITO, 0) {
            let options = k.options.get(&ESITO).map_or(0, Vec::len);
            add((1..=options)
                .map(|o| part(set, from, to, ch, ve, (ESITO, u8::try_from(o).unwrap_or(0))))
                .collect());
        }
        // A follow-up's `of`, motivi's n: the ratings that show it, over the ratings asked.
        let shows = match stat {
            (DIFFICOLTA, 0) => Some(LOW),
            (ASPETTI, 0) => Some(TOP),
            (MOTIVI, 0) => Some(0),
            _ => None,
        };
        if let Some(bars) = shows {
            add((0..u8::try_from(RATINGS.len()).unwrap_or(0))
                .filter(|r| {
                    services
                        .iter()
                        .any(|s| k.asks.get(s).is_some_and(|a| a.contains(r)))
                })
                .map(|r| part(set, from, to, ch, ve, (r, bars)))
                .collect());
        }
        // A period: its months (quarter, year), its quarters (year), its days (month).
        let long = (to - from).whole_days() > 31;
        let finer: &[Granularity] = if long {
            &[Granularity::Month, Granularity::Quarter]
        } else {
            &[Granularity::Day]
        };
        for &granularity in finer {
            let subs: Vec<Period> = granularity.period_of(from).through(to).collect();
            if subs.len() > 1 && subs.iter().all(|p| p.start() >= from && p.end() <= to) {
                add(subs
                    .iter()
                    .map(|p| part(set, p.start(), p.end(), ch, ve, stat))
                    .collect());
            }
        }
    }
    out
}

/// Tightens every interval by every relation until nothing moves (at most `rounds` passes).
fn propagate(bounds: &mut [(i64, i64)], relations: &[(usize, Vec<usize>)], rounds: usize) {
    for _ in 0..rounds {
        let mut changed = false;
        for (total, parts) in relations {
            // The sum of the upper bounds, counting unbounded parts apart.
            let (lo_sum, hi_finite, unbounded) =
                parts.iter().fold((0i64, 0i64, 0usize), |(l, h, u), p| {
                    let (lo, hi) = bounds[*p];
                    if hi >= UNBOUNDED {
                        (l + lo, h, u + 1)
                    } else {
                        (l + lo, h + hi, u)
                    }
                });
            let hi_sum = if unbounded > 0 { UNBOUNDED } else { hi_finite };
            let t = bounds[*total];
            let nt = (t.0.max(lo_sum), t.1.min(hi_sum));
            if nt != t {
                bounds[*total] = nt;
                changed = true;
            }
            let t = bounds[*total];
            for p in parts {
                let b = bounds[*p];
                let others_lo = lo_sum - b.0;
                let others_hi = if b.1 >= UNBOUNDED {
                    if unbounded > 1 { UNBOUNDED } else { hi_finite }
                } else if unbounded > 0 {
                    UNBOUNDED
                } else {
                    hi_finite - b.1
                };
                let lower = if others_hi >= UNBOUNDED {
                    0
                } else {
                    t.0 - others_hi
                };
                let upper = if t.1 >= UNBOUNDED {
                    UNBOUNDED
                } else {
                    t.1 - others_lo
                };
                let nb = (b.0.max(lower), b.1.min(upper));
                if nb != b && nb.0 <= nb.1 {
                    bounds[*p] = nb;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// The true counts, per service, then channel × verified × measure × value with a running sum
/// by day (so that any span of days is one subtraction). A rating's value is the rating; an
/// `esito` or a reason's, its option's part; a response's and a day's tickets, 1.
struct Truth {
    first: Date,
    by_service: HashMap<String, Vec<Running>>,
}

/// (channel, verified, measure, value): what [`Truth`] counts.
type Entry = (u8, u8, u8, u8);

/// An entry and its running count by day.
type Running = (Entry, Vec<i64>);

/// Days covered by [`Truth`].
const TRUTH_DAYS: i64 = 400;

impl Truth {
    fn read(app: &TestApp) -> anyhow::Result<Truth> {
        use diesel::prelude::*;
        use voce_collector::db::schema::daily_counters as dc;
        let catalog = startup::catalog()?;
        let options = options();
        let first = UNTIL - Duration::days(TRUTH_DAYS);
        let days = usize::try_from(TRUTH_DAYS + 2)?;
        let day_index = |text: &str| -> anyhow::Result<usize> {
            let day = Date::parse(
                &text[..10],
                time::macros::format_description!("[year]-[month]-[day]"),
            )?;
            Ok(usize::try_from((day - first).whole_days())? + 1)
        };
        let mut counts: HashMap<(String, Entry), Vec<i64>> = HashMap::new();
        let mut add = |service: &str, entry: Entry, day: usize, by: i64| {
            counts
                .entry((service.to_owned(), entry))
                .or_insert_with(|| vec![0; days])[day] += by;
        };
        for r in app.responses()? {
            let day = day_index(&r.received_at)?;
            let (ch, ve) = (
                channel_code(Some(&r.channel)),
                verified_code(Some(r.verified)),
            );
            add(&r.service_id, (ch, ve, RESPONSES, 1), day, 1);
            let answers: serde_json::Value = serde_json::from_str(&r.answers)?;
            for (measure, question) in FOLLOW_UPS {
                if let Some(part) = answers[question]
                    .as_str()
                    .and_then(|o| option_part(&options, measure, o))
                {
                    add(&r.service_id, (ch, ve, measure, part), day, 1);
                }
            }
            let Some(v) = r.valutazione.and_then(|v| u8::try_from(v).ok()) else {
                continue;
            };
            let indicator = catalog
                .latest(&r.questionnaire_id)
                .ok()
                .and_then(|q| {
                    q.indicator_sources()
                        .find(|s| RATINGS.contains(&s.indicator.code()))
                        .map(|s| s.indicator.code())
                })
                .unwrap_or("facilita");
            let ind = u8::try_from(RATINGS.iter().position(|x| *x == indicator).unwrap_or(0))?;
            add(&r.service_id, (ch, ve, ind, v), day, 1);
        }
        let tickets: Vec<(String, String, i64)> = dc::table
            .select((dc::service_id, dc::day, dc::tickets_issued))
            .load(&mut *app.conn()?)?;
        for (service, day, issued) in tickets {
            let day = day_index(&day)?;
            if day < days {
                add(&service, (0, 0, TICKETS, 1), day, issued);
            }
        }
        let mut by_service: HashMap<String, Vec<Running>> = HashMap::new();
        for ((service, entry), mut running) in counts {
            for d in 1..running.len() {
                running[d] += running[d - 1];
            }
            by_service
                .entry(service)
                .or_default()
                .push((entry, running));
        }
        Ok(Truth { first, by_service })
    }

    /// Whether an entry of `measure` and `value` counts in `stat`.
    fn counts_in(stat: Stat, measure: u8, value: u8) -> bool {
        let rating = usize::from(measure) < RATINGS.len();
        match stat {
            (r, part) if usize::from(r) < RATINGS.len() => {
                measure == r
                    && match part {
                        0 => true,
                        TOP => value >= 4,
                        LOW => value <= 3,
                        bar => value == bar,
                    }
            }
            (DIFFICOLTA, 0) => rating && value <= 3,
            (ASPETTI, 0) => rating && value >= 4,
            (MOTIVI, _) => rating,
            (m, 0) => measure == m,
            (m, part) => measure == m && value == part,
        }
    }

    fn of(&self, k: &Knowledge, key: &Key) -> i64 {
        let &(set, from, to, ch, ve, stat) = key;
        let index = |d: Date| usize::try_from((d - self.first).whole_days()).unwrap_or(0);
        let (a, b) = (index(from), index(to) + 1);
        k.set_list[set as usize]
            .iter()
            .filter_map(|s| self.by_service.get(s))
            .flatten()
            .filter(|((c, v, m, value), _)| {
                (ch == 0 || *c == ch) && (ve == 0 || *v == ve) && Truth::counts_in(stat, *m, *value)
            })
            .map(|(_, running)| {
                running[b.min(running.len() - 1)] - running[a.min(running.len() - 1)]
            })
            .sum()
    }
}

/// The queries an analyst issues.
fn queries(snapshot: &Snapshot) -> Vec<StatsQuery> {
    let from = UNTIL - Duration::days(364);
    let mut out = Vec::new();
    let channels: Vec<Option<voce_collector::domain::Channel>> = std::iter::once(None)
        .chain(
            CHANNELS
                .iter()
                .map(|c| voce_collector::domain::Channel::parse(c).ok()),
        )
        .collect();
    // The rating of the larger questionnaire (`chiarezza` works the same way) by month,
    // quarter and year; `esito` and `motivi` by month and quarter.
    for (indicator, granularities) in [
        (
            "facilita",
            &[Granularity::Month, Granularity::Quarter, Granularity::Year][..],
        ),
        ("esito", &[Granularity::Month, Granularity::Quarter][..]),
        ("motivi", &[Granularity::Month, Granularity::Quarter][..]),
    ] {
        let indicator = voce_shared::Indicator::parse(indicator);
        for &granularity in granularities {
            for grouping in Grouping::ALL {
                // Every channel on its own by month (a quarter is the sum of its months).
                let by_channel = if granularity == Granularity::Month {
                    &channels[..]
                } else {
                    &channels[..1]
                };
                for channel in by_channel {
                    out.push(StatsQuery {
                        granularity: Some(granularity),
                        group_by: Some(grouping),
                        indicator,
                        channel: *channel,
                        from: Some(from),
                        to: Some(UNTIL),
                        ..StatsQuery::default()
                    });
                }
                for verified in [false, true] {
                    out.push(StatsQuery {
                        granularity: Some(granularity),
                        group_by: Some(grouping),
                        indicator,
                        verified: Some(verified),
                        from: Some(from),
                        to: Some(UNTIL),
                        ..StatsQuery::default()
                    });
                }
            }
        }
        // The last month by day.
        for grouping in [Grouping::National, Grouping::ServiceKind, Grouping::Service] {
            out.push(StatsQuery {
                granularity: Some(Granularity::Day),
                group_by: Some(grouping),
                indicator,
                from: Some(UNTIL.replace_day(1).unwrap_or(UNTIL)),
                to: Some(UNTIL),
                ..StatsQuery::default()
            });
        }
        // Single services and single bodies, asked on their own.
        let mut bodies = BTreeSet::new();
        for s in snapshot.services().take(20) {
            bodies.insert(s.body.ipa_code.clone());
            out.push(StatsQuery {
                granularity: Some(Granularity::Month),
                service: voce_collector::domain::ServiceId::parse(&s.service.id).ok(),
                indicator,
                from: Some(from),
                to: Some(UNTIL),
                ..StatsQuery::default()
            });
        }
        for body in bodies.into_iter().take(10) {
            out.push(StatsQuery {
                granularity: Some(Granularity::Quarter),
                group_by: Some(Grouping::Service),
                body: voce_collector::domain::IpaCode::parse(&body).ok(),
                indicator,
                from: Some(from),
                to: Some(UNTIL),
                ..StatsQuery::default()
            });
        }
    }
    out
}

/// The queries a body issues: its own services and its own total, by month with and without
/// each channel and `verified`, and by quarter, for a rating and `esito` — each cell with its
/// comparisons.
fn body_queries(body: &str) -> Vec<StatsQuery> {
    let from = UNTIL - Duration::days(364);
    let body = voce_collector::domain::IpaCode::parse(body).ok();
    let mut out = Vec::new();
    for indicator in ["facilita", "esito"] {
        let indicator = voce_shared::Indicator::parse(indicator);
        for grouping in [Grouping::Service, Grouping::Body] {
            let base = StatsQuery {
                group_by: Some(grouping),
                body: body.clone(),
                indicator,
                from: Some(from),
                to: Some(UNTIL),
                ..StatsQuery::default()
            };
            out.push(StatsQuery {
                granularity: Some(Granularity::Quarter),
                ..base.clone()
            });
            let month = StatsQuery {
                granularity: Some(Granularity::Month),
                ..base
            };
            for channel in CHANNELS {
                out.push(StatsQuery {
                    channel: voce_collector::domain::Channel::parse(channel).ok(),
                    ..month.clone()
                });
            }
            for verified in [false, true] {
                out.push(StatsQuery {
                    verified: Some(verified),
                    ..month.clone()
                });
            }
            out.push(month);
        }
    }
    out
}

/// What a statistic is, in words.
fn label((measure, part): Stat) -> String {
    let name = match measure {
        m if usize::from(m) < RATINGS.len() => RATINGS[usize::from(m)],
        ESITO => "esito",
        DIFFICOLTA => "difficolta",
        ASPETTI => "aspetti-positivi",
        MOTIVI => "motivi",
        RESPONSES => "responses",
        _ => "tickets",
    };
    match (measure, part) {
        (_, 0) => format!("n of {name}"),
        (m, TOP) if usize::from(m) < RATINGS.len() => format!("4–5 of {name}"),
        (m, LOW) if usize::from(m) < RATINGS.len() => format!("1–3 of {name}"),
        (_, p) => format!("part {p} of {name}"),
    }
}

/// What an attack found.
#[derive(Debug, Default)]
struct Found {
    cells: usize,
    relations: usize,
    /// Small cells (1 ≤ true ≤ k − 1) published exactly, by statistic (`n`, bar).
    direct: (usize, usize),
    /// Small cells not published exactly but pinned by the relations, by statistic.
    derived: (usize, usize),
    examples: Vec<String>,
    inconsistent: usize,
    /// Small cells solved for by the linear program, and those it pinned that propagation had not.
    lp_solved: usize,
    lp_recovered: usize,
    /// Cells propagation pinned that the linear program was asked to pin again, and did.
    lp_checked: usize,
    lp_confirmed: usize,
}

/// What [`by_linear_program`] found.
struct LpFound {
    solved: usize,
    recovered: usize,
    checked: usize,
    confirmed: usize,
}

/// Small cells the linear program is run for, per attack: those with the narrowest intervals.
const LP_CELLS: usize = 300;

/// Relations around one cell given to its linear program, at most.
const LP_RELATIONS: usize = 400;

/// The linear-programming attack, on top of propagation: for the [`LP_CELLS`] cells with a true
/// value between 1 and k − 1 whose intervals propagation left narrowest (not pinned, width at most
/// 4), the minimum and maximum of the cell over every relation within two steps of it (up to
/// [`LP_RELATIONS`]), every other cell of those relations a variable within its interval (a
/// pinned one a constant) — `voce_stats::lp_audit`, the LP the release audit uses. Leaving out
/// the relations further away can only widen the interval, so a cell the LP pins is recovered;
/// that value is checked against the truth. As a check of the method, up to 20 small cells that
/// propagation pinned but no answer published are solved for too, from what was published of
/// them: the LP must pin each again.
fn by_linear_program(
    k: &Knowledge,
    rel: &[(usize, Vec<usize>)],
    direct: &[(i64, i64)],
    truth: &Truth,
    own: Option<&str>,
    facts: &Facts,
) -> anyhow::Result<LpFound> {
    use voce_stats::disclosure::Table;
    use voce_stats::lp_audit::{self, Knowledge as Known, TOLERANCE};
    let mut touching: Vec<Vec<usize>> = vec![Vec::new(); k.keys.len()];
    for (r, (total, parts)) in rel.iter().enumerate() {
        for c in std::iter::once(total).chain(parts) {
            touching[*c].push(r);
        }
    }
    let mut candidates: Vec<(i64, usize, i64)> = k
        .bounds
        .iter()
        .enumerate()
        .filter(|(_, (lo, hi))| lo < hi && hi - lo <= 4 && *lo < 10 && *hi >= 1)
        .filter(|(id, _)| {
            own.is_none_or(|own| {
                !k.set_list[k.keys[*id].0 as usize]
                    .iter()
                    .all(|s| facts.body_of(s) == Some(own))
            })
        })
        .map(|(id, (lo, hi))| (hi - lo, id, truth.of(k, &k.keys[id])))
        .filter(|(_, _, v)| (1..10).contains(v))
        .collect();
    candidates.sort_unstable();
    candidates.truncate(LP_CELLS);
    let solved = candidates.len();
    let checks: Vec<(i64, usize, i64)> = k
        .bounds
        .iter()
        .zip(direct)
        .enumerate()
        .filter(|(_, (b, d))| b.0 == b.1 && d.0 != d.1 && (1..10).contains(&b.0))
        .map(|(id, (b, _))| (-1, id, b.0))
        .take(20)
        .collect();
    let checked = checks.len();
    let (mut recovered, mut confirmed) = (0, 0);
    for &(kind, cell, true_value) in candidates.iter().chain(&checks) {
        let mut chosen: BTreeSet<usize> = touching[cell].iter().copied().collect();
        let first: Vec<usize> = chosen.iter().copied().collect();
        'outer: for r in first {
            let (total, parts) = &rel[r];
            for c in std::iter::once(total).chain(parts) {
                for &r2 in &touching[*c] {
                    if chosen.len() >= LP_RELATIONS {
                        break 'outer;
                    }
                    chosen.insert(r2);
                }
            }
        }
        let mut table = Table::new();
        let mut local: HashMap<usize, voce_stats::disclosure::CellId> = HashMap::new();
        let mut known = Vec::new();
        let mut id_of = |c: usize, table: &mut Table, known: &mut Vec<Known>| {
            *local.entry(c).or_insert_with(|| {
                // A check solves its cell from what was published of it.
                let (lo, hi) = if c == cell && kind < 0 {
                    direct[c]
                } else {
                    k.bounds[c]
                };
                known.push(if lo == hi {
                    Known::Published(u64::try_from(lo).unwrap_or(0))
                } else {
                    Known::Withheld {
                        lo: u64::try_from(lo.max(0)).unwrap_or(0),
                        hi: (hi < UNBOUNDED).then(|| u64::try_from(hi).unwrap_or(0)),
                    }
                });
                table.add_cell(0)
            })
        };
        let target = id_of(cell, &mut table, &mut known);
        for r in chosen {
            let (total, parts) = &rel[r];
            let t = id_of(*total, &mut table, &mut known);
            let ps: Vec<_> = parts
                .iter()
                .map(|p| id_of(*p, &mut table, &mut known))
                .collect();
            // A relation naming one cell twice says nothing a linear program needs.
            let _ = table.add_sum(t, ps);
        }
        let Some(interval) = lp_audit::interval_of(table.constraints(), &known, target.index())?
        else {
            continue;
        };
        let (lo, hi) = (
            (interval.lo - TOLERANCE).ceil(),
            (interval.hi + TOLERANCE).floor(),
        );
        if lo == hi {
            assert_eq!(
                lo, true_value as f64,
                "the linear program pins {:?} to {lo}, the truth is {true_value}",
                k.keys[cell]
            );
            if kind < 0 {
                confirmed += 1;
            } else {
                recovered += 1;
            }
        }
    }
    Ok(LpFound {
        solved,
        recovered,
        checked,
        confirmed,
    })
}

/// Runs the attack as `audience` reads, asking `asked`. A body's own cells (every service of
/// the set its own) are not counted: it may read its own responses.
fn attack(
    app: &TestApp,
    snapshot: &Snapshot,
    truth: &Truth,
    audience: &Audience,
    asked: &[StatsQuery],
) -> anyhow::Result<Found> {
    let own = match audience {
        Audience::OwnBody(body) => Some(body.as_str()),
        _ => None,
    };
    let catalog = startup::catalog()?;
    let facts = Facts::of(snapshot);
    let closed = ClosedPeriods::default();
    let mut k = Knowledge {
        options: options(),
        ..Knowledge::default()
    };
    let mut conn = app.conn()?;
    for q in asked {
        let answer = query::run(
            &mut conn,
            catalog,
            snapshot,
            q.clone(),
            Threshold::DEFAULT,
            UNTIL + Duration::days(1),
            &closed,
            audience,
        )?
        .map_err(|e| anyhow::anyhow!("{q:?}: {e}"))?;
        learn_answer(&mut k, &facts, q, &answer);
    }
    for s in snapshot.services() {
        let mut asks: Vec<u8> = vec![RESPONSES, TICKETS];
        for source in s.questionnaire.indicator_sources() {
            match source.indicator.code() {
                "esito" => asks.push(ESITO),
                "motivi" => asks.extend([DIFFICOLTA, ASPETTI, MOTIVI]),
                code => asks.extend(
                    RATINGS
                        .iter()
                        .position(|r| *r == code)
                        .and_then(|i| u8::try_from(i).ok()),
                ),
            }
        }
        k.asks.insert(s.service.id.clone(), asks);
    }
    let direct_bounds = k.bounds.clone();
    let rel = relations(&k);
    propagate(&mut k.bounds, &rel, 12);
    let lp = by_linear_program(&k, &rel, &direct_bounds, truth, own, &facts)?;
    let mut found = Found {
        cells: k.keys.len(),
        relations: rel.len(),
        inconsistent: k.inconsistent.len(),
        lp_solved: lp.solved,
        lp_recovered: lp.recovered,
        lp_checked: lp.checked,
        lp_confirmed: lp.confirmed,
        ..Found::default()
    };
    for (id, key) in k.keys.iter().enumerate() {
        let (lo, hi) = k.bounds[id];
        if lo != hi || !(1..10).contains(&lo) {
            continue;
        }
        if let Some(own) = own
            && k.set_list[key.0 as usize]
                .iter()
                .all(|s| facts.body_of(s) == Some(own))
        {
            continue;
        }
        let was_direct = direct_bounds[id].0 == direct_bounds[id].1;
        let true_value = if was_direct { lo } else { truth.of(&k, key) };
        assert_eq!(
            lo, true_value,
            "the attacker's model is wrong for {key:?}: it pins {lo}, the truth is {true_value}"
        );
        let slot = if was_direct {
            &mut found.direct
        } else {
            &mut found.derived
        };
        if key.5.1 == 0 {
            slot.0 += 1;
        } else {
            slot.1 += 1;
        }
        if !was_direct && found.examples.len() < 5 {
            found.examples.push(format!(
                "{} service(s) from {}, {} to {} channel {} verified {} {}: {true_value}",
                k.set_list[key.0 as usize].len(),
                k.set_list[key.0 as usize]
                    .first()
                    .cloned()
                    .unwrap_or_default(),
                key.1,
                key.2,
                key.3,
                key.4,
                label(key.5)
            ));
        }
    }
    Ok(found)
}

#[tokio::test]
async fn no_small_cell_is_recovered_from_every_table_an_analyst_can_request() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    import_file(&app.pool, "national.toml")?;
    seed_app(&app, 20_000)?;
    let snapshot = Snapshot::read(&mut *app.conn()?, startup::catalog()?)?;
    let truth = Truth::read(&app)?;
    let asked = queries(&snapshot);
    let started = std::time::Instant::now();

    // The analyst: every table, perturbed.
    let analyst = attack(&app, &snapshot, &truth, &Audience::Perturbed, &asked)?;
    println!(
        "analyst: {} queries, {} cells, {} relations: small cells recovered directly (n, bars) {:?}, \
         by subtraction and chains {:?}, by the linear program {} of {}; inconsistent {} ({:.1} s)",
        asked.len(),
        analyst.cells,
        analyst.relations,
        analyst.direct,
        analyst.derived,
        analyst.lp_recovered,
        analyst.lp_solved,
        analyst.inconsistent,
        started.elapsed().as_secs_f64()
    );

    // The same attack on exact figures protected table by table (the national team's view,
    // and what every role read before the cell key method): it recovers small cells.
    let exact = attack(&app, &snapshot, &truth, &Audience::National, &asked)?;
    println!(
        "exact view, per-table suppression: small cells recovered by subtraction and chains \
         (n, bars) {:?}, and by the linear program {} more of {} (and {} of {} pinned by \
         subtraction pinned again by it); e.g. {:#?}",
        exact.derived,
        exact.lp_recovered,
        exact.lp_solved,
        exact.lp_confirmed,
        exact.lp_checked,
        exact.examples
    );
    assert!(
        exact.lp_checked > 0 && exact.lp_confirmed == exact.lp_checked,
        "the linear program does not pin what subtraction pins: {} of {}",
        exact.lp_confirmed,
        exact.lp_checked
    );

    // A few bodies, each of another kind, with their own cells and every reference they see.
    let mut kinds = BTreeSet::new();
    let bodies: Vec<String> = snapshot
        .services()
        .filter(|s| kinds.insert(s.body.body_kind.clone()))
        .map(|s| s.body.ipa_code.clone())
        .take(3)
        .collect();
    for body in &bodies {
        let started = std::time::Instant::now();
        let asked = body_queries(body);
        let found = attack(
            &app,
            &snapshot,
            &truth,
            &Audience::OwnBody(body.clone()),
            &asked,
        )?;
        println!(
            "body {body}: {} queries, {} cells, {} relations: small cells of other bodies \
             recovered directly {:?}, by subtraction and chains {:?}, by the linear program {} \
             of {} ({:.1} s)",
            asked.len(),
            found.cells,
            found.relations,
            found.direct,
            found.derived,
            found.lp_recovered,
            found.lp_solved,
            started.elapsed().as_secs_f64()
        );
        assert_eq!(
            (found.direct, found.derived, found.lp_recovered),
            ((0, 0), (0, 0), 0),
            "body {body} recovers other bodies' small cells: {:#?}",
            found.examples
        );
        assert_eq!(found.inconsistent, 0, "body {body}: inconsistent figures");
    }

    assert_eq!(
        analyst.inconsistent, 0,
        "the same cell published with two values"
    );
    assert!(
        analyst.cells > 20_000,
        "the attack asked for few cells: {}",
        analyst.cells
    );
    assert!(
        analyst.lp_solved > 0,
        "the linear program had no cell to solve for"
    );
    assert_eq!(
        (analyst.direct, analyst.derived, analyst.lp_recovered),
        ((0, 0), (0, 0), 0),
        "an analyst recovers small cells: {:#?}",
        analyst.examples
    );
    assert!(
        exact.derived.0 + exact.derived.1 > 0,
        "per-table suppression should be defeated by differencing on this data"
    );
    Ok(())
}
