//! Chart series from an output directory: the run's tables read back (`ar.csv`, `car.csv`,
//! `tests.csv`, `caar.csv`, `series.csv`, `summary.json`) and turned into what each chart
//! draws, so that `evimpact run` and `evimpact chart KIND` draw the same figure from the same
//! numbers.

mod memory;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use super::car_bands::QuantileBands;
use super::render::ChartOptions;
use super::{
    ArBarPanel, CaarPath, CarSeries, DayKind, PriceDay, PricePanel, Strip, TestRow, TestsChart,
    VolumeSeries,
};
use crate::outcome::Scope;
use crate::output::series::DayStatus;
use crate::returns::Status;
use crate::stats::{Reference, TestId};

#[derive(Debug, Clone, Deserialize)]
struct ArCsv {
    event_id: String,
    security: String,
    tau: i32,
    status: Status,
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
    /// The window ends before the security's first return after the news.
    #[serde(default)]
    misses_reaction: Option<bool>,
}

/// A `car.csv` row as the charts hold it: its window as a position in
/// [`ChartData::windows`] and its event by `car_pos` (a row of strings per event and window
/// was most of the chart data's memory at large N).
#[derive(Debug, Clone)]
struct CarRow {
    window: usize,
    car: Option<f64>,
    misses_reaction: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
struct TestCsv {
    scope: Scope,
    window: Option<String>,
    test: TestId,
    statistic: Option<f64>,
    p_value: Option<f64>,
    distribution: Reference,
}

#[derive(Debug, Clone, Deserialize)]
struct CaarCsv {
    scope: Scope,
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
    status: DayStatus,
    price: Option<f64>,
    #[allow(dead_code)]
    volume: Option<f64>,
    volume_ratio: Option<f64>,
    car: Option<f64>,
    car_var: Option<f64>,
    marks: Option<String>,
}

/// One row of `caar_path.csv`.
#[derive(Debug, Clone, Deserialize)]
struct PathCsv {
    tau: i32,
    n: usize,
    caar: Option<f64>,
    test: TestId,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// The run's lead test, as `summary.json` records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub test: TestId,
    pub reason: String,
    /// The lead window's label, e.g. `0:5`.
    pub window: Option<String>,
}

/// One analysed event as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventKey {
    pub event_id: String,
    pub security: String,
    pub entity: String,
    /// Legend label: "security entity", with the event id when a security has several.
    pub label: String,
    /// The price file's column and the exchange's currency (price chart axis); empty when
    /// `summary.json` does not say.
    pub price_column: String,
    pub currency: String,
}

/// Everything the charts draw, read back from an output directory.
#[derive(Debug, Clone)]
pub struct ChartData {
    pub dir: PathBuf,
    /// The run's lead test and window (summary.json), when it had one.
    pub lead: Option<Lead>,
    /// The CAAR path with the lead test's band (caar_path.csv).
    path: Vec<PathCsv>,
    /// The lead window's sample, e.g. "4 events on one date".
    lead_sample: Option<String>,
    /// The lead window's clustering (which tests are informative).
    lead_clustering: Option<crate::stats::Clustering>,
    pub name: String,
    pub model: String,
    pub estimation: String,
    pub event_window: (i32, i32),
    /// CAR windows as labels `-1:1`, in study order.
    pub windows: Vec<String>,
    pub events: Vec<EventKey>,
    ar: Vec<ArCsv>,
    car: Vec<CarRow>,
    /// Each `car` row's event position in `events` (`None`: not an analysed event).
    car_pos: Vec<Option<usize>>,
    tests: Vec<TestCsv>,
    caar: Vec<CaarCsv>,
    series: Vec<SeriesCsv>,
    /// Row indices of `series` and `ar` per (event_id, security): built once, so that
    /// every chart is linear in the number of events.
    series_idx: RowIndex,
    ar_idx: RowIndex,
    /// More events than charts draw one by one (see [`crate::output::plan::MANY_EVENTS`]).
    pub many: bool,
    /// The aggregates drawn at large N (`Some` when `many`).
    pub(crate) large: Option<Large>,
    /// Each group's CAAR path, and the headline of the groups' difference on the lead window.
    pub(crate) groups: Vec<CarSeries>,
    pub(crate) group_headline: Option<String>,
}

