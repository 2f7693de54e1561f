//! The battery: every test of the study on one day (AAR) or one window (CAAR).

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
}

/// The battery of tests on one day or window, in the order of [`crate::stats::TESTS`]:
/// J1, cross-sectional t, Patell Z, BMP (the first four, unchanged), J2, the crude
/// dependence adjustment, the Kolari-Pynnönen adjusted Patell Z and BMP, the skewness-
/// corrected t, sign, generalized sign, Corrado rank (multi-day form for windows), GRANK,
/// Wilcoxon signed-rank and the placebo p-value. Every test treats each event (security and
/// day 0) as its own unit: events are the panel's rows, never keyed by security.
pub fn battery(panel: &crate::stats::Panel, s: &Sample) -> Vec<TestStat> {
    let n = s.values.len();
    let mean = s.values.iter().sum::<f64>() / n as f64;
    let est = panel.est_ar(&s.members);
    let est_aar = pseudo_window_means(&est, 1);
    let pseudo = if s.len == 1 {
        est_aar.clone()
    } else {
        pseudo_window_means(&est, s.len)
    };
    let rbar = panel.mean_correlation(&s.members);
    let grid: Vec<usize> = s.days.iter().map(|d| panel.est_len() + d).collect();
    vec![
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
        generalized_sign_cowan(&s.values, cowan_p_hat(&est)),
        generalized_sign_exact(&s.values, cowan_p_hat(&est)),
        corrado_rank(&panel.corrado_ranks(&s.members), &grid),
        grank_with_ranks(
            &panel.est_sar(&s.members),
            &panel.est_sar_ranks(&s.members),
            &s.std,
        ),
        wilcoxon_signed_rank(&s.values),
        placebo_permutation(mean, n, &pseudo),
    ]
}
