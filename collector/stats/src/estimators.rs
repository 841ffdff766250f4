//! Estimators and significance tests for the published indicators: the mean of a 1–5 rating with
//! its 95% t-interval, shares with their 95% Wilson score interval, Welch's t-test for a difference
//! of means, the two-proportion z-test for a difference of shares, and Holm's correction over a
//! family of comparisons. Every formula is cited where it is computed; the methods are written
//! out in [`docs/methods.md`](../../../docs/methods.md): the intervals in
//! [Intervals](../../../docs/methods.md#intervals), the tests in
//! [Comparing with the national figure](../../../docs/methods.md#comparing-with-the-national-figure).
//!
//! The input of the mean and of Welch's test is a [`Moments`] cell (count, mean and sum of squared
//! deviations), built from the rollups' integer sums with [`Moments::from_sums`] and combined
//! across days, services or bodies with [`Moments::merge`], so a figure over a year never goes
//! through a large floating-point sum of squares.

use serde::Serialize;
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};
use statrs::function::beta::beta_reg;
use statrs::function::erf::{erfc, erfc_inv};

/// The confidence level of every published interval.
pub const CONFIDENCE: f64 = 0.95;

/// The significance level of every published test (two-sided): `1 − CONFIDENCE`.
pub const ALPHA: f64 = 0.05;

/// The standard normal quantile `z(0.975)` used by the Wilson interval, to the seven significant
/// digits that [the methods](../../../docs/methods.md#intervals) fix (the exact value is 1.959963984540054…).
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

    /// The summary of `n` values with this mean and sample standard deviation (`M2 = s²·(n−1)`):
    /// how a perturbed cell's published figures are compared.
    pub fn from_summary(n: u64, mean: f64, sd: Option<f64>) -> Self {
        if n == 0 {
            return Self::EMPTY;
        }
        let m2 = sd.map_or(0.0, |s| s * s * (n.saturating_sub(1)) as f64);
        Self { n, mean, m2 }
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// `mean ± t(0.975, n−1)·s/√n`.
    StudentT,
    /// The Wilson score interval for a proportion.
    Wilson,
}

/// The mean of a rating or scale indicator with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    Some(mean_ci95_with(moments.n(), mean, moments.sd(), 0.0))
}

/// The same interval from a published mean and standard deviation of `n` ratings, its variance
/// widened by `extra_variance` (the variance of a perturbation added to the mean):
/// `mean ± t(0.975, n−1) · √(s²/n + extra_variance)`, clamped to the scale.
pub fn mean_ci95_with(n: u64, mean: f64, sd: Option<f64>, extra_variance: f64) -> MeanEstimate {
    let (ci95, ci95_clamped) = match sd.filter(|_| n > 1) {
        Some(s) => {
            let nf = n as f64;
            let half = t_quantile(1.0 - ALPHA / 2.0, nf - 1.0)
                * if extra_variance > 0.0 {
                    (s * s / nf + extra_variance).sqrt()
                } else {
                    s / nf.sqrt()
                };
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
    MeanEstimate {
        n,
        mean,
        sd,
        ci95,
        ci95_clamped,
        method: IntervalMethod::StudentT,
    }
}

/// The quantile `t(p, df)` of Student's t distribution with `df > 0` degrees of freedom
/// (not necessarily an integer: Welch–Satterthwaite degrees of freedom are not), for
/// `0 < p < 1`; `NaN` outside that domain.
///
/// Computed, not looked up. Below [`T_EXPANSION_DF`] degrees of freedom: `statrs`'s inversion of
/// the regularised incomplete beta function (`t = √(df·(1−y)/y)` with
/// `y = I⁻¹(df/2, 1/2; 2·min(p, 1−p))`, Abramowitz & Stegun 26.7.1 and 26.5.27), polished by
/// Newton steps on the distribution function. From [`T_EXPANSION_DF`] on, where both the
/// inversion and the incomplete beta function lose accuracy, the Cornish–Fisher expansion around
/// the normal quantile `z` to the fourth order (A&S 26.7.5):
/// `t = z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴` with `g₁ = (z³ + z)/4`,
/// `g₂ = (5z⁵ + 16z³ + 3z)/96`, `g₃ = (3z⁷ + 19z⁵ + 17z³ − 15z)/384`,
/// `g₄ = (79z⁹ + 776z⁷ + 1482z⁵ − 1920z³ − 945z)/92160`; at ν = 1000 its error is below
/// 1e-15 for p = 0.975 and below 4e-12 up to p = 1 − 10⁻⁶ (checked against mpmath 1.3).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let Ok(dist) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    if df >= T_EXPANSION_DF {
        let z = -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p);
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
    }
    let mut t = dist.inverse_cdf(p);
    for _ in 0..4 {
        let density = dist.pdf(t);
        if !(t.is_finite() && density > 0.0) {
            break;
        }
        let step = (student_t_cdf(t, df) - p) / density;
        t -= step;
        if step.abs() <= 1e-14 * t.abs().max(1.0) {
            break;
        }
    }
    t
}

