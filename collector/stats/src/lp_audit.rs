//! The attacker's linear program: how precisely a reader who holds every published figure of a
//! release can pin down each withheld cell. The release's sums (`total = part₁ + … + partₘ`,
//! [`Constraint`]) are equations between cells; a published cell is a constant; a withheld cell
//! is a variable that the reader only knows to lie between bounds ([`Knowledge`]: at least 0 or
//! 1, at most `k − 1` when the release flags it as a small count, …). Minimising and maximising
//! one withheld cell over the tables that agree with all of that (the continuous LP relaxation,
//! as in τ-ARGUS and sdcTable) gives its **feasible interval** `[lo, hi]`: every value in it is
//! the cell's value in some table consistent with the release, and no value outside is. The
//! rules that use these intervals are in [`crate::linked`] and in
//! [Disclosure control](../../../docs/methods.md#disclosure-control).
//!
//! Only the sums that contain a withheld cell matter (the others are equations between
//! constants), and two withheld cells interact only through a chain of such sums: the LPs are
//! solved per **connected component** of withheld cells, each over its own cells and sums only.
//! The solver is [`good_lp`] with its pure-Rust `microlp` backend (simplex, in `f64`; the
//! counts are small integers, so results are exact to within [`TOLERANCE`]).
//!
//! [`intervals`] gives the exact interval of every withheld cell (two LPs per cell).
//! [`narrower_than`] answers the audit's question — which cells have an interval narrower than
//! a protection level? — with far fewer LPs: every LP solution is a table consistent with the
//! release, so it shows values every cell can take; a cell whose values seen so far already span
//! the protection level passes without an LP of its own ([`Reached`] keeps them across calls).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, microlp,
    variable,
};

use crate::disclosure::Constraint;

/// The slack allowed when comparing results of the `f64` simplex with integer counts.
pub const TOLERANCE: f64 = 1e-6;

/// What the reader knows about one cell before doing any arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knowledge {
    /// Published: its count is known exactly.
    Published(u64),
    /// Withheld: only known to lie in `lo ..= hi` (`hi = None`: no upper bound).
    Withheld {
        /// The smallest value the reader considers possible.
        lo: u64,
        /// The largest value the reader considers possible, if any.
        hi: Option<u64>,
    },
}

impl Knowledge {
    fn is_withheld(self) -> bool {
        matches!(self, Self::Withheld { .. })
    }

    /// The bounds of the variable, `(value, value)` for a published cell.
    fn bounds(self) -> (f64, f64) {
        match self {
            Self::Published(n) => (n as f64, n as f64),
            Self::Withheld { lo, hi } => (lo as f64, hi.map_or(f64::INFINITY, |h| h as f64)),
        }
    }
}

/// The values a withheld cell can take in the tables consistent with a release:
/// `lo ≤ x ≤ hi`, `hi = ∞` when nothing published bounds it from above.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The minimum of the LP.
    pub lo: f64,
    /// The maximum of the LP (`f64::INFINITY` when unbounded).
    pub hi: f64,
}

impl Interval {
    /// `hi − lo` (infinite when unbounded).
    pub fn width(self) -> f64 {
        self.hi - self.lo
    }

    /// Whether the interval is at least `width` wide, up to [`TOLERANCE`].
    pub fn spans(self, width: f64) -> bool {
        self.width() + TOLERANCE >= width
    }
}

/// An audit that could not be carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuditError {
    /// The knowledge was given for a different number of cells than the sums refer to.
    #[error("the sums refer to cell {cell} but knowledge was given for {cells} cells only")]
    UnknownCell {
        /// The index of the first cell without knowledge.
        cell: usize,
        /// How many cells have knowledge.
        cells: usize,
    },
    /// The widths were given for a different number of cells than the knowledge.
    #[error("{widths} widths were given for {cells} cells")]
    WidthsMismatch {
        /// How many widths.
        widths: usize,
        /// How many cells have knowledge.
        cells: usize,
    },
    /// No table agrees with the published figures and bounds (the published counts do not add
    /// up, or a bound excludes the true value).
    #[error("no table agrees with the published figures around cell {0}")]
    Infeasible(usize),
    /// The solver failed for another reason.
    #[error("the LP solver failed on cell {cell}: {message}")]
    Solver {
        /// The index of the cell whose LP failed.
        cell: usize,
        /// The solver's message.
        message: String,
    },
}

