//! Disclosure control decided once over all the **linked tables of a release**. An official
//! release of a period (a month, or a quarter with its months) publishes many fixed tables per
//! indicator — services, bodies, kinds of service, kinds of body, the nation, and each month
//! beside its quarter — and they share cells: a body's March count is a part of its quarter,
//! of its kind's March count, and the total of its services' March counts. Protecting each
//! table on its own ([`crate::disclosure::Table::protect`]) lets a reader combine them (the
//! quarter minus two published months gives the suppressed third). Here, as statistical offices
//! do with τ-ARGUS (modular/hypercube) or sdcTable, there is **one cell object per cell** and
//! every sum between them is a constraint of one [`LinkedTables`], so each cell gets one status
//! for the whole release, and suppression is then **audited** by the attacker's linear program
//! ([`crate::lp_audit`]). The rules are written out in
//! [Disclosure control](../../../docs/methods.md#disclosure-control).
//!
//! [`LinkedTables::protect`] with threshold `k` ([`Threshold`], default 10) and protection
//! level `p` ([`ProtectionLevel`], default `⌈k/2⌉`, i.e. 5 for `k = 10`):
//!
//! 1. **Zeros** are published as 0 (no person is behind them, and the collector leaves a group
//!    with no answer out, which says the same). They are fixed at 0 in the audit, like every
//!    published cell, and never chosen for suppression.
//! 2. **Primary:** every cell with `1 ≤ n < k` is withheld (status [`CellStatus::Primary`]).
//! 3. **Audit and complementary suppression**, repeated until every withheld cell passes: a
//!    withheld cell *passes* when its feasible interval `[lo, hi]` — the least and the greatest
//!    value it takes over all tables that agree with every published figure, satisfy every sum
//!    and respect what the reader knows of each withheld cell ([`Attacker`]) — is at least `p`
//!    wide: `hi − lo ≥ p`. First, cheaply, by bound propagation (an interval that contains the
//!    LP interval: narrower than `p` is a certain failure); when propagation finds nothing, by
//!    the LPs themselves. For each failing cell (weakest first; one per neighbourhood per round,
//!    as a cell withheld for one often fixes its neighbours) one more published, non-zero cell is
//!    withheld ([`CellStatus::Complementary`]): the smallest cell of a sum of the failing cell
//!    (the sums with fewest withheld members first) that would, by that sum alone, give it room
//!    `p`; else the one with most room; if its own sums have no published cell left, the nearest
//!    such cell through the sums of other withheld cells.
//! 4. A withheld cell that no suppression can protect — its interval stays narrower than `p`
//!    even with every other cell withheld (say a body whose five services each had one answer:
//!    the reader knows it had 5 to 9) — is reported in [`Protection::unprotected`] instead of
//!    triggering suppression everywhere. A release with such cells needs a decision of its own
//!    (merge or drop the groups).
//!
//! Every withheld cell must pass, complementary ones included: a complementary cell pinned
//! exactly would be published in all but name.
//!
//! **Why `p = ⌈k/2⌉`.** The threshold says no figure may describe fewer than `k` people; the
//! protection level says how much uncertainty a withheld count must keep. The interval of a
//! small count can never be wider than what its code says (`1 … k − 1`, width `k − 2`), so `p`
//! must stay below that; half of `k` keeps a cell of 1 indistinguishable from one of at least
//! `1 + p` (a cell of 3 could be anything from 1 to 8 or more), and is the usual order of
//! magnitude of frequency-table protection levels. Only the width counts, not where the true
//! value lies in it (τ-ARGUS's *sliding* protection range). `p` is a parameter
//! ([`ProtectionLevel::new`]).
//!
//! **What the reader knows** ([`Attacker`], default [`Attacker::ReadsStatusCodes`]): Voce
//! publishes `CONF_STATUS` `A` (small count, shown as "< k") for primary and `D` for
//! complementary cells, so the default reader knows `1 ≤ n ≤ k − 1` for a primary cell and
//! `n ≥ k` for a complementary one. [`Attacker::NonNegative`] only knows `n ≥ 0`: weaker, so
//! whatever passes the default passes it too.
//!
//! The result is deterministic: cells are visited in the order they were added, ties go to the
//! cell added first, and the LPs see the same systems in the same order.

use std::collections::BTreeSet;

use crate::disclosure::{CellId, CellStatus, Constraint, Table, TableError, Threshold};
use crate::lp_audit::{self, AuditError, Interval, Knowledge, Reached};

/// What the reader of a release is assumed to know about a withheld cell, besides the sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attacker {
    /// Only that counts are not negative: every withheld cell is in `[0, ∞)`.
    NonNegative,
    /// Also the status code published with each withheld cell: a primary cell (`A`, "< k") is
    /// in `[1, k − 1]` (zeros are published), a complementary one (`D`) in `[k, ∞)`.
    #[default]
    ReadsStatusCodes,
}

