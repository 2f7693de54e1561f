//! Excel `.xlsx` workbooks (Office Open XML, ECMA-376): one sheet read as text cells, each
//! with its sheet row and column, so a bad value is reported as `file.xlsx:Sheet1!B7`.
//!
//! A workbook is a zip archive ([`super::zip`], each entry inflated with a bound) of XML
//! parts: `xl/workbook.xml` names the sheets (and the 1904 date system), its relationships
//! give each sheet's part, `xl/sharedStrings.xml` holds the text cells, `xl/styles.xml`
//! says which number formats are dates. Cells: shared strings, inline strings, formula
//! results, booleans (`1`/`0`), errors (`#N/A`, read as missing values) and numbers; a
//! number in a date format becomes `YYYY-MM-DD` (serial days from 1899-12-30, or
//! 1904-01-01 in the 1904 system; Excel's non-existent 1900-02-29 stays refused).
//!
//! Written by hand on purpose: `calamine` (the well-kept reader) needs `encoding_rs`, which
//! turns on `simdutf8` features that polars also builds, so adding it rebuilds the whole
//! polars chain (measured with `cargo tree -e normal,build,dev -f '{p} [{f}]'`; calamine
//! 0.38 also turns on `syn/visit` and `zeroize/derive`). The subset read here is what
//! Excel, LibreOffice, openpyxl and rust_xlsxwriter write for a plain table.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::error::InputError;

/// The largest workbook read (compressed).
pub const MAX_XLSX_BYTES: u64 = 512 << 20;
/// The largest XML part inflated.
const MAX_PART_BYTES: usize = 1 << 30;

/// One sheet: its name and its rows (sheet row number, cells by 0-based column).
#[derive(Debug)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(usize, Vec<String>)>,
}

enum Tok<'a> {
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    End(&'a str),
    Text(&'a str),
}

/// A tokenizer for the machine-written XML of a workbook part.
struct Xml<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Xml<'a> {
    fn new(s: &'a str) -> Self {
        Xml { s, pos: 0 }
    }

    fn next(&mut self) -> Option<Tok<'a>> {
        loop {
            let rest = &self.s[self.pos..];
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.pos += end;
                return Some(Tok::Text(&rest[..end]));
            }
            if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let end = body.find("]]>").unwrap_or(body.len());
                self.pos += 9 + end + 3.min(body.len() - end);
                return Some(Tok::Text(&body[..end]));
            }
            if rest.starts_with("<?") || rest.starts_with("<!") {
                let close = if rest.starts_with("<!--") { "-->" } else { ">" };
                let end = rest
                    .find(close)
                    .map(|e| e + close.len())
                    .unwrap_or(rest.len());
                self.pos += end;
                continue;
            }
            let end = rest.find('>').unwrap_or(rest.len() - 1);
            let inner = &rest[1..end];
            self.pos += end + 1;
            if let Some(name) = inner.strip_prefix('/') {
                return Some(Tok::End(local(name.trim())));
            }
            let empty = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let (name, attrs) = match inner.find(|c: char| c.is_whitespace()) {
                Some(i) => (&inner[..i], &inner[i..]),
                None => (inner, ""),
            };
            return Some(Tok::Start {
                name: local(name),
                attrs,
                empty,
            });
        }
    }
}

/// A name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The value of attribute `key` (by local name), unescaped.
fn attr(attrs: &str, key: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let q = after.chars().next()?;
        if q != '"' && q != '\'' {
            return None;
        }
        let end = after[1..].find(q)? + 1;
        let value = &after[1..end];
        if local(name) == key {
            return Some(unescape(value));
        }
        rest = &after[end + 1..];
    }
}

/// XML entities and character references.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';') else { break };
        let ent = &rest[1..semi];
        let ch = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// 0-based column of a cell reference (`B7` → 1) and its row (7).
fn cell_ref(r: &str) -> Option<(usize, usize)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].bytes().fold(0usize, |a, b| {
        a * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize
    });
    let row = r[letters..].parse().ok()?;
    Some((col - 1, row))
}

/// Whether a number format is a date (the built-in ids, or a code with day, month or year
/// outside quotes and brackets that is not a time alone).
fn is_date_format(id: u32, code: Option<&str>) -> bool {
    if matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58) {
        return true;
    }
    let Some(code) = code else { return false };
    let mut plain = String::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for d in chars.by_ref() {
                    if d == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                }
            }
            '\\' => {
                chars.next();
            }
            c => plain.push(c.to_ascii_lowercase()),
        }
    }
    plain.contains('y')
        || plain.contains('d')
        || (plain.contains('m') && !plain.contains('h') && !plain.contains('s'))
}

