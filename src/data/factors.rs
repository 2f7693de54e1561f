//! Factor files for the CAPM and factor models: CSV with a `date` column (`YYYY-MM-DD`, or
//! `YYYYMMDD` as in Ken French's files) and one column per factor, e.g. the
//! `date,mkt_rf,smb,hml,rf` written by `evimpact fetch factors`. Several files may be given
//! (FF3 and momentum come in two); each factor is read from the first file that has it.
//!
//! Units are declared by the study, never guessed: `percent` (Ken French's files: 0.58 means
//! 0.58 %) or `decimal`. Values are stored as decimals. An empty cell is a missing value.
//!
//! The factor dates are the sessions of one exchange (XNYS for the Ken French US factors):
//! a factor file is aligned only on that exchange's calendar, never matched by date to the
//! sessions of another exchange.
//!
//! Over a return spanning d sessions (trade-to-trade), a factor's value is its return over the
//! same d sessions: Π(1 + f) - 1 for simple returns, Σ f for log returns — the same rule as
//! the market return over a span. The risk-free rate is aggregated the same way.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{parse_date, read_small_csv};
use crate::data::calendar::Calendar;
use crate::error::InputError;
use crate::returns::ReturnKind;

/// The unit of the values in a factor file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorUnits {
    /// 0.58 means 0.58 % (Ken French's files).
    Percent,
    /// 0.0058 means 0.58 %.
    Decimal,
}

impl FactorUnits {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorUnits::Percent => "percent",
            FactorUnits::Decimal => "decimal",
        }
    }

    /// # Errors
    /// Anything but `percent` or `decimal`.
    pub fn parse(s: &str) -> Result<FactorUnits, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "percent" => Ok(FactorUnits::Percent),
            "decimal" => Ok(FactorUnits::Decimal),
            _ => Err(format!("expected percent or decimal, found \"{s}\"")),
        }
    }

    fn factor(self) -> f64 {
        match self {
            FactorUnits::Percent => 0.01,
            FactorUnits::Decimal => 1.0,
        }
    }
}

/// Factor series by date, in decimals.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTable {
    /// The factor columns, in the order asked for.
    pub names: Vec<String>,
    /// Every date of any file, ascending.
    pub dates: Vec<NaiveDate>,
    /// values[j][t]: factor j on dates[t]; NaN where missing.
    pub values: Vec<Vec<f64>>,
    /// The risk-free rate on dates[t], when asked for.
    pub rf: Option<Vec<f64>>,
    pub files: Vec<PathBuf>,
}

/// Parses a factor-file date: `YYYY-MM-DD` or `YYYYMMDD`.
fn factor_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    parse_date(t)
}

/// Loads factor columns (and optionally a risk-free column) from one or more files.
///
/// # Errors
/// A file that cannot be read, a missing `date` column or factor column, a bad date or
/// number (file, line, column and value), a date repeated within a file.
pub fn load_factors(
    files: &[PathBuf],
    columns: &[String],
    rf: Option<&str>,
    units: FactorUnits,
) -> Result<FactorTable, InputError> {
    let wanted: Vec<String> = columns
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .chain(rf.map(|r| r.trim().to_ascii_lowercase()))
        .collect();
    let mut series: Vec<Option<BTreeMap<NaiveDate, f64>>> = vec![None; wanted.len()];
    let mut headers: Vec<String> = Vec::new();
    for path in files {
        let (header, rows) = read_small_csv(path)?;
        headers.push(format!("{}: {}", path.display(), header.names.join(",")));
        let c_date = header.require(path, "date")?;
        let cols: Vec<(usize, usize)> = wanted
            .iter()
            .enumerate()
            .filter(|(j, _)| series[*j].is_none())
            .filter_map(|(j, name)| header.find(name).map(|c| (j, c)))
            .collect();
        if cols.is_empty() {
            continue;
        }
        let mut maps: Vec<BTreeMap<NaiveDate, f64>> = vec![BTreeMap::new(); cols.len()];
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (line, rec) in &rows {
            let cell = rec.get(c_date).unwrap_or("");
            let date = factor_date(cell).ok_or_else(|| {
                InputError::cell(
                    path,
                    *line,
                    c_date + 1,
                    "date",
                    cell,
                    "YYYY-MM-DD or YYYYMMDD",
                )
            })?;
            if let Some(first) = seen.insert(date, *line) {
                return Err(InputError::Duplicate {
                    path: path.clone(),
                    line: *line,
                    col: c_date + 1,
                    column: "date".into(),
                    value: cell.trim().into(),
                    first_line: first,
                });
            }
            for (m, &(j, c)) in maps.iter_mut().zip(&cols) {
                let v = rec.get(c).unwrap_or("").trim();
                if v.is_empty() {
                    continue;
                }
                let x: f64 = v
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| {
                        InputError::cell(path, *line, c + 1, &wanted[j], v, "a number")
                    })?;
                m.insert(date, x * units.factor());
            }
        }
        for (m, (j, _)) in maps.into_iter().zip(cols) {
            series[j] = Some(m);
        }
    }
    if let Some(j) = series.iter().position(Option::is_none) {
        return Err(InputError::Usage(format!(
            "factor column '{}' is in none of the factor files ({}){}",
            wanted[j],
            headers.join("; "),
            if rf.is_some() && j == wanted.len() - 1 {
                " — name the risk-free column with `[model] rf = \"COLUMN\"` / `--rf COLUMN`, or `rf = \"none\"` for raw returns (not for capm)"
            } else {
                " — name the columns with `[model] factor_columns = [...]`"
            }
        )));
    }
    let series: Vec<BTreeMap<NaiveDate, f64>> = series.into_iter().flatten().collect();
    let mut dates: Vec<NaiveDate> = series.iter().flat_map(|m| m.keys().copied()).collect();
    dates.sort_unstable();
    dates.dedup();
    let column = |m: &BTreeMap<NaiveDate, f64>| {
        dates
            .iter()
            .map(|d| m.get(d).copied().unwrap_or(f64::NAN))
            .collect::<Vec<f64>>()
    };
    let mut values: Vec<Vec<f64>> = series.iter().map(column).collect();
    let rf = rf.map(|_| values.pop().unwrap_or_default());
    Ok(FactorTable {
        names: columns
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
        dates,
        values,
        rf,
        files: files.to_vec(),
    })
}

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