/// What the charts draw at large N instead of one mark per event.
#[derive(Debug, Clone)]
pub(crate) struct Large {
    /// Quantile bands of the CAR paths (fractions).
    pub car_bands: QuantileBands,
    /// Bands of log2(volume ratio) / 100 (the unit the path helpers multiply by 100) and
    /// the geometric mean path; `None` without volume.
    pub volume: Option<(QuantileBands, VolumeSeries)>,
    /// Events with an abnormal return (the AR panels' "first 9 of N"), when only the
    /// drawn ones were built.
    pub ar_total: Option<usize>,
    /// The J1 CAAR path of a run without a lead test (computed from every event).
    pub caar_fallback: Option<CaarPath>,
}

/// The volume bands and geometric mean path of [`Large::volume`] from each event's
/// (τ, volume multiple) on the event window `lo..=hi`, events in order (`paths` events), in
/// one pass: only the per-τ columns are held, not the events' points.
pub(crate) fn volume_aggregates(
    lo: i32,
    hi: i32,
    paths: usize,
    points: impl Iterator<Item = (i32, f64)>,
) -> Option<(QuantileBands, VolumeSeries)> {
    let width = (hi - lo + 1).max(0) as usize;
    let mut columns = vec![Vec::new(); width];
    let mut any = false;
    for (t, v) in points.filter(|x| x.1 > 0.0) {
        any = true;
        if (lo..=hi).contains(&t) {
            columns[(t - lo) as usize].push(v);
        }
    }
    any.then(|| volume_of_columns(lo, hi, paths, columns))
}

/// [`volume_aggregates`] from each τ's multiples above zero (column k: τ = lo + k, events
/// in order); `None` when no column has one.
pub(crate) fn volume_from_columns(
    lo: i32,
    hi: i32,
    paths: usize,
    columns: Vec<Vec<f64>>,
) -> Option<(QuantileBands, VolumeSeries)> {
    let any = columns.iter().any(|c| !c.is_empty());
    any.then(|| volume_of_columns(lo, hi, paths, columns))
}

/// The quantile bands of log2 multiples and the geometric mean per τ.
fn volume_of_columns(
    lo: i32,
    hi: i32,
    paths: usize,
    columns: Vec<Vec<f64>>,
) -> (QuantileBands, VolumeSeries) {
    let bands = columns
        .iter()
        .map(|c| {
            c.iter()
                .map(|v| v.log2() / 100.0)
                .filter(|b| b.is_finite())
                .collect()
        })
        .collect();
    let logs: Vec<Vec<f64>> = columns
        .into_iter()
        .map(|c| c.into_iter().map(f64::ln).collect())
        .collect();
    (
        QuantileBands::from_columns(lo, hi, paths, bands),
        geometric_mean_series(lo, hi, &logs),
    )
}

/// The cross-sectional geometric mean of volume multiples per τ on `lo..=hi` from each τ's
/// log multiples (events in order within each τ), as the "geometric mean" series; `None`
/// at a τ without a multiple.
fn geometric_mean_series(lo: i32, hi: i32, logs: &[Vec<f64>]) -> VolumeSeries {
    let taus: Vec<i32> = (lo..=hi).collect();
    let ratio = logs
        .iter()
        .map(|l| (!l.is_empty()).then(|| (l.iter().sum::<f64>() / l.len() as f64).exp()))
        .collect();
    VolumeSeries {
        label: "geometric mean".into(),
        suspended: vec![false; taus.len()],
        taus,
        ratio,
    }
}