/// The values each cell has been seen to take in tables consistent with a release (the true
/// table and every LP solution so far). Any two such tables are feasible points of every LP,
/// so `[lo, hi]` here lies inside the cell's feasible interval.
///
/// Still valid after more cells are withheld or bounds loosened (the feasible set only grows),
/// which is how [`crate::linked`] reuses it across rounds of suppression; not after a bound
/// is tightened.
#[derive(Debug, Clone, PartialEq)]
pub struct Reached {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Reached {
    /// Starts from the true table.
    pub fn new(counts: impl IntoIterator<Item = u64>) -> Self {
        let lo: Vec<f64> = counts.into_iter().map(|n| n as f64).collect();
        Self { hi: lo.clone(), lo }
    }

    /// The range seen so far for the cell of index `cell` ([`CellId::index`](crate::disclosure::CellId::index)).
    pub fn range(&self, cell: usize) -> Interval {
        Interval {
            lo: self.lo[cell],
            hi: self.hi[cell],
        }
    }

    fn see(&mut self, cell: usize, value: f64) {
        self.lo[cell] = self.lo[cell].min(value);
        self.hi[cell] = self.hi[cell].max(value);
    }
}

/// How many LPs an audit solved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effort {
    /// LPs solved.
    pub lps: usize,
    /// Connected components of withheld cells that had something to solve.
    pub components: usize,
    /// Withheld cells in the largest such component.
    pub largest_component: usize,
}

/// The exact feasible interval of every withheld cell (indexed like `knowledge`; `None` for
/// published cells): its minimum and maximum over all tables that satisfy every sum and every
/// bound.
pub fn intervals(
    constraints: &[Constraint],
    knowledge: &[Knowledge],
) -> Result<Vec<Option<Interval>>, AuditError> {
    let system = System::new(constraints, knowledge)?;
    let mut result = vec![None; knowledge.len()];
    for component in &system.components {
        let lp = Lp::new(&system, component);
        for (local, &cell) in component.cells.iter().enumerate() {
            let hi = lp
                .optimum(local, Direction::Max)?
                .map_or(f64::INFINITY, |s| s.value);
            let lo = lp
                .optimum(local, Direction::Min)?
                .map_or(f64::NEG_INFINITY, |s| s.value);
            result[cell] = Some(Interval { lo, hi });
        }
    }
    for (cell, k) in knowledge.iter().enumerate() {
        if result[cell].is_none() && k.is_withheld() {
            // In no sum with another withheld cell: only its own bounds.
            let (lo, hi) = k.bounds();
            result[cell] = Some(Interval { lo, hi });
        }
    }
    Ok(result)
}

/// The exact feasible interval of one withheld cell (by [`CellId::index`](crate::disclosure::CellId::index)): the LPs of its
/// component only. `None` for a published cell.
pub fn interval_of(
    constraints: &[Constraint],
    knowledge: &[Knowledge],
    cell: usize,
) -> Result<Option<Interval>, AuditError> {
    let Some(&k) = knowledge.get(cell) else {
        return Err(AuditError::UnknownCell {
            cell,
            cells: knowledge.len(),
        });
    };
    if !k.is_withheld() {
        return Ok(None);
    }
    let system = System::new(constraints, knowledge)?;
    let Some(component) = system.components.iter().find(|c| c.cells.contains(&cell)) else {
        let (lo, hi) = k.bounds();
        return Ok(Some(Interval { lo, hi }));
    };
    let lp = Lp::new(&system, component);
    let local = lp.local[&cell];
    let hi = lp
        .optimum(local, Direction::Max)?
        .map_or(f64::INFINITY, |s| s.value);
    let lo = lp
        .optimum(local, Direction::Min)?
        .map_or(f64::NEG_INFINITY, |s| s.value);
    Ok(Some(Interval { lo, hi }))
}

