//! The events' series that the battery needs beyond one day's or window's values:
//! estimation-window abnormal returns, their standardized form and ranks, the Corrado
//! ranks over the combined windows and the events' pairwise correlations. Built once per
//! run; every day and window of the battery reads it for its subset of events.

use super::grank::own_ranks;
use super::kolari_pynnonen::{KP_MIN_COMMON, pairwise_correlation};
use super::standardized_ranks;

/// Above this many events r̄ is estimated from standardized sums (O(N·T)) instead of the
/// N(N − 1)/2 pairwise correlations.
pub const EXACT_CORRELATION_MAX: usize = 1000;

/// One event's inputs.
#[derive(Debug, Clone)]
pub struct PanelEvent<'a> {
    /// Estimation-window ARs by event time (element j: τ = estimation start + j), NaN where
    /// none.
    pub est_ar: &'a [f64],
    /// Spans of those returns (0 where none).
    pub est_span: &'a [u32],
    /// Event-window ARs by event time (element j: τ = event-window start + j), NaN where
    /// none.
    pub event_ar: Vec<f64>,
    /// Residual variance s² of the normal-return model.
    pub s2: f64,
}

/// Every event's series, aligned by event time.
#[derive(Debug, Clone)]
pub struct Panel<'a> {
    events: Vec<PanelEvent<'a>>,
    /// AR / (s √d) on the estimation window.
    est_sar: Vec<Vec<f64>>,
    /// Ranks of `est_sar` among the event's own values.
    est_sar_ranks: Vec<Vec<f64>>,
    /// Standardized ranks over the estimation window followed by the event window.
    corrado: Vec<Vec<f64>>,
    est_len: usize,
    /// Pairwise correlations, row-major N × N (NaN where a pair does not qualify), for
    /// N ≤ [`EXACT_CORRELATION_MAX`].
    corr: Option<Vec<f64>>,
    /// Estimation ARs standardized over their own observations (0 where missing), beyond it.
    z: Vec<Vec<f64>>,
}

