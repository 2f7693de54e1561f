//! `evimpact simulate`: size and power of every test on pseudo-events drawn from real
//! returns (the experiment itself is [`crate::simulate`]).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::progress::Bar;
use crate::pipeline::load::load_universe;
use crate::progress::Progress;
use crate::simulate::{
    Design, SimConfig, Simulation, acceptance_interval, power_lines, rejections_csv, simulate,
};
use crate::study::{Overrides, Study, default_data_dir};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Price directory of <security>.csv files: the securities to draw from.
    #[arg(long)]
    pub prices: PathBuf,
    /// Market index CSV (date, adj_close or close).
    #[arg(long)]
    pub market: PathBuf,
    /// Exchange session calendar CSV [default: the built-in calendar of the securities'
    /// exchange, else the market index's dates].
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Data directory for relative paths [default: $EVIMPACT_DATA, else ../shared/data].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Replications R.
    #[arg(long, default_value_t = 1000)]
    pub draws: usize,
    /// Pseudo-events N per replication.
    #[arg(long, default_value_t = 20)]
    pub events: usize,
    /// Abnormal return added on day 0 (repeatable; a fraction, 0.01 = 1 %) [default: 0].
    #[arg(long, allow_hyphen_values = true)]
    pub k: Vec<f64>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Design: all N events of a replication on one date (N distinct securities).
    #[arg(long)]
    pub clustered: bool,
    /// Design: multiply the day-0 return's variance around its normal return by C
    /// (event-induced variance) [default: 1, none].
    #[arg(long, default_value_t = 1.0)]
    pub day0_variance: f64,
    /// Design: thin trading, each traded session starts a random halt with this probability
    /// (halt lengths of the A-share reference data; 0.002 is their rate) [default: 0, none].
    #[arg(long, default_value_t = 0.0)]
    pub halt_rate: f64,
    /// Resamples of the bootstrap tests and of the placebo test across dates, in each
    /// replication [default: 999].
    #[arg(long)]
    pub resamples: Option<usize>,
    /// Output directory (replaced as a whole when it is empty or a previous evimpact output).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an `--out` directory that is not a previous evimpact output (it is kept
    /// beside the new one as DIR.replaced-<time>).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub windows: super::run::WindowArgs,
    /// Normal-return model [default: market]; the models without a factor file (e.g.
    /// garch, egarch, scholes_williams, dimson, constant_mean, market_adjusted).
    #[arg(long, ignore_case = true)]
    pub model: Option<crate::model::ModelKind>,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `evimpact simulate`.
