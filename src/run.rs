//! The pipeline: load → validate → align → returns → fit → abnormal returns → statistics.
//! A problem with one event becomes a skipped row with its reason; the run goes on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::align::align;
use crate::data::calendar::{Calendar, Exchange, find_calendar_file, load_calendar};
use crate::data::events::{Event, load_events};
use crate::data::halts::{Halts, load_halts};
use crate::data::prices::{PriceSource, load_price_file};
use crate::engine::{EventAnalysis, analyze};
use crate::error::{InputError, Result};
use crate::returns::{Status, Timeline, align_market, build_timeline, source};
use crate::stats::{TestStat, boehmer_musumeci_poulsen, cross_sectional_t, mackinlay_j1, patell_z};
use crate::study::{Study, Window};

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

/// An event row that produced no statistics, with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub event_id: String,
    pub security: String,
    pub entity: String,
    /// `no_market_data` (entity without listed shares) or `skipped`.
    pub kind: &'static str,
    pub reason: String,
}

/// A fully analysed event-security pair.
#[derive(Debug, Clone)]
pub struct EventResult {
    /// Index into `Outcome::events`.
    pub event: usize,
    pub event_id: String,
    pub security: String,
    pub entity: String,
    pub exchange: &'static str,
    pub day0: NaiveDate,
    pub analysis: EventAnalysis,
}

/// Cross-sectional statistics of one event day (AAR) or window (CAAR).
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    /// `day` or `window`.
    pub scope: &'static str,
    pub tau: Option<i32>,
    pub window: Option<Window>,
    pub n: usize,
    /// AAR or CAAR.
    pub mean: f64,
    pub tests: Vec<TestStat>,
}

/// An input file with its SHA-256, for reproducibility.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub role: String,
    pub path: PathBuf,
    pub sha256: String,
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
    /// Timelines of the securities analysed (for reports and charts).
    pub timelines: BTreeMap<String, Arc<Timeline>>,
    pub calendars: BTreeMap<String, Arc<Calendar>>,
    pub warnings: Vec<String>,
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, InputError> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| InputError::io(path, e))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

struct SecurityData {
    exchange: Exchange,
    calendar: Arc<Calendar>,
    timeline: Arc<Timeline>,
}

