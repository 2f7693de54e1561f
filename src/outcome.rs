//! The results of a run as plain values: what the tables, the report and the charts read.
//! Nothing here computes; the pipeline fills it.

pub mod second_stage;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::abnormal::{EventAnalysis, NotAnalysed};
use crate::align::Unaligned;
use crate::data::calendar::Calendar;
use crate::data::events::Event;
use crate::data::provenance::InputFile;
use crate::returns::Timeline;
use crate::stats::{Clustering, Lead, Reference, TestId, TestStat};
use crate::study::Study;
use crate::window::Window;

/// One row of the audit table: a decision about one event and security.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub event_id: String,
    pub security: String,
    pub announced: String,
    pub day0: Option<NaiveDate>,
    /// Which decision: `event_day`, `trading_status`, `estimation`, `data`, `skip`.
    pub rule: String,
    pub outcome: String,
    pub reason: String,
}

impl AuditRow {
    /// Whether the report's "Trading status" section lists this decision: every rule but
    /// day 0, estimation and skips (and not an entity without market data), plus an event
    /// suspended on its day 0.
    pub fn is_trading_status_line(&self) -> bool {
        !matches!(self.rule.as_str(), "event_day" | "estimation" | "skip")
            && self.outcome != "no_market_data"
            || self.outcome == "suspended_on_day0"
    }
}

/// Whether a row without statistics is an entity without listed shares or a skipped
/// event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// An entity without a listed security: nothing to analyse, not a problem.
    NoMarketData,
    /// An event that could not be analysed, with its reason.
    Skipped,
}

impl SkipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipKind::NoMarketData => "no_market_data",
            SkipKind::Skipped => "skipped",
        }
    }
}

/// Why an event row produced no statistics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SkipReason {
    #[error("{entity}: no listed security (no market data)")]
    NoListedSecurity { entity: String },
    #[error(
        "no market index for {security} ({mic}): set `--market`, `inputs.markets.{mic}` or the events file's `market` column"
    )]
    NoMarketIndex { security: String, mic: &'static str },
    #[error("unknown security: no price data for {security} in {files} (events file line {line})")]
    UnknownSecurity {
        security: String,
        files: String,
        line: usize,
    },
    #[error("{0}")]
    EventDay(Unaligned),
    #[error("{0}")]
    Analysis(NotAnalysed),
}

impl SkipReason {
    pub fn kind(&self) -> SkipKind {
        match self {
            SkipReason::NoListedSecurity { .. } => SkipKind::NoMarketData,
            _ => SkipKind::Skipped,
        }
    }
}

impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// An event row that produced no statistics, with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub event_id: String,
    pub security: String,
    pub entity: String,
    pub kind: SkipKind,
    pub reason: SkipReason,
}

/// A fully analysed event-security pair.
#[derive(Debug, Clone)]
pub struct EventResult {
    /// Index into `Outcome::events`.
    pub event: usize,
    /// The legend label: "002415.SZ Hikvision" (the events file's `short_name`, else the
    /// entity when short, else the ticker), with the event id when a security has several.
    pub label: String,
    pub event_id: String,
    pub security: String,
    pub entity: String,
    pub exchange: &'static str,
    pub day0: NaiveDate,
    /// Index of day 0 in `calendar`.
    pub day0_index: usize,
    pub calendar: Arc<Calendar>,
    pub timeline: Arc<Timeline>,
    pub analysis: EventAnalysis,
}

/// What an [`Aggregate`] is over: one event day (AAR) or one CAR window (CAAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Day,
    Window,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Day => "day",
            Scope::Window => "window",
        }
    }
}

/// Cross-sectional statistics of one event day (AAR) or window (CAAR).
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub scope: Scope,
    pub tau: Option<i32>,
    pub window: Option<Window>,
    pub n: usize,
    /// How the sample's events spread over calendar dates.
    #[serde(skip)]
    pub clustering: Clustering,
    /// AAR or CAAR.
    pub mean: f64,
    pub tests: Vec<TestStat>,
    /// Binder's joint test (`joint_tests.csv`), when every event is on one date.
    pub joint: Option<crate::stats::binder::JointTest>,
}

