//! The table formats a run writes (`--formats csv,parquet`, the study file's
//! `[outputs] formats`); what is written by default at each size is in
//! [`crate::output::plan`].

use serde::{Deserialize, Serialize};

/// A table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    Csv,
    Parquet,
}

impl TableFormat {
    /// The file extension, `csv` or `parquet`.
    pub fn ext(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }
}

impl std::str::FromStr for TableFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(TableFormat::Csv),
            "parquet" | "pq" => Ok(TableFormat::Parquet),
            other => Err(format!(
                "unknown table format \"{other}\": expected csv or parquet (e.g. --formats csv,parquet)"
            )),
        }
    }
}

impl std::fmt::Display for TableFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.ext())
    }
}

/// Parses `csv,parquet` (a comma-separated list, each once).
///
/// # Errors
/// An unknown or repeated format, or an empty list.
pub fn parse_formats(s: &str) -> Result<Vec<TableFormat>, String> {
    let mut out: Vec<TableFormat> = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let f: TableFormat = part.parse()?;
        if out.contains(&f) {
            return Err(format!("table format \"{f}\" given twice in \"{s}\""));
        }
        out.push(f);
    }
    if out.is_empty() {
        return Err(format!(
            "no table format in \"{s}\": expected csv, parquet or csv,parquet"
        ));
    }
    out.sort();
    Ok(out)
}

/// A list of formats as one command-line value (`--formats csv,parquet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatList(pub Vec<TableFormat>);

/// [`parse_formats`] for the command line.
///
/// # Errors
/// As [`parse_formats`].
pub fn parse_format_list(s: &str) -> Result<FormatList, String> {
    parse_formats(s).map(FormatList)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_in_a_fixed_order() {
        assert_eq!(
            parse_formats("parquet,csv").unwrap(),
            vec![TableFormat::Csv, TableFormat::Parquet]
        );
        assert_eq!(parse_formats("CSV").unwrap(), vec![TableFormat::Csv]);
        assert!(parse_formats("csv,csv").unwrap_err().contains("twice"));
        assert!(parse_formats("xls").unwrap_err().contains("csv or parquet"));
        assert!(parse_formats(",").is_err());
    }
}
