//! The pipeline: load → validate → align → returns → fit → abnormal returns → statistics.
//! A problem with one event becomes a skipped row with its reason; the run goes on.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::align::align;
use crate::data::calendar::{
    Calendar, Exchange, builtin_calendar, find_calendar_file, load_calendar,
};
use crate::data::events::{Event, load_events};
use crate::data::factors::{AlignedFactors, load_factors};
use crate::data::halts::{Halts, load_halts};
use crate::data::prices::{PriceSeries, PriceSource, load_price_file};
use crate::engine::{EventAnalysis, ModelData, analyze_with};
use crate::error::{InputError, Result};
use crate::returns::{Policies, Status, Timeline, align_market, build_timeline, source};
use crate::stats::TestStat;
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
    /// Index of day 0 in `calendar`.
    pub day0_index: usize,
    pub calendar: Arc<Calendar>,
    pub timeline: Arc<Timeline>,
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
    /// The market index level on the calendar (models with market leads and lags).
    market_px: Arc<Vec<f64>>,
    /// Factors on the calendar, when the model reads them and they cover this exchange.
    factors: Option<Arc<AlignedFactors>>,
}

/// Several price sources, searched in order.
struct PriceSources(Vec<PriceSource>);

impl PriceSources {
    fn load(
        &self,
        security: &str,
    ) -> std::result::Result<Option<(PriceSeries, PathBuf)>, InputError> {
        for src in &self.0 {
            if let Some(s) = src.load(security)? {
                return Ok(Some((s, src.file_for(security))));
            }
        }
        Ok(None)
    }

