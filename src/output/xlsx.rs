//! `tables.xlsx`: every table of the run in one Excel workbook (Office Open XML, ECMA-376
//! Part 1, §18 SpreadsheetML), one sheet per table in the order the tables are written,
//! after a first sheet `contents` that lists each table with its rows, columns and files.
//!
//! Cells: numbers are numeric cells written in Rust's shortest round-trip form (so a reader
//! gets the very `f64` of the CSV); NaN, ±inf and missing values are empty cells; dates are
//! serial day numbers in a `yyyy-mm-dd` format; booleans are boolean cells; text is inline
//! strings (`t="inlineStr"`: written as the rows stream, with no string table held in
//! memory). The header row is bold and frozen, and columns are sized to their header.
//!
//! Excel's limits: a sheet holds 1,048,576 rows and 16,384 columns. A table longer than
//! 1,048,575 rows under its header (or wider than 16,384 columns) is left out of the
//! workbook, not cut and not split over several sheets: its row in `contents` says so and
//! names its CSV and Parquet files, and the run prints the same note. (A table that long is
//! past what a spreadsheet can sort, filter or chart; split sheets would make a workbook
//! of gigabytes that no one opens.) A text longer than Excel's 32,767 characters per cell
//! is cut there, and `contents` counts the cells cut.
//!
//! Written by hand on purpose, next to the repo's zip reader ([`crate::data::zip`]'s
//! [`ZipWriter`]: streaming deflate through flate2, CRC-32 through flate2's crc32fast, both
//! already built for polars with these features). The well-kept writer, `rust_xlsxwriter`
//! 0.102.0, even with `default-features = false`, pulls `zip` 9.8.2 (`deflate-flate2`,
//! `deflate-zopfli`) with zopfli, typed-path, constant_time_eq and zeroize_derive, and turns
//! on `syn/extra-traits`, `syn/visit` and `zeroize/derive` in crates that polars also builds:
//! adding it would rebuild the whole polars chain (`cargo tree -e normal,build,dev -f
//! '{p} [{f}]'` before and after, 2026-12-01; README, Outputs). Deflate runs at level 1
//! (fast): the workbook is written on every run. The parts written are the minimum Excel,
//! LibreOffice and openpyxl open:
//! `[Content_Types].xml`, `_rels/.rels`, `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`,
//! `xl/styles.xml` and `xl/worksheets/sheetN.xml`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use rayon::prelude::*;

use crate::data::zip::ZipWriter;
use crate::fsio::Staged;
use crate::text::thousands;

/// The file name in the output directory.
pub const FILE: &str = "tables.xlsx";
/// Rows of one Excel sheet (header included).
pub const EXCEL_ROWS: usize = 1_048_576;
/// Columns of one Excel sheet.
pub const EXCEL_COLUMNS: usize = 16_384;
/// Characters of one Excel cell.
pub const EXCEL_CELL_CHARS: usize = 32_767;
/// Sheet names: at most this many characters.
const SHEET_NAME_CHARS: usize = 31;
/// The first sheet.
const CONTENTS: &str = "contents";

/// Cell styles (indexes into `cellXfs` of [`STYLES`]).
const STYLE_HEADER: u8 = 1;
const STYLE_DATE: u8 = 2;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// One table's line in `contents`.
#[derive(Debug, Clone)]
struct Entry {
    /// The sheet, or `None` when the table is left out.
    sheet: Option<String>,
    table: String,
    rows: usize,
    columns: usize,
    /// The table's files, e.g. `ar.csv, ar.parquet`.
    files: String,
    note: String,
    /// The note is for `contents` only (the caller tells the terminal once for all such).
    quiet: bool,
}

/// A workbook being written: sheets stream into a temporary file beside the target, which
/// [`Workbook::finish`] renames into place (dropped unfinished, the temporary file is
/// removed).
pub struct Workbook {
    zip: Option<ZipWriter<BufWriter<File>>>,
    staged: Option<Staged>,
    entries: Vec<Entry>,
    /// Data rows a sheet holds under its header ([`EXCEL_ROWS`] − 1; smaller in tests).
    max_rows: usize,
}

impl Drop for Workbook {
    fn drop(&mut self) {
        self.zip = None;
        if let Some(s) = self.staged.take() {
            s.discard();
        }
    }
}

/// A cell value, borrowed from its column.
enum Cell<'a> {
    Empty,
    F64(f64),
    F32(f32),
    I64(i64),
    U64(u64),
    Bool(bool),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
}

type Cells<'a> = Box<dyn Iterator<Item = Cell<'a>> + 'a>;

