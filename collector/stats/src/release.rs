//! Disclosure control of an official release: one status per cell of every table the release
//! publishes, decided once over all its linked tables ([`crate::linked`]) and then audited from
//! scratch by the attacker's linear program ([`crate::lp_audit`]).
//!
//! A release of a month publishes, for each indicator, the `n` (and the figures computed from
//! it) of every service, body, kind of service, kind of body and the nation in that month; a
//! quarter's final release the same for each of its months and for the quarter. Per indicator,
//! the cells are linked by sums — a body is the sum of its services, a kind of service the sum
//! of its services, a kind of body the sum of its bodies, the nation the sum of the kinds of
//! either sort, a quarter the sum of its months — and [`protect`] withholds every cell with
//! `1 ≤ n < k` (primary) and as few others (complementary) as it takes for every withheld
//! cell's feasible interval to stay at least the protection level wide. A cell that no
//! suppression can protect that far (a body whose few services each had one or two answers:
//! the status codes alone pin it) is withheld with the widest interval any suppression gives
//! it, and counted in [`Audit::below_level`]; the audit fails if any withheld cell is pinned to a
//! single value. Statuses that an earlier release still public already gave (a month's
//! provisional release, when its quarter's final release is made) are kept
//! ([`crate::linked::LinkedTables::protect_given`]). Figures other than `n` (means, shares,
//! intervals) follow the status of their cell's `n`. Methods:
//! [The release calendar](../../../docs/methods.md#the-release-calendar).

use std::collections::{BTreeMap, BTreeSet};

use crate::Indicator;
use crate::disclosure::{CellId, CellStatus, Threshold};
use crate::linked::{LinkedError, LinkedTables, ProtectionLevel};
use crate::lp_audit::{self, AuditError};
use crate::query::Grouping;

/// One cell of a release: period (`2026-11`, `2026-Q3`), grouping, group code (empty for the
/// nation) and indicator.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellRef {
    /// The period, in SDMX form.
    pub period: String,
    /// The grouping.
    pub grouping: GroupingKey,
    /// The group's code: a service id, an IPA code, a kind; empty for the nation.
    pub code: String,
    /// The indicator.
    pub indicator: Indicator,
}

/// [`Grouping`] as an ordered key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupingKey(u8);

impl From<Grouping> for GroupingKey {
    fn from(g: Grouping) -> Self {
        GroupingKey(
            u8::try_from(Grouping::ALL.iter().position(|x| *x == g).unwrap_or(0)).unwrap_or(0),
        )
    }
}

/// The statuses of every cell of a release (and, for statuses read back from an earlier
/// release, the `n` it published of its published cells).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statuses(BTreeMap<CellRef, CellStatus>, BTreeMap<CellRef, u64>);

impl Statuses {
    /// The status of a cell; a cell the release does not name is withheld.
    pub fn status(
        &self,
        period: &str,
        grouping: Grouping,
        code: &str,
        indicator: Indicator,
    ) -> CellStatus {
        self.0
            .get(&CellRef {
                period: period.to_owned(),
                grouping: grouping.into(),
                code: code.to_owned(),
                indicator,
            })
            .copied()
            .unwrap_or(CellStatus::Primary)
    }

    /// Every cell and its status.
    pub fn iter(&self) -> impl Iterator<Item = (&CellRef, &CellStatus)> {
        self.0.iter()
    }

    /// Sets a status (for statuses read back from a stored release).
    pub fn insert(&mut self, cell: CellRef, status: CellStatus) {
        self.0.insert(cell, status);
    }

    /// Records the `n` an earlier release published of a cell: [`protect`] keeps that cell
    /// published only while its count is still that `n` (a published figure is known; a
    /// changed one is a new figure, protected afresh).
    pub fn insert_published_n(&mut self, cell: CellRef, n: u64) {
        self.1.insert(cell, n);
    }

