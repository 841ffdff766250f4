//! The price of protection: the same statistics read exactly (as the national team reads them)
//! and perturbed (as an analyst reads them, the cell key method of `voce_stats::perturb`),
//! compared cell by cell over a set of tables — every grouping by month, quarter and year, and
//! a month by day. `voce-bench utility` prints [`Utility`] (and `cargo xtask bench-utility`
//! runs it); a collector test checks [`Utility::within_bounds`] on a smaller seed.

use std::collections::HashMap;

use time::Date;
use voce_collector::db::DbConnection;
use voce_collector::registry::cache::Snapshot;
use voce_collector::stats::StatsAnswer;
use voce_collector::stats::cache::ClosedPeriods;
use voce_collector::stats::query::Cell;
use voce_collector::stats::query::{self, Granularity, Grouping, StatsQuery};
use voce_shared::Catalog;
use voce_stats::answer::Audience;
use voce_stats::disclosure::Threshold;

/// The bounds the utility must keep (stated in `docs/methods.md` and `BENCHMARKS.md`).
pub mod bounds {
    /// No published mean of a cell with n ≥ 30 moves by more than this (1–5 scale).
    pub const MEAN_AT_30: f64 = 0.05;
    /// The mean absolute change of a published count.
    pub const COUNT: f64 = 1.0;
    /// The mean absolute change of a published share (top box, option shares) of a cell with
    /// n ≥ 30.
    pub const SHARE_AT_30: f64 = 0.02;
    /// Cells published exactly (national view) but suppressed when perturbed, as a share of
    /// the cells published exactly.
    pub const NEWLY_SUPPRESSED: f64 = 0.05;
}

/// What protection costs, over the cells published in both views.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Utility {
    /// Tables (answers) compared.
    pub tables: usize,
    /// Cells in the perturbed answers.
    pub cells: usize,
    /// Cells published in both views.
    pub compared: usize,
    /// Counts compared (n, responses, bars, option counts).
    pub counts: usize,
    /// Their mean absolute change.
    pub mean_abs_count: f64,
    /// The largest absolute change of a count.
    pub max_abs_count: i64,
    /// Means compared.
    pub means: usize,
    /// The mean absolute change of a mean.
    pub mean_abs_mean: f64,
    /// The largest change of the mean of a cell with n ≥ 30.
    pub max_abs_mean_at_30: f64,
    /// Shares compared (top box and option shares).
    pub shares: usize,
    /// Their mean absolute change.
    pub mean_abs_share: f64,
    /// The same over the cells with n ≥ 30.
    pub mean_abs_share_at_30: f64,
    /// The share of cells suppressed in the exact view (primary and complementary).
    pub suppressed_exact: f64,
    /// The share of cells suppressed in the perturbed view.
    pub suppressed_perturbed: f64,
    /// The share of cells published exactly that the perturbed view suppresses.
    pub newly_suppressed: f64,
}

impl Utility {
    /// Whether every figure is within [`bounds`]; the first that is not, said.
    pub fn within_bounds(&self) -> Result<(), String> {
        let checks = [
            (
                "largest change of a mean with n ≥ 30",
                self.max_abs_mean_at_30,
                bounds::MEAN_AT_30 + 1e-9,
            ),
            (
                "mean absolute change of a count",
                self.mean_abs_count,
                bounds::COUNT,
            ),
            (
                "mean absolute change of a share of a cell with n ≥ 30",
                self.mean_abs_share_at_30,
                bounds::SHARE_AT_30,
            ),
            (
                "share of exactly published cells suppressed when perturbed",
                self.newly_suppressed,
                bounds::NEWLY_SUPPRESSED,
            ),
        ];
        for (what, value, bound) in checks {
            if value > bound {
                return Err(format!("{what}: {value:.4} > {bound}"));
            }
        }
        if self.compared == 0 {
            return Err("no cell was published in both views".into());
        }
        Ok(())
    }

    /// The figures, one per line.
    pub fn report(&self) -> String {
        format!(
            "tables compared: {}\n\
             cells (perturbed view): {}; published in both views: {}\n\
             counts: {} compared, mean |change| {:.3}, largest {}\n\
             means: {} compared, mean |change| {:.4}, largest with n >= 30 {:.4} (bound {})\n\
             shares: {} compared, mean |change| {:.4}; with n >= 30 {:.4} (bound {})\n\
             cells suppressed: exact view {:.1}%, perturbed view {:.1}%; \
             published exactly but suppressed when perturbed {:.2}% (bound {:.0}%)",
            self.tables,
            self.cells,
            self.compared,
            self.counts,
            self.mean_abs_count,
            self.max_abs_count,
            self.means,
            self.mean_abs_mean,
            self.max_abs_mean_at_30,
            bounds::MEAN_AT_30,
            self.shares,
            self.mean_abs_share,
            self.mean_abs_share_at_30,
            bounds::SHARE_AT_30,
            100.0 * self.suppressed_exact,
            100.0 * self.suppressed_perturbed,
            100.0 * self.newly_suppressed,
            100.0 * bounds::NEWLY_SUPPRESSED,
        )
    }
}

