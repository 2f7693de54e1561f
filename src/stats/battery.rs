//! The battery: every test of the study on one day (AAR) or one window (CAAR), or one test
//! alone ([`run_test`], e.g. the run's lead test on each cumulative window of the CAR chart).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use rayon::prelude::*;

use super::binder::{JointEvent, JointHypothesis, JointTest, binder_joint};
use super::binder_empirical::binder_empirical;
use super::bootstrap::{Resampling, bmp_bootstrap_by_position, wild_bootstrap_t};
use super::corrado::{corrado_rank_by_event_with, corrado_rank_with};
use super::*;

/// One day's (AAR) or one window's (CAAR) per-event values, for [`battery`].
pub struct Sample {
    /// Indices into the panel of the events with a value.
    pub members: Vec<usize>,
    /// AR (day) or CAR (window) of each member.
    pub values: Vec<f64>,
    pub vars: Vec<f64>,
    /// SAR or SCAR.
    pub std: Vec<f64>,
    /// M_i − k.
    pub dof: Vec<f64>,
    /// Positions in the event window (0 = its first session) of the tested sessions.
    pub days: Vec<usize>,
    /// L: sessions in the window (1 for a day).
    pub len: usize,
    /// Each member's own tested positions, when they differ by event (a window in traded
    /// sessions); empty when every member has `days`.
    pub member_days: Vec<Vec<usize>>,
    /// Which day or window this is, unique within a run (< 2^32): the resampling tests'
    /// random streams derive from it.
    pub key: u64,
}

/// The battery's results on one day or window: every test, and the full joint test when
/// the events share one date.
pub struct Results {
    pub tests: Vec<TestStat>,
    pub joint: Option<JointTest>,
}

/// What several tests of one sample share, computed once and only when a test asks.
struct Prepared<'a> {
    panel: &'a Panel<'a>,
    s: &'a Sample,
    r: &'a Resampling,
    mean: f64,
    p_hat: OnceLock<f64>,
    est_aar: OnceLock<std::sync::Arc<Vec<f64>>>,
    rbar: OnceLock<f64>,
    joint_events: OnceLock<Option<(Vec<JointEvent<'a>>, usize)>>,
    joint: OnceLock<Option<JointTest>>,
    /// The placebo test when it was run before the battery ([`battery_with`]).
    placebo: Option<TestStat>,
}

impl<'a> Prepared<'a> {
    fn new(panel: &'a Panel<'a>, s: &'a Sample, r: &'a Resampling) -> Self {
        let n = s.values.len();
        Prepared {
            panel,
            s,
            r,
            mean: s.values.iter().sum::<f64>() / n as f64,
            p_hat: OnceLock::new(),
            est_aar: OnceLock::new(),
            rbar: OnceLock::new(),
            joint_events: OnceLock::new(),
            joint: OnceLock::new(),
            placebo: None,
        }
    }

    fn p_hat(&self) -> f64 {
        *self.p_hat.get_or_init(|| self.panel.p_hat(&self.s.members))
    }

    /// The estimation-window AAR series on one session's scale (AR/√d; see the panel).
    fn est_aar(&self) -> &[f64] {
        self.est_aar
            .get_or_init(|| self.panel.est_aar(&self.s.members))
    }

    fn rbar(&self) -> f64 {
        *self
            .rbar
            .get_or_init(|| self.panel.mean_correlation(&self.s.members))
    }

    /// The joint test's inputs, when every member is on one calendar grid (two at least)
    /// and the window is in event time: a window in traded sessions covers each security's
    /// own sessions, which one set of event dummies cannot describe, so it has none.
    fn joint_events(&self) -> Option<&(Vec<JointEvent<'a>>, usize)> {
        self.joint_events
            .get_or_init(|| {
                let (s, panel) = (self.s, self.panel);
                (s.values.len() >= 2 && s.member_days.is_empty() && panel.one_grid(&s.members))
                    .then(|| panel.joint_events(&s.members))
                    .flatten()
            })
            .as_ref()
    }

    /// Binder's joint test (see [`Prepared::joint_events`] for when it exists).
    fn joint(&self) -> Option<&JointTest> {
        self.joint
            .get_or_init(|| {
                self.joint_events()
                    .map(|(ev, k)| binder_joint(ev, *k, &self.s.days))
            })
            .as_ref()
    }

