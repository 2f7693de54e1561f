//! Results → tables (CSV and Parquet, via polars; every table also a sheet of
//! `tables.xlsx`, see [`xlsx`]) and `summary.json`. Pure functions from the
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
pub mod xlsx;

pub use plan::{Plan, TableFormat};
pub use second_stage::*;
pub use summary::{summary_json, summary_json_for};
pub use tables::*;

/// Writes each table in the formats its plan gives (CSV, Parquet) into its directory, and as
/// a sheet of `tables.xlsx`.
struct Tables<'a> {
    dir: &'a Path,
    plan: &'a Plan,
    book: xlsx::Workbook,
    /// With `EVIMPACT_PHASE_TIMES=1`: when the last table was written, to print each
    /// table's build and write times.
    timed: Option<std::time::Instant>,
}

impl Tables<'_> {
    /// Writes `df` as its planned files on one side and as its workbook sheet on the other,
    /// at once (the sheet's text and deflate run on one thread; polars' writers use the
    /// others). Each side writes what it wrote alone, so the bytes do not depend on the
    /// threads.
    fn write(&mut self, name: &str, mut df: DataFrame) -> anyhow::Result<()> {
        let (dir, plan) = (self.dir, self.plan);
        let formats = plan.formats(name);
        let book = &mut self.book;
        let sheet = &df.clone();
        let built = self.timed.map(|t| t.elapsed().as_secs_f64());
        let ((files, files_s), (sheet, sheet_s)) = rayon::join(
            move || {
                timed(|| -> anyhow::Result<()> {
                    if formats.contains(&TableFormat::Csv) {
                        let csv = dir.join(format!("{name}.csv"));
                        let f = File::create(&csv)
                            .with_context(|| format!("creating {}", csv.display()))?;
                        let r = CsvWriter::new(f).include_header(true).finish(&mut df);
                        anyhow::Context::with_context(r, || format!("writing {}", csv.display()))?;
                    }
                    if formats.contains(&TableFormat::Parquet) {
                        let pq = dir.join(format!("{name}.parquet"));
                        let f = File::create(&pq)
                            .with_context(|| format!("creating {}", pq.display()))?;
                        let r = ParquetWriter::new(f).finish(&mut df);
                        anyhow::Context::with_context(r, || format!("writing {}", pq.display()))?;
                    }
                    Ok(())
                })
            },
            move || {
                timed(|| {
                    let files: Vec<String> = formats
                        .iter()
                        .map(|f| format!("{name}.{}", f.ext()))
                        .collect();
                    if plan.workbook_sessions || !plan::SESSION_TABLES.contains(&name) {
                        book.add_table(name, sheet, &files)
                    } else {
                        let why = format!(
                            "a per-session table, left out of the workbook beyond {} analysed events",
                            crate::text::thousands(plan.limits.summary_events)
                        );
                        book.leave_out(name, sheet, &files, &why);
                        Ok(())
                    }
                })
            },
        );
        if let Some(built) = built {
            eprintln!(
                "  table {name}: built {built:.3} s, files {files_s:.3} s, sheet {sheet_s:.3} s"
            );
            self.timed = Some(std::time::Instant::now());
        }
        files.and(sheet)
    }
}

/// `f`'s result and its wall time in seconds.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = std::time::Instant::now();
    (f(), t0.elapsed().as_secs_f64())
}

/// Writes every table (CSV and Parquet as planned for the run's size by
/// [`Plan::for_outcome`], and a sheet of `tables.xlsx`) and `summary.json` into `dir`.
/// Returns the notes for the terminal (a table too long for an Excel sheet).
pub fn write_tables(o: &Outcome, dir: &Path) -> anyhow::Result<Vec<String>> {
    write_outputs(o, dir, &Plan::for_outcome(o))
}

/// Writes every table in the formats of `plan` and into `tables.xlsx`, then `summary.json`
/// (aggregates instead of every event when the plan says so). Returns the terminal notes.
pub fn write_outputs(o: &Outcome, dir: &Path, plan: &Plan) -> anyhow::Result<Vec<String>> {
    let mut t = Tables {
        dir,
        plan,
        book: xlsx::Workbook::create(&dir.join(xlsx::FILE))?,
        timed: crate::progress::phase_times_on().then(std::time::Instant::now),
    };
    t.write("ar", ar_table(o)?)?;
    t.write("car", car_table(o)?)?;
    t.write("tests", tests_table(o)?)?;
    t.write("joint_tests", joint_table(o)?)?;
    t.write("caar", caar_table(o)?)?;
    t.write("model", model_table(o)?)?;
    t.write("params", params_table(o)?)?;
    t.write("bhar", bhar_table(o)?)?;
    t.write("volume", volume_table(o)?)?;
    t.write("volume_windows", volume_windows_table(o)?)?;
    t.write("audit", audit_table(o)?)?;
    t.write("status", status_table(o)?)?;
    t.write("series", series::series_table(o)?)?;
    write_second_stage(o, &mut t)?;
    t.write("caar_path", caar_path_table(o)?)?;
    let notes = t.book.finish()?;
    latex::write_latex(o, dir)?;
    let p = dir.join("summary.json");
    let bytes = serde_json::to_vec_pretty(&summary_json_for(o, plan))?;
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    Ok(notes)
}

/// The second stage's tables (see [`second_stage`]).
fn write_second_stage(o: &Outcome, t: &mut Tables<'_>) -> anyhow::Result<()> {
    t.write("regression", regression_table(o)?)?;
    t.write("regression_fit", regression_fit_table(o)?)?;
    t.write("regression_dropped", regression_dropped_table(o)?)?;
    t.write("group_caar", group_caar_table(o)?)?;
    t.write("group_tests", group_tests_table(o)?)?;
    t.write("group_difference", group_difference_table(o)?)?;
    t.write("group_caar_path", group_caar_path_table(o)?)?;
    t.write("volatility", volatility_table(o)?)?;
    t.write("volatility_days", volatility_days_table(o)?)?;
    t.write("diagnostics", diagnostics_table(o)?)?;
    t.write("calendar_time", calendar_time_table(o)?)?;
    t.write("calendar_time_days", calendar_time_days_table(o)?)?;
    t.write("multiple_testing", multiple_testing_table(o)?)?;
    Ok(())
}