impl Attacker {
    /// What this reader knows of a cell of `n` with status `status` under threshold `k`.
    pub fn knowledge(self, n: u64, status: CellStatus, k: Threshold) -> Knowledge {
        match (status, self) {
            (CellStatus::Published, _) => Knowledge::Published(n),
            (_, Self::NonNegative) => Knowledge::Withheld { lo: 0, hi: None },
            (CellStatus::Primary, Self::ReadsStatusCodes) => Knowledge::Withheld {
                lo: 1,
                hi: Some(k.get() - 1),
            },
            (CellStatus::Complementary, Self::ReadsStatusCodes) => Knowledge::Withheld {
                lo: k.get(),
                hi: None,
            },
        }
    }

    /// The least value this reader thinks a published cell could have once withheld as
    /// complementary.
    fn complementary_floor(self, k: Threshold) -> u64 {
        match self {
            Self::NonNegative => 0,
            Self::ReadsStatusCodes => k.get(),
        }
    }
}

/// How wide the feasible interval of every withheld cell must stay, against which reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectionLevel {
    width: u64,
    attacker: Attacker,
}

impl ProtectionLevel {
    /// The default for threshold `k`: width `⌈k/2⌉` (5 for `k = 10`) against a reader of the
    /// status codes.
    pub fn for_threshold(k: Threshold) -> Self {
        Self {
            width: k.get().div_ceil(2),
            attacker: Attacker::default(),
        }
    }

    /// Width `width` against `attacker`.
    pub fn new(width: u64, attacker: Attacker) -> Self {
        Self { width, attacker }
    }

    /// The least width `p` of a withheld cell's feasible interval.
    pub fn width(self) -> u64 {
        self.width
    }

    /// The reader the intervals are computed for.
    pub fn attacker(self) -> Attacker {
        self.attacker
    }

    fn check(self, k: Threshold) -> Result<(), LinkedError> {
        let widest = match self.attacker {
            Attacker::NonNegative => u64::MAX,
            Attacker::ReadsStatusCodes => k.get() - 2,
        };
        if self.width == 0 || self.width > widest {
            Err(LinkedError::UnreachableLevel {
                width: self.width,
                k: k.get(),
            })
        } else {
            Ok(())
        }
    }
}

/// Something that stopped a linked set from being built or protected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkedError {
    /// A sum that does not describe the cells.
    #[error(transparent)]
    Sum(#[from] TableError),
    /// A grid sum naming a row or column the grid does not have.
    #[error("the grid has no {what} {index}")]
    OutOfGrid {
        /// `"row"` or `"column"`.
        what: &'static str,
        /// The index asked for.
        index: usize,
    },
    /// A protection level no cell could meet (0, or wider than the `k − 2` a small count's
    /// code already allows).
    #[error(
        "a protection level of {width} cannot be met under k = {k}: it must be at least 1 and, when readers see the status codes, at most k − 2"
    )]
    UnreachableLevel {
        /// The width asked for.
        width: u64,
        /// The threshold.
        k: u64,
    },
    /// The LP audit failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The cells of a release (one per group × period × indicator) and every sum between them.
#[derive(Debug, Clone, Default)]
pub struct LinkedTables {
    table: Table,
    ids: Vec<CellId>,
    labels: Vec<Option<String>>,
    /// For each cell, the sums (indices into the constraints) it is a member of.
    sums_of: Vec<Vec<usize>>,
}

impl LinkedTables {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cell of `n` responses.
    pub fn add_cell(&mut self, n: u64) -> CellId {
        let id = self.table.add_cell(n);
        self.ids.push(id);
        self.labels.push(None);
        self.sums_of.push(Vec::new());
        id
    }

    /// Adds a cell of `n` responses with a label for diagnostics (e.g. `"body 12, 2025-M03"`).
    pub fn add_labelled_cell(&mut self, n: u64, label: impl Into<String>) -> CellId {
        let id = self.add_cell(n);
        self.labels[id.index()] = Some(label.into());
        id
    }

    /// Declares that `total` is published as the sum of `parts`. A cell may be in any number
    /// of sums, as a total in some and a part in others.
    pub fn add_sum(
        &mut self,
        total: CellId,
        parts: impl IntoIterator<Item = CellId>,
    ) -> Result<(), LinkedError> {
        let parts: Vec<CellId> = parts.into_iter().collect();
        self.table.add_sum(total, parts.iter().copied())?;
        let index = self.table.constraints().len() - 1;
        for id in std::iter::once(total).chain(parts) {
            self.sums_of[id.index()].push(index);
        }
        Ok(())
    }

