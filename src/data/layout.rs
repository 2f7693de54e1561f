//! How one input file is written: its delimiter, date format, decimal mark, sheet and the
//! names of its columns. The study file declares them (`[inputs.format]`,
//! `[inputs.columns]`); what is not declared is detected where that is safe (the
//! delimiter, unambiguous date forms) and never guessed where it is not (day/month order,
//! the decimal comma).

use std::collections::BTreeMap;

use serde::Serialize;

use super::dates::DateFormat;

/// The resolved layout of one input file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileLayout {
    /// The delimiter; `None`: detected from the header line.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_delim")]
    pub delimiter: Option<u8>,
    #[serde(skip_serializing_if = "is_auto")]
    pub date_format: DateFormat,
    /// Numbers are written with a decimal comma (`12,5`); needs a `;` or tab delimiter.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decimal_comma: bool,
    /// evimpact's column name → the file's (e.g. `price` → `adjusted`), lower-cased.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// The worksheet of an `.xlsx` file (default: the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// A data vendor's conventions for values (CRSP: negative prices are bid-ask midpoints,
    /// letter codes in RET are missing returns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convention: Option<Convention>,
}

/// A data vendor's conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Convention {
    /// CRSP daily stock file (`dsf`, as WRDS exports it): `permno`, `date`, `prc` (negative:
    /// the bid-ask midpoint of a day without a closing trade), `ret` (letter codes and the
    /// codes -44 … -99: missing returns), `vol`.
    Crsp,
}

/// The columns a CRSP daily file is read by (evimpact's name, CRSP's).
pub const CRSP_COLUMNS: [(&str, &str); 5] = [
    ("security", "permno"),
    ("date", "date"),
    ("price", "prc"),
    ("ret", "ret"),
    ("volume", "vol"),
];

fn is_auto(d: &DateFormat) -> bool {
    *d == DateFormat::Auto
}

fn ser_delim<S: serde::Serializer>(d: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(b) => s.serialize_str(&(*b as char).to_string()),
        None => s.serialize_none(),
    }
}

impl FileLayout {
    pub fn is_default(&self) -> bool {
        *self == FileLayout::default()
    }

    /// The file's name for an evimpact column (as mapped, else the same name).
    pub fn column<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map(String::as_str).unwrap_or(name)
    }

    /// Parses a number cell with this layout's decimal mark (surrounding blanks ignored);
    /// `None` when it is not a number.
    pub fn number(&self, s: &str) -> Option<f64> {
        let t = s.trim();
        if self.decimal_comma {
            if t.contains('.') {
                return None;
            }
            t.replacen(',', ".", 1).parse().ok()
        } else {
            t.parse().ok()
        }
    }

    /// What a number cell must look like, for messages.
    pub fn number_hint(&self, cell: &str) -> &'static str {
        let t = cell.trim();
        if !self.decimal_comma && t.contains(',') && t.replacen(',', ".", 1).parse::<f64>().is_ok()
        {
            " (a decimal comma? declare decimal = \",\" in the study file's [inputs.format])"
        } else if !self.decimal_comma
            && t.contains(',')
            && t.replace(',', "").parse::<f64>().is_ok()
        {
            " (thousands separators are not read: write 1234.5, not 1,234.5)"
        } else {
            ""
        }
    }
}

/// The layouts of every input of a study.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Layouts {
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub events: FileLayout,
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub prices: FileLayout,
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub market: FileLayout,
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub halts: FileLayout,
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub calendar: FileLayout,
    #[serde(skip_serializing_if = "FileLayout::is_default")]
    pub factors: FileLayout,
}

impl Layouts {
    pub fn is_default(&self) -> bool {
        *self == Layouts::default()
    }
}