/// The degrees of freedom from which [`t_quantile`] uses the Cornish–Fisher expansion.
const T_EXPANSION_DF: f64 = 1000.0;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TestName {
    /// Welch's unequal-variances t-test for a difference of means.
    WelchT,
    /// The two-proportion z-test with pooled standard error for a difference of shares.
    TwoProportionZ,
}

/// Which way the subject differs from the reference (whether or not significantly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// Holm's step-down procedure.
    Holm,
}

/// A subject (e.g. a body's service) compared with a reference (e.g. the same service kind
/// nationally, without that body).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOLERANCE: f64 = 1e-9;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= TOLERANCE
    }

    macro_rules! assert_close {
        ($actual:expr, $expected:expr) => {{
            let (actual, expected): (f64, f64) = ($actual, $expected);
            assert!(
                close(actual, expected),
                "{} = {actual}, expected {expected}",
                stringify!($actual)
            );
        }};
    }

    /// `t(0.975, 4)` in closed form. For ν = 4 Student's quantile is
    /// `t = 2·√(q − 1)` with `α = 4p(1−p)`, `q = cos(⅓·arccos √α) / √α` (W. Shaw, "New methods
    /// for simulating the Student t-distribution", *J. Computational Finance* 9(4), 2006, §3).
    /// For p = 0.975: α = 4·0.975·0.025 = 0.0975, √α = 0.3122498999…,
    /// arccos √α = 1.25345…, q = 2.92714…, t = 2·√1.92714… = 2.776445105197794.
    const T_975_4: f64 = 2.776_445_105_197_794;

    #[test]
    fn the_t_quantile_matches_the_closed_forms_for_one_two_and_four_degrees_of_freedom() {
        // ν = 1 (Cauchy): t = tan(π(p − ½)) = tan(0.475π) = 12.706204736174705.
        assert_close!(t_quantile(0.975, 1.0), 12.706_204_736_174_705);
        // ν = 2: t = (2p − 1)·√(2 / (4p(1 − p))) = 0.95·√(2/0.0975) = 4.302652729749464.
        assert_close!(t_quantile(0.975, 2.0), 4.302_652_729_749_464);
        assert_close!(t_quantile(0.975, 4.0), T_975_4);
        // Symmetry, and the normal quantile z(0.975) = 1.959963984540054 as ν grows.
        assert_close!(t_quantile(0.025, 4.0), -T_975_4);
    }

    #[test]
    fn the_t_quantile_matches_high_precision_values_on_both_sides_of_the_expansion_threshold() {
        // t(0.975, ν) by root-finding on the incomplete beta function with mpmath 1.3 at 40
        // digits (`findroot(lambda t: 1 - betainc(ν/2, 1/2, 0, ν/(ν+t²), regularized=True)/2
        // - 0.975, z)`); ν = 9.084… is the Welch example below; as ν → ∞ the normal quantile
        // z(0.975) = 1.959963984540054.
        let reference = [
            (9.0, 2.262_157_162_798_205_5),
            (9.084_167_877_000_555, 2.258_966_195_653_003_4),
            (30.0, 2.042_272_456_301_238),
            (120.0, 1.979_930_405_082_441),
            (999.0, 1.962_341_461_133_45),
            (1000.0, 1.962_339_080_826_408_5),
            (1e4, 1.960_201_239_890_626_3),
            (1e6, 1.959_966_356_814_107),
            (1e15, 1.959_963_984_540_054),
        ];
        for (df, t) in reference {
            assert_close!(t_quantile(0.975, df), t);
        }
    }

    #[test]
    fn the_t_quantile_inverts_the_t_distribution_function_for_fractional_degrees_of_freedom() {
        for df in [1.5, 3.7, 9.084_167_877, 27.3, 250.0] {
            for p in [0.6, 0.9, 0.975, 0.995] {
                let t = t_quantile(p, df);
                assert_close!(student_t_two_sided_p(t, df), 2.0 * (1.0 - p));
            }
        }
        assert!(t_quantile(0.975, 0.0).is_nan());
        assert!(t_quantile(1.0, 4.0).is_nan());
    }

    #[test]
    fn five_ratings_give_the_hand_computed_mean_sd_and_clamped_t_interval() {
        // Ratings 2, 4, 4, 5, 5: n = 5, Σx = 20, Σx² = 4 + 16 + 16 + 25 + 25 = 86.
        // mean = 20/5 = 4; M2 = Σx² − (Σx)²/n = 86 − 80 = 6; s² = 6/4 = 1.5;
        // s = √1.5 = 1.224744871391589; s/√n = √(1.5/5) = √0.3 = 0.5477225575051661;
        // half-width = t(0.975, 4)·s/√n = 2.776445105197794 · 0.5477225575051661
        //            = 1.520721613791636;
        // interval = [2.479278386208364, 5.520721613791636], cut at 5 → clamped.
        let moments = Moments::from_sums(5, 20, 86);
        assert_eq!(moments, Moments::from_values([2.0, 4.0, 4.0, 5.0, 5.0]));
        let estimate = mean_ci95(&moments).expect("five ratings have a mean");
        assert_eq!(estimate.n, 5);
        assert_close!(estimate.mean, 4.0);
        assert_close!(estimate.sd.expect("n ≥ 2"), 1.224_744_871_391_589);
        let ci = estimate.ci95.expect("n ≥ 2");
        assert_close!(ci.low, 2.479_278_386_208_364);
        assert_close!(ci.high, 5.0);
        assert!(estimate.ci95_clamped);
        assert_eq!(estimate.method, IntervalMethod::StudentT);
    }

    #[test]
    fn five_closer_ratings_give_an_unclamped_t_interval() {
        // Ratings 3, 4, 4, 4, 5: n = 5, Σx = 20, Σx² = 9 + 16 + 16 + 16 + 25 = 82; mean 4;
        // M2 = 82 − 80 = 2; s² = 0.5; s = 1/√2 = 0.7071067811865476; s/√n = √0.1 = 0.31622776601683794;
        // half-width = 2.776445105197794 · 0.31622776601683794 = 0.8779890330850831;
        // interval = [3.122010966914917, 4.877989033085083], inside [1, 5].
        let estimate = mean_ci95(&Moments::from_sums(5, 20, 82)).expect("a mean");
        assert_close!(estimate.sd.expect("n ≥ 2"), std::f64::consts::FRAC_1_SQRT_2);
        let ci = estimate.ci95.expect("n ≥ 2");
        assert_close!(ci.low, 3.122_010_966_914_917);
        assert_close!(ci.high, 4.877_989_033_085_083);
        assert!(!estimate.ci95_clamped);
    }

    #[test]
    fn one_rating_has_a_mean_but_no_interval_and_none_has_no_mean() {
        let one = mean_ci95(&Moments::from_values([3.0])).expect("a mean");
        assert_eq!((one.mean, one.sd, one.ci95), (3.0, None, None));
        assert_eq!(mean_ci95(&Moments::EMPTY), None);
        assert_eq!(Moments::from_sums(0, 0, 0), Moments::EMPTY);
    }

    #[test]
    fn inconsistent_rollup_sums_give_zero_spread_rather_than_a_negative_variance() {
        // n·Σx² = 2·1 < (Σx)² = 16: impossible for real data.
        assert_eq!(Moments::from_sums(2, 4, 1).variance(), Some(0.0));
    }

    #[test]
    fn eight_of_ten_gives_the_hand_computed_wilson_interval() {
        // p̂ = 0.8, n = 10, z = 1.959964, z² = 3.841458881296.
        // denominator = 1 + z²/n = 1.3841458881296;
        // centre = p̂ + z²/2n = 0.8 + 0.1920729440648 = 0.9920729440648;
        // half = z·√(p̂(1−p̂)/n + z²/4n²) = 1.959964·√(0.016 + 0.00960364720324)
        //      = 1.959964·0.16001139... = 0.3136165779139486;
        // low  = (0.9920729440648 − 0.3136165779139486)/1.3841458881296 = 0.4901624691221323;
        // high = (0.9920729440648 + 0.3136165779139486)/1.3841458881296 = 0.9433178490622331.
        let estimate = share_ci95(8, 10).expect("n > 0");
        assert_close!(estimate.share, 0.8);
        assert_close!(estimate.ci95.low, 0.490_162_469_122_132_3);
        assert_close!(estimate.ci95.high, 0.943_317_849_062_233_1);
        assert_eq!(estimate.method, IntervalMethod::Wilson);
    }

    #[test]
    fn none_of_ten_gives_a_wilson_interval_from_zero_that_is_not_a_point() {
        // p̂ = 0: centre = z²/2n = half = z·z/2n, so low = 0 and
        // high = (z²/n)/(1 + z²/n) = 0.3841458881296/1.3841458881296 = 0.2775328030260577.
        let ci = wilson_interval(0, 10, Z_95).expect("n > 0");
        assert_close!(ci.low, 0.0);
        assert_close!(ci.high, 0.277_532_803_026_057_7);
        // And the mirror image at 100%.
        let full = wilson_interval(10, 10, Z_95).expect("n > 0");
        assert_close!(full.low, 1.0 - 0.277_532_803_026_057_7);
        assert_close!(full.high, 1.0);
        assert_eq!(wilson_interval(1, 0, Z_95), None);
        assert_eq!(wilson_interval(3, 2, Z_95), None);
    }

    #[test]
    fn wilson_intervals_agree_with_newcombes_published_examples() {
        // R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison
        // of seven methods", Statistics in Medicine 17 (1998) 857–872, Table II, method 3
        // (score interval without continuity correction), to the four decimals printed.
        let examples = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ];
        for (x, n, low, high) in examples {
            let ci = wilson_interval(x, n, Z_95).expect("n > 0");
            assert!((ci.low - low).abs() < 5e-5, "{x}/{n}: low {}", ci.low);
            assert!((ci.high - high).abs() < 5e-5, "{x}/{n}: high {}", ci.high);
        }
    }

    #[test]
    fn welchs_test_on_two_equal_variance_samples_gives_the_hand_computed_p_value() {
        // Subject 4, 5, 5: n = 3, mean 14/3, M2 = 66 − 196/3 = 2/3, s² = 1/3.
        // Reference 2, 3, 3: n = 3, mean 8/3, M2 = 22 − 64/3 = 2/3, s² = 1/3.
        // difference = 2; s₁²/n₁ = s₂²/n₂ = 1/9; SE = √(2/9); t = 2/√(2/9) = 3√2 = 4.242640687119285.
        // df = (2/9)² / (2·(1/9)²/2) = 4.
        // For ν = 4 the two-sided p is 1 − sin θ·(1 + cos²θ/2), θ = atan(t/√ν)
        // (Abramowitz & Stegun 26.7.3): tan θ = 3/√2, sin²θ = 9/11, cos²θ = 2/11, so
        // p = 1 − (3/√11)·(12/11) = 1 − 36/(11√11) = 0.013235599563682690.
        let subject = Moments::from_values([4.0, 5.0, 5.0]);
        let reference = Moments::from_values([2.0, 3.0, 3.0]);
        let c = welch_t_test(&subject, &reference).expect("both sides have values");
        assert_eq!(c.test, TestName::WelchT);
        assert_close!(c.difference, 2.0);
        assert_eq!(c.direction, Direction::Higher);
        assert_close!(c.statistic.expect("testable"), 4.242_640_687_119_285);
        assert_close!(c.df.expect("a t-test"), 4.0);
        assert_close!(c.p_value.expect("testable"), 0.013_235_599_563_682_69);
        assert!(c.significant);
        assert_eq!(c.not_testable, None);
    }

    #[test]
    fn welchs_test_with_unequal_variances_uses_fractional_satterthwaite_degrees_of_freedom() {
        // Subject 5, 5, 4, 4, 5, 3, 5, 4: n = 8, Σx = 35, mean 4.375, Σx² = 157,
        //   M2 = 157 − 35²/8 = 3.875, s² = 3.875/7 = 31/56, s²/n = 31/448.
        // Reference 3, 2, 4, 1, 3, 5, 2: n = 7, Σx = 20, mean 20/7, Σx² = 68,
        //   M2 = 68 − 400/7 = 76/7, s² = 38/21, s²/n = 38/147.
        // a + b = 31/448 + 38/147 = 0.0691964… + 0.2585034… = 0.3276998…;
        // t = (4.375 − 2.857142857…)/√0.3276998… = 1.517857142857…/0.5724507… = 2.651507077621934;
        // df = (a + b)² / (a²/7 + b²/6) = 0.10738716…/0.01182127… = 9.084167877000555.
        // p = I(df/(df + t²); df/2, 1/2) = 0.02620834481357892 (mpmath 1.3 `betainc`, 30 digits).
        let subject = Moments::from_values([5.0, 5.0, 4.0, 4.0, 5.0, 3.0, 5.0, 4.0]);
        let reference = Moments::from_sums(7, 20, 68);
        let c = welch_t_test(&subject, &reference).expect("both sides have values");
        assert_close!(c.difference, 4.375 - 20.0 / 7.0);
        assert_close!(c.statistic.expect("testable"), 2.651_507_077_621_934);
        assert_close!(c.df.expect("a t-test"), 9.084_167_877_000_555);
        assert_close!(c.p_value.expect("testable"), 0.026_208_344_813_578_92);
        assert!(c.significant);
        // Swapped, only the signs change.
        let swapped = welch_t_test(&reference, &subject).expect("both sides have values");
        assert_eq!(swapped.direction, Direction::Lower);
        assert_close!(swapped.statistic.expect("testable"), -2.651_507_077_621_934);
        assert_close!(swapped.p_value.expect("testable"), 0.026_208_344_813_578_92);
    }

    #[test]
    fn welchs_test_says_not_testable_below_two_ratings_or_without_variance() {
        let one = Moments::from_values([4.0]);
        let three = Moments::from_values([2.0, 3.0, 4.0]);
        let c = welch_t_test(&one, &three).expect("both sides have values");
        assert_eq!(c.not_testable, Some(NotTestable::TooFewResponses));
        assert_close!(c.difference, 1.0);
        assert_eq!((c.p_value, c.significant), (None, false));
        let flat = Moments::from_values([4.0, 4.0]);
        let flatter = Moments::from_values([3.0, 3.0, 3.0]);
        let c = welch_t_test(&flat, &flatter).expect("both sides have values");
        assert_eq!(c.not_testable, Some(NotTestable::NoVariance));
        assert_eq!(welch_t_test(&Moments::EMPTY, &three), None);
    }

    #[test]
    fn the_two_proportion_test_gives_the_hand_computed_z_and_p_value() {
        // 45 of 60 against 30 of 60: p̂₁ = 0.75, p̂₂ = 0.5, difference 0.25.
        // Pooled p = 75/120 = 0.625; SE = √(0.625·0.375·(1/60 + 1/60)) = √0.0078125
        //   = 0.08838834764831845; z = 0.25/0.08838834764831845 = 2√2 = 2.8284271247461903.
        // p = erfc(z/√2) = erfc(2) = 0.004677734981047266 (Abramowitz & Stegun Table 7.1).
        // Expected counts 37.5, 22.5, 37.5, 22.5: all ≥ 5.
        let c = two_proportion_z_test(45, 60, 30, 60).expect("n > 0");
        assert_eq!(c.test, TestName::TwoProportionZ);
        assert_close!(c.difference, 0.25);
        assert_eq!(c.direction, Direction::Higher);
        assert_close!(c.statistic.expect("testable"), 2.828_427_124_746_190_3);
        assert_close!(c.p_value.expect("testable"), 0.004_677_734_981_047_266);
        assert_eq!(c.df, None);
        assert!(c.significant);
    }

    #[test]
    fn the_two_proportion_test_is_not_testable_when_an_expected_count_is_under_five() {
        // 2 of 10 against 3 of 20: pooled 5/30, expected successes of the first 10·(1/6) ≈ 1.67.
        let c = two_proportion_z_test(2, 10, 3, 20).expect("n > 0");
        assert_eq!(c.not_testable, Some(NotTestable::ExpectedCountBelowFive));
        assert_close!(c.difference, 0.05);
        assert_eq!((c.p_value, c.significant), (None, false));
        assert_eq!(two_proportion_z_test(1, 0, 3, 20), None);
        assert_eq!(two_proportion_z_test(11, 10, 3, 20), None);
    }

    #[test]
    fn a_small_difference_between_large_samples_is_not_significant() {
        // 520 of 1000 against 500 of 1000: z ≈ 0.894, p ≈ 0.371.
        let c = two_proportion_z_test(520, 1000, 500, 1000).expect("n > 0");
        assert!(!c.significant);
        assert!(c.p_value.expect("testable") > 0.3);
    }

    fn with_p(p: Option<f64>) -> Comparison {
        let mut c = Comparison::untestable(TestName::WelchT, 0.1, NotTestable::TooFewResponses);
        if let Some(p) = p {
            c = Comparison::tested(TestName::WelchT, 0.1, 1.0, Some(10.0), p);
        }
        c
    }

    #[test]
    fn holms_correction_adjusts_the_hand_computed_family() {
        // p = 0.01, 0.04, 0.03, 0.005 and one untestable (not in the family, m = 4).
        // Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → max(0.06, 0.04).
        // Adjusted in input order: 0.03, 0.06, 0.06, 0.02; significant: 1st and 4th.
        let mut family: Vec<Comparison> = [Some(0.01), Some(0.04), Some(0.03), Some(0.005), None]
            .into_iter()
            .map(with_p)
            .collect();
        assert!(family[2].significant, "0.03 alone is significant");
        holm(&mut family);
        let adjusted: Vec<Option<f64>> = family.iter().map(|c| c.p_adjusted).collect();
        for (actual, expected) in adjusted.iter().zip([0.03, 0.06, 0.06, 0.02]) {
            assert_close!(actual.expect("in the family"), expected);
        }
        assert_eq!(adjusted[4], None);
        let significant: Vec<bool> = family.iter().map(|c| c.significant).collect();
        assert_eq!(significant, [true, false, false, true, false]);
        assert_eq!(family[0].correction, Some(Correction::Holm));
        assert_eq!(family[4].correction, None);
    }

    #[test]
    fn a_comparison_serialises_with_the_tests_name_and_its_direction() -> anyhow::Result<()> {
        let c = two_proportion_z_test(45, 60, 30, 60).expect("n > 0");
        let json = serde_json::to_value(&c)?;
        assert_eq!(json["test"], "two-proportion-z");
        assert_eq!(json["direction"], "higher");
        assert_eq!(json["significant"], true);
        let c = welch_t_test(
            &Moments::from_values([4.0]),
            &Moments::from_values([3.0, 5.0]),
        );
        let json = serde_json::to_value(c.expect("both sides"))?;
        assert_eq!(json["test"], "welch-t");
        assert_eq!(json["not_testable"], "too-few-responses");
        assert_eq!(json["p_value"], serde_json::Value::Null);
        Ok(())
    }

    /// The mean and variance by the two-pass textbook formulas, in a different order of
    /// operations from everything above.
    fn two_pass(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let ss = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        (mean, ss / (n - 1.0))
    }

    fn relatively_close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    proptest! {
        #[test]
        fn merging_rollups_in_any_order_gives_the_mean_and_variance_of_the_raw_values(
            ratings in prop::collection::vec(1i64..=5, 2..400),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
            order in any::<u64>(),
        ) {
            // Split the ratings into days at random cut points, roll each day up into integer
            // sums, then merge the days' cells in a shuffled order.
            let mut bounds: Vec<usize> = cuts.iter().map(|i| i.index(ratings.len())).collect();
            bounds.extend([0, ratings.len()]);
            bounds.sort_unstable();
            let mut cells: Vec<Moments> = bounds
                .windows(2)
                .map(|w| {
                    let day = &ratings[w[0]..w[1]];
                    Moments::from_sums(day.len() as u64, day.iter().sum(), day.iter().map(|x| x * x).sum())
                })
                .collect();
            let mut state = order | 1;
            for i in (1..cells.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                cells.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let merged = cells.into_iter().fold(Moments::EMPTY, Moments::merge);
            let raw: Vec<f64> = ratings.iter().map(|&x| x as f64).collect();
            let (mean, variance) = two_pass(&raw);
            prop_assert_eq!(merged.n(), ratings.len() as u64);
            prop_assert!(relatively_close(merged.mean().unwrap_or(f64::NAN), mean));
            prop_assert!(relatively_close(merged.variance().unwrap_or(f64::NAN), variance));
            let pushed = Moments::from_values(raw.iter().copied());
            prop_assert!(relatively_close(pushed.mean().unwrap_or(f64::NAN), mean));
            prop_assert!(relatively_close(pushed.variance().unwrap_or(f64::NAN), variance));
        }

        #[test]
        fn merging_is_associative_and_commutative_for_real_valued_data(
            a in prop::collection::vec(-1e6f64..1e6, 0..50),
            b in prop::collection::vec(-1e6f64..1e6, 0..50),
            c in prop::collection::vec(-1e6f64..1e6, 0..50),
        ) {
            let (ma, mb, mc) = (Moments::from_values(a.clone()), Moments::from_values(b.clone()), Moments::from_values(c.clone()));
            let left = ma.merge(mb).merge(mc);
            let right = mc.merge(ma.merge(mb));
            let all: Vec<f64> = a.iter().chain(&b).chain(&c).copied().collect();
            prop_assert_eq!(left.n(), all.len() as u64);
            prop_assert_eq!(right.n(), all.len() as u64);
            if all.len() >= 2 {
                let (mean, variance) = two_pass(&all);
                for m in [left, right] {
                    prop_assert!((m.mean().unwrap_or(f64::NAN) - mean).abs() <= 1e-9 * 1e6);
                    prop_assert!(relatively_close(m.variance().unwrap_or(f64::NAN), variance));
                }
            }
        }

        #[test]
        fn a_wilson_interval_always_contains_the_share_and_stays_within_zero_and_one(
            n in 1u64..100_000, x in any::<prop::sample::Index>(),
        ) {
            let x = x.index(n as usize + 1) as u64;
            let e = share_ci95(x, n).expect("n > 0");
            prop_assert!(0.0 <= e.ci95.low && e.ci95.low <= e.share + 1e-12);
            prop_assert!(e.share <= e.ci95.high + 1e-12 && e.ci95.high <= 1.0);
            prop_assert!(e.ci95.high > e.ci95.low);
        }
    }
}