    /// The joint test's line with its p-value calibrated on the estimation window's blocks
    /// (`binder_joint_empirical`): the same F, `empirical(S)`; NaN where it does not apply.
    fn joint_empirical(&self) -> TestStat {
        let s = self.s;
        let line = self.joint().map(|j| binder_test(j, s.len == 1));
        let wald = self
            .joint()
            .and_then(|j| j.row(headline(s.len == 1)))
            .map(|r| r.wald);
        let cal = self
            .joint_events()
            .zip(wald)
            .and_then(|((ev, k), w)| binder_empirical(ev, *k, s.days.len(), w));
        TestStat {
            test: TestId::BinderJointEmpirical,
            statistic: match (&line, cal) {
                (Some(l), Some(_)) => l.statistic,
                _ => f64::NAN,
            },
            p_value: cal.map_or(f64::NAN, |c| c.p_value),
            n: line.map_or(s.values.len(), |l| l.n),
            distribution: Reference::Empirical(cal.map_or(0, |c| c.blocks)),
        }
    }

    fn run(&self, id: TestId) -> TestStat {
        // A placebo run before the battery was timed then.
        if !TIMING.load(Relaxed) || (id == TestId::Placebo && self.placebo.is_some()) {
            return self.run_untimed(id);
        }
        let t0 = std::time::Instant::now();
        let out = self.run_untimed(id);
        let (nanos, calls) = &SPENT[id as usize];
        nanos.fetch_add(t0.elapsed().as_nanos() as u64, Relaxed);
        calls.fetch_add(1, Relaxed);
        out
    }

    fn run_untimed(&self, id: TestId) -> TestStat {
        let s = self.s;
        let n = s.values.len();
        match id {
            TestId::MackinlayJ1 => mackinlay_j1(&s.values, &s.vars),
            TestId::CrossSectionalT => cross_sectional_t(&s.values),
            TestId::PatellZ => patell_z(&s.std, &s.dof),
            TestId::Bmp => boehmer_musumeci_poulsen(&s.std),
            TestId::MackinlayJ2 => mackinlay_j2(&s.std, &s.dof),
            TestId::Cda => crude_dependence_adjustment(self.mean, n, self.est_aar(), s.len),
            TestId::AdjustedPatellZ => patell_z_kolari_pynnonen(&s.std, &s.dof, self.rbar()),
            TestId::AdjustedBmp => bmp_kolari_pynnonen(&s.std, self.rbar()),
            TestId::SkewnessCorrectedT => skewness_corrected_t_hall(&s.values),
            TestId::Sign => sign_test(&s.values),
            TestId::SignExact => sign_test_exact(&s.values),
            TestId::GeneralizedSign => generalized_sign_cowan(&s.values, self.p_hat()),
            TestId::GeneralizedSignExact => generalized_sign_exact(&s.values, self.p_hat()),
            TestId::GeneralizedSignExactMinlike => {
                generalized_sign_exact_minlike(&s.values, self.p_hat())
            }
            TestId::CorradoRank => {
                let sums = self.panel.corrado_day_sums(&s.members);
                let at = |d: &usize| self.panel.est_len() + d;
                if s.member_days.is_empty() {
                    corrado_rank_with(
                        &sums,
                        s.members.len(),
                        &s.days.iter().map(at).collect::<Vec<_>>(),
                    )
                } else {
                    let grids: Vec<Vec<usize>> = s
                        .member_days
                        .iter()
                        .map(|d| d.iter().map(at).collect())
                        .collect();
                    let ranks = self.panel.corrado_ranks(&s.members);
                    corrado_rank_by_event_with(&sums, &ranks, &grids)
                }
            }
            TestId::Grank => self.panel.grank(&s.members, &s.std),
            TestId::Wilcoxon => wilcoxon_signed_rank(&s.values),
            TestId::Placebo => match &self.placebo {
                Some(t) => t.clone(),
                None => self
                    .panel
                    .placebo(&s.members, s.len, self.mean, n, self.r, s.key),
            },
            TestId::BmpBootstrap => bmp_bootstrap_by_position(
                &s.std,
                self.panel.sar_by_position(),
                &s.members,
                self.panel.est_width(&s.members),
                s.len,
                self.r,
                s.key,
            ),
            TestId::WildBootstrapT => wild_bootstrap_t(&s.values, self.r, s.key),
            TestId::BinderJoint => match self.joint() {
                Some(j) => binder_test(j, s.len == 1),
                None => TestStat {
                    test: TestId::BinderJoint,
                    statistic: f64::NAN,
                    p_value: f64::NAN,
                    n,
                    distribution: Reference::F(f64::NAN, f64::NAN),
                },
            },
            TestId::BinderJointEmpirical => self.joint_empirical(),
        }
    }
}

