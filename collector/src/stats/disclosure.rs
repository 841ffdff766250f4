//! Disclosure control: which cells of a published table may carry figures. A cell with fewer
//! than `k` responses is suppressed (**primary** suppression); then, wherever a total and its
//! parts are published together, more cells are suppressed (**complementary** suppression) until
//! no suppressed count can be recovered by subtracting published cells from a published total.
//! Free text is shown only for cells that are published. The rules are fixed in
//! `shared/domain/statistics.md` ("Disclosure control").
//!
//! A table is modelled as cells with counts plus sum constraints (`total = part₁ + … + partₘ`),
//! which covers every shape Voce publishes: a flat list under a total, a hierarchy (national →
//! body kind → body → service), a series of periods under their total, or several of these at
//! once. Apply [`Table::protect`] to each table *as published* (one API answer, one export file,
//! one dashboard table): the same cell may be published in one table and suppressed in another.

use serde::Serialize;
use utoipa::ToSchema;

/// The minimum number of responses `k` a cell needs to be published. Default 10; never below 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(transparent)]
pub struct Threshold(u64);

/// A threshold below [`Threshold::MINIMUM`] was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the disclosure threshold k = {k} is below the minimum of {}; cells that small identify respondents",
    Threshold::MINIMUM
)]
pub struct ThresholdTooLow {
    /// The refused value.
    pub k: u64,
}

impl Threshold {
    /// The default `k = 10`.
    pub const DEFAULT: Self = Self(10);

    /// The lowest `k` that may be configured.
    pub const MINIMUM: u64 = 5;

    /// The threshold `k`, refused below [`Threshold::MINIMUM`].
    pub fn new(k: u64) -> Result<Self, ThresholdTooLow> {
        if k < Self::MINIMUM {
            Err(ThresholdTooLow { k })
        } else {
            Ok(Self(k))
        }
    }

    /// The value of `k`.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The status of a lone cell of `n` responses that is not part of any sum: primary
    /// suppression below `k`.
    pub fn status_of(self, n: u64) -> CellStatus {
        if n < self.0 {
            CellStatus::Primary
        } else {
            CellStatus::Published
        }
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u64> for Threshold {
    type Error = ThresholdTooLow;

    fn try_from(k: u64) -> Result<Self, Self::Error> {
        Self::new(k)
    }
}

/// Whether a cell is published, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CellStatus {
    /// Published with all its figures.
    Published,
    /// Suppressed because it has fewer than `k` responses; its `n` may be shown as "< k".
    Primary,
    /// Suppressed so that another suppressed cell cannot be recovered by subtraction; nothing
    /// about it is shown, not even `n`.
    Complementary,
}

impl CellStatus {
    /// Whether the cell's figures are withheld.
    pub fn is_suppressed(self) -> bool {
        self != Self::Published
    }

    /// Whether free-text comments of the cell may be shown (after redaction): only for
    /// published cells.
    pub fn shows_free_text(self) -> bool {
        self == Self::Published
    }

    /// The SDMX `CONF_STATUS` code (cross-domain code list CL_CONF_STATUS): `F` free, `A`
    /// primary confidentiality due to small counts, `D` secondary confidentiality.
    pub fn sdmx_conf_status(self) -> &'static str {
        match self {
            Self::Published => "F",
            Self::Primary => "A",
            Self::Complementary => "D",
        }
    }

    /// The SDMX `OBS_STATUS` code (cross-domain code list CL_OBS_STATUS): `A` normal value, `O`
    /// missing value (a suppressed cell carries no `OBS_VALUE`).
    pub fn sdmx_obs_status(self) -> &'static str {
        match self {
            Self::Published => "A",
            Self::Primary | Self::Complementary => "O",
        }
    }
}

/// A cell of a [`Table`], as returned by [`Table::add_cell`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(usize);

impl CellId {
    /// The position of the cell in the order it was added (0-based).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A sum published in a table: `total = part₁ + … + partₘ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The cell holding the sum.
    pub total: CellId,
    /// The cells it is the sum of.
    pub parts: Vec<CellId>,
}

impl Constraint {
    /// The total followed by the parts.
    fn members(&self) -> impl Iterator<Item = CellId> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// A sum constraint that does not describe a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A cell id from another table.
    #[error("cell {0:?} is not in this table")]
    UnknownCell(CellId),
    /// A sum with no parts.
    #[error("a sum needs at least one part")]
    NoParts,
    /// A cell that appears twice in one sum (or is both the total and a part).
    #[error("cell {0:?} appears twice in one sum")]
    RepeatedCell(CellId),
}

