//! Estimators and significance tests for the published indicators: the mean of a 1–5 rating with
//! its 95% t-interval, shares with their 95% Wilson score interval, Welch's t-test for a difference
//! of means, the two-proportion z-test for a difference of shares, and Holm's correction over a
//! family of comparisons. Every formula is cited where it is computed; the methods are fixed in
//! `shared/domain/statistics.md`.
//!
//! The input of the mean and of Welch's test is a [`Moments`] cell (count, mean and sum of squared
//! deviations), built from the rollups' integer sums with [`Moments::from_sums`] and combined
//! across days, services or bodies with [`Moments::merge`], so a figure over a year never goes
//! through a large floating-point sum of squares.

use serde::Serialize;
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};
use statrs::function::beta::beta_reg;
use statrs::function::erf::erfc;
use utoipa::ToSchema;

/// The confidence level of every published interval.
pub const CONFIDENCE: f64 = 0.95;

/// The significance level of every published test (two-sided): `1 − CONFIDENCE`.
pub const ALPHA: f64 = 0.05;

/// The standard normal quantile `z(0.975)` used by the Wilson interval, to the seven significant
/// digits that `statistics.md` fixes (the exact value is 1.959963984540054…).
pub const Z_95: f64 = 1.959964;

/// The lowest value of every rating and scale indicator.
pub const SCALE_MIN: f64 = 1.0;

/// The highest value of every rating and scale indicator.
pub const SCALE_MAX: f64 = 5.0;

/// Below this expected count in any cell of the 2×2 table, the two-proportion z-test's normal
/// approximation is not trusted and the comparison is reported as not testable (the usual rule
/// of thumb, e.g. Agresti, *Categorical Data Analysis*, 3rd ed., §1.4 and §3.5).
pub const MIN_EXPECTED_COUNT: f64 = 5.0;

/// A mergeable summary of a set of ratings: the count `n`, the mean and `M2`, the sum of squared
/// deviations from the mean. Merging two cells is exact (up to rounding) in any order, so the
/// figures of a month are the merge of its days and those of a body the merge of its services.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// The summary of no values.
    pub const EMPTY: Self = Self {
        n: 0,
        mean: 0.0,
        m2: 0.0,
    };

    /// The summary of the given values, accumulated one by one with Welford's update.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Self {
        let mut moments = Self::EMPTY;
        for x in values {
            moments.push(x);
        }
        moments
    }

    /// The summary of a rollup row: `n` values with integer sum `Σx` and sum of squares `Σx²`.
    ///
    /// `M2 = Σx² − (Σx)²/n` cancels catastrophically in floating point when the values are large
    /// or many; with integer sums it is computed exactly as `(n·Σx² − (Σx)²) / n`, the numerator
    /// in 128-bit integers (no overflow for any `i64` sums), then one rounding division.
    /// Inconsistent sums (`n·Σx² < (Σx)²`, impossible for real data by Cauchy–Schwarz) give
    /// `M2 = 0` rather than a negative variance; `n = 0` gives [`Moments::EMPTY`].
    pub fn from_sums(n: u64, sum: i64, sum_of_squares: i64) -> Self {
        if n == 0 {
            return Self::EMPTY;
        }
        let numerator =
            i128::from(n) * i128::from(sum_of_squares) - i128::from(sum) * i128::from(sum);
        Self {
            n,
            mean: sum as f64 / n as f64,
            m2: numerator.max(0) as f64 / n as f64,
        }
    }

    /// Adds one value: Welford's update (B. P. Welford, "Note on a method for calculating
    /// corrected sums of squares and products", *Technometrics* 4(3), 1962, 419–420):
    /// `n ← n+1; δ = x − mean; mean ← mean + δ/n; M2 ← M2 + δ·(x − mean)`.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The summary of the union of two disjoint sets of values: the pairwise update of Chan,
    /// Golub and LeVeque ("Updating formulae and a pairwise algorithm for computing sample
    /// variances", Stanford CS report STAN-CS-79-773, 1979):
    /// `n = n_a + n_b; δ = mean_b − mean_a; mean = mean_a + δ·n_b/n;
    /// M2 = M2_a + M2_b + δ²·n_a·n_b/n`.
    #[must_use]
    pub fn merge(self, other: Self) -> Self {
        if self.n == 0 {
            return other;
        }
        if other.n == 0 {
            return self;
        }
        let n = self.n + other.n;
        let (na, nb, nf) = (self.n as f64, other.n as f64, n as f64);
        let delta = other.mean - self.mean;
        Self {
            n,
            mean: self.mean + delta * nb / nf,
            m2: self.m2 + other.m2 + delta * delta * na * nb / nf,
        }
    }

    /// The number of values.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The mean, or `None` for no values.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// The sum of squared deviations from the mean, `M2 = Σ(x − mean)²`.
    pub fn m2(&self) -> f64 {
        self.m2
    }

    /// The sample variance `s² = M2 / (n − 1)`, or `None` below two values.
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| self.m2 / (self.n - 1) as f64)
    }

    /// The sample standard deviation `s`, or `None` below two values.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
}

