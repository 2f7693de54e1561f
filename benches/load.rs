//! Loading benchmark: the price loaders against the floor of reading the same file.
//!
//! `cargo bench --bench load` (release), or `cargo bench --bench load --profile dev` for
//! relative figures from a debug build. For one synthetic panel (`evimpact::synth`, seed
//! 42) it writes the long CSV layout (`security,date,adj_close,volume,trade_status`, the
//! layout of `scripts/bench/make_long_csv.py`) and the same as Parquet, then times, each the
//! median of `EVIMPACT_BENCH_REPS` (default 3) runs in this process:
//!
//! - `floor`: a bare polars read of the long CSV (types inferred) plus the simple return of
//!   every row on the previous row of the same security: what any reader must at least do;
//! - `before`: the loader this crate had until the typed reader (every cell read by polars as
//!   a string, then parsed in Rust with chrono's format parser, a `String` key per row);
//! - `long csv` and `long parquet`: [`load_long_price_file`] with every security, and with
//!   one security in ten (a study's events name only some);
//! - `directory`: [`load_price_file`] on each `<security>.csv`, on two threads.
//!
//! Environment: `EVIMPACT_BENCH_LOAD=SECURITIESxSESSIONS` (default `1000x2520`),
//! `EVIMPACT_BENCH_REPS=N`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Instant;

use evimpact::data::layout::FileLayout;
use evimpact::data::prices::{load_long_price_file, load_price_file};
use evimpact::synth::{SynthConfig, generate};
use polars::prelude::*;

/// One row of the previous string loader: date, adjusted close, close, volume.
type OldRow = (chrono::NaiveDate, Option<f64>, Option<f64>, Option<f64>);

fn main() {
    if let Err(e) = run() {
        eprintln!("load bench: {e}");
        std::process::exit(1);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    let mut ts = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let t0 = Instant::now();
        let r = f()?;
        ts.push(t0.elapsed().as_secs_f64());
        last = Some(r);
    }
    Ok((median(ts), last.expect("at least one repetition")))
}

fn run() -> Result<(), String> {
    let size = std::env::var("EVIMPACT_BENCH_LOAD").unwrap_or_else(|_| "1000x2520".into());
    let (secs, sessions) = size
        .split_once('x')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| format!("EVIMPACT_BENCH_LOAD={size}: expected SECURITIESxSESSIONS"))?;
    let reps: usize = std::env::var("EVIMPACT_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cfg = SynthConfig {
        securities: secs,
        sessions,
        events: 10,
        seed: 42,
        ..SynthConfig::default()
    };
    let paths = generate(&cfg, tmp.path()).map_err(|e| format!("{e:#}"))?;
    let long = tmp.path().join("long.csv");
    let names = write_long(&paths.prices_dir, &long)?;
    let parquet = tmp.path().join("long.parquet");
    write_parquet(&long, &parquet)?;
    let mb = std::fs::metadata(&long).map_err(|e| e.to_string())?.len() as f64 / 1e6;
    println!(
        "panel {secs} securities x {sessions} sessions: long CSV {mb:.1} MB, {} rows; {} repetitions, {} threads",
        count_rows(&long)?,
        reps,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let layout = FileLayout::default();
    let tenth: HashSet<String> = names.iter().step_by(10).cloned().collect();
    let mut rows: Vec<(&str, f64)> = Vec::new();
    rows.push((
        "floor: polars read + returns",
        time(reps, || floor(&long))?.0,
    ));
    rows.push((
        "before: strings + per-cell parse",
        time(reps, || before(&long))?.0,
    ));
    rows.push((
        "long csv, every security",
        time(reps, || {
            load_long_price_file(&long, &layout, None)
                .map(|m| m.len())
                .map_err(|e| e.to_string())
        })?
        .0,
    ));
    rows.push((
        "long csv, 1 security in 10",
        time(reps, || {
            load_long_price_file(&long, &layout, Some(&tenth))
                .map(|m| m.len())
                .map_err(|e| e.to_string())
        })?
        .0,
    ));
    rows.push((
        "long parquet, every security",
        time(reps, || {
            load_long_price_file(&parquet, &layout, None)
                .map(|m| m.len())
                .map_err(|e| e.to_string())
        })?
        .0,
    ));
    rows.push((
        "directory of CSV files (2 threads)",
        time(reps, || directory(&paths.prices_dir, &names, &layout))?.0,
    ));
    let floor_s = rows[0].1;
    println!();
    println!("| reader | seconds (median) | × floor |");
    println!("| --- | ---: | ---: |");
    for (name, s) in rows {
        println!("| {name} | {s:.3} | {:.2} |", s / floor_s);
    }
    Ok(())
}

