//! `evimpact fetch`: the command line of the fetchers.
//!
//! ```text
//! evimpact fetch STUDY.toml [--source S]                     what the study's inputs need
//! evimpact fetch prices SYMBOL... --from D --to D [--source yahoo|stooq|eastmoney] [--index] [--out DIR]
//! evimpact fetch factors [--from D] [--to D] [--out FILE]    Ken French daily FF3 factors
//! evimpact fetch events --from D --to D [--entities] [--securities MAP.csv] [--out FILE]
//! evimpact fetch news "QUERY" --from D --to D [--articles] [--out FILE]
//! evimpact fetch halts --securities S... --index I --from D --to D [--out FILE]
//! evimpact fetch calendar --index I --from D --to D [--out FILE]
//! common: --data DIR --refresh --offline --jobs N --base-url [SOURCE=]URL --timeout SECS --retries N -q
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use crate::error::{InputError, Result};
use crate::fetch::halts::{calendar_table, derive_halts, halts_table, traded_of};
use crate::fetch::plan::{execute, plan_study, study_factors};
use crate::fetch::{
    FetchConfig, FetchError, Fetched, Fetcher, Job, Query, Source, default_price_source,
    file_stem_of, is_a_share, provenance_path, source, write_table_with_provenance,
};
use crate::study::{Overrides, Study, default_data_dir, read_study_file};

/// `evimpact fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(subcommand)]
    pub what: Option<FetchCommand>,
    /// Study file (TOML): fetch every missing input it needs (prices of each security in its
    /// events file, the market index, factors if named, a calendar and halts derived from them).
    pub study: Option<PathBuf>,
    /// Price source for the study's securities and index [default: eastmoney for .SZ/.SH/.SS,
    /// yahoo otherwise].
    #[arg(long)]
    pub source: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options shared by every `fetch` command.
#[derive(Debug, Clone, Default, Args)]
pub struct CommonArgs {
    /// Data directory the files go to [default: $EVIMPACT_DATA, else ../shared/data].
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// Fetch again even when cached (files without an evimpact provenance sidecar are never
    /// overwritten).
    #[arg(long, global = true)]
    pub refresh: bool,
    /// Use only the cache; fail on anything not cached.
    #[arg(long, global = true, conflicts_with = "refresh")]
    pub offline: bool,
    /// Symbols fetched concurrently [default: 4].
    #[arg(long, global = true)]
    pub jobs: Option<usize>,
    /// Base URL of a source (`yahoo=http://127.0.0.1:8080`) or of every source (a mirror).
    #[arg(long = "base-url", global = true, value_name = "[SOURCE=]URL")]
    pub base_url: Vec<String>,
    /// Timeout of one request in seconds [default: 30].
    #[arg(long, global = true)]
    pub timeout: Option<f64>,
    /// Retries on 5xx, 429 and network errors [default: 4].
    #[arg(long, global = true)]
    pub retries: Option<u32>,
    /// Print nothing but errors (no progress bar).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum FetchCommand {
    /// Daily prices of securities or market indices.
    Prices(PricesArgs),
    /// Fama-French daily factors (mkt_rf, smb, hml, rf, in percent) from Ken French's library.
    Factors(FactorsArgs),
    /// Entity List rules from the Federal Register as an events file.
    Events(EventsArgs),
    /// GDELT news flow for a query: articles per day (or the headlines with --articles).
    News(NewsArgs),
    /// Halts derived from daily series: sessions the index traded and the security did not.
    Halts(HaltsArgs),
    /// An exchange calendar: the sessions on which an index traded.
    Calendar(CalendarArgs),
}

fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    crate::fetch::parse_day(s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found \"{s}\""))
}

/// The dates a fetch covers, both inclusive.
#[derive(Debug, Clone, Copy, Args)]
pub struct PeriodArgs {
    /// First date (YYYY-MM-DD), inclusive.
    #[arg(long, value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last date (YYYY-MM-DD), inclusive.
    #[arg(long, value_parser = parse_date)]
    pub to: NaiveDate,
}

