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
    for r in rows
        .iter()
        .filter(|r| w.contains(r.tau) && r.ar.is_finite())
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
    windows
        .iter()
        .map(|w| {
            let (car, var, n_returns, spans) = a.car_over(|t| w.contains(t));
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
            }
        })
        .collect()
}
