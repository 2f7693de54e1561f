//! What a run writes at its size: which table formats (`--formats`, the study file's
//! `[outputs] formats`), whether `summary.json` lists every event, and where the charts and
//! the report switch from one mark or row per event to aggregate forms.
//!
//! Four sizes, each with its reason:
//!
//! - **More than [`MANY_EVENTS`] (200) analysed events**: one line per event no longer reads
//!   (200 overlapping CAR paths are a grey mass, 200 table rows a page nobody scans).
//!   `car.png` draws quantile bands of the CAR paths (5–95 %, 25–75 %, median) with the
//!   CAAR, `volume.png` the same for the volume ratio, `car_density.png` adds a histogram
//!   of CARs per window, and the report shows aggregates and the most extreme events
//!   (top and bottom [`EXTREMES`] by CAR) with a pointer to the tables.
//! - **More than [`SUMMARY_EVENTS`] (1,000) analysed events**: `summary.json` gives the
//!   per-event results as aggregates (quantiles of CAR per window, of the model's
//!   parameters) and names the tables that hold every event, instead of listing each event
//!   (about 2 KB per event: 20 MB at 10,000 events, a copy of `car`, `model`, `params` and
//!   `bhar`).
//! - **Per-session tables longer than [`SESSION_ROWS`] (1,000,000) rows** (`series`, the
//!   longest, has about event window + 20 sessions per event: some 24,000 events with the
//!   default 21-session window): `ar`, `status`, `series` and `volume` are written as
//!   Parquet only, unless `--formats` asks for CSV. A spreadsheet opens at most 1,048,576
//!   rows, so a longer CSV serves no reader Parquet does not serve better, and writing it
//!   costs more than the study.
//!
//!   Beyond the same 1,000 events `tables.xlsx` leaves the per-session tables out (its
//!   `contents` sheet lists each with its rows and files): at 10,000 events they were 95 %
//!   of a 141 MB workbook (ar alone 210,000 rows), past what a spreadsheet opens
//!   comfortably, and writing them cost 15 % of the run; the workbook keeps every table a
//!   reader reads (tests, CAAR, CAR per event, model, …).
//!
//! - **Per-event tables longer than [`TABLE_ROWS`] (1,000,000) rows** (`car`, `bhar` and
//!   `volume_windows` have a row per event and CAR window: 200,000 events with the default
//!   five windows; `params` one per parameter, `audit` a few per event): each such table is
//!   written as Parquet only, unless `--formats` asks for CSV, for the reason above (past
//!   Excel's rows the workbook leaves it out too). At 1,000,000 events on 20,000
//!   securities five of them passed it, their CSVs 1.9 GB beside 0.4 GB of Parquet.
//!
//! Up to those sizes every output is as it always was. Tests lower the four limits
//! through `EVIMPACT_MANY_EVENTS`, `EVIMPACT_SUMMARY_EVENTS`, `EVIMPACT_SESSION_ROWS` and
//! `EVIMPACT_TABLE_ROWS` (a hidden hook: a small synthetic panel then runs in "large" mode
//! in a debug build).

use crate::outcome::Outcome;
pub use crate::study::formats::{TableFormat, parse_formats};

/// Analysed events beyond which charts and the report show aggregates instead of one
/// mark or row per event.
pub const MANY_EVENTS: usize = 200;
/// Analysed events beyond which `summary.json` holds aggregates instead of every event.
pub const SUMMARY_EVENTS: usize = 1_000;
/// Rows of the longest per-session table beyond which those tables are Parquet only.
pub const SESSION_ROWS: usize = 1_000_000;
/// Rows of a per-event table ([`EVENT_TABLES`]) beyond which it is Parquet only.
pub const TABLE_ROWS: usize = 1_000_000;
/// Events shown at each end (largest and smallest CAR) in the report at large N.
pub const EXTREMES: usize = 10;

/// The per-session tables: one row per event and session (or weekday).
pub const SESSION_TABLES: [&str; 4] = ["ar", "status", "series", "volume"];

/// The per-event tables: a row or a few per event (and window, parameter or decision).
pub const EVENT_TABLES: [&str; 8] = [
    "car",
    "model",
    "params",
    "bhar",
    "volume_windows",
    "audit",
    "volatility",
    "diagnostics",
];

const PARQUET: &[TableFormat] = &[TableFormat::Parquet];

/// The limits of this process: the constants above, or lower ones from the test hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub many_events: usize,
    pub summary_events: usize,
    pub session_rows: usize,
    pub table_rows: usize,
}

