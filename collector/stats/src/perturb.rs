//! The cell key method (the Australian Bureau of Statistics' TableBuilder method, recommended by
//! Eurostat for the 2021 census hypercubes): how the flexible outputs — `/v1/stats`, the
//! aggregate exports, the dashboard's filters — stay safe however many overlapping tables a
//! caller builds. Written out in
//! [Disclosure control](../../../docs/methods.md#disclosure-control).
//!
//! - Every response carries a **record key**, an integer drawn uniformly from `0..2³²` when it
//!   is stored, never shown.
//! - Beside every count, the rollups keep the sum of the record keys of the responses it counts,
//!   so the **cell key** of any cell — any period, filter, grouping — is the sum of its rows' key
//!   sums modulo 2³² ([`CellKey::of`]), uniform on `0..2³²` and costing no scan.
//! - A **perturbation table** ([`PTABLE`]) maps (count, cell key) to a small integer noise.
//!   The same responses always make the same cell key, so the same cell gets the same noise in
//!   every query it appears in: differencing two tables yields the difference of two noises, not
//!   a person.
//! - Magnitudes (the mean and standard deviation of a 1–5 scale) get a continuous noise drawn
//!   from the same cell key ([`PerturbationTable::mean_shift`]), shrinking as `1/n`.
//!
//! Every figure of a perturbed cell is computed from perturbed inputs only (a Wilson interval
//! of exact counts would give the counts back), and a cell whose true or perturbed count is
//! below `k` is suppressed.

use serde::Serialize;

/// The modulus of record and cell keys.
pub const KEY_MODULUS: i64 = 1 << 32;

/// The key of a cell: the sum of its records' keys modulo 2³².
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey(u32);

impl CellKey {
    /// The key of a cell whose records' keys sum to `key_sum`.
    pub fn of(key_sum: i64) -> CellKey {
        CellKey(u32::try_from(key_sum.rem_euclid(KEY_MODULUS)).unwrap_or(0))
    }

    /// The key as a uniform draw on [0, 1).
    pub fn uniform(self) -> f64 {
        f64::from(self.0) / KEY_MODULUS as f64
    }

    /// A second uniform draw on [0, 1) from the same key, independent of [`CellKey::uniform`]
    /// for a given purpose (SplitMix64's finaliser of the key and the purpose).
    pub fn uniform_for(self, purpose: u64) -> f64 {
        let mut z = (u64::from(self.0) << 8 ^ purpose).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What a magnitude's noise is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magnitude {
    /// The mean of a 1–5 scale.
    Mean,
    /// Its sample standard deviation.
    Sd,
}

impl Magnitude {
    const fn purpose(self) -> u64 {
        match self {
            Magnitude::Mean => 1,
            Magnitude::Sd => 2,
        }
    }
}

/// One row of the perturbation table: the noise values and their probabilities.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseRow {
    /// The noise values, in increasing order.
    pub noise: &'static [i64],
    /// Their probabilities (summing to 1), in the same order.
    pub probability: &'static [f64],
}

impl NoiseRow {
    /// The noise for a uniform draw `u` in [0, 1): the inverse of the cumulative distribution.
    fn pick(&self, u: f64) -> i64 {
        let mut cumulative = 0.0;
        for (noise, p) in self.noise.iter().zip(self.probability) {
            cumulative += p;
            if u < cumulative {
                return *noise;
            }
        }
        self.noise.last().copied().unwrap_or(0)
    }

    /// The mean of the noise.
    pub fn mean(&self) -> f64 {
        self.noise
            .iter()
            .zip(self.probability)
            .map(|(e, p)| *e as f64 * p)
            .sum()
    }

    /// The variance of the noise.
    pub fn variance(&self) -> f64 {
        let mean = self.mean();
        self.noise
            .iter()
            .zip(self.probability)
            .map(|(e, p)| (*e as f64 - mean).powi(2) * p)
            .sum()
    }
}