/// A column's cells in row order.
fn cells(c: &Column) -> Result<Cells<'_>> {
    let dt = c.dtype();
    Ok(match dt {
        DataType::Float64 => Box::new(c.f64()?.iter().map(|v| v.map_or(Cell::Empty, Cell::F64))),
        DataType::Float32 => Box::new(c.f32()?.iter().map(|v| v.map_or(Cell::Empty, Cell::F32))),
        DataType::Int64 => Box::new(c.i64()?.iter().map(|v| v.map_or(Cell::Empty, Cell::I64))),
        DataType::UInt64 => Box::new(c.u64()?.iter().map(|v| v.map_or(Cell::Empty, Cell::U64))),
        DataType::Boolean => Box::new(c.bool()?.iter().map(|v| v.map_or(Cell::Empty, Cell::Bool))),
        DataType::String => Box::new(c.str()?.iter().map(|v| match v {
            Some(s) if !s.is_empty() => Cell::Text(s),
            _ => Cell::Empty,
        })),
        DataType::Date => Box::new(
            c.date()?
                .physical()
                .iter()
                .map(|v| v.map_or(Cell::Empty, Cell::Date)),
        ),
        other => bail!("column {}: type {other} has no cell form", c.name()),
    })
}

/// Every column as one of the types [`cells`] reads: other integers as Int64, any other
/// type (e.g. datetimes) as its text.
fn normalized(df: &DataFrame) -> Result<Vec<Column>> {
    df.columns()
        .iter()
        .map(|c| {
            let dt = c.dtype();
            let to = if dt.is_integer() && !matches!(dt, DataType::Int64 | DataType::UInt64) {
                Some(DataType::Int64)
            } else if matches!(
                dt,
                DataType::Float64
                    | DataType::Float32
                    | DataType::Int64
                    | DataType::UInt64
                    | DataType::Boolean
                    | DataType::String
                    | DataType::Date
            ) {
                None
            } else {
                Some(DataType::String)
            };
            match to {
                Some(t) => anyhow::Context::with_context(c.cast(&t), || {
                    format!("column {}: {dt} as {t}", c.name())
                }),
                None => Ok(c.clone()),
            }
        })
        .collect()
}

/// A column's letters: 0 → `A`, 26 → `AA`.
fn column_letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// XML text (or an attribute value in double quotes), with the characters XML 1.0 cannot
/// hold written in SpreadsheetML's `_xHHHH_` escape (ECMA-376 Part 1, §22.9.2.19), and a
/// literal `_xHHHH_` kept literal by escaping its underscore.
fn escape(s: &str, out: &mut String) {
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("_x{:04X}_", c as u32));
            }
            '_' if b.len() >= i + 7
                && b[i + 1] == b'x'
                && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
                && b[i + 6] == b'_' =>
            {
                out.push_str("_x005F_");
            }
            c => out.push(c),
        }
    }
}

/// A number as SpreadsheetML writes it: the shortest text that reads back as the same
/// `f64` (exponent form far from 1, where `Display` would write hundreds of digits).
fn number(v: f64, out: &mut String) {
    use std::fmt::Write as _;
    let a = v.abs();
    if v == 0.0 || (1e-5..1e16).contains(&a) {
        let _ = write!(out, "{v}");
    } else {
        let _ = write!(out, "{v:e}");
    }
}

/// An inline-string cell (`s`: its style, 0 = none).
fn text_cell(r: &str, s: &str, style: u8, out: &mut String) {
    out.push_str("<c r=\"");
    out.push_str(r);
    if style != 0 {
        out.push_str(&format!("\" s=\"{style}"));
    }
    out.push_str("\" t=\"inlineStr\"><is><t");
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        out.push_str(" xml:space=\"preserve\"");
    }
    out.push('>');
    escape(s, out);
    out.push_str("</t></is></c>");
}

/// Sheet names Excel accepts: no `[]:*?/\`, not empty, no apostrophe at either end, at most
/// 31 characters, unique without regard to case (a repeat gets ` (2)`, ` (3)`, …).
fn sheet_name(want: &str, taken: &[String]) -> String {
    let clean: String = want
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_matches('\'');
    let clean = if clean.is_empty() { "sheet" } else { clean };
    let is_taken = |n: &str| taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let first = cut(clean, SHEET_NAME_CHARS);
    if !is_taken(&first) {
        return first;
    }
    (2..)
        .map(|k| {
            let suffix = format!(" ({k})");
            format!(
                "{}{suffix}",
                cut(clean, SHEET_NAME_CHARS - suffix.chars().count())
            )
        })
        .find(|n| !is_taken(n))
        .unwrap_or_default()
}