    /// Adds the sums of a grid that crosses two classifications, `grid[row][column]` (say a
    /// group by period): each `(total, parts)` of `row_sums` holds in every column
    /// (`grid[total][c] = Σ grid[part][c]`), each of `column_sums` in every row.
    pub fn add_grid_sums(
        &mut self,
        grid: &[Vec<CellId>],
        row_sums: &[(usize, Vec<usize>)],
        column_sums: &[(usize, Vec<usize>)],
    ) -> Result<(), LinkedError> {
        let row = |r: usize| {
            grid.get(r).ok_or(LinkedError::OutOfGrid {
                what: "row",
                index: r,
            })
        };
        let cell = |cells: &Vec<CellId>, c: usize| {
            cells.get(c).copied().ok_or(LinkedError::OutOfGrid {
                what: "column",
                index: c,
            })
        };
        let columns = grid.iter().map(Vec::len).max().unwrap_or(0);
        for (total, parts) in row_sums {
            for c in 0..columns {
                let parts = parts
                    .iter()
                    .map(|&p| cell(row(p)?, c))
                    .collect::<Result<Vec<_>, _>>()?;
                self.add_sum(cell(row(*total)?, c)?, parts)?;
            }
        }
        for cells in grid {
            for (total, parts) in column_sums {
                let parts = parts
                    .iter()
                    .map(|&p| cell(cells, p))
                    .collect::<Result<Vec<_>, _>>()?;
                self.add_sum(cell(cells, *total)?, parts)?;
            }
        }
        Ok(())
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The cells, in the order they were added.
    pub fn cells(&self) -> &[CellId] {
        &self.ids
    }

    /// The count of a cell.
    pub fn count(&self, id: CellId) -> u64 {
        self.table.count(id)
    }

    /// The label of a cell, if it was given one.
    pub fn label(&self, id: CellId) -> Option<&str> {
        self.labels[id.index()].as_deref()
    }

    /// The label of a cell, or `cell #i`.
    pub fn describe(&self, id: CellId) -> String {
        self.label(id)
            .map_or_else(|| format!("cell #{}", id.index()), str::to_owned)
    }

    /// The sums declared so far.
    pub fn constraints(&self) -> &[Constraint] {
        self.table.constraints()
    }

    /// The cells and sums as one [`Table`].
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// What `attacker` knows of every cell when the cells have `statuses`.
    pub fn knowledge(
        &self,
        statuses: &[CellStatus],
        k: Threshold,
        attacker: Attacker,
    ) -> Vec<Knowledge> {
        self.ids
            .iter()
            .zip(statuses)
            .map(|(&id, &status)| attacker.knowledge(self.count(id), status, k))
            .collect()
    }

    /// The exact feasible interval of every withheld cell (by [`CellId::index`]; `None` for
    /// published cells) when the cells have `statuses`: two LPs per withheld cell. For auditing
    /// any suppression pattern, including one decided elsewhere.
    pub fn intervals(
        &self,
        statuses: &[CellStatus],
        k: Threshold,
        attacker: Attacker,
    ) -> Result<Vec<Option<Interval>>, LinkedError> {
        let knowledge = self.knowledge(statuses, k, attacker);
        Ok(lp_audit::intervals(self.constraints(), &knowledge)?)
    }

    /// Decides the status of every cell of the release: see the module documentation.
    pub fn protect(&self, k: Threshold, level: ProtectionLevel) -> Result<Protection, LinkedError> {
        self.protect_given(k, level, &[])
    }

    /// [`Self::protect`], with the statuses some cells already have in an earlier release that
    /// stays public (a month's provisional release, when its quarter's final release is made):
    /// a cell published there stays published here (it is known) and is never chosen for
    /// complementary suppression, a cell withheld there stays withheld. A small cell given as
    /// published is withheld all the same (a figure of fewer than `k` is never published).
    pub fn protect_given(
        &self,
        k: Threshold,
        level: ProtectionLevel,
        given: &[(CellId, CellStatus)],
    ) -> Result<Protection, LinkedError> {
        level.check(k)?;
        let mut run = Run::new(self, k, level);
        for &(id, status) in given {
            let i = id.index();
            if i >= self.len() {
                continue;
            }
            match status {
                CellStatus::Published => run.locked[i] = true,
                _ if run.status[i] == CellStatus::Published && self.count(id) > 0 => {
                    run.status[i] = CellStatus::Complementary;
                }
                _ => {}
            }
        }
        run.mark_structurally_unprotectable()?;
        loop {
            // Certain failures first: bound propagation, no LP.
            loop {
                let knowledge = run.knowledge();
                let outer = lp_audit::outer_intervals(self.constraints(), &knowledge)?;
                let weak = run.failing(
                    outer
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| Some((i, (*v)?))),
                );
                if weak.is_empty() {
                    break;
                }
                run.report.propagation_rounds += 1;
                run.report.complementary_by_propagation += run.suppress_for(weak)?;
            }
            // Then the LPs, for the cells propagation could not clear.
            let knowledge = run.knowledge();
            let (narrow, effort) = lp_audit::narrower_than(
                self.constraints(),
                &knowledge,
                &run.need,
                &mut run.reached,
            )?;
            run.report.lps += effort.lps;
            run.report.largest_component =
                run.report.largest_component.max(effort.largest_component);
            let mut weak = Vec::new();
            for (cell, interval) in run.failing(narrow) {
                if run.unprotected[cell].is_none() {
                    let attainable = run.attainable(cell)?;
                    if !run.passes_level(attainable) {
                        run.settle_for(cell, attainable);
                        if interval.spans(run.need[cell]) {
                            continue;
                        }
                    }
                }
                weak.push((cell, interval));
            }
            if weak.is_empty() {
                break;
            }
            run.report.lp_rounds += 1;
            run.report.complementary_by_lp += run.suppress_for(weak)?;
        }
        let unprotected = (0..self.len())
            .filter_map(|i| Some((self.ids[i], run.unprotected[i]?)))
            .collect();
        run.report.cells = self.len();
        run.report.primary = run
            .status
            .iter()
            .filter(|s| **s == CellStatus::Primary)
            .count();
        Ok(Protection {
            status: run.status,
            unprotected,
            report: run.report,
        })
    }
}