/// One session of the CAAR path with the lead test's 95 % band (see
/// `pipeline::lead_path`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPoint {
    pub tau: i32,
    /// Events with a return in [start, τ].
    pub n: usize,
    pub caar: f64,
    pub statistic: f64,
    pub p_value: f64,
    pub lower: f64,
    pub upper: f64,
    pub test: TestId,
    pub distribution: Reference,
}

/// The events of one event date: per CAR window (study order) N, CAAR and the run's lead
/// test on that date's events alone.
#[derive(Debug, Clone, PartialEq)]
pub struct DateAggregate {
    pub date: NaiveDate,
    pub events: usize,
    pub windows: Vec<(usize, f64, TestStat)>,
    /// r̄ of the Kolari–Pynnönen tests is the pooled estimate, not the mean of pairwise
    /// correlations (the run's dates pair more events than
    /// [`crate::stats::EXACT_CORRELATION_PAIRS`]).
    pub pooled_rbar: bool,
}

/// How the event rows ended: analysed, without listed shares, skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub rows: usize,
    pub analysed: usize,
    pub no_market_data: usize,
    pub skipped: usize,
}

/// Everything a run computed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub study: Study,
    pub events: Vec<Event>,
    pub results: Vec<EventResult>,
    pub audit: Vec<AuditRow>,
    pub skipped: Vec<Skipped>,
    pub days: Vec<Aggregate>,
    pub windows: Vec<Aggregate>,
    pub inputs: Vec<InputFile>,
    pub calendars: BTreeMap<String, Arc<Calendar>>,
    pub warnings: Vec<String>,
    /// The run's lead test (chosen at the lead window's N and clustering), with its reason.
    pub lead: Option<Lead>,
    /// The CAAR path with the lead test's band (empty without a lead test).
    pub lead_path: Vec<PathPoint>,
    /// The second stage: groups, regressions, volatility, diagnostics, calendar time,
    /// multiple testing.
    pub second: second_stage::SecondStage,
    /// CAAR per event date, when events cluster on several dates (else empty).
    pub by_date: Vec<DateAggregate>,
    /// The command line that reproduces this run (set by the command line; `None` when the
    /// library was called directly).
    pub command: Option<RunCommand>,
}

/// A command line that reproduces a run: the working directory and the words, every flag
/// that overrode the study file included (and `--data` with the data directory that was
/// used when none was given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunCommand {
    pub dir: std::path::PathBuf,
    pub args: Vec<String>,
}

impl Outcome {
    /// Frees every result's estimation-window ARs, spans and prediction rows (7 KB per
    /// event) once the statistics and the second stage, their only readers, are done: the
    /// tables, charts and report do not read them.
    pub fn drop_estimation_windows(&mut self) {
        for r in &mut self.results {
            let a = &mut r.analysis;
            a.est_ar = Vec::new();
            a.est_span = Vec::new().into();
            a.est_x = Vec::new().into();
        }
    }

    /// The window the summary leads with: the shortest event-time CAR window starting on
    /// day 0 in which every analysed event has a return; else the event-time window
    /// containing day 0 with the largest N; else the first window. Windows in traded sessions
    /// are reported beside it but never lead (the literature's windows are in event time).
    /// Returns its index in the study's CAR windows.
    pub fn lead_window(&self) -> Option<usize> {
        let ws = &self.study.car_windows;
        let all = self.results.len();
        let full = |i: usize| self.windows.get(i).is_some_and(|a| a.n == all && all > 0);
        ws.iter()
            .enumerate()
            .filter(|(i, w)| !w.is_traded() && w.start == 0 && full(*i))
            .min_by_key(|(_, w)| w.len())
            .map(|(i, _)| i)
            .or_else(|| {
                ws.iter()
                    .enumerate()
                    .filter(|(_, w)| !w.is_traded() && w.contains(0))
                    .max_by_key(|(i, _)| self.windows.get(*i).map_or(0, |a| a.n))
                    .map(|(i, _)| i)
            })
            .or(if ws.is_empty() { None } else { Some(0) })
    }

    /// How the event rows ended.
    pub fn counts(&self) -> Counts {
        let no_market_data = self
            .skipped
            .iter()
            .filter(|s| s.kind == SkipKind::NoMarketData)
            .count();
        Counts {
            rows: self.events.len(),
            analysed: self.results.len(),
            no_market_data,
            skipped: self.skipped.len() - no_market_data,
        }
    }
}
