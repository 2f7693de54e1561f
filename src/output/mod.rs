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
        debug_assert!(
            plan.counted(name).is_none_or(|rows| rows == df.height()),
            "{name}: {} rows, the plan counted {:?}",
            df.height(),
            plan.counted(name)
        );
        let formats = plan.formats(name);
        let book = &mut self.book;
        let sheet = &df.clone();
        let built = self.timed.map(|t| t.elapsed().as_secs_f64());
        let ((files, files_s), (sheet, sheet_s)) = rayon::join(
            move || {
                timed(|| -> anyhow::Result<()> {
                    // The two files at once (each writer's bytes are its own).
                    let mut other = df.clone();
                    let (csv, parquet) = rayon::join(
                        || -> anyhow::Result<()> {
                            if formats.contains(&TableFormat::Csv) {
                                let csv = dir.join(format!("{name}.csv"));
                                let f = File::create(&csv)
                                    .with_context(|| format!("creating {}", csv.display()))?;
                                let r = CsvWriter::new(f).include_header(true).finish(&mut df);
                                writing(r, &csv)?;
                            }
                            Ok(())
                        },
                        || -> anyhow::Result<()> {
                            if formats.contains(&TableFormat::Parquet) {
                                let pq = dir.join(format!("{name}.parquet"));
                                let f = File::create(&pq)
                                    .with_context(|| format!("creating {}", pq.display()))?;
                                let r = ParquetWriter::new(f).finish(&mut other);
                                writing(r, &pq)?;
                            }
                            Ok(())
                        },
                    );
                    csv.and(parquet)
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
                        book.leave_out(
                            name,
                            sheet.height(),
                            sheet.width(),
                            &files,
                            &left_out(plan),
                        );
                        Ok(())
                    }
                })
            },
        );
        if let Some(built) = built {
            eprintln!(
                "  table {name}: built {built:.3} s, files {files_s:.3} s, sheet {sheet_s:.3} s{}",
                crate::progress::peak_note()
            );
            self.timed = Some(std::time::Instant::now());
        }
        files.and(sheet)
    }
}

/// Rows a per-session table left out of the workbook may reach before it is written as it
/// is built: up to here it is written whole (the bytes of every table up to a million rows
/// do not depend on how it was built), beyond it in row groups of [`ROW_GROUP`] rows, so
/// that memory holds a group, not the table (the `series` table is 4 million rows at
/// 100,000 events).
const STREAM_ROWS: usize = 1_000_000;

/// Rows per Parquet row group of a table written as it is built (polars' default).
const ROW_GROUP: usize = 512 * 512;

impl Tables<'_> {
    /// Writes the table whose rows `chunks` yields in order (see [`STREAM_ROWS`]).
    fn write_chunks(
        &mut self,
        name: &str,
        chunks: impl Iterator<Item = PolarsResult<DataFrame>> + Send,
    ) -> anyhow::Result<()> {
        self.write_chunks_by(name, chunks, STREAM_ROWS, ROW_GROUP)
    }

    fn write_chunks_by(
        &mut self,
        name: &str,
        chunks: impl Iterator<Item = PolarsResult<DataFrame>> + Send,
        stream_rows: usize,
        row_group: usize,
    ) -> anyhow::Result<()> {
        let in_book = self.plan.workbook_sessions || !plan::SESSION_TABLES.contains(&name);
        let formats = self.plan.formats(name);
        let (mut buffer, mut rows, mut stream) = (Vec::new(), 0usize, None::<Streamed>);
        let mut chunks = chunks;
        let mut next = chunks.next();
        while let Some(chunk) = next {
            let chunk = chunk?;
            rows += chunk.height();
            buffer.push(chunk);
            if !in_book && rows >= stream_rows {
                let s = match &mut stream {
                    Some(s) => s,
                    None => stream.insert(Streamed::create(self.dir, name, formats, &buffer[0])?),
                };
                // The next chunk is built while the complete row groups are written (the
                // same chunks and groups in the same order: the same bytes).
                let (written, built) =
                    rayon::join(|| s.write(&mut buffer, row_group, false), || chunks.next());
                written?;
                next = built;
            } else {
                next = chunks.next();
            }
        }
        let Some(mut s) = stream else {
            return self.write(name, stacked(buffer)?);
        };
        let built = self.timed.map(|t| t.elapsed().as_secs_f64());
        s.write(&mut buffer, row_group, true)?;
        let width = s.width;
        let files = s.finish()?;
        self.book
            .leave_out(name, rows, width, &files, &left_out(self.plan));
        if let Some(built) = built {
            eprintln!(
                "  table {name}: built and written in row groups {built:.3} s{}",
                crate::progress::peak_note()
            );
            self.timed = Some(std::time::Instant::now());
        }
        Ok(())
    }
}

