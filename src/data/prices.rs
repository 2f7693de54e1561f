//! Price files (securities and market indices), read with polars.
//!
//! Either a directory of `<security>.csv` files or one long file with a `security` column.
//! Columns: `date` plus `adj_close` (else `close`), optional `volume` and `trade_status`;
//! other columns are ignored. An empty price cell is a missing price (no trade that
//! session), not a parse error. A non-positive price, an unparsable number or date and a
//! duplicate date are errors naming the file, line, column and value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use super::{Header, parse_date};
use crate::error::InputError;

/// One security's (or index's) daily series, sorted by date, one row per date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceSeries {
    pub security: String,
    pub path: PathBuf,
    /// Name of the price column used (`adj_close` or `close`).
    pub price_column: String,
    pub dates: Vec<NaiveDate>,
    /// `None`: empty price cell (no trade that session).
    pub price: Vec<Option<f64>>,
    pub volume: Vec<Option<f64>>,
    /// The source's trading flag: 1 trading, 0 suspended; `None` when absent.
    pub trade_status: Vec<Option<i64>>,
    /// Raw (unadjusted) close when the file has both `close` and `adj_close`; for limits.
    pub close: Vec<Option<f64>>,
    /// The exchange's previous-close reference price (`preclose`), when present.
    pub preclose: Vec<Option<f64>>,
    /// Special-treatment flag (`is_st` = 1), when present.
    pub is_st: Vec<Option<bool>>,
    /// 1-based file line of each row.
    pub lines: Vec<usize>,
}

impl PriceSeries {
    /// Index of the row for `date`, if any.
    pub fn position(&self, date: NaiveDate) -> Option<usize> {
        self.dates.binary_search(&date).ok()
    }
}

/// Reads a CSV with every column as a string, so that each cell can be validated with its
/// line and column.
fn read_as_strings(path: &Path) -> Result<DataFrame, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
    if meta.len() == 0 {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| InputError::parse(path, format!("cannot parse as CSV: {e}")))
}