/// The withheld cells (by [`CellId::index`](crate::disclosure::CellId::index)) whose feasible interval is narrower than `width`,
/// each with its exact interval, in cell order; cells that `reached` already shows to span `width` are not solved
/// for. `reached` is updated with every solution found.
pub fn narrower_than(
    constraints: &[Constraint],
    knowledge: &[Knowledge],
    width: &[f64],
    reached: &mut Reached,
) -> Result<(Vec<(usize, Interval)>, Effort), AuditError> {
    if width.len() != knowledge.len() {
        return Err(AuditError::WidthsMismatch {
            widths: width.len(),
            cells: knowledge.len(),
        });
    }
    let system = System::new(constraints, knowledge)?;
    let mut narrow = Vec::new();
    let mut effort = Effort::default();
    let mut in_component = vec![false; knowledge.len()];
    for component in &system.components {
        for &cell in &component.cells {
            in_component[cell] = true;
        }
        let open = |reached: &Reached| {
            component
                .cells
                .iter()
                .any(|&c| !reached.range(c).spans(width[c]))
        };
        if !open(reached) {
            continue;
        }
        effort.components += 1;
        effort.largest_component = effort.largest_component.max(component.cells.len());
        let lp = Lp::new(&system, component);
        for (local, &cell) in component.cells.iter().enumerate() {
            if reached.range(cell).spans(width[cell]) {
                continue;
            }
            let mut exact = Interval {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
            };
            for direction in [Direction::Max, Direction::Min] {
                effort.lps += 1;
                match lp.optimum(local, direction)? {
                    Some(solution) => {
                        for (l, &c) in component.cells.iter().enumerate() {
                            reached.see(c, solution.values[l]);
                        }
                        match direction {
                            Direction::Max => exact.hi = solution.value,
                            Direction::Min => exact.lo = solution.value,
                        }
                    }
                    None => reached.see(cell, f64::INFINITY),
                }
                if reached.range(cell).spans(width[cell]) {
                    break;
                }
            }
            if !reached.range(cell).spans(width[cell]) {
                narrow.push((cell, exact));
            }
        }
    }
    for (cell, k) in knowledge.iter().enumerate() {
        if k.is_withheld() && !in_component[cell] {
            let (lo, hi) = k.bounds();
            let bounds = Interval { lo, hi };
            reached.see(cell, lo);
            reached.see(cell, hi);
            if !bounds.spans(width[cell]) {
                narrow.push((cell, bounds));
            }
        }
    }
    narrow.sort_by_key(|(id, _)| *id);
    Ok((narrow, effort))
}

/// Each sum with a withheld member, as an equation between its withheld members.
struct Equation {
    /// The withheld members (cell indices) with their sign: +1 the total, −1 a part.
    terms: Vec<(usize, f64)>,
    /// What the signed withheld members add up to: minus the published members' contribution.
    rhs: f64,
}

/// The sums as equations between withheld cells; sums of published cells only are checked.
fn equations(
    constraints: &[Constraint],
    knowledge: &[Knowledge],
) -> Result<Vec<Equation>, AuditError> {
    let mut equations = Vec::new();
    for c in constraints {
        let mut terms = Vec::new();
        let mut rhs = 0.0;
        for (id, sign) in std::iter::once((c.total, 1.0)).chain(c.parts.iter().map(|&p| (p, -1.0)))
        {
            match knowledge.get(id.index()) {
                None => {
                    return Err(AuditError::UnknownCell {
                        cell: id.index(),
                        cells: knowledge.len(),
                    });
                }
                Some(Knowledge::Published(n)) => rhs -= sign * *n as f64,
                Some(Knowledge::Withheld { .. }) => terms.push((id.index(), sign)),
            }
        }
        if terms.is_empty() {
            if rhs.abs() > TOLERANCE {
                return Err(AuditError::Infeasible(c.total.index()));
            }
        } else {
            equations.push(Equation { terms, rhs });
        }
    }
    Ok(equations)
}