    /// Adds every status (and published `n`) of `other`, replacing those of the same cells.
    pub fn extend(&mut self, other: Statuses) {
        self.0.extend(other.0);
        self.1.extend(other.1);
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A service as a release groups it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceFacts {
    /// The service id.
    pub id: String,
    /// Its body's IPA code.
    pub body: String,
    /// Its kind.
    pub service_kind: String,
    /// Its body's kind.
    pub body_kind: String,
    /// The indicators it is asked.
    pub indicators: Vec<Indicator>,
}

/// The periods of a release: its months, and the quarter they make up for a final release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The months, in SDMX form (`2026-07`).
    pub months: Vec<String>,
    /// The quarter (`2026-Q3`), the sum of the months, when the release publishes it.
    pub quarter: Option<String>,
}

/// What the audit of a release found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Audit {
    /// Cells of the release (all indicators).
    pub cells: usize,
    /// Cells with `1 ≤ n < k`.
    pub small: usize,
    /// Withheld as primary.
    pub primary: usize,
    /// Withheld as complementary.
    pub complementary: usize,
    /// The narrowest feasible interval of a withheld cell that can reach the protection level,
    /// as far as the audit had to solve for it: the width of the values its LPs showed each cell
    /// taking (at least the level; a cell's true interval can only be wider).
    pub narrowest: Option<f64>,
    /// Withheld cells that no suppression can protect to the level: protected as far as they
    /// can be (each wider than a single value).
    pub below_level: usize,
    /// Withheld cells of at least `k` answers that the published figures determine all the
    /// same (withheld to keep an earlier release's status, or a complementary suppression that
    /// others made needless): no small count follows from them.
    pub determined: usize,
    /// The protection level.
    pub level: u64,
}

/// Why a release cannot be protected.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The linked protection failed.
    #[error(transparent)]
    Linked(#[from] LinkedError),
    /// The audit's linear programs failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A withheld cell is pinned to one value by the published figures.
    #[error("the audit pins a withheld cell: {0}")]
    Pinned(String),
}

/// The groups of one indicator's tables, and the sums between them.
struct Groups {
    /// (grouping, code, services).
    groups: Vec<(Grouping, String, BTreeSet<String>)>,
    sums: Vec<(usize, Vec<usize>)>,
}

fn groups_of(services: &[&ServiceFacts]) -> Groups {
    let mut groups: Vec<(Grouping, String, BTreeSet<String>)> = services
        .iter()
        .map(|s| {
            (
                Grouping::Service,
                s.id.clone(),
                BTreeSet::from([s.id.clone()]),
            )
        })
        .collect();
    let mut sums = Vec::new();
    let by = |key: fn(&ServiceFacts) -> &String| {
        let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, s) in services.iter().enumerate() {
            out.entry(key(s).clone()).or_default().push(i);
        }
        out
    };
    let members = |parts: &[usize]| -> BTreeSet<String> {
        parts.iter().map(|&i| services[i].id.clone()).collect()
    };
    let mut bodies_of_kind: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (body, parts) in by(|s| &s.body) {
        bodies_of_kind
            .entry(services[parts[0]].body_kind.clone())
            .or_default()
            .push(groups.len());
        sums.push((groups.len(), parts.clone()));
        groups.push((Grouping::Body, body, members(&parts)));
    }
    let mut service_kinds = Vec::new();
    for (kind, parts) in by(|s| &s.service_kind) {
        service_kinds.push(groups.len());
        sums.push((groups.len(), parts.clone()));
        groups.push((Grouping::ServiceKind, kind, members(&parts)));
    }
    let mut body_kinds = Vec::new();
    for (kind, bodies) in bodies_of_kind {
        body_kinds.push(groups.len());
        let all = bodies
            .iter()
            .flat_map(|&b| groups[b].2.iter().cloned())
            .collect();
        sums.push((groups.len(), bodies));
        groups.push((Grouping::BodyKind, kind, all));
    }
    let nation = groups.len();
    groups.push((
        Grouping::National,
        String::new(),
        services.iter().map(|s| s.id.clone()).collect(),
    ));
    sums.push((nation, service_kinds));
    sums.push((nation, body_kinds));
    Groups { groups, sums }
}