struct Cols<'a> {
    date: (usize, &'a StringChunked),
    price: (usize, String, &'a StringChunked),
    volume: Option<(usize, &'a StringChunked)>,
    status: Option<(usize, &'a StringChunked)>,
    security: Option<(usize, &'a StringChunked)>,
    /// Optional raw close, preclose and ST flag (price limits).
    close: Option<(usize, &'a StringChunked)>,
    preclose: Option<(usize, &'a StringChunked)>,
    is_st: Option<(usize, &'a StringChunked)>,
}

fn columns<'a>(
    path: &Path,
    df: &'a DataFrame,
    need_security: bool,
) -> Result<Cols<'a>, InputError> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let header = Header::new(names.iter().map(|s| s.as_str()));
    let col = |i: usize| -> Result<&'a StringChunked, InputError> {
        df.columns()[i]
            .str()
            .map_err(|e| InputError::parse(path, format!("column {}: {e}", names[i])))
    };
    let d = header.require(path, "date")?;
    let (p, pname) = match header.find("adj_close") {
        Some(i) => (i, "adj_close"),
        None => match header.find("close") {
            Some(i) => (i, "close"),
            None => {
                return Err(InputError::MissingColumn {
                    path: path.to_path_buf(),
                    column: "adj_close (or close)".into(),
                    found: names.join(","),
                });
            }
        },
    };
    let security = if need_security {
        let i = header.require(path, "security")?;
        Some((i, col(i)?))
    } else {
        None
    };
    Ok(Cols {
        date: (d, col(d)?),
        price: (p, pname.to_string(), col(p)?),
        volume: match header.find("volume") {
            Some(i) => Some((i, col(i)?)),
            None => None,
        },
        status: match header.find("trade_status") {
            Some(i) => Some((i, col(i)?)),
            None => None,
        },
        security,
        close: match (header.find("close"), pname) {
            (Some(i), "adj_close") => Some((i, col(i)?)),
            _ => None,
        },
        preclose: match header.find("preclose") {
            Some(i) => Some((i, col(i)?)),
            None => None,
        },
        is_st: match header.find("is_st") {
            Some(i) => Some((i, col(i)?)),
            None => None,
        },
    })
}

fn cell_at(c: &StringChunked, r: usize) -> &str {
    c.get(r).unwrap_or("").trim()
}

fn parse_num(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses the rows `rows` (0-based data row indices) of a string frame into a series.
fn build_series(
    path: &Path,
    security: &str,
    cols: &Cols,
    rows: &[usize],
) -> Result<PriceSeries, InputError> {
    struct Rec {
        date: NaiveDate,
        price: Option<f64>,
        volume: Option<f64>,
        status: Option<i64>,
        close: Option<f64>,
        preclose: Option<f64>,
        is_st: Option<bool>,
        line: usize,
    }
    // An optional positive number column (raw close, preclose): empty is None.
    let positive = |c: Option<(usize, &StringChunked)>,
                    name: &str,
                    r: usize,
                    line: usize|
     -> Result<Option<f64>, InputError> {
        let Some((i, c)) = c else { return Ok(None) };
        let s = cell_at(c, r);
        if s.is_empty() {
            return Ok(None);
        }
        parse_num(s)
            .filter(|v| *v > 0.0)
            .map(Some)
            .ok_or_else(|| InputError::cell(path, line, i + 1, name, s, "a positive number"))
    };
    let mut recs: Vec<Rec> = Vec::with_capacity(rows.len());
    for &r in rows {
        let line = r + 2;
        let ds = cell_at(cols.date.1, r);
        let date = parse_date(ds).ok_or_else(|| {
            InputError::cell(path, line, cols.date.0 + 1, "date", ds, "a date YYYY-MM-DD")
        })?;
        let ps = cell_at(cols.price.2, r);
        let price =
            if ps.is_empty() || ps.eq_ignore_ascii_case("null") || ps.eq_ignore_ascii_case("nan") {
                None
            } else {
                let v = parse_num(ps).ok_or_else(|| {
                    InputError::cell(path, line, cols.price.0 + 1, &cols.price.1, ps, "a number")
                })?;
                if v <= 0.0 {
                    return Err(InputError::cell(
                        path,
                        line,
                        cols.price.0 + 1,
                        &cols.price.1,
                        ps,
                        "a positive price",
                    ));
                }
                Some(v)
            };
        let volume = match cols.volume {
            Some((i, c)) => {
                let s = cell_at(c, r);
                if s.is_empty() {
                    None
                } else {
                    let v = parse_num(s).filter(|v| *v >= 0.0).ok_or_else(|| {
                        InputError::cell(path, line, i + 1, "volume", s, "a non-negative number")
                    })?;
                    Some(v)
                }
            }
            None => None,
        };
        let status = match cols.status {
            Some((i, c)) => {
                let s = cell_at(c, r);
                if s.is_empty() {
                    None
                } else {
                    let v = parse_num(s)
                        .filter(|v| *v == 0.0 || *v == 1.0)
                        .ok_or_else(|| {
                            InputError::cell(path, line, i + 1, "trade_status", s, "0 or 1")
                        })?;
                    Some(v as i64)
                }
            }
            None => None,
        };
        let is_st = match cols.is_st {
            Some((i, c)) => {
                let s = cell_at(c, r);
                match s {
                    "" => None,
                    "0" => Some(false),
                    "1" => Some(true),
                    _ => return Err(InputError::cell(path, line, i + 1, "is_st", s, "0 or 1")),
                }
            }
            None => None,
        };
        recs.push(Rec {
            date,
            price,
            volume,
            status,
            close: positive(cols.close, "close", r, line)?,
            preclose: positive(cols.preclose, "preclose", r, line)?,
            is_st,
            line,
        });
    }
    recs.sort_by_key(|r| (r.date, r.line));
    for w in recs.windows(2) {
        if w[0].date == w[1].date {
            return Err(InputError::Duplicate {
                path: path.to_path_buf(),
                line: w[1].line,
                col: cols.date.0 + 1,
                column: "date".into(),
                value: w[1].date.to_string(),
                first_line: w[0].line,
            });
        }
    }
    let mut s = PriceSeries {
        security: security.to_string(),
        path: path.to_path_buf(),
        price_column: cols.price.1.clone(),
        ..Default::default()
    };
    for r in recs {
        s.dates.push(r.date);
        s.price.push(r.price);
        s.volume.push(r.volume);
        s.trade_status.push(r.status);
        s.close.push(r.close);
        s.preclose.push(r.preclose);
        s.is_st.push(r.is_st);
        s.lines.push(r.line);
    }
    Ok(s)
}

/// Loads one security's (or a market index's) price file.
///
/// # Errors
/// See the module documentation.
pub fn load_price_file(path: &Path, security: &str) -> Result<PriceSeries, InputError> {
    let df = read_as_strings(path)?;
    if df.height() == 0 {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    let cols = columns(path, &df, false)?;
    let rows: Vec<usize> = (0..df.height()).collect();
    build_series(path, security, &cols, &rows)
}

/// Loads a long price file with a `security` column: one series per security.
///
/// # Errors
/// See the module documentation.
pub fn load_long_price_file(path: &Path) -> Result<BTreeMap<String, PriceSeries>, InputError> {
    let df = read_as_strings(path)?;
    if df.height() == 0 {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    let cols = columns(path, &df, true)?;
    let (sec_i, sec_col) = cols.security.expect("security column required above");
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in 0..df.height() {
        let s = sec_col.get(r).unwrap_or("").trim();
        if s.is_empty() {
            return Err(InputError::cell(
                path,
                r + 2,
                sec_i + 1,
                "security",
                s,
                "a security id",
            ));
        }
        groups.entry(s.to_string()).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(sec, rows)| build_series(path, &sec, &cols, &rows).map(|s| (sec, s)))
        .collect()
}

/// Where a study's security prices come from.
#[derive(Debug, Clone)]
pub enum PriceSource {
    /// A directory of `<security>.csv` files.
    Directory(PathBuf),
    /// One long file with a `security` column, loaded whole.
    Long(PathBuf, BTreeMap<String, PriceSeries>),
}

impl PriceSource {
    /// Opens a price source: a directory, or a long file (loaded now).
    pub fn open(path: &Path) -> Result<Self, InputError> {
        if path.is_dir() {
            Ok(PriceSource::Directory(path.to_path_buf()))
        } else if path.is_file() {
            Ok(PriceSource::Long(
                path.to_path_buf(),
                load_long_price_file(path)?,
            ))
        } else {
            Err(InputError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ))
        }
    }

    /// The file a security's prices come from (for hashes and messages).
    pub fn file_for(&self, security: &str) -> PathBuf {
        match self {
            PriceSource::Directory(d) => d.join(format!("{security}.csv")),
            PriceSource::Long(p, _) => p.clone(),
        }
    }

    /// Loads one security. `Ok(None)` when the source has no data for it (unknown security).
    pub fn load(&self, security: &str) -> Result<Option<PriceSeries>, InputError> {
        match self {
            PriceSource::Directory(_) => {
                let f = self.file_for(security);
                if f.is_file() {
                    load_price_file(&f, security).map(Some)
                } else {
                    Ok(None)
                }
            }
            PriceSource::Long(_, map) => Ok(map.get(security).cloned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(s: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .expect("temp");
        f.write_all(s.as_bytes()).expect("write");
        f
    }

    #[test]
    fn empty_price_cell_is_missing_not_error() {
        let f = write("date,close,volume\n2019-01-02,10,5\n2019-01-03,,0\n2019-01-04,11,7\n");
        let s = load_price_file(f.path(), "X").expect("valid");
        assert_eq!(s.price, vec![Some(10.0), None, Some(11.0)]);
        assert_eq!(s.price_column, "close");
        assert_eq!(s.lines, vec![2, 3, 4]);
    }

    #[test]
    fn prefers_adj_close() {
        let f = write("date,close,adj_close\n2019-01-02,10,5\n");
        let s = load_price_file(f.path(), "X").expect("valid");
        assert_eq!(s.price, vec![Some(5.0)]);
    }

    #[test]
    fn bad_cells_name_line_column_value() {
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,abc\n");
        let msg = load_price_file(f.path(), "X").unwrap_err().to_string();
        assert!(
            msg.contains(":3:2: column 'adj_close': expected a number, found \"abc\""),
            "{msg}"
        );
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,-1\n");
        let msg = load_price_file(f.path(), "X").unwrap_err().to_string();
        assert!(msg.contains(":3:2:") && msg.contains("positive"), "{msg}");
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-02,11\n");
        let msg = load_price_file(f.path(), "X").unwrap_err().to_string();
        assert!(
            msg.contains(":3:1:") && msg.contains("first seen on line 2"),
            "{msg}"
        );
        let f = write("day,adj_close\n2019-01-02,10\n");
        let msg = load_price_file(f.path(), "X").unwrap_err().to_string();
        assert!(msg.contains("missing column 'date'"), "{msg}");
    }

    #[test]
    fn long_file_groups_by_security() {
        let f = write("security,date,close\nA,2019-01-03,2\nB,2019-01-02,5\nA,2019-01-02,1\n");
        let m = load_long_price_file(f.path()).expect("valid");
        assert_eq!(m["A"].price, vec![Some(1.0), Some(2.0)]);
        assert_eq!(m["A"].lines, vec![4, 2]);
        assert_eq!(m["B"].dates.len(), 1);
    }
}
