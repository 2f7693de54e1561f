//! `series.csv`/`.parquet`: prices, volume and the cumulative CAR around each analysed
//! event, the one table the charts need beyond the statistics (they read it back, so that
//! `evimpact run` and `evimpact chart` draw from the same numbers).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;
use rayon::prelude::*;

use super::tables::epoch_days;
use crate::outcome::{EventResult, Outcome};
use crate::returns::Status;

/// Sessions shown in the price panel beyond each side of the event window.
pub const PRICE_PAD: i32 = 10;

/// A weekday's status in `series.csv`: a session's trading status, or `closed` on a
/// weekday that is not a session of the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayStatus {
    Session(Status),
    Closed,
}

impl DayStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DayStatus::Session(s) => s.as_str(),
            DayStatus::Closed => "closed",
        }
    }
}

impl std::str::FromStr for DayStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "closed" => Ok(DayStatus::Closed),
            other => other.parse().map(DayStatus::Session),
        }
    }
}

impl<'de> serde::Deserialize<'de> for DayStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One row of `series.csv`: one weekday around one event for one security (its ids
/// borrowed from the event's result: millions of rows at large N share them).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow<'a> {
    pub event_id: &'a str,
    pub security: &'a str,
    pub date: NaiveDate,
    /// Event time of a session; `None` on weekdays the exchange was closed.
    pub tau: Option<i32>,
    /// The session's status, or `closed` on a weekday that is not a session.
    pub status: DayStatus,
    pub price: Option<f64>,
    pub volume: Option<f64>,
    /// Volume / the estimation window's geometric mean volume (exp of the mean log volume on
    /// its traded sessions): exp(abnormal log volume).
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

/// The volume multiple's denominator: the estimation window's geometric mean volume,
/// exp(mean ln V) on its traded sessions with volume, so that the multiple's logarithm is
/// the abnormal log volume of volume.csv (one definition in the tables, charts and report).
fn volume_mean(r: &EventResult) -> Option<f64> {
    r.analysis
        .volume
        .as_ref()
        .map(|v| v.est_mean_log.exp())
        .filter(|m| m.is_finite() && *m > 0.0)
}

/// Session `i`'s volume over `mean` (see [`volume_mean`]), on a traded session with volume.
fn volume_ratio(tl: &crate::returns::Timeline, i: usize, mean: Option<f64>) -> Option<f64> {
    let v = fin(tl.volume[i])?;
    (tl.status[i].traded() && v > 0.0).then_some(v / mean?)
}

/// (τ, volume multiple) on each session of the event window with one: the `volume_ratio`
/// of [`series_rows`] on the event window, without building the rows (the charts at
/// large N).
pub fn window_volume_ratios(o: &Outcome, r: &EventResult) -> Vec<(i32, f64)> {
    let mut out = Vec::new();
    each_window_volume_ratio(o, r, |t, v| out.push((t, v)));
    out
}

/// [`window_volume_ratios`] as `f(τ, multiple)` calls, without a `Vec` per event.
pub fn each_window_volume_ratio(o: &Outcome, r: &EventResult, mut f: impl FnMut(i32, f64)) {
    let (tl, n, d0) = (&r.timeline, r.calendar.len(), r.day0_index as i64);
    if tl.status.len() != n || r.day0_index >= n {
        return;
    }
    let mean = volume_mean(r);
    let w = o.study.event_window;
    for t in w.start..=w.end {
        let Some(i) = usize::try_from(d0 + i64::from(t)).ok().filter(|i| *i < n) else {
            continue;
        };
        if let Some(v) = volume_ratio(tl, i, mean) {
            f(t, v);
        }
    }
}

/// The events of the event file by security (`None`: events without a security, which mark
/// every security), each list in file order with its dates sorted beside it, so that the
/// events of one date range are found by binary search (a series looks up only the events
/// inside its own dates: linear in events, however many events a security has).
pub struct EventsBySecurity<'a>(HashMap<Option<&'a str>, Dated<'a>>);

/// One security's events in file order, and (date, position) sorted by date.
#[derive(Default)]
struct Dated<'a> {
    events: Vec<&'a crate::data::events::Event>,
    by_date: Vec<(NaiveDate, usize)>,
}

