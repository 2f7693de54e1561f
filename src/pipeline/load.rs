//! ① The load stage: a study's events, halts, prices, market indices, calendars and factors,
//! read once and turned into one timeline per security (returns with trading status) on its
//! exchange's calendar. Shared by `run` ([`load_study`]) and `simulate`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data::calendar::{
    Calendar, Exchange, builtin_calendar, find_calendar_file, load_calendar,
};
use crate::data::events::{Event, load_events};
use crate::data::factors::load_factors;
use crate::data::halts::{Halts, load_halts};
use crate::data::prices::{PriceSeries, PriceSource, load_price_file};
use crate::data::provenance::InputFile;
use crate::error::{InputError, Result};
use crate::returns::factors::AlignedFactors;
use crate::returns::{Timeline, align_market, build_timeline};
use crate::study::Study;

/// Everything the per-event stage reads, loaded once.
pub struct Loaded {
    pub events: Vec<Event>,
    pub halts: Halts,
    pub prices: PriceSources,
    pub inputs: Vec<InputFile>,
    pub warnings: Vec<String>,
    pub calendars: BTreeMap<String, Arc<Calendar>>,
    /// Each security's market index file (None: no index for its exchange).
    pub market_of: BTreeMap<String, Option<PathBuf>>,
    /// Each loaded security's timeline and model data.
    pub data: BTreeMap<String, SecurityData>,
}

/// One security's timeline on its exchange calendar, with what its model reads.
pub struct SecurityData {
    pub exchange: Exchange,
    pub calendar: Arc<Calendar>,
    pub timeline: Arc<Timeline>,
    /// The market index level on the calendar (models with market leads and lags).
    pub market_px: Arc<Vec<f64>>,
    /// Factors on the calendar, when the model reads them and they cover this exchange.
    pub factors: Option<Arc<AlignedFactors>>,
    /// Its events' estimation spans and prediction rows, held once (see
    /// [`crate::abnormal::SharedRows`]) when [`shares_rows`] says that is smaller.
    pub est_rows: crate::abnormal::SharedRows,
    /// How many events of the study name this security.
    pub events: usize,
}

/// Whether a security's estimation rows held once by session (`sessions` of them) take
/// less memory than each of its `events` holding its own window of `est_len` positions:
/// yes for many events per security (100 on 2,520 sessions), no for one event on a long
/// history.
pub fn shares_rows(events: usize, est_len: usize, sessions: usize) -> bool {
    events.saturating_mul(est_len) >= sessions
}

/// Several price sources, searched in order.
pub struct PriceSources(Vec<PriceSource>);