/// A closed interval `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// `mean ± t(0.975, n−1)·s/√n`.
    StudentT,
    /// The Wilson score interval for a proportion.
    Wilson,
}

/// The mean of a rating or scale indicator with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MeanEstimate {
    /// The number of ratings.
    pub n: u64,
    /// The mean rating.
    pub mean: f64,
    /// The sample standard deviation; absent below two ratings.
    pub sd: Option<f64>,
    /// The 95% t-interval, clamped to the scale [1, 5]; absent below two ratings.
    pub ci95: Option<Interval>,
    /// Whether `ci95` was cut at 1 or 5 (the unclamped interval reached outside the scale).
    pub ci95_clamped: bool,
    /// Always `student-t`.
    pub method: IntervalMethod,
}

/// The mean of `moments` with its 95% t-interval on the 1–5 scale, or `None` for no ratings.
///
/// `mean ± t(0.975, n−1) · s/√n` (Student, "The probable error of a mean", *Biometrika* 6(1),
/// 1908; any introductory text, e.g. Moore, McCabe & Craig, *Introduction to the Practice of
/// Statistics*, §7.1), then clamped to [`SCALE_MIN`, `SCALE_MAX`] with `ci95_clamped` saying so.
pub fn mean_ci95(moments: &Moments) -> Option<MeanEstimate> {
    let mean = moments.mean()?;
    let sd = moments.sd();
    let (ci95, ci95_clamped) = match sd {
        Some(s) => {
            let n = moments.n() as f64;
            let half = t_quantile(1.0 - ALPHA / 2.0, n - 1.0) * s / n.sqrt();
            let (low, high) = (mean - half, mean + half);
            let clamped = low < SCALE_MIN || high > SCALE_MAX;
            let interval = Interval {
                low: low.max(SCALE_MIN),
                high: high.min(SCALE_MAX),
            };
            (Some(interval), clamped)
        }
        None => (None, false),
    };
    Some(MeanEstimate {
        n: moments.n(),
        mean,
        sd,
        ci95,
        ci95_clamped,
        method: IntervalMethod::StudentT,
    })
}

/// The quantile `t(p, df)` of Student's t distribution with `df > 0` degrees of freedom
/// (not necessarily an integer: Welch–Satterthwaite degrees of freedom are not), for
/// `0 < p < 1`.
///
/// Computed, not looked up: `statrs` inverts the regularised incomplete beta function
/// (`t = √(df·(1−y)/y)` with `y = I⁻¹(df/2, 1/2; 2·min(p, 1−p))`, Abramowitz & Stegun 26.7.1 and
/// 26.5.27), then two Newton steps on the distribution function polish it to full double
/// precision.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let Ok(dist) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let mut t = dist.inverse_cdf(p);
    for _ in 0..2 {
        let density = dist.pdf(t);
        if !(t.is_finite() && density > 0.0) {
            break;
        }
        t -= (student_t_cdf(t, df) - p) / density;
    }
    t
}

/// The distribution function of Student's t: for `t ≥ 0`,
/// `F(t) = 1 − ½·I(df/(df+t²); df/2, 1/2)` (Abramowitz & Stegun 26.7.1 with 26.5.27), by symmetry
/// for `t < 0`. Through the incomplete beta function directly, so a tail probability keeps its
/// relative precision instead of being `1 − (a number close to 1)`.
fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The two-sided p-value `P(|T| ≥ |t|) = I(df/(df+t²); df/2, 1/2)` for Student's t with `df`
/// degrees of freedom (Abramowitz & Stegun 26.7.1).
pub fn student_t_two_sided_p(t: f64, df: f64) -> f64 {
    beta_reg(df / 2.0, 0.5, df / (df + t * t))
}

