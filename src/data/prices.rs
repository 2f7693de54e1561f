//! Price files (securities and market indices).
//!
//! Either a directory of `<security>.csv` (or `.parquet`, `.xlsx`) files or one long file
//! with a `security` column (CSV, Parquet or `.xlsx`). Columns: `date` plus `adj_close`
//! (else `close`), optional `volume`, `trade_status`, and `close` + `preclose` + `is_st`
//! (price limits); other columns are not read. An empty price cell (or `NaN`, `null`, `NA`)
//! is a missing price (no trade that session), not a parse error. A non-positive price, an
//! unparsable number or date and a duplicate date are errors naming the file, line, column
//! and value.
//!
//! Reading: a CSV file is scanned in chunks of whole records ([`super::delimited`]: line
//! numbers, field counts, quotes), each chunk parsed by polars into typed columns in
//! parallel (only the columns read, as `Float64`, `String`); a cell polars could not parse
//! (a null or non-finite value) is looked at again in its text, which either is a missing
//! value or gives the error with its line, column and value. Parquet files are read with
//! a projection, in slices. A long file keeps only the securities asked for, each as
//! arrays; its other rows are dropped as they are read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;
use polars::prelude::*;

use super::Header;
use super::delimited::{CHUNK_BYTES, Chunk, Scanner};
use super::input::Format;
use super::layout::FileLayout;
use crate::error::{InputError, Unit};

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
    /// The source's trading flag: 1 trading, 0 suspended; `None` on an empty cell. The
    /// optional columns (this and the three below) are empty when the file has no such
    /// column.
    pub trade_status: Vec<Option<u8>>,
    /// Raw (unadjusted) close when the file has both `close` and `adj_close`; for limits.
    pub close: Vec<Option<f64>>,
    /// The exchange's previous-close reference price (`preclose`), when present.
    pub preclose: Vec<Option<f64>>,
    /// Special-treatment flag (`is_st` = 1), when present.
    pub is_st: Vec<Option<bool>>,
    /// 1-based file line (CSV), row (Parquet) or sheet row (xlsx) of each row.
    pub lines: Vec<usize>,
    /// What `lines` counts.
    pub unit: Unit,
    /// Rows that are traded but carry no return (a returns file's missing-return code on a
    /// priced row: the chain of returns starts again there). Empty: none.
    pub no_return: Vec<bool>,
    /// What the reader should know about the values (CRSP codes and midpoints), for the
    /// warnings.
    pub notes: Vec<String>,
}

impl PriceSeries {
    /// Whether `price` is an index built from a returns column (levels are arbitrary:
    /// only ratios between rows mean anything, and no price limit can be checked).
    pub fn price_is_index(&self) -> bool {
        self.price_column == "ret"
    }

    /// Index of the row for `date`, if any.
    pub fn position(&self, date: NaiveDate) -> Option<usize> {
        self.dates.binary_search(&date).ok()
    }
}

/// The columns of a price table that are read (0-based file columns).
#[derive(Debug, Clone)]
struct Cols {
    date: usize,
    /// The price column; in a returns file, the optional price (CRSP `prc`).
    price: Option<usize>,
    /// `adj_close`, `close`, or `ret` for a returns file.
    price_name: &'static str,
    /// The returns column of a returns file.
    ret: Option<usize>,
    /// CRSP conventions: negative prices are bid-ask midpoints; codes in RET.
    crsp: bool,
    volume: Option<usize>,
    status: Option<usize>,
    security: Option<usize>,
    close: Option<usize>,
    preclose: Option<usize>,
    is_st: Option<usize>,
    /// The file's column names (lower-cased), for messages.
    names: Vec<String>,
}

impl Cols {
    fn resolve(
        path: &Path,
        header: &Header,
        need_security: bool,
        layout: &FileLayout,
    ) -> Result<Cols, InputError> {
        let date = header.require(path, "date")?;
        let crsp = layout.convention == Some(super::layout::Convention::Crsp);
        let price = match (header.mapped("price"), header.find("adj_close")) {
            (Some(i), _) => Some((i, "adj_close")),
            (None, Some(i)) => Some((i, "adj_close")),
            (None, None) => header.find("close").map(|i| (i, "close")),
        };
        let ret = header.find("ret");
        // A returns file: a `ret` column and no price column, or CRSP (whose RET includes
        // distributions, which PRC does not).
        let returns = ret.is_some() && (price.is_none() || crsp);
        let (price, price_name) = match (price, returns) {
            (p, true) => (p.map(|(i, _)| i), "ret"),
            (Some((i, n)), false) => (Some(i), n),
            (None, false) => {
                return Err(InputError::MissingColumn {
                    path: path.to_path_buf(),
                    column: "'adj_close' (or 'close', or 'ret' for returns)".into(),
                    found: header.names().join(","),
                });
            }
        };
        let security = if need_security {
            Some(header.require(path, "security")?)
        } else {
            None
        };
        let close = match header.find("close") {
            Some(i) if Some(i) != price && price_name != "ret" => Some(i),
            _ => None,
        };
        Ok(Cols {
            date,
            price,
            price_name,
            ret: if price_name == "ret" { ret } else { None },
            crsp,
            volume: header.find("volume"),
            status: header.find("trade_status"),
            security,
            close,
            preclose: header.find("preclose"),
            is_st: header.find("is_st"),
            names: header.names().to_vec(),
        })
    }