/// A serial day number as a date (`None`: not a date, or Excel's 1900-02-29).
pub fn serial_date(v: f64, date1904: bool) -> Option<NaiveDate> {
    if !v.is_finite() || !(0.0..=2_958_465.0).contains(&v) {
        return None;
    }
    let days = v.floor() as i64;
    if date1904 {
        return NaiveDate::from_ymd_opt(1904, 1, 1)?
            .checked_add_signed(chrono::TimeDelta::days(days));
    }
    match days {
        60 => None,
        d if d < 60 => {
            NaiveDate::from_ymd_opt(1899, 12, 31)?.checked_add_signed(chrono::TimeDelta::days(d))
        }
        d => NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::TimeDelta::days(d)),
    }
}

fn part_text(path: &Path, name: &str, data: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(data)
        .map_err(|_| InputError::parse(path, format!("workbook part {name} is not UTF-8 XML")))
}

/// Reads one sheet of a workbook: `sheet` by name, else the first.
///
/// # Errors
/// Not a regular file, too large, not a workbook, no such sheet.
pub fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<Sheet, InputError> {
    let len = super::input::check_regular_file(path)?;
    if len > MAX_XLSX_BYTES {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: format!(
                "is {len} bytes, larger than the {MAX_XLSX_BYTES} bytes a workbook may have"
            ),
        });
    }
    super::input::check_magic(path, super::input::Format::Xlsx)?;
    let bytes = std::fs::read(path).map_err(|e| InputError::io(path, e))?;
    let bad = |m: String| InputError::parse(path, format!("not a readable .xlsx workbook: {m}"));
    let meta = [
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
    ];
    let mut parts: HashMap<String, String> = HashMap::new();
    for e in super::zip::read_entries(&bytes, |n| meta.contains(&n), MAX_PART_BYTES).map_err(bad)? {
        let text = part_text(path, &e.name, e.data)?;
        parts.insert(e.name, text);
    }
    let workbook = parts
        .get("xl/workbook.xml")
        .ok_or_else(|| bad("no xl/workbook.xml".into()))?;
    // Sheets (name, relationship id) and the date system.
    let mut sheets: Vec<(String, String)> = Vec::new();
    let mut date1904 = false;
    let mut x = Xml::new(workbook);
    while let Some(t) = x.next() {
        if let Tok::Start { name, attrs, .. } = t {
            match name {
                "sheet" => {
                    if let (Some(n), Some(id)) = (attr(attrs, "name"), attr(attrs, "id")) {
                        sheets.push((n, id));
                    }
                }
                "workbookPr" => {
                    date1904 = matches!(attr(attrs, "date1904").as_deref(), Some("1" | "true"));
                }
                _ => {}
            }
        }
    }
    let (sheet_name, rid) = match sheet {
        Some(want) => sheets
            .iter()
            .find(|(n, _)| n == want)
            .cloned()
            .ok_or_else(|| {
                InputError::parse(
                    path,
                    format!(
                        "no sheet \"{want}\" (sheets: {})",
                        sheets
                            .iter()
                            .map(|s| s.0.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| bad("the workbook names no sheet".into()))?,
    };
    let mut target = None;
    if let Some(rels) = parts.get("xl/_rels/workbook.xml.rels") {
        let mut x = Xml::new(rels);
        while let Some(t) = x.next() {
            if let Tok::Start {
                name: "Relationship",
                attrs,
                ..
            } = t
                && attr(attrs, "Id").as_deref() == Some(rid.as_str())
            {
                target = attr(attrs, "Target");
            }
        }
    }
    let target = target.ok_or_else(|| bad(format!("no part for sheet \"{sheet_name}\"")))?;
    let part = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    };
    let shared = parts
        .get("xl/sharedStrings.xml")
        .map(|s| shared_strings(s))
        .unwrap_or_default();
    let dates = parts
        .get("xl/styles.xml")
        .map(|s| date_styles(s))
        .unwrap_or_default();
    let data = super::zip::read_entries(&bytes, |n| n == part, MAX_PART_BYTES)
        .map_err(bad)?
        .into_iter()
        .next()
        .ok_or_else(|| bad(format!("no part {part}")))?;
    let xml = part_text(path, &part, data.data)?;
    Ok(Sheet {
        rows: sheet_rows(&xml, &shared, &dates, date1904),
        name: sheet_name,
    })
}

/// The shared string table: each `<si>`'s text runs concatenated (phonetic runs skipped).
fn shared_strings(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut x = Xml::new(xml);
    let mut cur: Option<String> = None;
    let (mut in_t, mut in_ph) = (false, false);
    while let Some(t) = x.next() {
        match t {
            Tok::Start {
                name: "si", empty, ..
            } => {
                if empty {
                    out.push(String::new());
                } else {
                    cur = Some(String::new());
                }
            }
            Tok::Start {
                name: "rPh",
                empty: false,
                ..
            } => in_ph = true,
            Tok::End("rPh") => in_ph = false,
            Tok::Start {
                name: "t",
                empty: false,
                ..
            } => in_t = true,
            Tok::End("t") => in_t = false,
            Tok::Text(s) if in_t && !in_ph => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&unescape(s));
                }
            }
            Tok::End("si") => out.extend(cur.take()),
            _ => {}
        }
    }
    out
}

