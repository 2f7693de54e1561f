//! `evimpact run`: flags (and a study file) → a validated study → the pipeline → every
//! output, and the terminal summary.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::align::EventDayRule;
use crate::error::{Error, Result};
use crate::model::ModelKind;
use crate::outcome::SkipKind;
use crate::returns::{HaltPolicy, LimitPolicy, ReturnKind};
use crate::study::{Overrides, Study, data_dir_for, read_study_file};
use crate::window::Window;

/// The event-time windows of a study, shared by `run` and `simulate`.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// Estimation window in event time [default: -260:-11], e.g. --estimation=-250:-30.
    #[arg(long, allow_hyphen_values = true)]
    pub estimation: Option<Window>,
    /// Event window [default: -10:10].
    #[arg(long, allow_hyphen_values = true)]
    pub window: Option<Window>,
    /// A CAR window (repeatable), e.g. --car -1:1 --car 0:5 [default: -1:1, 0:1, 0:5,
    /// -5:5 and -10:10, those inside the event window].
    #[arg(long, allow_hyphen_values = true)]
    pub car: Vec<Window>,
    /// Minimum usable estimation returns [default: 120].
    #[arg(long)]
    pub min_estimation: Option<usize>,
}

/// The resampling tests' draws (bootstraps, placebo across dates), shared by `run` and
/// `simulate`.
#[derive(Debug, Clone, Args)]
pub struct ResamplingArgs {
    /// Resamples of the bootstrap tests and of the placebo test across dates [default: 999].
    #[arg(long)]
    pub resamples: Option<usize>,
    /// Seed of those resamples [default: 42]; the same seed gives the same p-values.
    #[arg(long)]
    pub resample_seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Study definition (TOML). Optional when every input is given by flags.
    pub study: Option<PathBuf>,
    /// Data directory for market data paths [default: $EVIMPACT_DATA, else the study file's
    /// `[inputs] data`, else ../shared/data].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output directory [default: out/<study name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Events CSV: event_id,security,entity,date,time,tz,headline,source,url (optional
    /// group); repeatable, the files are read in order (e.g. listed firms, their suppliers).
    #[arg(long)]
    pub events: Vec<PathBuf>,
    /// Price directory of <security>.csv files, or one long CSV with a `security` column.
    #[arg(long)]
    pub prices: Vec<PathBuf>,
    /// Market index CSV (date, adj_close or close).
    #[arg(long)]
    pub market: Option<PathBuf>,
    /// Market index for one exchange, MIC=PATH (repeatable), e.g. --markets XNYS=indices/us/GSPC.csv.
    #[arg(long, value_parser = parse_mic_path)]
    pub markets: Vec<(String, PathBuf)>,
    /// Session calendar for one exchange, MIC=PATH (repeatable).
    #[arg(long, value_parser = parse_mic_path)]
    pub calendars: Vec<(String, PathBuf)>,
    /// Exchange session calendar CSV (a `date` column), used for every security.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Halts CSV: security,start,end,reason,source (inclusive exchange-local dates).
    #[arg(long)]
    pub halts: Option<PathBuf>,
    #[command(flatten)]
    pub windows: WindowArgs,
    /// Study name (names the default output directory).
    #[arg(long)]
    pub name: Option<String>,
    /// Normal-return model: constant_mean, market_adjusted, market, capm, ff3, ff5, carhart,
    /// factors, scholes_williams or dimson.
    #[arg(long, ignore_case = true)]
    pub model: Option<ModelKind>,
    /// Factor file for capm and the factor models (repeatable), e.g. factors/ff3_daily.csv.
    #[arg(long)]
    pub factors: Vec<PathBuf>,
    /// Unit of the factor file's values: percent (Ken French) or decimal. Required with factors.
    #[arg(long, ignore_case = true)]
    pub factor_units: Option<crate::data::factors::FactorUnits>,
    /// Risk-free column of the factor file [default: rf]; `none` for raw returns.
    #[arg(long)]
    pub rf: Option<String>,
    /// Dimson's K: market leads and lags [default: 1].
    #[arg(long)]
    pub dimson_lags: Option<usize>,
    /// Return kind: simple or log.
    #[arg(long)]
    pub returns: Option<ReturnKind>,
    /// Event-day rule for announcements on non-session days: next, previous or skip.
    #[arg(long)]
    pub rule: Option<EventDayRule>,
    /// Largest shift of day 0 from the announcement date, in weekdays (else skipped).
    #[arg(long)]
    pub max_shift: Option<u32>,
    /// Halts: trade_to_trade (default), drop_event or exclude_days.
    #[arg(long)]
    pub halt_policy: Option<HaltPolicy>,
    /// Limit-locked sessions: flag (default) or accumulate.
    #[arg(long)]
    pub limit_policy: Option<LimitPolicy>,
    /// A regressor of the cross-sectional regression of CARs and BHARs (repeatable): a
    /// column of the characteristics file, else of the events file.
    #[arg(long = "regressor")]
    pub regressors: Vec<String>,
    /// Characteristics CSV keyed by event_id,security for the regression.
    #[arg(long)]
    pub characteristics: Option<PathBuf>,
    /// Plausibility bound on the simple return between consecutive priced rows [default: 3,
    /// i.e. ×4 or ÷4]; moves beyond it are named in the warnings.
    #[arg(long)]
    pub max_return: Option<f64>,
    #[command(flatten)]
    pub resampling: ResamplingArgs,
    /// Table formats to write: csv, parquet or csv,parquet [default: both; the per-session
    /// tables ar, status, series and volume, and any per-event table, as Parquet only
    /// beyond 1,000,000 rows].
    #[arg(long, value_parser = crate::study::formats::parse_format_list)]
    pub formats: Option<crate::study::formats::FormatList>,
    /// Treat any skipped event as a failure (exit 1, no output).
    #[arg(long)]
    pub strict: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Fetch missing input files first (see `evimpact fetch STUDY.toml`).
    #[arg(long)]
    pub fetch: bool,
    /// Replace an `--out` directory that is not a previous evimpact output; the old
    /// directory is kept beside it as DIR.replaced-<time>, never deleted.
    #[arg(long)]
    pub force: bool,
}

