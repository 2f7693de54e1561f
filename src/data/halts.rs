//! Halts CSV: `security,start,end,reason,source`, inclusive exchange-local dates.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::layout::FileLayout;
use super::table::read_table;
use crate::error::InputError;

/// A declared trading halt of one security.
#[derive(Debug, Clone, PartialEq)]
pub struct Halt {
    pub security: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub reason: String,
    pub source: String,
    pub line: usize,
}

impl Halt {
    /// Whether the halt covers `date` (its first and last days included).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Halts by security.
#[derive(Debug, Clone, Default)]
pub struct Halts {
    by_security: HashMap<String, Vec<Halt>>,
}

impl Halts {
    /// The declared halt covering `date` for `security`, if any.
    pub fn covering(&self, security: &str, date: NaiveDate) -> Option<&Halt> {
        self.by_security
            .get(security)?
            .iter()
            .find(|h| h.covers(date))
    }

    /// All halts of one security.
    pub fn of(&self, security: &str) -> &[Halt] {
        self.by_security
            .get(security)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn is_empty(&self) -> bool {
        self.by_security.is_empty()
    }
}

/// Loads a halts file. A header without rows is valid: no declared halts.
///
/// # Errors
/// Missing columns, unparsable dates, `end` before `start`, an empty file (no header).
pub fn load_halts(path: &Path, layout: &FileLayout) -> Result<Halts, InputError> {
    let t = read_table(path, layout, true)?;
    let h = &t.header;
    let c_sec = h.require(path, "security")?;
    let c_start = h.require(path, "start")?;
    let c_end = h.require(path, "end")?;
    let c_reason = h.find("reason");
    let c_source = h.find("source");
    let fmt = layout.date_format;
    let mut halts = Halts::default();
    for row in &t.rows {
        let security = t.text(row, Some(c_sec))?.to_string();
        if security.is_empty() {
            return Err(t.error(row, c_sec, "", "a security id"));
        }
        let date = |c: usize| -> Result<NaiveDate, InputError> {
            let s = t.text(row, Some(c))?;
            fmt.parse(s)
                .ok_or_else(|| t.error(row, c, s, &fmt.expected_for(s)))
        };
        let start = date(c_start)?;
        let end = date(c_end)?;
        if end < start {
            return Err(t.error(
                row,
                c_end,
                &end.to_string(),
                &format!("a date on or after start {start}"),
            ));
        }
        halts
            .by_security
            .entry(security.clone())
            .or_default()
            .push(Halt {
                security,
                start,
                end,
                reason: t.text(row, c_reason)?.to_string(),
                source: t.text(row, c_source)?.to_string(),
                line: row.line,
            });
    }
    Ok(halts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_date;
    use std::io::Write;

    #[test]
    fn covering_is_inclusive() {
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(b"security,start,end,reason,source\nA,2019-10-08,2019-10-09,r,s\n")
            .expect("write");
        let h = load_halts(f.path(), &FileLayout::default()).expect("valid");
        let d = |s| parse_date(s).expect("date");
        assert!(h.covering("A", d("2019-10-08")).is_some());
        assert!(h.covering("A", d("2019-10-09")).is_some());
        assert!(h.covering("A", d("2019-10-10")).is_none());
        assert!(h.covering("B", d("2019-10-08")).is_none());
    }

    /// A panel without halts writes only the header (e.g. `evimpact synth` with halt rate 0).
    #[test]
    fn header_only_means_no_halts_but_an_empty_file_is_an_error() {
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(b"security,start,end,reason,source\n")
            .expect("write");
        assert!(
            load_halts(f.path(), &FileLayout::default())
                .expect("valid")
                .is_empty()
        );
        let f = tempfile::NamedTempFile::new().expect("temp");
        assert!(
            load_halts(f.path(), &FileLayout::default())
                .unwrap_err()
                .to_string()
                .contains("file is empty")
        );
    }

    #[test]
    fn end_before_start_is_an_error() {
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(b"security,start,end\nA,2019-10-09,2019-10-08\n")
            .expect("write");
        let msg = load_halts(f.path(), &FileLayout::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains(":2:3: column 'end'"), "{msg}");
    }
}