/// Whether [`Prepared::run`] times each test (off unless [`time_tests`] turned it on).
static TIMING: AtomicBool = AtomicBool::new(false);

/// Per test (by `TestId as usize`): nanoseconds spent and samples run, while timing.
static SPENT: [(AtomicU64, AtomicU64); TestId::ALL.len()] =
    [const { (AtomicU64::new(0), AtomicU64::new(0)) }; TestId::ALL.len()];

/// Times each test from now on (`EVIMPACT_PHASE_TIMES=1`: what each test of the battery
/// costs, for benchmarks).
pub fn time_tests() {
    TIMING.store(true, Relaxed);
}

/// Each test run since [`time_tests`], in [`TestId::ALL`] order: seconds spent in it,
/// summed over samples and over the threads that ran them at once (so the sum can exceed
/// the wall time), and the samples it ran on.
pub fn test_times() -> Vec<(TestId, f64, u64)> {
    TestId::ALL
        .into_iter()
        .map(|id| {
            let (nanos, calls) = &SPENT[id as usize];
            (id, nanos.load(Relaxed) as f64 * 1e-9, calls.load(Relaxed))
        })
        .filter(|(_, _, calls)| *calls > 0)
        .collect()
}

/// The battery of tests on one day or window, in the order of [`TestId::ALL`]: J1,
/// cross-sectional t, Patell Z, BMP (the first four, unchanged), J2, the crude dependence
/// adjustment, the Kolari-Pynnönen adjusted Patell Z and BMP, the skewness-corrected t,
/// sign, generalized sign (normal, exact doubled-tail and exact R/scipy p-values), Corrado
/// rank (multi-day form for windows; per event for windows in traded sessions), GRANK,
/// Wilcoxon signed-rank, the placebo p-value, the BMP bootstrap, the wild bootstrap t, and
/// Binder's joint F only when every event of the sample is on one calendar grid (events on
/// one date; two events at least). Every test treats each event (security and day 0) as its
/// own unit: events are the panel's rows, never keyed by security. `r`: the resampling
/// tests' draws and seed.
pub fn battery(panel: &Panel, s: &Sample, r: &Resampling) -> Results {
    battery_with(panel, s, r, None)
}

/// [`battery`] with the placebo test already run on this sample ([`run_test`]), when given:
/// the event days run their placebo tests first, while the panel holds the leave-one-out
/// errors and none of the series the other tests build.
pub fn battery_with(
    panel: &Panel,
    s: &Sample,
    r: &Resampling,
    placebo: Option<TestStat>,
) -> Results {
    let mut p = Prepared::new(panel, s, r);
    p.placebo = placebo;
    // The tests at once (each reads the sample and the panel only, and what several share
    // is computed once by the first that asks): a window's four resampling tests no longer
    // wait for each other. Collected in the battery's order.
    let ids: Vec<TestId> = TestId::ALL
        .into_iter()
        .filter(|id| !matches!(id, TestId::BinderJoint | TestId::BinderJointEmpirical))
        .collect();
    let mut tests: Vec<TestStat> = ids.par_iter().map(|&id| p.run(id)).collect();
    if let Some(j) = p.joint() {
        tests.push(binder_test(j, s.len == 1));
        tests.push(p.joint_empirical());
    }
    Results {
        tests,
        joint: p.joint.into_inner().flatten(),
    }
}

/// The hypothesis of the joint test's line: every AR zero (one day) or every CAR zero.
fn headline(one_day: bool) -> JointHypothesis {
    if one_day {
        JointHypothesis::ArZero
    } else {
        JointHypothesis::CarZero
    }
}

/// One test of the battery on one sample.
pub fn run_test(panel: &Panel, s: &Sample, r: &Resampling, id: TestId) -> TestStat {
    Prepared::new(panel, s, r).run(id)
}

/// The joint test's line in `tests.csv`: H0 every event's AR (one day) or CAR (a window) is
/// zero, Hotelling's F on F(q, ν − q + 1).
pub fn binder_test(j: &JointTest, one_day: bool) -> TestStat {
    let row = j.row(headline(one_day));
    TestStat {
        test: TestId::BinderJoint,
        statistic: row.map_or(f64::NAN, |r| r.f),
        p_value: row.map_or(f64::NAN, |r| r.f_p),
        n: j.n,
        distribution: Reference::F(
            row.map_or(f64::NAN, |r| r.f_df1),
            row.map_or(f64::NAN, |r| r.f_df2),
        ),
    }
}