fn parse_mic_path(s: &str) -> std::result::Result<(String, PathBuf), String> {
    let (mic, path) = s.split_once('=').ok_or_else(|| {
        format!("expected MIC=PATH such as XNYS=indices/us/GSPC.csv, found \"{s}\"")
    })?;
    Ok((mic.trim().to_string(), PathBuf::from(path.trim())))
}

/// Builds the study from a study file (if any) and the flags.
pub fn study_from_args(a: &RunArgs) -> Result<Study> {
    let file = match &a.study {
        Some(p) => Some((p.as_path(), read_study_file(p)?)),
        None => None,
    };
    let data_dir = data_dir_for(a.data.as_deref(), file.as_ref().map(|(p, f)| (*p, f)));
    let ov = Overrides {
        name: a.name.clone(),
        events: a.events.first().cloned(),
        more_events: a.events.iter().skip(1).cloned().collect(),
        prices: a.prices.clone(),
        market: a.market.clone(),
        markets: a.markets.clone(),
        calendar: a.calendar.clone(),
        calendars: a.calendars.clone(),
        halts: a.halts.clone(),
        estimation: a.windows.estimation,
        event_window: a.windows.window,
        car: a.windows.car.clone(),
        model: a.model,
        factors: a.factors.clone(),
        factor_units: a.factor_units,
        rf: a.rf.clone(),
        dimson_lags: a.dimson_lags,
        min_estimation: a.windows.min_estimation,
        returns: a.returns,
        rule: a.rule,
        max_shift: a.max_shift,
        halt_policy: a.halt_policy,
        limit_policy: a.limit_policy,
        regressors: a.regressors.clone(),
        characteristics: a.characteristics.clone(),
        max_return: a.max_return,
        resamples: a.resampling.resamples,
        seed: a.resampling.resample_seed,
        formats: a.formats.clone().map(|f| f.0),
    };
    Ok(Study::resolve(file, ov, &data_dir)?)
}

/// Every input file and folder of a study: `--out` may not replace any folder that holds one.
pub fn study_inputs(study: &Study) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = Vec::new();
    v.extend(study.study_file.clone());
    v.push(study.data_dir.clone());
    v.push(study.events.clone());
    v.extend(study.more_events.iter().cloned());
    v.extend(study.second_stage.characteristics.clone());
    v.extend(study.second_stage.factors.iter().cloned());
    v.extend(study.prices.iter().cloned());
    v.extend(study.market.clone());
    v.extend(study.markets.values().cloned());
    v.extend(study.calendar.clone());
    v.extend(study.calendars.values().cloned());
    v.extend(study.halts.clone());
    if let Some(f) = &study.factors {
        v.extend(f.files.iter().cloned());
    }
    v
}

/// Before the run: with `--fetch`, fetches the study's missing inputs; without it, fails on
/// a missing input file (naming it and the fetch command) and prints the notes on
/// securities without a price file.
fn check_inputs_or_fetch(study: &Study, fetch: bool, quiet: bool) -> Result<()> {
    use crate::fetch::plan::{execute, plan_study};
    if !fetch {
        for note in crate::fetch::check_inputs(study)? {
            if !quiet {
                eprintln!("{note}");
            }
        }
        return Ok(());
    }
    let mut cfg = crate::fetch::FetchConfig::new(&study.data_dir)?;
    cfg.progress = std::sync::Arc::new(super::progress::Bar::new("fetch", "symbols", !quiet));
    let fetcher = crate::fetch::Fetcher::new(cfg)?;
    let plan = plan_study(study, None, None, false)?;
    if !quiet && !plan.jobs.is_empty() {
        eprintln!(
            "fetching {}",
            crate::text::count(plan.jobs.len() + plan.derived.len(), "missing input file")
        );
    }
    execute(&fetcher, plan).into_result()?;
    Ok(())
}