impl FactorTable {
    /// Aligns the factors on a calendar by date.
    pub fn align(&self, cal: &Calendar) -> AlignedFactors {
        let pos: Vec<Option<usize>> = cal
            .sessions
            .iter()
            .map(|d| self.dates.binary_search(d).ok())
            .collect();
        let pick = |v: &Vec<f64>| {
            pos.iter()
                .map(|p| p.map(|t| v[t]).unwrap_or(f64::NAN))
                .collect::<Vec<f64>>()
        };
        AlignedFactors {
            names: self.names.clone(),
            cols: self.values.iter().map(pick).collect(),
            rf: self.rf.as_ref().map(pick),
            first: self.dates.first().copied(),
            last: self.dates.last().copied(),
            source: self
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
    use std::io::Write;
    use std::path::Path;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        let mut f = std::fs::File::create(&p).expect("create");
        f.write_all(text.as_bytes()).expect("write");
        p
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    /// Values in percent become decimals; two files joined by date; the risk-free column.
    #[test]
    fn loads_percent_and_joins_files() {
        let t = tempfile::tempdir().expect("tmp");
        let a = write(
            t.path(),
            "ff3.csv",
            "date,mkt_rf,smb,hml,rf\n2019-01-02,0.23,0.50,1.00,0.010\n2019-01-03,-2.45,,0.25,0.010\n",
        );
        let b = write(
            t.path(),
            "mom.csv",
            "date,mom\n20190102,1.5\n20190104,-0.5\n",
        );
        let cols = vec!["mkt_rf".to_string(), "smb".into(), "mom".into()];
        let f = load_factors(&[a, b], &cols, Some("rf"), FactorUnits::Percent).expect("load");
        assert_eq!(
            f.dates,
            vec![d("2019-01-02"), d("2019-01-03"), d("2019-01-04")]
        );
        assert_eq!(f.values[0][0], 0.23 * 0.01);
        assert!(f.values[1][1].is_nan() && f.values[0][2].is_nan());
        assert_eq!(f.values[2][2], -0.5 * 0.01);
        assert_eq!(f.rf.as_ref().expect("rf")[1], 0.010 * 0.01);
        let cal = Calendar {
            name: "c".into(),
            sessions: vec![d("2019-01-02"), d("2019-01-04"), d("2019-01-07")],
        };
        let al = f.align(&cal);
        assert_eq!(al.cols[2][..2], [0.015, -0.005]);
        assert!(al.cols[0][1].is_nan() && al.cols[0][2].is_nan());
        assert_eq!(al.covered(0..=2), 1);
    }

    #[test]
    fn missing_column_and_bad_cell_are_reported() {
        let t = tempfile::tempdir().expect("tmp");
        let a = write(
            t.path(),
            "f.csv",
            "date,mkt_rf\n2019-01-02,0.1\n2019-01-03,x\n",
        );
        let e = load_factors(
            std::slice::from_ref(&a),
            &["smb".into()],
            None,
            FactorUnits::Decimal,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("factor column 'smb' is in none"), "{e}");
        let e = load_factors(&[a], &["mkt_rf".into()], None, FactorUnits::Decimal)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.csv:3:2: column 'mkt_rf': expected a number, found \"x\""),
            "{e}"
        );
    }

    /// Hand-computed: (1.01)(0.98)(1.03) - 1 and 0.01 - 0.02 + 0.03.
    #[test]
    fn span_compounds_or_sums() {
        let v = [0.5, 0.01, -0.02, 0.03];
        let s = over_span(&v, 3, 3, ReturnKind::Simple);
        assert!((s - (1.01 * 0.98 * 1.03 - 1.0)).abs() < 1e-15);
        assert!((over_span(&v, 3, 3, ReturnKind::Log) - 0.02).abs() < 1e-15);
        assert!(over_span(&v, 1, 3, ReturnKind::Simple).is_nan());
        assert!(over_span(&[f64::NAN, 0.1], 1, 2, ReturnKind::Simple).is_nan());
    }
}
