//! Multiple-testing corrections across a run's CAR windows: for each test, its p-values on
//! the windows (the family, m = windows with a p-value) adjusted by Holm (1979), which
//! controls the family-wise error rate, and Benjamini & Hochberg (1995), which controls the
//! false discovery rate (`crate::stats::second_stage::multiple_testing`); for the pooled
//! sample (`all`) and each group.

use crate::outcome::second_stage::{AdjustedP, GroupAggregates};
use crate::outcome::{Aggregate, Outcome};
use crate::stats::TestId;
use crate::stats::second_stage::multiple_testing::{Adjust, adjust};

fn family(sample: &str, windows: &[Aggregate], out: &mut Vec<AdjustedP>) {
    let mut tests: Vec<TestId> = Vec::new();
    for a in windows {
        for t in &a.tests {
            if !tests.contains(&t.test) {
                tests.push(t.test);
            }
        }
    }
    for id in tests {
        let cells: Vec<(crate::window::Window, f64)> = windows
            .iter()
            .filter_map(|a| {
                let p = crate::stats::find_test(&a.tests, id).map_or(f64::NAN, |t| t.p_value);
                a.window.map(|w| (w, p))
            })
            .collect();
        let p: Vec<f64> = cells.iter().map(|c| c.1).collect();
        let m = p.iter().filter(|v| v.is_finite()).count();
        let holm = adjust(&p, Adjust::Holm);
        let bh = adjust(&p, Adjust::BenjaminiHochberg);
        for (i, (w, pv)) in cells.iter().enumerate() {
            out.push(AdjustedP {
                sample: sample.to_string(),
                test: id,
                window: *w,
                p: *pv,
                holm: holm[i],
                bh: bh[i],
                m,
            });
        }
    }
}

/// The adjusted p-values of the pooled windows and of every group's.
pub(super) fn adjusted(o: &Outcome, groups: &[GroupAggregates]) -> Vec<AdjustedP> {
    let mut out = Vec::new();
    family("all", &o.windows, &mut out);
    for g in groups {
        family(&g.group, &g.windows, &mut out);
    }
    out
}
