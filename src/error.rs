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
    #[error("{}:1: missing column '{column}' (found columns: {found})", path.display())]
    MissingColumn {
        path: PathBuf,
        column: String,
        found: String,
    },
    #[error("{}:{line}:{col}: column '{column}': expected {expected}, found \"{value}\"", path.display())]
    Cell {
        path: PathBuf,
        line: usize,
        /// 1-based column number.
        col: usize,
        column: String,
        value: String,
        expected: String,
    },
    #[error("{}:{line}:{col}: column '{column}': duplicate value \"{value}\" (first seen on line {first_line})", path.display())]
    Duplicate {
        path: PathBuf,
        line: usize,
        col: usize,
        column: String,
        value: String,
        first_line: usize,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
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
        InputError::Cell {
            path: path.to_path_buf(),
            line,
            col,
            column: column.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    pub fn parse(path: &Path, message: impl Into<String>) -> Self {
        InputError::Parse {
            path: path.to_path_buf(),
            message: message.into(),
        }
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