impl<'a> Dated<'a> {
    /// The events dated `first..=last`, in file order.
    fn between(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> impl Iterator<Item = &'a crate::data::events::Event> + '_ {
        let lo = self.by_date.partition_point(|(d, _)| *d < first);
        let hi = self.by_date.partition_point(|(d, _)| *d <= last);
        let mut at: Vec<usize> = self.by_date[lo..hi.max(lo)]
            .iter()
            .map(|(_, i)| *i)
            .collect();
        at.sort_unstable();
        at.into_iter().map(|i| self.events[i])
    }
}

impl<'a> EventsBySecurity<'a> {
    pub fn new(o: &'a Outcome) -> Self {
        Self::of(o.events.iter())
    }

    /// No event: series without marks.
    pub fn empty() -> Self {
        EventsBySecurity(HashMap::new())
    }

    /// [`Self::new`] for the events of `securities` only (and those without a security):
    /// the marks of a few series without an index of every security's events.
    pub fn only(o: &'a Outcome, securities: &HashSet<&str>) -> Self {
        Self::of(
            o.events
                .iter()
                .filter(|e| e.security.as_deref().is_none_or(|s| securities.contains(s))),
        )
    }

    fn of(events: impl Iterator<Item = &'a crate::data::events::Event>) -> Self {
        let mut m: HashMap<Option<&str>, Dated<'a>> = HashMap::new();
        for e in events {
            let d = m.entry(e.security.as_deref()).or_default();
            d.by_date.push((e.date, d.events.len()));
            d.events.push(e);
        }
        for d in m.values_mut() {
            d.by_date.sort_unstable();
        }
        EventsBySecurity(m)
    }

    /// The events of `security`, then those without a security, dated `first..=last`, each
    /// group in file order.
    fn between(
        &self,
        security: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Vec<&'a crate::data::events::Event> {
        let own = self.0.get(&Some(security)).into_iter();
        own.chain(self.0.get(&None))
            .flat_map(|d| d.between(first, last))
            .collect()
    }
}

/// Series rows of one event: sessions from `PRICE_PAD` before to `PRICE_PAD` after the
/// event window, and the weekdays between them that are not sessions.
pub fn series_rows<'a>(
    o: &Outcome,
    by_security: &EventsBySecurity,
    r: &'a EventResult,
) -> Vec<SeriesRow<'a>> {
    let (tl, cal, d0) = (&r.timeline, &r.calendar, r.day0_index);
    if tl.status.len() != cal.len() || d0 >= cal.len() {
        return Vec::new();
    }
    let s = &o.study;
    let n = cal.len() as i64;
    let lo = (d0 as i64 + i64::from(s.event_window.start - PRICE_PAD)).clamp(0, n - 1) as usize;
    let hi = (d0 as i64 + i64::from(s.event_window.end + PRICE_PAD)).clamp(0, n - 1) as usize;

    let vol_mean = volume_mean(r);

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
    // Only the events inside the series' dates can mark a row (the others were dropped
    // below): looked up by date, not by reading every event of the security.
    let (first, last) = (cal.sessions[lo], cal.sessions[hi]);
    let mut seen = std::collections::BTreeSet::new();
    for e in by_security.between(&r.security, first, last) {
        if e.event_id != r.event_id && seen.insert((e.event_id.clone(), e.date)) {
            marks.push((e.date, format!("other:{}", e.event_id)));
        }
    }

    let mut out = Vec::new();
    let mut push = |date: NaiveDate, i: Option<usize>| {
        let tau = i.map(|i| (i as i64 - d0 as i64) as i32);
        let (status, price, volume) = match i {
            Some(i) => (
                DayStatus::Session(tl.status[i]),
                fin(tl.price[i]),
                fin(tl.volume[i]),
            ),
            None => (DayStatus::Closed, None, None),
        };
        let volume_ratio = i.and_then(|i| volume_ratio(tl, i, vol_mean));
        let (car, car_var) = match tau.and_then(|t| cum.get(&t)) {
            Some(&(c, v)) if s.event_window.contains(tau.unwrap_or(i32::MIN)) => (Some(c), fin(v)),
            _ => (None, None),
        };
        out.push(SeriesRow {
            event_id: &r.event_id,
            security: &r.security,
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

/// `series.csv`: prices, volume and cumulative CAR around every analysed event, as
/// [`SERIES_CHUNK`] events' rows at a time, in order: each chunk's
/// rows are built (in parallel) and made columns before the next chunk is built.
pub fn series_chunks(o: &Outcome) -> impl Iterator<Item = PolarsResult<DataFrame>> + '_ {
    let by_security = EventsBySecurity::new(o);
    super::tables::chunks_of(&o.results, SERIES_CHUNK).map(move |chunk| {
        let rows = rows_of(o, &by_security, chunk);
        let mut cols = SeriesColumns::new(rows.len());
        cols.append(&rows);
        cols.finish()
    })
}

/// The `series` rows of some events, built in parallel and collected in their order.
fn rows_of<'a>(
    o: &Outcome,
    by_security: &EventsBySecurity,
    chunk: &'a [EventResult],
) -> Vec<SeriesRow<'a>> {
    chunk
        .par_iter()
        .flat_map_iter(|r| series_rows(o, by_security, r))
        .collect()
}