/// The versioned parameters of the method. A change of any value is a new version: the
/// published figures name the version they were perturbed with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerturbationTable {
    /// The version, named in every perturbed answer.
    pub version: &'static str,
    /// The largest noise added to or taken from a count (`D`).
    pub max_noise: i64,
    /// The noise of a count of one: never 0 (a single response never appears as itself), never
    /// below −1 (no negative count).
    pub one: NoiseRow,
    /// The noise of a count from 2 to k − 1: never 0, so a small count never appears as
    /// itself.
    pub small: NoiseRow,
    /// The noise of a count of k or more.
    pub large: NoiseRow,
    /// A mean or a standard deviation of `n` answers moves by at most `magnitude_noise / n`
    /// (uniformly within that bound).
    pub magnitude_noise: f64,
}

/// The perturbation table in force.
///
/// - Zero stays zero: an empty cell says nobody answered, which is not about a person (and in
///   the flexible outputs an empty cell is suppressed like any cell below `k`).
/// - Noise between −2 and +2 (`D = 2`), with mean 0 in every row (unbiased counts); variance 1
///   for counts of `k` or more, 1.3 for a count of one, 1.5 for the other small counts.
/// - Means and standard deviations move by at most 1.5/n: at most 0.05 for n ≥ 30.
pub const PTABLE: PerturbationTable = PerturbationTable {
    version: "voce-ptable-1",
    max_noise: 2,
    one: NoiseRow {
        noise: &[-1, 1, 2],
        probability: &[0.55, 0.35, 0.10],
    },
    small: NoiseRow {
        noise: &[-2, -1, 1, 2],
        probability: &[1.0 / 12.0, 5.0 / 12.0, 5.0 / 12.0, 1.0 / 12.0],
    },
    large: NoiseRow {
        noise: &[-2, -1, 0, 1, 2],
        probability: &[1.0 / 15.0, 7.0 / 30.0, 0.4, 7.0 / 30.0, 1.0 / 15.0],
    },
    magnitude_noise: 1.5,
};

impl PerturbationTable {
    /// The row of the table for a count `n` under threshold `k`.
    pub fn row(&self, n: i64, k: u64) -> Option<&NoiseRow> {
        match n {
            ..=0 => None,
            1 => Some(&self.one),
            n if u64::try_from(n).unwrap_or(0) < k => Some(&self.small),
            _ => Some(&self.large),
        }
    }

    /// The published value of a count `n` whose cell key is `key`, under threshold `k`: never
    /// negative, zero for zero.
    pub fn count(&self, n: i64, key: CellKey, k: u64) -> i64 {
        match self.row(n, k) {
            None => n.max(0),
            Some(row) => (n + row.pick(key.uniform())).max(0),
        }
    }

    /// The shift of a magnitude of `n` answers: uniform in `±magnitude_noise / n`.
    pub fn shift(&self, what: Magnitude, n: i64, key: CellKey) -> f64 {
        if n <= 0 {
            return 0.0;
        }
        let u = key.uniform_for(what.purpose());
        self.magnitude_noise * (2.0 * u - 1.0) / n as f64
    }

    /// The variance of the shift of a magnitude of `n` answers (`(magnitude_noise / n)² / 3`),
    /// added to the sampling variance of a perturbed mean's interval.
    pub fn shift_variance(&self, n: f64) -> f64 {
        if n <= 0.0 {
            return 0.0;
        }
        (self.magnitude_noise / n).powi(2) / 3.0
    }

    /// What a perturbed answer says about its perturbation.
    pub fn note(&self, exact_body: Option<String>) -> PerturbationNote {
        PerturbationNote {
            method: "cell-key".into(),
            version: self.version.into(),
            max_noise: u64::try_from(self.max_noise).unwrap_or(0),
            mean_noise: self.magnitude_noise,
            exact_body,
        }
    }
}