    /// Numeric columns (read as Float64).
    fn numeric(&self) -> Vec<usize> {
        [
            self.price,
            self.ret,
            self.volume,
            self.status,
            self.close,
            self.preclose,
            self.is_st,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Text columns (read as String).
    fn text(&self) -> Vec<usize> {
        [Some(self.date), self.security]
            .into_iter()
            .flatten()
            .collect()
    }

    fn name(&self, c: usize) -> &str {
        self.names.get(c).map(String::as_str).unwrap_or("")
    }
}

/// A batch of rows of one file, typed, with a way back to each cell's text and place.
trait Batch {
    fn len(&self) -> usize;
    /// Line or row of row `i`.
    fn place(&self, i: usize) -> usize;
    /// The text of file column `c` in row `i` (for second looks and messages).
    fn raw(&self, c: usize, i: usize) -> String;
    /// A finite number read by the fast path; `None`: look at the text.
    fn num(&self, c: usize, i: usize) -> Option<f64>;
    /// A text cell read by the fast path; `None`: look at the raw text.
    fn text(&self, c: usize, i: usize) -> Option<&str>;
    /// A date read natively (Parquet dates); `None`: parse the text.
    fn native_date(&self, _i: usize) -> Option<NaiveDate> {
        None
    }
}

/// The rows of one security as they are read, then sorted into a [`PriceSeries`].
#[derive(Default)]
struct Acc {
    dates: Vec<NaiveDate>,
    price: Vec<Option<f64>>,
    /// A returns file's return of each row, and its missing-return code (0: none).
    ret: Vec<Option<f64>>,
    code: Vec<u8>,
    /// Negative prices read as CRSP bid-ask midpoints.
    midpoints: usize,
    volume: Vec<Option<f64>>,
    status: Vec<Option<u8>>,
    close: Vec<Option<f64>>,
    preclose: Vec<Option<f64>>,
    is_st: Vec<Option<bool>>,
    lines: Vec<usize>,
}

impl Acc {
    /// Appends the rows of `later` (read after these). Every field is named, so that a
    /// new one cannot be forgotten here.
    fn append(&mut self, later: Acc) {
        let Acc {
            mut dates,
            mut price,
            mut ret,
            mut code,
            midpoints,
            mut volume,
            mut status,
            mut close,
            mut preclose,
            mut is_st,
            mut lines,
        } = later;
        self.dates.append(&mut dates);
        self.price.append(&mut price);
        self.ret.append(&mut ret);
        self.code.append(&mut code);
        self.midpoints += midpoints;
        self.volume.append(&mut volume);
        self.status.append(&mut status);
        self.close.append(&mut close);
        self.preclose.append(&mut preclose);
        self.is_st.append(&mut is_st);
        self.lines.append(&mut lines);
    }
}

/// The largest price (or close, preclose) read: above it a value is absurd (no share or
/// index has ever been quoted at 10¹² in any currency) and refused with its place.
pub const MAX_PRICE: f64 = 1e12;
/// The largest volume read (shares in one session).
pub const MAX_VOLUME: f64 = 1e15;

/// What a valid value of a number column is: `Err` gives the expectation for the message.
type Rule = fn(f64) -> Result<(), &'static str>;

/// `v` above 0 (`strict`) or at least 0, and below `max`; else the expectation, `low` for a
/// value at or under 0, `high` for an absurd one. NaN passes (missing values are read
/// before any rule).
fn in_range(
    v: f64,
    strict: bool,
    max: f64,
    low: &'static str,
    high: &'static str,
) -> Result<(), &'static str> {
    if v < 0.0 || (strict && v == 0.0) {
        Err(low)
    } else if v >= max {
        Err(high)
    } else {
        Ok(())
    }
}

fn price_rule(v: f64) -> Result<(), &'static str> {
    let absurd = "a positive price below 1e12 (this value is absurd)";
    in_range(v, true, MAX_PRICE, "a positive price", absurd)
}

fn positive_rule(v: f64) -> Result<(), &'static str> {
    let absurd = "a positive number below 1e12 (this value is absurd)";
    in_range(v, true, MAX_PRICE, "a positive number", absurd)
}

fn volume_rule(v: f64) -> Result<(), &'static str> {
    let absurd = "a volume below 1e15 (this value is absurd)";
    in_range(v, false, MAX_VOLUME, "a non-negative number", absurd)
}

fn flag_rule(v: f64) -> Result<(), &'static str> {
    if v == 0.0 || v == 1.0 {
        Ok(())
    } else {
        Err("0 or 1")
    }
}

/// A move between two consecutive priced rows beyond a plausibility bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// Line (or row) and date of the later row.
    pub line: usize,
    pub date: NaiveDate,
    pub from: f64,
    pub to: f64,
}

/// The moves between consecutive priced rows of `s` whose simple return is above
/// `max_return` or below its mirror in log terms, `1/(1 + max_return) - 1` (the default 3
/// flags ×4 and ÷4).
pub fn implausible_moves(s: &PriceSeries, max_return: f64) -> Vec<Move> {
    let up = 1.0 + max_return;
    let mut out = Vec::new();
    let mut prev: Option<f64> = None;
    for (k, p) in s.price.iter().enumerate() {
        let Some(p) = *p else { continue };
        if let Some(q) = prev {
            let ratio = p / q;
            if !(ratio <= up && ratio >= 1.0 / up) {
                out.push(Move {
                    line: s.lines.get(k).copied().unwrap_or(0),
                    date: s.dates[k],
                    from: q,
                    to: p,
                });
            }
        }
        prev = Some(p);
    }
    out
}

/// CRSP's numeric missing-return codes and their meaning (CRSP, "Missing Return Codes").
const CRSP_CODES: [(f64, u8, &str); 6] = [
    (-44.0, 1, "no portfolio assignment (excess returns)"),
    (-55.0, 2, "missing delisting return"),
    (
        -66.0,
        3,
        "more than 10 trading days since the latest preceding price",
    ),
    (-77.0, 4, "not trading on an included exchange"),
    (-88.0, 5, "outside the security's return history"),
    (-99.0, 6, "missing price"),
];

fn crsp_numeric_code(v: f64) -> Option<u8> {
    CRSP_CODES
        .iter()
        .find(|(c, _, _)| *c == v)
        .map(|(_, k, _)| *k)
}

/// A missing-return code in words.
fn code_meaning(code: u8) -> String {
    if let Some((v, _, m)) = CRSP_CODES.iter().find(|(_, k, _)| *k == code) {
        return format!("{v} ({m})");
    }
    match code {
        b'B' => "B (CRSP -66 as WRDS exports it: more than 10 trading days since the latest preceding price)".into(),
        b'C' => "C (CRSP -99 as WRDS exports it: no valid previous price)".into(),
        c => format!("{} (a missing-return code)", c as char),
    }
}