/// Events whose `series` rows are built at once: each chunk's rows are made columns before
/// the next chunk is built, so that the table never holds a second copy of its rows (4
/// million at 100,000 events; a chunk's rows are some 10 MB).
const SERIES_CHUNK: usize = 1024;

/// The 11 columns of the `series` table as they are filled.
struct SeriesColumns {
    event_id: StringChunkedBuilder,
    security: StringChunkedBuilder,
    /// [`epoch_days`] (a Date column once finished, as `dates_col` makes it).
    date: PrimitiveChunkedBuilder<Int32Type>,
    tau: PrimitiveChunkedBuilder<Int32Type>,
    status: StringChunkedBuilder,
    price: PrimitiveChunkedBuilder<Float64Type>,
    volume: PrimitiveChunkedBuilder<Float64Type>,
    volume_ratio: PrimitiveChunkedBuilder<Float64Type>,
    car: PrimitiveChunkedBuilder<Float64Type>,
    car_var: PrimitiveChunkedBuilder<Float64Type>,
    marks: StringChunkedBuilder,
}

impl SeriesColumns {
    fn new(rows: usize) -> Self {
        let s = |name: &str| StringChunkedBuilder::new(name.into(), rows);
        let i = |name: &str| PrimitiveChunkedBuilder::<Int32Type>::new(name.into(), rows);
        let f = |name: &str| PrimitiveChunkedBuilder::<Float64Type>::new(name.into(), rows);
        SeriesColumns {
            event_id: s("event_id"),
            security: s("security"),
            date: i("date"),
            tau: i("tau"),
            status: s("status"),
            price: f("price"),
            volume: f("volume"),
            volume_ratio: f("volume_ratio"),
            car: f("car"),
            car_var: f("car_var"),
            marks: s("marks"),
        }
    }

    /// Appends the rows, each column on its own thread.
    fn append(&mut self, rows: &[SeriesRow<'_>]) {
        let text = |b: &mut StringChunkedBuilder, f: for<'r> fn(&'r SeriesRow<'_>) -> &'r str| {
            rows.iter().for_each(|r| b.append_value(f(r)));
        };
        let num = |b: &mut PrimitiveChunkedBuilder<Float64Type>,
                   f: fn(&SeriesRow<'_>) -> Option<f64>| {
            rows.iter().for_each(|r| b.append_option(f(r)));
        };
        let c = self;
        rayon::scope(|s| {
            s.spawn(|_| text(&mut c.event_id, |r| r.event_id));
            s.spawn(|_| text(&mut c.security, |r| r.security));
            s.spawn(|_| {
                rows.iter()
                    .for_each(|r| c.date.append_value(epoch_days(r.date)));
            });
            s.spawn(|_| rows.iter().for_each(|r| c.tau.append_option(r.tau)));
            s.spawn(|_| text(&mut c.status, |r| r.status.as_str()));
            s.spawn(|_| num(&mut c.price, |r| r.price));
            s.spawn(|_| num(&mut c.volume, |r| r.volume));
            s.spawn(|_| num(&mut c.volume_ratio, |r| r.volume_ratio));
            s.spawn(|_| num(&mut c.car, |r| r.car));
            s.spawn(|_| num(&mut c.car_var, |r| r.car_var));
            s.spawn(|_| text(&mut c.marks, |r| &r.marks));
        });
    }

    /// The table, in its column order.
    fn finish(self) -> PolarsResult<DataFrame> {
        let f = |b: PrimitiveChunkedBuilder<Float64Type>| b.finish().into_column();
        let columns = vec![
            self.event_id.finish().into_column(),
            self.security.finish().into_column(),
            self.date.finish().into_column().cast(&DataType::Date)?,
            self.tau.finish().into_column(),
            self.status.finish().into_column(),
            f(self.price),
            f(self.volume),
            f(self.volume_ratio),
            f(self.car),
            f(self.car_var),
            self.marks.finish().into_column(),
        ];
        DataFrame::new_infer_height(columns)
    }
}