///
/// # Errors
/// Bad arguments or inputs (exit code 2) and failed replications (exit code 1).
pub fn command(a: &SimulateArgs) -> crate::error::Result<()> {
    use crate::error::Error;
    let data_dir = default_data_dir(a.data.as_deref());
    let ov = Overrides {
        name: Some("simulate".into()),
        events: Some(PathBuf::from("(simulated)")),
        prices: vec![a.prices.clone()],
        market: Some(a.market.clone()),
        calendar: a.calendar.clone(),
        estimation: a.windows.estimation,
        event_window: a.windows.window,
        car: a.windows.car.clone(),
        min_estimation: a.windows.min_estimation,
        resamples: a.resamples,
        model: a.model,
        ..Default::default()
    };
    if let Some(m) = a.model.filter(|m| m.uses_factor_file()) {
        return Err(crate::error::Error::Input(crate::error::InputError::Usage(
            format!(
                "--model {}: simulate reads no factor file; use a model on the market index alone (market, garch, egarch, scholes_williams, dimson, constant_mean, market_adjusted)",
                m.as_str()
            ),
        )));
    }
    let study = Study::resolve(None, ov, &data_dir)?;
    if a.draws == 0 || a.events == 0 {
        return Err(Error::Input(crate::error::InputError::Usage(
            "--draws and --events must be at least 1".into(),
        )));
    }
    if !study.event_window.contains(0) {
        return Err(Error::Input(crate::error::InputError::Usage(format!(
            "the event window {} must contain day 0",
            study.event_window.label()
        ))));
    }
    if !(a.day0_variance.is_finite() && a.day0_variance > 0.0) {
        return Err(Error::Input(crate::error::InputError::Usage(format!(
            "--day0-variance {}: expected a positive number",
            a.day0_variance
        ))));
    }
    if !(0.0..=0.5).contains(&a.halt_rate) {
        return Err(Error::Input(crate::error::InputError::Usage(format!(
            "--halt-rate {}: expected a probability from 0 to 0.5",
            a.halt_rate
        ))));
    }
    let mut ks = vec![0.0];
    for k in &a.k {
        if !k.is_finite() {
            return Err(Error::Input(crate::error::InputError::Usage(format!(
                "--k {k}: expected a finite number"
            ))));
        }
        if !ks.contains(k) {
            ks.push(*k);
        }
    }
    let mut inputs = vec![study.data_dir.clone(), a.prices.clone(), a.market.clone()];
    inputs.extend(a.calendar.clone());
    let plan = crate::fsio::check_output_dir(&a.out, &inputs, a.force)?;
    let cfg = SimConfig {
        draws: a.draws,
        events: a.events,
        ks,
        seed: a.seed,
        resamples: study.resampling.resamples,
        design: Design {
            clustered: a.clustered,
            day0_variance: a.day0_variance,
            halt_rate: a.halt_rate,
        },
    };
    let started = std::time::Instant::now();
    let u = load_universe(&study).map_err(Error::Run)?;
    let bar = Bar::new("simulate", "replications", !a.quiet);
    bar.start(cfg.draws as u64);
    let sim = simulate(&u, &study, &cfg, &bar).map_err(Error::Run)?;
    bar.finish();
    let elapsed = started.elapsed();
    let written = crate::fsio::replace_dir(&a.out, &plan, |dir| {
        std::fs::write(dir.join("rejections.csv"), rejections_csv(&sim, false))?;
        std::fs::write(
            dir.join("rejections_windows.csv"),
            rejections_csv(&sim, true),
        )?;
        let mut ev = String::from("draw,security,day0\n");
        for d in &sim.draws {
            let _ = writeln!(
                ev,
                "{},{},{}",
                d.replication, u.securities[d.security].0, u.calendar.sessions[d.day0]
            );
        }
        std::fs::write(dir.join("events.csv"), ev)?;
        let (x, left, right) = power_lines(&sim);
        crate::chart::power_curves(
            &dir.join("power.png"),
            "Rejection rate at 5 % (two-sided) against the day-0 abnormal return",
            &format!(
                "{} replications of {} pseudo-events from {} securities ({}); estimation {}, {} model",
                cfg.draws,
                cfg.events,
                u.securities.len(),
                cfg.design.describe(),
                study.estimation.pretty(),
                study.model.as_str()
            ),
            x,
            &left,
            &right,
        )?;
        Ok(())
    })
    .map_err(Error::Run)?;
    if !a.quiet {
        println!(
            "{} replications × {} pseudo-events from {} securities ({}), k = {:?}: {:.1} s",
            cfg.draws,
            cfg.events,
            u.securities.len(),
            cfg.design.describe(),
            cfg.ks,
            elapsed.as_secs_f64()
        );
        print!("{}", summary_table(&sim, cfg.draws));
        println!("outputs in {}", written.display());
    }
    Ok(())
}

/// Day-0 rejection rates at 5 % per test and k, with the rates consistent with 5 % at 99 %
/// (Wilson) flagged for k = 0.
pub fn summary_table(sim: &Simulation, draws: usize) -> String {
    let (lo, hi) = acceptance_interval(0.05, draws);
    let mut s = format!(
        "day 0, rejection rate at 5 % (consistent with 5 % at 99 %, Wilson, for {draws} draws: {:.1}–{:.1} %)\n",
        lo * 100.0,
        hi * 100.0
    );
    let _ = write!(s, "{:<22}", "test");
    for k in &sim.ks {
        let _ = write!(s, " {:>12}", format!("k={:.2}%", k * 100.0));
    }
    s.push('\n');
    for t in &sim.tests {
        let _ = write!(s, "{:<22}", t.as_str());
        for k in &sim.ks {
            match sim
                .rejections
                .iter()
                .find(|r| r.test == *t && r.k == *k && r.scope.is_none() && r.level == 0.05)
            {
                Some(r) => {
                    let flag = if *k == 0.0 && !(lo..=hi).contains(&r.rate()) {
                        "!"
                    } else {
                        " "
                    };
                    let _ = write!(s, " {:>11.1}%{flag}", r.rate() * 100.0);
                }
                None => {
                    let _ = write!(s, " {:>12}", "–");
                }
            }
        }
        s.push('\n');
    }
    s
}
