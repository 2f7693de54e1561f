//! The battery: every test of the study on one day (AAR) or one window (CAAR).

use super::binder::{JointHypothesis, JointTest, binder_joint};
use super::bootstrap::{Resampling, bmp_bootstrap, wild_bootstrap_t};
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

/// The battery of tests on one day or window, in the order of [`TestId::ALL`]: J1,
/// cross-sectional t, Patell Z, BMP (the first four, unchanged), J2, the crude dependence
/// adjustment, the Kolari-Pynnönen adjusted Patell Z and BMP, the skewness-corrected t,
/// sign, generalized sign (normal, exact doubled-tail and exact R/scipy p-values), Corrado
/// rank (multi-day form for windows), GRANK, Wilcoxon signed-rank, the placebo p-value, the
/// BMP bootstrap, the wild bootstrap t, and Binder's joint F when every event of the sample
/// is on one calendar grid (events on one date; two events at least). Every test treats each
/// event (security and day 0) as its own unit: events are the panel's rows, never keyed by
/// security. `r`: the resampling tests' draws and seed.
pub fn battery(panel: &crate::stats::Panel, s: &Sample, r: &Resampling) -> Results {
    let n = s.values.len();
    let mean = s.values.iter().sum::<f64>() / n as f64;
    let est = panel.est_ar(&s.members);
    let est_aar = pseudo_window_means(&panel.est_unit(&s.members), 1);
    let pseudo = panel.pseudo_cars(&s.members, s.len);
    let pseudo: Vec<&[f64]> = pseudo.iter().map(|c| c.as_ref()).collect();
    let rbar = panel.mean_correlation(&s.members);
    let grid: Vec<usize> = s.days.iter().map(|d| panel.est_len() + d).collect();
    let est_sar = panel.est_sar(&s.members);
    let p_hat = cowan_p_hat(&est);
    let mut tests = vec![
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
        generalized_sign_cowan(&s.values, p_hat),
        generalized_sign_exact(&s.values, p_hat),
        generalized_sign_exact_minlike(&s.values, p_hat),
        corrado_rank(&panel.corrado_ranks(&s.members), &grid),
        grank_with_ranks(&est_sar, &panel.est_sar_ranks(&s.members), &s.std),
        wilcoxon_signed_rank(&s.values),
        placebo_permutation(mean, n, &pseudo, &panel.grids(&s.members), r, s.key),
        bmp_bootstrap(&s.std, &est_sar, s.len, r, s.key),
        wild_bootstrap_t(&s.values, r, s.key),
    ];
    let joint = (n >= 2 && panel.one_grid(&s.members))
        .then(|| panel.joint_events(&s.members))
        .flatten()
        .map(|(ev, k)| binder_joint(&ev, k, &s.days));
    if let Some(j) = &joint {
        tests.push(binder_test(j, s.len == 1));
    }
    Results { tests, joint }
}

/// The joint test's line in `tests.csv`: H0 every event's AR (one day) or CAR (a window) is
/// zero, Hotelling's F on F(q, ν − q + 1).
pub fn binder_test(j: &JointTest, one_day: bool) -> TestStat {
    let h = if one_day {
        JointHypothesis::ArZero
    } else {
        JointHypothesis::CarZero
    };
    let row = j.row(h);
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
