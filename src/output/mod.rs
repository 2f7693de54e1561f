//! Results → tables (CSV and Parquet, via polars) and `summary.json`. Pure functions from the
//! run's outcome to data frames and bytes, written into the staging directory that
//! [`crate::fsio::replace_dir`] moves into place.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use polars::prelude::*;

use crate::outcome::Outcome;

pub mod latex;
pub mod plan;
mod second_stage;
pub mod series;
mod summary;
mod tables;

pub use plan::{Plan, TableFormat};
pub use second_stage::*;
pub use summary::{summary_json, summary_json_for};
pub use tables::*;

fn write_table(
    dir: &Path,
    name: &str,
    mut df: DataFrame,
    formats: &[TableFormat],
) -> anyhow::Result<()> {
    if formats.contains(&TableFormat::Csv) {
        let csv = dir.join(format!("{name}.csv"));
        let f = File::create(&csv).with_context(|| format!("creating {}", csv.display()))?;
        let r = CsvWriter::new(f).include_header(true).finish(&mut df);
        anyhow::Context::with_context(r, || format!("writing {}", csv.display()))?;
    }
    if formats.contains(&TableFormat::Parquet) {
        let pq = dir.join(format!("{name}.parquet"));
        let f = File::create(&pq).with_context(|| format!("creating {}", pq.display()))?;
        let r = ParquetWriter::new(f).finish(&mut df);
        anyhow::Context::with_context(r, || format!("writing {}", pq.display()))?;
    }
    Ok(())
}

/// Writes every table (CSV and Parquet) and `summary.json` into `dir`, as planned for the
/// run's size by [`Plan::for_outcome`].
pub fn write_tables(o: &Outcome, dir: &Path) -> anyhow::Result<()> {
    write_outputs(o, dir, &Plan::for_outcome(o))
}

/// Writes every table in the formats of `plan`, then `summary.json` (aggregates instead of
/// every event when the plan says so).
pub fn write_outputs(o: &Outcome, dir: &Path, plan: &Plan) -> anyhow::Result<()> {
    let w = |name: &str, df: DataFrame| write_table(dir, name, df, plan.formats(name));
    w("ar", ar_table(o)?)?;
    w("car", car_table(o)?)?;
    w("tests", tests_table(o)?)?;
    w("joint_tests", joint_table(o)?)?;
    w("caar", caar_table(o)?)?;
    w("model", model_table(o)?)?;
    w("params", params_table(o)?)?;
    w("bhar", bhar_table(o)?)?;
    w("volume", volume_table(o)?)?;
    w("volume_windows", volume_windows_table(o)?)?;
    w("audit", audit_table(o)?)?;
    w("status", status_table(o)?)?;
    w("series", series::series_table(o)?)?;
    write_second_stage(o, &w)?;
    w("caar_path", caar_path_table(o)?)?;
    latex::write_latex(o, dir)?;
    let p = dir.join("summary.json");
    let bytes = serde_json::to_vec_pretty(&summary_json_for(o, plan))?;
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    Ok(())
}

/// The second stage's tables (see [`second_stage`]).
fn write_second_stage(
    o: &Outcome,
    write_table: &dyn Fn(&str, DataFrame) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    write_table("regression", regression_table(o)?)?;
    write_table("regression_fit", regression_fit_table(o)?)?;
    write_table("regression_dropped", regression_dropped_table(o)?)?;
    write_table("group_caar", group_caar_table(o)?)?;
    write_table("group_tests", group_tests_table(o)?)?;
    write_table("group_difference", group_difference_table(o)?)?;
    write_table("group_caar_path", group_caar_path_table(o)?)?;
    write_table("volatility", volatility_table(o)?)?;
    write_table("volatility_days", volatility_days_table(o)?)?;
    write_table("diagnostics", diagnostics_table(o)?)?;
    write_table("calendar_time", calendar_time_table(o)?)?;
    write_table("calendar_time_days", calendar_time_days_table(o)?)?;
    write_table("multiple_testing", multiple_testing_table(o)?)?;
    Ok(())
}
