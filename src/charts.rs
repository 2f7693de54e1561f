//! Results → chart series → PNG files (the drawing itself is in [`crate::chart`]).
//!
//! Every chart is drawn from the run's output tables read back from the output directory
//! (`ar.csv`, `car.csv`, `tests.csv`, `caar.csv`, `series.csv`, `summary.json`), so
//! `evimpact run` and `evimpact chart KIND` draw the same figure from the same numbers.
//! The one table the charts need beyond the statistics, `series.csv`/`.parquet` (prices,
//! volume, cumulative CAR and its variance around each event), is written here by
//! [`write_series_table`].

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;
use serde::Deserialize;

use crate::chart::{
    ArBarPanel, CaarPath, CarSeries, DayKind, PriceDay, PricePanel, Strip, TestsChart,
    VolumeSeries, abnormal_volume, ar_bars, car_distribution, car_paths, price_panel,
    test_statistics,
};
use crate::outcome::{EventResult, Outcome};

/// Sessions shown in the price panel beyond each side of the event window.
pub const PRICE_PAD: i32 = 10;
/// At most this many per-event price panels are drawn by `run` (all by `chart prices`).
pub const MAX_PRICE_PANELS: usize = 12;
/// At most this many securities fit one AR bar figure.
pub const MAX_AR_PANELS: usize = 9;

/// The chart kinds, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartKind {
    /// CAR paths per security, CAAR path with its 95 % band.
    Car,
    /// AR bars per security with ±1.96·√Var(AR) whiskers.
    ArBars,
    /// Cross-sectional distribution of CAR per window.
    CarDist,
    /// Test statistics per window with critical values.
    Tests,
    /// Price panel per security around its event.
    Prices,
    /// Abnormal volume around day 0.
    Volume,
    /// Every chart.
    All,
}

/// Options of `evimpact chart`.
#[derive(Debug, Clone, Default)]
pub struct ChartOptions {
    /// Only these securities (price panels, AR bars, CAR paths); empty = all.
    pub securities: Vec<String>,
    /// Only these CAR windows (distribution and test charts), as `-1:1`; empty = all.
    pub windows: Vec<String>,
    /// Draw every price panel, not only the first [`MAX_PRICE_PANELS`].
    pub all_prices: bool,
}

/// A chart written to disk, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    pub kind: ChartKind,
    /// Path relative to the output directory, e.g. `charts/car.png`.
    pub path: String,
    /// Short caption for the report.
    pub caption: String,
}

// ---------------------------------------------------------------------------------------
// Writing the series table (from the run's Outcome)
// ---------------------------------------------------------------------------------------

/// One row of `series.csv`: one weekday around one event for one security.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    pub event_id: String,
    pub security: String,
    pub date: NaiveDate,
    /// Event time of a session; `None` on weekdays the exchange was closed.
    pub tau: Option<i32>,
    /// The session's status (`trading`, `suspended`, `no_data`, `limit_locked`, ...) or
    /// `closed` on a weekday that is not a session.
    pub status: String,
    pub price: Option<f64>,
    pub volume: Option<f64>,
    /// Volume / mean volume over the estimation window's traded sessions.
    pub volume_ratio: Option<f64>,
    /// CAR from the event window's start to this session (event window only; `None`
    /// before the first return).
    pub car: Option<f64>,
    /// Prediction-error variance of that CAR, s²(D + x_w'(X'X)⁻¹x_w).
    pub car_var: Option<f64>,
    /// Marks: `announced` and `other:<event_id>`, separated by `;`, on the first weekday
    /// on or after the mark's date.
    pub marks: String,
}

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Series rows of one event: sessions from `PRICE_PAD` before to `PRICE_PAD` after the
/// event window, and the weekdays between them that are not sessions.
/// The event file's rows by security (rows without a security under `None`), so that the
/// marks of each event are found without scanning every event.
pub struct EventsBySecurity<'a>(HashMap<Option<&'a str>, Vec<&'a crate::data::events::Event>>);

impl<'a> EventsBySecurity<'a> {
    pub fn new(o: &'a Outcome) -> Self {
        let mut m: HashMap<Option<&str>, Vec<_>> = HashMap::new();
        for e in &o.events {
            m.entry(e.security.as_deref()).or_default().push(e);
        }
        EventsBySecurity(m)
    }

    fn of(&self, security: &str) -> Vec<&'a crate::data::events::Event> {
        let own = self.0.get(&Some(security)).into_iter().flatten();
        own.chain(self.0.get(&None).into_iter().flatten())
            .copied()
            .collect()
    }
}