/// A price index from a returns column: the first row is the base (1); each return
/// multiplies the last priced row's level (a return after a gap spans it, as CRSP's RET
/// does); a missing return leaves the row without a price, unless the row has a price of
/// its own (CRSP `prc`), in which case it is traded with no return and the chain goes on
/// from it. Returns (index, rows without a return, a note on the codes met).
fn returns_index(
    ret: &[Option<f64>],
    code: &[u8],
    price: &[Option<f64>],
) -> (Vec<Option<f64>>, Vec<bool>, Option<String>) {
    let n = ret.len();
    let mut index = vec![None; n];
    let mut no_return = vec![false; n];
    let mut last: Option<f64> = None;
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for k in 0..n {
        if code[k] != 0 {
            *counts.entry(code[k]).or_default() += 1;
        }
        let priced = price.get(k).copied().flatten().is_some();
        match (ret[k], last) {
            (Some(r), Some(l)) => index[k] = Some(l * (1.0 + r)),
            // The first row: the base level; its return (from before the file) is not used.
            (_, None) if k == 0 || priced || ret[k].is_some() => {
                index[k] = Some(1.0);
                no_return[k] = k > 0;
            }
            (None, Some(l)) if priced => {
                index[k] = Some(l);
                no_return[k] = true;
            }
            _ => {}
        }
        if let Some(v) = index[k] {
            last = Some(v);
        }
    }
    let note = (!counts.is_empty()).then(|| {
        format!(
            "{} missing return(s) with codes: {} — a priced row keeps no return there, an unpriced row has no price",
            counts.values().sum::<usize>(),
            counts
                .iter()
                .map(|(c, k)| format!("{} ×{k}", code_meaning(*c)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    (index, no_return, note)
}

fn crsp_price_rule(v: f64) -> Result<(), &'static str> {
    if v.abs() >= MAX_PRICE {
        Err("a price below 1e12 in absolute value (this value is absurd)")
    } else {
        Ok(())
    }
}

/// Values that mean "no value" in a number column.
fn is_missing(s: &str) -> bool {
    s.is_empty()
        || ["nan", "null", "na", "n/a", "#n/a"]
            .iter()
            .any(|m| s.eq_ignore_ascii_case(m))
}

struct Reader<'a> {
    path: &'a Path,
    unit: Unit,
    cols: &'a Cols,
    layout: &'a FileLayout,
}

impl<'a> Reader<'a> {
    fn new(path: &'a Path, unit: Unit, cols: &'a Cols, layout: &'a FileLayout) -> Self {
        Reader {
            path,
            unit,
            cols,
            layout,
        }
    }

    fn err<B: Batch>(&self, b: &B, c: usize, i: usize, value: &str, expected: &str) -> InputError {
        InputError::at(
            self.path,
            &self.unit,
            b.place(i),
            c + 1,
            self.cols.name(c),
            value,
            expected,
        )
    }

    /// A number cell: `Ok(None)` when missing; `rule` says what a valid value is (`Err`:
    /// the expectation for the message).
    #[inline]
    fn number<B: Batch>(
        &self,
        b: &B,
        c: usize,
        i: usize,
        rule: Rule,
    ) -> Result<Option<f64>, InputError> {
        let v = match b.num(c, i) {
            Some(v) => v,
            None => {
                let raw = b.raw(c, i);
                let t = raw.trim();
                if is_missing(t) {
                    return Ok(None);
                }
                match self.layout.number(t).filter(|v| v.is_finite()) {
                    Some(v) => v,
                    None => {
                        let expected = format!("a number{}", self.layout.number_hint(t));
                        return Err(self.err(b, c, i, t, &expected));
                    }
                }
            }
        };
        match rule(v) {
            Ok(()) => Ok(Some(v)),
            Err(expected) => {
                let raw = b.raw(c, i);
                Err(self.err(b, c, i, raw.trim(), expected))
            }
        }
    }

    fn opt_number<B: Batch>(
        &self,
        b: &B,
        c: Option<usize>,
        i: usize,
        rule: Rule,
    ) -> Result<Option<f64>, InputError> {
        match c {
            Some(c) => self.number(b, c, i, rule),
            None => Ok(None),
        }
    }

    /// A returns cell: a return above −1, missing (`None`, code 0), or a missing-return
    /// code (a letter as WRDS exports CRSP's, or one of CRSP's numeric codes −44 … −99).
    fn ret<B: Batch>(&self, b: &B, c: usize, i: usize) -> Result<(Option<f64>, u8), InputError> {
        let check = |v: f64| -> Result<(Option<f64>, u8), InputError> {
            if v > -1.0 {
                return Ok((Some(v), 0));
            }
            match crsp_numeric_code(v) {
                Some(code) => Ok((None, code)),
                None => {
                    let raw = b.raw(c, i);
                    Err(self.err(
                        b,
                        c,
                        i,
                        raw.trim(),
                        "a simple return above -1 (or a missing-return code)",
                    ))
                }
            }
        };
        if let Some(v) = b.num(c, i) {
            return check(v);
        }
        let raw = b.raw(c, i);
        let t = raw.trim();
        if is_missing(t) {
            return Ok((None, 0));
        }
        let letter = t.strip_prefix('.').unwrap_or(t);
        if letter.len() == 1 && letter.as_bytes()[0].is_ascii_alphabetic() {
            return Ok((None, letter.as_bytes()[0].to_ascii_uppercase()));
        }
        match self.layout.number(t).filter(|v| v.is_finite()) {
            Some(v) => check(v),
            None => Err(self.err(
                b,
                c,
                i,
                t,
                &format!(
                    "a return (a number, or a missing-return code such as C){}",
                    self.layout.number_hint(t)
                ),
            )),
        }
    }

    #[inline]
    fn date<B: Batch>(&self, b: &B, i: usize) -> Result<NaiveDate, InputError> {
        if let Some(d) = b.native_date(i) {
            return Ok(d);
        }
        let c = self.cols.date;
        if let Some(d) = b.text(c, i).and_then(|s| self.layout.date_format.parse(s)) {
            return Ok(d);
        }
        let raw = b.raw(c, i);
        let t = raw.trim();
        Err(self.err(b, c, i, t, &self.layout.date_format.expected_for(t)))
    }

    /// Appends row `i` of `b` to `acc`.
    fn push<B: Batch>(&self, b: &B, i: usize, acc: &mut Acc) -> Result<(), InputError> {
        let cols = self.cols;
        let date = self.date(b, i)?;
        let price = match cols.price {
            Some(c) if cols.crsp => self
                .number(b, c, i, crsp_price_rule)?
                .filter(|v| *v != 0.0)
                .map(|v| {
                    if v < 0.0 {
                        acc.midpoints += 1;
                    }
                    v.abs()
                }),
            Some(c) => self.number(b, c, i, price_rule)?,
            None => None,
        };
        if let Some(c) = cols.ret {
            let (r, code) = self.ret(b, c, i)?;
            acc.ret.push(r);
            acc.code.push(code);
        }
        let volume = self.opt_number(b, cols.volume, i, volume_rule)?;
        // The optional columns are held only when the file has them (empty otherwise: 50
        // bytes a row of a file with none, 2.5 GB of a 50-million-row long file).
        if let Some(c) = cols.status {
            let status = self.number(b, c, i, flag_rule)?;
            acc.status.push(status.map(|v| v as u8));
        }
        if let Some(c) = cols.close {
            acc.close.push(self.number(b, c, i, positive_rule)?);
        }
        if let Some(c) = cols.preclose {
            acc.preclose.push(self.number(b, c, i, positive_rule)?);
        }
        if let Some(c) = cols.is_st {
            acc.is_st
                .push(self.number(b, c, i, flag_rule)?.map(|v| v == 1.0));
        }
        acc.dates.push(date);
        acc.price.push(price);
        acc.volume.push(volume);
        acc.lines.push(b.place(i));
        Ok(())
    }

    /// The security of row `i` (long files).
    fn security<'b, B: Batch>(
        &self,
        b: &'b B,
        i: usize,
    ) -> Result<std::borrow::Cow<'b, str>, InputError> {
        let c = self
            .cols
            .security
            .expect("long files have a security column");
        let s = match b.text(c, i) {
            Some(s) => std::borrow::Cow::Borrowed(s.trim()),
            None => std::borrow::Cow::Owned(b.raw(c, i).trim().to_string()),
        };
        if s.is_empty() {
            return Err(self.err(b, c, i, "", "a security id"));
        }
        Ok(s)
    }

    /// Sorts a security's rows by date into a series; a repeated date is an error.
    fn finish(&self, security: &str, mut a: Acc) -> Result<PriceSeries, InputError> {
        if !a.dates.is_sorted() {
            let mut idx: Vec<usize> = (0..a.dates.len()).collect();
            idx.sort_by_key(|&k| (a.dates[k], a.lines[k]));
            // An optional column the file does not have stays empty.
            fn perm<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
                if v.is_empty() {
                    return Vec::new();
                }
                idx.iter().map(|&k| v[k].clone()).collect()
            }
            a = Acc {
                ret: perm(&a.ret, &idx),
                code: perm(&a.code, &idx),
                midpoints: a.midpoints,
                dates: perm(&a.dates, &idx),
                price: perm(&a.price, &idx),
                volume: perm(&a.volume, &idx),
                status: perm(&a.status, &idx),
                close: perm(&a.close, &idx),
                preclose: perm(&a.preclose, &idx),
                is_st: perm(&a.is_st, &idx),
                lines: perm(&a.lines, &idx),
            };
        }
        for k in 1..a.dates.len() {
            if a.dates[k] == a.dates[k - 1] {
                return Err(InputError::duplicate(
                    self.path,
                    &self.unit,
                    (a.lines[k], self.cols.date + 1),
                    "date",
                    &a.dates[k].to_string(),
                    a.lines[k - 1],
                ));
            }
        }
        let mut notes = Vec::new();
        if a.midpoints > 0 {
            notes.push(format!(
                "{} negative price(s) read as CRSP bid-ask midpoints (no closing trade that day), used as their absolute value",
                a.midpoints
            ));
        }
        let mut no_return = Vec::new();
        if self.cols.ret.is_some() {
            let (index, nr, note) = returns_index(&a.ret, &a.code, &a.price);
            a.price = index;
            no_return = nr;
            notes.extend(note);
        }
        Ok(PriceSeries {
            no_return,
            notes,
            security: security.to_string(),
            path: self.path.to_path_buf(),
            price_column: self.cols.price_name.to_string(),
            volume: a.volume,
            close: a.close,
            preclose: a.preclose,
            trade_status: a.status,
            is_st: a.is_st,
            dates: a.dates,
            price: a.price,
            lines: a.lines,
            unit: self.unit.clone(),
        })
    }
}