/// The two-sided p-value `P(|Z| ≥ |z|) = erfc(|z|/√2)` for a standard normal `Z`.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// A share (a proportion) with its 95% Wilson score interval.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShareEstimate {
    /// How many of the `n` respondents are counted (e.g. rated 4 or 5).
    pub successes: u64,
    /// How many respondents the share is of.
    pub n: u64,
    /// `successes / n`.
    pub share: f64,
    /// The 95% Wilson score interval.
    pub ci95: Interval,
    /// Always `wilson`.
    pub method: IntervalMethod,
}

/// The Wilson score interval for `successes` out of `n` at normal quantile `z`, or `None` when
/// `n = 0` or `successes > n`:
///
/// `(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)` with `p̂ = successes/n`
/// (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
/// *JASA* 22(158), 1927, 209–212; recommended over the Wald interval by Brown, Cai & DasGupta,
/// "Interval estimation for a binomial proportion", *Statistical Science* 16(2), 2001). It never
/// collapses to a point at 0% or 100%. Rounding is cut at [0, 1].
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denominator = 1.0 + z2 / nf;
    let centre = p + z2 / (2.0 * nf);
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Some(Interval {
        low: ((centre - half) / denominator).max(0.0),
        high: ((centre + half) / denominator).min(1.0),
    })
}

/// The share `successes / n` with its 95% Wilson interval ([`Z_95`]), or `None` when `n = 0` or
/// `successes > n`.
pub fn share_ci95(successes: u64, n: u64) -> Option<ShareEstimate> {
    let ci95 = wilson_interval(successes, n, Z_95)?;
    Some(ShareEstimate {
        successes,
        n,
        share: successes as f64 / n as f64,
        ci95,
        method: IntervalMethod::Wilson,
    })
}

/// The significance test a comparison used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TestName {
    /// Welch's unequal-variances t-test for a difference of means.
    WelchT,
    /// The two-proportion z-test with pooled standard error for a difference of shares.
    TwoProportionZ,
}

/// Which way the subject differs from the reference (whether or not significantly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The subject's figure is above the reference's.
    Higher,
    /// The subject's figure is below the reference's.
    Lower,
    /// The two figures are equal.
    Same,
}

impl Direction {
    fn of(difference: f64) -> Self {
        if difference > 0.0 {
            Self::Higher
        } else if difference < 0.0 {
            Self::Lower
        } else {
            Self::Same
        }
    }
}

/// Why a comparison carries no p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NotTestable {
    /// Fewer than two values on a side: no variance to estimate.
    TooFewResponses,
    /// Both sides have zero variance: the t statistic is undefined.
    NoVariance,
    /// An expected count of the 2×2 table is under 5 ([`MIN_EXPECTED_COUNT`]).
    ExpectedCountBelowFive,
}

/// A correction for multiple comparisons applied to a family of tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// Holm's step-down procedure.
    Holm,
}

/// A subject (e.g. a body's service) compared with a reference (e.g. the same service kind
/// nationally, without that body).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Comparison {
    /// The test used: `welch-t` or `two-proportion-z`.
    pub test: TestName,
    /// Subject minus reference: points on the 1–5 scale for means, a proportion for shares.
    pub difference: f64,
    /// The sign of `difference`.
    pub direction: Direction,
    /// The test statistic (t or z); absent when not testable.
    pub statistic: Option<f64>,
    /// The degrees of freedom (Welch–Satterthwaite) of a t-test.
    pub df: Option<f64>,
    /// The two-sided p-value; absent when not testable.
    pub p_value: Option<f64>,
    /// Whether the difference is significant at 95% (after the correction, when one applies).
    pub significant: bool,
    /// Why there is no p-value, when there is none.
    pub not_testable: Option<NotTestable>,
    /// The multiple-comparison correction applied, if any.
    pub correction: Option<Correction>,
    /// The p-value after the correction, if one applies.
    pub p_adjusted: Option<f64>,
}

impl Comparison {
    fn untestable(test: TestName, difference: f64, reason: NotTestable) -> Self {
        Self {
            test,
            difference,
            direction: Direction::of(difference),
            statistic: None,
            df: None,
            p_value: None,
            significant: false,
            not_testable: Some(reason),
            correction: None,
            p_adjusted: None,
        }
    }

    fn tested(
        test: TestName,
        difference: f64,
        statistic: f64,
        df: Option<f64>,
        p_value: f64,
    ) -> Self {
        Self {
            test,
            difference,
            direction: Direction::of(difference),
            statistic: Some(statistic),
            df,
            p_value: Some(p_value),
            significant: p_value < ALPHA,
            not_testable: None,
            correction: None,
            p_adjusted: None,
        }
    }
}

