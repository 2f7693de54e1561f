//! `evimpact simulate`: size and power of every test by the Brown & Warner (1985)
//! experiment on real returns.
//!
//! Each of R replications draws N pseudo-events at random, a security (a file of the price
//! directory) and a day 0 (a session with the whole estimation and event windows inside the
//! calendar, a return on day 0, and enough estimation returns for the model), runs the
//! study's analysis on them (the same [`crate::abnormal::analyze_with`] and
//! [`crate::pipeline::aggregates`] as `evimpact run`) once without and once per k with an
//! abnormal return k added to every event's day-0 return ([`crate::abnormal::EventSpec::inject_day0`]), and
//! records each test's two-sided p-value on day 0 (and on each CAR window). The rejection
//! rate of a test at level α is the share of replications with p < α among those where the
//! test is defined, with Wilson (1927) score intervals at 95 % and 99 %.
//!
//! Reproducible: replication r draws from its own stream of the generator of
//! [`crate::synth`] (SplitMix64-seeded xoshiro256**, `Rng::new(seed, r)`), so results do not
//! depend on the number of threads. Every price file is read once, up front, on plain
//! threads (never inside rayon's pool: polars runs its own pool, see `run::load_all`);
//! the replications then run in parallel on rayon without touching polars.
//!
//! # References
//! Brown, S. J., Warner, J. B. (1985). Using daily stock returns: the case of event studies.
//! Journal of Financial Economics 14(1), 3-31. Wilson, E. B. (1927). Probable inference,
//! the law of succession, and statistical inference. JASA 22(158), 209-212.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use rayon::prelude::*;

use crate::abnormal::{EventAnalysis, EventSpec, ModelData, analyze_with};
use crate::chart::PowerLine;
use crate::pipeline::load::Universe;
use crate::progress::Progress;
use crate::stats::TestId;
use crate::study::Study;
use crate::synth::Rng;
use crate::window::Window;

/// Two-sided levels at which rejections are counted.
pub const LEVELS: [f64; 3] = [0.01, 0.05, 0.10];
const Z95: f64 = 1.959_963_984_540_054;
const Z99: f64 = 2.575_829_303_548_900_4;
/// Draw attempts per wanted event before a replication gives up.
const ATTEMPTS_PER_EVENT: usize = 200;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub draws: usize,
    pub events: usize,
    /// Abnormal returns injected on day 0; 0 (size) is always included, first.
    pub ks: Vec<f64>,
    pub seed: u64,
}

/// One pseudo-event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    pub replication: usize,
    /// Index into [`Universe::securities`].
    pub security: usize,
    /// Day 0: index into the calendar.
    pub day0: usize,
}

/// Rejection counts of one test at one k, scope and level.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub test: TestId,
    pub k: f64,
    /// `None`: day 0; else a CAR window.
    pub scope: Option<Window>,
    pub level: f64,
    pub rejections: usize,
    /// Replications in which the test was defined (finite p-value).
    pub draws: usize,
}

impl Rejection {
    pub fn rate(&self) -> f64 {
        self.rejections as f64 / self.draws as f64
    }
}

/// The outcome of a simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub rejections: Vec<Rejection>,
    pub draws: Vec<Draw>,
    /// Tests in battery order.
    pub tests: Vec<TestId>,
    pub ks: Vec<f64>,
}

/// Wilson (1927) score interval for `x` successes in `n` trials at normal quantile `z`.
pub fn wilson(x: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (nf, p) = (n as f64, x as f64 / n as f64);
    let z2 = z * z;
    let den = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / den;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / den;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn model_data(u: &Universe) -> ModelData<'_> {
    ModelData {
        market_px: Some(u.market_px.as_slice()),
        factors: None,
        no_factors: None,
    }
}

