//! ⑥ Cross-sectional statistics: AAR per event day and CAAR per CAR window, each with the
//! battery of tests.

use rayon::prelude::*;

use crate::abnormal::EventAnalysis;
use crate::abnormal::EventSpec;
use crate::outcome::{Aggregate, Scope};
use crate::stats::battery::{Sample, battery};

/// AAR per event day and CAAR per CAR window with the battery of tests, over the given
/// events' analyses (one per event; a security with several events appears several times).
pub fn aggregates(es: &EventSpec, analyses: &[&EventAnalysis]) -> (Vec<Aggregate>, Vec<Aggregate>) {
    let ew = es.event_window;
    let panel = crate::stats::Panel::new(
        analyses
            .iter()
            .map(|a| crate::stats::PanelEvent {
                est_ar: &a.est_ar,
                est_span: &a.est_span,
                event_ar: a.rows.iter().map(|r| r.ar).collect(),
                s2: a.fit.s2,
            })
            .collect(),
    );
    let days = (ew.start..=ew.end)
        .collect::<Vec<i32>>()
        .par_iter()
        .map(|&tau| {
            let pos = (tau - ew.start) as usize;
            let mut s = Sample {
                members: vec![],
                values: vec![],
                vars: vec![],
                std: vec![],
                dof: vec![],
                days: vec![pos],
                len: 1,
            };
            for (i, a) in analyses.iter().enumerate() {
                let row = &a.rows[pos];
                if row.ar.is_finite() {
                    s.members.push(i);
                    s.values.push(row.ar);
                    s.vars.push(row.var);
                    s.std.push(row.sar);
                    s.dof.push(a.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: Scope::Day,
                tau: Some(tau),
                window: None,
                n: s.values.len(),
                mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
                tests: battery(&panel, &s),
            }
        })
        .collect();
    let windows = es
        .car_windows
        .par_iter()
        .enumerate()
        .map(|(w, win)| {
            let mut s = Sample {
                members: vec![],
                values: vec![],
                vars: vec![],
                std: vec![],
                dof: vec![],
                days: (win.start..=win.end)
                    .map(|t| (t - ew.start) as usize)
                    .collect(),
                len: win.len(),
            };
            for (i, a) in analyses.iter().enumerate() {
                let c = &a.cars[w];
                if c.car.is_finite() {
                    s.members.push(i);
                    s.values.push(c.car);
                    s.vars.push(c.var);
                    s.std.push(c.t);
                    s.dof.push(a.fit.dof() as f64);
                }
            }
            Aggregate {
                scope: Scope::Window,
                tau: None,
                window: Some(*win),
                n: s.values.len(),
                mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
                tests: battery(&panel, &s),
            }
        })
        .collect();
    (days, windows)
}
