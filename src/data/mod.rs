//! Loaders for the study's inputs: events, prices (and market indices), halts and exchange
//! session calendars. Every loader validates its input and reports the file, line, column
//! and value of the first bad cell.

pub mod calendar;
pub mod characteristics;
pub mod events;
pub mod factors;
pub mod halts;
pub mod prices;
pub mod provenance;

use chrono::NaiveDate;

/// Parses an ISO date `YYYY-MM-DD` (surrounding blanks ignored).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Header lookup on a CSV header: names are matched after trimming, case-insensitively.
pub(crate) struct Header {
    names: Vec<String>,
}

impl Header {
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Header {
            names: names
                .into_iter()
                .map(|n| n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .collect(),
        }
    }

    /// 0-based index of a column.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub(crate) fn require(
        &self,
        path: &std::path::Path,
        name: &str,
    ) -> Result<usize, crate::error::InputError> {
        self.find(name)
            .ok_or_else(|| crate::error::InputError::MissingColumn {
                path: path.to_path_buf(),
                column: name.to_string(),
                found: self.names.join(","),
            })
    }
}

/// Reads a small hand-edited CSV file with the csv crate: returns the header and the records
/// with their 1-based line numbers. An empty file (no header, or no data row) is an error.
pub(crate) fn read_small_csv(
    path: &std::path::Path,
) -> Result<(Header, Vec<(usize, csv::StringRecord)>), crate::error::InputError> {
    read_csv_rows(path, false)
}

/// As [`read_small_csv`]; with `allow_no_rows`, a header without data rows is valid.
pub(crate) fn read_csv_rows(
    path: &std::path::Path,
    allow_no_rows: bool,
) -> Result<(Header, Vec<(usize, csv::StringRecord)>), crate::error::InputError> {
    use crate::error::InputError;
    let file = std::fs::File::open(path).map_err(|e| InputError::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(std::io::BufReader::new(file));
    let header = match rdr.headers() {
        Ok(h) if h.iter().any(|c| !c.trim().is_empty()) => Header::new(h.iter()),
        Ok(_) => {
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(csv_error(path, e)),
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, e))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        rows.push((line, rec));
    }
    if rows.is_empty() && !allow_no_rows {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok((header, rows))
}

fn csv_error(path: &std::path::Path, e: csv::Error) -> crate::error::InputError {
    use crate::error::InputError;
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.kind() {
        csv::ErrorKind::Io(_) => InputError::parse(path, e.to_string()),
        _ => InputError::parse(path, format!("line {line}: malformed CSV: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!(
            parse_date("2019-10-08"),
            NaiveDate::from_ymd_opt(2019, 10, 8)
        );
        assert_eq!(
            parse_date(" 2019-10-08 "),
            NaiveDate::from_ymd_opt(2019, 10, 8)
        );
        assert_eq!(parse_date("2019-13-01"), None);
        assert_eq!(parse_date("20191008"), None);
        assert_eq!(parse_date("2019-1-8"), None);
        assert_eq!(parse_date(""), None);
    }
}
