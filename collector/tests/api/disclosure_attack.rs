//! The adversarial disclosure test: an attacker who holds an `analyst` token asks for every
//! table it may — every grouping by month, quarter and year, with and without
//! each channel and each value of `verified`, a month by day, single services — over seeded
//! national data with hundreds of small cells, and solves for the cells it is not shown.
//!
//! The attacker's knowledge is a set of intervals, one per **canonical cell** (a set of
//! services, a span of days, a channel or all, `verified` or all) and statistic (the `n` of a
//! rating indicator, or one bar of its distribution): an exact figure is `[v, v]`; a perturbed
//! one `[v − D, v + D]` (and for a published `n` at least `k`); a suppressed `n` below its
//! `n_below`. The same canonical cell published twice must carry the same value (else the
//! outputs are inconsistent, which is a failure of its own). The true values add up, and the
//! attacker knows how: a period is the sum of its sub-periods, a set of services the sum of its
//! services, all channels the sum of the five, all responses the verified plus the unverified,
//! an `n` the sum of its bars. Interval propagation over these relations (the bounds of a
//! linear program, tightened relation by relation until nothing moves: every subtraction
//! attack, chained) gives the attacker's interval of every cell; a cell whose true value is
//! between 1 and k − 1 and whose interval is a single value is **recovered**. Every recovered
//! value is checked against the truth read from the stored responses (a wrong "recovery" would
//! mean the model is wrong). Methods: `docs/methods.md#the-adversarial-test`.
//!
//! The same attack on the national team's exact view (per-table suppression, what every role
//! read before the cell key method) recovers small cells: that is shown, not hidden. A `body`
//! token reads only its own cells (exact: it may read its own raw responses) and references to
//! other bodies that are perturbed and made of at least three of them (tested in `voce-stats`:
//! `a_body_reads_its_own_cells_exact_and_a_reference_of_fewer_than_three_other_bodies_not_at_all`).

use std::collections::{BTreeSet, HashMap};

use time::{Date, Duration};
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_collector::stats::StatsAnswer;
use voce_collector::stats::cache::ClosedPeriods;
use voce_collector::stats::disclosure::Threshold;
use voce_collector::stats::query::{self, Cell, Granularity, Grouping, StatsQuery};
use voce_stats::Period;
use voce_stats::answer::Audience;

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

