//! Event characteristics for the cross-sectional regression: numeric columns of a CSV keyed
//! by `event_id,security` (a characteristics file, or the events file itself).
//!
//! Only the named columns are read. An empty cell or `NA` is a missing value (that event is
//! left out of the regression with the reason); anything else must be a number.

use std::collections::BTreeMap;
use std::path::Path;

use super::layout::FileLayout;
use super::table::read_table;
use crate::error::InputError;

/// The characteristics of each (event_id, security) pair, in the order of `columns`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Characteristics {
    pub columns: Vec<String>,
    /// (event_id, security) → one value per column (NaN where missing).
    pub values: BTreeMap<(String, String), Vec<f64>>,
}

impl Characteristics {
    /// The values of one event, if it has a row.
    pub fn get(&self, event_id: &str, security: &str) -> Option<&[f64]> {
        self.values
            .get(&(event_id.to_string(), security.to_string()))
            .map(Vec::as_slice)
    }

    /// Merges another file's rows (the same columns); a key present in both is an error
    /// reported by the caller's file order (the later file's line).
    fn extend(&mut self, other: Characteristics) {
        self.values.extend(other.values);
    }
}

/// Reads the `columns` of a table keyed by `event_id,security` (CSV, Parquet or `.xlsx`, in
/// `layout`).
///
/// # Errors
/// A missing key or named column, a value that is not a number (file, line, column and
/// value), or an (event_id, security) pair on two rows.
pub fn load_characteristics(
    path: &Path,
    columns: &[String],
    layout: &FileLayout,
) -> Result<Characteristics, InputError> {
    let t = read_table(path, layout, false)?;
    let header = &t.header;
    let c_id = header.require(path, "event_id")?;
    let c_sec = header.require(path, "security")?;
    let cols: Vec<usize> = columns
        .iter()
        .map(|c| header.require(path, &c.trim().to_ascii_lowercase()))
        .collect::<Result<_, _>>()?;
    let mut out = Characteristics {
        columns: columns.to_vec(),
        values: BTreeMap::new(),
    };
    let mut first_line: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in &t.rows {
        let key = (
            t.text(row, Some(c_id))?.to_string(),
            t.text(row, Some(c_sec))?.to_string(),
        );
        let mut v = Vec::with_capacity(cols.len());
        for &c in &cols {
            let s = t.text(row, Some(c))?;
            if s.is_empty() || s.eq_ignore_ascii_case("na") {
                v.push(f64::NAN);
                continue;
            }
            match layout.number(s) {
                Some(x) if x.is_finite() => v.push(x),
                _ => {
                    return Err(t.error(
                        row,
                        c,
                        s,
                        &format!(
                            "a number (or an empty cell for a missing value){}",
                            layout.number_hint(s)
                        ),
                    ));
                }
            }
        }
        if let Some(first) = first_line.insert(key.clone(), row.line) {
            return Err(t.duplicate(
                row,
                c_id,
                "event_id,security",
                &format!("{},{}", key.0, key.1),
                first,
            ));
        }
        out.values.insert(key, v);
    }
    Ok(out)
}

/// The same columns from several files (e.g. every events file of a study), merged.
///
/// # Errors
/// As [`load_characteristics`], and a key found in two files (naming the second).
pub fn load_characteristics_from(
    files: &[&Path],
    columns: &[String],
    layout: &FileLayout,
) -> Result<Characteristics, InputError> {
    let mut all = Characteristics {
        columns: columns.to_vec(),
        values: BTreeMap::new(),
    };
    for f in files {
        let c = load_characteristics(f, columns, layout)?;
        if let Some(k) = c.values.keys().find(|k| all.values.contains_key(*k)) {
            return Err(InputError::parse(
                f,
                format!(
                    "event {} security {} also has characteristics in an earlier file",
                    k.0, k.1
                ),
            ));
        }
        all.extend(c);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::temp_csv as write;

    #[test]
    fn reads_named_columns_with_missing_values() {
        let f = write("event_id,security,size,lev,other\nE1,A,8.5,0.3,x\nE1,B,,NA,y\n");
        let c = load_characteristics(
            f.path(),
            &["size".into(), "lev".into()],
            &FileLayout::default(),
        )
        .expect("ok");
        assert_eq!(c.get("E1", "A"), Some(&[8.5, 0.3][..]));
        assert!(c.get("E1", "B").expect("row").iter().all(|v| v.is_nan()));
        assert_eq!(c.get("E2", "A"), None);
    }

    #[test]
    fn bad_cells_name_line_column_and_value() {
        let f = write("event_id,security,size\nE1,A,8.5\nE2,A,big\n");
        let msg = load_characteristics(f.path(), &["size".into()], &FileLayout::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(":3:3: column 'size'") && msg.contains("\"big\""),
            "{msg}"
        );
        let msg = load_characteristics(f.path(), &["leverage".into()], &FileLayout::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("leverage"), "{msg}");
        let d = write("event_id,security,size\nE1,A,1\nE1,A,2\n");
        let msg = load_characteristics(d.path(), &["size".into()], &FileLayout::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("first seen on line 2"), "{msg}");
    }
}
