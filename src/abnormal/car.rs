//! Cumulative and buy-and-hold abnormal returns of one event over its CAR windows.

use super::ArRow;
use crate::returns::ReturnKind;
use crate::stats::p_student;
use crate::window::Window;

/// One CAR window.
#[derive(Debug, Clone, PartialEq)]
pub struct CarRow {
    pub window: Window,
    /// NaN when the window holds no return.
    pub car: f64,
    pub var: f64,
    pub t: f64,
    pub p: f64,
    pub n_returns: usize,
    /// D: sessions spanned by the window's returns.
    pub spans: u32,
    /// τ of the security's first return on or after day 0 in the event window (after a
    /// halt, the resumption), if any.
    pub first_return: Option<i32>,
    /// The window ends before that first return (or there is none): it cannot hold the
    /// reaction to the news (a halted stock's short windows).
    pub misses_reaction: bool,
    /// τ of the first and last session the window selects (for a window in traded sessions
    /// they differ by security); `None` when it selects none.
    pub taus: Option<(i32, i32)>,
}

/// τ of the first row on or after day 0 with an abnormal return.
pub fn first_return(rows: &[ArRow]) -> Option<i32> {
    rows.iter()
        .find(|r| r.tau >= 0 && r.ar.is_finite())
        .map(|r| r.tau)
}

/// The τ of the event-window rows a window selects: an event-time window its sessions; a
/// window in traded sessions the security's own returns, t0 the first on or after day 0,
/// t−1 the last before it (see [`crate::window::Sessions::Traded`]).
pub fn window_taus(rows: &[ArRow], w: &Window) -> Vec<i32> {
    if !w.is_traded() {
        return rows
            .iter()
            .filter(|r| w.contains(r.tau))
            .map(|r| r.tau)
            .collect();
    }
    let with_ar = |r: &&ArRow| r.ar.is_finite();
    let after = rows
        .iter()
        .filter(|r| r.tau >= 0)
        .filter(with_ar)
        .zip(0i32..);
    let before = rows
        .iter()
        .rev()
        .filter(|r| r.tau < 0)
        .filter(with_ar)
        .zip((1i32..).map(|k| -k));
    let mut taus: Vec<i32> = after
        .chain(before)
        .filter(|(_, j)| w.contains(*j))
        .map(|(r, _)| r.tau)
        .collect();
    taus.sort_unstable();
    taus
}

/// Buy-and-hold abnormal return of one window (Barber & Lyon 1997):
/// BHAR = Π(1 + R_t) - Π(1 + E(R_t)) over the window's returns that have an abnormal return;
/// a span return is one factor of the product (it compounds its sessions already). With log
/// returns: exp(Σ r_t) - exp(Σ E(r_t)).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BharRow {
    pub window: Window,
    /// NaN when the window holds no return.
    pub bhar: f64,
    pub n_returns: usize,
}

/// BHAR of one window (Barber & Lyon 1997): Π(1 + R_t) - Π(1 + E(R_t)) over the window's
/// returns with an abnormal return (simple returns); exp(Σ r_t) - exp(Σ E(r_t)) for log
/// returns. NaN and n_returns 0 when the window has none.
///
/// # References
/// Barber, B., Lyon, J. (1997). Detecting long-run abnormal stock returns: the empirical power
/// and specification of test statistics. Journal of Financial Economics 43(3), 341-372.
pub fn bhar(rows: &[ArRow], w: Window, kind: ReturnKind) -> BharRow {
    let (mut held, mut normal, mut n) = (1.0, 1.0, 0usize);
    let (mut sum_r, mut sum_e) = (0.0, 0.0);
    let taus = window_taus(rows, &w);
    for r in rows
        .iter()
        .filter(|r| taus.contains(&r.tau) && r.ar.is_finite())
    {
        held *= 1.0 + r.ret;
        normal *= 1.0 + r.normal;
        sum_r += r.ret;
        sum_e += r.normal;
        n += 1;
    }
    let bhar = match (n, kind) {
        (0, _) => f64::NAN,
        (_, ReturnKind::Simple) => held - normal,
        (_, ReturnKind::Log) => sum_r.exp() - sum_e.exp(),
    };
    BharRow {
        window: w,
        bhar,
        n_returns: n,
    }
}

/// CAR, its variance, t and p of every CAR window of an analysed event (t on t(M − k)).
pub(super) fn car_rows(a: &super::EventAnalysis, windows: &[Window]) -> Vec<CarRow> {
    let dof = a.fit.dof() as f64;
    let first = first_return(&a.rows);
    windows
        .iter()
        .map(|w| {
            let taus = window_taus(&a.rows, w);
            let (car, var, n_returns, spans) = a.car_over(|t| taus.contains(&t));
            let misses_reaction = w.end >= 0
                && match (first, w.is_traded()) {
                    (None, _) => true,
                    (Some(_), true) => false,
                    (Some(f), false) => w.end < f,
                };
            let t = car / var.sqrt();
            CarRow {
                window: *w,
                car,
                var,
                t,
                p: if n_returns > 0 {
                    p_student(t, dof)
                } else {
                    f64::NAN
                },
                n_returns,
                spans,
                first_return: first,
                misses_reaction,
                taus: taus.first().zip(taus.last()).map(|(a, b)| (*a, *b)),
            }
        })
        .collect()
}
