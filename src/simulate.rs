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
use crate::returns::{ReturnKind, Timeline};
use crate::stats::TestId;
use crate::stats::bootstrap::Resampling;
use crate::study::Study;
use crate::synth::Rng;
use crate::window::Window;

/// Two-sided levels at which rejections are counted.
pub const LEVELS: [f64; 3] = [0.01, 0.05, 0.10];
const Z95: f64 = 1.959_963_984_540_054;
const Z99: f64 = 2.575_829_303_548_900_4;
/// Draw attempts per wanted event before a replication gives up.
const ATTEMPTS_PER_EVENT: usize = 200;

/// The design of the pseudo-events: where they fall and what is done to their returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// All N events of a replication on one date (one day 0, N distinct securities):
    /// event-date clustering.
    pub clustered: bool,
    /// c: the day-0 return's variance around its normal return is multiplied by c
    /// (event-induced variance; 1 = none).
    pub day0_variance: f64,
    /// Thin trading: the probability that a traded session starts a random halt
    /// ([`thin_timeline`]; 0 = none).
    pub halt_rate: f64,
}

impl Default for Design {
    fn default() -> Self {
        Design {
            clustered: false,
            day0_variance: 1.0,
            halt_rate: 0.0,
        }
    }
}

impl Design {
    /// The design in words (terminal, chart subtitle).
    pub fn describe(&self) -> String {
        let mut parts = vec![if self.clustered {
            "all events of a replication on one date".to_string()
        } else {
            "random dates".to_string()
        }];
        if self.day0_variance != 1.0 {
            parts.push(format!("day-0 variance × {}", self.day0_variance));
        }
        if self.halt_rate > 0.0 {
            parts.push(format!(
                "random halts (start rate {} per session, A-share lengths)",
                self.halt_rate
            ));
        }
        parts.join(", ")
    }
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub draws: usize,
    pub events: usize,
    /// Abnormal returns injected on day 0; 0 (size) is always included, first.
    pub ks: Vec<f64>,
    pub seed: u64,
    /// Resamples of the bootstrap and placebo draws in each replication.
    pub resamples: usize,
    pub design: Design,
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

/// Halt lengths of the thin-trading design, in sessions: the 13 suspensions of the four
/// Shenzhen stocks of the reference data (`prices/cn`, 2015-2021: 193 of 6,820 sessions,
/// 2.8 %, about 0.0019 halt starts per session), drawn with equal probability.
pub const A_SHARE_HALTS: [usize; 13] = [1, 1, 2, 2, 3, 3, 4, 5, 7, 10, 42, 43, 70];

/// A security's timeline with random halts (the thin-trading design): every traded session
/// starts a halt with probability `rate`, lasting a length drawn from [`A_SHARE_HALTS`]; a
/// halted session has no return, and the next traded session carries the trade-to-trade
/// return over the whole gap with the market return over the same sessions (as
/// [`crate::returns::build_timeline`] does for real halts).
pub fn thin_timeline(
    tl: &Timeline,
    market_px: &[f64],
    kind: ReturnKind,
    rate: f64,
    rng: &mut Rng,
) -> Timeline {
    let mut t = tl.clone();
    let mut left = 0usize;
    let mut last: Option<usize> = None;
    for i in 0..t.status.len() {
        if t.status[i] == crate::returns::Status::NoData {
            last = None;
            continue;
        }
        if !t.status[i].traded() || !t.price[i].is_finite() {
            // A real halt stays as it is; the gap continues.
            continue;
        }
        if left == 0 && rng.uniform() < rate {
            left = A_SHARE_HALTS[rng.below(A_SHARE_HALTS.len() as u64) as usize];
        }
        if left > 0 {
            left -= 1;
            t.status[i] = crate::returns::Status::Suspended;
            t.sources[i] = crate::returns::source::HALTS;
            t.price[i] = f64::NAN;
            t.ret[i] = f64::NAN;
            t.span[i] = 0;
            t.market_ret[i] = f64::NAN;
            continue;
        }
        if let Some(j) = last {
            t.ret[i] = kind.ret(t.price[j], t.price[i]);
            t.span[i] = (i - j) as u32;
            let (m0, m1) = (market_px[j], market_px[i]);
            t.market_ret[i] = if m0.is_finite() && m1.is_finite() {
                kind.ret(m0, m1)
            } else {
                f64::NAN
            };
        }
        last = Some(i);
    }
    t
}

/// The pseudo-events of one replication, their analyses without injection, and the
/// thinned timelines they were drawn on (thin-trading design only).
struct Drawn {
    draws: Vec<Draw>,
    analyses: Vec<EventAnalysis>,
    timelines: Vec<Option<Timeline>>,
}

impl Drawn {
    /// Keeps an admissible pseudo-event: security `security` on day 0 `day0` of replication
    /// `replication`, with its analysis and (thin trading) its timeline.
    fn push(
        &mut self,
        replication: usize,
        security: usize,
        day0: usize,
        timeline: Option<Timeline>,
        analysis: EventAnalysis,
    ) {
        self.draws.push(Draw {
            replication,
            security,
            day0,
        });
        self.analyses.push(analysis);
        self.timelines.push(timeline);
    }
}

/// One candidate pseudo-event: its (possibly thinned) timeline and analysis, if admissible.
fn candidate(
    u: &Universe,
    es: &EventSpec,
    cfg: &SimConfig,
    sec: usize,
    day0: usize,
    rng: &mut Rng,
) -> Option<(Option<Timeline>, EventAnalysis)> {
    let base = &u.securities[sec].1;
    let thinned = (cfg.design.halt_rate > 0.0)
        .then(|| thin_timeline(base, &u.market_px, es.returns, cfg.design.halt_rate, rng));
    let tl = thinned.as_ref().unwrap_or(base);
    if !tl.ret[day0].is_finite() {
        return None;
    }
    let a = analyze_with(tl, &u.calendar, day0, es, model_data(u)).ok()?;
    Some((thinned, a))
}

/// Draws the pseudo-events of replication `r` and analyses them without injection: N
/// (security, day 0) pairs at random, or (clustered design) one day 0 and N distinct
/// securities on it.
fn draw_events(u: &Universe, es: &EventSpec, cfg: &SimConfig, r: usize) -> Result<Drawn> {
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
    if cfg.design.clustered && cfg.events > u.securities.len() {
        bail!(
            "the clustered design needs {} distinct securities on one date; the price directory has {}",
            cfg.events,
            u.securities.len()
        );
    }
    let span = (hi as usize - lo + 1) as u64;
    let mut out = Drawn {
        draws: Vec::new(),
        analyses: Vec::new(),
        timelines: Vec::new(),
    };
    let mut attempts = 0;
    let limit = ATTEMPTS_PER_EVENT * cfg.events.max(1);
    if cfg.design.clustered {
        while out.draws.len() < cfg.events {
            attempts += 1;
            if attempts > limit {
                bail!(
                    "replication {r}: no date with {} admissible securities in {} attempts",
                    cfg.events,
                    attempts - 1
                );
            }
            out = Drawn {
                draws: Vec::new(),
                analyses: Vec::new(),
                timelines: Vec::new(),
            };
            let day0 = lo + rng.below(span) as usize;
            // The securities in a random order (Fisher-Yates).
            let mut order: Vec<usize> = (0..u.securities.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for sec in order {
                if out.draws.len() == cfg.events {
                    break;
                }
                if let Some((tl, a)) = candidate(u, es, cfg, sec, day0, &mut rng) {
                    out.push(r, sec, day0, tl, a);
                }
            }
        }
        return Ok(out);
    }
    let mut seen = HashSet::new();
    while out.draws.len() < cfg.events {
        attempts += 1;
        if attempts > limit {
            bail!(
                "replication {r}: found only {} of {} admissible pseudo-events in {} attempts (securities with too little history?)",
                out.draws.len(),
                cfg.events,
                attempts - 1
            );
        }
        let sec = rng.below(u.securities.len() as u64) as usize;
        let day0 = lo + rng.below(span) as usize;
        if !u.securities[sec].1.ret[day0].is_finite() || !seen.insert((sec, day0)) {
            continue;
        }
        match candidate(u, es, cfg, sec, day0, &mut rng) {
            Some((tl, a)) => out.push(r, sec, day0, tl, a),
            None => {
                seen.remove(&(sec, day0));
            }
        }
    }
    Ok(out)
}

/// The resampling tests' draws in replication `r`: the study's number of resamples, a seed
/// of its own (SplitMix64 of the simulation's seed and r), so that no two replications share
/// their bootstrap draws.
fn resampling(cfg: &SimConfig, r: usize) -> Resampling {
    let mut s = cfg.seed ^ (r as u64).rotate_left(32);
    Resampling {
        resamples: cfg.resamples,
        seed: crate::synth::splitmix64(&mut s),
    }
}

/// p-values of one replication: [k][scope][test], scope 0 = day 0, then the CAR windows;
/// tests indexed as [`TestId::ALL`] (None for a test the battery did not run, NaN for one
/// undefined at this N).
type Pvalues = Vec<Vec<Vec<Option<f64>>>>;

/// The p-values of one day or window, indexed as [`TestId::ALL`].
fn by_id(a: &crate::outcome::Aggregate) -> Vec<Option<f64>> {
    TestId::ALL
        .iter()
        .map(|id| crate::stats::find_test(&a.tests, *id).map(|t| t.p_value))
        .collect()
}

fn replicate(
    u: &Universe,
    es: &EventSpec,
    cfg: &SimConfig,
    r: usize,
) -> Result<(Vec<Draw>, Pvalues)> {
    let Drawn {
        draws,
        analyses: base,
        timelines,
    } = draw_events(u, es, cfg, r)?;
    let res = resampling(cfg, r);
    let mut out = Vec::with_capacity(cfg.ks.len());
    for &k in &cfg.ks {
        let injected: Vec<EventAnalysis>;
        let analyses: Vec<&EventAnalysis> = if k == 0.0 {
            base.iter().collect()
        } else {
            let mut s = es.clone();
            s.inject_day0 = k;
            injected = draws
                .iter()
                .zip(&timelines)
                .map(|(d, tl)| {
                    analyze_with(
                        tl.as_ref().unwrap_or(&u.securities[d.security].1),
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
        let (days, windows) = crate::pipeline::aggregates_for(
            es,
            &analyses,
            &day0,
            &res,
            crate::pipeline::Days::Day0,
        );
        let day0 = days
            .iter()
            .find(|a| a.tau == Some(0))
            .ok_or_else(|| anyhow!("the event window does not contain day 0"))?;
        let scopes: Vec<Vec<Option<f64>>> =
            std::iter::once(day0).chain(&windows).map(by_id).collect();
        out.push(scopes);
    }
    Ok((draws, out))
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
    let mut es = study.event_spec();
    es.day0_variance = cfg.design.day0_variance;
    let reps: Vec<(Vec<Draw>, Pvalues)> = (0..cfg.draws)
        .into_par_iter()
        .map(|r| {
            let x = replicate(u, &es, cfg, r);
            progress.tick("");
            x
        })
        .collect::<Result<_>>()?;
    // The tests some replication ran, in battery order.
    let present: Vec<(usize, TestId)> = TestId::ALL
        .iter()
        .enumerate()
        .filter(|(ti, _)| {
            reps.iter()
                .any(|x| x.1.iter().flatten().any(|s| s[*ti].is_some()))
        })
        .map(|(ti, t)| (ti, *t))
        .collect();
    let tests: Vec<TestId> = present.iter().map(|x| x.1).collect();
    let scopes: Vec<Option<Window>> = std::iter::once(None)
        .chain(study.car_windows.iter().copied().map(Some))
        .collect();
    let mut rejections = Vec::new();
    for (ki, &k) in cfg.ks.iter().enumerate() {
        for (si, scope) in scopes.iter().enumerate() {
            for &(ti, test) in &present {
                for level in LEVELS {
                    let ps = reps.iter().map(|x| x.1[ki][si][ti].unwrap_or(f64::NAN));
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

/// The rejection rates out of `n` draws consistent with a true rate `p` at 99 %: the lowest
/// and highest x/n whose Wilson (1927) 99 % interval contains `p` (the Wilson interval
/// inverts the score test, so these are the counts the score test accepts). Always inside
/// [0, 1] (the normal approximation p ± z√(p(1 − p)/n) gave −2.9 % for 50 draws); (NaN,
/// NaN) for no draws.
pub fn acceptance_interval(p: f64, n: usize) -> (f64, f64) {
    let ok: Vec<usize> = (0..=n)
        .filter(|&x| {
            let (lo, hi) = wilson(x, n, Z99);
            lo <= p && p <= hi
        })
        .collect();
    match (ok.first(), ok.last()) {
        (Some(&a), Some(&b)) => (a as f64 / n as f64, b as f64 / n as f64),
        _ => (f64::NAN, f64::NAN),
    }
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
    use crate::testutil::{EXACT, ROUNDOFF, assert_close};

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

    /// Thin trading: a halted session has no return (never 0 %), the next traded session
    /// carries the return over the whole gap and the market's over the same sessions, the
    /// halts have the A-share lengths, and the same seed thins the same sessions.
    #[test]
    fn thin_timeline_makes_trade_to_trade_returns() {
        let n = 400;
        let px: Vec<f64> = (0..n)
            .map(|i| 100.0 + (i as f64 * 0.37).sin() * 5.0 + i as f64 * 0.01)
            .collect();
        let mpx: Vec<f64> = (0..n)
            .map(|i| 50.0 + (i as f64 * 0.11).cos() * 2.0)
            .collect();
        let kind = ReturnKind::Simple;
        // Daily returns of a price path (none on the first session).
        let returns = |p: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    if i == 0 {
                        f64::NAN
                    } else {
                        kind.ret(p[i - 1], p[i])
                    }
                })
                .collect()
        };
        let (ret, mret) = (returns(&px), returns(&mpx));
        let spans: Vec<u32> = (0..n).map(|i| u32::from(i > 0)).collect();
        let mut tl = Timeline::from_spans(&ret, &mret, &spans);
        tl.status[0] = crate::returns::Status::Trading;
        tl.price = px.clone();
        let t = thin_timeline(&tl, &mpx, kind, 0.05, &mut Rng::new(1, 1));
        let halted: Vec<usize> = (0..n)
            .filter(|&i| t.status[i] == crate::returns::Status::Suspended)
            .collect();
        assert!(halted.len() > 20, "{} halted sessions", halted.len());
        let mut last = 0;
        for i in 1..n {
            if t.status[i] == crate::returns::Status::Suspended {
                assert!(t.ret[i].is_nan() && t.span[i] == 0 && t.price[i].is_nan());
                continue;
            }
            assert_eq!(t.span[i] as usize, i - last);
            assert!((t.ret[i] - (px[i] / px[last] - 1.0)).abs() < 1e-12);
            assert!((t.market_ret[i] - (mpx[i] / mpx[last] - 1.0)).abs() < 1e-12);
            last = i;
        }
        // Runs of halted sessions: each a sum of A-share lengths (runs may chain).
        let again = thin_timeline(&tl, &mpx, kind, 0.05, &mut Rng::new(1, 1));
        assert_eq!(t.status, again.status);
        assert!(t.span.iter().any(|d| *d > 1));
    }

    /// 1,000 draws: the score test's region 5 % ± 2.5758·√(0.05·0.95/1000) = [3.22 %,
    /// 6.78 %] (Brown & Warner's 1985 band), as counts 33 to 67; 50 draws: 5 % ± 7.94 %,
    /// counts 0 to 6 (never a negative rate). Each bound's Wilson interval holds 5 % and the
    /// next count out does not.
    #[test]
    fn acceptance_interval_for_1000_and_50_draws() {
        assert_eq!(acceptance_interval(0.05, 1000), (0.033, 0.067));
        assert_eq!(acceptance_interval(0.05, 50), (0.0, 0.12));
        let holds = |x: usize, n: usize| {
            let (lo, hi) = wilson(x, n, Z99);
            lo <= 0.05 && 0.05 <= hi
        };
        assert!(holds(33, 1000) && holds(67, 1000) && !holds(32, 1000) && !holds(68, 1000));
        assert!(holds(0, 50) && holds(6, 50) && !holds(7, 50));
        assert!(acceptance_interval(0.05, 0).0.is_nan());
    }
}
