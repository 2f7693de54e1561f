//! Test statistics for average abnormal returns (one event day) and cumulative average
//! abnormal returns (one window), one function per test, named after its paper.
//!
//! Each takes the per-event values of one day or window (N events with a value) and returns
//! the statistic, its two-sided p-value, N and the reference distribution. A statistic that
//! is undefined at this N (e.g. a standard deviation with N = 1) is NaN with p-value NaN.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The result of one test on one day or window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStat {
    /// Test name, e.g. `patell_z`.
    pub test: &'static str,
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Number of events the statistic uses.
    pub n: usize,
    /// Reference distribution: `N(0,1)` or `t(df)`.
    pub distribution: String,
}

/// Two-sided p-value under N(0,1).
pub fn p_normal(z: f64) -> f64 {
    if !z.is_finite() {
        return f64::NAN;
    }
    let n = Normal::standard();
    2.0 * n.cdf(-z.abs())
}

/// Two-sided p-value under Student's t with `df` degrees of freedom.
pub fn p_student(t: f64, df: f64) -> f64 {
    if !t.is_finite() || df < 1.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => 2.0 * d.cdf(-t.abs()),
        Err(_) => f64::NAN,
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample standard deviation (divisor N - 1); NaN for N < 2.
pub fn sample_sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

fn normal_test(test: &'static str, stat: f64, n: usize) -> TestStat {
    TestStat {
        test,
        statistic: stat,
        p_value: p_normal(stat),
        n,
        distribution: "N(0,1)".into(),
    }
}

fn t_test(test: &'static str, stat: f64, n: usize) -> TestStat {
    let df = n.saturating_sub(1);
    TestStat {
        test,
        statistic: stat,
        p_value: p_student(stat, df as f64),
        n,
        distribution: format!("t({df})"),
    }
}

/// MacKinlay (1997) J1, in the form of Serra (2002): CAAR / √(N⁻² Σ Var(CAR_i)), N(0,1).
/// For one day, AAR and Var(AR_it).
///
/// # References
/// MacKinlay, A. C. (1997), Journal of Economic Literature 35(1), 13-39, eq. (20)-(21).
/// Serra, A. P. (2002), Event study tests: a brief survey, FEP working paper 117.
pub fn mackinlay_j1(values: &[f64], variances: &[f64]) -> TestStat {
    let n = values.len();
    let stat = if n == 0 {
        f64::NAN
    } else {
        let nf = n as f64;
        mean(values) / (variances.iter().sum::<f64>() / (nf * nf)).sqrt()
    };
    normal_test("mackinlay_j1", stat, n)
}

/// Cross-sectional t (Brown & Warner 1985): mean / (sd / √N), t(N - 1).
///
/// # References
/// Brown, S. J., Warner, J. B. (1985). Using daily stock returns. Journal of Financial
/// Economics 14(1), 3-31.
pub fn cross_sectional_t(values: &[f64]) -> TestStat {
    let n = values.len();
    let stat = mean(values) / (sample_sd(values) / (n as f64).sqrt());
    t_test("cross_sectional_t", stat, n)
}

/// Patell (1976) Z: Σ_i S_i / √(Σ_i (M_i - k)/(M_i - k - 2)), N(0,1), S_i the standardized
/// AR (day) or CAR (window) of event i, each standardized on its own; `dof` holds M_i - k.
///
/// # References
/// Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price
/// behavior. Journal of Accounting Research 14(2), 246-276.
pub fn patell_z(standardized: &[f64], dof: &[f64]) -> TestStat {
    let n = standardized.len();
    let denom: f64 = dof.iter().map(|d| d / (d - 2.0)).sum();
    let stat = if n == 0 {
        f64::NAN
    } else {
        standardized.iter().sum::<f64>() / denom.sqrt()
    };
    normal_test("patell_z", stat, n)
}

/// Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test:
/// mean S / (sd S / √N), t(N - 1).
///
/// # References
/// Boehmer, E., Musumeci, J., Poulsen, A. B. (1991). Event-study methodology under
/// conditions of event-induced variance. Journal of Financial Economics 30(2), 253-272.
pub fn boehmer_musumeci_poulsen(standardized: &[f64]) -> TestStat {
    let n = standardized.len();
    let stat = mean(standardized) / (sample_sd(standardized) / (n as f64).sqrt());
    t_test("bmp", stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed by hand for x = [0.01, -0.02, 0.03, 0.04]:
    /// mean 0.015, sd = sqrt(((−0.005)²+(−0.035)²+0.015²+0.025²)/3) = sqrt(0.0021/3).
    #[test]
    fn cross_sectional_t_by_hand() {
        let x = [0.01, -0.02, 0.03, 0.04];
        let t = cross_sectional_t(&x);
        let sd = (0.0021f64 / 3.0).sqrt();
        assert!((t.statistic - 0.015 / (sd / 2.0)).abs() < 1e-12);
        assert_eq!(t.distribution, "t(3)");
        assert_eq!(t.n, 4);
    }

    #[test]
    fn j1_and_patell_by_hand() {
        let j = mackinlay_j1(&[0.02, 0.04], &[0.0004, 0.0009]);
        assert!((j.statistic - 0.03 / (0.0013f64 / 4.0).sqrt()).abs() < 1e-12);
        let p = patell_z(&[1.0, 2.0], &[248.0, 98.0]);
        let expect = 3.0 / (248.0f64 / 246.0 + 98.0 / 96.0).sqrt();
        assert!((p.statistic - expect).abs() < 1e-12);
    }

    /// p-values: standard normal 1.959963984540054 → 0.05, 2.5758293035489004 → 0.01;
    /// t(10) 2.228138851986274 → 0.05 (16-digit quantiles of the normal and t distributions).
    /// Tolerance 1e-10: statrs' erfc is accurate to about 1e-11 here (2.2e-12 measured).
    #[test]
    fn p_values_match_tables() {
        assert!((p_normal(1.959963984540054) - 0.05).abs() < 1e-10);
        assert!((p_normal(2.5758293035489004) - 0.01).abs() < 1e-10);
        assert!((p_student(-2.228138851986274, 10.0) - 0.05).abs() < 1e-10);
    }

    #[test]
    fn single_event_cross_section_is_undefined() {
        let t = cross_sectional_t(&[0.01]);
        assert!(t.statistic.is_nan() && t.p_value.is_nan());
        assert_eq!(t.distribution, "t(0)");
    }
}
