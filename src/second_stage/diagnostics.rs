//! Residual diagnostics of each event's normal-return model on its estimation window:
//! normality (Jarque–Bera, Shapiro–Wilk), autocorrelation (Durbin–Watson, Ljung–Box at 5 and
//! 10 lags) and a pre-event drift test (the CAR over `second_stage.drift`, by default
//! [−10, −1], against its prediction-error variance on t(M − k)). The residuals are
//! standardized by √d for a d-session return (by √H_t for GARCH/EGARCH, whose variance
//! moves), so every test sees one-session units. An event is flagged when a test rejects
//! at 1 % (normality, Ljung–Box), when d is outside [1.5, 2.5], or when the drift is
//! significant at 5 %.

use rayon::prelude::*;

use crate::outcome::Outcome;
use crate::outcome::second_stage::{DiagnosticFlag, DiagnosticsRow, Drift};
use crate::stats::second_stage::durbin_watson::durbin_watson;
use crate::stats::second_stage::jarque_bera::jarque_bera;
use crate::stats::second_stage::ljung_box::ljung_box;
use crate::stats::second_stage::shapiro_wilk::shapiro_wilk;
use crate::stats::second_stage::t_two_sided;

/// One row per analysed event.
pub(super) fn diagnostics(o: &Outcome) -> Vec<DiagnosticsRow> {
    let drift_w = o.study.second_stage.drift;
    // Each event's tests alone, in parallel (collected in event order).
    o.results
        .par_iter()
        .map(|r| {
            let a = &r.analysis;
            let raw: Vec<(f64, u32)> = a
                .est_ar
                .iter()
                .zip(a.est_span.iter())
                .filter(|(e, _)| e.is_finite())
                .map(|(e, d)| (*e, (*d).max(1)))
                .collect();
            let e: Vec<f64> = match &a.fit.conditional {
                Some(c) if c.fit.h.len() == raw.len() => raw
                    .iter()
                    .zip(&c.fit.h)
                    .map(|((e, _), h)| e / h.sqrt())
                    .collect(),
                _ => raw.iter().map(|(e, d)| e / f64::from(*d).sqrt()).collect(),
            };
            let jb = jarque_bera(&e);
            let sw = shapiro_wilk(&e);
            let dw = durbin_watson(&e);
            let lb5 = ljung_box(&e, 5);
            let lb10 = ljung_box(&e, 10);
            let (car, var, n, _) = a.car_over(|t| drift_w.contains(t));
            let df = a.fit.dof() as f64;
            let t = if n > 0 { car / var.sqrt() } else { f64::NAN };
            let drift = Drift {
                window: drift_w,
                car,
                t,
                df,
                p: t_two_sided(t, df),
            };
            let mut flags = Vec::new();
            if jb.p < 0.01 || sw.p < 0.01 {
                flags.push(DiagnosticFlag::NonNormal);
            }
            if lb10.p < 0.01 {
                flags.push(DiagnosticFlag::Autocorrelation);
            }
            if !(1.5..=2.5).contains(&dw) {
                flags.push(DiagnosticFlag::DurbinWatson);
            }
            if drift.p < 0.05 {
                flags.push(DiagnosticFlag::Drift);
            }
            DiagnosticsRow {
                event_id: r.event_id.clone(),
                security: r.security.clone(),
                n: e.len(),
                jarque_bera: jb,
                shapiro_wilk: sw,
                durbin_watson: dw,
                ljung_box5: lb5,
                ljung_box10: lb10,
                drift,
                flags,
            }
        })
        .collect()
}