#[derive(Debug, Args)]
pub struct PricesArgs {
    /// Symbols as in the events file: QCOM, 002415.SZ, GSPC (with --index), 000300.SH.
    #[arg(required = true)]
    pub symbols: Vec<String>,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// yahoo, stooq or eastmoney [default: eastmoney for .SZ/.SH/.SS, yahoo otherwise].
    #[arg(long)]
    pub source: Option<String>,
    /// The symbols are market indices (GSPC → ^GSPC on Yahoo, ^spx on Stooq).
    #[arg(long)]
    pub index: bool,
    /// Output directory [default: <data>/prices/<cn|hk|us>, or <data>/indices/… with --index].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FactorsArgs {
    /// First date kept (YYYY-MM-DD) [default: the file's first].
    #[arg(long, value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last date kept (YYYY-MM-DD) [default: the file's last].
    #[arg(long, value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Output file [default: <data>/factors/ff3_daily.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Search term.
    #[arg(long, default_value = "Entity List")]
    pub term: String,
    /// Federal Register agency slug.
    #[arg(long, default_value = "industry-and-security-bureau")]
    pub agency: String,
    /// List the entities named in each rule (one row per rule and entity).
    #[arg(long)]
    pub entities: bool,
    /// Keep every rule the search returns, not only those with the term in the title.
    #[arg(long)]
    pub all_rules: bool,
    /// CSV `entity,security`: entities whose name contains a mapped name get that security.
    #[arg(long)]
    pub securities: Option<PathBuf>,
    /// Output file [default: <data>/events/federal-register-<from>-<to>.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NewsArgs {
    /// GDELT query, e.g. "\"Entity List\" Huawei".
    pub query: String,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Headlines as an events file instead of the daily counts.
    #[arg(long)]
    pub articles: bool,
    /// Most headlines with --articles (GDELT's limit is 250).
    #[arg(long, default_value_t = 250)]
    pub max: usize,
    /// Output file [default: <data>/news/<query>-<from>-<to>.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HaltsArgs {
    /// Securities to check.
    #[arg(long, num_args = 1.., required = true)]
    pub securities: Vec<String>,
    /// Their market index (its sessions are the exchange's).
    #[arg(long)]
    pub index: String,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Price source [default: eastmoney for .SZ/.SH/.SS, yahoo otherwise].
    #[arg(long)]
    pub source: Option<String>,
    /// Output file [default: <data>/halts/fetched-<from>-<to>.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    #[arg(long)]
    pub index: String,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[arg(long)]
    pub source: Option<String>,
    /// Output file [default: <data>/calendars/<MIC>_sessions_fetched.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn config(c: &CommonArgs) -> Result<FetchConfig> {
    let data = default_data_dir(c.data.as_deref());
    let mut cfg = FetchConfig::new(&data)?;
    cfg.refresh = c.refresh;
    cfg.offline = c.offline;
    cfg.progress = std::sync::Arc::new(super::progress::Bar::new("fetch", "symbols", !c.quiet));
    if let Some(j) = c.jobs {
        cfg.jobs = j.max(1);
    }
    for b in &c.base_url {
        cfg.set_base_url(b)?;
    }
    if let Some(t) = c.timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(
                InputError::Usage(format!("--timeout: expected seconds > 0, found {t}")).into(),
            );
        }
        cfg.http.timeout = Duration::from_secs_f64(t);
        cfg.http.connect_timeout = cfg.http.connect_timeout.min(cfg.http.timeout);
    }
    if let Some(r) = c.retries {
        cfg.http.retries = r;
    }
    Ok(cfg)
}

fn region(symbol: &str) -> &'static str {
    let s = symbol.to_ascii_uppercase();
    if is_a_share(&s) {
        "cn"
    } else if s.ends_with(".HK") {
        "hk"
    } else {
        "us"
    }
}