impl<'a> Panel<'a> {
    pub fn new(events: Vec<PanelEvent<'a>>) -> Self {
        let est_len = events.iter().map(|e| e.est_ar.len()).max().unwrap_or(0);
        let est_sar: Vec<Vec<f64>> = events
            .iter()
            .map(|e| {
                e.est_ar
                    .iter()
                    .zip(e.est_span)
                    .map(|(a, d)| a / (e.s2 * f64::from((*d).max(1))).sqrt())
                    .collect()
            })
            .collect();
        let est_sar_ranks = est_sar.iter().map(|s| own_ranks(s)).collect();
        let corrado = events
            .iter()
            .map(|e| {
                let mut all = e.est_ar.to_vec();
                all.resize(est_len, f64::NAN);
                all.extend_from_slice(&e.event_ar);
                standardized_ranks(&all)
            })
            .collect();
        let n = events.len();
        let (corr, z) = if n <= EXACT_CORRELATION_MAX {
            let mut c = vec![f64::NAN; n * n];
            for i in 0..n {
                for j in i + 1..n {
                    let r = pairwise_correlation(events[i].est_ar, events[j].est_ar, KP_MIN_COMMON)
                        .unwrap_or(f64::NAN);
                    c[i * n + j] = r;
                    c[j * n + i] = r;
                }
            }
            (Some(c), Vec::new())
        } else {
            (None, events.iter().map(|e| standardize(e.est_ar)).collect())
        };
        Panel {
            events,
            est_sar,
            est_sar_ranks,
            corrado,
            est_len,
            corr,
            z,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Number of estimation-window positions (the Corrado grid's event window starts here).
    pub fn est_len(&self) -> usize {
        self.est_len
    }

    pub fn est_ar(&self, members: &[usize]) -> Vec<&[f64]> {
        members.iter().map(|&i| self.events[i].est_ar).collect()
    }

    pub fn est_sar(&self, members: &[usize]) -> Vec<&[f64]> {
        members
            .iter()
            .map(|&i| self.est_sar[i].as_slice())
            .collect()
    }

    pub fn est_sar_ranks(&self, members: &[usize]) -> Vec<&[f64]> {
        members
            .iter()
            .map(|&i| self.est_sar_ranks[i].as_slice())
            .collect()
    }

    pub fn corrado_ranks(&self, members: &[usize]) -> Vec<&[f64]> {
        members
            .iter()
            .map(|&i| self.corrado[i].as_slice())
            .collect()
    }

    /// r̄ of Kolari & Pynnönen (2010) over the members: the mean of their pairwise
    /// correlations (pairs with at least [`KP_MIN_COMMON`] common observations). Beyond
    /// [`EXACT_CORRELATION_MAX`] events, the estimate Σ_t (S_t² − Σ_i z_it²) / Σ_t (c_t² −
    /// c_t) from each event's standardized series z (S_t their sum, c_t the events with an
    /// observation at t): the pairwise products pooled over pairs instead of averaged.
    /// NaN without a qualifying pair.
    pub fn mean_correlation(&self, members: &[usize]) -> f64 {
        let n = self.events.len();
        if let Some(c) = &self.corr {
            let (mut sum, mut k) = (0.0, 0usize);
            for (a, &i) in members.iter().enumerate() {
                for &j in &members[a + 1..] {
                    let r = c[i * n + j];
                    if r.is_finite() {
                        sum += r;
                        k += 1;
                    }
                }
            }
            return if k == 0 { f64::NAN } else { sum / k as f64 };
        }
        let mut s = vec![0.0; self.est_len];
        let mut q = vec![0.0; self.est_len];
        let mut c = vec![0usize; self.est_len];
        for &i in members {
            for (t, (v, a)) in self.z[i].iter().zip(self.events[i].est_ar).enumerate() {
                if a.is_finite() {
                    s[t] += v;
                    q[t] += v * v;
                    c[t] += 1;
                }
            }
        }
        let num: f64 = s.iter().zip(&q).map(|(s, q)| s * s - q).sum();
        let den: f64 = c.iter().map(|&c| (c * c - c) as f64).sum();
        if den > 0.0 { num / den } else { f64::NAN }
    }
}

/// (x − mean)/sd over the finite values (divisor n), 0 elsewhere.
fn standardize(x: &[f64]) -> Vec<f64> {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if v.len() < 2 {
        return vec![0.0; x.len()];
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    x.iter()
        .map(|a| {
            if a.is_finite() && sd > 0.0 {
                (a - m) / sd
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    fn series(seed: u64, len: usize, common: &[f64], w: f64) -> Vec<f64> {
        let mut r = crate::synth::Rng::new(seed, 7);
        (0..len).map(|t| w * common[t] + r.normal()).collect()
    }

    /// The O(N·T) estimate of r̄ used beyond 1,000 events equals the exact mean of pairwise
    /// correlations on complete data (Σ_t z_i z_j / T is then r_ij; a second code path), and
    /// both are near the true ρ = 0.2 here.
    #[test]
    fn pooled_correlation_estimate_is_close_to_the_exact_one() {
        let mut r = crate::synth::Rng::new(1, 1);
        let common: Vec<f64> = (0..250).map(|_| r.normal()).collect();
        let w = 0.5; // corr = w²/(1 + w²) = 0.2
        let data: Vec<Vec<f64>> = (0..30).map(|i| series(i + 10, 250, &common, w)).collect();
        let spans = vec![1u32; 250];
        let ev: Vec<PanelEvent> = data
            .iter()
            .map(|d| PanelEvent {
                est_ar: d,
                est_span: &spans,
                event_ar: vec![0.0; 3],
                s2: 1.0,
            })
            .collect();
        let exact = Panel::new(ev.clone());
        let members: Vec<usize> = (0..30).collect();
        let a = exact.mean_correlation(&members);
        let mut pooled = Panel::new(ev);
        pooled.corr = None;
        pooled.z = data.iter().map(|d| standardize(d)).collect();
        let b = pooled.mean_correlation(&members);
        assert_close!(b, a, ROUNDOFF);
        assert!((a - 0.2).abs() < 0.05, "{a}");
    }
}