/// Runs a study.
///
/// # Errors
/// Bad input files (exit code 2). Problems with single events are skipped rows instead.
pub fn run_study(study: &Study) -> Result<Outcome> {
    let events = load_events(&study.events)?;
    let halts = match &study.halts {
        Some(p) => load_halts(p)?,
        None => Halts::default(),
    };
    let market = load_price_file(&study.market, "market")?;
    let prices = PriceSource::open(&study.prices)?;
    let mut inputs = vec![InputFile {
        role: "events".into(),
        path: study.events.clone(),
        sha256: sha256_file(&study.events)?,
    }];
    if let Some(h) = &study.halts {
        inputs.push(InputFile {
            role: "halts".into(),
            path: h.clone(),
            sha256: sha256_file(h)?,
        });
    }
    inputs.push(InputFile {
        role: "market".into(),
        path: study.market.clone(),
        sha256: sha256_file(&study.market)?,
    });
    let mut warnings = Vec::new();

    // Calendars: one per exchange (or the study's own for all).
    let securities: BTreeSet<String> = events.iter().filter_map(|e| e.security.clone()).collect();
    let mut calendars: BTreeMap<String, Arc<Calendar>> = BTreeMap::new();
    let mut cal_of_mic: HashMap<&'static str, String> = HashMap::new();
    for sec in &securities {
        let ex = Exchange::for_security(sec);
        if cal_of_mic.contains_key(ex.mic) {
            continue;
        }
        let path = study
            .calendar
            .clone()
            .or_else(|| find_calendar_file(&study.data_dir, ex.mic));
        let cal = match path {
            Some(p) => {
                if !calendars.contains_key(&p.display().to_string()) {
                    inputs.push(InputFile {
                        role: format!("calendar {}", ex.mic),
                        path: p.clone(),
                        sha256: sha256_file(&p)?,
                    });
                }
                load_calendar(&p)?
            }
            None => {
                warnings.push(format!(
                    "no calendar for {} (no --calendar, no calendars/{}_sessions*.csv in {}): using the market index's dates",
                    ex.mic,
                    ex.mic,
                    study.data_dir.display()
                ));
                Calendar {
                    name: format!("dates of {}", study.market.display()),
                    sessions: market.dates.clone(),
                }
            }
        };
        cal_of_mic.insert(ex.mic, cal.name.clone());
        calendars
            .entry(cal.name.clone())
            .or_insert_with(|| Arc::new(cal));
    }
    let market_on: HashMap<String, Vec<f64>> = calendars
        .iter()
        .map(|(k, c)| (k.clone(), align_market(c, &market)))
        .collect();

    // Per-security timelines, in parallel.
    let loaded: Vec<(
        String,
        std::result::Result<Option<SecurityData>, InputError>,
    )> = securities
        .par_iter()
        .map(|sec| {
            let ex = Exchange::for_security(sec);
            let cal = calendars[&cal_of_mic[ex.mic]].clone();
            let r = prices.load(sec).map(|series| {
                series.map(|s| SecurityData {
                    exchange: ex,
                    timeline: Arc::new(build_timeline(
                        &cal,
                        &s,
                        &halts,
                        &market_on[&cal.name],
                        study.returns,
                    )),
                    calendar: cal,
                })
            });
            (sec.clone(), r)
        })
        .collect();
    let mut data: BTreeMap<String, SecurityData> = BTreeMap::new();
    for (sec, r) in loaded {
        if let Some(d) = r? {
            let f = prices.file_for(&sec);
            if !inputs.iter().any(|i| i.path == f) {
                inputs.push(InputFile {
                    role: format!("prices {sec}"),
                    path: f.clone(),
                    sha256: sha256_file(&f)?,
                });
            }
            if !d.timeline.off_calendar_rows.is_empty() {
                warnings.push(format!(
                    "{}: {} row(s) on dates that are not {} sessions were ignored (first: {})",
                    f.display(),
                    d.timeline.off_calendar_rows.len(),
                    d.exchange.mic,
                    d.timeline.off_calendar_rows[0]
                ));
            }
            data.insert(sec, d);
        }
    }
    let (m_first, m_last) = (market.dates.first().copied(), market.dates.last().copied());
    let market_gaps = market_on
        .iter()
        .map(|(k, v)| {
            let cal = &calendars[k];
            let gaps = v
                .iter()
                .zip(&cal.sessions)
                .filter(|(p, d)| !p.is_finite() && Some(**d) >= m_first && Some(**d) <= m_last)
                .count();
            (k, gaps)
        })
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| {
            format!(
                "market index {} has no price on {c} session(s) of {k}",
                study.market.display()
            )
        })
        .collect::<Vec<_>>();
    warnings.extend(market_gaps);

    // Events, in parallel.
    let per_event: Vec<(Option<EventResult>, Vec<AuditRow>, Option<Skipped>)> = events
        .par_iter()
        .enumerate()
        .map(|(k, e)| analyze_event(k, e, study, &data, &prices, &halts))
        .collect();
    let mut results = Vec::new();
    let mut audit = Vec::new();
    let mut skipped = Vec::new();
    for (r, a, s) in per_event {
        results.extend(r);
        audit.extend(a);
        skipped.extend(s);
    }
    let (days, windows) = aggregates(study, &results);
    let timelines = data
        .iter()
        .map(|(k, d)| (k.clone(), d.timeline.clone()))
        .collect();
    Ok(Outcome {
        study: study.clone(),
        events,
        results,
        audit,
        skipped,
        days,
        windows,
        inputs,
        timelines,
        calendars,
        warnings,
    })
}

