//! Small tables (events, halts, calendars, factors) read whole as text cells, each with its
//! place: the physical line of a CSV file, the row of a Parquet file, the row of a sheet.
//! The loaders read cells through [`Table::text`], which names a cell with invalid UTF-8
//! only when a loader reads it (bytes in a column the study does not read never stop a run).

use std::path::{Path, PathBuf};

use super::Header;
use super::delimited::{CHUNK_BYTES, Scanner};
use super::input::Format;
use super::layout::FileLayout;
use crate::error::{InputError, Unit};

/// One cell: its text, or (invalid UTF-8) the text with replacement characters.
#[derive(Debug, Clone)]
enum Cell {
    Text(Box<str>),
    Invalid(Box<str>),
}

/// One data row and its place.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line (CSV), row (Parquet) or sheet row (xlsx) of this row.
    pub line: usize,
    cells: Vec<Cell>,
}

/// A table of text cells.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub header: Header,
    pub rows: Vec<Row>,
    pub unit: Unit,
    pub layout: FileLayout,
}

impl Table {
    /// The trimmed text of column `col` in `row` ("" when the column is absent).
    ///
    /// # Errors
    /// The cell is not valid UTF-8.
    pub fn text<'a>(&'a self, row: &'a Row, col: Option<usize>) -> Result<&'a str, InputError> {
        let Some(c) = col else { return Ok("") };
        match row.cells.get(c) {
            None => Ok(""),
            Some(Cell::Text(s)) => Ok(s.trim()),
            Some(Cell::Invalid(s)) => Err(self.error(row, c, s, "valid UTF-8 text")),
        }
    }

    /// A bad cell of `row` at column `col` (0-based), named by its header.
    pub fn error(&self, row: &Row, col: usize, value: &str, expected: &str) -> InputError {
        InputError::at(
            &self.path,
            &self.unit,
            row.line,
            col + 1,
            self.header.name(col),
            value,
            expected,
        )
    }

    /// A value of `row` at `col` seen before at `first`.
    pub fn duplicate(
        &self,
        row: &Row,
        col: usize,
        column: &str,
        value: &str,
        first: usize,
    ) -> InputError {
        InputError::duplicate(
            &self.path,
            &self.unit,
            (row.line, col + 1),
            column,
            value,
            first,
        )
    }
}

/// Reads a small table in any format evimpact reads. `allow_no_rows`: a header without
/// data rows is valid.
///
/// # Errors
/// Not a regular file, a broken record (with its line), duplicate column names, an empty
/// file.
pub fn read_table(
    path: &Path,
    layout: &FileLayout,
    allow_no_rows: bool,
) -> Result<Table, InputError> {
    let t = match Format::of(path) {
        Format::Csv => read_csv_table(path, layout)?,
        f => super::columnar::read_table(path, f, layout)?,
    };
    if t.rows.is_empty() && !allow_no_rows {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(t)
}

fn cell(bytes: Vec<u8>) -> Cell {
    match String::from_utf8(bytes) {
        Ok(s) => Cell::Text(s.into_boxed_str()),
        Err(e) => Cell::Invalid(String::from_utf8_lossy(e.as_bytes()).into()),
    }
}

fn read_csv_table(path: &Path, layout: &FileLayout) -> Result<Table, InputError> {
    let mut sc = Scanner::open(path, layout.delimiter)?;
    let header = Header::checked(path, sc.header_names(), &layout.columns)?;
    let d = sc.delimiter;
    let mut rows = Vec::new();
    while let Some(chunk) = sc.next_chunk(CHUNK_BYTES)? {
        for k in 0..chunk.len() {
            rows.push(Row {
                line: chunk.lines[k],
                cells: chunk.fields(k, d).into_iter().map(cell).collect(),
            });
        }
    }
    Ok(Table {
        path: path.to_path_buf(),
        header,
        rows,
        unit: Unit::Line,
        layout: layout.clone(),
    })
}

/// Builds a table from text cells (Parquet and sheets convert their cells first).
pub(crate) fn from_cells(
    path: &Path,
    header: Header,
    rows: Vec<(usize, Vec<String>)>,
    unit: Unit,
    layout: &FileLayout,
) -> Table {
    Table {
        path: path.to_path_buf(),
        header,
        rows: rows
            .into_iter()
            .map(|(line, cells)| Row {
                line,
                cells: cells
                    .into_iter()
                    .map(|s| Cell::Text(s.into_boxed_str()))
                    .collect(),
            })
            .filter(|r| {
                r.cells
                    .iter()
                    .any(|c| matches!(c, Cell::Text(s) if !s.trim().is_empty()))
            })
            .collect(),
        unit,
        layout: layout.clone(),
    }
}