pub fn series_rows(o: &Outcome, by_security: &EventsBySecurity, r: &EventResult) -> Vec<SeriesRow> {
    let (tl, cal, d0) = (&r.timeline, &r.calendar, r.day0_index);
    if tl.status.len() != cal.len() || d0 >= cal.len() {
        return Vec::new();
    }
    let s = &o.study;
    let n = cal.len() as i64;
    let lo = (d0 as i64 + i64::from(s.event_window.start - PRICE_PAD)).clamp(0, n - 1) as usize;
    let hi = (d0 as i64 + i64::from(s.event_window.end + PRICE_PAD)).clamp(0, n - 1) as usize;

    // Mean volume over the estimation window's traded sessions with volume.
    let est = cal
        .index_of(r.analysis.est_first)
        .zip(cal.index_of(r.analysis.est_last));
    let vol_mean = est.and_then(|(a, b)| {
        let v: Vec<f64> = (a..=b)
            .filter(|&i| tl.status[i].traded())
            .map(|i| tl.volume[i])
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    });

    // Cumulative CAR over the event window with its variance (same formula as a CAR
    // window [event start, τ]).
    let cum: BTreeMap<i32, (f64, f64)> = r
        .analysis
        .cumulative_car()
        .into_iter()
        .map(|(tau, car, var)| (tau, (car, var)))
        .collect();

    // Marks: the announcement and other events of the event file (same security, or
    // no security), by date.
    let mut marks: Vec<(NaiveDate, String)> = Vec::new();
    if let Some(e) = o.events.get(r.event) {
        marks.push((e.date, "announced".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in by_security.of(&r.security) {
        if e.event_id != r.event_id && seen.insert((e.event_id.clone(), e.date)) {
            marks.push((e.date, format!("other:{}", e.event_id)));
        }
    }

    let mut out = Vec::new();
    let mut push = |date: NaiveDate, i: Option<usize>| {
        let tau = i.map(|i| (i as i64 - d0 as i64) as i32);
        let (status, price, volume) = match i {
            Some(i) => (
                tl.status[i].as_str().to_string(),
                fin(tl.price[i]),
                fin(tl.volume[i]),
            ),
            None => ("closed".to_string(), None, None),
        };
        let volume_ratio = match (i, volume, vol_mean) {
            (Some(i), Some(v), Some(m)) if tl.status[i].traded() && v > 0.0 => Some(v / m),
            _ => None,
        };
        let (car, car_var) = match tau.and_then(|t| cum.get(&t)) {
            Some(&(c, v)) if s.event_window.contains(tau.unwrap_or(i32::MIN)) => (Some(c), fin(v)),
            _ => (None, None),
        };
        out.push(SeriesRow {
            event_id: r.event_id.clone(),
            security: r.security.clone(),
            date,
            tau,
            status,
            price,
            volume,
            volume_ratio,
            car,
            car_var,
            marks: String::new(),
        });
    };
    for i in lo..=hi {
        if i > lo {
            // Weekdays between two sessions: the exchange was closed.
            let mut d = cal.sessions[i - 1].succ_opt();
            while let Some(day) = d.filter(|d| *d < cal.sessions[i]) {
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    push(day, None);
                }
                d = day.succ_opt();
            }
        }
        push(cal.sessions[i], Some(i));
    }
    let (first, last) = (cal.sessions[lo], cal.sessions[hi]);
    for (date, m) in marks {
        if date < first || date > last {
            continue;
        }
        if let Some(row) = out.iter_mut().find(|x| x.date >= date) {
            let item = format!("{m}@{date}");
            if row.marks.is_empty() {
                row.marks = item;
            } else {
                row.marks = format!("{};{item}", row.marks);
            }
        }
    }
    out
}

fn date_col(name: &str, dates: Vec<NaiveDate>) -> PolarsResult<Column> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    let days: Vec<i32> = dates
        .into_iter()
        .map(|d| (d - epoch).num_days() as i32)
        .collect();
    Column::new(name.into(), days).cast(&DataType::Date)
}

/// `series.csv`: prices, volume and cumulative CAR around every analysed event.
pub fn series_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let by_security = EventsBySecurity::new(o);
    let rows: Vec<SeriesRow> = o
        .results
        .iter()
        .flat_map(|r| series_rows(o, &by_security, r))
        .collect();
    let s = |f: fn(&SeriesRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let f = |f: fn(&SeriesRow) -> Option<f64>| rows.iter().map(f).collect::<Vec<_>>();
    DataFrame::new_infer_height(vec![
        Column::new("event_id".into(), s(|r| &r.event_id)),
        Column::new("security".into(), s(|r| &r.security)),
        date_col("date", rows.iter().map(|r| r.date).collect())?,
        Column::new("tau".into(), rows.iter().map(|r| r.tau).collect::<Vec<_>>()),
        Column::new("status".into(), s(|r| &r.status)),
        Column::new("price".into(), f(|r| r.price)),
        Column::new("volume".into(), f(|r| r.volume)),
        Column::new("volume_ratio".into(), f(|r| r.volume_ratio)),
        Column::new("car".into(), f(|r| r.car)),
        Column::new("car_var".into(), f(|r| r.car_var)),
        Column::new("marks".into(), s(|r| &r.marks)),
    ])
}

/// Writes `series.csv` and `series.parquet` into `dir`.
pub fn write_series_table(o: &Outcome, dir: &Path) -> Result<()> {
    let mut df = series_table(o)?;
    let csv = dir.join("series.csv");
    let f = File::create(&csv).with_context(|| format!("creating {}", csv.display()))?;
    let r = CsvWriter::new(f).include_header(true).finish(&mut df);
    anyhow::Context::with_context(r, || format!("writing {}", csv.display()))?;
    let pq = dir.join("series.parquet");
    let f = File::create(&pq).with_context(|| format!("creating {}", pq.display()))?;
    let r = ParquetWriter::new(f).finish(&mut df);
    anyhow::Context::with_context(r, || format!("writing {}", pq.display()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading the outputs back
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
struct ArCsv {
    event_id: String,
    security: String,
    tau: i32,
    status: String,
    span: Option<u32>,
    ar: Option<f64>,
    ar_var: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct CarCsv {
    event_id: String,
    security: String,
    window: String,
    car: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct TestCsv {
    scope: String,
    window: Option<String>,
    test: String,
    statistic: Option<f64>,
    n: usize,
    distribution: String,
}

#[derive(Debug, Clone, Deserialize)]
struct CaarCsv {
    scope: String,
    window: Option<String>,
    n: usize,
    mean: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct SeriesCsv {
    event_id: String,
    security: String,
    date: NaiveDate,
    tau: Option<i32>,
    status: String,
    price: Option<f64>,
    #[allow(dead_code)]
    volume: Option<f64>,
    volume_ratio: Option<f64>,
    car: Option<f64>,
    car_var: Option<f64>,
    marks: Option<String>,
}

/// One analysed event as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventKey {
    pub event_id: String,
    pub security: String,
    pub entity: String,
    /// Legend label: "security entity", with the event id when a security has several.
    pub label: String,
}

/// Everything the charts draw, read back from an output directory.
#[derive(Debug, Clone)]
pub struct ChartData {
    pub dir: PathBuf,
    pub name: String,
    pub model: String,
    pub estimation: String,
    pub event_window: (i32, i32),
    /// CAR windows as labels `-1:1`, in study order.
    pub windows: Vec<String>,
    pub events: Vec<EventKey>,
    ar: Vec<ArCsv>,
    car: Vec<CarCsv>,
    tests: Vec<TestCsv>,
    caar: Vec<CaarCsv>,
    series: Vec<SeriesCsv>,
    /// Row indices of `series` and `ar` per (event_id, security), and each event's position
    /// in `events`: built once, so that every chart is linear in the number of events.
    series_idx: HashMap<(String, String), Vec<usize>>,
    ar_idx: HashMap<(String, String), Vec<usize>>,
    event_pos: HashMap<(String, String), usize>,
}

fn index_by<T>(
    rows: &[T],
    key: impl Fn(&T) -> (String, String),
) -> HashMap<(String, String), Vec<usize>> {
    let mut m: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        m.entry(key(r)).or_default().push(i);
    }
    m
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, rec)| rec.with_context(|| format!("{}: row {}", path.display(), i + 2)))
        .collect()
}

fn pretty(label: &str) -> String {
    match label.parse::<crate::window::Window>() {
        Ok(w) => w.pretty(),
        Err(_) => label.to_string(),
    }
}

impl ChartData {
    /// Reads an output directory written by `evimpact run`.
    ///
    /// # Errors
    /// A missing or unreadable table or `summary.json` (the message names the file).
    pub fn load(dir: &Path) -> Result<Self> {
        let sp = dir.join("summary.json");
        let summary: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&sp).with_context(|| format!("reading {}", sp.display()))?,
        )
        .with_context(|| format!("parsing {}", sp.display()))?;
        let st = &summary["study"];
        let pair = |v: &serde_json::Value| -> Option<(i32, i32)> {
            Some((v.get(0)?.as_i64()? as i32, v.get(1)?.as_i64()? as i32))
        };
        let ew = pair(&st["event_window"])
            .ok_or_else(|| anyhow!("{}: no study.event_window", sp.display()))?;
        let est = pair(&st["estimation"])
            .ok_or_else(|| anyhow!("{}: no study.estimation", sp.display()))?;
        let windows: Vec<String> = st["car_windows"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(pair)
                    .map(|(a, b)| format!("{a}:{b}"))
                    .collect()
            })
            .unwrap_or_default();
        let mut events: Vec<EventKey> = summary["events"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                        EventKey {
                            event_id: s("event_id"),
                            security: s("security"),
                            entity: s("entity"),
                            label: String::new(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut per_security: HashMap<&str, usize> = HashMap::new();
        for e in &events {
            *per_security.entry(e.security.as_str()).or_default() += 1;
        }
        let labels: Vec<String> = events
            .iter()
            .map(|e| {
                let base = if e.entity.is_empty() {
                    e.security.clone()
                } else {
                    format!("{} {}", e.security, e.entity)
                };
                if per_security[e.security.as_str()] > 1 {
                    format!("{base} ({})", e.event_id)
                } else {
                    base
                }
            })
            .collect();
        for (e, l) in events.iter_mut().zip(labels) {
            e.label = l;
        }
        let w = |v: (i32, i32)| {
            crate::window::Window {
                start: v.0,
                end: v.1,
            }
            .pretty()
        };
        let ar: Vec<ArCsv> = read_csv(&dir.join("ar.csv"))?;
        let series: Vec<SeriesCsv> = read_csv(&dir.join("series.csv"))?;
        let event_pos = events
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.event_id.clone(), e.security.clone()), i))
            .collect();
        Ok(ChartData {
            series_idx: index_by(&series, |s| (s.event_id.clone(), s.security.clone())),
            ar_idx: index_by(&ar, |a| (a.event_id.clone(), a.security.clone())),
            event_pos,
            dir: dir.to_path_buf(),
            name: st["name"].as_str().unwrap_or("").to_string(),
            model: st["model"].as_str().unwrap_or("").to_string(),
            estimation: w(est),
            event_window: ew,
            windows,
            events,
            ar,
            car: read_csv(&dir.join("car.csv"))?,
            tests: read_csv(&dir.join("tests.csv"))?,
            caar: read_csv(&dir.join("caar.csv"))?,
            series,
        })
    }

    /// The `series.csv` rows of one event, in file order.
    fn series_of<'a>(&'a self, e: &EventKey) -> impl Iterator<Item = &'a SeriesCsv> + 'a {
        let key = (e.event_id.clone(), e.security.clone());
        self.series_idx
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.series[i])
    }

    /// The `ar.csv` rows of one event, in file order.
    fn ar_of<'a>(&'a self, e: &EventKey) -> impl Iterator<Item = &'a ArCsv> + 'a {
        let key = (e.event_id.clone(), e.security.clone());
        self.ar_idx
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.ar[i])
    }

    fn selected<'a>(&'a self, opts: &ChartOptions) -> Vec<(usize, &'a EventKey)> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| opts.securities.is_empty() || opts.securities.contains(&e.security))
            .collect()
    }

    fn subtitle(&self, what: &str) -> String {
        format!(
            "{} · {} model, estimation {} · {what}",
            self.name, self.model, self.estimation
        )
    }

    /// CAR path per event over the event window (from `series.csv`): `None` before the
    /// first return; on suspended sessions the CAR so far is carried (hollow marker).
    pub fn car_series(&self, opts: &ChartOptions) -> Vec<CarSeries> {
        let (lo, hi) = self.event_window;
        self.selected(opts)
            .into_iter()
            .map(|(_, e)| {
                let rows: Vec<&SeriesCsv> = self
                    .series_of(e)
                    .filter(|s| s.tau.is_some_and(|t| (lo..=hi).contains(&t)))
                    .collect();
                CarSeries {
                    label: e.label.clone(),
                    taus: rows.iter().filter_map(|s| s.tau).collect(),
                    car: rows.iter().map(|s| s.car).collect(),
                    suspended: rows.iter().map(|s| s.status == "suspended").collect(),
                }
            })
            .collect()
    }

    /// CAAR path: mean over events of CAR[event start, τ], with the 95 % band of
    /// MacKinlay's J1: CAAR ± 1.96·√(Σ Var(CAR_i))/N.
    pub fn caar_path(&self) -> CaarPath {
        let (lo, hi) = self.event_window;
        let taus: Vec<i32> = (lo..=hi).collect();
        let mut caar = Vec::new();
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        let mut n_max = 0;
        for &t in &taus {
            let vals: Vec<(f64, f64)> = self
                .series
                .iter()
                .filter(|s| s.tau == Some(t))
                .filter_map(|s| Some((s.car?, s.car_var?)))
                .collect();
            let n = vals.len();
            n_max = n_max.max(n);
            if n == 0 {
                caar.push(None);
                lower.push(None);
                upper.push(None);
                continue;
            }
            let m = vals.iter().map(|v| v.0).sum::<f64>() / n as f64;
            let half =
                1.959_963_984_540_054 * vals.iter().map(|v| v.1).sum::<f64>().sqrt() / n as f64;
            caar.push(Some(m));
            lower.push(Some(m - half));
            upper.push(Some(m + half));
        }
        CaarPath {
            taus,
            caar,
            lower,
            upper,
            label: format!("CAAR (N ≤ {n_max})"),
            band_label: "95 % band (J1)".into(),
        }
    }

    /// AR bar panels (from `ar.csv`).
    pub fn ar_panels(&self, opts: &ChartOptions) -> Vec<ArBarPanel> {
        self.selected(opts)
            .into_iter()
            .map(|(_, e)| {
                let rows: Vec<&ArCsv> = self.ar_of(e).collect();
                ArBarPanel {
                    label: e.label.clone(),
                    taus: rows.iter().map(|a| a.tau).collect(),
                    ar: rows.iter().map(|a| a.ar).collect(),
                    half_width: rows
                        .iter()
                        .map(|a| {
                            a.ar_var
                                .filter(|v| *v >= 0.0)
                                .map(|v| 1.959_963_984_540_054 * v.sqrt())
                        })
                        .collect(),
                    suspended: rows.iter().map(|a| a.status == "suspended").collect(),
                    span: rows.iter().map(|a| a.span.unwrap_or(0)).collect(),
                }
            })
            .collect()
    }

    fn chosen_windows(&self, opts: &ChartOptions) -> Vec<String> {
        self.windows
            .iter()
            .filter(|w| opts.windows.is_empty() || opts.windows.contains(w))
            .cloned()
            .collect()
    }

    /// CAR strips per window (from `car.csv`, means from `caar.csv`).
    pub fn strips(&self, opts: &ChartOptions) -> Vec<Strip> {
        self.chosen_windows(opts)
            .into_iter()
            .map(|w| {
                let values: Vec<(usize, f64)> = self
                    .car
                    .iter()
                    .filter(|c| c.window == w)
                    .filter_map(|c| {
                        let i = *self
                            .event_pos
                            .get(&(c.event_id.clone(), c.security.clone()))?;
                        Some((i, c.car?))
                    })
                    .collect();
                let mean = self
                    .caar
                    .iter()
                    .find(|c| c.scope == "window" && c.window.as_deref() == Some(&w))
                    .and_then(|c| c.mean)
                    .unwrap_or(f64::NAN);
                Strip {
                    label: pretty(&w),
                    quantiles: quantiles(values.iter().map(|v| v.1).collect()),
                    values,
                    mean,
                }
            })
            .collect()
    }

    /// Test statistics per window (from `tests.csv`), in the order tests first appear.
    pub fn tests_chart(&self, opts: &ChartOptions) -> TestsChart {
        let windows = self.chosen_windows(opts);
        let mut tests: Vec<String> = Vec::new();
        for t in self.tests.iter().filter(|t| t.scope == "window") {
            if !tests.contains(&t.test) {
                tests.push(t.test.clone());
            }
        }
        let find = |test: &str, w: &str| {
            self.tests
                .iter()
                .find(|t| t.scope == "window" && t.test == test && t.window.as_deref() == Some(w))
        };
        TestsChart {
            n: windows
                .iter()
                .map(|w| {
                    self.caar
                        .iter()
                        .find(|c| c.scope == "window" && c.window.as_deref() == Some(w))
                        .map(|c| c.n)
                        .unwrap_or(0)
                })
                .collect(),
            statistic: tests
                .iter()
                .map(|t| {
                    windows
                        .iter()
                        .map(|w| find(t, w).and_then(|r| r.statistic))
                        .collect()
                })
                .collect(),
            critical: tests
                .iter()
                .map(|t| {
                    windows
                        .iter()
                        .map(|w| {
                            find(t, w)
                                .filter(|r| r.n > 0)
                                .and_then(|r| critical_value(&r.distribution))
                        })
                        .collect()
                })
                .collect(),
            windows: windows.iter().map(|w| pretty(w)).collect(),
            tests,
        }
    }

    /// Price panel of each selected event.
    pub fn price_panels(&self, opts: &ChartOptions) -> Vec<(EventKey, PricePanel)> {
        self.selected(opts)
            .into_iter()
            .filter_map(|(_, e)| {
                let rows: Vec<&SeriesCsv> = self
                    .series_of(e)
                    .filter(|s| !matches!(s.date.weekday(), Weekday::Sat | Weekday::Sun))
                    .collect();
                let day0 = rows.iter().find(|s| s.tau == Some(0))?.date;
                let mut announced = None;
                let mut others = Vec::new();
                for r in &rows {
                    for m in r
                        .marks
                        .as_deref()
                        .unwrap_or("")
                        .split(';')
                        .filter(|m| !m.is_empty())
                    {
                        let (what, date) = m.rsplit_once('@').unwrap_or((m, ""));
                        let Ok(date) = date.parse::<NaiveDate>() else {
                            continue;
                        };
                        if what == "announced" {
                            announced = (date != day0).then_some(date);
                        } else if let Some(id) = what.strip_prefix("other:") {
                            others.push((date, id.to_string()));
                        }
                    }
                }
                let days = rows
                    .iter()
                    .map(|s| PriceDay {
                        date: s.date,
                        kind: match s.status.as_str() {
                            "trading" => DayKind::Trading,
                            "limit_locked" => DayKind::LimitLocked,
                            "suspended" => DayKind::Suspended,
                            "closed" => DayKind::Closed,
                            _ => DayKind::NoData,
                        },
                        price: s
                            .price
                            .filter(|_| s.status == "trading" || s.status == "limit_locked"),
                    })
                    .collect();
                Some((
                    e.clone(),
                    PricePanel {
                        label: e.label.clone(),
                        days,
                        day0,
                        announced,
                        others,
                    },
                ))
            })
            .collect()
    }

    /// Volume ratio per event over the event window, and its cross-sectional geometric
    /// mean; `None` when no event has volume.
    pub fn volume(&self, opts: &ChartOptions) -> Option<(Vec<VolumeSeries>, VolumeSeries)> {
        let (lo, hi) = self.event_window;
        let series: Vec<VolumeSeries> = self
            .selected(opts)
            .into_iter()
            .map(|(_, e)| {
                let rows: Vec<&SeriesCsv> = self
                    .series_of(e)
                    .filter(|s| s.tau.is_some_and(|t| (lo..=hi).contains(&t)))
                    .collect();
                VolumeSeries {
                    label: e.label.clone(),
                    taus: rows.iter().filter_map(|s| s.tau).collect(),
                    ratio: rows
                        .iter()
                        .map(|s| s.volume_ratio.filter(|v| *v > 0.0))
                        .collect(),
                    suspended: rows.iter().map(|s| s.status == "suspended").collect(),
                }
            })
            .collect();
        if series.iter().all(|s| s.ratio.iter().all(Option::is_none)) {
            return None;
        }
        let taus: Vec<i32> = (lo..=hi).collect();
        let ratio = taus
            .iter()
            .map(|t| {
                let logs: Vec<f64> = series
                    .iter()
                    .filter_map(|s| {
                        let k = s.taus.iter().position(|x| x == t)?;
                        s.ratio[k].map(f64::ln)
                    })
                    .collect();
                (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp())
            })
            .collect();
        let mean = VolumeSeries {
            label: "geometric mean".into(),
            suspended: vec![false; taus.len()],
            taus,
            ratio,
        };
        Some((series, mean))
    }
}