impl Limits {
    /// The constants, each replaced by its environment variable when that holds a number.
    pub fn from_env() -> Limits {
        let get = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(d)
        };
        Limits {
            many_events: get("EVIMPACT_MANY_EVENTS", MANY_EVENTS),
            summary_events: get("EVIMPACT_SUMMARY_EVENTS", SUMMARY_EVENTS),
            session_rows: get("EVIMPACT_SESSION_ROWS", SESSION_ROWS),
            table_rows: get("EVIMPACT_TABLE_ROWS", TABLE_ROWS),
        }
    }
}

/// What one run writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Formats of the per-session tables ([`SESSION_TABLES`]).
    pub session: Vec<TableFormat>,
    /// Formats of every other table.
    pub other: Vec<TableFormat>,
    /// The per-session tables went to Parquet only because of their length (the terminal
    /// and the report say so).
    pub session_parquet_only: bool,
    /// Sessions of the longest per-session table (`series`), as counted for the rule.
    pub session_rows: usize,
    /// The per-event tables written as Parquet only because of their length, with their
    /// rows (the terminal says so), in [`EVENT_TABLES`]' order.
    pub long: Vec<(&'static str, usize)>,
    /// Every per-event table's rows ([`event_table_rows`]).
    pub counted: Vec<(&'static str, usize)>,
    /// `summary.json` holds aggregates instead of every event.
    pub summary_aggregates: bool,
    /// Charts and the report show aggregates instead of one mark or row per event.
    pub many: bool,
    /// The per-session tables are sheets of `tables.xlsx` (up to [`SUMMARY_EVENTS`]
    /// analysed events; beyond, `contents` lists them with their files).
    pub workbook_sessions: bool,
    pub limits: Limits,
}

impl Plan {
    /// The plan of `o` with the limits of this process.
    pub fn for_outcome(o: &Outcome) -> Plan {
        Plan::with_limits(o, Limits::from_env())
    }

    /// The plan of `o` with `limits`.
    pub fn with_limits(o: &Outcome, limits: Limits) -> Plan {
        let n = o.results.len();
        let session_rows = series_sessions(o);
        let (session, other, parquet_only) = match &o.study.formats {
            Some(f) => (f.clone(), f.clone(), false),
            None if session_rows > limits.session_rows => (
                vec![TableFormat::Parquet],
                vec![TableFormat::Csv, TableFormat::Parquet],
                true,
            ),
            None => (
                vec![TableFormat::Csv, TableFormat::Parquet],
                vec![TableFormat::Csv, TableFormat::Parquet],
                false,
            ),
        };
        let counted = event_table_rows(o);
        let long = match &o.study.formats {
            Some(_) => Vec::new(),
            None => counted
                .iter()
                .copied()
                .filter(|(_, rows)| *rows > limits.table_rows)
                .collect(),
        };
        Plan {
            session,
            other,
            session_parquet_only: parquet_only,
            session_rows,
            long,
            counted,
            summary_aggregates: n > limits.summary_events,
            many: n > limits.many_events,
            workbook_sessions: n <= limits.summary_events,
            limits,
        }
    }

    /// The formats of the table `name`.
    pub fn formats(&self, name: &str) -> &[TableFormat] {
        if SESSION_TABLES.contains(&name) {
            &self.session
        } else if self.long.iter().any(|(t, _)| *t == name) {
            PARQUET
        } else {
            &self.other
        }
    }

    /// The rows counted for the per-event table `name` (`None` for other tables).
    pub fn counted(&self, name: &str) -> Option<usize> {
        self.counted
            .iter()
            .find(|(t, _)| *t == name)
            .map(|(_, rows)| *rows)
    }

    /// The file a reader should open for the table `name`: CSV when written, else Parquet,
    /// e.g. `ar.parquet`.
    pub fn file(&self, name: &str) -> String {
        let f = self.formats(name);
        let ext = if f.contains(&TableFormat::Csv) || f.is_empty() {
            "csv"
        } else {
            "parquet"
        };
        format!("{name}.{ext}")
    }

    /// The line the terminal prints when the per-session tables went to Parquet only.
    pub fn parquet_note(&self) -> Option<String> {
        self.session_parquet_only.then(|| {
            format!(
                "per-session tables ar, status, series and volume written as Parquet only ({} rows in series, over {}); add --formats csv,parquet for CSV as well",
                crate::text::thousands(self.session_rows),
                crate::text::thousands(self.limits.session_rows)
            )
        })
    }
}

impl Plan {
    /// The line the terminal prints when per-event tables went to Parquet only.
    pub fn long_note(&self) -> Option<String> {
        (!self.long.is_empty()).then(|| {
            let names: Vec<String> = self
                .long
                .iter()
                .map(|(t, rows)| format!("{t} ({} rows)", crate::text::thousands(*rows)))
                .collect();
            format!(
                "{} written as Parquet only (over {} rows); add --formats csv,parquet for CSV as well",
                crate::text::and_list(&names),
                crate::text::thousands(self.limits.table_rows)
            )
        })
    }

    /// The line the terminal prints when the per-session tables are left out of
    /// `tables.xlsx` (its `contents` sheet lists them).
    pub fn workbook_note(&self) -> Option<String> {
        (!self.workbook_sessions).then(|| {
            format!(
                "tables.xlsx: per-session tables ar, status, series and volume left out beyond {} analysed events (its contents sheet lists them); they are in their table files",
                crate::text::thousands(self.limits.summary_events)
            )
        })
    }
}

/// The rows of each per-event table ([`EVENT_TABLES`], in order), without building it: the
/// rows each table's builder writes (`Tables::write` checks them in debug builds).
pub fn event_table_rows(o: &Outcome) -> Vec<(&'static str, usize)> {
    let r = &o.results;
    let sum = |f: &dyn Fn(&crate::outcome::EventResult) -> usize| r.iter().map(f).sum::<usize>();
    let rows = [
        sum(&|x| x.analysis.cars.len()),
        r.len(),
        sum(&|x| x.analysis.fit.params.len()),
        sum(&|x| x.analysis.bhars.len()),
        sum(&|x| x.analysis.volume.as_ref().map_or(0, |v| v.windows.len())),
        o.audit.len(),
        o.second.volatility.len(),
        o.second.diagnostics.len(),
    ];
    EVENT_TABLES.into_iter().zip(rows).collect()
}

/// Sessions of the `series` table (from [`crate::output::series::PRICE_PAD`] before to after the
/// event window of each analysed event, clamped to its calendar), without building it.
pub fn series_sessions(o: &Outcome) -> usize {
    let w = o.study.event_window;
    let pad = i64::from(super::series::PRICE_PAD);
    o.results
        .iter()
        .map(|r| {
            let n = r.calendar.len() as i64;
            if n == 0 {
                return 0;
            }
            let d0 = r.day0_index as i64;
            let lo = (d0 + i64::from(w.start) - pad).clamp(0, n - 1);
            let hi = (d0 + i64::from(w.end) + pad).clamp(0, n - 1);
            (hi - lo + 1) as usize
        })
        .sum()
}

/// The window the extremes are ranked on: the run's lead window, else the first.
pub fn ranking_window(o: &Outcome) -> Option<usize> {
    o.lead_window()
        .or((!o.study.car_windows.is_empty()).then_some(0))
}

/// The `k` events with the largest and the `k` with the smallest finite CAR on the CAR
/// window `wi` (largest first, smallest first; ties in the order of the results).
pub fn extremes(
    o: &Outcome,
    wi: usize,
    k: usize,
) -> (
    Vec<&crate::outcome::EventResult>,
    Vec<&crate::outcome::EventResult>,
) {
    let mut ranked: Vec<(&crate::outcome::EventResult, f64)> = o
        .results
        .iter()
        .filter_map(|r| Some((r, r.analysis.cars.get(wi)?.car)))
        .filter(|(_, c)| c.is_finite())
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top = ranked.iter().take(k).map(|x| x.0).collect();
    let bottom = ranked.iter().rev().take(k).map(|x| x.0).collect();
    (top, bottom)
}

/// Count, mean, standard deviation, minimum, 5/25/50/75/95 % quantiles and maximum of the
/// finite values, as `summary.json` and the report give a per-event quantity at large N.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    /// 5 %, 25 %, 50 %, 75 %, 95 % (Hyndman & Fan type 7); `None` below 2 values.
    pub quantiles: Option<[f64; 5]>,
}

impl Spread {
    pub fn of(values: impl Iterator<Item = f64>) -> Spread {
        let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        Spread {
            n: v.len(),
            mean: crate::stats::mean(&v),
            sd: crate::stats::sample_sd(&v),
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            quantiles: crate::stats::quantiles(v),
        }
    }
}
