//! ⑥ Cross-sectional statistics: AAR per event day and CAAR per CAR window, each with the
//! battery of tests.

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::abnormal::{EventAnalysis, EventSpec};
use crate::outcome::{Aggregate, DateAggregate, PathPoint, Scope};
use crate::stats::battery::run_test;
use crate::stats::battery::{Sample, battery};
use crate::stats::{Clustering, TestId};

/// The panel of the events' estimation-window residuals that the tests read.
fn panel_of<'a>(analyses: &[&'a EventAnalysis]) -> crate::stats::Panel<'a> {
    crate::stats::Panel::new(
        analyses
            .iter()
            .map(|a| crate::stats::PanelEvent {
                est_ar: &a.est_ar,
                est_span: &a.est_span,
                event_ar: a.rows.iter().map(|r| r.ar).collect(),
                s2: a.fit.s2,
            })
            .collect(),
    )
}

/// The sample of one day or window: every event with a value, as (value, variance,
/// standardized value) from `pick`, with the days it covers (positions in the event window)
/// and its length.
fn sample(
    analyses: &[&EventAnalysis],
    days: Vec<usize>,
    len: usize,
    pick: impl Fn(usize, &EventAnalysis) -> (f64, f64, f64),
) -> Sample {
    let mut s = Sample {
        members: vec![],
        values: vec![],
        vars: vec![],
        std: vec![],
        dof: vec![],
        days,
        len,
        member_days: Vec::new(),
    };
    for (i, a) in analyses.iter().enumerate() {
        let (value, var, std) = pick(i, a);
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
    day0: &[NaiveDate],
) -> Aggregate {
    Aggregate {
        scope,
        tau,
        window,
        n: s.values.len(),
        clustering: Clustering::of(s.members.iter().map(|&i| day0[i])),
        mean: s.values.iter().sum::<f64>() / s.values.len() as f64,
        tests: battery(panel, s),
    }
}

/// AAR per event day and CAAR per CAR window with the battery of tests, over the given
/// events' analyses (one per event; a security with several events appears several times)
/// and their day-0 dates (for the clustering of each sample).
pub fn aggregates(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
) -> (Vec<Aggregate>, Vec<Aggregate>) {
    let ew = es.event_window;
    let panel = panel_of(analyses);
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
            let s = sample(analyses, vec![pos], 1, |_, a| {
                let r = &a.rows[pos];
                (r.ar, r.var, r.sar)
            });
            aggregate(Scope::Day, Some(tau), None, &panel, &s, day0)
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
            let mut s = sample(analyses, days, win.len(), |_, a| {
                let c = &a.cars[w];
                (c.car, c.var, c.t)
            });
            if win.is_traded() {
                // Each event's own sessions: its returns counted in traded sessions.
                s.member_days = s
                    .members
                    .iter()
                    .map(|&i| {
                        crate::abnormal::window_taus(&analyses[i].rows, win)
                            .into_iter()
                            .map(|t| (t - ew.start) as usize)
                            .collect()
                    })
                    .collect();
            }
            aggregate(Scope::Window, None, Some(*win), &panel, &s, day0)
        })
        .collect();
    (days, windows)
}

/// The CAAR path over the event window with the lead test's band: at each τ, the lead
/// test on CAR[start, τ] (the cumulative window from the event window's first session),
/// and the 95 % interval CAAR ± c·se with se = |CAAR / statistic| the test's implied
/// standard error of the CAAR and c its 5 % critical value. For J1, the cross-sectional t
/// and the crude dependence adjustment this is the test's own interval; for standardized
/// tests (Patell, BMP, adjusted BMP) it is the CAAR interval their statistic implies.
pub fn lead_path(es: &EventSpec, analyses: &[&EventAnalysis], lead: TestId) -> Vec<PathPoint> {
    let ew = es.event_window;
    let panel = panel_of(analyses);
    let cumulative: Vec<Vec<(i32, f64, f64)>> =
        analyses.iter().map(|a| a.cumulative_car()).collect();
    (ew.start..=ew.end)
        .map(|tau| {
            let pos = (tau - ew.start) as usize;
            let s = sample(
                analyses,
                (0..=pos).collect(),
                pos + 1,
                |i, _| match cumulative[i].iter().find(|c| c.0 == tau) {
                    Some(&(_, car, var)) => (car, var, car / var.sqrt()),
                    None => (f64::NAN, f64::NAN, f64::NAN),
                },
            );
            let n = s.values.len();
            let caar = s.values.iter().sum::<f64>() / n as f64;
            let t = run_test(&panel, &s, lead);
            let se = (caar / t.statistic).abs();
            let half = t.critical_value().map(|c| c * se).unwrap_or(f64::NAN);
            PathPoint {
                tau,
                n,
                caar,
                statistic: t.statistic,
                p_value: t.p_value,
                lower: caar - half,
                upper: caar + half,
                test: lead,
                distribution: t.distribution,
            }
        })
        .collect()
}

/// CAAR per event date (when events cluster on several dates): for each date, each CAR
/// window's N, CAAR and the lead test on that date's events alone.
pub fn by_date(
    es: &EventSpec,
    analyses: &[&EventAnalysis],
    day0: &[NaiveDate],
    lead: TestId,
) -> Vec<DateAggregate> {
    let mut dates: Vec<NaiveDate> = day0.to_vec();
    dates.sort_unstable();
    dates.dedup();
    dates
        .into_iter()
        .map(|date| {
            let sub: Vec<&EventAnalysis> = analyses
                .iter()
                .zip(day0)
                .filter(|(_, d)| **d == date)
                .map(|(a, _)| *a)
                .collect();
            let panel = panel_of(&sub);
            let windows = es
                .car_windows
                .iter()
                .enumerate()
                .map(|(w, win)| {
                    let s = sample(&sub, vec![], win.len(), |_, a| {
                        let c = &a.cars[w];
                        (c.car, c.var, c.t)
                    });
                    let n = s.values.len();
                    let caar = s.values.iter().sum::<f64>() / n as f64;
                    (n, caar, run_test(&panel, &s, lead))
                })
                .collect();
            DateAggregate {
                date,
                events: sub.len(),
                windows,
            }
        })
        .collect()
}