/// The chunks one below the other as one chunk per column (as one build of the whole table
/// gives it, so that the files' bytes are the same).
fn stacked(chunks: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut chunks = chunks.into_iter();
    let Some(mut df) = chunks.next() else {
        return Ok(DataFrame::empty());
    };
    for c in chunks {
        df.vstack_mut_owned(c)?;
    }
    df.rechunk_mut_par();
    Ok(df)
}

/// A table's files while it is written a row group at a time.
struct Streamed {
    csv: Option<(
        std::path::PathBuf,
        polars::io::csv::write::BatchedWriter<File>,
    )>,
    parquet: Option<(
        std::path::PathBuf,
        polars::io::parquet::write::BatchedWriter<File>,
    )>,
    files: Vec<String>,
    width: usize,
}

impl Streamed {
    fn create(
        dir: &Path,
        name: &str,
        formats: &[TableFormat],
        first: &DataFrame,
    ) -> anyhow::Result<Self> {
        let schema = first.schema();
        let open = |ext: &str| -> anyhow::Result<(std::path::PathBuf, File)> {
            let p = dir.join(format!("{name}.{ext}"));
            let f = File::create(&p).with_context(|| format!("creating {}", p.display()))?;
            Ok((p, f))
        };
        let csv = if formats.contains(&TableFormat::Csv) {
            let (p, f) = open("csv")?;
            let w = writing(CsvWriter::new(f).include_header(true).batched(schema), &p)?;
            Some((p, w))
        } else {
            None
        };
        let parquet = if formats.contains(&TableFormat::Parquet) {
            let (p, f) = open("parquet")?;
            let w = writing(ParquetWriter::new(f).batched(schema), &p)?;
            Some((p, w))
        } else {
            None
        };
        Ok(Streamed {
            csv,
            parquet,
            files: formats
                .iter()
                .map(|f| format!("{name}.{}", f.ext()))
                .collect(),
            width: first.width(),
        })
    }

    /// Writes every whole row group of `buffer` (and, when `last`, the rest), leaving the
    /// rows not written in it.
    fn write(
        &mut self,
        buffer: &mut Vec<DataFrame>,
        row_group: usize,
        last: bool,
    ) -> anyhow::Result<()> {
        // Stacked (a copy) only when a group is complete, not at every chunk.
        if !last && buffer.iter().map(DataFrame::height).sum::<usize>() < row_group {
            return Ok(());
        }
        let mut df = stacked(std::mem::take(buffer))?;
        while df.height() >= row_group || (last && df.height() > 0) {
            let n = row_group.min(df.height());
            let mut group = df.slice(0, n);
            group.rechunk_mut();
            let (csv, parquet) = rayon::join(
                || match &mut self.csv {
                    Some((p, w)) => writing(w.write_batch(&group), p),
                    None => Ok(()),
                },
                || match &mut self.parquet {
                    Some((p, w)) => writing(w.write_batch(&group), p),
                    None => Ok(()),
                },
            );
            csv.and(parquet)?;
            df = df.slice(n as i64, df.height() - n);
        }
        if df.height() > 0 {
            buffer.push(df);
        }
        Ok(())
    }

    /// Closes the files; returns their names.
    fn finish(mut self) -> anyhow::Result<Vec<String>> {
        if let Some((p, w)) = &mut self.csv {
            writing(w.finish(), p)?;
        }
        if let Some((p, w)) = &self.parquet {
            writing(w.finish(), p)?;
        }
        Ok(self.files)
    }
}

/// Why a per-session table is not a sheet of the workbook.
fn left_out(plan: &Plan) -> String {
    format!(
        "a per-session table, left out of the workbook beyond {} analysed events",
        crate::text::thousands(plan.limits.summary_events)
    )
}