fn analyze_event(
    k: usize,
    e: &Event,
    study: &Study,
    data: &BTreeMap<String, SecurityData>,
    prices: &PriceSource,
    halts: &Halts,
) -> (Option<EventResult>, Vec<AuditRow>, Option<Skipped>) {
    let sec = e.security.clone().unwrap_or_default();
    let row = |day0: Option<NaiveDate>, rule: &str, outcome: &str, reason: String| AuditRow {
        event_id: e.event_id.clone(),
        security: sec.clone(),
        announced: e.announced(),
        day0,
        rule: rule.into(),
        outcome: outcome.into(),
        reason,
    };
    let skip = |kind: &'static str, reason: String| Skipped {
        event_id: e.event_id.clone(),
        security: sec.clone(),
        entity: e.entity.clone(),
        kind,
        reason,
    };
    if e.security.is_none() {
        let reason = format!("{}: no listed security (no market data)", e.entity);
        return (
            None,
            vec![row(None, "data", "no_market_data", reason.clone())],
            Some(skip("no_market_data", reason)),
        );
    }
    let Some(d) = data.get(&sec) else {
        let reason = format!(
            "unknown security: no price data for {sec} in {} (events file line {})",
            prices.file_for(&sec).display(),
            e.line
        );
        return (
            None,
            vec![row(None, "skip", "skipped", reason.clone())],
            Some(skip("skipped", reason)),
        );
    };
    let cal = &d.calendar;
    let al = match align(e, &d.exchange, cal, study.rule) {
        Ok(a) => a,
        Err(reason) => {
            return (
                None,
                vec![row(None, "event_day", "skipped", reason.clone())],
                Some(skip("skipped", reason)),
            );
        }
    };
    let day0 = cal.sessions[al.day0];
    let mut audit = vec![row(
        Some(day0),
        "event_day",
        al.outcome,
        format!("{} [rule: {}]", al.reason, study.rule.as_str()),
    )];
    let tl = &d.timeline;
    match analyze(tl, cal, al.day0, study) {
        Err(reason) => {
            audit.push(row(Some(day0), "skip", "skipped", reason.clone()));
            (None, audit, Some(skip("skipped", reason)))
        }
        Ok(a) => {
            if tl.status[al.day0] == Status::Suspended {
                audit.push(row(
                    Some(day0),
                    "event_day",
                    "suspended_on_day0",
                    "the security is suspended on day 0: day 0 stays the first session after the news; the reaction shows on the resumption session's trade-to-trade return".into(),
                ));
            }
            for (lo, hi, sources) in suspended_runs(&a) {
                let resumption = a.rows.iter().find(|r| r.tau > hi.1 && r.span > 0);
                let resume = match resumption {
                    Some(r) => format!(
                        "; the return of {} (τ={:+}) spans {} sessions and is compared with the market over the same sessions",
                        r.date, r.tau, r.span
                    ),
                    None => "; no return after it inside the event window".into(),
                };
                audit.push(row(
                    Some(day0),
                    "trading_status",
                    "suspended",
                    format!(
                        "suspended {}..{} (τ={:+}..{:+}), source: {}; no return on those sessions{resume}",
                        lo.0, hi.0, lo.1, hi.1, source::describe(sources)
                    ),
                ));
            }
            for h in halts.of(&sec) {
                if tl
                    .halt_overrides
                    .iter()
                    .any(|d| h.start <= *d && *d <= h.end)
                {
                    audit.push(row(
                        Some(day0),
                        "trading_status",
                        "halt_overrides_prices",
                        format!(
                            "halts file line {} declares {}..{} but the price file shows trading on some of those sessions: the halts file wins",
                            h.line, h.start, h.end
                        ),
                    ));
                }
            }
            let nodata = a.rows.iter().filter(|r| r.status == Status::NoData).count();
            if nodata > 0 {
                audit.push(row(
                    Some(day0),
                    "data",
                    "no_data",
                    format!(
                        "{nodata} session(s) of the event window are outside the price file's dates"
                    ),
                ));
            }
            let span_obs = a.fit.n_obs;
            audit.push(row(
                Some(day0),
                "estimation",
                "ok",
                format!(
                    "{} model on {} returns in {} ({}..{}){}",
                    study.model.as_str(),
                    span_obs,
                    study.estimation.pretty(),
                    a.est_first,
                    a.est_last,
                    if a.est_truncated > 0 {
                        format!(
                            "; {} session(s) of the window precede the calendar",
                            a.est_truncated
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
            let r = EventResult {
                event: k,
                event_id: e.event_id.clone(),
                security: sec.clone(),
                entity: e.entity.clone(),
                exchange: d.exchange.mic,
                day0,
                analysis: a,
            };
            (Some(r), audit, None)
        }
    }
}

type Run = ((NaiveDate, i32), (NaiveDate, i32), u8);

/// Runs of consecutive suspended sessions in the event window: (first, last, sources).
fn suspended_runs(a: &EventAnalysis) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut prev_tau = None;
    for r in a.rows.iter().filter(|r| r.status == Status::Suspended) {
        match (out.last_mut(), prev_tau) {
            (Some(last), Some(p)) if p + 1 == r.tau => {
                last.1 = (r.date, r.tau);
                last.2 |= r.sources;
            }
            _ => out.push(((r.date, r.tau), (r.date, r.tau), r.sources)),
        }
        prev_tau = Some(r.tau);
    }
    out
}

/// The battery of tests on one day or window: J1, cross-sectional t, Patell Z, BMP.
fn battery(values: &[f64], vars: &[f64], std: &[f64], dof: &[f64]) -> Vec<TestStat> {
    vec![
        mackinlay_j1(values, vars),
        cross_sectional_t(values),
        patell_z(std, dof),
        boehmer_musumeci_poulsen(std),
    ]
}

fn aggregates(study: &Study, results: &[EventResult]) -> (Vec<Aggregate>, Vec<Aggregate>) {
    let days = (study.event_window.start..=study.event_window.end)
        .map(|tau| {
            let (mut v, mut var, mut s, mut dof) = (vec![], vec![], vec![], vec![]);
            for r in results {
                let a = &r.analysis;
                let row = &a.rows[(tau - study.event_window.start) as usize];
                if row.ar.is_finite() {
                    v.push(row.ar);
                    var.push(row.var);
                    s.push(row.sar);
                    dof.push(a.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: "day",
                tau: Some(tau),
                window: None,
                n: v.len(),
                mean: v.iter().sum::<f64>() / v.len() as f64,
                tests: battery(&v, &var, &s, &dof),
            }
        })
        .collect();
    let windows = study
        .car_windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let (mut v, mut var, mut s, mut dof) = (vec![], vec![], vec![], vec![]);
            for r in results {
                let c = &r.analysis.cars[w];
                if c.car.is_finite() {
                    v.push(c.car);
                    var.push(c.var);
                    s.push(c.t);
                    dof.push(r.analysis.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: "window",
                tau: None,
                window: Some(*win),
                n: v.len(),
                mean: v.iter().sum::<f64>() / v.len() as f64,
                tests: battery(&v, &var, &s, &dof),
            }
        })
        .collect();
    (days, windows)
}