/// An interval around every withheld cell's feasible interval (`None` for published cells),
/// found without an LP by **bound propagation**: each equation bounds each of its members by
/// what the bounds of the others leave, repeatedly until nothing tightens (or a fixed number of
/// passes: every intermediate result is already valid). The LP interval lies inside, so a
/// result narrower than a protection level is a certain failure; a wider one proves nothing.
pub fn outer_intervals(
    constraints: &[Constraint],
    knowledge: &[Knowledge],
) -> Result<Vec<Option<Interval>>, AuditError> {
    const PASSES: usize = 64;
    let equations = equations(constraints, knowledge)?;
    let (mut lo, mut hi): (Vec<f64>, Vec<f64>) = knowledge.iter().map(|k| k.bounds()).unzip();
    for _ in 0..PASSES {
        let mut changed = false;
        for equation in &equations {
            // The range of each signed member, and of their sum, counting infinite ends apart
            // so that ∞ − ∞ never arises.
            let (mut low_sum, mut low_infinite, mut high_sum, mut high_infinite) = (0.0, 0, 0.0, 0);
            for &(cell, sign) in &equation.terms {
                let (a, b) = signed(lo[cell], hi[cell], sign);
                if a.is_finite() {
                    low_sum += a;
                } else {
                    low_infinite += 1;
                }
                if b.is_finite() {
                    high_sum += b;
                } else {
                    high_infinite += 1;
                }
            }
            for &(cell, sign) in &equation.terms {
                let (a, b) = signed(lo[cell], hi[cell], sign);
                // The range of the other members' signed sum.
                let others_low = match (low_infinite, a.is_finite()) {
                    (0, _) => low_sum - a,
                    (1, false) => low_sum,
                    _ => f64::NEG_INFINITY,
                };
                let others_high = match (high_infinite, b.is_finite()) {
                    (0, _) => high_sum - b,
                    (1, false) => high_sum,
                    _ => f64::INFINITY,
                };
                // sign · x = rhs − others.
                let (new_lo, new_hi) = if sign > 0.0 {
                    (equation.rhs - others_high, equation.rhs - others_low)
                } else {
                    (others_low - equation.rhs, others_high - equation.rhs)
                };
                if new_lo > lo[cell] + TOLERANCE {
                    lo[cell] = new_lo;
                    changed = true;
                }
                if new_hi < hi[cell] - TOLERANCE {
                    hi[cell] = new_hi;
                    changed = true;
                }
                if lo[cell] > hi[cell] + TOLERANCE {
                    return Err(AuditError::Infeasible(cell));
                }
            }
        }
        if !changed {
            break;
        }
    }
    Ok(knowledge
        .iter()
        .enumerate()
        .map(|(cell, k)| {
            k.is_withheld().then_some(Interval {
                lo: lo[cell],
                hi: hi[cell],
            })
        })
        .collect())
}

/// The range of `sign · x` for `x ∈ [lo, hi]`.
fn signed(lo: f64, hi: f64, sign: f64) -> (f64, f64) {
    if sign > 0.0 { (lo, hi) } else { (-hi, -lo) }
}

/// The withheld cells grouped into connected components, with each sum reduced to an equation
/// between withheld cells.
struct System<'a> {
    knowledge: &'a [Knowledge],
    equations: Vec<Equation>,
    components: Vec<Component>,
}

struct Component {
    /// Withheld cells, ascending.
    cells: Vec<usize>,
    /// Indices into `System::equations`.
    equations: Vec<usize>,
}

