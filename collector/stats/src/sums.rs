//! The sums a rollup row keeps, indexed by the indicator column they count: responses, and for
//! each 1–5 scale (the rating, `soddisfazione`, `fiducia`) its count, sum, sum of squares and
//! histogram; beside every count, the sum of the record keys of the responses it counts (the
//! cell key method of [`crate::perturb`]: a cell's key is the sum of its records' keys, so it
//! costs no scan). Every statistic is computed from these integers; the database stores them as one
//! wide row, and [`Sums::to_array`] / [`Sums::from_array`] with [`Sums::columns`] are the one
//! place that says which column is which. What is counted is written out in
//! [Roll-ups](../../../docs/methods.md#roll-ups).

use voce_shared::IndicatorColumn;

use crate::estimators::Moments;

/// The columns of a response that hold a 1–5 answer, in the order of a rollup row.
pub const SCALES: [IndicatorColumn; 3] = [
    IndicatorColumn::Valutazione,
    IndicatorColumn::Soddisfazione,
    IndicatorColumn::Fiducia,
];

/// The statistics kept per scale, as the suffixes of their columns: count, sum, sum of squares,
/// the histogram, and the sum of the record keys of each bar of the histogram.
const STATISTICS: [&str; 13] = [
    "n", "sum", "sumsq", "1", "2", "3", "4", "5", "key_1", "key_2", "key_3", "key_4", "key_5",
];

/// How many integers a rollup row counts: responses and their key sum, then thirteen per scale.
pub const WIDTH: usize = 2 + SCALES.len() * STATISTICS.len();

/// The name of a scale column (`valutazione`, `soddisfazione`, `fiducia`); `None` for columns
/// that are not 1–5 scales.
pub fn scale_name(column: IndicatorColumn) -> Option<&'static str> {
    match column {
        IndicatorColumn::Valutazione => Some("valutazione"),
        IndicatorColumn::Soddisfazione => Some("soddisfazione"),
        IndicatorColumn::Fiducia => Some("fiducia"),
        IndicatorColumn::Esito | IndicatorColumn::Motivo => None,
    }
}

/// A 1–5 scale summed: count, sum, sum of squares, histogram.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scale {
    /// Answers.
    pub n: i64,
    /// Their sum.
    pub sum: i64,
    /// The sum of their squares.
    pub sumsq: i64,
    /// How many answered 1, 2, 3, 4, 5.
    pub hist: [i64; 5],
    /// The sum of the record keys of those who answered 1, 2, 3, 4, 5.
    pub keys: [i64; 5],
}

impl Scale {
    /// Adds another scale's sums.
    pub fn add(&mut self, o: &Scale) {
        self.n += o.n;
        self.sum += o.sum;
        self.sumsq += o.sumsq;
        for (a, b) in self.hist.iter_mut().zip(o.hist) {
            *a += b;
        }
        for (a, b) in self.keys.iter_mut().zip(o.keys) {
            *a += b;
        }
    }

    /// Counts one answer of a response with record key `key`; values outside 1–5 are not
    /// answers.
    pub fn record(&mut self, value: i64, key: i64) {
        let Some(i) = usize::try_from(value - 1).ok().filter(|i| *i < 5) else {
            return;
        };
        self.hist[i] += 1;
        self.keys[i] += key;
        self.n += 1;
        self.sum += value;
        self.sumsq += value * value;
    }

    /// The mergeable moments of the answers.
    pub fn moments(&self) -> Moments {
        Moments::from_sums(u64::try_from(self.n).unwrap_or(0), self.sum, self.sumsq)
    }

    /// Answers of 4 or 5.
    pub fn top_box(&self) -> u64 {
        u64::try_from(self.hist[3] + self.hist[4]).unwrap_or(0)
    }

    /// The sum of the record keys of the answers in `bars` (0-based: `0..5` is every answer,
    /// `3..5` the top box).
    pub fn key_of(&self, bars: std::ops::Range<usize>) -> i64 {
        self.keys.get(bars).map_or(0, |k| k.iter().sum())
    }

    fn to_array(self) -> [i64; 13] {
        let [h1, h2, h3, h4, h5] = self.hist;
        let [k1, k2, k3, k4, k5] = self.keys;
        [
            self.n, self.sum, self.sumsq, h1, h2, h3, h4, h5, k1, k2, k3, k4, k5,
        ]
    }

    fn from_array(a: [i64; 13]) -> Scale {
        let [n, sum, sumsq, h1, h2, h3, h4, h5, k1, k2, k3, k4, k5] = a;
        Scale {
            n,
            sum,
            sumsq,
            hist: [h1, h2, h3, h4, h5],
            keys: [k1, k2, k3, k4, k5],
        }
    }
}

