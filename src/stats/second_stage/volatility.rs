//! Abnormal volatility around an event: the event window's abnormal-return variance against
//! the estimation window's, per event (variance-ratio F and Beaver's U) and across events
//! (Beaver's cross-sectional mean U per event day).
//!
//! Per event, with s² the estimation-window residual variance on d degrees of freedom (M − k)
//! and AR_τ the L event-window abnormal returns:
//!
//! - variance ratio F = [Σ(AR − mean AR)²/(L − 1)] / s² against F(L − 1, d): upper tail for a
//!   variance increase, lower tail, and two-sided min(1, 2·min).
//! - Beaver's U_τ = AR_τ²/s², against F(1, d) under H0 (iid N(0, σ²) ARs, the prediction
//!   error of the estimated model ignored); Ū = (1/L) Σ U_τ = (Σ AR²/L)/s² (not demeaned)
//!   against F(L, d).
//! - Across events, per event day τ: ū = mean of U over the events with an AR on τ, its sd
//!   (n − 1), t = (ū − 1)/(sd/√n) on n − 1 df, two-sided. Beaver's benchmark is 1 (the exact
//!   H0 mean of U is d/(d − 2), 1.008 for d = 248).
//!
//! # References
//! Beaver, W. H. (1968), "The information content of annual earnings announcements", Journal
//! of Accounting Research 6 (Empirical Research in Accounting: Selected Studies), 67–92.
//! May, R. (1971), Journal of Accounting Research 9, 119–163.

use serde::Serialize;

use super::{f_lower, f_upper, mean, t_two_sided, var};

/// One event's volatility tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventVolatility {
    /// L: event-window abnormal returns.
    pub event_length: usize,
    pub ar_mean: f64,
    /// Σ(AR − mean)²/(L − 1).
    pub event_var: f64,
    pub est_var: f64,
    pub est_df: f64,
    /// F = event_var / s².
    pub var_ratio: f64,
    pub f_df1: usize,
    pub f_p_upper: f64,
    pub f_p_lower: f64,
    pub f_p_two_sided: f64,
    /// Ū = (ΣAR²/L)/s².
    pub u_mean: f64,
    pub u_sum: f64,
    /// P(F_{L,d} > Ū).
    pub u_mean_p_upper: f64,
}

/// The tests of one event: `ar` its event-window abnormal returns (finite values only),
/// `s2` its estimation residual variance on `df` degrees of freedom.
pub fn event_volatility(ar: &[f64], s2: f64, df: f64) -> EventVolatility {
    let l = ar.len();
    let lf = l as f64;
    let ev = var(ar);
    let f = ev / s2;
    let up = f_upper(f, lf - 1.0, df);
    let lo = f_lower(f, lf - 1.0, df);
    let u_sum: f64 = ar.iter().map(|a| a * a / s2).sum();
    let u_mean = ar.iter().map(|a| a * a).sum::<f64>() / lf / s2;
    EventVolatility {
        event_length: l,
        ar_mean: mean(ar),
        event_var: ev,
        est_var: s2,
        est_df: df,
        var_ratio: f,
        f_df1: l.saturating_sub(1),
        f_p_upper: up,
        f_p_lower: lo,
        f_p_two_sided: (2.0 * up.min(lo)).min(1.0),
        u_mean,
        u_sum,
        u_mean_p_upper: f_upper(u_mean, lf, df),
    }
}

/// Beaver's U_τ = AR²/s² and its P(F_{1,d} > U).
pub fn beaver_u(ar: f64, s2: f64, df: f64) -> (f64, f64) {
    let u = ar * ar / s2;
    (u, f_upper(u, 1.0, df))
}

/// Beaver's cross-sectional mean of U on one event day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossU {
    pub n_events: usize,
    pub u_bar: f64,
    /// NaN (and so `t`, `df`, `p`) below 2 events.
    pub u_sd: f64,
    pub t_vs_1: f64,
    pub df: f64,
    pub p_two_sided: f64,
}

/// The cross-sectional test of the U values of one day.
pub fn beaver_cross(u: &[f64]) -> CrossU {
    let n = u.len();
    let u_bar = mean(u);
    let sd = var(u).sqrt();
    let (t, df) = if n >= 2 {
        ((u_bar - 1.0) / (sd / (n as f64).sqrt()), n as f64 - 1.0)
    } else {
        (f64::NAN, f64::NAN)
    };
    CrossU {
        n_events: n,
        u_bar,
        u_sd: sd,
        t_vs_1: t,
        df,
        p_two_sided: t_two_sided(t, df),
    }
}
