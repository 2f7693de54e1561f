//! Jarque–Bera test of normality from the sample skewness and kurtosis.
//!
//! With d_t = x_t − x̄ and the biased moments m_j = Σ d^j / n: S = m3/m2^{3/2},
//! K = m4/m2² (not excess), JB = n·S²/6 + n·(K − 3)²/24, asymptotically χ²(2) under
//! normality; p = P(χ²_2 > JB) computed as an upper tail (R's `tseries::jarque.bera.test`
//! reports 1 − pchisq, which is 0 below machine epsilon).
//!
//! # References
//! Jarque, C., Bera, A. (1980), Economics Letters 6(3), 255–259; (1987), International
//! Statistical Review 55(2), 163–172.

use serde::Serialize;

use super::chi2_upper;

/// Moments and the Jarque–Bera statistic of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JarqueBera {
    pub n: usize,
    pub mean: f64,
    /// Σd²/n.
    pub m2: f64,
    pub skewness: f64,
    /// Not excess: 3 under normality.
    pub kurtosis: f64,
    pub statistic: f64,
    /// P(χ²_2 > JB).
    pub p: f64,
}

/// Jarque–Bera on the finite values of `x` (NaN statistic below 3 values or with zero
/// variance).
pub fn jarque_bera(x: &[f64]) -> JarqueBera {
    let v: Vec<f64> = x.iter().copied().filter(|a| a.is_finite()).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for a in &v {
        let d = a - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    let (s, k) = if v.len() >= 3 && m2 > 0.0 {
        (m3 / m2.powf(1.5), m4 / (m2 * m2))
    } else {
        (f64::NAN, f64::NAN)
    };
    let jb = n * s * s / 6.0 + n * (k - 3.0).powi(2) / 24.0;
    JarqueBera {
        n: v.len(),
        mean,
        m2,
        skewness: s,
        kurtosis: k,
        statistic: jb,
        p: chi2_upper(jb, 2.0),
    }
}