/// What a price table is read for: one security (a file per security) or a long file's
/// securities (all, or only those wanted).
enum Target<'w> {
    One,
    Long(Option<&'w HashSet<String>>),
}

/// The rows read from one table, by security (`""` for a file of one security).
#[derive(Default)]
struct Read {
    index: HashMap<String, usize>,
    accs: Vec<(String, Acc)>,
    /// The security of the previous row and its accumulator (`None`: not wanted).
    last: Option<(String, Option<usize>)>,
}

impl Read {
    fn acc(&mut self, security: &str) -> &mut Acc {
        let k = match self.index.get(security) {
            Some(&k) => k,
            None => {
                self.index.insert(security.to_string(), self.accs.len());
                self.accs.push((security.to_string(), Acc::default()));
                self.accs.len() - 1
            }
        };
        &mut self.accs[k].1
    }

    /// Appends `part`'s rows (read after this one's) to their securities.
    fn merge(&mut self, part: Read) {
        for (security, acc) in part.accs {
            self.acc(&security).append(acc);
        }
        self.last = None;
    }

    fn into_sorted(self) -> Vec<(String, Acc)> {
        let mut v = self.accs;
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Appends the rows of a batch to their securities.
fn take_batch<B: Batch>(
    r: &Reader,
    b: &B,
    target: &Target,
    out: &mut Read,
) -> Result<(), InputError> {
    match target {
        Target::One => {
            let acc = out.acc("");
            for i in 0..b.len() {
                r.push(b, i, acc)?;
            }
        }
        Target::Long(wanted) => {
            // Rows of one security usually follow each other: look it up once per run.
            for i in 0..b.len() {
                let s = r.security(b, i)?;
                let slot = match &out.last {
                    Some((l, slot)) if *l == *s => *slot,
                    _ => {
                        let slot = wanted.is_none_or(|w| w.contains(&*s)).then(|| {
                            out.acc(&s);
                            out.index[&*s]
                        });
                        out.last = Some((s.to_string(), slot));
                        slot
                    }
                };
                if let Some(k) = slot {
                    r.push(b, i, &mut out.accs[k].1)?;
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- CSV

/// A chunk of a CSV file parsed by polars, with the chunk for second looks.
struct CsvBatch<'c> {
    chunk: &'c Chunk<'c>,
    delimiter: u8,
    /// file column → index into `nums`/`texts`.
    num_of: Vec<Option<usize>>,
    nums: Vec<Vec<f64>>,
    text_of: Vec<Option<usize>>,
    texts: Vec<Vec<Option<&'c str>>>,
}

impl Batch for CsvBatch<'_> {
    fn len(&self) -> usize {
        self.chunk.len()
    }
    fn place(&self, i: usize) -> usize {
        self.chunk.lines[i]
    }
    fn raw(&self, c: usize, i: usize) -> String {
        let f = self.chunk.fields(i, self.delimiter);
        f.get(c)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
    #[inline]
    fn num(&self, c: usize, i: usize) -> Option<f64> {
        let v = self.nums[self.num_of[c]?][i];
        v.is_finite().then_some(v)
    }
    #[inline]
    fn text(&self, c: usize, i: usize) -> Option<&str> {
        self.texts[self.text_of[c]?][i]
    }
}

/// The same chunk read from its text alone (when polars disagrees with the scanner).
struct TextBatch {
    lines: Vec<usize>,
    cells: Vec<Vec<String>>,
}

impl Batch for TextBatch {
    fn len(&self) -> usize {
        self.cells.len()
    }
    fn place(&self, i: usize) -> usize {
        self.lines[i]
    }
    fn raw(&self, c: usize, i: usize) -> String {
        self.cells[i].get(c).cloned().unwrap_or_default()
    }
    fn num(&self, _c: usize, _i: usize) -> Option<f64> {
        None
    }
    fn text(&self, c: usize, i: usize) -> Option<&str> {
        self.cells[i].get(c).map(String::as_str)
    }
}

/// Parses a chunk's columns with polars: numeric columns as Float64, text as String.
fn polars_chunk(
    bytes: &[u8],
    width: usize,
    delimiter: u8,
    decimal_comma: bool,
    numeric: &[usize],
    text: &[usize],
) -> PolarsResult<DataFrame> {
    let mut schema = Schema::with_capacity(width);
    for c in 0..width {
        let dt = if numeric.contains(&c) {
            DataType::Float64
        } else {
            DataType::String
        };
        schema.insert(format!("c{c}").into(), dt);
    }
    let mut proj: Vec<usize> = numeric.iter().chain(text).copied().collect();
    proj.sort_unstable();
    proj.dedup();
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .with_projection(Some(Arc::new(proj)))
        .with_ignore_errors(true)
        .with_rechunk(true)
        .with_raise_if_empty(false)
        .map_parse_options(|o| {
            o.with_separator(delimiter)
                .with_decimal_comma(decimal_comma)
                .with_truncate_ragged_lines(true)
        })
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
}

/// Column `c` of a chunk parsed by polars (named `c{c}`), as `get` casts it; an error
/// naming the file and the column.
fn chunk_column<T>(
    r: &Reader,
    df: &DataFrame,
    c: usize,
    get: impl FnOnce(&Column) -> PolarsResult<T>,
) -> Result<T, InputError> {
    df.column(&format!("c{c}"))
        .and_then(get)
        .map_err(|e| InputError::parse(r.path, format!("reading column {}: {e}", r.cols.name(c))))
}

/// Reads one chunk: polars when it agrees with the scanner on the rows, else the text.
fn read_chunk(
    r: &Reader,
    sc_delim: u8,
    width: usize,
    chunk: &Chunk,
    target: &Target,
    out: &mut Read,
) -> Result<(), InputError> {
    let numeric = r.cols.numeric();
    let text = r.cols.text();
    // Blank lines and quoted line ends make polars' rows differ from the records: copy the
    // records alone (rare).
    let owned;
    let bytes: &[u8] = if chunk.plain {
        chunk.bytes
    } else {
        let mut v = Vec::with_capacity(chunk.bytes.len());
        for k in 0..chunk.len() {
            let s = chunk.starts[k] as usize;
            let e = chunk
                .starts
                .get(k + 1)
                .map(|&e| e as usize)
                .unwrap_or(chunk.bytes.len());
            let rec = &chunk.bytes[s..e];
            // A record ends at its last line end; blank lines after it are dropped.
            let mut end = rec.len();
            while end > 0 && rec[..end].ends_with(b"\n") {
                let body = &rec[..end - 1];
                let prev_nl = memchr::memrchr(b'\n', body).map(|p| p + 1).unwrap_or(0);
                if prev_nl > 0 && body[prev_nl..].iter().all(|b| b.is_ascii_whitespace()) {
                    end = prev_nl;
                } else {
                    break;
                }
            }
            v.extend_from_slice(&rec[..end]);
            if !v.ends_with(b"\n") {
                v.push(b'\n');
            }
        }
        owned = v;
        &owned
    };
    let df = polars_chunk(
        bytes,
        width,
        sc_delim,
        r.layout.decimal_comma,
        &numeric,
        &text,
    )
    .ok()
    .filter(|df| df.height() == chunk.len() && chunk.plain);
    let Some(df) = df else {
        let tb = TextBatch {
            lines: chunk.lines.clone(),
            cells: (0..chunk.len())
                .map(|k| {
                    chunk
                        .fields(k, sc_delim)
                        .into_iter()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .collect()
                })
                .collect(),
        };
        return take_batch(r, &tb, target, out);
    };
    let mut num_of = vec![None; width];
    let mut nums = Vec::new();
    for &c in &numeric {
        let col = chunk_column(r, &df, c, |s| s.f64().cloned())?;
        num_of[c] = Some(nums.len());
        nums.push(
            col.iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect::<Vec<f64>>(),
        );
    }
    let mut text_of = vec![None; width];
    let mut str_cols = Vec::new();
    for &c in &text {
        let col = chunk_column(r, &df, c, |s| s.str().cloned())?;
        text_of[c] = Some(str_cols.len());
        str_cols.push(col);
    }
    let texts: Vec<Vec<Option<&str>>> = str_cols.iter().map(|c| c.iter().collect()).collect();
    let b = CsvBatch {
        chunk,
        delimiter: sc_delim,
        num_of,
        nums,
        text_of,
        texts,
    };
    take_batch(r, &b, target, out)
}

fn read_csv(path: &Path, layout: &FileLayout, target: &Target) -> Result<(Cols, Read), InputError> {
    read_csv_in(path, layout, target, CHUNK_BYTES)
}

/// Chunks of a long file read at once, each on its own thread into its own accumulators
/// (merged in file order): the rows' checks and their push into per-security columns
/// otherwise run on one thread after polars parses each chunk. Memory: this many chunks.
const CHUNKS_AT_ONCE: usize = 2;

/// A chunk's records copied out of the scanner's buffer, so that several can be read at
/// once.
struct OwnedChunk {
    bytes: Vec<u8>,
    starts: Vec<u32>,
    lines: Vec<usize>,
    plain: bool,
}

impl OwnedChunk {
    fn of(c: &Chunk<'_>) -> OwnedChunk {
        OwnedChunk {
            bytes: c.bytes.to_vec(),
            starts: c.starts.clone(),
            lines: c.lines.clone(),
            plain: c.plain,
        }
    }

    /// The chunk to read, once: its record starts and lines are moved out.
    fn take(&mut self) -> Chunk<'_> {
        Chunk {
            bytes: &self.bytes,
            starts: std::mem::take(&mut self.starts),
            lines: std::mem::take(&mut self.lines),
            plain: self.plain,
        }
    }
}

/// [`read_csv`] in chunks of about `chunk_bytes`. A long file's chunks are read
/// [`CHUNKS_AT_ONCE`] at a time; the error reported is the one a reading in file order
/// meets first (an earlier chunk's bad row before a later chunk's, and both before a
/// scanning error further on), so the message does not depend on the threads.
fn read_csv_in(
    path: &Path,
    layout: &FileLayout,
    target: &Target,
    chunk_bytes: usize,
) -> Result<(Cols, Read), InputError> {
    let mut sc = Scanner::open(path, layout.delimiter)?;
    let header = Header::checked(path, sc.header_names(), &layout.columns)?;
    let cols = Cols::resolve(path, &header, matches!(target, Target::Long(_)), layout)?;
    let r = Reader::new(path, Unit::Line, &cols, layout);
    let (d, width) = (sc.delimiter, sc.width());
    let mut out = Read::default();
    if !matches!(target, Target::Long(_)) {
        while let Some(chunk) = sc.next_chunk(chunk_bytes)? {
            read_chunk(&r, d, width, &chunk, target, &mut out)?;
        }
        return Ok((cols, out));
    }
    loop {
        let mut batch = Vec::with_capacity(CHUNKS_AT_ONCE);
        let mut scan_error = None;
        while batch.len() < CHUNKS_AT_ONCE {
            match sc.next_chunk(chunk_bytes) {
                Ok(Some(c)) => batch.push(OwnedChunk::of(&c)),
                Ok(None) => break,
                Err(e) => {
                    scan_error = Some(e);
                    break;
                }
            }
        }
        let parts: Vec<Result<Read, InputError>> = std::thread::scope(|scope| {
            let r = &r;
            let handles: Vec<_> = batch
                .iter_mut()
                .map(|c| {
                    scope.spawn(move || {
                        let mut part = Read::default();
                        read_chunk(r, d, width, &c.take(), target, &mut part).map(|()| part)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let done = batch.len() < CHUNKS_AT_ONCE || scan_error.is_some();
        for part in parts {
            out.merge(part?);
        }
        if let Some(e) = scan_error {
            return Err(e);
        }
        if done {
            return Ok((cols, out));
        }
    }
}

// ---------------------------------------------------------------- Parquet and sheets

/// A slice of a Parquet file: numeric columns cast to Float64, dates native or as text.
struct FrameBatch {
    /// Row number of the slice's first row (1-based).
    first: usize,
    num_of: Vec<Option<usize>>,
    nums: Vec<Float64Chunked>,
    text_of: Vec<Option<usize>>,
    texts: Vec<StringChunked>,
    raw_of: Vec<Option<usize>>,
    raws: Vec<StringChunked>,
    dates: Option<Vec<Option<NaiveDate>>>,
}

impl Batch for FrameBatch {
    fn len(&self) -> usize {
        self.raws.first().map(|c| c.len()).unwrap_or(0)
    }
    fn place(&self, i: usize) -> usize {
        self.first + i
    }
    fn raw(&self, c: usize, i: usize) -> String {
        self.raw_of[c]
            .and_then(|k| self.raws[k].get(i))
            .unwrap_or("")
            .to_string()
    }
    fn num(&self, c: usize, i: usize) -> Option<f64> {
        self.nums[self.num_of[c]?].get(i).filter(|v| v.is_finite())
    }
    fn text(&self, c: usize, i: usize) -> Option<&str> {
        self.texts[self.text_of[c]?].get(i)
    }
    fn native_date(&self, i: usize) -> Option<NaiveDate> {
        self.dates.as_ref()?[i]
    }
}

fn frame_batch(
    df: &DataFrame,
    first: usize,
    cols: &Cols,
    names: &[String],
) -> PolarsResult<FrameBatch> {
    let width = names.len();
    let get = |c: usize| df.column(&names[c]);
    let mut b = FrameBatch {
        first,
        num_of: vec![None; width],
        nums: Vec::new(),
        text_of: vec![None; width],
        texts: Vec::new(),
        raw_of: vec![None; width],
        raws: Vec::new(),
        dates: None,
    };
    let mut wanted = cols.numeric();
    wanted.extend(cols.text());
    wanted.sort_unstable();
    wanted.dedup();
    for &c in &wanted {
        let col = get(c)?;
        b.raw_of[c] = Some(b.raws.len());
        b.raws.push(super::columnar::as_text(col)?);
    }
    for c in cols.numeric() {
        let col = get(c)?;
        let f = match col.dtype() {
            DataType::String => None,
            _ => col.cast(&DataType::Float64).ok(),
        };
        if let Some(f) = f {
            b.num_of[c] = Some(b.nums.len());
            b.nums.push(f.f64()?.clone());
        }
    }
    for c in cols.text() {
        b.text_of[c] = Some(b.texts.len());
        b.texts
            .push(b.raws[b.raw_of[c].expect("set above")].clone());
    }
    let date = get(cols.date)?;
    if let Some(ds) = super::columnar::native_dates(date)? {
        b.dates = Some(ds);
    }
    Ok(b)
}

/// Rows per Parquet slice.
const PARQUET_SLICE: usize = 1 << 20;

fn read_parquet(
    path: &Path,
    layout: &FileLayout,
    target: &Target,
) -> Result<(Cols, Read), InputError> {
    let names = super::columnar::parquet_names(path)?;
    let header = Header::checked(path, names.clone(), &layout.columns)?;
    let cols = Cols::resolve(path, &header, matches!(target, Target::Long(_)), layout)?;
    let r = Reader::new(path, Unit::Row, &cols, layout);
    let mut wanted: Vec<usize> = cols.numeric();
    wanted.extend(cols.text());
    wanted.sort_unstable();
    wanted.dedup();
    let projection: Vec<String> = wanted.iter().map(|&c| names[c].clone()).collect();
    let total = super::columnar::parquet_rows(path)?;
    let mut out = Read::default();
    let mut offset = 0usize;
    while offset < total {
        let len = PARQUET_SLICE.min(total - offset);
        let df = super::columnar::read_parquet(path, &projection, Some((offset, len)))?;
        let b = frame_batch(&df, offset + 1, &cols, &names)
            .map_err(|e| InputError::parse(path, format!("cannot read as Parquet: {e}")))?;
        take_batch(&r, &b, target, &mut out)?;
        offset += len;
    }
    Ok((cols, out))
}

fn read_sheet(
    path: &Path,
    layout: &FileLayout,
    target: &Target,
) -> Result<(Cols, Read), InputError> {
    let t = super::table::read_table(path, layout, true)?;
    let cols = Cols::resolve(path, &t.header, matches!(target, Target::Long(_)), layout)?;
    let r = Reader::new(path, t.unit.clone(), &cols, layout);
    let width = t.header.names().len();
    let mut lines = Vec::with_capacity(t.rows.len());
    let mut cells = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        lines.push(row.line);
        let mut v = Vec::with_capacity(width);
        for c in 0..width {
            v.push(t.text(row, Some(c))?.to_string());
        }
        cells.push(v);
    }
    let b = TextBatch { lines, cells };
    let mut out = Read::default();
    take_batch(&r, &b, target, &mut out)?;
    Ok((cols, out))
}

fn read_any(path: &Path, layout: &FileLayout, target: &Target) -> Result<(Cols, Read), InputError> {
    let format = Format::of(path);
    super::input::check_magic(path, format)?;
    match format {
        Format::Csv => read_csv(path, layout, target),
        Format::Parquet => read_parquet(path, layout, target),
        Format::Xlsx => read_sheet(path, layout, target),
    }
}

/// Loads one security's (or a market index's) price file.
///
/// # Errors
/// See the module documentation.
pub fn load_price_file(
    path: &Path,
    security: &str,
    layout: &FileLayout,
) -> Result<PriceSeries, InputError> {
    let (cols, read) = read_any(path, layout, &Target::One)?;
    let acc = read
        .accs
        .into_iter()
        .next()
        .map(|(_, a)| a)
        .unwrap_or_default();
    if acc.dates.is_empty() {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    let r = Reader::new(path, unit_of(path), &cols, layout);
    r.finish(security, acc)
}

fn unit_of(path: &Path) -> Unit {
    match Format::of(path) {
        Format::Csv => Unit::Line,
        Format::Parquet => Unit::Row,
        Format::Xlsx => Unit::Sheet("".into()),
    }
}

/// Loads a long price file with a `security` column: one series per security, only those
/// in `wanted` when given (the rows of other securities are dropped as they are read).
///
/// # Errors
/// See the module documentation.
pub fn load_long_price_file(
    path: &Path,
    layout: &FileLayout,
    wanted: Option<&HashSet<String>>,
) -> Result<BTreeMap<String, PriceSeries>, InputError> {
    let (cols, read) = read_any(path, layout, &Target::Long(wanted))?;
    if read.accs.is_empty() && wanted.is_none() {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    let r = Reader::new(path, unit_of(path), &cols, layout);
    read.into_sorted()
        .into_iter()
        .map(|(sec, acc)| r.finish(&sec, acc).map(|s| (sec, s)))
        .collect()
}

/// Where a study's security prices come from.
#[derive(Debug)]
pub enum PriceSource {
    /// A directory of `<security>.csv` (or `.parquet`, `.xlsx`) files.
    Directory(PathBuf, FileLayout),
    /// One long file with a `security` column, loaded once with the securities asked for;
    /// each series is handed out once.
    Long(PathBuf, Mutex<HashMap<String, PriceSeries>>),
}

/// The extensions a price directory's files may have, in the order they are looked for.
pub const PRICE_EXTENSIONS: [&str; 3] = ["csv", "parquet", "xlsx"];

impl PriceSource {
    /// Opens a price source: a directory, or a long file (loaded now, keeping only the
    /// securities in `wanted` when given).
    ///
    /// # Errors
    /// The path is neither a directory nor a readable price file.
    pub fn open(
        path: &Path,
        layout: &FileLayout,
        wanted: Option<&HashSet<String>>,
    ) -> Result<Self, InputError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Ok(PriceSource::Directory(path.to_path_buf(), layout.clone())),
            _ => {
                super::input::check_regular_file(path)?;
                let map = load_long_price_file(path, layout, wanted)?;
                Ok(PriceSource::Long(
                    path.to_path_buf(),
                    Mutex::new(map.into_iter().collect()),
                ))
            }
        }
    }

    /// The file a security's prices come from (for hashes and messages): in a directory,
    /// the first of `<security>.csv`, `.parquet`, `.xlsx` that exists (else the `.csv`).
    pub fn file_for(&self, security: &str) -> PathBuf {
        match self {
            PriceSource::Directory(d, _) => PRICE_EXTENSIONS
                .iter()
                .map(|x| d.join(format!("{security}.{x}")))
                .find(|p| p.exists())
                .unwrap_or_else(|| d.join(format!("{security}.csv"))),
            PriceSource::Long(p, _) => p.clone(),
        }
    }

    /// Loads one security. `Ok(None)` when the source has no data for it (unknown security).
    ///
    /// # Errors
    /// A bad price file, an id that is not a name, a file that resolves outside the
    /// directory.
    pub fn load(&self, security: &str) -> Result<Option<PriceSeries>, InputError> {
        match self {
            PriceSource::Directory(d, layout) => {
                if let Some(why) = super::ids::invalid_id(security) {
                    return Err(InputError::Usage(format!(
                        "security id \"{}\" {why}",
                        security.escape_default()
                    )));
                }
                for x in PRICE_EXTENSIONS {
                    if let Some(f) = super::input::file_in_dir(d, &format!("{security}.{x}"))? {
                        return load_price_file(&f, security, layout).map(Some);
                    }
                }
                Ok(None)
            }
            PriceSource::Long(_, map) => Ok(map
                .lock()
                .map_err(|_| InputError::Usage("price loader poisoned".into()))?
                .remove(security)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::temp_csv as write;
    use std::io::Write;

    fn load(f: &tempfile::NamedTempFile) -> Result<PriceSeries, InputError> {
        load_price_file(f.path(), "X", &FileLayout::default())
    }

    #[test]
    fn empty_price_cell_is_missing_not_error() {
        let f = write("date,close,volume\n2019-01-02,10,5\n2019-01-03,,0\n2019-01-04,11,7\n");
        let s = load(&f).expect("valid");
        assert_eq!(s.price, vec![Some(10.0), None, Some(11.0)]);
        assert_eq!(s.price_column, "close");
        assert_eq!(s.lines, vec![2, 3, 4]);
        assert_eq!(s.volume, vec![Some(5.0), Some(0.0), Some(7.0)]);
        let f = write("date,close\n2019-01-02,NaN\n2019-01-03, 12.5 \n");
        let s = load(&f).expect("valid");
        assert_eq!(s.price, vec![None, Some(12.5)]);
    }

    #[test]
    fn prefers_adj_close() {
        let f = write("date,close,adj_close\n2019-01-02,10,5\n");
        let s = load(&f).expect("valid");
        assert_eq!(s.price, vec![Some(5.0)]);
        assert_eq!(s.close, vec![Some(10.0)]);
    }

    /// The optional columns are held only when the file has them, in row order when it is
    /// not sorted by date (the sort takes them along).
    #[test]
    fn optional_columns_are_held_only_when_present() {
        let f = write("date,adj_close\n2019-01-03,10\n2019-01-02,11\n");
        let s = load(&f).expect("valid");
        assert_eq!(s.price, vec![Some(11.0), Some(10.0)]);
        assert!(s.trade_status.is_empty() && s.close.is_empty());
        assert!(s.preclose.is_empty() && s.is_st.is_empty());
        let f = write(
            "date,adj_close,close,preclose,is_st,trade_status\n\
             2019-01-03,10,20,19,0,1\n2019-01-02,11,,18,1,0\n",
        );
        let s = load(&f).expect("valid");
        assert_eq!(s.close, vec![None, Some(20.0)]);
        assert_eq!(s.preclose, vec![Some(18.0), Some(19.0)]);
        assert_eq!(s.is_st, vec![Some(true), Some(false)]);
        assert_eq!(s.trade_status, vec![Some(0), Some(1)]);
    }

    #[test]
    fn bad_cells_name_line_column_value() {
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,abc\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(
            msg.contains(":3:2: column 'adj_close': expected a number, found \"abc\""),
            "{msg}"
        );
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,-1\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(msg.contains(":3:2:") && msg.contains("positive"), "{msg}");
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-02,11\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(
            msg.contains(":3:1:") && msg.contains("first seen on line 2"),
            "{msg}"
        );
        let f = write("day,adj_close\n2019-01-02,10\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(msg.contains("missing column 'date'"), "{msg}");
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,inf\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(msg.contains(":3:2:") && msg.contains("\"inf\""), "{msg}");
    }

    /// Line numbers stay physical after a quoted line end and blank lines.
    #[test]
    fn places_after_quoted_newlines_and_blank_lines() {
        let f = write("date,adj_close,note\n2019-01-02,10,\"a\nb\"\n\n2019-01-03,x,c\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(msg.contains(":5:2: column 'adj_close'"), "{msg}");
        let f = write("date,adj_close,note\n2019-01-02,10,\"a\nb\"\n\n2019-01-03,11,c\n\n\n");
        let s = load(&f).expect("valid");
        assert_eq!(s.lines, vec![2, 5]);
        assert_eq!(s.price, vec![Some(10.0), Some(11.0)]);
    }

    /// A column the study does not read may hold anything, invalid UTF-8 included.
    #[test]
    fn unread_columns_are_not_checked() {
        let mut f = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .expect("tmp");
        f.write_all(b"date,adj_close,name\n2019-01-02,10,\xff\xfe\n2019-01-03,11,ok\n")
            .expect("write");
        let s = load_price_file(f.path(), "X", &FileLayout::default()).expect("valid");
        assert_eq!(s.price.len(), 2);
        let mut f = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .expect("tmp");
        f.write_all(b"date,adj_close\n2019-01-02,10\n2019-01-0\xff,11\n")
            .expect("write");
        let msg = load_price_file(f.path(), "X", &FileLayout::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains(":3:1: column 'date'"), "{msg}");
    }

    /// A returns file: the index reproduces the returns; CRSP codes are missing returns with
    /// their meaning; a priced row with a code has no return; negative PRC is a midpoint.
    #[test]
    fn returns_files_and_crsp_conventions() {
        let f = write(
            "date,ret\n2019-01-02,\n2019-01-03,0.1\n2019-01-04,-0.5\n2019-01-07,\n2019-01-08,0.25\n",
        );
        let s = load(&f).expect("valid");
        assert!(s.price_is_index());
        assert_eq!(
            s.price,
            vec![Some(1.0), Some(1.1), Some(0.55), None, Some(0.6875)]
        );
        let f = write("date,ret\n2019-01-02,0.1\n2019-01-03,-1.5\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(
            msg.contains(":3:2: column 'ret'") && msg.contains("above -1"),
            "{msg}"
        );
        let crsp = FileLayout {
            convention: Some(crate::data::layout::Convention::Crsp),
            columns: crate::data::layout::CRSP_COLUMNS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let f = write(
            "PERMNO,date,PRC,VOL,RET\n10107,20190102,-10.0,0,C\n10107,20190103,11,5,0.1\n\
             10107,20190104,,0,-77.0\n10107,20190107,-12.1,3,0.1\n10107,20190108,12.1,0,B\n10107,20190109,13.31,4,0.1\n",
        );
        let m = load_long_price_file(f.path(), &crsp, None).expect("valid");
        let s = &m["10107"];
        let px: Vec<Option<f64>> = s
            .price
            .iter()
            .map(|p| p.map(|v| (v * 1e9).round() / 1e9))
            .collect();
        assert_eq!(
            px,
            vec![
                Some(1.0),
                Some(1.1),
                None,
                Some(1.21),
                Some(1.21),
                Some(1.331)
            ]
        );
        assert_eq!(s.no_return, vec![false, false, false, false, true, false]);
        assert_eq!(s.volume[1], Some(5.0));
        let notes = s.notes.join(" | ");
        assert!(
            notes.contains("2 negative price(s) read as CRSP bid-ask midpoints"),
            "{notes}"
        );
        assert!(
            notes.contains("3 missing return(s)")
                && notes.contains("C (CRSP -99")
                && notes.contains("-77 (not trading"),
            "{notes}"
        );
    }

    /// Absurd values are refused with their place; implausible moves are found.
    #[test]
    fn absurd_values_and_implausible_moves() {
        let f = write("date,adj_close\n2019-01-02,10\n2019-01-03,1e308\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(
            msg.contains(":3:2:") && msg.contains("below 1e12") && msg.contains("\"1e308\""),
            "{msg}"
        );
        let f = write("date,adj_close,volume\n2019-01-02,10,1e300\n");
        let msg = load(&f).unwrap_err().to_string();
        assert!(msg.contains(":2:3:") && msg.contains("below 1e15"), "{msg}");
        let f = write(
            "date,adj_close\n2019-01-02,10\n2019-01-03,10000\n2019-01-04,\n2019-01-07,10.5\n2019-01-08,12\n",
        );
        let s = load(&f).expect("valid");
        let m = implausible_moves(&s, 3.0);
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!((m[0].line, m[0].from, m[0].to), (3, 10.0, 10000.0));
        assert_eq!((m[1].line, m[1].from, m[1].to), (5, 10000.0, 10.5));
        assert!(implausible_moves(&s, 5000.0).is_empty());
    }

    #[test]
    fn long_file_groups_by_security() {
        let f = write("security,date,close\nA,2019-01-03,2\nB,2019-01-02,5\nA,2019-01-02,1\n");
        let m = load_long_price_file(f.path(), &FileLayout::default(), None).expect("valid");
        assert_eq!(m["A"].price, vec![Some(1.0), Some(2.0)]);
        assert_eq!(m["A"].lines, vec![4, 2]);
        assert_eq!(m["B"].dates.len(), 1);
        let only: HashSet<String> = ["B".to_string()].into();
        let m = load_long_price_file(f.path(), &FileLayout::default(), Some(&only)).expect("valid");
        assert_eq!(m.keys().collect::<Vec<_>>(), ["B"]);
    }

    /// A long file read in many small chunks, two at a time on their own threads, gives
    /// the same series as one chunk; its first bad row (in file order) is the error, with
    /// the same message, whichever chunk it falls in and whatever comes after it.
    #[test]
    fn long_file_in_chunks_equals_one_chunk() {
        let long_in = |path: &Path, chunk: usize| {
            let layout = FileLayout::default();
            let (cols, read) = read_csv_in(path, &layout, &Target::Long(None), chunk)?;
            let r = Reader::new(path, unit_of(path), &cols, &layout);
            read.into_sorted()
                .into_iter()
                .map(|(sec, acc)| r.finish(&sec, acc).map(|s| (sec, s)))
                .collect::<Result<BTreeMap<String, PriceSeries>, InputError>>()
        };
        let mut text = String::from("security,date,adj_close,volume,trade_status\n");
        let mut rows = Vec::new();
        for k in 0..600u64 {
            let d = NaiveDate::from_ymd_opt(2001, 1, 1).expect("d") + chrono::Days::new(k);
            for sec in ["AAA", "B", "CC.X"] {
                rows.push(format!(
                    "{sec},{d},{}.5,{},{}",
                    k + 3,
                    k * 7,
                    u8::from(k % 11 != 0)
                ));
            }
        }
        // Rows of a security out of date order and split across chunks.
        rows.swap(10, 1500);
        for r in &rows {
            text.push_str(r);
            text.push('\n');
        }
        let f = write(&text);
        let one = long_in(f.path(), CHUNK_BYTES).expect("valid");
        assert_eq!(one.len(), 3);
        assert_eq!(one["B"].dates.len(), 600);
        for chunk in [64, 700, 4096] {
            assert_eq!(
                long_in(f.path(), chunk).expect("valid"),
                one,
                "chunks of {chunk} bytes"
            );
        }
        // Two bad rows far apart: the first is reported, by every reading.
        let mut bad = rows.clone();
        bad[900] = "B,2001-10-15,abc,5,1".into();
        bad[1700] = "AAA,2002-07-01,-4,5,1".into();
        let mut text = String::from("security,date,adj_close,volume,trade_status\n");
        for r in &bad {
            text.push_str(r);
            text.push('\n');
        }
        let f = write(&text);
        let want = long_in(f.path(), CHUNK_BYTES).expect_err("bad").to_string();
        assert!(
            want.contains(":902:3:") && want.contains("\"abc\""),
            "{want}"
        );
        // 32 KB: the two bad rows in two chunks of one batch (read at once).
        for chunk in [64, 700, 4096, 32 << 10] {
            let got = long_in(f.path(), chunk).expect_err("bad").to_string();
            assert_eq!(got, want, "chunks of {chunk} bytes");
        }
    }

    /// The typed fast path equals a plain reading of the text, on a file with every kind of
    /// cell (empty, NaN, spaces, integers, exponents).
    #[test]
    fn fast_path_equals_text_path() {
        let mut s = String::from("date,adj_close,volume,trade_status,close,preclose,is_st\n");
        for k in 0..3000 {
            let d = NaiveDate::from_ymd_opt(2000, 1, 1).expect("d") + chrono::Days::new(k);
            let p = match k % 7 {
                0 => String::new(),
                1 => "NaN".into(),
                2 => format!(" {}.25 ", k + 1),
                3 => format!("{}e-2", (k + 1) * 100),
                _ => format!("{}", (k as f64 + 1.0) * 1.0001),
            };
            let v = if k % 5 == 0 {
                String::new()
            } else {
                format!("{}", k * 10)
            };
            s.push_str(&format!(
                "{d},{p},{v},{},{},{},{}\n",
                k % 2,
                k + 1,
                k + 2,
                (k / 3) % 2
            ));
        }
        let f = write(&s);
        let fast = load(&f).expect("valid");
        let layout = FileLayout::default();
        let cols = {
            let h = Header::new(s.lines().next().expect("h").split(','));
            Cols::resolve(f.path(), &h, false, &layout).expect("cols")
        };
        let r = Reader {
            path: f.path(),
            unit: Unit::Line,
            cols: &cols,
            layout: &layout,
        };
        let tb = TextBatch {
            lines: (2..3002).collect(),
            cells: s
                .lines()
                .skip(1)
                .map(|l| l.split(',').map(str::to_string).collect())
                .collect(),
        };
        let mut acc = Acc::default();
        for i in 0..tb.len() {
            r.push(&tb, i, &mut acc).expect("row");
        }
        let slow = r.finish("X", acc).expect("series");
        assert_eq!(fast, slow);
        assert_eq!(fast.price[0], None);
        assert_eq!(fast.price[2], Some(3.25));
    }
}