/// The state of one [`LinkedTables::protect`].
struct Run<'a> {
    tables: &'a LinkedTables,
    k: Threshold,
    level: ProtectionLevel,
    status: Vec<CellStatus>,
    /// The width each withheld cell must reach: `p`, or less for a cell that cannot reach it.
    need: Vec<f64>,
    /// For a cell that cannot reach `p`: the widest interval it can have.
    unprotected: Vec<Option<Interval>>,
    /// Values seen in tables consistent with the release so far (valid across rounds, as the
    /// feasible set only grows when cells are withheld).
    reached: Reached,
    /// What the reader would know if every non-zero cell were withheld.
    all_withheld: Vec<Knowledge>,
    /// Cells published in an earlier release: never withheld here.
    locked: Vec<bool>,
    report: Report,
}

impl<'a> Run<'a> {
    fn new(tables: &'a LinkedTables, k: Threshold, level: ProtectionLevel) -> Self {
        let counts: Vec<u64> = tables.ids.iter().map(|&id| tables.count(id)).collect();
        let status: Vec<CellStatus> = counts
            .iter()
            .map(|&n| {
                if n == 0 {
                    CellStatus::Published
                } else {
                    k.status_of(n)
                }
            })
            .collect();
        let all_withheld = counts
            .iter()
            .zip(&status)
            .map(|(&n, &s)| {
                let s = if n == 0 || s == CellStatus::Primary {
                    s
                } else {
                    CellStatus::Complementary
                };
                level.attacker.knowledge(n, s, k)
            })
            .collect();
        Self {
            tables,
            k,
            level,
            need: vec![level.width as f64; counts.len()],
            unprotected: vec![None; counts.len()],
            locked: vec![false; counts.len()],
            reached: Reached::new(counts),
            status,
            all_withheld,
            report: Report::default(),
        }
    }

    fn knowledge(&self) -> Vec<Knowledge> {
        self.tables
            .knowledge(&self.status, self.k, self.level.attacker)
    }

    fn passes_level(&self, interval: Interval) -> bool {
        interval.spans(self.level.width as f64)
    }

    /// Records that `cell` can at best have the interval `attainable`, narrower than `p`: it
    /// is protected up to that width and reported.
    fn settle_for(&mut self, cell: usize, attainable: Interval) {
        self.unprotected[cell] = Some(attainable);
        self.need[cell] = self.need[cell].min(attainable.width());
    }

    /// The withheld cells among `intervals` that are narrower than they need to be.
    fn failing(
        &self,
        intervals: impl IntoIterator<Item = (usize, Interval)>,
    ) -> Vec<(usize, Interval)> {
        intervals
            .into_iter()
            .filter(|&(cell, interval)| {
                self.status[cell].is_suppressed() && !interval.spans(self.need[cell])
            })
            .collect()
    }

    /// Finds the primary cells that even withholding every other cell leaves narrower than `p`
    /// by bound propagation (so certainly), and lowers their need to what the LP says they can
    /// reach, so that nothing is withheld in vain for them.
    fn mark_structurally_unprotectable(&mut self) -> Result<(), LinkedError> {
        let outer = lp_audit::outer_intervals(self.tables.constraints(), &self.all_withheld)?;
        for (cell, interval) in outer.into_iter().enumerate() {
            if let Some(interval) = interval
                && self.status[cell] == CellStatus::Primary
                && !self.passes_level(interval)
            {
                let attainable = self.attainable(cell)?;
                self.settle_for(cell, attainable);
            }
        }
        Ok(())
    }

    /// The exact interval of a cell if every non-zero cell were withheld: the most any
    /// suppression could give it.
    fn attainable(&mut self, cell: usize) -> Result<Interval, LinkedError> {
        let interval = lp_audit::interval_of(self.tables.constraints(), &self.all_withheld, cell)?;
        self.report.lps += 2;
        Ok(interval.unwrap_or(Interval {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
        }))
    }

