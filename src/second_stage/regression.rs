//! The cross-sectional regression of each CAR (and BHAR) window on the events'
//! characteristics: y_i = b_0 + Σ_j b_j x_ij + e_i over the analysed events with a value and
//! every characteristic, each event its own observation; coefficients under the classical,
//! HC0–HC3 and clustered (by event date, by security; CL1 factor, G − 1 df) covariances of
//! `crate::stats::second_stage::regression`. Events left out are listed with the reason.
//!
//! A regressor is a column of the characteristics file (or of the events file), or
//! `group=NAME`: the dummy 1[the event's group is NAME]. On that dummy alone the slope is the
//! difference between the group's mean and the others', and its classical t is the pooled
//! two-sample t.

/// The group of a `group=NAME` regressor.
pub fn group_dummy(regressor: &str) -> Option<&str> {
    regressor.strip_prefix("group=").map(str::trim)
}

use crate::data::characteristics::Characteristics;
use crate::outcome::second_stage::{CrossSection, Dropped, Measure, SeType, TermRow};
use crate::outcome::{Outcome, SkipKind};
use crate::stats::second_stage::regression::{ClusterAdjust, Fit, Hc};

/// Every (measure, window) regression of the run.
pub(super) fn regressions(o: &Outcome, chars: Option<&Characteristics>) -> Vec<CrossSection> {
    let regressors = &o.study.second_stage.regressors;
    let mut out = Vec::new();
    for measure in [Measure::Car, Measure::Bhar] {
        for (w, window) in o.study.car_windows.iter().enumerate() {
            let mut dropped: Vec<Dropped> = o
                .skipped
                .iter()
                .filter(|s| s.kind == SkipKind::Skipped)
                .map(|s| Dropped {
                    event_id: s.event_id.clone(),
                    security: s.security.clone(),
                    reason: format!("not analysed: {}", s.reason),
                })
                .collect();
            let (mut y, mut x, mut dates, mut secs) = (vec![], vec![], vec![], vec![]);
            for r in &o.results {
                let a = &r.analysis;
                let v = match measure {
                    Measure::Car => a.cars[w].car,
                    Measure::Bhar => a.bhars[w].bhar,
                };
                let drop = |reason: String| Dropped {
                    event_id: r.event_id.clone(),
                    security: r.security.clone(),
                    reason,
                };
                if !v.is_finite() {
                    dropped.push(drop(format!(
                        "no {} over {} (no return in the window)",
                        measure.as_str().to_uppercase(),
                        window.label()
                    )));
                    continue;
                }
                let from_file = chars.and_then(|c| c.get(&r.event_id, &r.security));
                let group = o.events[r.event].group.as_deref();
                let mut row = vec![1.0];
                let mut col = 0;
                let mut missing = None;
                for name in regressors {
                    match group_dummy(name) {
                        Some(g) => row.push(f64::from(u8::from(group == Some(g)))),
                        None => {
                            let v = from_file.map_or(f64::NAN, |c| c[col]);
                            col += 1;
                            if !v.is_finite() && missing.is_none() {
                                missing = Some(if from_file.is_none() {
                                    "no row in the characteristics file".to_string()
                                } else {
                                    format!("characteristic {name} is missing")
                                });
                            }
                            row.push(v);
                        }
                    }
                }
                if let Some(why) = missing {
                    dropped.push(drop(why));
                    continue;
                }
                y.push(v);
                x.push(row);
                dates.push(r.day0);
                secs.push(r.security.clone());
            }
            let terms: Vec<String> = std::iter::once("(Intercept)".to_string())
                .chain(regressors.iter().cloned())
                .collect();
            let mut cs = CrossSection {
                measure,
                window: *window,
                terms: terms.clone(),
                fit: None,
                rows: Vec::new(),
                dropped,
                error: None,
            };
            match Fit::ols(&y, &x, true) {
                Err(e) => cs.error = Some(e.to_string()),
                Ok(f) => {
                    for se in SeType::ALL {
                        let (v, g) = match se {
                            SeType::Classical => (f.vcov_classical(), None),
                            SeType::Hc0 => (f.vcov_hc(Hc::Hc0), None),
                            SeType::Hc1 => (f.vcov_hc(Hc::Hc1), None),
                            SeType::Hc2 => (f.vcov_hc(Hc::Hc2), None),
                            SeType::Hc3 => (f.vcov_hc(Hc::Hc3), None),
                            SeType::ClusterDate => {
                                let (v, g) = f.vcov_cluster(&dates, ClusterAdjust::Cl1);
                                (v, Some(g))
                            }
                            SeType::ClusterSecurity => {
                                let (v, g) = f.vcov_cluster(&secs, ClusterAdjust::Cl1);
                                (v, Some(g))
                            }
                        };
                        // One cluster: no clustered covariance.
                        if g.is_some_and(|g| g < 2) {
                            continue;
                        }
                        for (term, coef) in terms.iter().zip(f.coefficients(&v, g)) {
                            cs.rows.push(TermRow {
                                term: term.clone(),
                                se_type: se,
                                coef,
                            });
                        }
                    }
                    cs.fit = Some(f.summary());
                }
            }
            out.push(cs);
        }
    }
    out
}