/// 5 %, 25 %, 50 %, 75 %, 95 % quantiles (linear interpolation between order
/// statistics, Hyndman & Fan type 7); `None` for fewer than 2 values.
pub fn quantiles(mut v: Vec<f64>) -> Option<[f64; 5]> {
    v.retain(|x| x.is_finite());
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let (i, f) = (h.floor() as usize, h.fract());
        if i + 1 < v.len() {
            v[i] + f * (v[i + 1] - v[i])
        } else {
            v[i]
        }
    };
    Some([q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)])
}

/// Two-sided 5 % critical value of a reference distribution written as `N(0,1)` or
/// `t(df)`; `None` for anything else.
pub fn critical_value(distribution: &str) -> Option<f64> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let d = distribution.trim();
    if d == "N(0,1)" {
        return Some(1.959_963_984_540_054);
    }
    let df: f64 = d
        .strip_prefix("t(")?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()?;
    if df.is_nan() || df < 1.0 {
        return None;
    }
    StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| t.inverse_cdf(0.975))
}

/// A file-name-safe version of `s`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Draws the charts of `kind` from the outputs in `out` into `out/charts/`.
///
/// # Errors
/// Unreadable outputs, or a chart that cannot be drawn (the message names it). A chart
/// without data (no volume, no CAR) is left out, not an error, except when asked for alone.
pub fn draw(out: &Path, kind: ChartKind, opts: &ChartOptions) -> Result<Vec<ChartFile>> {
    let data = ChartData::load(out)?;
    draw_from(&data, kind, opts)
}