/// Excel's serial day of a date (days since 1970-01-01), for dates from 1900-03-01 on
/// (earlier serials count Excel's non-existent 1900-02-29; those dates are written as text).
fn serial(days: i32) -> Option<i64> {
    let s = i64::from(days) + 25_569;
    (s >= 61).then_some(s)
}

/// A cell's reference, e.g. `B12`, in a buffer reused by every cell.
fn cell_ref<'b>(buf: &'b mut String, column: &str, row: &str) -> &'b str {
    buf.clear();
    buf.push_str(column);
    buf.push_str(row);
    buf
}

/// A number cell whose text is the value's `Display` (integers, `f32`): `open` writes the
/// cell's start.
fn displayed(s: &mut String, open: &dyn Fn(&mut String, u8), v: &dyn std::fmt::Display) {
    use std::fmt::Write as _;
    open(s, 0);
    let _ = write!(s, "{v}");
    s.push_str("</v></c>");
}

/// Rows of a sheet rendered as one block of text ([`write_sheet`]).
const SHEET_BLOCK: usize = 4096;

/// Blocks rendered at once (in parallel) while the previous ones are deflated.
const SHEET_BLOCKS_AT_ONCE: usize = 8;

/// Writes one sheet part: a bold, frozen header and the rows. Returns the cells cut at
/// [`EXCEL_CELL_CHARS`].
fn write_sheet(
    w: &mut dyn Write,
    header: &[String],
    columns: &[Column],
    rows: usize,
) -> Result<usize> {
    write_sheet_by(w, header, columns, rows, SHEET_BLOCK)
}

/// [`write_sheet`] with the rows rendered `block` rows at a time: blocks render in
/// parallel, [`SHEET_BLOCKS_AT_ONCE`] at once, while the blocks before them are written
/// (deflated) in order. A row's text depends on its row number and its cells alone, so the
/// part's bytes do not depend on the block size or the threads.
fn write_sheet_by(
    w: &mut dyn Write,
    header: &[String],
    columns: &[Column],
    rows: usize,
    block: usize,
) -> Result<usize> {
    let ncol = header.len().max(1);
    let last = column_letters(ncol - 1);
    let letters: Vec<String> = (0..ncol).map(column_letters).collect();
    let mut s = String::with_capacity(1 << 16);
    s.push_str(XML_DECL);
    s.push_str(&format!(
        "<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><dimension ref=\"A1:{last}{}\"/>",
        rows + 1
    ));
    s.push_str("<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>");
    s.push_str("<sheetFormatPr defaultRowHeight=\"15\"/><cols>");
    for (i, (h, c)) in header
        .iter()
        .zip(columns.iter().map(Some).chain(std::iter::repeat(None)))
        .enumerate()
    {
        let min = match c.map(|c| c.dtype()) {
            Some(DataType::Float64 | DataType::Float32) => 12,
            Some(DataType::Date) => 11,
            _ => 8,
        };
        let width = (h.chars().count() + 3).clamp(min, 40);
        s.push_str(&format!(
            "<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
            n = i + 1
        ));
    }
    s.push_str("</cols><sheetData><row r=\"1\">");
    for (i, h) in header.iter().enumerate() {
        text_cell(&format!("{}1", letters[i]), h, STYLE_HEADER, &mut s);
    }
    s.push_str("</row>");
    let block = block.max(1);
    let render = |b: usize| {
        let from = b * block;
        sheet_rows(columns, &letters, from, block.min(rows - from))
    };
    let blocks = rows.div_ceil(block);
    let mut cut = 0usize;
    let mut rendered: Vec<Result<Rendered>> = Vec::new();
    let mut next = 0;
    loop {
        let upto = (next + SHEET_BLOCKS_AT_ONCE).min(blocks);
        // Rendered on the pool while this thread deflates the blocks before them (the
        // writer is not `Send`: it stays on this thread).
        let mut ahead = Vec::new();
        let written = rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                ahead = (next..upto).into_par_iter().map(render).collect::<Vec<_>>();
            });
            let mut cut = 0;
            for r in rendered.drain(..) {
                let (text, ends, n) = r?;
                cut += n;
                // The writes a row at a time would make: the text so far whenever it
                // reaches 64 KiB after a row (the compressor's output depends on how its
                // input is cut, so the part's bytes stay those of one row after another).
                let mut at = 0;
                for end in ends {
                    s.push_str(&text[at..end]);
                    at = end;
                    if s.len() >= 1 << 16 {
                        w.write_all(s.as_bytes())?;
                        s.clear();
                    }
                }
            }
            Ok::<usize, anyhow::Error>(cut)
        });
        cut += written?;
        if ahead.is_empty() {
            break;
        }
        rendered = ahead;
        next = upto;
    }
    s.push_str("</sheetData></worksheet>");
    w.write_all(s.as_bytes())?;
    Ok(cut)
}

