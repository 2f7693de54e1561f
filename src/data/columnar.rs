//! Column-typed inputs: Parquet files (read by polars with a projection, in slices) and
//! Excel `.xlsx` workbooks (their first sheet, or the declared one). Cells are turned into
//! the text the loaders validate, so a bad value is reported with its row (Parquet) or
//! sheet cell (xlsx), column and value, as in a CSV file.

use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use super::Header;
use super::input::{Format, check_magic, open_regular};
use super::layout::FileLayout;
use super::table::{Table, from_cells};
use crate::error::{InputError, Unit};

fn parquet_error(path: &Path, e: PolarsError) -> InputError {
    InputError::parse(path, format!("cannot read as Parquet: {e}"))
}

/// The column names of a Parquet file.
///
/// # Errors
/// Not a regular file, not Parquet.
pub fn parquet_names(path: &Path) -> Result<Vec<String>, InputError> {
    check_magic(path, Format::Parquet)?;
    let (f, _) = open_regular(path)?;
    let mut r = ParquetReader::new(f);
    let schema = r.schema().map_err(|e| parquet_error(path, e))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// The number of rows of a Parquet file.
///
/// # Errors
/// Not a regular file, not Parquet.
pub fn parquet_rows(path: &Path) -> Result<usize, InputError> {
    let (f, _) = open_regular(path)?;
    ParquetReader::new(f)
        .num_rows()
        .map_err(|e| parquet_error(path, e))
}

/// Reads the named columns of a Parquet file, optionally a slice (offset, length) of rows.
///
/// # Errors
/// Not a regular file, not Parquet, a column missing.
pub fn read_parquet(
    path: &Path,
    columns: &[String],
    slice: Option<(usize, usize)>,
) -> Result<DataFrame, InputError> {
    let (f, _) = open_regular(path)?;
    ParquetReader::new(f)
        .with_columns(Some(columns.to_vec()))
        .with_slice(slice)
        .finish()
        .map_err(|e| parquet_error(path, e))
}

/// A date from polars' day count (days since 1970-01-01).
pub fn from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::days(days as i64))
}

/// A column of native dates (Date, Datetime), or `None` when the column holds another type.
///
/// # Errors
/// A polars cast failure.
pub fn native_dates(col: &Column) -> PolarsResult<Option<Vec<Option<NaiveDate>>>> {
    let as_date = match col.dtype() {
        DataType::Date => col.clone(),
        DataType::Datetime(_, _) => col.cast(&DataType::Date)?,
        _ => return Ok(None),
    };
    let ca = as_date.date()?;
    Ok(Some(
        ca.physical()
            .iter()
            .map(|d| d.and_then(from_days))
            .collect(),
    ))
}

/// Formats a float as its shortest text that reads back as the same value.
fn float_text(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else if v.is_nan() {
        "NaN".into()
    } else if v > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

/// A column as text: numbers as their shortest round-trip form, dates as `YYYY-MM-DD`,
/// booleans as `1`/`0`, nulls as empty.
///
/// # Errors
/// A type polars cannot cast to text.
pub fn as_text(col: &Column) -> PolarsResult<StringChunked> {
    let name = col.name().clone();
    let out: StringChunked = match col.dtype() {
        DataType::String => return Ok(col.str()?.clone()),
        DataType::Float64 | DataType::Float32 => {
            let f = col.cast(&DataType::Float64)?;
            f.f64()?.iter().map(|v| v.map(float_text)).collect()
        }
        DataType::Boolean => col
            .bool()?
            .iter()
            .map(|v| v.map(|b| if b { "1" } else { "0" }))
            .collect(),
        DataType::Date | DataType::Datetime(_, _) => native_dates(col)?
            .unwrap_or_default()
            .iter()
            .map(|d| d.map(|d| d.format("%Y-%m-%d").to_string()))
            .collect(),
        _ => return Ok(col.cast(&DataType::String)?.str()?.clone()),
    };
    Ok(out.with_name(name))
}

/// Reads a small Parquet or `.xlsx` table as text cells.
///
/// # Errors
/// Not a regular file, not the format, duplicate column names.
pub fn read_table(path: &Path, format: Format, layout: &FileLayout) -> Result<Table, InputError> {
    match format {
        Format::Parquet => {
            let names = parquet_names(path)?;
            let header = Header::checked(path, names.clone(), &layout.columns)?;
            let df = read_parquet(path, &names, None)?;
            let cols: Vec<StringChunked> = df
                .columns()
                .iter()
                .map(as_text)
                .collect::<PolarsResult<_>>()
                .map_err(|e| parquet_error(path, e))?;
            let rows = (0..df.height())
                .map(|i| {
                    (
                        i + 1,
                        cols.iter()
                            .map(|c| c.get(i).unwrap_or("").to_string())
                            .collect(),
                    )
                })
                .collect();
            Ok(from_cells(path, header, rows, Unit::Row, layout))
        }
        Format::Xlsx => read_xlsx(path, layout),
        Format::Csv => unreachable!("CSV tables are read by table::read_table"),
    }
}

/// A sheet as a table: the first row with a value is the header; cells under columns
/// without a name are not read.
fn read_xlsx(path: &Path, layout: &FileLayout) -> Result<Table, InputError> {
    let sheet = super::xlsx::read_sheet(path, layout.sheet.as_deref())?;
    let mut rows = sheet
        .rows
        .into_iter()
        .skip_while(|(_, cells)| cells.iter().all(|c| c.trim().is_empty()));
    let Some((_, names)) = rows.next() else {
        return Err(InputError::Empty {
            path: path.to_path_buf(),
        });
    };
    let width = names.len();
    let header = Header::checked(path, names, &layout.columns)?;
    let rows = rows
        .map(|(r, mut cells)| {
            cells.truncate(width);
            (r, cells)
        })
        .collect();
    Ok(from_cells(
        path,
        header,
        rows,
        Unit::Sheet(sheet.name.into()),
        layout,
    ))
}
