//! Abnormal volatility per event and per event day (`crate::stats::second_stage::volatility`):
//! the event window's abnormal returns against the estimation window's residual variance s²
//! on M − k degrees of freedom. A return spanning d sessions enters as AR/√d (its variance is
//! d·s² under the model), so every U and the variance ratio are per session.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::group_of;
use crate::outcome::Outcome;
use crate::outcome::second_stage::{VolatilityDay, VolatilityRow};
use crate::stats::second_stage::volatility::{beaver_cross, beaver_u, event_volatility};

/// One event's (τ, Beaver's U) on each of its returns and its row.
type EventVolatility = (Vec<(i32, f64)>, VolatilityRow);

/// Per event, and Beaver's cross-sectional U per event day.
pub(super) fn volatility(o: &Outcome) -> (Vec<VolatilityRow>, Vec<VolatilityDay>) {
    // Each event's tests in parallel; the days' U values then taken in event order.
    let per_event: Vec<Option<EventVolatility>> = o
        .results
        .par_iter()
        .map(|r| {
            let a = &r.analysis;
            let (s2, df) = (a.fit.s2, a.fit.dof() as f64);
            let ar: Vec<(i32, f64)> = a
                .rows
                .iter()
                .filter(|x| x.ar.is_finite() && x.span > 0)
                .map(|x| (x.tau, x.ar / f64::from(x.span).sqrt()))
                .collect();
            if ar.len() < 2 || s2.is_nan() || s2 <= 0.0 {
                return None;
            }
            let u = ar
                .iter()
                .map(|(tau, v)| (*tau, beaver_u(*v, s2, df).0))
                .collect();
            let v: Vec<f64> = ar.iter().map(|x| x.1).collect();
            let row = VolatilityRow {
                event_id: r.event_id.clone(),
                security: r.security.clone(),
                group: group_of(o, r).map(str::to_string),
                tests: event_volatility(&v, s2, df),
            };
            Some((u, row))
        })
        .collect();
    let mut rows = Vec::with_capacity(per_event.len());
    let mut by_tau: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
    for (u, row) in per_event.into_iter().flatten() {
        for (tau, u) in u {
            by_tau.entry(tau).or_default().push(u);
        }
        rows.push(row);
    }
    let days = by_tau
        .into_iter()
        .map(|(tau, u)| VolatilityDay {
            tau,
            cross: beaver_cross(&u),
        })
        .collect();
    (rows, days)
}