fn check_period(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if from > to {
        return Err(InputError::Usage(format!("--from {from} is after --to {to}")).into());
    }
    Ok(())
}

/// The file a subcommand writes: `--out` if given, else `default` under the data folder;
/// refused (see [`guard`]) when something evimpact did not fetch stands there.
fn target(out: &Option<PathBuf>, data: &Path, default: impl FnOnce() -> String) -> Result<PathBuf> {
    let out = out.clone().unwrap_or_else(|| data.join(default()));
    guard(&out)?;
    Ok(out)
}

impl PeriodArgs {
    /// The daily prices of `symbol` (an index if `index`) over this period.
    fn prices(&self, symbol: &str, index: bool) -> Query {
        Query::Prices {
            symbol: symbol.to_string(),
            index,
            from: self.from,
            to: self.to,
        }
    }
}

/// Refuses to overwrite a file that evimpact did not fetch.
fn guard(out: &Path) -> Result<()> {
    if out.exists() && !provenance_path(out).exists() {
        return Err(InputError::Usage(format!(
            "{} exists and was not fetched by evimpact (no provenance sidecar): not overwritten; choose another --out or remove it",
            out.display()
        ))
        .into());
    }
    Ok(())
}

fn say(quiet: bool, f: &Fetched, out: &Path) {
    if !quiet {
        println!(
            "wrote {} ({} rows, {}, {} request(s), {} from cache)",
            out.display(),
            f.table.rows.len(),
            f.source,
            f.requests.len(),
            f.from_cache()
        );
    }
}

fn pick(name: &Option<String>, symbol: &str) -> Result<&'static Source> {
    Ok(match name {
        Some(n) => source(n)?,
        None => default_price_source(symbol),
    })
}

/// Runs `evimpact fetch`.
///
/// # Errors
/// Bad usage or input (exit 2), a failed fetch (exit 1).
pub fn fetch(a: &FetchArgs) -> Result<()> {
    let c = &a.common;
    let cfg = config(c)?;
    let data = cfg.data_dir.clone();
    match (&a.what, &a.study) {
        (Some(_), Some(s)) => Err(InputError::Usage(format!(
            "give either a study file ({}) or a subcommand, not both",
            s.display()
        ))
        .into()),
        (None, None) => Err(InputError::Usage(
            "nothing to fetch: give a study file (`evimpact fetch STUDY.toml`) or a subcommand (prices, factors, events, news, halts, calendar)".into(),
        )
        .into()),
        (None, Some(study_file)) => {
            let file = read_study_file(study_file)?;
            let study = Study::resolve(Some((study_file, file)), Overrides::default(), &data)?;
            let forced = a.source.as_ref().map(|s| source(s)).transpose()?;
            let factors = study_factors(study_file, &data);
            let plan = plan_study(&study, factors.as_deref(), forced, c.refresh)?;
            let fetcher = Fetcher::new(cfg)?;
            let rep = execute(&fetcher, plan);
            if !c.quiet {
                for n in &rep.notes {
                    println!("note: {n}");
                }
                println!(
                    "{}: {} file(s) written, {} already present; {} request(s), {} from cache",
                    study.name,
                    rep.written.len(),
                    rep.present.len(),
                    rep.requests,
                    rep.from_cache
                );
                for w in &rep.written {
                    println!("  wrote {}", w.display());
                }
            }
            rep.into_result().map(|_| ())
        }
        (Some(cmd), None) => {
            let fetcher = Fetcher::new(cfg)?;
            run_command(&fetcher, cmd, &data, c.quiet)
        }
    }
}

