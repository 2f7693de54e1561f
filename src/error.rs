//! Error types. Input errors carry the file, line, column and value that caused them and
//! map to exit code 2; everything else is a run failure (exit code 1).

use std::path::{Path, PathBuf};

/// A problem with an input file or with the study definition: the user must fix the input.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: file is empty (expected a header line and at least one data row)", path.display())]
    Empty { path: PathBuf },
    #[error("{}:1: missing column {column} (found columns: {found})", path.display())]
    MissingColumn {
        path: PathBuf,
        /// The column as named in the message, quoted: `'date'`.
        column: String,
        found: String,
    },
    #[error("{}: column '{column}': expected {expected}, found \"{value}\"", place(path, unit, *line, *col))]
    Cell {
        path: PathBuf,
        /// What `line` counts: a CSV file's physical lines, a Parquet file's rows, a sheet's rows.
        unit: Unit,
        line: usize,
        /// 1-based column number.
        col: usize,
        column: Box<str>,
        value: Box<str>,
        expected: Box<str>,
    },
    #[error("{}: column '{column}': duplicate value \"{value}\" (first seen on {} {first_line})", place(path, unit, *line, *col), unit.noun())]
    Duplicate {
        path: PathBuf,
        unit: Unit,
        line: usize,
        col: usize,
        column: Box<str>,
        value: Box<str>,
        first_line: usize,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// The path is not something evimpact reads: a directory, FIFO, device, link loop.
    #[error("{}: cannot read: {what}", path.display())]
    NotAFile { path: PathBuf, what: String },
    #[error("{0}")]
    Usage(String),
}

impl InputError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        InputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A bad cell: `line` is the 1-based file line, `col` the 1-based column number.
    pub fn cell(
        path: &Path,
        line: usize,
        col: usize,
        column: &str,
        value: &str,
        expected: &str,
    ) -> Self {
        InputError::at(path, &Unit::Line, line, col, column, value, expected)
    }

    /// A bad cell at a place counted in `unit`.
    pub fn at(
        path: &Path,
        unit: &Unit,
        line: usize,
        col: usize,
        column: &str,
        value: &str,
        expected: &str,
    ) -> Self {
        InputError::Cell {
            path: path.to_path_buf(),
            unit: unit.clone(),
            line,
            col,
            column: column.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// A value repeated where it must be unique (`first`: where it was first seen).
    pub fn duplicate(
        path: &Path,
        unit: &Unit,
        (line, col): (usize, usize),
        column: &str,
        value: &str,
        first: usize,
    ) -> Self {
        InputError::Duplicate {
            path: path.to_path_buf(),
            unit: unit.clone(),
            line,
            col,
            column: column.into(),
            value: value.into(),
            first_line: first,
        }
    }

    pub fn parse(path: &Path, message: impl Into<String>) -> Self {
        InputError::Parse {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// What a place number counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Unit {
    /// A text file's physical line (the header is line 1).
    #[default]
    Line,
    /// A Parquet file's data row (the first is row 1).
    Row,
    /// A worksheet's row (the header is row 1); columns are letters.
    Sheet(Box<str>),
}

impl Unit {
    /// "line", "row" or "sheet row", for "first seen on …".
    pub fn noun(&self) -> &'static str {
        match self {
            Unit::Line => "line",
            Unit::Row => "row",
            Unit::Sheet(_) => "sheet row",
        }
    }
}

/// A spreadsheet column's letters: 1 → A, 27 → AA.
pub fn column_letters(mut col: usize) -> String {
    let mut s = Vec::new();
    while col > 0 {
        let r = (col - 1) % 26;
        s.push(b'A' + r as u8);
        col = (col - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// `path:line:col` (text), `path:row N:col` (Parquet), `path:Sheet!B7` (worksheet).
fn place(path: &Path, unit: &Unit, line: usize, col: usize) -> String {
    match unit {
        Unit::Line => format!("{}:{line}:{col}", path.display()),
        Unit::Row => format!("{}:row {line}:{col}", path.display()),
        Unit::Sheet(s) => format!("{}:{s}!{}{line}", path.display(), column_letters(col)),
    }
}

/// Any failure of a run: bad input (exit 2) or a failure while computing or writing (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Run(#[from] anyhow::Error),
}

impl Error {
    /// Exit code: 2 for bad usage or bad input, 1 for a failed run.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Run(_) => 1,
        }
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Run(anyhow::Error::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<InputError> for Box<Error> {
    fn from(e: InputError) -> Self {
        Box::new(Error::Input(e))
    }
}
