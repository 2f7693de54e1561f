//! Second-stage statistics: what a study asks after "did the news move these stocks?" —
//! which stocks, and why. One file per method, each a pure function of plain slices:
//!
//! | file | method | reference |
//! |---|---|---|
//! | [`regression`] | OLS/WLS with classical, HC0–HC3, clustered and Newey–West covariances | White (1980); MacKinnon & White (1985); Liang & Zeger (1986); Newey & West (1987) |
//! | [`group_difference`] | Welch and pooled two-sample t, seeded permutation p-value | Welch (1947); Fisher (1935) |
//! | [`jarque_bera`] | residual normality from skewness and kurtosis | Jarque & Bera (1980) |
//! | [`shapiro_wilk`] | residual normality (Royston's AS R94, as R's `swilk.c`) | Shapiro & Wilk (1965); Royston (1995) |
//! | [`ljung_box`] | autocorrelations, Ljung–Box and Box–Pierce | Box & Pierce (1970); Ljung & Box (1978) |
//! | [`durbin_watson`] | first-order autocorrelation of residuals | Durbin & Watson (1950) |
//! | [`multiple_testing`] | Bonferroni, Holm, Hochberg, Benjamini–Hochberg, Benjamini–Yekutieli | Holm (1979); Benjamini & Hochberg (1995) |
//! | [`volatility`] | event-window variance ratio (F) and Beaver's U | Beaver (1968) |
//!
//! Every p-value is an upper tail computed directly (never 1 − cdf), so tiny p-values keep
//! their relative accuracy; "two-sided" is 2·P(T > |t|). The golden values these are tested
//! against (R 4.2.2, `tests/golden/second_stage/`) define every number.

pub mod durbin_watson;
pub mod group_difference;
pub mod jarque_bera;
pub mod ljung_box;
pub mod multiple_testing;
pub mod regression;
pub mod shapiro_wilk;
pub mod volatility;

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::beta_reg;

/// P(T_df > t), Student's t upper tail; NaN for a non-finite t or df ≤ 0.
pub fn t_upper(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => d.sf(t),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value under t(df): 2·P(T_df > |t|).
pub fn t_two_sided(t: f64, df: f64) -> f64 {
    2.0 * t_upper(t.abs(), df)
}

/// Two-sided p-value under N(0,1): 2·P(Z > |z|).
pub fn normal_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    2.0 * Normal::standard().sf(z.abs())
}

/// P(χ²_df > x); NaN for df ≤ 0.
pub fn chi2_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// P(F_{d1,d2} > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2), the regularized incomplete beta at
/// the complement computed directly (not 1 − cdf); NaN for non-positive df.
pub fn f_upper(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() || !(d1 > 0.0 && d2 > 0.0) {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    if f.is_infinite() {
        return 0.0;
    }
    beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// P(F_{d1,d2} ≤ f), the lower tail computed directly: I_{d1 f/(d1 f + d2)}(d1/2, d2/2).
pub fn f_lower(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() || !(d1 > 0.0 && d2 > 0.0) {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 0.0;
    }
    if f.is_infinite() {
        return 1.0;
    }
    beta_reg(d1 / 2.0, d2 / 2.0, d1 * f / (d1 * f + d2))
}

/// Mean of a non-empty slice (NaN when empty).
pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance with divisor n − 1 (NaN for n < 2).
pub(crate) fn var(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
}