/// Draws the pseudo-events of replication `r` and analyses them without injection.
fn draw_events(
    u: &Universe,
    es: &EventSpec,
    cfg: &SimConfig,
    r: usize,
) -> Result<(Vec<Draw>, Vec<EventAnalysis>)> {
    let mut rng = Rng::new(cfg.seed, r as u64);
    let n_cal = u.calendar.sessions.len();
    let lo = (-es.estimation.start).max(0) as usize;
    let hi = n_cal as i64 - 1 - i64::from(es.event_window.end.max(0));
    if hi < lo as i64 || u.securities.is_empty() {
        bail!(
            "the calendar ({} sessions) is too short for the estimation window {} and the event window {}",
            n_cal,
            es.estimation.label(),
            es.event_window.label()
        );
    }
    let span = (hi as usize - lo + 1) as u64;
    let mut seen = HashSet::new();
    let (mut draws, mut analyses) = (Vec::new(), Vec::new());
    let mut attempts = 0;
    while draws.len() < cfg.events {
        attempts += 1;
        if attempts > ATTEMPTS_PER_EVENT * cfg.events.max(1) {
            bail!(
                "replication {r}: found only {} of {} admissible pseudo-events in {} attempts (securities with too little history?)",
                draws.len(),
                cfg.events,
                attempts - 1
            );
        }
        let sec = rng.below(u.securities.len() as u64) as usize;
        let day0 = lo + rng.below(span) as usize;
        let tl = &u.securities[sec].1;
        if !tl.ret[day0].is_finite() || !seen.insert((sec, day0)) {
            continue;
        }
        match analyze_with(tl, &u.calendar, day0, es, model_data(u)) {
            Ok(a) => {
                draws.push(Draw {
                    replication: r,
                    security: sec,
                    day0,
                });
                analyses.push(a);
            }
            Err(_) => {
                seen.remove(&(sec, day0));
            }
        }
    }
    Ok((draws, analyses))
}

/// p-values of one replication: [k][scope][test], scope 0 = day 0, then the CAR windows.
type Pvalues = Vec<Vec<Vec<f64>>>;

fn replicate(
    u: &Universe,
    es: &EventSpec,
    cfg: &SimConfig,
    r: usize,
) -> Result<(Vec<Draw>, Pvalues, Vec<TestId>)> {
    let (draws, base) = draw_events(u, es, cfg, r)?;
    let mut out = Vec::with_capacity(cfg.ks.len());
    let mut names = Vec::new();
    for &k in &cfg.ks {
        let injected: Vec<EventAnalysis>;
        let analyses: Vec<&EventAnalysis> = if k == 0.0 {
            base.iter().collect()
        } else {
            let mut s = es.clone();
            s.inject_day0 = k;
            injected = draws
                .iter()
                .map(|d| {
                    analyze_with(
                        &u.securities[d.security].1,
                        &u.calendar,
                        d.day0,
                        &s,
                        model_data(u),
                    )
                    .map_err(|e| anyhow!("replication {r}: {e}"))
                })
                .collect::<Result<_>>()?;
            injected.iter().collect()
        };
        let day0: Vec<_> = draws.iter().map(|d| u.calendar.sessions[d.day0]).collect();
        let (days, windows) = crate::pipeline::aggregates(es, &analyses, &day0);
        let day0 = days
            .iter()
            .find(|a| a.tau == Some(0))
            .ok_or_else(|| anyhow!("the event window does not contain day 0"))?;
        names = day0.tests.iter().map(|t| t.test).collect();
        let scopes: Vec<Vec<f64>> = std::iter::once(day0)
            .chain(&windows)
            .map(|a| a.tests.iter().map(|t| t.p_value).collect())
            .collect();
        out.push(scopes);
    }
    Ok((draws, out, names))
}

/// Runs the experiment on a loaded universe. `progress` is called once per replication.
///
/// # Errors
/// A replication that cannot find its pseudo-events.
pub fn simulate(
    u: &Universe,
    study: &Study,
    cfg: &SimConfig,
    progress: &dyn Progress,
) -> Result<Simulation> {
    let es = study.event_spec();
    let reps: Vec<(Vec<Draw>, Pvalues, Vec<TestId>)> = (0..cfg.draws)
        .into_par_iter()
        .map(|r| {
            let x = replicate(u, &es, cfg, r);
            progress.tick("");
            x
        })
        .collect::<Result<_>>()?;
    let tests = reps.first().map(|x| x.2.clone()).unwrap_or_default();
    let scopes: Vec<Option<Window>> = std::iter::once(None)
        .chain(study.car_windows.iter().copied().map(Some))
        .collect();
    let mut rejections = Vec::new();
    for (ki, &k) in cfg.ks.iter().enumerate() {
        for (si, scope) in scopes.iter().enumerate() {
            for (ti, &test) in tests.iter().enumerate() {
                for level in LEVELS {
                    let ps = reps.iter().map(|x| x.1[ki][si][ti]);
                    let defined = ps.clone().filter(|p| p.is_finite()).count();
                    let rej = ps.filter(|p| p.is_finite() && *p < level).count();
                    rejections.push(Rejection {
                        test,
                        k,
                        scope: *scope,
                        level,
                        rejections: rej,
                        draws: defined,
                    });
                }
            }
        }
    }
    Ok(Simulation {
        rejections,
        draws: reps.into_iter().flat_map(|x| x.0).collect(),
        tests,
        ks: cfg.ks.clone(),
    })
}