/// What a canonical cell counts: the `n` of a rating indicator, or bar 1–5 of it.
type Stat = (u8, u8);

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
    /// The rating indicators each service is asked.
    asks: HashMap<String, Vec<u8>>,
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
    for cell in answer.cells.iter().chain(&answer.totals) {
        let Some(ind) = RATINGS.iter().position(|r| *r == cell.indicator) else {
            continue;
        };
        let ind = u8::try_from(ind).unwrap_or(0);
        let Some(period) = Period::parse(&cell.period) else {
            continue;
        };
        let services = facts.services_of(q, cell);
        if services.is_empty() {
            continue;
        }
        let set = k.set(services);
        let key = |stat: Stat| (set, period.start(), period.end(), ch, ve, stat);
        // Exact figures come from the national view or a body's own cells.
        let noise = if cell.perturbed { d } else { 0 };
        match (cell.suppressed, cell.n) {
            (false, Some(n)) => {
                let n = i64::try_from(n).unwrap_or(0);
                let lo = if cell.perturbed {
                    (n - noise).max(threshold)
                } else {
                    n
                };
                k.learn(key((ind, 0)), lo, n + noise, Some((cell.perturbed, n)));
                for (b, bar) in cell.distribution.iter().flatten().enumerate() {
                    let bar = i64::try_from(*bar).unwrap_or(0);
                    let stat = (ind, u8::try_from(b + 1).unwrap_or(0));
                    k.learn(
                        key(stat),
                        (bar - noise).max(0),
                        bar + noise,
                        Some((cell.perturbed, bar)),
                    );
                }
            }
            _ => {
                let below = cell
                    .n_below
                    .map_or(UNBOUNDED, |b| i64::try_from(b).unwrap_or(UNBOUNDED) - 1);
                k.learn(key((ind, 0)), 0, below, None);
                for b in 1..=5 {
                    k.learn(key((ind, b)), 0, below, None);
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
        // An n: the sum of its bars.
        if stat.1 == 0 {
            add((1..=5)
                .map(|b| part(set, from, to, ch, ve, (stat.0, b)))
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

/// The true counts, per service, then channel × verified × rating indicator × value with a
/// running sum by day (so that any span of days is one subtraction).
struct Truth {
    first: Date,
    by_service: HashMap<String, Vec<Running>>,
}

/// (channel, verified, rating indicator, value) and the running count by day.
type Running = ((u8, u8, u8, u8), Vec<i64>);

/// Days covered by [`Truth`].
const TRUTH_DAYS: i64 = 400;

impl Truth {
    fn read(app: &TestApp) -> anyhow::Result<Truth> {
        let catalog = startup::catalog()?;
        let first = UNTIL - Duration::days(TRUTH_DAYS);
        let days = usize::try_from(TRUTH_DAYS + 2)?;
        let mut counts: HashMap<(String, u8, u8, u8, u8), Vec<i64>> = HashMap::new();
        for r in app.responses()? {
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
            let day = Date::parse(
                &r.received_at[..10],
                time::macros::format_description!("[year]-[month]-[day]"),
            )?;
            let i = usize::try_from((day - first).whole_days())?;
            let slot = counts
                .entry((
                    r.service_id.clone(),
                    channel_code(Some(&r.channel)),
                    verified_code(Some(r.verified)),
                    ind,
                    v,
                ))
                .or_insert_with(|| vec![0; days]);
            slot[i + 1] += 1;
        }
        let mut by_service: HashMap<String, Vec<Running>> = HashMap::new();
        for ((service, c, v, i, value), mut running) in counts {
            for d in 1..running.len() {
                running[d] += running[d - 1];
            }
            by_service
                .entry(service)
                .or_default()
                .push(((c, v, i, value), running));
        }
        Ok(Truth { first, by_service })
    }

    fn of(&self, k: &Knowledge, key: &Key) -> i64 {
        let &(set, from, to, ch, ve, (ind, bar)) = key;
        let index = |d: Date| usize::try_from((d - self.first).whole_days()).unwrap_or(0);
        let (a, b) = (index(from), index(to) + 1);
        k.set_list[set as usize]
            .iter()
            .filter_map(|s| self.by_service.get(s))
            .flatten()
            .filter(|((c, v, i, value), _)| {
                (ch == 0 || *c == ch)
                    && (ve == 0 || *v == ve)
                    && *i == ind
                    && (bar == 0 || *value == bar)
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
    // The rating of the larger questionnaire (`chiarezza` works the same way).
    for indicator in ["facilita"] {
        let indicator = voce_shared::Indicator::parse(indicator);
        for granularity in [Granularity::Month, Granularity::Quarter, Granularity::Year] {
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
}

/// Runs the attack as `audience` reads; `scope` limits it to one body's own queries.
fn attack(
    app: &TestApp,
    snapshot: &Snapshot,
    truth: &Truth,
    audience: &Audience,
    asked: &[StatsQuery],
) -> anyhow::Result<Found> {
    let catalog = startup::catalog()?;
    let facts = Facts::of(snapshot);
    let closed = ClosedPeriods::default();
    let mut k = Knowledge::default();
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
        let asks = s
            .questionnaire
            .indicator_sources()
            .filter_map(|i| RATINGS.iter().position(|r| *r == i.indicator.code()))
            .filter_map(|i| u8::try_from(i).ok())
            .collect();
        k.asks.insert(s.service.id.clone(), asks);
    }
    let direct_bounds = k.bounds.clone();
    let rel = relations(&k);
    propagate(&mut k.bounds, &rel, 12);
    let mut found = Found {
        cells: k.keys.len(),
        relations: rel.len(),
        inconsistent: k.inconsistent.len(),
        ..Found::default()
    };
    for (id, key) in k.keys.iter().enumerate() {
        let (lo, hi) = k.bounds[id];
        if lo != hi || !(1..10).contains(&lo) {
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
                if key.5.1 == 0 {
                    format!("n of {}", RATINGS[usize::from(key.5.0)])
                } else {
                    format!("bar {} of {}", key.5.1, RATINGS[usize::from(key.5.0)])
                }
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
         by subtraction and chains {:?}; inconsistent {} ({:.1} s)",
        asked.len(),
        analyst.cells,
        analyst.relations,
        analyst.direct,
        analyst.derived,
        analyst.inconsistent,
        started.elapsed().as_secs_f64()
    );

    // The same attack on exact figures protected table by table (the national team's view,
    // and what every role read before the cell key method): it recovers small cells.
    let exact = attack(&app, &snapshot, &truth, &Audience::National, &asked)?;
    println!(
        "exact view, per-table suppression: small cells recovered by subtraction and chains \
         (n, bars) {:?}; e.g. {:#?}",
        exact.derived, exact.examples
    );

    assert_eq!(
        analyst.inconsistent, 0,
        "the same cell published with two values"
    );
    assert!(
        analyst.cells > 20_000,
        "the attack asked for few cells: {}",
        analyst.cells
    );
    assert_eq!(
        (analyst.direct, analyst.derived),
        ((0, 0), (0, 0)),
        "an analyst recovers small cells: {:#?}",
        analyst.examples
    );
    assert!(
        exact.derived.0 + exact.derived.1 > 0,
        "per-table suppression should be defeated by differencing on this data"
    );
    Ok(())
}
