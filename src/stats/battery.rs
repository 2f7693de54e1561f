//! The battery: every test of the study on one day (AAR) or one window (CAAR), or one test
//! alone ([`run_test`], e.g. the run's lead test on each cumulative window of the CAR chart).

use std::cell::OnceCell;

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
}

/// What several tests of one sample share, computed once and only when a test asks.
struct Prepared<'a> {
    panel: &'a Panel<'a>,
    s: &'a Sample,
    mean: f64,
    est: OnceCell<Vec<&'a [f64]>>,
    est_aar: OnceCell<Vec<f64>>,
    pseudo: OnceCell<Vec<f64>>,
    rbar: OnceCell<f64>,
}

impl<'a> Prepared<'a> {
    fn new(panel: &'a Panel<'a>, s: &'a Sample) -> Self {
        let n = s.values.len();
        Prepared {
            panel,
            s,
            mean: s.values.iter().sum::<f64>() / n as f64,
            est: OnceCell::new(),
            est_aar: OnceCell::new(),
            pseudo: OnceCell::new(),
            rbar: OnceCell::new(),
        }
    }

    fn est(&self) -> &[&'a [f64]] {
        self.est.get_or_init(|| self.panel.est_ar(&self.s.members))
    }

    fn est_aar(&self) -> &[f64] {
        self.est_aar
            .get_or_init(|| pseudo_window_means(self.est(), 1))
    }

    fn pseudo(&self) -> &[f64] {
        self.pseudo.get_or_init(|| {
            if self.s.len == 1 {
                self.est_aar().to_vec()
            } else {
                pseudo_window_means(self.est(), self.s.len)
            }
        })
    }

    fn rbar(&self) -> f64 {
        *self
            .rbar
            .get_or_init(|| self.panel.mean_correlation(&self.s.members))
    }

    fn run(&self, id: TestId) -> TestStat {
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
            TestId::GeneralizedSign => generalized_sign_cowan(&s.values, cowan_p_hat(self.est())),
            TestId::GeneralizedSignExact => {
                generalized_sign_exact(&s.values, cowan_p_hat(self.est()))
            }
            TestId::CorradoRank => {
                let ranks = self.panel.corrado_ranks(&s.members);
                let at = |d: &usize| self.panel.est_len() + d;
                if s.member_days.is_empty() {
                    corrado_rank(&ranks, &s.days.iter().map(at).collect::<Vec<_>>())
                } else {
                    let grids: Vec<Vec<usize>> = s
                        .member_days
                        .iter()
                        .map(|d| d.iter().map(at).collect())
                        .collect();
                    corrado_rank_by_event(&ranks, &grids)
                }
            }
            TestId::Grank => grank_with_ranks(
                &self.panel.est_sar(&s.members),
                &self.panel.est_sar_ranks(&s.members),
                &s.std,
            ),
            TestId::Wilcoxon => wilcoxon_signed_rank(&s.values),
            TestId::Placebo => placebo_permutation(self.mean, n, self.pseudo()),
        }
    }
}

/// The battery of tests on one day or window, in the order of [`TestId::ALL`]:
/// J1, cross-sectional t, Patell Z, BMP (the first four, unchanged), J2, the crude
/// dependence adjustment, the Kolari-Pynnönen adjusted Patell Z and BMP, the skewness-
/// corrected t, sign, generalized sign, Corrado rank (multi-day form for windows), GRANK,
/// Wilcoxon signed-rank and the placebo p-value. Every test treats each event (security and
/// day 0) as its own unit: events are the panel's rows, never keyed by security.
pub fn battery(panel: &Panel, s: &Sample) -> Vec<TestStat> {
    let p = Prepared::new(panel, s);
    TestId::ALL.into_iter().map(|id| p.run(id)).collect()
}

/// One test of the battery on one sample.
pub fn run_test(panel: &Panel, s: &Sample, id: TestId) -> TestStat {
    Prepared::new(panel, s).run(id)
}