/// `rejections.csv` (day 0) or, with `windows`, the CAR windows' table with a `scope`
/// column.
pub fn rejections_csv(sim: &Simulation, windows: bool) -> String {
    let mut s = String::new();
    if windows {
        s.push_str("scope,");
    }
    s.push_str("test,k,level,rejections,draws,rate,ci_low,ci_high,ci99_low,ci99_high\n");
    for r in sim
        .rejections
        .iter()
        .filter(|r| r.scope.is_some() == windows)
    {
        let (lo, hi) = wilson(r.rejections, r.draws, Z95);
        let (lo99, hi99) = wilson(r.rejections, r.draws, Z99);
        if windows {
            let _ = write!(s, "{},", r.scope.map_or("0".to_string(), |w| w.label()));
        }
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{}",
            r.test,
            r.k,
            r.level,
            r.rejections,
            r.draws,
            fmt(r.rate()),
            fmt(lo),
            fmt(hi),
            fmt(lo99),
            fmt(hi99)
        );
    }
    s
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

/// The 99 % acceptance interval of the number of rejections out of `n` under a true rate
/// `p` (normal approximation), as rates: where a well-specified test's rate falls in 99 %
/// of experiments.
pub fn acceptance_interval(p: f64, n: usize) -> (f64, f64) {
    let nf = n as f64;
    let half = Z99 * (p * (1.0 - p) / nf).sqrt();
    (p - half, p + half)
}

/// The power chart's lines: each test's day-0 rejection rate at 5 % against k (both in
/// percent), parametric tests (left panel) and the others (right), and the range of k.
pub fn power_lines(sim: &Simulation) -> ((f64, f64), Vec<PowerLine>, Vec<PowerLine>) {
    let mut ks: Vec<f64> = sim.ks.clone();
    ks.sort_by(f64::total_cmp);
    let line = |t: TestId| PowerLine {
        label: t.label().to_string(),
        points: ks
            .iter()
            .filter_map(|k| {
                sim.rejections
                    .iter()
                    .find(|r| r.test == t && r.k == *k && r.scope.is_none() && r.level == 0.05)
                    .filter(|r| r.draws > 0)
                    .map(|r| (k * 100.0, r.rate() * 100.0))
            })
            .collect(),
    };
    let (par, other): (Vec<TestId>, Vec<TestId>) = sim.tests.iter().partition(|t| t.parametric());
    let x = match (ks.first(), ks.last()) {
        (Some(a), Some(b)) => (a * 100.0, b * 100.0),
        _ => (0.0, 0.0),
    };
    (
        x,
        par.into_iter().map(line).collect(),
        other.into_iter().map(line).collect(),
    )
}

/// For tests: the simulation's output directory files.
pub fn output_files(dir: &Path) -> [PathBuf; 4] {
    [
        dir.join("rejections.csv"),
        dir.join("rejections_windows.csv"),
        dir.join("events.csv"),
        dir.join("power.png"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, PUBLISHED, ROUNDOFF, assert_close};

    /// Wilson interval by hand: x = 5, n = 100, z = 1.96: p = 0.05, z² = 3.8416,
    /// centre = (0.05 + 0.019208)/1.038416, half = 1.96 √(0.000475 + 0.00009604)/1.038416.
    #[test]
    fn wilson_by_hand() {
        let (lo, hi) = wilson(5, 100, 1.96);
        let den = 1.038416;
        let c = (0.05 + 0.019208) / den;
        let h = 1.96 * (0.000475f64 + 0.00009604).sqrt() / den;
        assert_close!(lo, c - h, ROUNDOFF);
        assert_close!(hi, c + h, ROUNDOFF);
        assert!(lo < 0.05 && 0.05 < hi);
        assert!(wilson(0, 0, 1.96).0.is_nan());
        let (lo, hi) = wilson(0, 50, Z95);
        assert_close!(lo, 0.0, EXACT);
        assert!(hi > 0.0, "{hi}");
    }

    #[test]
    fn acceptance_interval_for_1000_draws() {
        let (lo, hi) = acceptance_interval(0.05, 1000);
        assert_close!(lo, 0.0322, PUBLISHED);
        assert_close!(hi, 0.0678, PUBLISHED);
    }
}