/// The counts of one rollup row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Responses.
    pub responses: i64,
    /// The sum of their record keys.
    pub responses_key: i64,
    scales: [Scale; 3],
}

impl Sums {
    fn index(column: IndicatorColumn) -> Option<usize> {
        SCALES.iter().position(|c| *c == column)
    }

    /// The sums of a scale column (empty for a column that is not a scale).
    pub fn scale(&self, column: IndicatorColumn) -> Scale {
        Sums::index(column)
            .map(|i| self.scales[i])
            .unwrap_or_default()
    }

    /// The sums of a scale column, to add to; `None` for a column that is not a scale.
    pub fn scale_mut(&mut self, column: IndicatorColumn) -> Option<&mut Scale> {
        Sums::index(column).map(|i| &mut self.scales[i])
    }

    /// Adds another row's sums.
    pub fn add(&mut self, o: &Sums) {
        self.responses += o.responses;
        self.responses_key += o.responses_key;
        for (a, b) in self.scales.iter_mut().zip(&o.scales) {
            a.add(b);
        }
    }

    /// Counts one response with record key `key` (its answers are recorded in its scales).
    pub fn count_response(&mut self, key: i64) {
        self.responses += 1;
        self.responses_key += key;
    }

    /// The names of the columns of [`Sums::to_array`]: `responses`, `responses_key`, then
    /// `valutazione_n`, `valutazione_sum`, `valutazione_sumsq`, `valutazione_1` …
    /// `valutazione_5`, `valutazione_key_1` … `valutazione_key_5`, and the same for
    /// `soddisfazione` and `fiducia`.
    pub fn columns() -> Vec<String> {
        ["responses".to_owned(), "responses_key".to_owned()]
            .into_iter()
            .chain(SCALES.iter().flat_map(|c| {
                let name = scale_name(*c).unwrap_or_default();
                STATISTICS.iter().map(move |s| format!("{name}_{s}"))
            }))
            .collect()
    }

    /// The counts in the order of [`Sums::columns`].
    pub fn to_array(&self) -> [i64; WIDTH] {
        let mut out = [0; WIDTH];
        out[0] = self.responses;
        out[1] = self.responses_key;
        for (chunk, scale) in out[2..].chunks_mut(STATISTICS.len()).zip(&self.scales) {
            chunk.copy_from_slice(&scale.to_array());
        }
        out
    }

    /// The sums of counts in the order of [`Sums::columns`].
    pub fn from_array(a: [i64; WIDTH]) -> Sums {
        let mut sums = Sums {
            responses: a[0],
            responses_key: a[1],
            ..Sums::default()
        };
        for (scale, chunk) in sums.scales.iter_mut().zip(a[2..].chunks(STATISTICS.len())) {
            let mut part = [0; 13];
            part.copy_from_slice(chunk);
            *scale = Scale::from_array(part);
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_name_every_count_once_in_the_order_of_the_array() {
        let columns = Sums::columns();
        assert_eq!(columns.len(), WIDTH);
        assert_eq!(
            &columns[..4],
            [
                "responses",
                "responses_key",
                "valutazione_n",
                "valutazione_sum"
            ]
        );
        assert_eq!(columns[WIDTH - 1], "fiducia_key_5");
        let mut sums = Sums::default();
        for (v, key) in [(4, 7), (5, 11), (9, 13)] {
            sums.count_response(key);
            if let Some(s) = sums.scale_mut(IndicatorColumn::Fiducia) {
                s.record(v, key);
            }
        }
        assert_eq!((sums.responses, sums.responses_key), (3, 31));
        assert_eq!(
            sums.scale(IndicatorColumn::Fiducia).key_of(0..5),
            18,
            "the key of an answer is counted beside it; 9 is not one"
        );
        let array = sums.to_array();
        assert_eq!(
            array[columns
                .iter()
                .position(|c| c == "fiducia_sumsq")
                .unwrap_or(0)],
            41
        );
        assert_eq!(
            array[columns.iter().position(|c| c == "fiducia_4").unwrap_or(0)],
            1
        );
        assert_eq!(
            array[columns
                .iter()
                .position(|c| c == "fiducia_key_5")
                .unwrap_or(0)],
            11
        );
        assert_eq!(Sums::from_array(array), sums);
        assert_eq!(
            sums.scale(IndicatorColumn::Fiducia).n,
            2,
            "9 is not an answer"
        );
        assert_eq!(sums.scale(IndicatorColumn::Esito), Scale::default());
    }
}