    /// One round of complementary suppression for the failing cells `weak`: weakest first, and
    /// none for a cell that shares a sum with a cell withheld earlier in the round. Returns how
    /// many cells were withheld.
    fn suppress_for(&mut self, mut weak: Vec<(usize, Interval)>) -> Result<usize, LinkedError> {
        weak.sort_by(|a, b| a.1.width().total_cmp(&b.1.width()).then(a.0.cmp(&b.0)));
        let mut touched = vec![false; self.tables.constraints().len()];
        let mut added = 0;
        for (cell, _) in weak {
            if self.tables.sums_of[cell].iter().any(|&c| touched[c]) {
                continue;
            }
            match self.complement_for(cell) {
                Some(target) => {
                    self.status[target] = CellStatus::Complementary;
                    added += 1;
                    for &c in &self.tables.sums_of[target] {
                        touched[c] = true;
                    }
                }
                None => {
                    // Nothing left to withhold around it: what it has now is all it can have.
                    let knowledge = self.knowledge();
                    let now = lp_audit::interval_of(self.tables.constraints(), &knowledge, cell)?;
                    self.report.lps += 2;
                    if let Some(now) = now {
                        self.settle_for(cell, now);
                    }
                }
            }
        }
        Ok(added)
    }

    /// The members of sum `c`, total first.
    fn members(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        let constraint = &self.tables.constraints()[c];
        std::iter::once(constraint.total.index()).chain(constraint.parts.iter().map(|p| p.index()))
    }

    fn is_candidate(&self, cell: usize) -> bool {
        !self.status[cell].is_suppressed()
            && !self.locked[cell]
            && self.tables.table.count(self.tables.ids[cell]) > 0
    }

    /// The published cell to withhold for the failing cell `cell`, or `None` when nothing
    /// published and non-zero is left in any sum reachable from it through withheld cells.
    fn complement_for(&self, cell: usize) -> Option<usize> {
        let withheld = |c: usize| {
            self.members(c)
                .filter(|&m| self.status[m].is_suppressed())
                .count()
        };
        // Its own sums, the tightest (fewest withheld members) first.
        let mut own: Vec<usize> = self.tables.sums_of[cell].clone();
        own.sort_by_key(|&c| (withheld(c), c));
        let mut start = 0;
        while start < own.len() {
            let group = withheld(own[start]);
            let end = own[start..]
                .iter()
                .position(|&c| withheld(c) != group)
                .map_or(own.len(), |offset| start + offset);
            if let Some(best) = self.best_in_own_sums(cell, &own[start..end]) {
                return Some(best);
            }
            start = end;
        }
        // Farther out, through the sums of other withheld cells, nearest first.
        let mut seen_sums: BTreeSet<usize> = own.iter().copied().collect();
        let mut seen_cells: BTreeSet<usize> = BTreeSet::from([cell]);
        let mut frontier: Vec<usize> = own
            .iter()
            .flat_map(|&c| self.members(c))
            .filter(|&m| self.status[m].is_suppressed() && seen_cells.insert(m))
            .collect();
        while !frontier.is_empty() {
            let layer: Vec<usize> = frontier
                .iter()
                .flat_map(|&m| self.tables.sums_of[m].iter().copied())
                .filter(|&c| seen_sums.insert(c))
                .collect();
            let candidates: BTreeSet<usize> = layer
                .iter()
                .flat_map(|&c| self.members(c))
                .filter(|&m| self.is_candidate(m))
                .collect();
            if let Some(best) = self.best_by_room(candidates) {
                return Some(best);
            }
            frontier = layer
                .iter()
                .flat_map(|&c| self.members(c))
                .filter(|&m| self.status[m].is_suppressed() && seen_cells.insert(m))
                .collect();
        }
        None
    }

    /// In the sums `sums` of the failing cell `cell`: the smallest published cell that, withheld,
    /// leaves `cell` an interval of at least `p` by that sum alone; else the one with most room.
    fn best_in_own_sums(&self, cell: usize, sums: &[usize]) -> Option<usize> {
        let knowledge = self.knowledge();
        let p = self.need[cell];
        let mut fits: Option<(u64, usize)> = None;
        let mut all = BTreeSet::new();
        for &c in sums {
            for m in self.members(c).filter(|&m| self.is_candidate(m)) {
                all.insert(m);
                let mut trial = knowledge.clone();
                trial[m] = self.level.attacker.knowledge(
                    self.tables.table.count(self.tables.ids[m]),
                    CellStatus::Complementary,
                    self.k,
                );
                let constraint = &self.tables.constraints()[c];
                let room = lp_audit::outer_intervals(std::slice::from_ref(constraint), &trial)
                    .ok()
                    .and_then(|v| v[cell]);
                if room.is_some_and(|r| r.spans(p)) {
                    let key = (self.tables.table.count(self.tables.ids[m]), m);
                    if fits.is_none_or(|f| key < f) {
                        fits = Some(key);
                    }
                }
            }
        }
        fits.map(|(_, m)| m).or_else(|| self.best_by_room(all))
    }