/// Rows of a sheet as text: the text, where each row ends in it, and the cells cut at
/// [`EXCEL_CELL_CHARS`].
type Rendered = (String, Vec<usize>, usize);

/// Rows `from..from + n` of the sheet (data row i is sheet row i + 2).
fn sheet_rows(columns: &[Column], letters: &[String], from: usize, n: usize) -> Result<Rendered> {
    use std::fmt::Write as _;
    let sliced: Vec<Column> = columns.iter().map(|c| c.slice(from as i64, n)).collect();
    let mut its: Vec<Cells<'_>> = sliced.iter().map(cells).collect::<Result<_>>()?;
    let mut s = String::with_capacity(n * 64 * letters.len().max(1));
    let mut ends = Vec::with_capacity(n);
    let mut cut = 0usize;
    // The row number's text and a cell reference, reused by every cell (no allocation per
    // cell).
    let (mut rs, mut cref) = (String::new(), String::new());
    for row in from..from + n {
        let r = row + 2;
        rs.clear();
        let _ = write!(rs, "{r}");
        s.push_str("<row r=\"");
        s.push_str(&rs);
        s.push_str("\">");
        for (i, it) in its.iter_mut().enumerate() {
            let cell = it.next().unwrap_or(Cell::Empty);
            let open = |s: &mut String, style: u8| {
                s.push_str("<c r=\"");
                s.push_str(&letters[i]);
                s.push_str(&rs);
                if style != 0 {
                    s.push_str(&format!("\" s=\"{style}"));
                }
                s.push_str("\"><v>");
            };
            match cell {
                Cell::Empty => {}
                Cell::F64(v) if !v.is_finite() => {}
                Cell::F32(v) if !v.is_finite() => {}
                Cell::F64(v) => {
                    open(&mut s, 0);
                    number(v, &mut s);
                    s.push_str("</v></c>");
                }
                Cell::F32(v) => displayed(&mut s, &open, &v),
                Cell::I64(v) => displayed(&mut s, &open, &v),
                Cell::U64(v) => displayed(&mut s, &open, &v),
                Cell::Bool(b) => {
                    s.push_str(&format!(
                        "<c r=\"{}{r}\" t=\"b\"><v>{}</v></c>",
                        letters[i],
                        u8::from(b)
                    ));
                }
                Cell::Date(d) => match serial(d) {
                    Some(n) => {
                        open(&mut s, STYLE_DATE);
                        let _ = write!(s, "{n}");
                        s.push_str("</v></c>");
                    }
                    None => {
                        let text = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                            .and_then(|e| e.checked_add_signed(chrono::TimeDelta::days(d.into())))
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .unwrap_or_default();
                        text_cell(cell_ref(&mut cref, &letters[i], &rs), &text, 0, &mut s);
                    }
                },
                Cell::Text(t) => {
                    let t = if t.chars().count() > EXCEL_CELL_CHARS {
                        cut += 1;
                        let end = t
                            .char_indices()
                            .nth(EXCEL_CELL_CHARS)
                            .map_or(t.len(), |(b, _)| b);
                        &t[..end]
                    } else {
                        t
                    };
                    text_cell(cell_ref(&mut cref, &letters[i], &rs), t, 0, &mut s);
                }
            }
        }
        s.push_str("</row>");
        ends.push(s.len());
    }
    Ok((s, ends, cut))
}

