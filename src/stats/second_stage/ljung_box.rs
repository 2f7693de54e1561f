//! Sample autocorrelations and the portmanteau tests of residual autocorrelation.
//!
//! With d_t = x_t − x̄: r_k = Σ_{t=1}^{n−k} d_t d_{t+k} / Σ_{t=1}^{n} d_t² (R's `acf`).
//! Ljung–Box: Q = n(n + 2) Σ_{k=1}^{h} r_k²/(n − k); Box–Pierce: Q = n Σ_{k=1}^{h} r_k²; each
//! against χ²(h − fitdf) (fitdf = 0 for the residuals of a regression, as R's `Box.test`),
//! p = P(χ² > Q) computed as an upper tail.
//!
//! # References
//! Box, G., Pierce, D. (1970), JASA 65(332), 1509–1526. Ljung, G., Box, G. (1978),
//! Biometrika 65(2), 297–303.

use serde::Serialize;

use super::chi2_upper;

/// A portmanteau test at one lag h.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portmanteau {
    pub lag: usize,
    pub statistic: f64,
    pub df: usize,
    pub p: f64,
}

/// r_1..r_h of `x` (all values finite, in time order).
pub fn autocorrelations(x: &[f64], h: usize) -> Vec<f64> {
    let n = x.len();
    let mean = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    (1..=h)
        .map(|k| {
            if k >= n {
                return f64::NAN;
            }
            (0..n - k).map(|t| d[t] * d[t + k]).sum::<f64>() / c0
        })
        .collect()
}

/// Ljung–Box Q at lag h (fitdf = 0).
pub fn ljung_box(x: &[f64], h: usize) -> Portmanteau {
    let n = x.len() as f64;
    let r = autocorrelations(x, h);
    let q = n
        * (n + 2.0)
        * r.iter()
            .enumerate()
            .map(|(k, rk)| rk * rk / (n - (k + 1) as f64))
            .sum::<f64>();
    Portmanteau {
        lag: h,
        statistic: q,
        df: h,
        p: chi2_upper(q, h as f64),
    }
}

/// Box–Pierce Q at lag h (fitdf = 0).
pub fn box_pierce(x: &[f64], h: usize) -> Portmanteau {
    let n = x.len() as f64;
    let q = n * autocorrelations(x, h).iter().map(|r| r * r).sum::<f64>();
    Portmanteau {
        lag: h,
        statistic: q,
        df: h,
        p: chi2_upper(q, h as f64),
    }
}