    /// Among `candidates`: the smallest whose room once withheld (its count minus the least
    /// value the reader would allow it) is at least `p`; else the one with most room.
    fn best_by_room(&self, candidates: impl IntoIterator<Item = usize>) -> Option<usize> {
        let floor = self.level.attacker.complementary_floor(self.k);
        let count = |m: usize| self.tables.table.count(self.tables.ids[m]);
        let candidates: Vec<usize> = candidates.into_iter().collect();
        candidates
            .iter()
            .copied()
            .filter(|&m| count(m).saturating_sub(floor) >= self.level.width)
            .min_by_key(|&m| (count(m), m))
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .max_by_key(|&m| (count(m), std::cmp::Reverse(m)))
            })
    }
}

/// Figures of one [`LinkedTables::protect`], for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Cells in the release.
    pub cells: usize,
    /// Cells withheld as primary (`1 ≤ n < k`).
    pub primary: usize,
    /// Cells withheld as complementary because bound propagation showed a certain failure.
    pub complementary_by_propagation: usize,
    /// Cells withheld as complementary because an LP showed a failure propagation had missed.
    pub complementary_by_lp: usize,
    /// Rounds of suppression driven by propagation.
    pub propagation_rounds: usize,
    /// Rounds of suppression driven by the LPs.
    pub lp_rounds: usize,
    /// LPs solved.
    pub lps: usize,
    /// Withheld cells in the largest component an LP was solved over.
    pub largest_component: usize,
}

impl Report {
    /// All complementary cells.
    pub fn complementary(&self) -> usize {
        self.complementary_by_propagation + self.complementary_by_lp
    }
}

/// The outcome of [`LinkedTables::protect`]: one status per cell for the whole release.
#[derive(Debug, Clone, PartialEq)]
pub struct Protection {
    status: Vec<CellStatus>,
    unprotected: Vec<(CellId, Interval)>,
    report: Report,
}

impl Protection {
    /// The status of a cell.
    pub fn status(&self, id: CellId) -> CellStatus {
        self.status[id.index()]
    }

    /// Whether a cell's figures are withheld.
    pub fn is_suppressed(&self, id: CellId) -> bool {
        self.status(id).is_suppressed()
    }

    /// The statuses of all cells, in the order they were added.
    pub fn statuses(&self) -> &[CellStatus] {
        &self.status
    }

    /// Withheld cells whose interval stays narrower than the protection level even with every
    /// other cell withheld, each with the widest interval it can have (which it has been given).
    /// Empty for a release that may go out as it is.
    pub fn unprotected(&self) -> &[(CellId, Interval)] {
        &self.unprotected
    }