/// The queries compared: every grouping by month, quarter and year over the year to `until`,
/// and the national figures and the services of one body by day over its last month.
fn queries(until: Date) -> Vec<StatsQuery> {
    let year_ago = until - time::Duration::days(364);
    let month_start = until.replace_day(1).unwrap_or(until);
    let mut out = Vec::new();
    for granularity in [Granularity::Month, Granularity::Quarter, Granularity::Year] {
        for grouping in Grouping::ALL {
            out.push(StatsQuery {
                granularity: Some(granularity),
                group_by: Some(grouping),
                from: Some(year_ago),
                to: Some(until),
                ..StatsQuery::default()
            });
        }
    }
    for grouping in [Grouping::National, Grouping::ServiceKind] {
        out.push(StatsQuery {
            granularity: Some(Granularity::Day),
            group_by: Some(grouping),
            from: Some(month_start),
            to: Some(until),
            ..StatsQuery::default()
        });
    }
    out
}

/// Sums of absolute changes.
#[derive(Default)]
struct Tally {
    count: (usize, f64, i64),
    mean: (usize, f64, f64),
    share: (usize, f64),
    share_at_30: (usize, f64),
}

impl Tally {
    fn count(&mut self, exact: Option<u64>, perturbed: Option<u64>) {
        if let (Some(a), Some(b)) = (exact, perturbed) {
            let d = i64::try_from(a.abs_diff(b)).unwrap_or(i64::MAX);
            self.count.0 += 1;
            self.count.1 += d as f64;
            self.count.2 = self.count.2.max(d);
        }
    }

    fn share(&mut self, exact: Option<f64>, perturbed: Option<f64>, large: bool) {
        if let (Some(a), Some(b)) = (exact, perturbed) {
            self.share.0 += 1;
            self.share.1 += (a - b).abs();
            if large {
                self.share_at_30.0 += 1;
                self.share_at_30.1 += (a - b).abs();
            }
        }
    }

    fn cell(&mut self, exact: &Cell, perturbed: &Cell) {
        let large = exact.n.unwrap_or(0) >= 30;
        self.count(exact.n, perturbed.n);
        self.count(exact.responses, perturbed.responses);
        if let (Some(a), Some(b)) = (&exact.distribution, &perturbed.distribution) {
            for (x, y) in a.iter().zip(b) {
                self.count(Some(*x), Some(*y));
            }
        }
        let options: HashMap<(&str, &str), (u64, f64)> = exact
            .shares
            .iter()
            .map(|s| ((s.question.as_str(), s.option.as_str()), (s.count, s.share)))
            .collect();
        for s in &perturbed.shares {
            if let Some((count, share)) = options.get(&(s.question.as_str(), s.option.as_str())) {
                self.count(Some(*count), Some(s.count));
                self.share(Some(*share), Some(s.share), large && s.of >= 30);
            }
        }
        self.share(exact.top_box, perturbed.top_box, large);
        if let (Some(a), Some(b)) = (exact.mean, perturbed.mean) {
            let d = (a - b).abs();
            self.mean.0 += 1;
            self.mean.1 += d;
            if exact.n.unwrap_or(0) >= 30 {
                self.mean.2 = self.mean.2.max(d);
            }
        }
    }
}

/// Reads the tables of [`queries`] both ways and compares them (blocking).
pub fn measure(
    conn: &mut DbConnection,
    catalog: &'static Catalog,
    registry: &Snapshot,
    k: Threshold,
    until: Date,
) -> anyhow::Result<Utility> {
    let closed = ClosedPeriods::default();
    let today = until + time::Duration::days(1);
    let mut tally = Tally::default();
    let mut out = Utility::default();
    let (mut suppressed_exact, mut suppressed_perturbed, mut published_exact, mut newly) =
        (0usize, 0usize, 0usize, 0usize);
    let mut exact_cells = 0usize;
    for q in queries(until) {
        let read = |conn: &mut DbConnection, audience: &Audience| -> anyhow::Result<StatsAnswer> {
            query::run(
                conn,
                catalog,
                registry,
                q.clone(),
                k,
                today,
                &closed,
                audience,
            )?
            .map_err(|e| anyhow::anyhow!("{e}"))
        };
        let exact = read(conn, &Audience::National)?;
        let perturbed = read(conn, &Audience::Perturbed)?;
        out.tables += 1;
        let key = |c: &Cell| (c.period.clone(), c.group.code.clone(), c.indicator.clone());
        let exact_of: HashMap<_, &Cell> = exact
            .cells
            .iter()
            .chain(&exact.totals)
            .map(|c| (key(c), c))
            .collect();
        exact_cells += exact_of.len();
        suppressed_exact += exact_of.values().filter(|c| c.suppressed).count();
        for p in perturbed.cells.iter().chain(&perturbed.totals) {
            out.cells += 1;
            suppressed_perturbed += usize::from(p.suppressed);
            let Some(e) = exact_of.get(&key(p)) else {
                continue;
            };
            if !e.suppressed {
                published_exact += 1;
                newly += usize::from(p.suppressed);
            }
            if !e.suppressed && !p.suppressed {
                out.compared += 1;
                tally.cell(e, p);
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    out.counts = tally.count.0;
    out.mean_abs_count = tally.count.1 / tally.count.0.max(1) as f64;
    out.max_abs_count = tally.count.2;
    out.means = tally.mean.0;
    out.mean_abs_mean = tally.mean.1 / tally.mean.0.max(1) as f64;
    out.max_abs_mean_at_30 = tally.mean.2;
    out.shares = tally.share.0;
    out.mean_abs_share = tally.share.1 / tally.share.0.max(1) as f64;
    out.mean_abs_share_at_30 = tally.share_at_30.1 / tally.share_at_30.0.max(1) as f64;
    out.suppressed_exact = ratio(suppressed_exact, exact_cells);
    out.suppressed_perturbed = ratio(suppressed_perturbed, out.cells);
    out.newly_suppressed = ratio(newly, published_exact);
    Ok(out)
}
