//! Loaders for the study's inputs: events, prices (and market indices), halts and exchange
//! session calendars. Every loader validates its input and reports the file, line, column
//! and value of the first bad cell.

pub mod calendar;
pub mod characteristics;
pub mod columnar;
pub mod dates;
pub mod delimited;
pub mod events;
pub mod factors;
pub mod halts;
pub mod ids;
pub mod input;
pub mod layout;
pub mod prices;
pub mod provenance;
pub mod table;
pub mod xlsx;
pub mod zip;

use chrono::NaiveDate;

/// Parses an ISO date `YYYY-MM-DD` (surrounding blanks ignored).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A table's header: names are matched after trimming, case-insensitively; a study's
/// column mapping (evimpact's name → the file's) is applied by [`Header::find`].
#[derive(Debug, Clone, Default)]
pub struct Header {
    names: Vec<String>,
    /// evimpact's column name → the file's (lower-cased).
    aliases: std::collections::BTreeMap<String, String>,
}

fn normalise(n: &str) -> String {
    n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()
}

impl Header {
    #[cfg(test)]
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Header {
            names: names.into_iter().map(normalise).collect(),
            aliases: Default::default(),
        }
    }

    /// A header whose names must be unique (blank names excepted), with a column mapping.
    ///
    /// # Errors
    /// A name that occurs twice, naming both columns.
    pub(crate) fn checked(
        path: &std::path::Path,
        names: Vec<String>,
        aliases: &std::collections::BTreeMap<String, String>,
    ) -> Result<Self, crate::error::InputError> {
        let h = Header {
            names: names.iter().map(|n| normalise(n)).collect(),
            aliases: aliases
                .iter()
                .map(|(k, v)| (normalise(k), normalise(v)))
                .collect(),
        };
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for (i, n) in h.names.iter().enumerate() {
            if n.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(n, i) {
                return Err(crate::error::InputError::parse(
                    path,
                    format!(
                        "line 1: duplicate column name '{n}' (columns {} and {}): rename or remove one",
                        first + 1,
                        i + 1
                    ),
                ));
            }
        }
        Ok(h)
    }

    /// The file's name of column `i` (lower-cased), for messages.
    pub(crate) fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }

    /// The names as read (lower-cased).
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The name looked up for evimpact's column `name`: its mapping, else itself.
    fn target<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map(String::as_str).unwrap_or(name)
    }

    /// 0-based index of evimpact's column `name` (through the mapping).
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let t = self.target(name);
        self.names.iter().position(|n| n == t)
    }

    /// 0-based index of evimpact's column `name` only when the study maps it.
    pub(crate) fn mapped(&self, name: &str) -> Option<usize> {
        let t = self.aliases.get(name)?;
        self.names.iter().position(|n| n == t)
    }

    pub(crate) fn require(
        &self,
        path: &std::path::Path,
        name: &str,
    ) -> Result<usize, crate::error::InputError> {
        self.find(name)
            .ok_or_else(|| crate::error::InputError::MissingColumn {
                path: path.to_path_buf(),
                column: match self.aliases.get(name) {
                    Some(t) => format!("'{t}' (evimpact's '{name}', as mapped in the study file)"),
                    None => format!("'{name}'"),
                },
                found: self.names.join(","),
            })
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