/// How the figures of an answer were perturbed (absent from an answer of exact figures).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerturbationNote {
    /// `cell-key`.
    pub method: String,
    /// The perturbation table's version.
    pub version: String,
    /// The largest noise of a count (`D`): a published count is within ±D of the true one.
    pub max_noise: u64,
    /// A mean or standard deviation of `n` answers is within ±`mean_noise / n` of the true one.
    pub mean_noise: f64,
    /// The body whose own cells are exact (a body reading its own figures); the references to
    /// other bodies stay perturbed.
    pub exact_body: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_sums_to_one_has_mean_zero_and_stays_within_d() {
        for row in [PTABLE.one, PTABLE.small, PTABLE.large] {
            let total: f64 = row.probability.iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "{row:?}");
            assert!(row.mean().abs() < 1e-12, "{row:?}");
            assert!(row.noise.iter().all(|e| e.abs() <= PTABLE.max_noise));
        }
        assert!((PTABLE.large.variance() - 1.0).abs() < 1e-12);
        assert!((PTABLE.one.variance() - 1.3).abs() < 1e-12);
        assert!((PTABLE.small.variance() - 1.5).abs() < 1e-12);
    }

    #[test]
    fn a_small_count_never_appears_as_itself_and_zero_stays_zero() {
        for n in 1..10 {
            for step in 0..1_000u32 {
                let key = CellKey::of(i64::from(step) * 4_294_967);
                let v = PTABLE.count(n, key, 10);
                assert_ne!(v, n, "n = {n}");
                assert!((v - n).abs() <= 2 && v >= 0);
            }
        }
        assert_eq!(PTABLE.count(0, CellKey::of(123), 10), 0);
    }

    #[test]
    fn the_same_key_gives_the_same_noise_and_keys_wrap_modulo_two_to_the_32() {
        let a = CellKey::of(5 + KEY_MODULUS * 3);
        assert_eq!(a, CellKey::of(5));
        assert_eq!(CellKey::of(-1), CellKey::of(KEY_MODULUS - 1));
        assert_eq!(
            PTABLE.count(57, a, 10),
            PTABLE.count(57, CellKey::of(5), 10)
        );
    }

    #[test]
    fn over_uniform_keys_the_noise_follows_the_table() {
        // Keys spread evenly over 0..2³²: the share of each noise value is its probability.
        let steps = 30_000i64;
        let mut seen = [0i64; 5];
        for i in 0..steps {
            let key = CellKey::of(i * (KEY_MODULUS / steps));
            let e = PTABLE.count(100, key, 10) - 100;
            seen[usize::try_from(e + 2).unwrap_or(0)] += 1;
        }
        for (count, p) in seen.iter().zip(PTABLE.large.probability) {
            assert!((*count as f64 / steps as f64 - p).abs() < 0.002, "{seen:?}");
        }
    }

    #[test]
    fn a_mean_of_thirty_answers_moves_by_at_most_five_hundredths() {
        let mut largest: f64 = 0.0;
        for i in 0..10_000i64 {
            let key = CellKey::of(i * 429_497);
            largest = largest.max(PTABLE.shift(Magnitude::Mean, 30, key).abs());
        }
        assert!(largest <= 0.05 + 1e-12 && largest > 0.049, "{largest}");
        assert_eq!(PTABLE.shift(Magnitude::Mean, 0, CellKey::of(1)), 0.0);
    }

    #[test]
    fn the_second_draw_of_a_key_is_not_the_first() {
        // Over many keys the two draws are uncorrelated.
        let n = 20_000i64;
        let (mut sum, mut sxy) = (0.0, 0.0);
        for i in 0..n {
            let key = CellKey::of(i * 214_748);
            let (u, v) = (key.uniform(), key.uniform_for(1));
            sum += v;
            sxy += (u - 0.5) * (v - 0.5);
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
        assert!((sxy / n as f64).abs() < 0.003);
    }
}