/// A published table: cells with their counts of responses, and the sums that hold between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    counts: Vec<u64>,
    constraints: Vec<Constraint>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cell of `n` responses.
    pub fn add_cell(&mut self, n: u64) -> CellId {
        self.counts.push(n);
        CellId(self.counts.len() - 1)
    }

    /// Declares that `total` is published as the sum of `parts`.
    pub fn add_sum(
        &mut self,
        total: CellId,
        parts: impl IntoIterator<Item = CellId>,
    ) -> Result<(), TableError> {
        let constraint = Constraint {
            total,
            parts: parts.into_iter().collect(),
        };
        if constraint.parts.is_empty() {
            return Err(TableError::NoParts);
        }
        let mut seen = vec![false; self.counts.len()];
        for id in constraint.members() {
            let Some(slot) = seen.get_mut(id.0) else {
                return Err(TableError::UnknownCell(id));
            };
            if std::mem::replace(slot, true) {
                return Err(TableError::RepeatedCell(id));
            }
        }
        self.constraints.push(constraint);
        Ok(())
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether the table has no cells.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The count of a cell.
    pub fn count(&self, id: CellId) -> u64 {
        self.counts[id.0]
    }

    /// The sums declared so far.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// Decides which cells are published under threshold `k`.
    ///
    /// 1. **Primary:** every cell with `n < k` is suppressed.
    /// 2. **Complementary:** while some sum has exactly one suppressed cell among its total and
    ///    parts (so that cell equals the published total minus the published parts, or the
    ///    published parts' sum), suppress its smallest published part (ties: the one added
    ///    first), or its total when no part is left published. Repeat over all sums until none
    ///    changes: a cell suppressed for one sum may expose another sum it belongs to.
    /// 3. **Audit** (only when the sums form a cycle, e.g. a table with both row and column
    ///    totals): step 2 leaves no single unknown in any one sum, but a combination of sums
    ///    could still pin a suppressed cell. Gaussian elimination over the suppressed cells finds
    ///    any cell that the published cells determine exactly; for each, the smallest published
    ///    cell in a sum with it (or else in the same connected part of the table) is suppressed
    ///    and steps 2–3 repeat. When the sums form no cycle (a flat list, a hierarchy, a series
    ///    under its total) step 2 already suffices: for any suppressed cell `x`, walking the tree
    ///    of sums away from `x` and balancing each sum with its other suppressed member gives a
    ///    table that agrees with every published figure and differs at `x`, so `x` is not
    ///    determined.
    pub fn protect(&self, k: Threshold) -> Protection {
        let mut status: Vec<CellStatus> = self.counts.iter().map(|&n| k.status_of(n)).collect();
        self.complete_single_unknowns(&mut status);
        if self.has_cycle() {
            while let Some(cell) = self.next_audit_suppression(&status) {
                status[cell.0] = CellStatus::Complementary;
                self.complete_single_unknowns(&mut status);
            }
        }
        Protection { status }
    }

    /// Step 2 of [`Table::protect`], to a fixed point.
    fn complete_single_unknowns(&self, status: &mut [CellStatus]) {
        loop {
            let mut changed = false;
            for constraint in &self.constraints {
                let suppressed = constraint
                    .members()
                    .filter(|id| status[id.0].is_suppressed())
                    .count();
                if suppressed != 1 {
                    continue;
                }
                let smallest_part = constraint
                    .parts
                    .iter()
                    .copied()
                    .filter(|id| !status[id.0].is_suppressed())
                    .min_by_key(|id| (self.counts[id.0], id.0));
                // Exactly one member is suppressed and a sum has at least two members, so
                // something is still published here.
                let target = smallest_part.unwrap_or(constraint.total);
                status[target.0] = CellStatus::Complementary;
                changed = true;
            }
            if !changed {
                return;
            }
        }
    }

    /// Whether the graph of cells and sums (a cell joined to each sum it is in) has a cycle.
    fn has_cycle(&self) -> bool {
        let cells = self.counts.len();
        let mut forest = UnionFind::new(cells + self.constraints.len());
        for (c, constraint) in self.constraints.iter().enumerate() {
            for id in constraint.members() {
                if !forest.union(id.0, cells + c) {
                    return true;
                }
            }
        }
        false
    }

    /// Step 3 of [`Table::protect`]: the next published cell to suppress because some
    /// suppressed cell is determined by the published ones, or `None` when none is (or when
    /// nothing published is left near a determined cell).
    fn next_audit_suppression(&self, status: &[CellStatus]) -> Option<CellId> {
        for determined in determined_cells(self, status) {
            let published = |id: &CellId| !status[id.0].is_suppressed();
            let smallest = |ids: Vec<CellId>| {
                ids.into_iter()
                    .filter(published)
                    .min_by_key(|id| (self.counts[id.0], id.0))
            };
            let near: Vec<CellId> = self
                .constraints
                .iter()
                .filter(|c| c.members().any(|id| id == determined))
                .flat_map(|c| c.members())
                .collect();
            if let Some(cell) = smallest(near).or_else(|| smallest(self.component_of(determined))) {
                return Some(cell);
            }
        }
        None
    }

    /// The cells connected to `cell` through sums.
    fn component_of(&self, cell: CellId) -> Vec<CellId> {
        let cells = self.counts.len();
        let mut forest = UnionFind::new(cells + self.constraints.len());
        for (c, constraint) in self.constraints.iter().enumerate() {
            for id in constraint.members() {
                forest.union(id.0, cells + c);
            }
        }
        let root = forest.find(cell.0);
        (0..cells)
            .filter(|&i| forest.find(i) == root)
            .map(CellId)
            .collect()
    }
}

