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
//! Aligning the factors on a calendar and compounding them over trade-to-trade spans is the
//! returns stage's work (`crate::returns::factors`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dates::DateFormat;
use super::layout::FileLayout;
use super::table::read_table;
use crate::error::InputError;

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
    layout: &FileLayout,
) -> Result<FactorTable, InputError> {
    let wanted: Vec<String> = columns
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .chain(rf.map(|r| r.trim().to_ascii_lowercase()))
        .collect();
    let mut series: Vec<Option<BTreeMap<NaiveDate, f64>>> = vec![None; wanted.len()];
    let mut headers: Vec<String> = Vec::new();
    for path in files {
        let t = read_table(path, layout, false)?;
        let header = &t.header;
        headers.push(format!("{}: {}", path.display(), header.names().join(",")));
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
        let fmt = layout.date_format;
        for row in &t.rows {
            let cell = t.text(row, Some(c_date))?;
            let date = fmt.parse(cell).ok_or_else(|| {
                let expected = if fmt == DateFormat::Auto {
                    "YYYY-MM-DD or YYYYMMDD".to_string()
                } else {
                    fmt.expected_for(cell)
                };
                t.error(row, c_date, cell, &expected)
            })?;
            if let Some(first) = seen.insert(date, row.line) {
                return Err(t.duplicate(row, c_date, "date", cell, first));
            }
            for (m, &(j, c)) in maps.iter_mut().zip(&cols) {
                let v = t.text(row, Some(c))?;
                if v.is_empty() {
                    continue;
                }
                let x = layout.number(v).filter(|x| x.is_finite()).ok_or_else(|| {
                    t.error(row, c, v, &format!("a number{}", layout.number_hint(v)))
                })?;
                let _ = &wanted[j];
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_date;
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
        let f = load_factors(
            &[a, b],
            &cols,
            Some("rf"),
            FactorUnits::Percent,
            &FileLayout::default(),
        )
        .expect("load");
        assert_eq!(
            f.dates,
            vec![d("2019-01-02"), d("2019-01-03"), d("2019-01-04")]
        );
        assert_eq!(f.values[0][0], 0.23 * 0.01);
        assert!(f.values[1][1].is_nan() && f.values[0][2].is_nan());
        assert_eq!(f.values[2][2], -0.5 * 0.01);
        assert_eq!(f.rf.as_ref().expect("rf")[1], 0.010 * 0.01);
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
            &FileLayout::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("factor column 'smb' is in none"), "{e}");
        let e = load_factors(
            &[a],
            &["mkt_rf".into()],
            None,
            FactorUnits::Decimal,
            &FileLayout::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("f.csv:3:2: column 'mkt_rf': expected a number, found \"x\""),
            "{e}"
        );
    }
}