fn run_command(fetcher: &Fetcher, cmd: &FetchCommand, data: &Path, quiet: bool) -> Result<()> {
    match cmd {
        FetchCommand::Prices(p) => fetch_prices(fetcher, p, data, quiet),
        FetchCommand::Factors(f) => fetch_factors(fetcher, f, data, quiet),
        FetchCommand::Events(e) => fetch_events(fetcher, e, data, quiet),
        FetchCommand::News(n) => fetch_news(fetcher, n, data, quiet),
        FetchCommand::Halts(h) => fetch_halts(fetcher, h, data, quiet),
        FetchCommand::Calendar(c) => fetch_calendar(fetcher, c, data, quiet),
    }
}

/// `evimpact fetch prices`.
fn fetch_prices(fetcher: &Fetcher, p: &PricesArgs, data: &Path, quiet: bool) -> Result<()> {
    check_period(p.period.from, p.period.to)?;
    let mut jobs = Vec::new();
    for s in &p.symbols {
        let dir = match &p.out {
            Some(d) => d.clone(),
            None => data
                .join(if p.index { "indices" } else { "prices" })
                .join(region(s)),
        };
        let out = dir.join(format!("{}.csv", file_stem_of(s)));
        guard(&out)?;
        jobs.push(Job {
            source: pick(&p.source, s)?,
            query: p.period.prices(s, p.index),
            out,
        });
    }
    report_jobs(fetcher, &jobs, quiet)
}

/// `evimpact fetch factors`.
fn fetch_factors(fetcher: &Fetcher, f: &FactorsArgs, data: &Path, quiet: bool) -> Result<()> {
    let out = target(&f.out, data, || "factors/ff3_daily.csv".into())?;
    let job = Job {
        source: &crate::fetch::FRENCH,
        query: Query::Factors {
            from: f.from,
            to: f.to,
        },
        out,
    };
    report_jobs(fetcher, &[job], quiet)
}

/// `evimpact fetch events`.
fn fetch_events(fetcher: &Fetcher, e: &EventsArgs, data: &Path, quiet: bool) -> Result<()> {
    check_period(e.period.from, e.period.to)?;
    let out = target(&e.out, data, || {
        format!(
            "events/federal-register-{}-{}.csv",
            e.period.from, e.period.to
        )
    })?;
    let securities = match &e.securities {
        Some(p) => read_security_map(p)?,
        None => Vec::new(),
    };
    let job = Job {
        source: &crate::fetch::FEDERAL_REGISTER,
        query: Query::Rules {
            term: e.term.clone(),
            agency: e.agency.clone(),
            from: e.period.from,
            to: e.period.to,
            entities: e.entities,
            title_filter: !e.all_rules,
            securities,
        },
        out,
    };
    report_jobs(fetcher, &[job], quiet)
}

/// `evimpact fetch news`.
fn fetch_news(fetcher: &Fetcher, n: &NewsArgs, data: &Path, quiet: bool) -> Result<()> {
    check_period(n.period.from, n.period.to)?;
    let slug: String = crate::fetch::federal_register::normalise(&n.query)
        .chars()
        .take(40)
        .collect();
    let out = target(&n.out, data, || {
        format!(
            "news/{slug}-{}-{}{}.csv",
            n.period.from,
            n.period.to,
            if n.articles { "-articles" } else { "" }
        )
    })?;
    let query = if n.articles {
        Query::Articles {
            query: n.query.clone(),
            from: n.period.from,
            to: n.period.to,
            max: n.max,
        }
    } else {
        Query::Timeline {
            query: n.query.clone(),
            from: n.period.from,
            to: n.period.to,
        }
    };
    let job = Job {
        source: &crate::fetch::GDELT,
        query,
        out,
    };
    report_jobs(fetcher, &[job], quiet)
}