/// The suppressed cells of `table` whose counts the published cells determine exactly through
/// some combination of its sums (not only through one sum with a single unknown).
///
/// Each sum is a linear equation `total − Σ parts = 0`; moving the published cells to the right
/// side leaves a system over the suppressed cells. A suppressed cell is determined exactly when
/// its unit vector lies in the row space of that system: after reduction to row echelon form it
/// is a pivot column whose row has no entry in a free column. Exact for the small integer
/// coefficients of these systems (the tolerance only absorbs rounding).
pub fn determined_cells(table: &Table, status: &[CellStatus]) -> Vec<CellId> {
    let unknowns: Vec<usize> = (0..table.len())
        .filter(|&i| status[i].is_suppressed())
        .collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let mut column = vec![usize::MAX; table.len()];
    for (j, &cell) in unknowns.iter().enumerate() {
        column[cell] = j;
    }
    let mut rows: Vec<Vec<f64>> = table
        .constraints
        .iter()
        .filter_map(|c| {
            let mut row = vec![0.0; unknowns.len()];
            let mut any = false;
            for (id, sign) in
                std::iter::once((c.total, 1.0)).chain(c.parts.iter().map(|&p| (p, -1.0)))
            {
                if column[id.0] != usize::MAX {
                    row[column[id.0]] = sign;
                    any = true;
                }
            }
            any.then_some(row)
        })
        .collect();
    const EPS: f64 = 1e-9;
    let mut pivots: Vec<(usize, usize)> = Vec::new(); // (row, column)
    let mut next_row = 0;
    for j in 0..unknowns.len() {
        let Some(best) = (next_row..rows.len())
            .max_by(|&a, &b| rows[a][j].abs().total_cmp(&rows[b][j].abs()))
            .filter(|&r| rows[r][j].abs() > EPS)
        else {
            continue;
        };
        rows.swap(next_row, best);
        let pivot = rows[next_row][j];
        for value in rows[next_row].iter_mut() {
            *value /= pivot;
        }
        let pivot_row = rows[next_row].clone();
        for (r, row) in rows.iter_mut().enumerate() {
            if r != next_row && row[j].abs() > EPS {
                let factor = row[j];
                for (value, p) in row.iter_mut().zip(&pivot_row) {
                    *value -= factor * p;
                }
            }
        }
        pivots.push((next_row, j));
        next_row += 1;
    }
    let is_pivot: Vec<bool> = {
        let mut v = vec![false; unknowns.len()];
        for &(_, j) in &pivots {
            v[j] = true;
        }
        v
    };
    pivots
        .into_iter()
        .filter(|&(r, _)| {
            rows[r]
                .iter()
                .enumerate()
                .all(|(j, value)| is_pivot[j] || value.abs() <= EPS)
        })
        .map(|(_, j)| CellId(unknowns[j]))
        .collect()
}

/// The outcome of [`Table::protect`]: the status of every cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    status: Vec<CellStatus>,
}

impl Protection {
    /// The status of a cell.
    pub fn status(&self, id: CellId) -> CellStatus {
        self.status[id.0]
    }

    /// Whether a cell's figures are withheld.
    pub fn is_suppressed(&self, id: CellId) -> bool {
        self.status(id).is_suppressed()
    }

    /// Whether a cell's free-text comments may be shown: only for published cells.
    pub fn shows_free_text(&self, id: CellId) -> bool {
        self.status(id).shows_free_text()
    }

    /// The statuses of all cells, in the order they were added.
    pub fn statuses(&self) -> &[CellStatus] {
        &self.status
    }
}

/// A disjoint-set forest over `0..n`, for finding cycles and connected parts of a table.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`; `false` when they were already one set.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        self.parent[ra] = rb;
        true
    }
}