impl PriceSources {
    pub fn load(
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

    pub fn describe(&self, security: &str) -> String {
        self.0
            .iter()
            .map(|s| s.file_for(security).display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The calendar of an exchange: the study's single calendar, else its per-exchange one, else
/// the built-in calendar, else `calendars/<MIC>_sessions*.csv` in the data directory.
pub fn calendar_for(
    study: &Study,
    mic: &str,
) -> std::result::Result<Option<(Calendar, Option<PathBuf>)>, InputError> {
    let explicit = study
        .calendar
        .clone()
        .or_else(|| study.calendars.get(mic).cloned());
    if let Some(p) = explicit {
        return Ok(Some((load_calendar(&p, &study.layouts.calendar)?, Some(p))));
    }
    if let Some(c) = builtin_calendar(mic) {
        return Ok(Some((c, None)));
    }
    match find_calendar_file(&study.data_dir, mic) {
        Some(p) => Ok(Some((load_calendar(&p, &study.layouts.calendar)?, Some(p)))),
        None => Ok(None),
    }
}

type LoadedSecurity = std::result::Result<Option<(SecurityData, PathBuf, Vec<String>)>, InputError>;

/// Warnings on a price series whose values are implausible: moves between consecutive
/// priced rows beyond the study's bound, and (A-shares) closes beyond the daily limit by
/// more than rounding. Each names the file, the first rows and how to read them.
pub fn plausibility_warnings(s: &PriceSeries, max_return: f64) -> Vec<String> {
    let place = |line: usize| match s.unit {
        crate::error::Unit::Line => format!("line {line}"),
        _ => format!("row {line}"),
    };
    let mut out: Vec<String> = s
        .notes
        .iter()
        .map(|n| format!("{}: {}: {n}", s.path.display(), s.security))
        .collect();
    let moves = crate::data::prices::implausible_moves(s, max_return);
    if !moves.is_empty() {
        let shown: Vec<String> = moves
            .iter()
            .take(3)
            .map(|m| {
                format!(
                    "{} ({}) {} → {} (×{:.3})",
                    place(m.line),
                    m.date,
                    m.from,
                    m.to,
                    m.to / m.from
                )
            })
            .collect();
        out.push(format!(
            "{}: {} implausible price move(s) between consecutive rows, beyond ×{} or ÷{} (max_return = {max_return}): {}{} — check these rows: their returns enter the study as they are",
            s.path.display(),
            moves.len(),
            1.0 + max_return,
            1.0 + max_return,
            shown.join("; "),
            if moves.len() > 3 { "; …" } else { "" }
        ));
    }
    let breaches = crate::returns::limits::beyond_limit(s);
    if !breaches.is_empty() {
        let shown: Vec<String> = breaches
            .iter()
            .take(3)
            .map(|b| {
                format!(
                    "{} ({}) {:+.2} % against ±{:.0} %",
                    place(b.line),
                    b.date,
                    b.change * 100.0,
                    b.limit * 100.0
                )
            })
            .collect();
        out.push(format!(
            "{}: {} close(s) beyond the A-share daily limit by more than rounding: {}{} — a wrong price, or a session without a limit (resumption after a restructuring)",
            s.path.display(),
            breaches.len(),
            shown.join("; "),
            if breaches.len() > 3 { "; …" } else { "" }
        ));
    }
    out
}

/// Runs `load` for every security on scoped OS threads (see the note in [`run_study`]),
/// returning (security, result) in the order of `secs`.
pub fn load_all<T, F>(secs: &[&String], load: F) -> Vec<(String, T)>
where
    T: Send,
    F: Fn(&str) -> T + Sync,
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

/// The input files a run read, each with its SHA-256 (the `inputs` of `summary.json`).
#[derive(Default)]
struct InputLog {
    files: Vec<InputFile>,
    seen: HashSet<PathBuf>,
}

impl InputLog {
    /// Records `path` under `role`.
    fn add(&mut self, role: impl Into<String>, path: &Path) -> std::result::Result<(), InputError> {
        self.files.push(InputFile::read(role, path)?);
        self.seen.insert(path.to_path_buf());
        Ok(())
    }

    /// Records `path` under `role` unless it is recorded already (a file shared by several
    /// securities or exchanges).
    fn add_once(
        &mut self,
        role: impl Into<String>,
        path: &Path,
    ) -> std::result::Result<(), InputError> {
        if self.seen.contains(path) {
            return Ok(());
        }
        self.add(role, path)
    }
}

/// Each security's exchange (an explicit `exchange` column wins over the suffix) and market
/// index file (the events file's `market` column, else the exchange's, else the study's).
fn exchanges_and_markets(
    study: &Study,
    events: &[Event],
    warnings: &mut Vec<String>,
) -> (
    BTreeMap<String, Exchange>,
    BTreeMap<String, Option<PathBuf>>,
) {
    let mut exchange_of: BTreeMap<String, Exchange> = BTreeMap::new();
    let mut market_of: BTreeMap<String, Option<PathBuf>> = BTreeMap::new();
    for e in events {
        let Some(sec) = &e.security else { continue };
        // The first row of a security decides; the others are only compared with it (no
        // key copied per event: a million rows name some thousands of securities).
        let ex = match exchange_of.get(sec) {
            Some(ex) => *ex,
            None => {
                let ex = e.exchange.unwrap_or_else(|| Exchange::for_security(sec));
                exchange_of.insert(sec.clone(), ex);
                ex
            }
        };
        if let Some(x) = e.exchange
            && x != ex
        {
            warnings.push(format!(
                "{sec}: events file line {} names exchange {} but an earlier row gave {}; using {}",
                e.line, x.mic, ex.mic, ex.mic
            ));
        }
        if market_of.contains_key(sec) {
            continue;
        }
        let m = e
            .market
            .as_deref()
            .map(|p| resolve_market(study, p))
            .or_else(|| study.markets.get(ex.mic).cloned())
            .or_else(|| study.market.clone());
        market_of.insert(sec.clone(), m);
    }
    (exchange_of, market_of)
}

/// One calendar per exchange (see [`calendar_for`]; without one, the market index's dates),
/// named, and the calendar name of each exchange.
type Calendars = (
    BTreeMap<String, Arc<Calendar>>,
    HashMap<&'static str, String>,
);

fn exchange_calendars(
    study: &Study,
    exchange_of: &BTreeMap<String, Exchange>,
    market_of: &BTreeMap<String, Option<PathBuf>>,
    markets: &BTreeMap<PathBuf, PriceSeries>,
    log: &mut InputLog,
    warnings: &mut Vec<String>,
) -> Result<Calendars> {
    let mut calendars: BTreeMap<String, Arc<Calendar>> = BTreeMap::new();
    let mut cal_of_mic: HashMap<&'static str, String> = HashMap::new();
    for (sec, ex) in exchange_of {
        if cal_of_mic.contains_key(ex.mic) {
            continue;
        }
        let cal = match calendar_for(study, ex.mic)? {
            Some((c, path)) => {
                if let Some(p) = path {
                    log.add_once(format!("calendar {}", ex.mic), &p)?;
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
    Ok((calendars, cal_of_mic))
}

/// Factors of the CAPM and factor models, aligned on the calendar of the exchange whose
/// sessions the factor dates are (securities of other exchanges get none: never matched by
/// date), with that exchange's MIC.
fn study_factors(
    study: &Study,
    calendars: &BTreeMap<String, Arc<Calendar>>,
    cal_of_mic: &HashMap<&'static str, String>,
    log: &mut InputLog,
) -> Result<Option<(String, Arc<AlignedFactors>)>> {
    let spec = &study.model_spec;
    let Some(fs) = study
        .factors
        .as_ref()
        .filter(|_| spec.uses_factors() || spec.uses_rf())
    else {
        return Ok(None);
    };
    let cols = if spec.uses_factors() {
        spec.factors.clone()
    } else {
        Vec::new()
    };
    let table = load_factors(
        &fs.files,
        &cols,
        fs.rf.as_deref(),
        fs.units,
        &study.layouts.factors,
    )?;
    for f in &fs.files {
        log.add("factors", f)?;
    }
    Ok(cal_of_mic.get(fs.exchange.as_str()).map(|cal_name| {
        (
            fs.exchange.clone(),
            Arc::new(AlignedFactors::align(&table, &calendars[cal_name])),
        )
    }))
}

/// A warning when a market index's dates do not follow the calendar it is used with (an
/// index from another exchange: a Shenzhen security against the S&P 500): more than 2 % of
/// its dates inside the calendar's span are not sessions of that calendar.
fn foreign_index(
    m: &PriceSeries,
    sessions: &[chrono::NaiveDate],
    mic: &str,
    path: &Path,
) -> Option<String> {
    let (Some(first), Some(last)) = (sessions.first(), sessions.last()) else {
        return None;
    };
    let inside: Vec<&chrono::NaiveDate> = m
        .dates
        .iter()
        .filter(|d| *d >= first && *d <= last)
        .collect();
    let off = inside
        .iter()
        .filter(|d| sessions.binary_search(d).is_err())
        .count();
    if inside.is_empty() || off < 5 || off * 50 < inside.len() {
        return None;
    }
    Some(format!(
        "market index {} is used for {mic} securities but does not follow the {mic} calendar: {off} of its {} dates in that span are not {mic} sessions, so it likely trades on another exchange; give each exchange its own index, e.g. `--markets {mic}=PATH` (or `[inputs.markets] {mic} = \"PATH\"` in the study file)",
        path.display(),
        inside.len()
    ))
}

/// Warnings for sessions of a calendar on which its market index, inside its own dates, has
/// no price.
fn market_gaps(
    market_on: &BTreeMap<(String, PathBuf), Arc<Vec<f64>>>,
    markets: &BTreeMap<PathBuf, PriceSeries>,
    calendars: &BTreeMap<String, Arc<Calendar>>,
    cal_of_mic: &HashMap<&'static str, String>,
    warnings: &mut Vec<String>,
) {
    for ((cal, mpath), v) in market_on {
        let m = &markets[mpath];
        let sessions = &calendars[cal].sessions;
        let mics: Vec<&str> = cal_of_mic
            .iter()
            .filter(|(_, c)| *c == cal)
            .map(|(m, _)| *m)
            .collect();
        let mic = if mics.is_empty() {
            cal.clone()
        } else {
            let mut mics = mics;
            mics.sort_unstable();
            mics.join("/")
        };
        if let Some(w) = foreign_index(m, sessions, &mic, mpath) {
            warnings.push(w);
        }
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
}

/// The study's events files, in order: the rows of `events` then of each further file; an
/// (event_id, security) pair in two files is an error naming the second file's line.
fn load_event_files(study: &Study) -> Result<Vec<Event>> {
    let mut events = load_events(&study.events, &study.layouts.events)?;
    if study.more_events.is_empty() {
        // One file: `load_events` has checked its pairs.
        return Ok(events);
    }
    let mut seen: HashSet<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e.event_id.clone(),
                e.security
                    .clone()
                    .unwrap_or_else(|| format!("entity:{}", e.entity)),
            )
        })
        .collect();
    for p in &study.more_events {
        for e in load_events(p, &study.layouts.events)? {
            let key = (
                e.event_id.clone(),
                e.security
                    .clone()
                    .unwrap_or_else(|| format!("entity:{}", e.entity)),
            );
            if !seen.insert(key) {
                return Err(InputError::parse(
                    p,
                    format!(
                        "line {}: event {} for {} is also in an earlier events file",
                        e.line,
                        e.event_id,
                        e.security.as_deref().unwrap_or(&e.entity)
                    ),
                )
                .into());
            }
            events.push(e);
        }
    }
    Ok(events)
}

/// Loads a study's inputs: events, halts, market indices, calendars, factors, then every
/// security's price file into its timeline.
///
/// # Errors
/// Bad input files (exit code 2).
pub fn load_study(study: &Study) -> Result<Loaded> {
    let events = load_event_files(study)?;
    let halts = match &study.halts {
        Some(p) => load_halts(p, &study.layouts.halts)?,
        None => Halts::default(),
    };
    // A long price file keeps only the securities that have events.
    let mut wanted: HashSet<String> = HashSet::new();
    for sec in events.iter().filter_map(|e| e.security.as_ref()) {
        if !wanted.contains(sec) {
            wanted.insert(sec.clone());
        }
    }
    let prices = PriceSources(
        study
            .prices
            .iter()
            .map(|p| PriceSource::open(p, &study.layouts.prices, Some(&wanted)))
            .collect::<std::result::Result<_, _>>()?,
    );
    let mut log = InputLog::default();
    log.add("events", &study.events)?;
    for p in &study.more_events {
        log.add("events", p)?;
    }
    if let Some(h) = &study.halts {
        log.add("halts", h)?;
    }
    let mut warnings = Vec::new();
    let policies = study.policies();
    let (exchange_of, market_of) = exchanges_and_markets(study, &events, &mut warnings);

    // Market indices, each loaded once.
    let mut markets: BTreeMap<PathBuf, PriceSeries> = BTreeMap::new();
    for p in market_of.values().flatten() {
        if !markets.contains_key(p) {
            let m = load_price_file(p, "market", &study.layouts.market)?;
            warnings.extend(plausibility_warnings(&m, study.max_return));
            log.add("market", p)?;
            markets.insert(p.clone(), m);
        }
    }
    let (calendars, cal_of_mic) = exchange_calendars(
        study,
        &exchange_of,
        &market_of,
        &markets,
        &mut log,
        &mut warnings,
    )?;
    // Market prices aligned on each calendar they are used with.
    let mut market_on: BTreeMap<(String, PathBuf), Arc<Vec<f64>>> = BTreeMap::new();
    for (sec, m) in &market_of {
        let (Some(m), Some(cal)) = (m, cal_of_mic.get(exchange_of[sec].mic)) else {
            continue;
        };
        market_on
            .entry((cal.clone(), m.clone()))
            .or_insert_with(|| Arc::new(align_market(&calendars[cal], &markets[m])));
    }
    let factors_on = study_factors(study, &calendars, &cal_of_mic, &mut log)?;

    // Per-security price files, then timelines. The files are read on plain threads, never
    // on rayon's pool: polars runs its own rayon pool, and a rayon worker that waits on it
    // steals further load jobs, nesting until the stack overflows (seen with 1,000 files).
    let secs: Vec<&String> = exchange_of.keys().collect();
    let loaded = load_all(&secs, |sec| -> LoadedSecurity {
        let ex = exchange_of[sec];
        let (Some(cal_name), Some(Some(m))) = (cal_of_mic.get(ex.mic), market_of.get(sec)) else {
            return Ok(None);
        };
        let cal = calendars[cal_name].clone();
        let mkt = &market_on[&(cal_name.clone(), m.clone())];
        let factors = factors_on
            .as_ref()
            .filter(|(mic, _)| mic == ex.mic)
            .map(|(_, f)| f.clone());
        Ok(prices.load(sec)?.map(|(s, file)| {
            // The series is dropped here: only the timeline stays in memory.
            let tl = build_timeline(&cal, &s, &halts, mkt, policies);
            let notes = plausibility_warnings(&s, study.max_return);
            (
                SecurityData {
                    exchange: ex,
                    timeline: Arc::new(tl),
                    calendar: cal,
                    market_px: mkt.clone(),
                    factors,
                    est_rows: Default::default(),
                    events: 0,
                },
                file,
                notes,
            )
        }))
    });
    let mut data: BTreeMap<String, SecurityData> = BTreeMap::new();
    for (sec, r) in loaded {
        if let Some((d, f, notes)) = r? {
            log.add_once(format!("prices {sec}"), &f)?;
            warnings.extend(notes);
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
    market_gaps(&market_on, &markets, &calendars, &cal_of_mic, &mut warnings);
    Ok(Loaded {
        events,
        halts,
        prices,
        inputs: log.files,
        warnings,
        calendars,
        market_of,
        data,
    })
}

/// The securities' timelines on one calendar, loaded once.
pub struct Universe {
    pub calendar: Calendar,
    pub market_px: Vec<f64>,
    pub securities: Vec<(String, Timeline)>,
}

/// The simulation's universe: every `*.csv` of the study's first price directory, each
/// security's timeline on one calendar (the study's, else the built-in calendar of the first
/// security's exchange, else the market index's dates), clipped to the market index's dates.
/// Read once, on plain threads like [`load_study`].
///
/// # Errors
/// Unreadable inputs; no security.
pub fn load_universe(study: &Study) -> anyhow::Result<Universe> {
    use anyhow::{Context, anyhow, bail};
    let dir = study
        .prices
        .first()
        .ok_or_else(|| anyhow!("no price directory"))?;
    if !dir.is_dir() {
        bail!("--prices {}: not a directory", dir.display());
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            (p.extension().and_then(|x| x.to_str()) == Some("csv"))
                .then(|| p.file_stem()?.to_str().map(str::to_string))
                .flatten()
        })
        .collect();
    names.sort();
    if names.is_empty() {
        bail!("no <security>.csv file in {}", dir.display());
    }
    let market_path = study
        .market
        .clone()
        .ok_or_else(|| anyhow!("no market index (--market)"))?;
    let market = load_price_file(&market_path, "market", &study.layouts.market)?;
    let mic = Exchange::for_security(&names[0]).mic;
    let calendar = match calendar_for(study, mic)? {
        Some((c, _)) => c,
        None => Calendar {
            name: format!("dates of {}", market.path.display()),
            sessions: market.dates.clone(),
        },
    };
    // Keep the calendar to the market's dates: sessions outside them have no market return.
    let (first, last) = (market.dates.first().copied(), market.dates.last().copied());
    let calendar = Calendar {
        name: calendar.name,
        sessions: calendar
            .sessions
            .into_iter()
            .filter(|d| Some(*d) >= first && Some(*d) <= last)
            .collect(),
    };
    let market_px = align_market(&calendar, &market);
    let source = PriceSource::open(dir, &study.layouts.prices, None)?;
    let policies = study.policies();
    let halts = Halts::default();
    let secs: Vec<&String> = names.iter().collect();
    let loaded = load_all(&secs, |s| {
        source.load(s).map(|series| {
            series.map(|series| build_timeline(&calendar, &series, &halts, &market_px, policies))
        })
    });
    let mut securities = Vec::new();
    for (s, r) in loaded {
        if let Some(tl) = r? {
            securities.push((s, tl));
        }
    }
    Ok(Universe {
        calendar,
        market_px,
        securities,
    })
}

#[cfg(test)]
mod tests {
    use super::shares_rows;

    /// Held once where the events' own windows would hold more: 100 events on 2,520
    /// sessions share, one event on a long history keeps its own, and the bound is where
    /// the two are equal.
    #[test]
    fn rows_are_shared_where_that_is_smaller() {
        assert!(shares_rows(100, 250, 2_520));
        assert!(!shares_rows(1, 250, 2_520));
        assert!(!shares_rows(1, 250, 25_000));
        assert!(!shares_rows(10, 250, 2_520));
        assert!(shares_rows(11, 250, 2_520));
        assert!(shares_rows(usize::MAX, 250, 2_520));
    }
}