/// A polars write's result, its error naming the file.
fn writing<T>(r: PolarsResult<T>, p: &Path) -> anyhow::Result<T> {
    anyhow::Context::with_context(r, || format!("writing {}", p.display()))
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
    t.write_chunks("ar", ar_chunks(o))?;
    t.write("car", car_table(o)?)?;
    t.write("tests", tests_table(o)?)?;
    t.write("joint_tests", joint_table(o)?)?;
    t.write("caar", caar_table(o)?)?;
    t.write("model", model_table(o)?)?;
    t.write("params", params_table(o)?)?;
    t.write("bhar", bhar_table(o)?)?;
    t.write_chunks("volume", volume_chunks(o))?;
    t.write("volume_windows", volume_windows_table(o)?)?;
    t.write("audit", audit_table(o)?)?;
    t.write_chunks("status", status_chunks(o))?;
    t.write_chunks("series", series::series_chunks(o))?;
    write_second_stage(o, &mut t)?;
    t.write("caar_path", caar_path_table(o)?)?;
    if !o.by_date.is_empty() {
        t.write("caar_by_date", caar_by_date_table(o)?)?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(workbook_sessions: bool) -> Plan {
        let both = vec![TableFormat::Csv, TableFormat::Parquet];
        Plan {
            session: both.clone(),
            other: both,
            session_parquet_only: false,
            session_rows: 0,
            long: Vec::new(),
            counted: Vec::new(),
            summary_aggregates: !workbook_sessions,
            many: !workbook_sessions,
            workbook_sessions,
            limits: plan::Limits::from_env(),
        }
    }

    /// `rows` rows of a per-session table's kinds of columns (text, dates, numbers with
    /// nulls), as chunks of 3 rows.
    fn chunks(rows: usize) -> Vec<DataFrame> {
        let df = DataFrame::new_infer_height(vec![
            col("event_id", (0..rows).map(|i| format!("E{i:03}"))),
            col("tau", (0..rows).map(|i| i as i32 - 10)),
            dates_col(
                "date",
                (0..rows)
                    .map(|i| {
                        chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date")
                            + chrono::Duration::days(i as i64)
                    })
                    .collect(),
            )
            .expect("dates"),
            col(
                "car",
                (0..rows).map(|i| (i % 4 != 1).then(|| i as f64 / 7.0)),
            ),
        ])
        .expect("frame");
        (0..rows)
            .step_by(3)
            .map(|i| df.slice(i as i64, 3.min(rows - i)))
            .collect()
    }

    /// Writes `chunks` as the per-session table `series` into a new directory (the
    /// workbook left unfinished); returns the directory.
    fn written(chunks: Vec<DataFrame>, stream_rows: usize, in_book: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        let plan = plan(in_book);
        let mut t = Tables {
            dir: dir.path(),
            plan: &plan,
            book: xlsx::Workbook::create(&dir.path().join(xlsx::FILE)).expect("book"),
            timed: None,
        };
        t.write_chunks_by("series", chunks.into_iter().map(Ok), stream_rows, 4)
            .expect("written");
        dir
    }

    fn read(dir: &tempfile::TempDir, f: &str) -> Vec<u8> {
        std::fs::read(dir.path().join(f)).expect("read")
    }

    fn parquet(dir: &tempfile::TempDir) -> (DataFrame, usize) {
        let f = File::open(dir.path().join("series.parquet")).expect("open");
        let mut r = ParquetReader::new(f);
        let groups = r.get_metadata().expect("metadata").row_groups.len();
        (r.finish().expect("parquet"), groups)
    }

    /// A per-session table past the streaming bound is written a row group at a time: the
    /// CSV byte for byte that of the whole table, the Parquet the same rows and values in
    /// groups of the set size; below the bound (or in the workbook) the files are those of
    /// the whole table written at once.
    #[test]
    fn tables_past_the_bound_are_written_in_row_groups_with_the_same_rows() {
        let rows = 25;
        let whole = written(
            vec![stacked(chunks(rows)).expect("stacked")],
            usize::MAX,
            false,
        );
        let streamed = written(chunks(rows), 10, false);
        assert_eq!(read(&streamed, "series.csv"), read(&whole, "series.csv"));
        let (a, groups) = parquet(&streamed);
        let (b, whole_groups) = parquet(&whole);
        assert!(a.equals_missing(&b), "{a}\n{b}");
        assert_eq!(a.height(), rows);
        assert_eq!((groups, whole_groups), (rows.div_ceil(4), 1));
        for (dir, why) in [
            (written(chunks(rows), 26, false), "below"),
            (written(chunks(rows), 10, true), "in the book"),
        ] {
            assert_eq!(
                read(&dir, "series.csv"),
                read(&whole, "series.csv"),
                "{why}"
            );
            assert_eq!(
                read(&dir, "series.parquet"),
                read(&whole, "series.parquet"),
                "{why}"
            );
        }
    }
}
