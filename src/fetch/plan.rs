//! What a study needs, what is missing, and how to fetch it.
//!
//! - [`plan_study`]: the study's inputs → fetch jobs (prices of every security in the events
//!   file, the market index, the factors file if the study names one) plus files derived
//!   afterwards (a missing calendar from the index's dates, a missing halts file from the
//!   fetched series, see [`super::halts`]). Files already present are left alone; with
//!   `--refresh` only files that carry an evimpact provenance sidecar are refetched, so
//!   hand-made data are never overwritten.
//! - Period: from the earliest event minus the estimation window (sessions × 7/5 calendar
//!   days, + 10 % + 20 days for holidays) to the latest event plus the event window (same
//!   rule), never after today.
//! - [`check_inputs`]: before `evimpact run`, names each missing input and the
//!   `evimpact fetch …` command that fetches it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};

use super::halts::{calendar_table, derive_halts, halts_table, read_traded};
use super::{
    FetchError, Fetcher, Job, Query, Source, default_price_source, file_stem_of, provenance_path,
    write_table_with_provenance,
};
use crate::data::calendar::Exchange;
use crate::data::events::{Event, load_events};
use crate::error::{Error, InputError};
use crate::study::Study;
use crate::window::Window;

/// The period of prices a set of events needs.
pub fn price_period(
    events: &[Event],
    estimation: Window,
    window: Window,
) -> Option<(NaiveDate, NaiveDate)> {
    let first = events.iter().map(|e| e.date).min()?;
    let last = events.iter().map(|e| e.date).max()?;
    let span = |sessions: i32| -> i64 {
        let s = sessions.unsigned_abs() as i64;
        s * 7 / 5 + s * 7 / 50 + 20
    };
    let from = first - Duration::days(span(estimation.start.min(window.start)));
    let today = chrono::Utc::now().date_naive();
    let to = (last + Duration::days(span(window.end.max(estimation.end).max(0)))).min(today);
    Some((from, to))
}

/// Whether a file may be (re)written: absent, or `refresh` and fetched by evimpact before.
fn may_write(path: &Path, refresh: bool) -> Result<bool, String> {
    if !path.exists() {
        return Ok(true);
    }
    if !refresh {
        return Ok(false);
    }
    if provenance_path(path).exists() {
        Ok(true)
    } else {
        Err(format!(
            "{}: not fetched by evimpact (no provenance sidecar): left alone",
            path.display()
        ))
    }
}

/// A file to derive after the fetch jobs.
#[derive(Debug, Clone)]
pub enum Derived {
    /// The index's dates → a calendar file.
    Calendar { index_file: PathBuf, out: PathBuf },
    /// Securities vs index → a halts file.
    /// (security, its price file, its market index file).
    Halts {
        securities: Vec<(String, PathBuf, PathBuf)>,
        source: String,
        out: PathBuf,
    },
}