/// The command line of this process when it is `evimpact run ...`, with `--data` added
/// when none was given (the data directory then came from the environment or a default).
fn reproducing_command(a: &RunArgs, study: &Study) -> Option<crate::outcome::RunCommand> {
    let mut args: Vec<String> = std::env::args_os()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if args.get(1).map(String::as_str) != Some("run") {
        return None;
    }
    args[0] = "evimpact".into();
    if a.data.is_none() {
        args.push("--data".into());
        args.push(
            crate::fsio::absolute(&study.data_dir)
                .unwrap_or_else(|_| study.data_dir.clone())
                .display()
                .to_string(),
        );
    }
    Some(crate::outcome::RunCommand {
        dir: std::env::current_dir().ok()?,
        args,
    })
}

/// `evimpact run`.
pub fn run(a: &RunArgs) -> Result<PathBuf> {
    let study = study_from_args(a)?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(crate::fsio::folder_name(&study.name)));
    let plan = crate::fsio::check_output_dir(&out, &study_inputs(&study), a.force)?;
    check_inputs_or_fetch(&study, a.fetch, a.quiet)?;
    let timer = super::progress::PhaseTimer::from_env();
    let bar = super::progress::Bar::new("evimpact", "events", !a.quiet);
    timer.time_tests();
    let mut outcome = timer.phase("study", || crate::pipeline::run_study_with(&study, &bar))?;
    timer.tests();
    outcome.command = reproducing_command(a, &study);
    // The statistics are done: the estimation windows are not read again.
    outcome.drop_estimation_windows();
    crate::memory::release_freed();
    let counts = outcome.counts();
    let n_skipped = counts.skipped;
    if a.strict && n_skipped > 0 {
        let first = &outcome
            .skipped
            .iter()
            .find(|s| s.kind == SkipKind::Skipped)
            .expect("counted above");
        return Err(Error::Run(anyhow::anyhow!(
            "--strict: {} skipped, first: {} {}: {}",
            crate::text::count(n_skipped, "event row"),
            first.event_id,
            first.security,
            first.reason
        )));
    }
    let sizes = crate::output::Plan::for_outcome(&outcome);
    let mut table_notes = Vec::new();
    let written = crate::fsio::replace_dir(&out, &plan, |dir| {
        bar.phase("writing tables");
        table_notes = timer.phase("tables", || {
            crate::output::write_outputs(&outcome, dir, &sizes)
        })?;
        bar.phase("drawing charts");
        let charts = timer.phase("charts", || {
            crate::chart::render::draw_run(&outcome, dir, &sizes)
        })?;
        bar.phase("writing the report");
        timer.phase("report", || {
            crate::report::write_reports_for(&outcome, &charts, dir, &sizes)
        })?;
        Ok(())
    });
    crate::progress::Progress::finish(&bar);
    let written = written?;
    if !a.quiet {
        print!("{}", super::summary::terminal_summary(&outcome));
        print!("{}", super::second_stage::group_lines(&outcome));
        for note in &table_notes {
            println!("note: {note}");
        }
        if let crate::fsio::OutPlan::KeepAside(old) = &plan {
            println!(
                "--force: the previous contents of {} are kept in {}",
                written.display(),
                old.display()
            );
        }
        for note in [
            sizes.parquet_note(),
            sizes.long_note(),
            sizes.workbook_note(),
        ]
        .into_iter()
        .flatten()
        {
            println!("{note}");
        }
        println!("outputs in {}", written.display());
    }
    if counts.analysed == 0 {
        let first = outcome
            .skipped
            .iter()
            .find(|s| s.kind == SkipKind::Skipped)
            .map(|s| format!("; first: {} {}: {}", s.event_id, s.security, s.reason))
            .unwrap_or_default();
        return Err(Error::Run(anyhow::anyhow!(
            "no event could be analysed: {}, {} skipped, {} without listed shares{first} (every reason is in {})",
            crate::text::count(counts.rows, "event row"),
            counts.skipped,
            counts.no_market_data,
            written.join("audit.csv").display()
        )));
    }
    // Freed on a thread of its own: at a million events the results are some 30 million
    // allocations, seconds of `free` after the last output is written (the process may
    // exit before the thread is done; a caller in a long-lived process gets the memory
    // back all the same).
    std::thread::spawn(move || drop(outcome));
    Ok(written)
}