fn count_rows(p: &Path) -> Result<usize, String> {
    let t = std::fs::read(p).map_err(|e| e.to_string())?;
    Ok(t.iter().filter(|&&b| b == b'\n').count().saturating_sub(1))
}

/// The long layout: `security,` + each file's header, every data line prefixed.
fn write_long(dir: &Path, out: &Path) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    let mut w = Vec::new();
    for (k, n) in names.iter().enumerate() {
        let text =
            std::fs::read_to_string(dir.join(format!("{n}.csv"))).map_err(|e| e.to_string())?;
        let mut lines = text.lines();
        let h = lines.next().unwrap_or("");
        if k == 0 {
            w.extend_from_slice(format!("security,{h}\n").as_bytes());
        }
        for l in lines.filter(|l| !l.trim().is_empty()) {
            w.extend_from_slice(format!("{n},{l}\n").as_bytes());
        }
    }
    std::fs::write(out, w).map_err(|e| e.to_string())?;
    Ok(names)
}

fn write_parquet(csv: &Path, out: &Path) -> Result<(), String> {
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())?;
    let f = std::fs::File::create(out).map_err(|e| e.to_string())?;
    ParquetWriter::new(f)
        .finish(&mut df)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A bare polars read plus the return of every row on the previous row of its security.
fn floor(p: &Path) -> Result<usize, String> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(p.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())?;
    let sec = df
        .column("security")
        .and_then(|c| c.str().cloned())
        .map_err(|e| e.to_string())?;
    let px = df
        .column("adj_close")
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(|e| e.to_string())?;
    let px = px.f64().map_err(|e| e.to_string())?;
    let mut n = 0usize;
    let mut prev: Option<(&str, f64)> = None;
    for (s, p) in sec.iter().zip(px.iter()) {
        if let (Some(s), Some(p)) = (s, p) {
            if let Some((ps, pp)) = prev
                && ps == s
                && (p / pp - 1.0).is_finite()
            {
                n += 1;
            }
            prev = Some((s, p));
        }
    }
    Ok(n)
}

/// The loader before the typed reader: every cell a string, parsed per cell.
fn before(p: &Path) -> Result<usize, String> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(p.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())?;
    let col = |n: &str| {
        df.column(n)
            .and_then(|c| c.str().cloned())
            .map_err(|e| e.to_string())
    };
    let (sec, date, px, vol, st) = (
        col("security")?,
        col("date")?,
        col("adj_close")?,
        col("volume")?,
        col("trade_status")?,
    );
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in 0..df.height() {
        groups
            .entry(sec.get(r).unwrap_or("").trim().to_string())
            .or_default()
            .push(r);
    }
    let mut n = 0;
    for rows in groups.values() {
        let mut v: Vec<OldRow> = Vec::new();
        for &r in rows {
            let d = chrono::NaiveDate::parse_from_str(date.get(r).unwrap_or("").trim(), "%Y-%m-%d")
                .map_err(|e| e.to_string())?;
            let num = |c: &StringChunked| c.get(r).and_then(|s| s.trim().parse::<f64>().ok());
            v.push((d, num(&px), num(&vol), num(&st)));
        }
        v.sort_by_key(|x| x.0);
        n += v.len();
    }
    Ok(n)
}

fn directory(dir: &Path, names: &[String], layout: &FileLayout) -> Result<usize, String> {
    let half = names.len().div_ceil(2);
    std::thread::scope(|s| {
        let hs: Vec<_> = names
            .chunks(half.max(1))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|n| {
                            load_price_file(&dir.join(format!("{n}.csv")), n, layout)
                                .map(|s| s.dates.len())
                                .map_err(|e| e.to_string())
                        })
                        .sum::<Result<usize, String>>()
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().map_err(|_| "thread panicked".to_string())?)
            .sum()
    })
}