/// Decides the status of every cell of a release and audits it. `n(indicator, service, month)`
/// is the true count of a service in the `month`-th month of `span`; `earlier` the statuses that
/// releases still public gave to cells of this one: a withheld cell stays withheld, a
/// published one stays published while its `n` is the one published
/// ([`Statuses::insert_published_n`]).
pub fn protect(
    services: &[ServiceFacts],
    span: &Span,
    n: &dyn Fn(Indicator, &str, usize) -> u64,
    earlier: &Statuses,
    k: Threshold,
    level: ProtectionLevel,
) -> Result<(Statuses, Audit), ReleaseError> {
    let mut statuses = Statuses::default();
    let mut audit = Audit {
        level: level.width(),
        ..Audit::default()
    };
    let indicators: BTreeSet<Indicator> = services
        .iter()
        .flat_map(|s| s.indicators.iter().copied())
        .collect();
    for indicator in indicators {
        let asked: Vec<&ServiceFacts> = services
            .iter()
            .filter(|s| s.indicators.contains(&indicator))
            .collect();
        let Groups { groups, sums } = groups_of(&asked);
        let mut tables = LinkedTables::new();
        let mut refs = Vec::new();
        let mut rows = Vec::new();
        for (grouping, code, members) in &groups {
            let by_month: Vec<u64> = (0..span.months.len())
                .map(|m| members.iter().map(|s| n(indicator, s, m)).sum())
                .collect();
            let mut row = Vec::new();
            for (m, month) in span.months.iter().enumerate() {
                row.push(tables.add_labelled_cell(
                    by_month[m],
                    format!("{} {code} {month} {}", grouping.code(), indicator.code()),
                ));
                refs.push(cell_ref(month, *grouping, code, indicator));
            }
            if let Some(quarter) = &span.quarter {
                let total = tables.add_labelled_cell(
                    by_month.iter().sum(),
                    format!("{} {code} {quarter} {}", grouping.code(), indicator.code()),
                );
                tables.add_sum(total, row.iter().copied())?;
                row.push(total);
                refs.push(cell_ref(quarter, *grouping, code, indicator));
            }
            rows.push(row);
        }
        for (total, parts) in &sums {
            for (p, &cell) in rows[*total].iter().enumerate() {
                tables.add_sum(cell, parts.iter().map(|&part| rows[part][p]))?;
            }
        }
        let given: Vec<(CellId, CellStatus)> = tables
            .cells()
            .iter()
            .zip(&refs)
            .filter_map(|(id, r)| earlier.0.get(r).map(|s| (*id, *s, r)))
            .filter(|(id, s, r)| {
                *s != CellStatus::Published
                    || earlier.1.get(*r).is_none_or(|n| *n == tables.count(*id))
            })
            .map(|(id, s, _)| (id, s))
            .collect();
        let protection = tables.protect_given(k, level, &given)?;
        let status = protection.statuses();
        // The audit, from scratch: the attacker's LPs over every figure of the tables, started
        // from the true table alone (nothing of the protection's own LPs is reused). Every LP
        // solution is a table consistent with the release; a cell whose values seen so far
        // span the level passes, and every other withheld cell gets its exact interval.
        let knowledge = tables.knowledge(status, k, level.attacker());
        let widths = vec![level.width() as f64; tables.len()];
        let mut reached = lp_audit::Reached::new(tables.cells().iter().map(|id| tables.count(*id)));
        let (narrow, _) =
            lp_audit::narrower_than(tables.constraints(), &knowledge, &widths, &mut reached)?;
        let narrow: BTreeMap<usize, lp_audit::Interval> = narrow.into_iter().collect();
        let intervals: Vec<Option<lp_audit::Interval>> = (0..tables.len())
            .map(|i| {
                status[i]
                    .is_suppressed()
                    .then(|| narrow.get(&i).copied().unwrap_or_else(|| reached.range(i)))
            })
            .collect();
        let unprotected: BTreeSet<usize> = protection
            .unprotected()
            .iter()
            .map(|(id, _)| id.index())
            .collect();
        for (i, id) in tables.cells().iter().enumerate() {
            let count = tables.count(*id);
            audit.cells += 1;
            audit.small += usize::from((1..k.get()).contains(&count));
            match status[i] {
                CellStatus::Primary => audit.primary += 1,
                CellStatus::Complementary => audit.complementary += 1,
                CellStatus::Published => {}
            }
            if let Some(interval) = intervals[i] {
                if interval.width() < 0.5 && count >= k.get() {
                    // Withheld, but the published figures give it: a count of at least k,
                    // which tells nothing of a small cell that the LPs of those cells did not
                    // already use (they see the same figures).
                    audit.determined += 1;
                } else if interval.width() < 0.5 {
                    return Err(ReleaseError::Pinned(format!(
                        "{} (n = {count}, {:?}, given {:?})",
                        tables.describe(*id),
                        status[i],
                        given.iter().find(|(g, _)| g == id).map(|(_, s)| *s)
                    )));
                } else if unprotected.contains(&i) {
                    audit.below_level += 1;
                } else {
                    audit.narrowest = Some(
                        audit
                            .narrowest
                            .map_or(interval.width(), |w: f64| w.min(interval.width())),
                    );
                    if !interval.spans(level.width() as f64) {
                        return Err(ReleaseError::Pinned(format!(
                            "{} is narrower than the level: {interval:?}",
                            tables.describe(*id)
                        )));
                    }
                }
            }
            statuses.0.insert(refs[i].clone(), status[i]);
        }
    }
    Ok((statuses, audit))
}

