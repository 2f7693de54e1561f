//! Durbin–Watson statistic of a residual series: DW = Σ_{t=2}^{n} (e_t − e_{t−1})² /
//! Σ_{t=1}^{n} e_t², on the residuals as they are (not demeaned). Near 2 without first-order
//! autocorrelation, near 2(1 − ρ̂) with it; below about 1.5 suggests positive
//! autocorrelation. No p-value: its exact distribution depends on the design (the bounds
//! tables of Durbin & Watson are for regressions with an intercept and fixed regressors).
//!
//! # References
//! Durbin, J., Watson, G. (1950), Biometrika 37(3/4), 409–428; (1951), Biometrika 38(1/2),
//! 159–177.

/// DW of `e` in time order (NaN below 2 values or when Σe² = 0). A non-finite value breaks
/// the sum: pass the residuals of the observations only.
pub fn durbin_watson(e: &[f64]) -> f64 {
    if e.len() < 2 {
        return f64::NAN;
    }
    let num: f64 = e.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    let den: f64 = e.iter().map(|v| v * v).sum();
    if den > 0.0 { num / den } else { f64::NAN }
}