    /// What the protection took.
    pub fn report(&self) -> &Report {
        &self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k10() -> Threshold {
        Threshold::DEFAULT
    }

    fn level() -> ProtectionLevel {
        ProtectionLevel::for_threshold(k10())
    }

    /// `total = parts…`, as one linked set.
    fn one_sum(total: u64, parts: &[u64]) -> (LinkedTables, CellId, Vec<CellId>) {
        let mut tables = LinkedTables::new();
        let t = tables.add_cell(total);
        let ps: Vec<CellId> = parts.iter().map(|&n| tables.add_cell(n)).collect();
        tables.add_sum(t, ps.clone()).expect("a valid sum");
        (tables, t, ps)
    }

    fn widths(
        tables: &LinkedTables,
        p: &Protection,
        attacker: Attacker,
    ) -> Vec<(CellId, Interval)> {
        let found = tables
            .intervals(p.statuses(), k10(), attacker)
            .expect("an audit");
        tables
            .cells()
            .iter()
            .filter_map(|&id| Some((id, found[id.index()]?)))
            .collect()
    }

    #[test]
    fn the_default_protection_level_is_half_the_threshold_rounded_up() {
        assert_eq!(level().width(), 5);
        assert_eq!(level().attacker(), Attacker::ReadsStatusCodes);
        let k5 = Threshold::new(5).expect("k ≥ 5");
        assert_eq!(ProtectionLevel::for_threshold(k5).width(), 3);
        let (tables, ..) = one_sum(41, &[25, 12, 4]);
        // A small count's code already says 1 … 9: a width above 8 can never be met.
        assert_eq!(
            tables.protect(k10(), ProtectionLevel::new(9, Attacker::ReadsStatusCodes)),
            Err(LinkedError::UnreachableLevel { width: 9, k: 10 })
        );
        assert!(
            tables
                .protect(k10(), ProtectionLevel::new(9, Attacker::NonNegative))
                .is_ok()
        );
    }

    #[test]
    fn a_body_with_one_small_service_loses_the_next_smallest_and_the_lp_gives_their_intervals()
    -> anyhow::Result<()> {
        // 41 = 25 + 12 + 4, k = 10. The 4 is primary; 41 − 25 − 12 would give it away, so one
        // more part goes. Withholding the 12: x + y = 16 with x ∈ [1, 9] (code A) and y ≥ 10
        // (code D), so x ∈ [1, 6] (width 5 = p, passes) and y ∈ [10, 15]. The 12 is the
        // smallest part that gives room 5, so it is the one chosen.
        let (tables, total, parts) = one_sum(41, &[25, 12, 4]);
        let p = tables.protect(k10(), level())?;
        assert_eq!(p.status(total), CellStatus::Published);
        assert_eq!(
            parts.iter().map(|&c| p.status(c)).collect::<Vec<_>>(),
            [
                CellStatus::Published,
                CellStatus::Complementary,
                CellStatus::Primary
            ]
        );
        assert_eq!(
            widths(&tables, &p, Attacker::ReadsStatusCodes),
            [
                (parts[1], Interval { lo: 10.0, hi: 15.0 }),
                (parts[2], Interval { lo: 1.0, hi: 6.0 })
            ]
        );
        // A reader who ignores the codes only knows x, y ≥ 0: both anywhere in [0, 16].
        assert_eq!(
            widths(&tables, &p, Attacker::NonNegative),
            [
                (parts[1], Interval { lo: 0.0, hi: 16.0 }),
                (parts[2], Interval { lo: 0.0, hi: 16.0 })
            ]
        );
        assert!(p.unprotected().is_empty());
        Ok(())
    }

    #[test]
    fn two_small_parts_with_too_little_between_them_need_a_third_cell_withheld()
    -> anyhow::Result<()> {
        // 25 = 20 + 3 + 2. Both small parts are primary, so no sum has a single unknown and the
        // per-table rule publishes the 20 and the 25. But then x + y = 5 with both in [1, 9]:
        // x ∈ [1, 4], width 3 < 5. The audit withholds the 20 too (smallest cell giving room):
        // x + y + z = 25 with z ≥ 10 leaves x ∈ [1, 9].
        let (tables, total, parts) = one_sum(25, &[20, 3, 2]);
        let per_table = tables.table().protect(k10());
        assert!(!per_table.is_suppressed(parts[0]));
        let found = tables.intervals(per_table.statuses(), k10(), Attacker::ReadsStatusCodes)?;
        assert_eq!(found[parts[1].index()], Some(Interval { lo: 1.0, hi: 4.0 }));

        let p = tables.protect(k10(), level())?;
        assert_eq!(p.status(total), CellStatus::Published);
        assert_eq!(p.status(parts[0]), CellStatus::Complementary);
        for (_, interval) in widths(&tables, &p, Attacker::ReadsStatusCodes) {
            assert!(interval.spans(5.0), "{interval:?}");
        }
        assert_eq!(p.report().complementary(), 1);
        // Against a reader who only knows counts are ≥ 0, x ∈ [0, 5] already spans 5.
        let p = tables.protect(k10(), ProtectionLevel::new(5, Attacker::NonNegative))?;
        assert_eq!(p.report().complementary(), 0);
        Ok(())
    }

    #[test]
    fn a_total_of_ten_and_four_withholds_the_total_rather_than_the_ten() -> anyhow::Result<()> {
        // 14 = 10 + 4. Withholding the 10 (≥ 10 by its code) leaves x = 14 − y ≤ 4: x ∈ [1, 4],
        // too narrow. Withholding the total instead leaves x ∈ [1, 9] and total ∈ [11, 19].
        let (tables, total, parts) = one_sum(14, &[10, 4]);
        let p = tables.protect(k10(), level())?;
        assert_eq!(
            [p.status(total), p.status(parts[0]), p.status(parts[1])],
            [
                CellStatus::Complementary,
                CellStatus::Published,
                CellStatus::Primary
            ]
        );
        assert_eq!(
            widths(&tables, &p, Attacker::ReadsStatusCodes),
            [
                (total, Interval { lo: 11.0, hi: 19.0 }),
                (parts[1], Interval { lo: 1.0, hi: 9.0 })
            ]
        );
        Ok(())
    }

    /// Three bodies of one kind over three months and their quarter:
    ///
    /// ```text
    ///         M1  M2  M3 |  Q
    /// body 1   4  20  20 |  44
    /// body 2  30  30  30 |  90
    /// body 3  25  25  25 |  75
    /// kind    59  75  75 | 209
    /// ```
    fn bodies_by_month() -> (LinkedTables, Vec<Vec<CellId>>) {
        let rows = [[4, 20, 20], [30, 30, 30], [25, 25, 25]];
        let mut tables = LinkedTables::new();
        let mut grid: Vec<Vec<CellId>> = Vec::new();
        let mut with_totals: Vec<[u64; 4]> = rows
            .iter()
            .map(|r| [r[0], r[1], r[2], r.iter().sum()])
            .collect();
        with_totals.push(std::array::from_fn(|c| {
            with_totals.iter().map(|r| r[c]).sum()
        }));
        for (r, row) in with_totals.iter().enumerate() {
            grid.push(
                row.iter()
                    .enumerate()
                    .map(|(c, &n)| tables.add_labelled_cell(n, format!("row {r}, column {c}")))
                    .collect(),
            );
        }
        tables
            .add_grid_sums(&grid, &[(3, vec![0, 1, 2])], &[(3, vec![0, 1, 2])])
            .expect("valid sums");
        (tables, grid)
    }

    #[test]
    fn the_quarter_undoes_per_month_suppression_and_the_linked_protection_does_not()
    -> anyhow::Result<()> {
        let (tables, grid) = bodies_by_month();
        // Protected one table (one period) at a time, the way each answer is today.
        let mut statuses = vec![CellStatus::Published; tables.len()];
        for column in 0..4 {
            let mut table = Table::new();
            let cells: Vec<CellId> = (0..4)
                .map(|r| table.add_cell(tables.count(grid[r][column])))
                .collect();
            table.add_sum(cells[3], cells[..3].to_vec())?;
            let p = table.protect(k10());
            for r in 0..4 {
                statuses[grid[r][column].index()] = p.status(cells[r]);
            }
        }
        // M1 withholds the 4 and the 25 beside it; M2, M3 and the quarter publish everything,
        // so 44 − 20 − 20 gives the 4 away.
        assert_eq!(statuses[grid[0][0].index()], CellStatus::Primary);
        assert_eq!(statuses[grid[2][0].index()], CellStatus::Complementary);
        let found = tables.intervals(&statuses, k10(), Attacker::NonNegative)?;
        assert_eq!(
            found[grid[0][0].index()],
            Some(Interval { lo: 4.0, hi: 4.0 })
        );

        let p = tables.protect(k10(), level())?;
        assert_eq!(p.status(grid[0][0]), CellStatus::Primary);
        let audited = widths(&tables, &p, Attacker::ReadsStatusCodes);
        assert!(audited.len() >= 4, "a 2×2 pattern at least: {audited:?}");
        for (id, interval) in audited {
            assert!(interval.spans(5.0), "{}: {interval:?}", tables.describe(id));
        }
        assert!(p.unprotected().is_empty());
        // The same input gives the same output.
        assert_eq!(tables.protect(k10(), level())?, p);
        Ok(())
    }

    #[test]
    fn a_body_of_many_tiny_services_is_reported_and_protected_as_far_as_it_can_be()
    -> anyhow::Result<()> {
        // A body of five services of one answer each, beside a large body in one kind. The
        // reader knows each service is in [1, 9] (code A), so the small body's total is in
        // [5, 9] whatever is withheld (width 4 < 5), and each service in [1, 5] (the other
        // four take at least 4 of the at most 9). They are reported with those intervals and
        // given them, and nothing is withheld in vain for them: the large body goes (else
        // 105 − 100 would pin the small one), and then the kind, since 105 − [5, 9] would
        // leave the large body within 4 (complementary cells need `p` too).
        let mut tables = LinkedTables::new();
        let kind = tables.add_cell(105);
        let small = tables.add_labelled_cell(5, "small body");
        let large = tables.add_cell(100);
        tables.add_sum(kind, [small, large])?;
        let services: Vec<CellId> = (0..5).map(|_| tables.add_cell(1)).collect();
        tables.add_sum(small, services.clone())?;
        let p = tables.protect(k10(), level())?;
        let mut expected = vec![(small, Interval { lo: 5.0, hi: 9.0 })];
        expected.extend(services.iter().map(|&s| (s, Interval { lo: 1.0, hi: 5.0 })));
        assert_eq!(p.unprotected(), expected);
        assert_eq!(tables.describe(small), "small body");
        assert_eq!(tables.describe(large), "cell #2");
        assert_eq!(p.status(large), CellStatus::Complementary);
        assert_eq!(p.status(kind), CellStatus::Complementary);
        assert_eq!(p.report().complementary(), 2);
        let infinite = f64::INFINITY;
        assert_eq!(
            widths(&tables, &p, Attacker::ReadsStatusCodes)[..3],
            [
                (
                    kind,
                    Interval {
                        lo: 15.0,
                        hi: infinite
                    }
                ),
                (small, Interval { lo: 5.0, hi: 9.0 }),
                (
                    large,
                    Interval {
                        lo: 10.0,
                        hi: infinite
                    }
                )
            ]
        );
        Ok(())
    }

    #[test]
    fn grid_sums_naming_a_missing_row_or_column_are_refused() {
        let mut tables = LinkedTables::new();
        let grid = vec![vec![tables.add_cell(1), tables.add_cell(2)]];
        assert_eq!(
            tables.add_grid_sums(&grid, &[(1, vec![0])], &[]),
            Err(LinkedError::OutOfGrid {
                what: "row",
                index: 1
            })
        );
        assert_eq!(
            tables.add_grid_sums(&grid, &[], &[(0, vec![2])]),
            Err(LinkedError::OutOfGrid {
                what: "column",
                index: 2
            })
        );
        assert!(tables.constraints().is_empty());
    }
}