/// What a study needs fetched.
#[derive(Debug, Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    pub derived: Vec<Derived>,
    /// Inputs already present.
    pub present: Vec<PathBuf>,
    /// Notes (files left alone).
    pub notes: Vec<String>,
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// Where each security's prices go and which index and calendar its exchange uses.
#[derive(Debug, Clone)]
struct Layout {
    /// (security, price file to write or already holding it, market index file).
    securities: Vec<(String, PathBuf, Option<PathBuf>)>,
    /// Index files (deduplicated), with their symbol (file stem).
    indices: Vec<(String, PathBuf)>,
    /// (calendar file, the index it is derived from).
    calendars: Vec<(PathBuf, Option<PathBuf>)>,
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn layout(study: &Study, events: &[Event]) -> Result<Layout, Error> {
    // Price files of a security: the first price directory that has it, else the first
    // directory (where a fetch writes it). Long files cannot be filled.
    let dirs: Vec<&PathBuf> = study.prices.iter().filter(|p| !p.is_file()).collect();
    let Some(first_dir) = dirs.first() else {
        return Err(InputError::Usage(format!(
            "prices ({}) are long files; evimpact fetch writes one file per security: add a price directory to inputs.prices",
            study.prices.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .into());
    };
    let mut l = Layout {
        securities: Vec::new(),
        indices: Vec::new(),
        calendars: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut mic_market: Vec<(&'static str, Option<PathBuf>)> = Vec::new();
    for e in events {
        let Some(sec) = &e.security else { continue };
        if !seen.insert(sec.clone()) {
            continue;
        }
        let ex = e.exchange.unwrap_or_else(|| Exchange::for_security(sec));
        let market = e
            .market
            .as_deref()
            .map(|p| {
                if p.is_absolute() || p.exists() {
                    p.to_path_buf()
                } else {
                    study.data_dir.join(p)
                }
            })
            .or_else(|| study.markets.get(ex.mic).cloned())
            .or_else(|| study.market.clone());
        let file = dirs
            .iter()
            .map(|d| d.join(format!("{sec}.csv")))
            .find(|f| f.exists())
            .unwrap_or_else(|| first_dir.join(format!("{sec}.csv")));
        if let Some(m) = &market
            && !l.indices.iter().any(|(_, p)| p == m)
        {
            l.indices.push((stem(m), m.clone()));
        }
        if !mic_market.iter().any(|(m, _)| *m == ex.mic) {
            mic_market.push((ex.mic, market.clone()));
        }
        l.securities.push((sec.clone(), file, market));
    }
    for m in study.market.iter().chain(study.markets.values()) {
        if !l.indices.iter().any(|(_, p)| p == m) {
            l.indices.push((stem(m), m.clone()));
        }
    }
    if let Some(c) = &study.calendar {
        let idx = study
            .market
            .clone()
            .or_else(|| mic_market.iter().find_map(|(_, m)| m.clone()));
        l.calendars.push((c.clone(), idx));
    }
    for (mic, c) in &study.calendars {
        let idx = study
            .markets
            .get(mic)
            .cloned()
            .or_else(|| {
                mic_market
                    .iter()
                    .find(|(m, _)| m == mic)
                    .and_then(|(_, p)| p.clone())
            })
            .or_else(|| study.market.clone());
        l.calendars.push((c.clone(), idx));
    }
    Ok(l)
}

/// Plans the fetch of a study's missing inputs.
///
/// # Errors
/// The events file is missing or bad (it defines what to fetch), prices are only long files,
/// or an unknown source was forced.
pub fn plan_study(
    study: &Study,
    factors: Option<&Path>,
    forced: Option<&'static Source>,
    refresh: bool,
) -> Result<Plan, Error> {
    if !study.events.exists() {
        return Err(InputError::Usage(format!(
            "{}: the events file is missing, and it defines what to fetch: write it, or fetch Entity List rules with `evimpact fetch events --from YYYY-MM-DD --to YYYY-MM-DD --entities --out {}`",
            study.events.display(),
            study.events.display()
        ))
        .into());
    }
    let events = load_events(&study.events, &study.layouts.events)?;
    let (from, to) = price_period(&events, study.estimation, study.event_window)
        .ok_or_else(|| InputError::Usage(format!("{}: no events", study.events.display())))?;
    let l = layout(study, &events)?;
    let mut plan = Plan {
        period: Some((from, to)),
        ..Default::default()
    };
    let add = |plan: &mut Plan, symbol: &str, index: bool, out: &Path| match may_write(out, refresh)
    {
        Ok(true) => plan.jobs.push(Job {
            source: forced.unwrap_or_else(|| default_price_source(symbol)),
            query: Query::Prices {
                symbol: symbol.to_string(),
                index,
                from,
                to,
            },
            out: out.to_path_buf(),
        }),
        Ok(false) => plan.present.push(out.to_path_buf()),
        Err(m) => plan.notes.push(m),
    };
    for (sec, file, _) in &l.securities {
        add(&mut plan, sec, false, file);
    }
    for (name, file) in &l.indices {
        add(&mut plan, name, true, file);
    }
    if let Some(f) = factors {
        match may_write(f, refresh) {
            Ok(true) => plan.jobs.push(Job {
                source: &super::FRENCH,
                query: Query::Factors {
                    from: None,
                    to: None,
                },
                out: f.to_path_buf(),
            }),
            Ok(false) => plan.present.push(f.to_path_buf()),
            Err(m) => plan.notes.push(m),
        }
    }
    for (c, idx) in &l.calendars {
        match (may_write(c, refresh), idx) {
            (Ok(true), Some(i)) => plan.derived.push(Derived::Calendar {
                index_file: i.clone(),
                out: c.clone(),
            }),
            (Ok(true), None) => plan.notes.push(format!(
                "{}: no market index to derive the calendar from",
                c.display()
            )),
            (Ok(false), _) => plan.present.push(c.clone()),
            (Err(m), _) => plan.notes.push(m),
        }
    }
    if let Some(h) = &study.halts {
        match may_write(h, refresh) {
            Ok(true) => plan.derived.push(Derived::Halts {
                securities: l
                    .securities
                    .iter()
                    .filter_map(|(s, f, m)| m.clone().map(|m| (s.clone(), f.clone(), m)))
                    .collect(),
                source: forced.map(|s| s.name()).unwrap_or("fetched").to_string(),
                out: h.clone(),
            }),
            Ok(false) => plan.present.push(h.clone()),
            Err(m) => plan.notes.push(m),
        }
    }
    Ok(plan)
}

/// What a fetch did.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub present: Vec<PathBuf>,
    pub requests: usize,
    pub from_cache: usize,
    pub errors: Vec<FetchError>,
    pub notes: Vec<String>,
}

impl Report {
    /// The run's result: the first error (all of them in the message) or Ok.
    ///
    /// # Errors
    /// Any job failed.
    pub fn into_result(self) -> Result<Report, Error> {
        match self.errors.first() {
            None => Ok(self),
            Some(first) => {
                let all = self
                    .errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n  ");
                let msg = if self.errors.len() == 1 {
                    all
                } else {
                    format!("{} fetch(es) failed:\n  {all}", self.errors.len())
                };
                Err(if first.exit_code() == 2 {
                    Error::Input(InputError::Usage(msg))
                } else {
                    Error::Run(anyhow::anyhow!(msg))
                })
            }
        }
    }
}

/// Runs a plan: the jobs concurrently, then the derived files.
pub fn execute(fetcher: &Fetcher, plan: Plan) -> Report {
    let mut rep = Report {
        present: plan.present,
        notes: plan.notes,
        ..Default::default()
    };
    for (job, r) in plan.jobs.iter().zip(fetcher.run_jobs(&plan.jobs)) {
        match r {
            Ok(f) => {
                rep.requests += f.requests.len();
                rep.from_cache += f.from_cache();
                rep.written.push(job.out.clone());
            }
            Err(e) => rep.errors.push(e),
        }
    }
    for d in plan.derived {
        match derive(&d) {
            Ok(Some(p)) => rep.written.push(p),
            Ok(None) => {}
            Err(m) => rep.errors.push(FetchError::new(
                super::FetchErrorKind::Io,
                "derive",
                "",
                "",
                m,
            )),
        }
    }
    rep
}

fn derive(d: &Derived) -> Result<Option<PathBuf>, String> {
    match d {
        Derived::Calendar { index_file, out } => {
            if !index_file.exists() {
                return Ok(None);
            }
            let idx = read_traded(index_file)?;
            let t = calendar_table(&idx);
            write_derived(out, &t, "calendar", index_file)?;
            Ok(Some(out.clone()))
        }
        Derived::Halts {
            securities,
            source,
            out,
        } => {
            let mut rows = Vec::new();
            let mut indices: std::collections::HashMap<PathBuf, super::halts::Traded> =
                Default::default();
            for (s, f, m) in securities {
                if !f.exists() || !m.exists() {
                    continue;
                }
                if !indices.contains_key(m) {
                    indices.insert(m.clone(), read_traded(m)?);
                }
                let idx = &indices[m];
                let src = source_of(f).unwrap_or_else(|| source.clone());
                rows.extend(derive_halts(s, &read_traded(f)?, idx, &stem(m), &src));
            }
            let t = halts_table(rows);
            let first = securities.first().map(|x| x.2.clone()).unwrap_or_default();
            write_derived(out, &t, "halts", &first)?;
            Ok(Some(out.clone()))
        }
    }
}

/// The `source` recorded in a file's sidecar.
fn source_of(file: &Path) -> Option<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(provenance_path(file)).ok()?).ok()?;
    v.get("source").and_then(|s| s.as_str()).map(str::to_string)
}

fn write_derived(out: &Path, t: &super::Table, what: &str, from: &Path) -> Result<(), String> {
    let mut t = t.clone();
    t.notes
        .push(format!("{what} derived from {}", from.display()));
    write_table_with_provenance(
        out,
        &format!("derived:{what}"),
        &Query::Derived {
            what: what.to_string(),
            inputs: vec![from.display().to_string()],
        },
        &t,
        &[],
    )
    .map_err(|e| e.to_string())
}

/// The command that fetches a study's inputs.
fn fetch_command(study: &Study) -> String {
    match &study.study_file {
        Some(f) => format!(
            "`evimpact fetch {} --data {}` (or `evimpact run --fetch …`)",
            f.display(),
            study.data_dir.display()
        ),
        None => "`evimpact run --fetch …` with the same flags".into(),
    }
}

/// Before `evimpact run` without `--fetch`: fails on a missing input file naming it and the
/// `evimpact fetch` command that fetches it; returns notes on securities whose price file
/// is missing (the run skips those events).
///
/// # Errors
/// The first missing input file (the events file, a market index, a price directory, a
/// named calendar or halts file).
pub fn check_inputs(study: &Study) -> Result<Vec<String>, Error> {
    let data_dir = &study.data_dir;
    let resolved = |p: &Path| {
        crate::fsio::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    // A path that is there in any form (a link loop, a dangling link, a FIFO) is not
    // missing: the loaders name what it is.
    let absent = |p: &Path| std::fs::symlink_metadata(p).is_err();
    let missing = |what: &str, path: &Path, cmd: String| -> Error {
        let one_per_flag = if path.to_string_lossy().contains(',') {
            " (one path per flag: repeat the flag, e.g. `--prices a --prices b`, instead of a comma-separated list)"
        } else {
            ""
        };
        InputError::Usage(format!(
            "{what} {} does not exist (resolved: {}){one_per_flag}; check the path, or fetch it with {cmd}",
            path.display(),
            resolved(path)
        ))
        .into()
    };
    // The data directory first: without it every market-data path fails.
    let absent_inputs = study.prices.iter().any(|p| absent(p))
        || study.market.as_ref().is_some_and(|p| absent(p))
        || study.markets.values().any(|p| absent(p));
    let empty = std::fs::read_dir(data_dir).map(|mut d| d.next().is_none());
    if absent_inputs && !matches!(empty, Ok(false)) {
        return Err(InputError::Usage(format!(
            "the data directory {} {} (it is --data, else $EVIMPACT_DATA, else the study file's [inputs] data, else ../shared/data); it should hold the market data the study names: price files under prices/ (e.g. prices/cn/002415.SZ.csv), market indices under indices/ and calendars under calendars/ (README, Inputs); pass --data DIR, or fetch the data with {}",
            resolved(data_dir),
            if empty.is_err() { "does not exist" } else { "is empty" },
            fetch_command(study)
        ))
        .into());
    }
    if absent(&study.events) {
        return Err(missing(
            "events file",
            &study.events,
            "`evimpact fetch events --from YYYY-MM-DD --to YYYY-MM-DD --entities --out FILE` (Federal Register Entity List rules), or write it by hand".into(),
        ));
    }
    // A bad events file is reported by the run with its line and column.
    let Ok(events) = load_events(&study.events, &study.layouts.events) else {
        return Ok(Vec::new());
    };
    let Ok(l) = layout(study, &events) else {
        return Ok(Vec::new());
    };
    let range = price_period(&events, study.estimation, study.event_window)
        .map(|(a, b)| format!("--from {a} --to {b}"))
        .unwrap_or_default();
    let data = format!("--data {}", study.data_dir.display());
    for (name, file) in &l.indices {
        if absent(file) {
            return Err(missing(
                "market index",
                file,
                format!(
                    "{} or `evimpact fetch prices {name} --index {range} --out {} {data}`",
                    fetch_command(study),
                    file.parent().unwrap_or(Path::new(".")).display()
                ),
            ));
        }
    }
    for p in &study.prices {
        if absent(p) {
            return Err(missing("price directory", p, fetch_command(study)));
        }
    }
    for (c, _) in &l.calendars {
        if !c.exists() {
            return Err(missing("calendar", c, fetch_command(study)));
        }
    }
    if let Some(h) = &study.halts
        && absent(h)
    {
        return Err(missing("halts file", h, fetch_command(study)));
    }
    let long_files = study.prices.iter().any(|p| p.is_file());
    let mut notes = Vec::new();
    if !long_files {
        let absent: Vec<&(String, PathBuf, Option<PathBuf>)> = l
            .securities
            .iter()
            .filter(|(_, f, _)| !f.exists())
            .collect();
        if let Some((_, first, _)) = absent.first() {
            let dir = first.parent().unwrap_or(Path::new("."));
            notes.push(format!(
                "note: no price file for {} in {} (their events are skipped); fetch with {} or `evimpact fetch prices {} {range} --out {} {data}`",
                absent
                    .iter()
                    .map(|a| a.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                dir.display(),
                fetch_command(study),
                absent
                    .iter()
                    .map(|a| file_stem_of(&a.0))
                    .collect::<Vec<_>>()
                    .join(" "),
                dir.display()
            ));
        }
    }
    Ok(notes)
}

/// Reads the `inputs.factors` entry of a study file, if any (resolved against the data
/// directory like the other market data).
pub fn study_factors(study_file: &Path, data_dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(study_file).ok()?;
    let v: toml::Value = toml::from_str(&text).ok()?;
    let f = v.get("inputs")?.get("factors")?.as_str()?;
    let p = PathBuf::from(f);
    Some(if p.is_absolute() { p } else { data_dir.join(p) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_covers_the_estimation_window() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("events.csv");
        std::fs::write(&p, "event_id,security,date\nE,A,2019-10-07\n").expect("write");
        let events = load_events(&p, &Default::default()).expect("events");
        let (a, b) = price_period(&events, Window::event(-260, -11), Window::event(-10, 10))
            .expect("period");
        // 260 sessions ≈ 364 calendar days, plus margins.
        assert!(
            a <= NaiveDate::from_ymd_opt(2018, 9, 15).expect("date"),
            "{a}"
        );
        assert!(
            b >= NaiveDate::from_ymd_opt(2019, 10, 21).expect("date"),
            "{b}"
        );
    }
}