impl Workbook {
    /// Starts the workbook `path` (its temporary file beside it).
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: &Path) -> Result<Workbook> {
        let staged = Staged::beside(path, ".xlsx")
            .with_context(|| format!("creating the folder of {}", path.display()))?;
        let f = File::create(&staged.tmp)
            .with_context(|| format!("creating {}", staged.tmp.display()))?;
        Ok(Workbook {
            zip: Some(ZipWriter::new(
                BufWriter::with_capacity(1 << 16, f),
                flate2::Compression::fast(),
            )),
            staged: Some(staged),
            entries: Vec::new(),
            max_rows: EXCEL_ROWS - 1,
        })
    }

    /// A workbook whose sheets hold at most `rows` data rows (tests of the limit).
    #[cfg(test)]
    fn with_max_rows(path: &Path, rows: usize) -> Result<Workbook> {
        let mut w = Workbook::create(path)?;
        w.max_rows = rows;
        Ok(w)
    }

    /// Adds the table `name` as a sheet of that name, or, past Excel's limits, a line in
    /// `contents` saying why it is not in the workbook.
    ///
    /// # Errors
    /// Writing the file; a column of a type without a cell form.
    pub fn add_table(&mut self, name: &str, df: &DataFrame, files: &[String]) -> Result<()> {
        let (rows, columns) = (df.height(), df.width());
        if rows > self.max_rows || columns > EXCEL_COLUMNS {
            let what = if rows > self.max_rows {
                format!(
                    "{} rows, more than the {} an Excel sheet holds under its header",
                    thousands(rows),
                    thousands(self.max_rows)
                )
            } else {
                format!(
                    "{} columns, more than the {} of an Excel sheet",
                    thousands(columns),
                    thousands(EXCEL_COLUMNS)
                )
            };
            self.left_out(name, df.height(), df.width(), files, &what, false);
            return Ok(());
        }
        let (listed, prose) = (files.join(", "), crate::text::and_list(files));
        let taken: Vec<String> = std::iter::once(CONTENTS.to_string())
            .chain(self.entries.iter().filter_map(|e| e.sheet.clone()))
            .collect();
        let sheet = sheet_name(name, &taken);
        let header: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cols = normalized(df)?;
        let part = format!("xl/worksheets/sheet{}.xml", self.sheet_count() + 2);
        let zip = self.zip.as_mut().context("workbook already finished")?;
        let mut cut = 0;
        let mut failure = None;
        zip.entry(&part, |w| match write_sheet(w, &header, &cols, rows) {
            Ok(n) => {
                cut = n;
                Ok(())
            }
            Err(e) => {
                let msg = format!("{e:#}");
                failure = Some(e);
                Err(std::io::Error::other(msg))
            }
        })
        .map_err(|e| match failure.take() {
            Some(f) => f,
            None => anyhow::Error::new(e),
        })
        .with_context(|| format!("writing sheet {sheet} of {FILE}"))?;
        let note = if cut > 0 {
            format!(
                "{} cut at Excel's {} characters; the whole text is in {prose}",
                crate::text::count(cut, "text cell"),
                thousands(EXCEL_CELL_CHARS)
            )
        } else {
            String::new()
        };
        self.entries.push(Entry {
            sheet: Some(sheet),
            table: name.into(),
            rows,
            columns,
            files: listed,
            note,
            quiet: false,
        });
        Ok(())
    }

    /// Lists the table `name` in `contents` without a sheet: `why` it is left out and its
    /// `files`; no terminal note (the caller says it once for all such tables).
    pub fn leave_out(
        &mut self,
        name: &str,
        rows: usize,
        columns: usize,
        files: &[String],
        why: &str,
    ) {
        self.left_out(name, rows, columns, files, why, true);
    }

    /// The `contents` row of a table without a sheet; `quiet`: no terminal note.
    fn left_out(
        &mut self,
        name: &str,
        rows: usize,
        columns: usize,
        files: &[String],
        why: &str,
        quiet: bool,
    ) {
        self.entries.push(Entry {
            sheet: None,
            table: name.into(),
            rows,
            columns,
            files: files.join(", "),
            note: format!(
                "not in this workbook: {why}; the whole table is in {}",
                crate::text::and_list(files)
            ),
            quiet,
        });
    }

    fn sheet_count(&self) -> usize {
        self.entries.iter().filter(|e| e.sheet.is_some()).count()
    }

    /// Writes `contents` and the workbook's other parts and renames the file into place.
    /// Returns the notes for the terminal: one per table left out or text cut.
    ///
    /// # Errors
    /// Writing or renaming the file.
    pub fn finish(mut self) -> Result<Vec<String>> {
        let mut zip = self.zip.take().context("workbook already finished")?;
        let staged = self.staged.take().context("workbook already finished")?;
        let result = (|| -> Result<()> {
            let header: Vec<String> = ["sheet", "table", "rows", "columns", "files", "note"]
                .map(String::from)
                .to_vec();
            let col = |name: &str, v: Vec<Option<String>>| Column::new(name.into(), v);
            let s = |f: &dyn Fn(&Entry) -> Option<String>| {
                self.entries.iter().map(f).collect::<Vec<_>>()
            };
            let contents = DataFrame::new_infer_height(vec![
                col("sheet", s(&|e| e.sheet.clone())),
                col("table", s(&|e| Some(e.table.clone()))),
                Column::new(
                    "rows".into(),
                    self.entries
                        .iter()
                        .map(|e| e.rows as u64)
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "columns".into(),
                    self.entries
                        .iter()
                        .map(|e| e.columns as u64)
                        .collect::<Vec<_>>(),
                ),
                col("files", s(&|e| Some(e.files.clone()))),
                col("note", s(&|e| (!e.note.is_empty()).then(|| e.note.clone()))),
            ])?;
            let cols = contents.columns().to_vec();
            zip.entry("xl/worksheets/sheet1.xml", |w| {
                write_sheet(w, &header, &cols, self.entries.len())
                    .map(|_| ())
                    .map_err(|e| std::io::Error::other(format!("{e:#}")))
            })?;
            let sheets: Vec<&str> = std::iter::once(CONTENTS)
                .chain(self.entries.iter().filter_map(|e| e.sheet.as_deref()))
                .collect();
            let mut workbook = format!(
                "{XML_DECL}<workbook xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>"
            );
            let mut rels = format!(
                "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            );
            let mut types = format!(
                "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            );
            for (i, name) in sheets.iter().enumerate() {
                let n = i + 1;
                workbook.push_str("<sheet name=\"");
                escape(name, &mut workbook);
                workbook.push_str(&format!("\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
                rels.push_str(&format!("<Relationship Id=\"rId{n}\" Type=\"{NS_REL}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"));
                types.push_str(&format!("<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"));
            }
            workbook.push_str("</sheets></workbook>");
            rels.push_str(&format!(
                "<Relationship Id=\"rId{}\" Type=\"{NS_REL}/styles\" Target=\"styles.xml\"/></Relationships>",
                sheets.len() + 1
            ));
            types.push_str("</Types>");
            let root_rels = format!(
                "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{NS_REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            );
            for (name, body) in [
                ("xl/workbook.xml", workbook.as_str()),
                ("xl/_rels/workbook.xml.rels", rels.as_str()),
                ("xl/styles.xml", STYLES),
                ("_rels/.rels", root_rels.as_str()),
                ("[Content_Types].xml", types.as_str()),
            ] {
                zip.entry(name, |w| w.write_all(body.as_bytes()))?;
            }
            let mut f = zip.finish()?;
            f.flush()?;
            f.get_ref().sync_all()?;
            Ok(())
        })();
        let target = staged.target.clone();
        match result {
            Ok(()) => staged
                .commit()
                .with_context(|| format!("renaming the workbook into {}", target.display()))?,
            Err(e) => {
                staged.discard();
                return Err(e.context(format!("writing {}", target.display())));
            }
        }
        Ok(self
            .entries
            .iter()
            .filter(|e| !e.note.is_empty() && !e.quiet)
            .map(|e| format!("{FILE}: {}: {}", e.table, e.note))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::xlsx::read_sheet;

    fn table() -> DataFrame {
        let days = |y, m, d| {
            (chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date")
                - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
            .num_days() as i32
        };
        let dates = Column::new(
            "date".into(),
            vec![
                Some(days(2019, 10, 8)),
                Some(days(1899, 12, 31)),
                None,
                Some(days(2019, 10, 9)),
            ],
        )
        .cast(&DataType::Date)
        .expect("dates");
        DataFrame::new_infer_height(vec![
            Column::new(
                "security".into(),
                ["002415.SZ", " lead & <trail> ", "a\u{1}b_x0041_", ""],
            ),
            Column::new("car".into(), [0.1, f64::NAN, 1e-300, -0.0]),
            Column::new(
                "big".into(),
                [
                    Some(f64::INFINITY),
                    Some(123_456_789_012_345_680.0),
                    None,
                    Some(-2.5e-7),
                ],
            ),
            Column::new("n".into(), [Some(3i32), None, Some(-1), Some(0)]),
            Column::new("ok".into(), [Some(true), Some(false), None, Some(true)]),
            dates,
        ])
        .expect("frame")
    }

    /// A sheet's deflated bytes and its count of cut cells do not depend on the rows per
    /// rendered block: 3,000 rows (with a text past Excel's cell limit every 500 rows),
    /// several 64 KiB writes into the compressor, rendered a row, 7 rows and every row at a
    /// time.
    #[test]
    fn a_sheet_is_the_same_bytes_whatever_its_blocks() {
        let base = table();
        let mut df = base.clone();
        for _ in 1..750 {
            df.vstack_mut(&base).expect("stack");
        }
        let long = "x".repeat(EXCEL_CELL_CHARS + 1);
        let texts: Vec<String> = (0..df.height())
            .map(|i| {
                if i % 500 == 0 {
                    long.clone()
                } else {
                    format!("row {i} & <{i}>")
                }
            })
            .collect();
        df.with_column(Column::new("note".into(), texts))
            .expect("note");
        let header: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cols = normalized(&df).expect("columns");
        let deflated = |block: usize| {
            let mut z = ZipWriter::new(
                std::io::Cursor::new(Vec::new()),
                flate2::Compression::fast(),
            );
            let mut cut = 0;
            z.entry("sheet.xml", |w| {
                cut = write_sheet_by(w, &header, &cols, df.height(), block)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                Ok(())
            })
            .expect("entry");
            (z.finish().expect("zip").into_inner(), cut)
        };
        let (whole, cut) = deflated(df.height());
        assert_eq!(cut, 6);
        assert!(whole.len() > 1 << 12, "{} bytes", whole.len());
        for block in [1, 7, SHEET_BLOCK] {
            assert!(deflated(block) == (whole.clone(), cut), "blocks of {block}");
        }
    }

    /// Written and read back with the repo's reader: numbers to the bit, NaN/inf/missing
    /// empty, booleans 1/0, dates as dates (text before 1900-03-01), text escaped.
    #[test]
    fn tables_read_back_cell_for_cell() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join(FILE);
        let mut w = Workbook::create(&p).expect("create");
        w.add_table("ar", &table(), &files_of("ar")).expect("ar");
        w.add_table("ar", &table(), &files_of("ar"))
            .expect("a second ar");
        let notes = w.finish().expect("finish");
        assert!(notes.is_empty(), "{notes:?}");
        let names: Vec<String> = std::fs::read_dir(d.path())
            .expect("dir")
            .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![FILE.to_string()], "no temporary file left");

        let s = read_sheet(&p, Some("ar")).expect("ar");
        let row = |k: usize| &s.rows[k].1;
        assert_eq!(
            row(0),
            &["security", "car", "big", "n", "ok", "date"].map(String::from)
        );
        assert_eq!(s.rows[1].0, 2);
        assert_eq!(row(1)[0], "002415.SZ");
        assert_eq!(
            row(1)[1].parse::<f64>().expect("num").to_bits(),
            0.1f64.to_bits()
        );
        assert_eq!(row(1)[2], "", "inf is an empty cell");
        assert_eq!(row(1)[3], "3");
        assert_eq!(row(1)[4], "1");
        assert_eq!(row(1)[5], "2019-10-08");
        assert_eq!(row(2)[0], " lead & <trail> ");
        assert_eq!(row(2)[1], "", "NaN is an empty cell");
        assert_eq!(
            row(2)[2].parse::<f64>().expect("num").to_bits(),
            123_456_789_012_345_680f64.to_bits()
        );
        assert_eq!(row(2)[4], "0");
        assert_eq!(row(2)[5], "1899-12-31", "before 1900-03-01: text");
        // The reader does not decode SpreadsheetML's _xHHHH_ escapes; Excel does.
        assert_eq!(row(3)[0], "a_x0001_b_x005F_x0041_");
        assert_eq!(
            row(3)[1].parse::<f64>().expect("num").to_bits(),
            1e-300f64.to_bits()
        );
        assert_eq!(row(3).get(2).map_or("", String::as_str), "");
        assert_eq!(
            row(4).first().map_or("x", String::as_str),
            "",
            "empty text: no cell"
        );
        assert_eq!(
            row(4)[1].parse::<f64>().expect("num").to_bits(),
            (-0.0f64).to_bits()
        );
        assert_eq!(
            row(4)[2].parse::<f64>().expect("num").to_bits(),
            (-2.5e-7f64).to_bits()
        );
        assert_eq!(row(4)[5], "2019-10-09");
        assert_eq!(s.rows.len(), 5);

        let c = read_sheet(&p, None).expect("contents");
        assert_eq!(c.name, "contents");
        assert_eq!(c.rows[1].1[..4], ["ar", "ar", "4", "6"].map(String::from));
        assert_eq!(c.rows[2].1[..2], ["ar (2)", "ar"].map(String::from));
        assert!(read_sheet(&p, Some("ar (2)")).is_ok());
    }

    /// A table longer than a sheet is left out, said in `contents` and in the notes; the
    /// others are written.
    #[test]
    fn a_table_past_the_row_limit_is_left_out_with_a_note() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join(FILE);
        let mut w = Workbook::with_max_rows(&p, 4).expect("create");
        w.add_table("fits", &table(), &files_of("fits"))
            .expect("fits");
        let long = table().vstack(&table()).expect("8 rows");
        w.add_table("series", &long, &files_of("series"))
            .expect("series");
        let notes = w.finish().expect("finish");
        assert_eq!(
            notes,
            vec![
                "tables.xlsx: series: not in this workbook: 8 rows, more than the 4 an Excel \
                 sheet holds under its header; the whole table is in series.csv and series.parquet"
                    .to_string()
            ]
        );
        let c = read_sheet(&p, None).expect("contents");
        assert_eq!(c.rows[2].1[0], "", "no sheet");
        assert_eq!(c.rows[2].1[1..4], ["series", "8", "6"].map(String::from));
        assert!(c.rows[2].1[5].starts_with("not in this workbook"));
        assert!(read_sheet(&p, Some("series")).is_err());
        assert_eq!(read_sheet(&p, Some("fits")).expect("fits").rows.len(), 5);
        assert_eq!(EXCEL_ROWS, 1 << 20);
    }

    /// The files of a table written as CSV and Parquet.
    fn files_of(name: &str) -> Vec<String> {
        vec![format!("{name}.csv"), format!("{name}.parquet")]
    }

    /// A table left out by the run's plan (`leave_out`) and one past the row limit written
    /// as Parquet only: `contents` and the notes name the files that exist, not a CSV that
    /// was never written.
    #[test]
    fn left_out_tables_name_their_files() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join(FILE);
        let mut w = Workbook::with_max_rows(&p, 4).expect("create");
        let long = table().vstack(&table()).expect("8 rows");
        w.add_table("series", &long, &["series.parquet".to_string()])
            .expect("series");
        let t = table();
        w.leave_out(
            "ar",
            t.height(),
            t.width(),
            &files_of("ar"),
            "a per-session table",
        );
        w.add_table("car", &table(), &files_of("car")).expect("car");
        let notes = w.finish().expect("finish");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].ends_with("the whole table is in series.parquet"),
            "{}",
            notes[0]
        );
        let c = read_sheet(&p, None).expect("contents");
        assert_eq!(
            c.rows[2].1[5],
            "not in this workbook: a per-session table; the whole table is in ar.csv and \
             ar.parquet"
        );
        assert_eq!(c.rows[1].1[4], "series.parquet");
        assert_eq!(
            c.rows[2].1[..5],
            ["", "ar", "4", "6", "ar.csv, ar.parquet"].map(String::from)
        );
        assert_eq!(c.rows[3].1[0], "car");
        assert!(read_sheet(&p, Some("ar")).is_err());
        assert_eq!(read_sheet(&p, Some("car")).expect("car").rows.len(), 5);
    }

    #[test]
    fn an_unfinished_workbook_leaves_no_file() {
        let d = tempfile::tempdir().expect("tmp");
        let mut w = Workbook::create(&d.path().join(FILE)).expect("create");
        w.add_table("ar", &table(), &files_of("ar")).expect("ar");
        drop(w);
        assert_eq!(std::fs::read_dir(d.path()).expect("dir").count(), 0);
    }

    #[test]
    fn names_letters_and_numbers_follow_excel() {
        let taken = vec!["contents".to_string(), "Ar".to_string()];
        assert_eq!(sheet_name("ar", &taken), "ar (2)");
        assert_eq!(sheet_name("a/b:c*?[x]", &taken), "a_b_c___x_");
        assert_eq!(sheet_name("'quoted'", &taken), "quoted");
        let long = "calendar_time_days_with_a_very_long_name";
        assert_eq!(sheet_name(long, &taken).chars().count(), 31);
        let taken = vec![sheet_name(long, &taken)];
        let second = sheet_name(long, &taken);
        assert_eq!(second.chars().count(), 31);
        assert!(second.ends_with(" (2)"), "{second}");
        for (i, l) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16_383, "XFD"),
        ] {
            assert_eq!(column_letters(i), l);
        }
        let mut s = String::new();
        for v in [0.1, 1e-300, 1e300, 123.0, -0.0, 5e-324, f64::MAX] {
            s.clear();
            number(v, &mut s);
            assert_eq!(
                s.parse::<f64>().expect("parses").to_bits(),
                v.to_bits(),
                "{s}"
            );
            assert!(s.len() <= 24, "{s}");
        }
        s.clear();
        escape("a_x00e9_b\r", &mut s);
        assert_eq!(s, "a_x005F_x00e9_b&#13;");
        assert_eq!(crate::text::thousands(1_048_575), "1,048,575");
        assert_eq!(serial(18_177), Some(43_746), "2019-10-08");
    }
}