/// [`draw`] from data already loaded.
pub fn draw_from(data: &ChartData, kind: ChartKind, opts: &ChartOptions) -> Result<Vec<ChartFile>> {
    let dir = data.dir.join("charts");
    let mut files = Vec::new();
    let all = kind == ChartKind::All;
    let wants = |k: ChartKind| all || kind == k;
    let mut file = |kind: ChartKind, name: String, caption: String| -> PathBuf {
        files.push(ChartFile {
            kind,
            path: format!("charts/{name}"),
            caption,
        });
        dir.join(name)
    };
    let none = |what: &str| -> Result<()> {
        if all {
            Ok(())
        } else {
            bail!("{}: {what}", data.dir.display())
        }
    };

    if wants(ChartKind::Car) {
        let series = data.car_series(opts);
        if series.iter().any(|s| s.car.iter().any(Option::is_some)) {
            let caar = data.caar_path();
            let p = file(
                ChartKind::Car,
                "car.png".into(),
                "CAR per security and CAAR with its 95 % band (J1)".into(),
            );
            car_paths(
                &p,
                "Cumulative abnormal returns around the event",
                &data.subtitle("day 0 = first session that could react"),
                &series,
                Some(&caar),
            )?;
        } else {
            none("no CAR to draw")?;
        }
    }
    if wants(ChartKind::ArBars) {
        let mut panels = data.ar_panels(opts);
        panels.retain(|p| p.ar.iter().any(Option::is_some));
        if panels.is_empty() {
            none("no abnormal return to draw")?;
        } else {
            let total = panels.len();
            panels.truncate(MAX_AR_PANELS);
            let what = if total > MAX_AR_PANELS {
                format!("first {MAX_AR_PANELS} of {total} (chart ar-bars --security S)")
            } else {
                "whiskers ±1.96·√Var(AR)".into()
            };
            let p = file(
                ChartKind::ArBars,
                "ar_bars.png".into(),
                "Abnormal returns per security with ±1.96·√Var(AR) whiskers".into(),
            );
            ar_bars(
                &p,
                "Abnormal returns per session",
                &data.subtitle(&what),
                &panels,
            )?;
        }
    }
    if wants(ChartKind::CarDist) {
        let strips = data.strips(opts);
        if strips.iter().any(|s| !s.values.is_empty()) {
            let names: Vec<String> = data.events.iter().map(|e| e.label.clone()).collect();
            let p = file(
                ChartKind::CarDist,
                "car_distribution.png".into(),
                "Cross-sectional distribution of CAR per window".into(),
            );
            car_distribution(
                &p,
                "Cross-section of cumulative abnormal returns",
                &data.subtitle("one point per event; bar = CAAR"),
                &strips,
                &names,
            )?;
        } else {
            none("no CAR to draw")?;
        }
    }
    if wants(ChartKind::Tests) {
        let t = data.tests_chart(opts);
        if t.statistic.iter().flatten().any(Option::is_some) {
            let p = file(
                ChartKind::Tests,
                "tests.png".into(),
                "Test statistics per CAR window with two-sided 5 % critical values".into(),
            );
            test_statistics(
                &p,
                "Tests of CAAR = 0 per window",
                &data.subtitle("bars: two-sided 5 % critical values"),
                &t,
            )?;
        } else {
            none("no test statistic to draw")?;
        }
    }
    if wants(ChartKind::Prices) {
        let panels = data.price_panels(opts);
        if panels.is_empty() {
            none("no price series (series.csv) to draw")?;
        }
        let limit = if opts.all_prices || !opts.securities.is_empty() {
            usize::MAX
        } else {
            MAX_PRICE_PANELS
        };
        for (e, panel) in panels.iter().take(limit) {
            if panel.days.iter().all(|d| d.price.is_none()) {
                continue;
            }
            let multi = data
                .events
                .iter()
                .filter(|x| x.security == e.security)
                .count()
                > 1;
            let name = if multi {
                format!("price_{}_{}.png", slug(&e.security), slug(&e.event_id))
            } else {
                format!("price_{}.png", slug(&e.security))
            };
            let p = file(
                ChartKind::Prices,
                name,
                format!("Adjusted close of {} around day 0", e.label),
            );
            price_panel(
                &p,
                &format!("{}: adjusted close around the event", e.security),
                &format!(
                    "{} · {} · event {} · day 0 {}",
                    e.entity, data.name, e.event_id, panel.day0
                ),
                panel,
            )?;
        }
    }
    if wants(ChartKind::Volume) {
        match data.volume(opts) {
            Some((series, mean)) => {
                let p = file(
                    ChartKind::Volume,
                    "volume.png".into(),
                    "Abnormal volume: volume over its estimation-window mean (log scale)".into(),
                );
                abnormal_volume(
                    &p,
                    "Trading volume around the event",
                    &data.subtitle("volume ÷ mean volume of the estimation window"),
                    &series,
                    Some(&mean),
                )?;
            }
            None => none("no volume in the price data")?,
        }
    }
    Ok(files)
}

