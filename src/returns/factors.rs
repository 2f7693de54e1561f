//! Factors on a calendar: a factor file's values aligned on one exchange's sessions, and
//! compounded over trade-to-trade spans.
//!
//! Over a return spanning d sessions (trade-to-trade), a factor's value is its return over the
//! same d sessions: Π(1 + f) - 1 for simple returns, Σ f for log returns — the same rule as
//! the market return over a span. The risk-free rate is aggregated the same way.

use chrono::NaiveDate;

use super::ReturnKind;
use crate::data::calendar::Calendar;
use crate::data::factors::FactorTable;

/// Factor values aligned on one exchange calendar: one value per session (NaN where the
/// factor file has no value on that session).
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedFactors {
    pub names: Vec<String>,
    /// cols[j][i]: factor j on calendar session i.
    pub cols: Vec<Vec<f64>>,
    pub rf: Option<Vec<f64>>,
    /// First and last factor dates (for messages).
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    /// Where the factors come from (for messages).
    pub source: String,
}

impl AlignedFactors {
    /// Aligns a factor table on a calendar by date.
    pub fn align(table: &FactorTable, cal: &Calendar) -> AlignedFactors {
        let this = table;
        let pos: Vec<Option<usize>> = cal
            .sessions
            .iter()
            .map(|d| this.dates.binary_search(d).ok())
            .collect();
        let pick = |v: &Vec<f64>| {
            pos.iter()
                .map(|p| p.map(|t| v[t]).unwrap_or(f64::NAN))
                .collect::<Vec<f64>>()
        };
        AlignedFactors {
            names: this.names.clone(),
            cols: this.values.iter().map(pick).collect(),
            rf: this.rf.as_ref().map(pick),
            first: this.dates.first().copied(),
            last: this.dates.last().copied(),
            source: this
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }
}

/// The return of a per-session series over the `d` sessions ending at session `i`
/// (i - d + 1 ..= i): Π(1 + v) - 1 for simple returns, Σ v for log returns; NaN if a value is
/// missing or the span reaches before the first session.
#[inline]
pub fn over_span(v: &[f64], i: usize, d: usize, kind: ReturnKind) -> f64 {
    if d == 0 || d > i + 1 || i >= v.len() {
        return f64::NAN;
    }
    let s = &v[i + 1 - d..=i];
    match kind {
        ReturnKind::Simple => s.iter().fold(1.0, |acc, f| acc * (1.0 + f)) - 1.0,
        ReturnKind::Log => s.iter().sum(),
    }
}

impl AlignedFactors {
    /// Factor j over the `d` sessions ending at session `i` (see [`over_span`]).
    #[inline]
    pub fn factor(&self, j: usize, i: usize, d: usize, kind: ReturnKind) -> f64 {
        over_span(&self.cols[j], i, d, kind)
    }

    /// The risk-free rate over the `d` sessions ending at session `i`; NaN without one.
    #[inline]
    pub fn rf(&self, i: usize, d: usize, kind: ReturnKind) -> f64 {
        match &self.rf {
            Some(v) => over_span(v, i, d, kind),
            None => f64::NAN,
        }
    }

    /// Sessions of `range` with every factor (and the risk-free rate, if any) present.
    pub fn covered(&self, range: std::ops::RangeInclusive<usize>) -> usize {
        range
            .filter(|&i| {
                self.cols.iter().all(|c| c[i].is_finite())
                    && self.rf.as_ref().is_none_or(|r| r[i].is_finite())
            })
            .count()
    }

    /// "factor file F (dates A..B)", for skip reasons.
    pub fn describe(&self) -> String {
        match (self.first, self.last) {
            (Some(a), Some(b)) => format!("{} ({a}..{b})", self.source),
            _ => format!("{} (no dates)", self.source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_date;
    use crate::testutil::{EXACT, assert_close};

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    /// Alignment by date: values on sessions the table has, NaN elsewhere.
    #[test]
    fn aligns_by_date() {
        let table = FactorTable {
            names: vec!["mkt_rf".into(), "smb".into(), "mom".into()],
            dates: vec![d("2019-01-02"), d("2019-01-03"), d("2019-01-04")],
            values: vec![
                vec![0.0023, -0.0245, f64::NAN],
                vec![0.005, f64::NAN, f64::NAN],
                vec![0.015, f64::NAN, -0.005],
            ],
            rf: None,
            files: vec![],
        };
        let cal = Calendar {
            name: "c".into(),
            sessions: vec![d("2019-01-02"), d("2019-01-04"), d("2019-01-07")],
        };
        let al = AlignedFactors::align(&table, &cal);
        assert_eq!(al.cols[2][..2], [0.015, -0.005]);
        assert!(al.cols[0][1].is_nan() && al.cols[0][2].is_nan());
        assert_eq!(al.covered(0..=2), 1);
    }

    /// Hand-computed: (1.01)(0.98)(1.03) - 1 and 0.01 - 0.02 + 0.03.
    #[test]
    fn span_compounds_or_sums() {
        let v = [0.5, 0.01, -0.02, 0.03];
        let s = over_span(&v, 3, 3, ReturnKind::Simple);
        assert_close!(s, 1.01 * 0.98 * 1.03 - 1.0, EXACT);
        assert_close!(over_span(&v, 3, 3, ReturnKind::Log), 0.02, EXACT);
        assert!(over_span(&v, 1, 3, ReturnKind::Simple).is_nan());
        assert!(over_span(&[f64::NAN, 0.1], 1, 2, ReturnKind::Simple).is_nan());
    }
}