    fn describe(&self, security: &str) -> String {
        self.0
            .iter()
            .map(|s| s.file_for(security).display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The calendar of an exchange: the study's single calendar, else its per-exchange one, else
/// the built-in calendar, else `calendars/<MIC>_sessions*.csv` in the data directory.
fn calendar_for(
    study: &Study,
    mic: &str,
) -> std::result::Result<Option<(Calendar, Option<PathBuf>)>, InputError> {
    let explicit = study
        .calendar
        .clone()
        .or_else(|| study.calendars.get(mic).cloned());
    if let Some(p) = explicit {
        return Ok(Some((load_calendar(&p)?, Some(p))));
    }
    if let Some(c) = builtin_calendar(mic) {
        return Ok(Some((c, None)));
    }
    match find_calendar_file(&study.data_dir, mic) {
        Some(p) => Ok(Some((load_calendar(&p)?, Some(p)))),
        None => Ok(None),
    }
}

type Loaded = std::result::Result<Option<(SecurityData, PathBuf)>, InputError>;

/// Runs `load` for every security on scoped OS threads (see the note in [`run_study`]),
/// returning (security, result) in the order of `secs`.
fn load_all<F>(secs: &[&String], load: F) -> Vec<(String, Loaded)>
where
    F: Fn(&str) -> Loaded + Sync,
{
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(secs.len().max(1));
    let chunk = secs.len().div_ceil(workers).max(1);
    let load = &load;
    std::thread::scope(|scope| {
        let handles: Vec<_> = secs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| ((*s).clone(), load(s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(v) => v,
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    })
}

/// Resolves a market path named in the events file: as given if it exists, else under the
/// data directory.
fn resolve_market(study: &Study, p: &Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        p.to_path_buf()
    } else {
        study.data_dir.join(p)
    }
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
    let prices = PriceSources(
        study
            .prices
            .iter()
            .map(|p| PriceSource::open(p))
            .collect::<std::result::Result<_, _>>()?,
    );
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
    let mut warnings = Vec::new();
    let policies = Policies {
        kind: study.returns,
        halts: study.halt_policy,
        limits: study.limit_policy,
    };

    // Each security's exchange (an explicit `exchange` column wins over the suffix) and market.
    let mut exchange_of: BTreeMap<String, Exchange> = BTreeMap::new();
    let mut market_of: BTreeMap<String, Option<PathBuf>> = BTreeMap::new();
    for e in &events {
        let Some(sec) = &e.security else { continue };
        let ex = *exchange_of
            .entry(sec.clone())
            .or_insert_with(|| e.exchange.unwrap_or_else(|| Exchange::for_security(sec)));
        if let Some(x) = e.exchange
            && x != ex
        {
            warnings.push(format!(
                "{sec}: events file line {} names exchange {} but an earlier row gave {}; using {}",
                e.line, x.mic, ex.mic, ex.mic
            ));
        }
        let m = e
            .market
            .as_deref()
            .map(|p| resolve_market(study, p))
            .or_else(|| study.markets.get(ex.mic).cloned())
            .or_else(|| study.market.clone());
        market_of.entry(sec.clone()).or_insert(m);
    }

    // Market indices, each loaded once.
    let mut markets: BTreeMap<PathBuf, PriceSeries> = BTreeMap::new();
    for p in market_of.values().flatten() {
        if !markets.contains_key(p) {
            let m = load_price_file(p, "market")?;
            inputs.push(InputFile {
                role: "market".into(),
                path: p.clone(),
                sha256: sha256_file(p)?,
            });
            markets.insert(p.clone(), m);
        }
    }

    // Calendars: one per exchange.
    let mut calendars: BTreeMap<String, Arc<Calendar>> = BTreeMap::new();
    let mut cal_of_mic: HashMap<&'static str, String> = HashMap::new();
    for (sec, ex) in &exchange_of {
        if cal_of_mic.contains_key(ex.mic) {
            continue;
        }
        let cal = match calendar_for(study, ex.mic)? {
            Some((c, path)) => {
                if let Some(p) = path
                    && !inputs.iter().any(|i| i.path == p)
                {
                    inputs.push(InputFile {
                        role: format!("calendar {}", ex.mic),
                        path: p.clone(),
                        sha256: sha256_file(&p)?,
                    });
                }
                c
            }
            None => {
                let Some(m) = market_of[sec].as_ref().and_then(|p| markets.get(p)) else {
                    continue;
                };
                warnings.push(format!(
                    "no calendar for {}: using the market index's dates",
                    ex.mic
                ));
                Calendar {
                    name: format!("dates of {}", m.path.display()),
                    sessions: m.dates.clone(),
                }
            }
        };
        cal_of_mic.insert(ex.mic, cal.name.clone());
        calendars
            .entry(cal.name.clone())
            .or_insert_with(|| Arc::new(cal));
    }
    // Market prices aligned on each calendar they are used with.
    let mut market_on: HashMap<(String, PathBuf), Arc<Vec<f64>>> = HashMap::new();
    for (sec, m) in &market_of {
        let (Some(m), Some(cal)) = (m, cal_of_mic.get(exchange_of[sec].mic)) else {
            continue;
        };
        market_on
            .entry((cal.clone(), m.clone()))
            .or_insert_with(|| Arc::new(align_market(&calendars[cal], &markets[m])));
    }
    // Factors (CAPM and factor models), aligned on the calendar of the exchange whose sessions
    // the factor dates are; securities of other exchanges get none (never matched by date).
    let spec = &study.model_spec;
    let mut factors_on: Option<(&str, Arc<AlignedFactors>)> = None;
    if let Some(fs) = study
        .factors
        .as_ref()
        .filter(|_| spec.uses_factors() || spec.uses_rf())
    {
        let cols = if spec.uses_factors() {
            spec.factors.clone()
        } else {
            Vec::new()
        };
        let table = load_factors(&fs.files, &cols, fs.rf.as_deref(), fs.units)?;
        for f in &fs.files {
            inputs.push(InputFile {
                role: "factors".into(),
                path: f.clone(),
                sha256: sha256_file(f)?,
            });
        }
        if let Some(cal_name) = cal_of_mic.get(fs.exchange.as_str()) {
            factors_on = Some((
                fs.exchange.as_str(),
                Arc::new(table.align(&calendars[cal_name])),
            ));
        }
    }

    // Per-security price files, then timelines. The files are read on plain threads, never
    // on rayon's pool: polars runs its own rayon pool, and a rayon worker that waits on it
    // steals further load jobs, nesting until the stack overflows (seen with 1,000 files).
    let secs: Vec<&String> = exchange_of.keys().collect();
    let loaded = load_all(&secs, |sec| {
        let ex = exchange_of[sec];
        let (Some(cal_name), Some(Some(m))) = (cal_of_mic.get(ex.mic), market_of.get(sec)) else {
            return Ok(None);
        };
        let cal = calendars[cal_name].clone();
        let mkt = &market_on[&(cal_name.clone(), m.clone())];
        let factors = factors_on
            .as_ref()
            .filter(|(mic, _)| *mic == ex.mic)
            .map(|(_, f)| f.clone());
        Ok(prices.load(sec)?.map(|(s, file)| {
            // The series is dropped here: only the timeline stays in memory.
            let tl = build_timeline(&cal, &s, &halts, mkt, policies);
            (
                SecurityData {
                    exchange: ex,
                    timeline: Arc::new(tl),
                    calendar: cal,
                    market_px: mkt.clone(),
                    factors,
                },
                file,
            )
        }))
    });
    let mut data: BTreeMap<String, SecurityData> = BTreeMap::new();
    for (sec, r) in loaded {
        if let Some((d, f)) = r? {
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
    for ((cal, mpath), v) in &market_on {
        let m = &markets[mpath];
        let (first, last) = (m.dates.first().copied(), m.dates.last().copied());
        let gaps = v
            .iter()
            .zip(&calendars[cal].sessions)
            .filter(|(p, d)| !p.is_finite() && Some(**d) >= first && Some(**d) <= last)
            .count();
        if gaps > 0 {
            warnings.push(format!(
                "market index {} has no price on {gaps} session(s) of {cal}",
                mpath.display()
            ));
        }
    }

    // Events, in parallel.
    let per_event: Vec<(Option<EventResult>, Vec<AuditRow>, Option<Skipped>)> = events
        .par_iter()
        .enumerate()
        .map(|(k, e)| analyze_event(k, e, study, &data, &prices, &halts, &market_of))
        .collect();
    let mut results = Vec::new();
    let mut audit = Vec::new();
    let mut skipped = Vec::new();
    for (r, a, s) in per_event {
        results.extend(r);
        audit.extend(a);
        skipped.extend(s);
    }
    let analyses: Vec<&EventAnalysis> = results.iter().map(|r| &r.analysis).collect();
    let (days, windows) = aggregates(study, &analyses);
    Ok(Outcome {
        study: study.clone(),
        events,
        results,
        audit,
        skipped,
        days,
        windows,
        inputs,
        calendars,
        warnings,
    })
}

fn analyze_event(
    k: usize,
    e: &Event,
    study: &Study,
    data: &BTreeMap<String, SecurityData>,
    prices: &PriceSources,
    halts: &Halts,
    market_of: &BTreeMap<String, Option<PathBuf>>,
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
        let reason = if matches!(market_of.get(&sec), Some(None)) {
            let mic = e
                .exchange
                .unwrap_or_else(|| Exchange::for_security(&sec))
                .mic;
            format!(
                "no market index for {sec} ({mic}): set `--market`, `inputs.markets.{mic}` or the events file's `market` column"
            )
        } else {
            format!(
                "unknown security: no price data for {sec} in {} (events file line {})",
                prices.describe(&sec),
                e.line
            )
        };
        return (
            None,
            vec![row(None, "skip", "skipped", reason.clone())],
            Some(skip("skipped", reason)),
        );
    };
    let cal = &d.calendar;
    let al = match align(e, &d.exchange, cal, study.rule, study.max_shift) {
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
    let spec = &study.model_spec;
    let no_factors = match (&study.factors, &d.factors) {
        (Some(fs), None) if spec.uses_factors() || spec.uses_rf() => Some(format!(
            "model {}: no factor data for {sec} on {}: the factor file(s) {} hold {} sessions (set `[model] factor_exchange` only if they are {} factors)",
            spec.kind.as_str(),
            d.exchange.mic,
            fs.files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            fs.exchange,
            d.exchange.mic
        )),
        _ => None,
    };
    let model_data = ModelData {
        market_px: Some(d.market_px.as_slice()),
        factors: d.factors.as_deref(),
        no_factors: no_factors.as_deref(),
    };
    match analyze_with(tl, cal, al.day0, study, model_data) {
        Err(reason) => {
            audit.push(row(Some(day0), "skip", "skipped", reason.clone()));
            (None, audit, Some(skip("skipped", reason)))
        }
        Ok(a) => {
            if tl.status[al.day0] == Status::Suspended {
                audit.push(row(
                    Some(day0),
                    "trading_status",
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
            for r in a.rows.iter().filter(|r| r.status == Status::LimitLocked) {
                let i = (al.day0 as i64 + r.tau as i64) as usize;
                let (close, pre) = tl.limit_close[i];
                audit.push(row(
                    Some(day0),
                    "trading_status",
                    "limit_locked",
                    format!(
                        "{} (τ={:+}): close {close} at the {} limit ({}{:.0} % of the reference price {pre}, {}); policy {}: {}",
                        r.date,
                        r.tau,
                        if tl.limit[i] > 0 { "upper" } else { "lower" },
                        if tl.limit[i] > 0 { "+" } else { "−" },
                        tl.limit_rate[i] * 100.0,
                        crate::limits::describe(&sec, r.date, tl.limit_rate[i] < 0.1),
                        study.limit_policy.as_str(),
                        if study.limit_policy == crate::study::LimitPolicy::Flag {
                            "return kept, it understates the reaction"
                        } else {
                            "no return; carried to the next session off the limit"
                        }
                    ),
                ));
            }
            for r in a
                .rows
                .iter()
                .filter(|r| tl.excluded[(al.day0 as i64 + r.tau as i64) as usize])
            {
                audit.push(row(
                    Some(day0),
                    "trading_status",
                    "excluded",
                    format!("{} (τ={:+}): the return spanning the halt is dropped (halt policy exclude_days)", r.date, r.tau),
                ));
            }
            for v in &a.resumptions {
                audit.push(row(
                    Some(day0),
                    "volume",
                    "resumption",
                    format!(
                        "resumption {} (τ={:+}, return spans {} sessions): volume {:.0} = {:.1}× the estimation-window geometric mean; abnormal log volume {:+.2} (z = {:.2}, above {:.0} % of {} estimation sessions)",
                        v.date,
                        v.tau,
                        v.span,
                        v.volume,
                        v.abnormal_log_volume.exp(),
                        v.abnormal_log_volume,
                        v.z,
                        v.percentile * 100.0,
                        v.n_est
                    ),
                ));
            }
            for note in estimation_status_notes(tl, cal, &a, study) {
                audit.push(row(Some(day0), "trading_status", note.0, note.1));
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
            if !a.missing_inputs.is_empty() {
                audit.push(row(
                    Some(day0),
                    "estimation",
                    "missing_model_input",
                    format!(
                        "{} return(s) of the event window have no normal return: a {} model input (market return, factor, risk-free rate or market lead/lag) is missing on τ={}",
                        a.missing_inputs.len(),
                        spec.kind.as_str(),
                        a.missing_inputs
                            .iter()
                            .map(|t| format!("{t:+}"))
                            .collect::<Vec<_>>()
                            .join(", ")
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
                day0_index: al.day0,
                calendar: cal.clone(),
                timeline: tl.clone(),
                analysis: a,
            };
            (Some(r), audit, None)
        }
    }
}

/// Halts and limit-locked closes inside the estimation window: (outcome, reason) rows.
fn estimation_status_notes(
    tl: &Timeline,
    cal: &Calendar,
    a: &EventAnalysis,
    study: &Study,
) -> Vec<(&'static str, String)> {
    let (Some(lo), Some(hi)) = (cal.index_of(a.est_first), cal.index_of(a.est_last)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut i = lo;
    while i <= hi {
        if tl.status[i] != Status::Suspended {
            i += 1;
            continue;
        }
        let start = i;
        let mut flags = 0;
        while i <= hi && tl.status[i] == Status::Suspended {
            flags |= tl.sources[i];
            i += 1;
        }
        let after = (i..tl.status.len()).find(|&k| tl.span[k] > 0 || tl.excluded[k]);
        let tail = match after {
            Some(k) if tl.excluded[k] => format!(
                "; the return of {} spanning it is excluded (halt policy exclude_days)",
                cal.sessions[k]
            ),
            Some(k) => format!(
                "; the return of {} spans {} sessions and enters the estimation with weight 1/{}",
                cal.sessions[k], tl.span[k], tl.span[k]
            ),
            None => String::new(),
        };
        out.push((
            "suspended_in_estimation",
            format!(
                "estimation window: suspended {}..{} ({} session(s)), source: {}{tail}",
                cal.sessions[start],
                cal.sessions[i - 1],
                i - start,
                source::describe(flags)
            ),
        ));
    }
    let limits: Vec<String> = (lo..=hi)
        .filter(|&k| tl.status[k] == Status::LimitLocked)
        .map(|k| {
            format!(
                "{} ({})",
                cal.sessions[k],
                if tl.limit[k] > 0 { "up" } else { "down" }
            )
        })
        .collect();
    if !limits.is_empty() {
        out.push((
            "limit_locked_in_estimation",
            format!(
                "estimation window: {} close(s) at the daily limit: {}; limit policy {}",
                limits.len(),
                limits.join(", "),
                study.limit_policy.describe()
            ),
        ));
    }
    out
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

/// One day's (AAR) or one window's (CAAR) per-event values, for [`battery`].
struct Sample {
    /// Indices into the panel of the events with a value.
    members: Vec<usize>,
    /// AR (day) or CAR (window) of each member.
    values: Vec<f64>,
    vars: Vec<f64>,
    /// SAR or SCAR.
    std: Vec<f64>,
    /// M_i − k.
    dof: Vec<f64>,
    /// Positions in the event window (0 = its first session) of the tested sessions.
    days: Vec<usize>,
    /// L: sessions in the window (1 for a day).
    len: usize,
}

/// The battery of tests on one day or window, in the order of [`crate::stats::TESTS`]:
/// J1, cross-sectional t, Patell Z, BMP (the first four, unchanged), J2, the crude
/// dependence adjustment, the Kolari-Pynnönen adjusted Patell Z and BMP, the skewness-
/// corrected t, sign, generalized sign, Corrado rank (multi-day form for windows), GRANK,
/// Wilcoxon signed-rank and the placebo p-value. Every test treats each event (security and
/// day 0) as its own unit: events are the panel's rows, never keyed by security.
fn battery(panel: &crate::stats::Panel, s: &Sample) -> Vec<TestStat> {
    use crate::stats::*;
    let n = s.values.len();
    let mean = s.values.iter().sum::<f64>() / n as f64;
    let est = panel.est_ar(&s.members);
    let est_aar = pseudo_window_means(&est, 1);
    let pseudo = if s.len == 1 {
        est_aar.clone()
    } else {
        pseudo_window_means(&est, s.len)
    };
    let rbar = panel.mean_correlation(&s.members);
    let grid: Vec<usize> = s.days.iter().map(|d| panel.est_len() + d).collect();
    vec![
        mackinlay_j1(&s.values, &s.vars),
        cross_sectional_t(&s.values),
        patell_z(&s.std, &s.dof),
        boehmer_musumeci_poulsen(&s.std),
        mackinlay_j2(&s.std, &s.dof),
        crude_dependence_adjustment(mean, n, &est_aar, s.len),
        patell_z_kolari_pynnonen(&s.std, &s.dof, rbar),
        bmp_kolari_pynnonen(&s.std, rbar),
        skewness_corrected_t_hall(&s.values),
        sign_test(&s.values),
        sign_test_exact(&s.values),
        generalized_sign_cowan(&s.values, cowan_p_hat(&est)),
        generalized_sign_exact(&s.values, cowan_p_hat(&est)),
        corrado_rank(&panel.corrado_ranks(&s.members), &grid),
        grank_with_ranks(
            &panel.est_sar(&s.members),
            &panel.est_sar_ranks(&s.members),
            &s.std,
        ),
        wilcoxon_signed_rank(&s.values),
        placebo_permutation(mean, n, &pseudo),
    ]
}

/// AAR per event day and CAAR per CAR window with the battery of tests, over the given
/// events' analyses (one per event; a security with several events appears several times).
pub fn aggregates(study: &Study, analyses: &[&EventAnalysis]) -> (Vec<Aggregate>, Vec<Aggregate>) {
    let ew = study.event_window;
    let panel = crate::stats::Panel::new(
        analyses
            .iter()
            .map(|a| crate::stats::PanelEvent {
                est_ar: &a.est_ar,
                est_span: &a.est_span,
                event_ar: a.rows.iter().map(|r| r.ar).collect(),
                s2: a.fit.s2,
            })
            .collect(),
    );
    let days = (ew.start..=ew.end)
        .collect::<Vec<i32>>()
        .par_iter()
        .map(|&tau| {
            let pos = (tau - ew.start) as usize;
            let mut s = Sample {
                members: vec![],
                values: vec![],
                vars: vec![],
                std: vec![],
                dof: vec![],
                days: vec![pos],
                len: 1,
            };
            for (i, a) in analyses.iter().enumerate() {
                let row = &a.rows[pos];
                if row.ar.is_finite() {
                    s.members.push(i);
                    s.values.push(row.ar);
                    s.vars.push(row.var);
                    s.std.push(row.sar);
                    s.dof.push(a.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: "day",
                tau: Some(tau),
                window: None,
                n: s.values.len(),
                mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
                tests: battery(&panel, &s),
            }
        })
        .collect();
    let windows = study
        .car_windows
        .par_iter()
        .enumerate()
        .map(|(w, win)| {
            let mut s = Sample {
                members: vec![],
                values: vec![],
                vars: vec![],
                std: vec![],
                dof: vec![],
                days: (win.start..=win.end)
                    .map(|t| (t - ew.start) as usize)
                    .collect(),
                len: win.len(),
            };
            for (i, a) in analyses.iter().enumerate() {
                let c = &a.cars[w];
                if c.car.is_finite() {
                    s.members.push(i);
                    s.values.push(c.car);
                    s.vars.push(c.var);
                    s.std.push(c.t);
                    s.dof.push(a.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: "window",
                tau: None,
                window: Some(*win),
                n: s.values.len(),
                mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
                tests: battery(&panel, &s),
            }
        })
        .collect();
    (days, windows)
}