/// `evimpact chart KIND [--out DIR]`: redraws charts from an output directory.
#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// Which chart to draw.
    #[arg(value_enum)]
    pub kind: ChartKind,
    /// Output directory of a run [default: the only directory under out/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only this security (repeatable).
    #[arg(long)]
    pub security: Vec<String>,
    /// Only this CAR window (repeatable), e.g. --window 0:5.
    #[arg(long, allow_hyphen_values = true)]
    pub window: Vec<String>,
    /// Draw every price panel (default: the first 12).
    #[arg(long)]
    pub all: bool,
}

/// The output directory of `evimpact chart`: `--out`, else the only run under `out/`.
fn out_dir(a: &ChartArgs) -> Result<PathBuf> {
    if let Some(d) = &a.out {
        return Ok(d.clone());
    }
    let runs: Vec<PathBuf> = std::fs::read_dir("out")
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("summary.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    match runs.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no run found under out/: pass --out DIR (the output directory of `evimpact run`)"
        ),
        many => bail!(
            "several runs under out/ ({}): choose one with --out DIR",
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Runs `evimpact chart`.
///
/// # Errors
/// No output directory, unreadable outputs, or nothing to draw for the chosen kind.
pub fn command(a: &ChartArgs) -> Result<()> {
    let dir = out_dir(a)?;
    let opts = ChartOptions {
        securities: a.security.clone(),
        windows: a.window.clone(),
        all_prices: a.all,
    };
    let data = ChartData::load(&dir)?;
    for w in &opts.windows {
        if !data.windows.contains(w) {
            bail!(
                "--window {w}: not a CAR window of this run (available: {})",
                data.windows.join(", ")
            );
        }
    }
    for s in &opts.securities {
        if !data.events.iter().any(|e| &e.security == s) {
            bail!("--security {s}: not analysed in {}", dir.display());
        }
    }
    for f in draw_from(&data, a.kind, &opts)? {
        println!("{}", dir.join(&f.path).display());
    }
    // The charts drawn are evimpact's outputs too: a later run may replace them.
    crate::fsio::record_outputs(&dir)
}

/// Writes the series table and every chart for a run into `dir` (the staging output
/// directory, whose tables are already written), returning the charts for the report.
pub fn write_all(o: &Outcome, dir: &Path) -> Result<Vec<ChartFile>> {
    write_series_table(o, dir)?;
    if o.results.is_empty() {
        return Ok(Vec::new());
    }
    draw(dir, ChartKind::All, &ChartOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_match_tables() {
        // Two-sided 5 %: N(0,1) 1.960; t(3) 3.182; t(1) 12.706 (Student's t table).
        assert!((critical_value("N(0,1)").unwrap() - 1.960).abs() < 1e-3);
        assert!((critical_value("t(3)").unwrap() - 3.182).abs() < 1e-3);
        assert!((critical_value("t(1)").unwrap() - 12.706).abs() < 1e-3);
        assert_eq!(critical_value("t(0)"), None);
        assert_eq!(critical_value("chi2(1)"), None);
    }

    #[test]
    fn quantiles_type7() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15, 1.75, 2.5, 3.25, 3.85
        let q = quantiles(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        for (a, b) in q.iter().zip([1.15, 1.75, 2.5, 3.25, 3.85]) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert_eq!(quantiles(vec![1.0]), None);
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("002415.SZ"), "002415.SZ");
        assert_eq!(slug("a/b c"), "a_b_c");
    }
}