/// Welch's t-test of the subject's mean against the reference's, or `None` when a side has no
/// values (there is no difference to report).
///
/// `t = (mean₁ − mean₂) / √(s₁²/n₁ + s₂²/n₂)` with the Welch–Satterthwaite degrees of freedom
/// `df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))` (B. L. Welch, "The
/// generalization of 'Student's' problem when several different population variances are
/// involved", *Biometrika* 34, 1947, 28–35; F. E. Satterthwaite, *Biometrics Bulletin* 2(6),
/// 1946, 110–114), two-sided p-value from Student's t with `df` degrees of freedom. Not testable
/// with fewer than two values on a side or zero variance on both.
pub fn welch_t_test(subject: &Moments, reference: &Moments) -> Option<Comparison> {
    let difference = subject.mean()? - reference.mean()?;
    let (Some(v1), Some(v2)) = (subject.variance(), reference.variance()) else {
        return Some(Comparison::untestable(
            TestName::WelchT,
            difference,
            NotTestable::TooFewResponses,
        ));
    };
    let (n1, n2) = (subject.n() as f64, reference.n() as f64);
    let (a, b) = (v1 / n1, v2 / n2);
    if a + b <= 0.0 {
        return Some(Comparison::untestable(
            TestName::WelchT,
            difference,
            NotTestable::NoVariance,
        ));
    }
    let t = difference / (a + b).sqrt();
    let df = (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
    let p = student_t_two_sided_p(t, df);
    Some(Comparison::tested(
        TestName::WelchT,
        difference,
        t,
        Some(df),
        p,
    ))
}

/// The two-proportion z-test of `x₁/n₁` (subject) against `x₂/n₂` (reference), or `None` when
/// `n₁` or `n₂` is 0 or a count exceeds its total.
///
/// Pooled `p = (x₁+x₂)/(n₁+n₂)`, `z = (p̂₁ − p̂₂) / √(p(1−p)(1/n₁ + 1/n₂))`, two-sided
/// p-value `erfc(|z|/√2)` (Agresti, *Categorical Data Analysis*, 3rd ed., §3.1.4; equivalent to
/// Pearson's χ² on the 2×2 table). Not testable when an expected count `n_i·p` or `n_i·(1−p)` is
/// under 5.
pub fn two_proportion_z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<Comparison> {
    if n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let (x1f, n1f, x2f, n2f) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let difference = x1f / n1f - x2f / n2f;
    let pooled = (x1f + x2f) / (n1f + n2f);
    let expected = [
        n1f * pooled,
        n1f * (1.0 - pooled),
        n2f * pooled,
        n2f * (1.0 - pooled),
    ];
    if expected.iter().any(|&e| e < MIN_EXPECTED_COUNT) {
        return Some(Comparison::untestable(
            TestName::TwoProportionZ,
            difference,
            NotTestable::ExpectedCountBelowFive,
        ));
    }
    let se = (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    let z = difference / se;
    Some(Comparison::tested(
        TestName::TwoProportionZ,
        difference,
        z,
        None,
        normal_two_sided_p(z),
    ))
}

/// Applies Holm's step-down correction to a family of comparisons shown together (one table):
/// with the `m` testable p-values sorted ascending `p₍₁₎ ≤ … ≤ p₍ₘ₎`, the adjusted
/// `p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)`, and a comparison is significant when
/// `p̃ < 0.05` (S. Holm, "A simple sequentially rejective multiple test procedure",
/// *Scandinavian Journal of Statistics* 6(2), 1979, 65–70). It controls the family-wise error
/// rate without assuming independence. Untestable comparisons are not part of the family and
/// stay as they are.
pub fn holm(comparisons: &mut [Comparison]) {
    let mut family: Vec<(usize, f64)> = comparisons
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.p_value.map(|p| (i, p)))
        .collect();
    family.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let m = family.len();
    let mut running_max: f64 = 0.0;
    for (rank, (index, p)) in family.into_iter().enumerate() {
        let adjusted = ((m - rank) as f64 * p).min(1.0);
        running_max = running_max.max(adjusted);
        let comparison = &mut comparisons[index];
        comparison.p_adjusted = Some(running_max);
        comparison.significant = running_max < ALPHA;
        comparison.correction = Some(Correction::Holm);
    }
}
