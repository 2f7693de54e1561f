//! ⑥ Cross-sectional statistics: AAR per event day and CAAR per CAR window, each with the
//! battery of tests.

use rayon::prelude::*;

use crate::abnormal::{EventAnalysis, EventSpec};
use crate::outcome::{Aggregate, Scope};
use crate::stats::battery::{Sample, battery};

/// The sample of one day or window: every event with a value, as (value, variance,
/// standardized value) from `pick`, with the days it covers (positions in the event window)
/// and its length.
fn sample(
    analyses: &[&EventAnalysis],
    days: Vec<usize>,
    len: usize,
    pick: impl Fn(&EventAnalysis) -> (f64, f64, f64),
) -> Sample {
    let mut s = Sample {
        members: vec![],
        values: vec![],
        vars: vec![],
        std: vec![],
        dof: vec![],
        days,
        len,
    };
    for (i, a) in analyses.iter().enumerate() {
        let (value, var, std) = pick(a);
        if value.is_finite() {
            s.members.push(i);
            s.values.push(value);
            s.vars.push(var);
            s.std.push(std);
            s.dof.push(a.fit.dof() as f64);
        }
    }
    s
}

fn aggregate(
    scope: Scope,
    tau: Option<i32>,
    window: Option<crate::window::Window>,
    panel: &crate::stats::Panel,
    s: &Sample,
) -> Aggregate {
    Aggregate {
        scope,
        tau,
        window,
        n: s.values.len(),
        mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
        tests: battery(panel, s),
    }
}

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
    // Without an analysed event there is no AAR: no row per day (so nothing grows with the
    // event window's length when every event was skipped).
    let taus: Vec<i32> = if analyses.is_empty() {
        Vec::new()
    } else {
        (ew.start..=ew.end).collect()
    };
    let days = taus
        .par_iter()
        .map(|&tau| {
            let pos = (tau - ew.start) as usize;
            let s = sample(analyses, vec![pos], 1, |a| {
                let r = &a.rows[pos];
                (r.ar, r.var, r.sar)
            });
            aggregate(Scope::Day, Some(tau), None, &panel, &s)
        })
        .collect();
    let windows = es
        .car_windows
        .par_iter()
        .enumerate()
        .map(|(w, win)| {
            let days = (win.start..=win.end)
                .map(|t| (t - ew.start) as usize)
                .collect();
            let s = sample(analyses, days, win.len(), |a| {
                let c = &a.cars[w];
                (c.car, c.var, c.t)
            });
            aggregate(Scope::Window, None, Some(*win), &panel, &s)
        })
        .collect();
    (days, windows)
}