/// `evimpact fetch halts`.
fn fetch_halts(fetcher: &Fetcher, h: &HaltsArgs, data: &Path, quiet: bool) -> Result<()> {
    check_period(h.period.from, h.period.to)?;
    let out = target(&h.out, data, || {
        format!("halts/fetched-{}-{}.csv", h.period.from, h.period.to)
    })?;
    let mut items: Vec<(&'static Source, Query)> =
        vec![(pick(&h.source, &h.index)?, h.period.prices(&h.index, true))];
    for s in &h.securities {
        items.push((pick(&h.source, s)?, h.period.prices(s, false)));
    }
    let fetched = collect(fetcher.fetch_many(&items))?;
    let index = traded_of(&fetched[0].table);
    let mut rows = Vec::new();
    let mut requests = Vec::new();
    requests.extend(fetched[0].requests.iter().cloned());
    for (f, s) in fetched[1..].iter().zip(&h.securities) {
        requests.extend(f.requests.iter().cloned());
        rows.extend(derive_halts(
            s,
            &traded_of(&f.table),
            &index,
            &h.index,
            f.source,
        ));
    }
    let n = rows.len();
    let t = halts_table(rows);
    let q = Query::Derived {
        what: "halts".into(),
        inputs: items
            .iter()
            .map(|(s, q)| format!("{} {}", s.name(), q.label()))
            .collect(),
    };
    write_table_with_provenance(&out, "derived:halts", &q, &t, &requests)?;
    if !quiet {
        println!(
            "wrote {} ({} for {} vs {})",
            out.display(),
            crate::text::count(n, "halt"),
            crate::text::count(h.securities.len(), "security"),
            h.index
        );
    }
    Ok(())
}

/// `evimpact fetch calendar`.
fn fetch_calendar(fetcher: &Fetcher, c: &CalendarArgs, data: &Path, quiet: bool) -> Result<()> {
    check_period(c.period.from, c.period.to)?;
    let mic = crate::data::calendar::Exchange::for_security(&c.index).mic;
    let out = target(&c.out, data, || {
        format!("calendars/{mic}_sessions_fetched.csv")
    })?;
    let q = c.period.prices(&c.index, true);
    let f = fetcher.fetch(pick(&c.source, &c.index)?, &q)?;
    let t = calendar_table(&traded_of(&f.table));
    let dq = Query::Derived {
        what: "calendar".into(),
        inputs: vec![format!("{} {}", f.source, c.index)],
    };
    write_table_with_provenance(&out, "derived:calendar", &dq, &t, &f.requests)?;
    if !quiet {
        println!(
            "wrote {} ({} sessions of {mic})",
            out.display(),
            t.rows.len()
        );
    }
    Ok(())
}

fn collect(rs: Vec<std::result::Result<Fetched, FetchError>>) -> Result<Vec<Fetched>> {
    let mut ok = Vec::new();
    let mut errs = Vec::new();
    for r in rs {
        match r {
            Ok(f) => ok.push(f),
            Err(e) => errs.push(e),
        }
    }
    let rep = crate::fetch::plan::Report {
        errors: errs,
        ..Default::default()
    };
    rep.into_result()?;
    Ok(ok)
}

fn report_jobs(fetcher: &Fetcher, jobs: &[Job], quiet: bool) -> Result<()> {
    let mut errors = Vec::new();
    for (job, r) in jobs.iter().zip(fetcher.run_jobs(jobs)) {
        match r {
            Ok(f) => say(quiet, &f, &job.out),
            Err(e) => errors.push(e),
        }
    }
    crate::fetch::plan::Report {
        errors,
        ..Default::default()
    }
    .into_result()
    .map(|_| ())
}

/// Reads an `entity,security` CSV into (normalised entity, security) pairs.
fn read_security_map(path: &Path) -> Result<Vec<(String, String)>> {
    let t = crate::data::table::read_table(path, &Default::default(), false)?;
    let ce = t.header.require(path, "entity")?;
    let cs = t.header.require(path, "security")?;
    let mut out = Vec::new();
    for row in &t.rows {
        let e = t.text(row, Some(ce))?;
        let s = t.text(row, Some(cs))?;
        if !e.is_empty() && !s.is_empty() {
            out.push((crate::fetch::federal_register::normalise(e), s.to_string()));
        }
    }
    Ok(out)
}