/// The CAAR path with MacKinlay's J1 band CAAR ± 1.96·√(Σ Var(CAR_i))/N from each τ's
/// (CAR, Var(CAR)) pairs over `lo..=hi`.
pub(crate) fn j1_path(
    lo: i32,
    hi: i32,
    per_tau: impl Iterator<Item = Vec<(f64, f64)>>,
) -> CaarPath {
    let taus: Vec<i32> = (lo..=hi).collect();
    let mut caar = Vec::new();
    let (mut lower, mut upper) = (Vec::new(), Vec::new());
    let mut n_max = 0;
    for vals in per_tau {
        let n = vals.len();
        n_max = n_max.max(n);
        if n == 0 {
            caar.push(None);
            lower.push(None);
            upper.push(None);
            continue;
        }
        let m = vals.iter().map(|v| v.0).sum::<f64>() / n as f64;
        let half = 1.959_963_984_540_054 * vals.iter().map(|v| v.1).sum::<f64>().sqrt() / n as f64;
        caar.push(Some(m));
        lower.push(Some(m - half));
        upper.push(Some(m + half));
    }
    CaarPath {
        taus,
        caar,
        lower,
        upper,
        label: format!("CAAR (N ≤ {})", crate::text::thousands(n_max)),
        band_label: "95 % band (J1)".into(),
    }
}

/// Legend labels of outputs that have none (before 0.1): "security entity", with the event
/// id when a security has several events.
fn fill_labels(events: &mut [EventKey]) {
    let mut per_security: HashMap<&str, usize> = HashMap::new();
    for e in events.iter() {
        *per_security.entry(e.security.as_str()).or_default() += 1;
    }
    let several: Vec<bool> = events
        .iter()
        .map(|e| per_security[e.security.as_str()] > 1)
        .collect();
    for (e, several) in events.iter_mut().zip(several) {
        if !e.label.is_empty() {
            continue;
        }
        let base = if e.entity.is_empty() {
            e.security.clone()
        } else {
            format!("{} {}", e.security, e.entity)
        };
        e.label = if several {
            format!("{base} ({})", e.event_id)
        } else {
            base
        };
    }
}

/// Whether each row's session was suspended (a hollow marker, the CAR carried).
fn suspended(rows: &[&SeriesCsv]) -> Vec<bool> {
    rows.iter()
        .map(|s| s.status == DayStatus::Session(Status::Suspended))
        .collect()
}

/// Row positions by event id, then security: looked up with borrowed keys, so finding an
/// event's rows allocates nothing (a key of two cloned strings per lookup cost two
/// allocations per event for each chart that looks every event up).
type RowIndex = HashMap<String, HashMap<String, Vec<usize>>>;

/// The rows of one event, in file order, through an index built by [`index_by`].
fn rows_of<'a, T>(
    rows: &'a [T],
    idx: &'a RowIndex,
    e: &EventKey,
) -> impl Iterator<Item = &'a T> + 'a {
    idx.get(e.event_id.as_str())
        .and_then(|m| m.get(e.security.as_str()))
        .into_iter()
        .flatten()
        .map(|&i| &rows[i])
}

fn index_by<T>(rows: &[T], key: impl Fn(&T) -> (&str, &str)) -> RowIndex {
    let mut m: RowIndex = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let (event, security) = key(r);
        m.entry(event.to_string())
            .or_default()
            .entry(security.to_string())
            .or_default()
            .push(i);
    }
    m
}

pub(crate) fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, rec)| rec.with_context(|| format!("{}: row {}", path.display(), i + 2)))
        .collect()
}

/// The rows of the table `name` in `dir`: `name.csv`, else `name.parquet` (a run whose
/// per-session tables went to Parquet only, or `--formats parquet`), read through the same
/// CSV form so that both give the same values.
pub(crate) fn read_table<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>> {
    let csv = dir.join(format!("{name}.csv"));
    if csv.is_file() {
        return read_csv(&csv);
    }
    let pq = dir.join(format!("{name}.parquet"));
    if !pq.is_file() {
        anyhow::bail!(
            "reading {}: no such file (nor {name}.parquet)",
            csv.display()
        );
    }
    use polars::prelude::{CsvWriter, ParquetReader, SerReader, SerWriter};
    let f = std::fs::File::open(&pq).with_context(|| format!("reading {}", pq.display()))?;
    let mut df = ParquetReader::new(f)
        .finish()
        .with_context(|| format!("reading {}", pq.display()))?;
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .finish(&mut df)
        .with_context(|| format!("converting {}", pq.display()))?;
    let mut r = csv::Reader::from_reader(&buf[..]);
    r.deserialize()
        .enumerate()
        .map(|(i, rec)| rec.with_context(|| format!("{}: row {}", pq.display(), i + 1)))
        .collect()
}