/// For each cell format (`cellXfs` index), whether its number format is a date.
fn date_styles(xml: &str) -> Vec<bool> {
    let mut codes: HashMap<u32, String> = HashMap::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    let mut x = Xml::new(xml);
    while let Some(t) = x.next() {
        match t {
            Tok::Start {
                name: "numFmt",
                attrs,
                ..
            } => {
                if let (Some(id), Some(code)) = (attr(attrs, "numFmtId"), attr(attrs, "formatCode"))
                    && let Ok(id) = id.parse()
                {
                    codes.insert(id, code);
                }
            }
            Tok::Start {
                name: "cellXfs",
                empty,
                ..
            } => in_xfs = !empty,
            Tok::End("cellXfs") => in_xfs = false,
            Tok::Start {
                name: "xf", attrs, ..
            } if in_xfs => {
                let id: u32 = attr(attrs, "numFmtId")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                out.push(is_date_format(id, codes.get(&id).map(String::as_str)));
            }
            _ => {}
        }
    }
    out
}

/// The rows of a sheet part as text cells.
fn sheet_rows(
    xml: &str,
    shared: &[String],
    dates: &[bool],
    date1904: bool,
) -> Vec<(usize, Vec<String>)> {
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut x = Xml::new(xml);
    let mut row_no = 0usize;
    let mut next_col = 0usize;
    // The current cell: column, type, style, value text, inline text.
    let mut cell: Option<(usize, String, usize, String, String)> = None;
    let (mut in_v, mut in_t) = (false, false);
    let put = |rows: &mut Vec<(usize, Vec<String>)>, row_no: usize, col: usize, v: String| {
        if rows.last().map(|r| r.0) != Some(row_no) {
            rows.push((row_no, Vec::new()));
        }
        let r = &mut rows.last_mut().expect("pushed above").1;
        if r.len() <= col {
            r.resize(col + 1, String::new());
        }
        r[col] = v;
    };
    while let Some(t) = x.next() {
        match t {
            Tok::Start {
                name: "row", attrs, ..
            } => {
                row_no = attr(attrs, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(row_no + 1);
                next_col = 0;
            }
            Tok::Start {
                name: "c",
                attrs,
                empty,
            } => {
                let (col, r) = attr(attrs, "r")
                    .and_then(|r| cell_ref(&r))
                    .unwrap_or((next_col, row_no));
                if r != row_no {
                    row_no = r;
                }
                next_col = col + 1;
                let ty = attr(attrs, "t").unwrap_or_default();
                let style = attr(attrs, "s").and_then(|s| s.parse().ok()).unwrap_or(0);
                if !empty {
                    cell = Some((col, ty, style, String::new(), String::new()));
                }
            }
            Tok::Start {
                name: "v",
                empty: false,
                ..
            } => in_v = true,
            Tok::End("v") => in_v = false,
            Tok::Start {
                name: "t",
                empty: false,
                ..
            } => in_t = true,
            Tok::End("t") => in_t = false,
            Tok::Text(s) => {
                if let Some(c) = cell.as_mut() {
                    if in_v {
                        c.3.push_str(s);
                    } else if in_t {
                        c.4.push_str(s);
                    }
                }
            }
            Tok::End("c") => {
                if let Some((col, ty, style, v, inline)) = cell.take() {
                    let v = unescape(v.trim());
                    let text = match ty.as_str() {
                        "s" => v
                            .parse::<usize>()
                            .ok()
                            .and_then(|k| shared.get(k).cloned())
                            .unwrap_or_default(),
                        "inlineStr" => unescape(&inline),
                        "b" => {
                            if v == "1" {
                                "1".into()
                            } else {
                                "0".into()
                            }
                        }
                        "d" => v.split('T').next().unwrap_or("").to_string(),
                        "str" | "e" => v,
                        _ => match v.parse::<f64>() {
                            Ok(n) if dates.get(style).copied().unwrap_or(false) => {
                                serial_date(n, date1904)
                                    .map(|d| d.format("%Y-%m-%d").to_string())
                                    .unwrap_or(v)
                            }
                            _ => v,
                        },
                    };
                    put(&mut rows, row_no, col, text);
                }
            }
            _ => {}
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates_follow_excel() {
        assert_eq!(
            serial_date(43746.0, false),
            NaiveDate::from_ymd_opt(2019, 10, 8)
        );
        assert_eq!(serial_date(1.0, false), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(
            serial_date(61.0, false),
            NaiveDate::from_ymd_opt(1900, 3, 1)
        );
        assert_eq!(serial_date(60.0, false), None);
        assert_eq!(
            serial_date(42284.0, true),
            NaiveDate::from_ymd_opt(2019, 10, 8)
        );
        assert_eq!(
            serial_date(43746.75, false),
            NaiveDate::from_ymd_opt(2019, 10, 8)
        );
    }

    #[test]
    fn formats_refs_and_entities() {
        assert!(is_date_format(14, None));
        assert!(is_date_format(164, Some("yyyy\\-mm\\-dd")));
        assert!(is_date_format(165, Some("[$-409]d/m/yy")));
        assert!(!is_date_format(166, Some("0.00")));
        assert!(!is_date_format(167, Some("h:mm")));
        assert!(!is_date_format(168, Some("\"day\" 0")));
        assert_eq!(cell_ref("B7"), Some((1, 7)));
        assert_eq!(cell_ref("AA10"), Some((26, 10)));
        assert_eq!(
            unescape("a &amp; b &lt;c&gt; &#65;&#x42; &bogus;"),
            "a & b <c> AB &bogus;"
        );
        assert_eq!(
            attr(" r=\"A1\" t='s' x:id=\"rId2\"", "id").as_deref(),
            Some("rId2")
        );
    }

    /// A workbook written by hand (shared and inline strings, a date style, a formula
    /// string, an error, the 1904 system off), read back.
    #[test]
    fn reads_a_hand_made_workbook() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("w.xlsx");
        std::fs::write(&p, test_workbook()).expect("write");
        let s = read_sheet(&p, None).expect("valid");
        assert_eq!(s.name, "Prices");
        assert_eq!(
            s.rows[0],
            (
                1,
                vec!["date".to_string(), "adj_close".into(), "note".into()]
            )
        );
        assert_eq!(
            s.rows[1],
            (
                2,
                vec!["2019-10-08".to_string(), "10.5".into(), "a & b".into()]
            )
        );
        assert_eq!(
            s.rows[2],
            (4, vec!["2019-10-09".to_string(), "#N/A".into(), "x".into()])
        );
        assert!(
            read_sheet(&p, Some("Nope"))
                .unwrap_err()
                .to_string()
                .contains("no sheet \"Nope\" (sheets: Prices)")
        );
    }

    pub(crate) fn test_workbook() -> Vec<u8> {
        let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="x" xmlns:r="y"><workbookPr/><sheets><sheet name="Prices" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
        let rels = r#"<Relationships><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
        let shared = r#"<sst><si><t>date</t></si><si><r><t>adj_</t></r><r><t>close</t></r></si><si><t>note</t></si><si><t>a &amp; b</t></si></sst>"#;
        let styles = r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
        let sheet = r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" s="1"><v>43746</v></c><c r="B2"><v>10.5</v></c><c r="C2" t="s"><v>3</v></c></row><row r="4"><c r="A4" t="d"><v>2019-10-09T00:00:00</v></c><c r="B4" t="e"><v>#N/A</v></c><c r="C4" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
        super::super::zip::write_deflated(&[
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/sharedStrings.xml", shared.as_bytes()),
            ("xl/styles.xml", styles.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ])
    }
}