impl<'a> System<'a> {
    fn new(constraints: &[Constraint], knowledge: &'a [Knowledge]) -> Result<Self, AuditError> {
        let equations = equations(constraints, knowledge)?;
        // Withheld cells joined by the equations they share.
        let mut of_cell: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (e, equation) in equations.iter().enumerate() {
            for &(cell, _) in &equation.terms {
                of_cell.entry(cell).or_default().push(e);
            }
        }
        let mut component_of: BTreeMap<usize, usize> = BTreeMap::new();
        let mut components = Vec::new();
        for &start in of_cell.keys() {
            if component_of.contains_key(&start) {
                continue;
            }
            let index = components.len();
            let mut cells = vec![start];
            let mut used = BTreeSet::new();
            component_of.insert(start, index);
            let mut next = 0;
            while let Some(&cell) = cells.get(next) {
                next += 1;
                for &e in &of_cell[&cell] {
                    if !used.insert(e) {
                        continue;
                    }
                    for &(other, _) in &equations[e].terms {
                        if let Entry::Vacant(slot) = component_of.entry(other) {
                            slot.insert(index);
                            cells.push(other);
                        }
                    }
                }
            }
            cells.sort_unstable();
            components.push(Component {
                cells,
                equations: used.into_iter().collect(),
            });
        }
        Ok(Self {
            knowledge,
            equations,
            components,
        })
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Max,
    Min,
}

/// The LP of one component, ready to be solved for any of its cells.
struct Lp<'a> {
    system: &'a System<'a>,
    component: &'a Component,
    /// The position of each of the component's cells among its variables.
    local: BTreeMap<usize, usize>,
}

struct Optimum {
    value: f64,
    /// The value of every variable of the component at the optimum.
    values: Vec<f64>,
}

impl<'a> Lp<'a> {
    fn new(system: &'a System<'a>, component: &'a Component) -> Self {
        let local = component
            .cells
            .iter()
            .enumerate()
            .map(|(l, &c)| (c, l))
            .collect();
        Self {
            system,
            component,
            local,
        }
    }

