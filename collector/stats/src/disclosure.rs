//! Disclosure control: which cells of a published table may carry figures. A cell with fewer
//! than `k` responses is suppressed (**primary** suppression); then, wherever a total and its
//! parts are published together, more cells are suppressed (**complementary** suppression) until
//! no suppressed count can be recovered by subtracting published cells from a published total.
//! Free text is shown only for cells that are published. The rules are written out in
//! [Disclosure control](../../../docs/methods.md#disclosure-control), the codes a suppressed
//! cell is published with in [Output codes](../../../docs/methods.md#output-codes).
//!
//! A table is modelled as cells with counts plus sum constraints (`total = part₁ + … + partₘ`),
//! which covers every shape Voce publishes: a flat list under a total, a hierarchy (national →
//! body kind → body → service), a series of periods under their total, or several of these at
//! once. Apply [`Table::protect`] to each table *as published* (one API answer, one export file,
//! one dashboard table): the same cell may be published in one table and suppressed in another.

use serde::Serialize;

/// The minimum number of responses `k` a cell needs to be published. Default 10; never below 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k10() -> Threshold {
        Threshold::DEFAULT
    }

    #[test]
    fn the_threshold_defaults_to_ten_and_refuses_anything_below_five() {
        assert_eq!(Threshold::default().get(), 10);
        assert_eq!(Threshold::new(5).map(Threshold::get), Ok(5));
        assert_eq!(Threshold::new(4), Err(ThresholdTooLow { k: 4 }));
        assert_eq!(Threshold::try_from(0), Err(ThresholdTooLow { k: 0 }));
        assert_eq!(k10().status_of(9), CellStatus::Primary);
        assert_eq!(k10().status_of(10), CellStatus::Published);
    }

    #[test]
    fn a_body_with_one_small_service_of_three_loses_its_next_smallest_service_too() {
        // Body total 41 = 25 + 12 + 4. With k = 10 the 4 is suppressed (primary); publishing
        // 41, 25 and 12 would give it away as 41 − 25 − 12 = 4, so the smallest published part,
        // 12, is suppressed too (complementary). The total and the 25 stay published.
        let mut table = Table::new();
        let total = table.add_cell(41);
        let services = [table.add_cell(25), table.add_cell(12), table.add_cell(4)];
        table.add_sum(total, services).expect("a valid sum");
        let p = table.protect(k10());
        assert_eq!(p.status(total), CellStatus::Published);
        assert_eq!(
            services.map(|s| p.status(s)),
            [
                CellStatus::Published,
                CellStatus::Complementary,
                CellStatus::Primary
            ]
        );
        assert!(p.shows_free_text(services[0]));
        assert!(!p.shows_free_text(services[1]));
        assert!(!p.shows_free_text(services[2]));
    }

    #[test]
    fn a_sum_with_one_small_part_of_two_loses_the_other_part() {
        // Total 9 = 5 + 4. With k = 10 every cell is primary: nothing more to do.
        // With k = 5 only the 4 is primary; 9 − 5 would give it away, so the 5 goes too
        // (complementary) and the sum has two unknowns.
        let mut table = Table::new();
        let total = table.add_cell(9);
        let parts = [table.add_cell(5), table.add_cell(4)];
        table.add_sum(total, parts).expect("a valid sum");
        let p = table.protect(k10());
        assert!(p.statuses().iter().all(|s| *s == CellStatus::Primary));
        let p = table.protect(Threshold::new(5).expect("k ≥ 5"));
        assert_eq!(
            p.statuses(),
            [
                CellStatus::Published,
                CellStatus::Complementary,
                CellStatus::Primary
            ]
        );
    }

    #[test]
    fn a_suppressed_total_with_all_parts_published_loses_its_smallest_part() {
        // A cell that is a part of one sum and the total of another (a hierarchy):
        //   grand 60 = year 50 + other 10; with k = 11 the 10 is primary, so the year (the only
        //   published part left) is suppressed (complementary);
        //   year 50 = 20 + 15 + 15 now has one suppressed member, its total: the smallest
        //   quarter (the first 15, ties to the one added first) is suppressed too.
        let mut table = Table::new();
        let grand = table.add_cell(60);
        let year = table.add_cell(50);
        let other = table.add_cell(10);
        let quarters = [table.add_cell(20), table.add_cell(15), table.add_cell(15)];
        table.add_sum(grand, [year, other]).expect("a valid sum");
        table.add_sum(year, quarters).expect("a valid sum");
        let p = table.protect(Threshold::new(11).expect("k ≥ 5"));
        assert_eq!(p.status(other), CellStatus::Primary);
        assert_eq!(p.status(year), CellStatus::Complementary);
        assert_eq!(p.status(grand), CellStatus::Published);
        assert_eq!(
            quarters.map(|q| p.status(q)),
            [
                CellStatus::Published,
                CellStatus::Complementary,
                CellStatus::Published
            ]
        );
    }

    #[test]
    fn a_total_of_a_single_part_is_suppressed_with_it() {
        let mut table = Table::new();
        let total = table.add_cell(7);
        let only = table.add_cell(7);
        table.add_sum(total, [only]).expect("a valid sum");
        // Total 7 = 7 with k = 10: both primary.
        assert!(
            table
                .protect(k10())
                .statuses()
                .iter()
                .all(|s| s.is_suppressed())
        );
        let mut table = Table::new();
        let total = table.add_cell(30);
        let small = table.add_cell(3);
        let big = table.add_cell(27);
        let lone = table.add_cell(3);
        table.add_sum(total, [small, big]).expect("a valid sum");
        let sub = table.add_cell(27);
        table.add_sum(big, [sub]).expect("a valid sum");
        let p = table.protect(k10());
        // 30 = 3 + 27 and 27 = 27: the 3 is primary, so the 27 goes (complementary), and then
        // its single part 27 too (else it would show the total).
        assert_eq!(p.status(big), CellStatus::Complementary);
        assert_eq!(p.status(sub), CellStatus::Complementary);
        assert_eq!(p.status(total), CellStatus::Published);
        assert_eq!(p.status(lone), CellStatus::Primary);
    }

    #[test]
    fn sums_that_do_not_describe_the_table_are_refused() {
        let mut table = Table::new();
        let a = table.add_cell(1);
        let b = table.add_cell(2);
        assert_eq!(table.add_sum(a, []), Err(TableError::NoParts));
        assert_eq!(table.add_sum(a, [a, b]), Err(TableError::RepeatedCell(a)));
        assert_eq!(table.add_sum(a, [b, b]), Err(TableError::RepeatedCell(b)));
        let mut other = Table::new();
        other.add_cell(1);
        other.add_cell(2);
        let foreign = other.add_cell(3);
        assert_eq!(
            table.add_sum(a, [foreign]),
            Err(TableError::UnknownCell(foreign))
        );
        assert!(table.constraints().is_empty());
    }

    #[test]
    fn suppression_statuses_map_to_the_sdmx_confidentiality_codes() -> anyhow::Result<()> {
        assert_eq!(
            [
                CellStatus::Published,
                CellStatus::Primary,
                CellStatus::Complementary
            ]
            .map(|s| (s.sdmx_obs_status(), s.sdmx_conf_status())),
            [("A", "F"), ("O", "A"), ("O", "D")]
        );
        assert_eq!(
            serde_json::to_value(CellStatus::Complementary)?,
            "complementary"
        );
        Ok(())
    }

    /// A two-way table (4 × 4 interior, row totals in column 4, column totals in row 4, the
    /// grand total at [4][4]) whose small cells (3, primary under k = 10) form two 2×2 blocks
    /// joined by one small cell, (1, 2):
    ///
    /// ```text
    ///  3  3 20 20 | 46
    ///  3  3  3 20 | 29
    /// 20 20  3  3 | 46
    /// 20 20  3  3 | 46
    /// ------------+----
    /// 46 46 29 46 | 167
    /// ```
    fn bridged_grid() -> (Table, [[CellId; 5]; 5]) {
        let counts = [
            [3, 3, 20, 20],
            [3, 3, 3, 20],
            [20, 20, 3, 3],
            [20, 20, 3, 3],
        ];
        let mut table = Table::new();
        let mut ids = [[CellId(0); 5]; 5];
        for r in 0..4 {
            for c in 0..4 {
                ids[r][c] = table.add_cell(counts[r][c]);
            }
        }
        for r in 0..4 {
            ids[r][4] = table.add_cell(counts[r].iter().sum());
        }
        for c in 0..4 {
            ids[4][c] = table.add_cell((0..4).map(|r| counts[r][c]).sum());
        }
        ids[4][4] = table.add_cell(counts.iter().flatten().sum());
        for row in &ids {
            table
                .add_sum(row[4], row[..4].to_vec())
                .expect("a valid sum");
        }
        for c in 0..4 {
            table
                .add_sum(ids[4][c], ids[..4].iter().map(|row| row[c]))
                .expect("a valid sum");
        }
        (table, ids)
    }

    #[test]
    fn the_audit_finds_a_cell_that_only_a_combination_of_sums_gives_away() {
        // In the grid the primary cells are the two 2×2 blocks and the bridge (1,2). Every
        // row and column sum has 0 or ≥ 2 suppressed cells except row 1 (3) and column 2 (3),
        // so the single-unknown rule adds nothing. But (1,2) is determined: row 1 gives
        // (1,0)+(1,1)+(1,2) = R1 − 20, column 0 and 1 give (0,0)+(1,0) and (0,1)+(1,1), row 0
        // gives (0,0)+(0,1); so (1,0)+(1,1) = C0' + C1' − R0', hence (1,2) is known exactly.
        let (table, ids) = bridged_grid();
        let k = k10();
        let mut primary: Vec<CellStatus> = (0..table.len())
            .map(|i| k.status_of(table.count(CellId(i))))
            .collect();
        table.complete_single_unknowns(&mut primary);
        assert_eq!(determined_cells(&table, &primary), vec![ids[1][2]]);
        // protect() goes on until nothing is determined.
        let protection = table.protect(k);
        assert_eq!(determined_cells(&table, protection.statuses()), vec![]);
        assert!(protection.is_suppressed(ids[1][2]));
    }

    /// A random table for the properties: a hierarchy of random depth and fan-out whose leaves
    /// have random counts (many below k), with each inner cell the sum of its children, and
    /// optionally a second, crossing dimension (each leaf split over periods, each period
    /// totalled over the leaves), which makes the sums cyclic.
    #[derive(Debug, Clone)]
    struct Shape {
        leaves: Vec<u64>,
        fan_outs: Vec<usize>,
        periods: usize,
    }

    fn shapes() -> impl Strategy<Value = Shape> {
        (
            prop::collection::vec(prop_oneof![0u64..12, 0u64..60], 2..40),
            prop::collection::vec(2usize..5, 0..4),
            prop_oneof![Just(1usize), 2usize..4],
        )
            .prop_map(|(leaves, fan_outs, periods)| Shape {
                leaves,
                fan_outs,
                periods,
            })
    }

    fn build(shape: &Shape, seed: u64) -> Table {
        let mut table = Table::new();
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Periods: each leaf's count is split over the periods; each period gets a column total.
        let mut level: Vec<(CellId, u64)> = Vec::new();
        let mut period_parts: Vec<Vec<CellId>> = vec![Vec::new(); shape.periods];
        for &n in &shape.leaves {
            let leaf = table.add_cell(n);
            if shape.periods > 1 {
                let mut rest = n;
                let mut cells = Vec::new();
                for (p, parts) in period_parts.iter_mut().enumerate() {
                    let share = if p + 1 == shape.periods {
                        rest
                    } else {
                        next() % (rest + 1)
                    };
                    rest -= share;
                    let cell = table.add_cell(share);
                    parts.push(cell);
                    cells.push(cell);
                }
                table.add_sum(leaf, cells).expect("a valid sum");
            }
            level.push((leaf, n));
        }
        if shape.periods > 1 {
            for parts in &period_parts {
                let n = parts.iter().map(|&c| table.count(c)).sum();
                let total = table.add_cell(n);
                table.add_sum(total, parts.clone()).expect("a valid sum");
            }
        }
        // The hierarchy: group the current level by the fan-out, one level per entry, then a
        // grand total.
        for &fan_out in &shape.fan_outs {
            if level.len() <= 1 {
                break;
            }
            level = level
                .chunks(fan_out)
                .map(|group| {
                    let n = group.iter().map(|(_, n)| n).sum();
                    let total = table.add_cell(n);
                    table
                        .add_sum(total, group.iter().map(|(id, _)| *id))
                        .expect("a valid sum");
                    (total, n)
                })
                .collect();
        }
        if level.len() > 1 {
            let n = level.iter().map(|(_, n)| n).sum();
            let total = table.add_cell(n);
            table
                .add_sum(total, level.iter().map(|(id, _)| *id))
                .expect("a valid sum");
        }
        table
    }

    /// What a reader can recover by subtraction alone: starting from the published counts,
    /// whenever a sum has exactly one unknown member, compute it (total − published parts, or
    /// the sum of the parts) and treat it as known; repeat. Returns the cells recovered.
    fn recovered_by_subtraction(table: &Table, protection: &Protection) -> Vec<(CellId, u64)> {
        let mut known: Vec<Option<u64>> = (0..table.len())
            .map(|i| (!protection.is_suppressed(CellId(i))).then(|| table.count(CellId(i))))
            .collect();
        let mut recovered = Vec::new();
        loop {
            let mut progress = false;
            for c in table.constraints() {
                let unknown: Vec<CellId> = std::iter::once(c.total)
                    .chain(c.parts.iter().copied())
                    .filter(|id| known[id.0].is_none())
                    .collect();
                let [missing] = unknown[..] else { continue };
                let parts: i128 = c
                    .parts
                    .iter()
                    .filter(|p| **p != missing)
                    .map(|p| i128::from(known[p.0].unwrap_or(0)))
                    .sum();
                let value = if missing == c.total {
                    parts
                } else {
                    i128::from(known[c.total.0].unwrap_or(0)) - parts
                };
                let value = u64::try_from(value).unwrap_or(u64::MAX);
                known[missing.0] = Some(value);
                recovered.push((missing, value));
                progress = true;
            }
            if !progress {
                return recovered;
            }
        }
    }

    #[test]
    fn the_subtraction_attack_recovers_a_cell_that_only_primary_suppression_hides() {
        // The attack the property below relies on finds something when there is something to
        // find: with primary suppression alone, 41 − 25 − 12 gives the 4 away.
        let mut table = Table::new();
        let total = table.add_cell(41);
        let services = [table.add_cell(25), table.add_cell(12), table.add_cell(4)];
        table.add_sum(total, services).expect("a valid sum");
        let primary_only = Protection {
            status: (0..table.len())
                .map(|i| k10().status_of(table.count(CellId(i))))
                .collect(),
        };
        assert_eq!(
            recovered_by_subtraction(&table, &primary_only),
            vec![(services[2], 4)]
        );
        assert_eq!(
            determined_cells(&table, primary_only.statuses()),
            vec![services[2]]
        );
        assert_eq!(
            recovered_by_subtraction(&table, &table.protect(k10())),
            vec![]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn no_suppressed_cell_of_a_random_table_is_derivable_from_the_published_ones(
            shape in shapes(), seed in any::<u64>(), k in 5u64..15,
        ) {
            let table = build(&shape, seed);
            let k = Threshold::new(k).expect("k ≥ 5");
            let protection = table.protect(k);
            // Primary suppression: exactly the cells below k are primary, and nothing published
            // is below k.
            for i in 0..table.len() {
                let (n, status) = (table.count(CellId(i)), protection.status(CellId(i)));
                prop_assert_eq!(n < k.get(), status == CellStatus::Primary);
                prop_assert_eq!(status.shows_free_text(), !status.is_suppressed());
            }
            // No sum has exactly one suppressed member …
            for c in table.constraints() {
                let suppressed = std::iter::once(c.total)
                    .chain(c.parts.iter().copied())
                    .filter(|id| protection.is_suppressed(*id))
                    .count();
                prop_assert_ne!(suppressed, 1, "sum {:?}", c);
            }
            // … so a reader subtracting published cells from published totals recovers nothing,
            // in particular no suppressed count equals published total − published siblings …
            let recovered = recovered_by_subtraction(&table, &protection);
            prop_assert!(recovered.is_empty(), "recovered {:?}", recovered);
            // … and no combination of the sums pins a suppressed cell either.
            prop_assert_eq!(determined_cells(&table, protection.statuses()), vec![]);
        }

        #[test]
        fn complementary_suppression_only_happens_where_a_sum_would_give_a_cell_away(
            leaves in prop::collection::vec(10u64..100, 2..20), k in 5u64..10,
        ) {
            // Every cell at or above k: nothing is suppressed at all.
            let mut table = Table::new();
            let total = table.add_cell(leaves.iter().sum());
            let parts: Vec<CellId> = leaves.iter().map(|&n| table.add_cell(n)).collect();
            table.add_sum(total, parts).expect("a valid sum");
            let protection = table.protect(Threshold::new(k).expect("k ≥ 5"));
            prop_assert!(protection.statuses().iter().all(|s| *s == CellStatus::Published));
        }
    }
}
