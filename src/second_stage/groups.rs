//! The difference between two groups per CAR (and BHAR) window: Welch's t, the pooled t and
//! a seeded permutation p-value (`crate::stats::second_stage::group_difference`), for every
//! pair of groups in order of first appearance.

use super::group_of;
use crate::outcome::Outcome;
use crate::outcome::second_stage::{GroupDifference, Measure};
use crate::stats::second_stage::group_difference::{permutation_test, pooled_t, welch_t};

/// Every pair of groups, measure and window.
pub(super) fn differences(o: &Outcome, names: &[String]) -> Vec<GroupDifference> {
    let spec = &o.study.second_stage;
    let mut out = Vec::new();
    let values = |g: &str, measure: Measure, w: usize| -> Vec<f64> {
        o.results
            .iter()
            .filter(|r| group_of(o, r) == Some(g))
            .map(|r| match measure {
                Measure::Car => r.analysis.cars[w].car,
                Measure::Bhar => r.analysis.bhars[w].bhar,
            })
            .filter(|v| v.is_finite())
            .collect()
    };
    for (a, gx) in names.iter().enumerate() {
        for gy in &names[a + 1..] {
            for measure in [Measure::Car, Measure::Bhar] {
                for (w, window) in o.study.car_windows.iter().enumerate() {
                    let (x, y) = (values(gx, measure, w), values(gy, measure, w));
                    out.push(GroupDifference {
                        measure,
                        window: *window,
                        group_x: gx.clone(),
                        group_y: gy.clone(),
                        welch: welch_t(&x, &y),
                        pooled: pooled_t(&x, &y),
                        permutation: permutation_test(&x, &y, spec.permutations, spec.seed),
                        seed: spec.seed,
                    });
                }
            }
        }
    }
    out
}