fn cell_ref(period: &str, grouping: Grouping, code: &str, indicator: Indicator) -> CellRef {
    CellRef {
        period: period.to_owned(),
        grouping: grouping.into(),
        code: code.to_owned(),
        indicator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(id: &str, body: &str, kind: &str) -> ServiceFacts {
        ServiceFacts {
            id: id.into(),
            body: body.into(),
            service_kind: kind.into(),
            body_kind: "ente-nazionale".into(),
            indicators: vec![Indicator::Facilita],
        }
    }

    #[test]
    fn a_small_month_of_a_quarter_is_withheld_with_a_second_cell_and_the_audit_passes()
    -> anyhow::Result<()> {
        // Two bodies, three services; service c had 3 answers in August.
        let services = [
            service("a", "b1", "domanda-online"),
            service("b", "b1", "prenotazione"),
            service("c", "b2", "domanda-online"),
        ];
        let counts = |s: &str, m: usize| -> u64 {
            match (s, m) {
                ("c", 1) => 3,
                ("a", _) => 40 + m as u64,
                ("b", _) => 25,
                _ => 30,
            }
        };
        let span = Span {
            months: vec!["2026-07".into(), "2026-08".into(), "2026-09".into()],
            quarter: Some("2026-Q3".into()),
        };
        let k = Threshold::DEFAULT;
        let (statuses, audit) = protect(
            &services,
            &span,
            &|_, s, m| counts(s, m),
            &Statuses::default(),
            k,
            ProtectionLevel::for_threshold(k),
        )?;
        let of = |p: &str, g: Grouping, c: &str| statuses.status(p, g, c, Indicator::Facilita);
        assert_eq!(of("2026-08", Grouping::Service, "c"), CellStatus::Primary);
        // Body b2 is service c alone: withheld in August too.
        assert!(of("2026-08", Grouping::Body, "b2").is_suppressed());
        // The nation is never withheld, and most cells are published.
        for p in ["2026-07", "2026-08", "2026-09", "2026-Q3"] {
            assert_eq!(of(p, Grouping::National, ""), CellStatus::Published);
        }
        assert!(
            (audit.primary + audit.complementary) * 2 < audit.cells,
            "{audit:?}"
        );
        assert!(audit.complementary > 0, "{audit:?}");
        assert!(audit.narrowest.is_some_and(|w| w >= 5.0), "{audit:?}");
        // The same protection given the statuses of a provisional August keeps them.
        let (again, _) = protect(
            &services,
            &span,
            &|_, s, m| counts(s, m),
            &statuses,
            k,
            ProtectionLevel::for_threshold(k),
        )?;
        assert_eq!(again, statuses);
        Ok(())
    }
}