/// Whether `dir` holds the table `name` (as CSV or Parquet).
pub(crate) fn has_table(dir: &Path, name: &str) -> bool {
    dir.join(format!("{name}.csv")).is_file() || dir.join(format!("{name}.parquet")).is_file()
}

fn lead_window_of(summary: &serde_json::Value) -> Option<String> {
    summary["lead_window"].as_str().map(str::to_string)
}

/// A window label `0:5` as `[0, +5]` (the label itself when it is not a window).
pub(crate) fn pretty(label: &str) -> String {
    match label.parse::<crate::window::Window>() {
        Ok(w) => w.pretty(),
        Err(_) => label.to_string(),
    }
}

/// A fraction as a signed percentage for chart text, "−6.81 %" (typographic minus); "–"
/// when absent.
pub(crate) fn pct_text(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map_or("–".into(), |v| {
        format!("{:+.2} %", v * 100.0).replace('-', "−")
    })
}

/// A p-value for chart text, 3 decimals; "–" when absent.
pub(crate) fn p_text(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or("–".into(), |v| format!("{v:.3}"))
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
                    .filter_map(|w| serde_json::from_value::<crate::window::Window>(w.clone()).ok())
                    .map(|w| w.label())
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
                            label: s("label"),
                            price_column: s("price_column"),
                            currency: s("currency"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if summary.get("events").is_none() {
            // summary.json of a large run (aggregates, no event list): the events from
            // model.csv, labelled by security (its entities are not in the tables).
            #[derive(Deserialize)]
            struct Key {
                event_id: String,
                security: String,
            }
            events = read_table::<Key>(dir, "model")?
                .into_iter()
                .map(|k| EventKey {
                    event_id: k.event_id,
                    security: k.security,
                    entity: String::new(),
                    label: String::new(),
                    price_column: String::new(),
                    currency: String::new(),
                })
                .collect();
        }
        fill_labels(&mut events);
        let lead = summary["lead"]["test"]
            .as_str()
            .and_then(|t| t.parse::<TestId>().ok())
            .map(|test| Lead {
                test,
                reason: summary["lead"]["reason"].as_str().unwrap_or("").to_string(),
                window: lead_window_of(&summary),
            });
        let path: Vec<PathCsv> = if has_table(dir, "caar_path") {
            read_table(dir, "caar_path")?
        } else {
            Vec::new()
        };
        let w = |v: (i32, i32)| crate::window::Window::event(v.0, v.1).pretty();
        let ar: Vec<ArCsv> = read_table(dir, "ar")?;
        let series: Vec<SeriesCsv> = read_table(dir, "series")?;
        let event_pos: HashMap<(String, String), usize> = events
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.event_id.clone(), e.security.clone()), i))
            .collect();
        // Rows of a window the study does not list are never drawn (the strips are the
        // study's windows): not kept.
        let (car, car_pos): (Vec<CarRow>, Vec<Option<usize>>) = read_table::<CarCsv>(dir, "car")?
            .into_iter()
            .filter_map(|c| {
                let window = windows.iter().position(|w| *w == c.window)?;
                let pos = event_pos
                    .get(&(c.event_id.clone(), c.security.clone()))
                    .copied();
                let row = CarRow {
                    window,
                    car: c.car,
                    misses_reaction: c.misses_reaction,
                };
                Some((row, pos))
            })
            .unzip();
        let many = events.len() > crate::output::plan::Limits::from_env().many_events;
        let lead_window = summary["lead_window"].as_str().map(str::to_string);
        let groups = super::group_paths(dir, ew)?;
        let group_headline = match lead.as_ref().and(lead_window.as_deref()) {
            Some(w) => super::group_headline(dir, w)?,
            None => None,
        };
        let mut data = ChartData {
            lead,
            path,
            lead_sample: summary["lead_sample"].as_str().map(str::to_string),
            lead_clustering: serde_json::from_value(summary["lead_clustering"].clone()).ok(),
            series_idx: index_by(&series, |s| (&s.event_id, &s.security)),
            ar_idx: index_by(&ar, |a| (&a.event_id, &a.security)),
            dir: dir.to_path_buf(),
            name: st["name"].as_str().unwrap_or("").to_string(),
            model: st["model"].as_str().unwrap_or("").to_string(),
            estimation: w(est),
            event_window: ew,
            windows,
            events,
            ar,
            car,
            car_pos,
            tests: read_table(dir, "tests")?,
            caar: read_table(dir, "caar")?,
            series,
            many,
            large: None,
            groups,
            group_headline,
        };
        if many {
            data.large = Some(data.large_from_rows());
        }
        Ok(data)
    }

    /// [`Large`] from the rows read back (what [`Self::from_outcome`] computes from the
    /// results).
    fn large_from_rows(&self) -> Large {
        let (lo, hi) = self.event_window;
        let all = ChartOptions::default();
        let paths = self.car_series(&all);
        let car_bands = QuantileBands::from_points(
            lo,
            hi,
            paths.len(),
            paths.iter().flat_map(|s| {
                s.taus
                    .iter()
                    .zip(&s.car)
                    .filter_map(|(t, c)| Some((*t, (*c)?)))
            }),
        );
        let ratios = self.events.iter().flat_map(|e| {
            self.window_rows(e)
                .into_iter()
                .filter_map(|s| Some((s.tau?, s.volume_ratio?)))
        });
        Large {
            car_bands,
            volume: volume_aggregates(lo, hi, self.events.len(), ratios),
            ar_total: None,
            caar_fallback: None,
        }
    }

    /// The `series.csv` rows of one event, in file order.
    fn series_of<'a>(&'a self, e: &EventKey) -> impl Iterator<Item = &'a SeriesCsv> + 'a {
        rows_of(&self.series, &self.series_idx, e)
    }

    /// The `series.csv` rows of one event on the event window, in file order.
    fn window_rows(&self, e: &EventKey) -> Vec<&SeriesCsv> {
        let (lo, hi) = self.event_window;
        self.series_of(e)
            .filter(|s| s.tau.is_some_and(|t| (lo..=hi).contains(&t)))
            .collect()
    }

    /// The `ar.csv` rows of one event, in file order.
    fn ar_of<'a>(&'a self, e: &EventKey) -> impl Iterator<Item = &'a ArCsv> + 'a {
        rows_of(&self.ar, &self.ar_idx, e)
    }

    pub(crate) fn selected<'a>(&'a self, opts: &ChartOptions) -> Vec<(usize, &'a EventKey)> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| opts.securities.is_empty() || opts.securities.contains(&e.security))
            .collect()
    }

    /// The subtitle that leads with what is valid at this N: the lead window's CAAR and the
    /// lead test, then the model (falls back to [`Self::subtitle`] without a lead test).
    pub(crate) fn lead_subtitle(&self, what: &str) -> String {
        let Some(l) = &self.lead else {
            return self.subtitle(what);
        };
        let Some(w) = &l.window else {
            return self.subtitle(what);
        };
        let caar = self
            .caar
            .iter()
            .find(|c| c.scope == Scope::Window && c.window.as_deref() == Some(w.as_str()));
        let t = self.tests.iter().find(|t| {
            t.scope == Scope::Window && t.test == l.test && t.window.as_deref() == Some(w.as_str())
        });
        match (caar, t) {
            (Some(c), Some(t)) => format!(
                "CAAR{} {} over {} · lead test {}: {} = {}, p = {}{what}",
                pretty(w),
                pct_text(c.mean),
                self.lead_sample.as_deref().unwrap_or("N events"),
                t.test.label(),
                crate::text::grouped_digits(&t.distribution.to_string()),
                t.statistic
                    .map(|v| format!("{v:.2}").replace('-', "−"))
                    .unwrap_or_else(|| "–".into()),
                p_text(t.p_value),
            ),
            _ => self.subtitle(what),
        }
    }

    pub(crate) fn subtitle(&self, what: &str) -> String {
        format!(
            "{} · {} model, estimation {} · {what}",
            self.name, self.model, self.estimation
        )
    }

    /// CAR path per event over the event window (from `series.csv`): `None` before the
    /// first return; on suspended sessions the CAR so far is carried (hollow marker).
    pub fn car_series(&self, opts: &ChartOptions) -> Vec<CarSeries> {
        self.selected(opts)
            .into_iter()
            .map(|(_, e)| {
                let rows = self.window_rows(e);
                CarSeries {
                    label: e.label.clone(),
                    taus: rows.iter().filter_map(|s| s.tau).collect(),
                    car: rows.iter().map(|s| s.car).collect(),
                    suspended: suspended(&rows),
                }
            })
            .collect()
    }

    /// CAAR path: mean over events of CAR[event start, τ], with the 95 % band of the run's
    /// lead test on each cumulative window (`caar_path.csv`); for outputs without that
    /// table, MacKinlay's J1 band CAAR ± 1.96·√(Σ Var(CAR_i))/N from `series.csv`.
    pub fn caar_path(&self) -> CaarPath {
        if let Some(first) = self.path.first() {
            let n_max = self.path.iter().map(|p| p.n).max().unwrap_or(0);
            return CaarPath {
                taus: self.path.iter().map(|p| p.tau).collect(),
                caar: self.path.iter().map(|p| p.caar).collect(),
                lower: self.path.iter().map(|p| p.lower).collect(),
                upper: self.path.iter().map(|p| p.upper).collect(),
                label: format!("CAAR (N ≤ {})", crate::text::thousands(n_max)),
                band_label: format!("95 % band of the lead test, {}", first.test),
            };
        }
        if let Some(p) = self.large.as_ref().and_then(|l| l.caar_fallback.clone()) {
            return p;
        }
        let (lo, hi) = self.event_window;
        let per_tau = (lo..=hi).map(|t| {
            self.series
                .iter()
                .filter(|s| s.tau == Some(t))
                .filter_map(|s| Some((s.car?, s.car_var?)))
                .collect::<Vec<_>>()
        });
        j1_path(lo, hi, per_tau)
    }

    /// AR bar panels (from `ar.csv`), each selected event's in order, built as they are
    /// read (a caller that draws the first few does not build a panel per event).
    pub fn ar_panels<'a>(&'a self, opts: &ChartOptions) -> impl Iterator<Item = ArBarPanel> + 'a {
        self.selected(opts).into_iter().map(|(_, e)| {
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
                suspended: rows.iter().map(|a| a.status == Status::Suspended).collect(),
                span: rows.iter().map(|a| a.span.unwrap_or(0)).collect(),
            }
        })
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
                // Rows matched by the window's position, not its label (a string compare
                // per CAR row and window: tens of millions at large N).
                let wi = self.windows.iter().position(|x| *x == w);
                let rows = || {
                    self.car
                        .iter()
                        .zip(&self.car_pos)
                        .filter(move |(c, _)| Some(c.window) == wi)
                };
                let values: Vec<(usize, f64)> =
                    rows().filter_map(|(c, i)| Some(((*i)?, c.car?))).collect();
                let missed: Vec<usize> = rows()
                    .filter(|(c, _)| c.misses_reaction == Some(true))
                    .filter_map(|(_, i)| *i)
                    .collect();
                let mean = self
                    .caar
                    .iter()
                    .find(|c| c.scope == Scope::Window && c.window.as_deref() == Some(&w))
                    .and_then(|c| c.mean)
                    .unwrap_or(f64::NAN);
                Strip {
                    label: pretty(&w),
                    missed,
                    quantiles: crate::stats::quantiles(values.iter().map(|v| v.1).collect()),
                    values,
                    mean,
                }
            })
            .collect()
    }

    /// Test statistics per window (from `tests.csv`), in the order tests first appear.
    pub fn tests_chart(&self, opts: &ChartOptions) -> TestsChart {
        let windows = self.chosen_windows(opts);
        let find = |test: TestId, w: &str| {
            self.tests.iter().find(|t| {
                t.scope == Scope::Window && t.test == test && t.window.as_deref() == Some(w)
            })
        };
        let present: Vec<TestId> = TestId::ALL
            .into_iter()
            .filter(|id| self.tests.iter().any(|t| t.test == *id))
            .collect();
        let lead = self.lead.as_ref().map(|l| l.test);
        let (n, clustered) = self
            .lead_clustering
            .map(|c| (c.n, c.clustered()))
            .unwrap_or((0, false));
        let row = |id: TestId| TestRow {
            label: id.label().to_string(),
            heading: false,
            informative: self.lead_clustering.is_none()
                || crate::stats::informative(id, n, clustered).0,
            lead: Some(id) == lead,
            p: windows
                .iter()
                .map(|w| find(id, w).and_then(|r| r.p_value))
                .collect(),
        };
        let heading = |label: &str| TestRow {
            label: label.to_string(),
            heading: true,
            informative: true,
            lead: false,
            p: Vec::new(),
        };
        let mut rows = Vec::new();
        if let Some(l) = lead.filter(|l| present.contains(l)) {
            rows.push(heading("lead test"));
            rows.push(row(l));
        }
        let families: std::collections::BTreeSet<crate::stats::Family> =
            present.iter().map(|t| t.family()).collect();
        for f in families {
            let ids: Vec<TestId> = present
                .iter()
                .copied()
                .filter(|t| t.family() == f && Some(*t) != lead)
                .collect();
            if ids.is_empty() {
                continue;
            }
            rows.push(heading(f.label()));
            rows.extend(ids.into_iter().map(row));
        }
        TestsChart {
            n: windows
                .iter()
                .map(|w| {
                    self.caar
                        .iter()
                        .find(|c| c.scope == Scope::Window && c.window.as_deref() == Some(w))
                        .map(|c| c.n)
                        .unwrap_or(0)
                })
                .collect(),
            windows: windows.iter().map(|w| pretty(w)).collect(),
            rows,
        }
    }

    /// Price panel of each selected event with a day 0, in order, built as they are read.
    pub fn price_panels<'a>(
        &'a self,
        opts: &ChartOptions,
    ) -> impl Iterator<Item = (EventKey, PricePanel)> + 'a {
        self.selected(opts).into_iter().filter_map(|(_, e)| {
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
                    kind: match s.status {
                        DayStatus::Session(Status::Trading) => DayKind::Trading,
                        DayStatus::Session(Status::LimitLocked) => DayKind::LimitLocked,
                        DayStatus::Session(Status::Suspended) => DayKind::Suspended,
                        DayStatus::Closed => DayKind::Closed,
                        DayStatus::Session(Status::NoData | Status::Holiday) => DayKind::NoData,
                    },
                    price: s.price.filter(|_| {
                        matches!(
                            s.status,
                            DayStatus::Session(Status::Trading | Status::LimitLocked)
                        )
                    }),
                })
                .collect();
            Some((
                e.clone(),
                PricePanel {
                    label: e.label.clone(),
                    y_label: super::price::price_axis_label(&e.price_column, &e.currency),
                    days,
                    day0,
                    announced,
                    others,
                },
            ))
        })
    }

    /// Volume ratio per event over the event window, and its cross-sectional geometric
    /// mean; `None` when no event has volume.
    pub fn volume(&self, opts: &ChartOptions) -> Option<(Vec<VolumeSeries>, VolumeSeries)> {
        let series: Vec<VolumeSeries> = self
            .selected(opts)
            .into_iter()
            .map(|(_, e)| {
                let rows = self.window_rows(e);
                VolumeSeries {
                    label: e.label.clone(),
                    taus: rows.iter().filter_map(|s| s.tau).collect(),
                    ratio: rows
                        .iter()
                        .map(|s| s.volume_ratio.filter(|v| *v > 0.0))
                        .collect(),
                    suspended: suspended(&rows),
                }
            })
            .collect();
        if series.iter().all(|s| s.ratio.iter().all(Option::is_none)) {
            return None;
        }
        let (lo, hi) = self.event_window;
        // Each series' first multiple at each τ, events in order.
        let points = series.iter().flat_map(|s| {
            s.taus.iter().enumerate().filter_map(move |(k, t)| {
                let first = s.taus.iter().position(|x| x == t) == Some(k);
                first.then_some(s.ratio[k].map(|v| (*t, v))).flatten()
            })
        });
        let mut logs = vec![Vec::new(); (hi - lo + 1).max(0) as usize];
        for (t, v) in points.filter(|p| (lo..=hi).contains(&p.0)) {
            logs[(t - lo) as usize].push(v.ln());
        }
        Some((series, geometric_mean_series(lo, hi, &logs)))
    }
}