    /// The optimum of the component's cell `target` (a local index), or `None` when unbounded.
    fn optimum(&self, target: usize, direction: Direction) -> Result<Option<Optimum>, AuditError> {
        let mut problem = ProblemVariables::new();
        let vars: Vec<Variable> = self
            .component
            .cells
            .iter()
            .map(|&c| {
                let (lo, hi) = self.system.knowledge[c].bounds();
                let v = variable().min(lo);
                problem.add(if hi.is_finite() { v.max(hi) } else { v })
            })
            .collect();
        let objective = vars[target];
        let mut model = match direction {
            Direction::Max => problem.maximise(objective),
            Direction::Min => problem.minimise(objective),
        }
        .using(microlp);
        for &e in &self.component.equations {
            let equation = &self.system.equations[e];
            let mut lhs = Expression::with_capacity(equation.terms.len());
            for &(cell, sign) in &equation.terms {
                lhs.add_mul(sign, vars[self.local[&cell]]);
            }
            model.add_constraint(lhs.eq(equation.rhs));
        }
        let cell = self.component.cells[target];
        match model.solve() {
            Ok(solution) => Ok(Some(Optimum {
                value: solution.value(objective),
                values: vars.iter().map(|&v| solution.value(v)).collect(),
            })),
            Err(ResolutionError::Unbounded) => Ok(None),
            Err(ResolutionError::Infeasible) => Err(AuditError::Infeasible(cell)),
            Err(other) => Err(AuditError::Solver {
                cell,
                message: other.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::{CellId, Table};

    /// `41 = 25 + 12 + 4` with the 25 and the total published, the 12 and the 4 withheld.
    fn body_of_three() -> (Table, [CellId; 4]) {
        let mut table = Table::new();
        let total = table.add_cell(41);
        let a = table.add_cell(25);
        let b = table.add_cell(12);
        let c = table.add_cell(4);
        table.add_sum(total, [a, b, c]).expect("a valid sum");
        (table, [total, a, b, c])
    }

    #[test]
    fn two_withheld_parts_of_a_published_total_share_what_is_left_of_it() -> anyhow::Result<()> {
        // 12 + 4 = 41 − 25 = 16. Knowing only that counts are ≥ 0, each is anywhere in [0, 16].
        let (table, [_, _, b, c]) = body_of_three();
        let mut knowledge = [41, 25, 12, 4].map(Knowledge::Published);
        for cell in [b, c] {
            knowledge[cell.index()] = Knowledge::Withheld { lo: 0, hi: None };
        }
        let found = intervals(table.constraints(), &knowledge)?;
        assert_eq!(found[b.index()], Some(Interval { lo: 0.0, hi: 16.0 }));
        assert_eq!(found[c.index()], Some(Interval { lo: 0.0, hi: 16.0 }));
        assert_eq!(found[0], None);
        // Knowing that the 4 is a small count (1 ≤ x ≤ 9) and the 12 is not (y ≥ 10):
        // x = 16 − y ≤ 6, so x ∈ [1, 6] and y ∈ [10, 15].
        knowledge[c.index()] = Knowledge::Withheld { lo: 1, hi: Some(9) };
        knowledge[b.index()] = Knowledge::Withheld { lo: 10, hi: None };
        let found = intervals(table.constraints(), &knowledge)?;
        assert_eq!(found[c.index()], Some(Interval { lo: 1.0, hi: 6.0 }));
        assert_eq!(found[b.index()], Some(Interval { lo: 10.0, hi: 15.0 }));
        Ok(())
    }

    #[test]
    fn a_withheld_cell_whose_siblings_are_all_published_is_pinned() -> anyhow::Result<()> {
        let (table, [_, _, _, c]) = body_of_three();
        let mut knowledge = [41, 25, 12, 4].map(Knowledge::Published);
        knowledge[c.index()] = Knowledge::Withheld { lo: 0, hi: None };
        let found = intervals(table.constraints(), &knowledge)?;
        assert_eq!(found[c.index()], Some(Interval { lo: 4.0, hi: 4.0 }));
        let mut reached = Reached::new([41, 25, 12, 4]);
        let (narrow, effort) =
            narrower_than(table.constraints(), &knowledge, &[5.0; 4], &mut reached)?;
        assert_eq!(narrow, vec![(c.index(), Interval { lo: 4.0, hi: 4.0 })]);
        assert_eq!(effort.lps, 2);
        Ok(())
    }

    #[test]
    fn a_withheld_total_of_withheld_parts_is_unbounded_above() -> anyhow::Result<()> {
        let (table, _) = body_of_three();
        let knowledge = [Knowledge::Withheld { lo: 0, hi: None }; 4];
        let found = intervals(table.constraints(), &knowledge)?;
        assert!(found.iter().all(|i| i.is_some_and(|i| i.hi.is_infinite())));
        Ok(())
    }

    #[test]
    fn cells_shown_wide_enough_by_earlier_solutions_are_not_solved_for() -> anyhow::Result<()> {
        // Two withheld parts x + y = 16: the LP maximising x gives y = 0 at the same time, and
        // minimising x gives y = 16, so y needs no LP of its own.
        let (table, [_, _, b, c]) = body_of_three();
        let mut knowledge = [41, 25, 12, 4].map(Knowledge::Published);
        for cell in [b, c] {
            knowledge[cell.index()] = Knowledge::Withheld { lo: 0, hi: None };
        }
        let mut reached = Reached::new([41, 25, 12, 4]);
        let (narrow, effort) =
            narrower_than(table.constraints(), &knowledge, &[16.0; 4], &mut reached)?;
        assert_eq!(narrow, vec![]);
        assert_eq!(effort.lps, 2);
        assert_eq!(reached.range(b.index()), Interval { lo: 0.0, hi: 16.0 });
        Ok(())
    }

    #[test]
    fn published_figures_that_do_not_add_up_are_refused() {
        let (table, [total, ..]) = body_of_three();
        let knowledge = [40, 25, 12, 4].map(Knowledge::Published);
        assert_eq!(
            intervals(table.constraints(), &knowledge),
            Err(AuditError::Infeasible(total.index()))
        );
        assert!(matches!(
            intervals(table.constraints(), &knowledge[..2]),
            Err(AuditError::UnknownCell { .. })
        ));
    }
}
