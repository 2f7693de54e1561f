//! Results → tables (CSV and Parquet, via polars) and `summary.json`. Pure functions from the
//! run's outcome to data frames and bytes, written into the staging directory that
//! [`crate::fsio::replace_dir`] moves into place.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use polars::prelude::*;

use crate::outcome::Outcome;

pub mod latex;
mod second_stage;
pub mod series;
mod summary;
mod tables;

pub use second_stage::*;
pub use summary::summary_json;
pub use tables::*;

fn write_table(dir: &Path, name: &str, mut df: DataFrame) -> anyhow::Result<()> {
    let csv = dir.join(format!("{name}.csv"));
    let f = File::create(&csv).with_context(|| format!("creating {}", csv.display()))?;
    let r = CsvWriter::new(f).include_header(true).finish(&mut df);
    anyhow::Context::with_context(r, || format!("writing {}", csv.display()))?;
    let pq = dir.join(format!("{name}.parquet"));
    let f = File::create(&pq).with_context(|| format!("creating {}", pq.display()))?;
    let r = ParquetWriter::new(f).finish(&mut df);
    anyhow::Context::with_context(r, || format!("writing {}", pq.display()))?;
    Ok(())
}

/// Writes every table (CSV and Parquet) and `summary.json` into `dir`.
pub fn write_tables(o: &Outcome, dir: &Path) -> anyhow::Result<()> {
    write_table(dir, "ar", ar_table(o)?)?;
    write_table(dir, "car", car_table(o)?)?;
    write_table(dir, "tests", tests_table(o)?)?;
    write_table(dir, "joint_tests", joint_table(o)?)?;
    write_table(dir, "caar", caar_table(o)?)?;
    write_table(dir, "model", model_table(o)?)?;
    write_table(dir, "params", params_table(o)?)?;
    write_table(dir, "bhar", bhar_table(o)?)?;
    write_table(dir, "volume", volume_table(o)?)?;
    write_table(dir, "volume_windows", volume_windows_table(o)?)?;
    write_table(dir, "audit", audit_table(o)?)?;
    write_table(dir, "status", status_table(o)?)?;
    write_table(dir, "series", series::series_table(o)?)?;
    write_second_stage(o, dir)?;
    write_table(dir, "caar_path", caar_path_table(o)?)?;
    latex::write_latex(o, dir)?;
    let p = dir.join("summary.json");
    let bytes = serde_json::to_vec_pretty(&summary_json(o))?;
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    Ok(())
}

/// The second stage's tables (see [`second_stage`]).
fn write_second_stage(o: &Outcome, dir: &Path) -> anyhow::Result<()> {
    write_table(dir, "regression", regression_table(o)?)?;
    write_table(dir, "regression_fit", regression_fit_table(o)?)?;
    write_table(dir, "regression_dropped", regression_dropped_table(o)?)?;
    write_table(dir, "group_caar", group_caar_table(o)?)?;
    write_table(dir, "group_tests", group_tests_table(o)?)?;
    write_table(dir, "group_difference", group_difference_table(o)?)?;
    write_table(dir, "group_caar_path", group_caar_path_table(o)?)?;
    write_table(dir, "volatility", volatility_table(o)?)?;
    write_table(dir, "volatility_days", volatility_days_table(o)?)?;
    write_table(dir, "diagnostics", diagnostics_table(o)?)?;
    write_table(dir, "calendar_time", calendar_time_table(o)?)?;
    write_table(dir, "calendar_time_days", calendar_time_days_table(o)?)?;
    write_table(dir, "multiple_testing", multiple_testing_table(o)?)?;
    Ok(())
}
