//! Linear regression with the covariance estimators a cross-sectional or calendar-time
//! regression needs: classical, heteroskedasticity-consistent (HC0–HC3), clustered (one
//! way) and Newey–West; weighted least squares.
//!
//! Model y = Xβ + e, X n×k (its first column the intercept when there is one), weights w
//! (1 for OLS):
//!
//! - β̂ = (X'WX)⁻¹X'Wy, computed by a Householder QR of W^½X (so (X'WX)⁻¹ = R⁻¹R⁻ᵀ = B);
//!   e = y − Xβ̂ (unweighted residuals); leverages h_ii = w_i x_i'Bx_i.
//! - classical: V = s²B, s² = Σ w_i e_i²/(n − k).
//! - HC0 (White 1980): V = B (Σ w_i² e_i² x_i x_i') B; HC1 = n/(n − k)·HC0; HC2 weights
//!   e_i²/(1 − h_ii), HC3 e_i²/(1 − h_ii)² (MacKinnon & White 1985).
//! - clustered (Liang & Zeger 1986; Cameron, Gelbach & Miller 2011): u_g = Σ_{i∈g} w_i x_i e_i,
//!   V = c·B (Σ_g u_g u_g') B with c = G/(G − 1) (`CL0`) or G/(G − 1)·(n − 1)/(n − k) (`CL1`,
//!   Stata's `vce(cluster)` and the default of R's `sandwich::vcovCL` for `lm`).
//! - Newey–West (1987): u_t = x_t e_t in row (time) order, S = Σ_t u_t u_t' + Σ_{l=1}^{L} w_l
//!   Σ_{t>l} (u_t u_{t−l}' + u_{t−l} u_t'), Bartlett weights w_l = 1 − l/(L + 1),
//!   V = B S B, times n/(n − k) when adjusted (Stata's `newey`). No prewhitening.
//! - Fit: rss = Σ w e², mss = Σ w(ŷ − ȳ_w)² with ȳ_w = Σ wŷ/Σ w (with an intercept; Σ wŷ²
//!   without), R² = mss/(mss + rss), adjusted R² = 1 − (1 − R²)(n − i)/(n − k) with i = 1 with
//!   an intercept, F = (mss/(k − i))/(rss/(n − k)) on (k − i, n − k) df. A model with only an
//!   intercept has R² = 0 and no F (as R's `summary.lm`).
//! - Coefficient p-values: 2·P(T > |t|) on n − k df for every estimator except clustered
//!   ones, which use G − 1 df (Cameron & Miller 2015); the N(0,1) p-value is given too.
//!
//! # References
//! White, H. (1980), Econometrica 48(4), 817–838. MacKinnon, J., White, H. (1985), Journal of
//! Econometrics 29(3), 305–325. Liang, K.-Y., Zeger, S. (1986), Biometrika 73(1), 13–22.
//! Newey, W., West, K. (1987), Econometrica 55(3), 703–708; (1994), Review of Economic
//! Studies 61(4), 631–653 (the lag rule ⌊4(n/100)^{2/9}⌋). Cameron, A. C., Gelbach, J.,
//! Miller, D. (2011), JBES 29(2), 238–249. Cameron, A. C., Miller, D. (2015), Journal of
//! Human Resources 50(2), 317–372.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::{f_upper, normal_two_sided, t_two_sided};

/// Why a regression could not be fitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegressionError {
    #[error("{n} observation(s) for {k} coefficient(s): need more observations than coefficients")]
    TooFew { n: usize, k: usize },
    #[error("the regressors are collinear (column {column} is a combination of the others)")]
    Collinear { column: usize },
    #[error("a value or weight is not a finite number (row {row})")]
    NonFinite { row: usize },
}

/// A covariance estimator (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hc {
    Hc0,
    Hc1,
    Hc2,
    Hc3,
}

/// Small-sample factor of a clustered covariance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClusterAdjust {
    /// G/(G − 1).
    Cl0,
    /// G/(G − 1)·(n − 1)/(n − k).
    Cl1,
}

/// A fitted linear regression.
#[derive(Debug, Clone)]
pub struct Fit {
    pub n: usize,
    pub k: usize,
    pub coef: Vec<f64>,
    /// y − Xβ̂ (unweighted).
    pub resid: Vec<f64>,
    pub fitted: Vec<f64>,
    /// Whether the first column is the intercept (R² and F are then about the others).
    pub intercept: bool,
    /// W^½X, n×k.
    xw: DMatrix<f64>,
    /// W^½e.
    ew: Vec<f64>,
    weights: Option<Vec<f64>>,
    /// (X'WX)⁻¹.
    bread: DMatrix<f64>,
}

/// Goodness of fit of a regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitSummary {
    pub n: usize,
    pub k: usize,
    pub df_resid: usize,
    pub rss: f64,
    pub sigma: f64,
    pub r_squared: f64,
    pub adj_r_squared: f64,
    /// NaN for an intercept-only model.
    pub f_statistic: f64,
    pub f_df1: usize,
    pub f_df2: usize,
    pub f_p: f64,
}

/// One coefficient under one covariance estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub estimate: f64,
    pub std_error: f64,
    pub t: f64,
    /// Degrees of freedom of `p`: n − k, or G − 1 for a clustered covariance.
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// 2·P(Z > |t|).
    pub p_normal: f64,
    /// n − k.
    pub df_resid: usize,
    /// 2·P(T_{n−k} > |t|).
    pub p_resid: f64,
    /// Number of clusters G (clustered covariances only).
    pub n_clusters: Option<usize>,
}

impl Fit {
    /// OLS of `y` on the rows of `x` (each of length k; the first element 1 when `intercept`).
    ///
    /// # Errors
    /// n ≤ k, a non-finite value, or collinear regressors.
    ///
    /// # Example
    /// ```
    /// use evimpact::stats::second_stage::regression::Fit;
    /// let x: Vec<Vec<f64>> = (0..5).map(|i| vec![1.0, i as f64]).collect();
    /// let y = [1.0, 3.0, 5.0, 7.0, 9.5];
    /// let f = Fit::ols(&y, &x, true).unwrap();
    /// assert!((f.coef[1] - 2.1).abs() < 1e-12);
    /// ```
    pub fn ols(y: &[f64], x: &[Vec<f64>], intercept: bool) -> Result<Fit, RegressionError> {
        Self::fit_weighted(y, x, None, intercept)
    }

    /// Weighted least squares with weights `w` (> 0), e.g. the number of securities in a
    /// calendar-time portfolio; the residuals stay unweighted, s² = Σ w e²/(n − k).
    ///
    /// # Errors
    /// As [`Fit::ols`], and a weight that is not a positive finite number.
    pub fn wls(
        y: &[f64],
        x: &[Vec<f64>],
        w: &[f64],
        intercept: bool,
    ) -> Result<Fit, RegressionError> {
        Self::fit_weighted(y, x, Some(w), intercept)
    }

    fn fit_weighted(
        y: &[f64],
        x: &[Vec<f64>],
        w: Option<&[f64]>,
        intercept: bool,
    ) -> Result<Fit, RegressionError> {
        let n = y.len();
        let k = x.first().map_or(0, Vec::len);
        if n <= k || k == 0 || x.len() != n {
            return Err(RegressionError::TooFew { n, k });
        }
        for i in 0..n {
            let wi = w.map_or(1.0, |w| w[i]);
            if !y[i].is_finite()
                || x[i].len() != k
                || x[i].iter().any(|v| !v.is_finite())
                || !(wi.is_finite() && wi > 0.0)
            {
                return Err(RegressionError::NonFinite { row: i + 1 });
            }
        }
        let sw = |i: usize| w.map_or(1.0, |w| w[i].sqrt());
        let xw = DMatrix::from_fn(n, k, |i, j| x[i][j] * sw(i));
        let yw = DVector::from_fn(n, |i, _| y[i] * sw(i));
        let qr = xw.clone().qr();
        let r = qr.r();
        // Collinearity: a diagonal element of R tiny against its column's norm.
        for j in 0..k {
            let norm = xw.column(j).norm();
            let rjj = r[(j, j)].abs();
            if rjj.is_nan() || rjj <= 1e-10 * norm.max(f64::MIN_POSITIVE) {
                return Err(RegressionError::Collinear { column: j + 1 });
            }
        }
        let qty = qr.q().transpose() * &yw;
        let beta = r
            .solve_upper_triangular(&qty)
            .ok_or(RegressionError::Collinear { column: k })?;
        let r_inv = r
            .solve_upper_triangular(&DMatrix::identity(k, k))
            .ok_or(RegressionError::Collinear { column: k })?;
        let bread = &r_inv * r_inv.transpose();
        let coef: Vec<f64> = beta.iter().copied().collect();
        let fitted: Vec<f64> = x
            .iter()
            .map(|row| row.iter().zip(&coef).map(|(a, b)| a * b).sum())
            .collect();
        let resid: Vec<f64> = y.iter().zip(&fitted).map(|(a, b)| a - b).collect();
        let ew = resid.iter().enumerate().map(|(i, e)| e * sw(i)).collect();
        Ok(Fit {
            n,
            k,
            coef,
            resid,
            fitted,
            intercept,
            xw,
            ew,
            weights: w.map(<[f64]>::to_vec),
            bread,
        })
    }

    fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// n − k.
    pub fn df_resid(&self) -> usize {
        self.n - self.k
    }

    /// (X'WX)⁻¹.
    pub fn bread(&self) -> &DMatrix<f64> {
        &self.bread
    }

    /// Σ w e².
    pub fn rss(&self) -> f64 {
        self.ew.iter().map(|e| e * e).sum()
    }

    /// The leverages h_ii = w_i x_i'Bx_i.
    pub fn leverages(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| {
                let xi = self.xw.row(i);
                (xi * &self.bread * xi.transpose())[(0, 0)]
            })
            .collect()
    }

    /// B M B for a "meat" matrix M.
    fn sandwich(&self, meat: &DMatrix<f64>) -> DMatrix<f64> {
        &self.bread * meat * &self.bread
    }

    /// Classical covariance s²B.
    pub fn vcov_classical(&self) -> DMatrix<f64> {
        &self.bread * (self.rss() / self.df_resid() as f64)
    }

    /// Heteroskedasticity-consistent covariance (White 1980; MacKinnon & White 1985).
    pub fn vcov_hc(&self, hc: Hc) -> DMatrix<f64> {
        let h = match hc {
            Hc::Hc2 | Hc::Hc3 => self.leverages(),
            _ => Vec::new(),
        };
        let k = self.k;
        let mut meat = DMatrix::<f64>::zeros(k, k);
        for (i, e) in self.ew.iter().enumerate() {
            let e2 = e * e;
            let omega = match hc {
                Hc::Hc0 | Hc::Hc1 => e2,
                Hc::Hc2 => e2 / (1.0 - h[i]),
                Hc::Hc3 => e2 / (1.0 - h[i]).powi(2),
            };
            let xi = self.xw.row(i);
            meat += xi.transpose() * xi * omega;
        }
        let v = self.sandwich(&meat);
        match hc {
            Hc::Hc1 => v * (self.n as f64 / self.df_resid() as f64),
            _ => v,
        }
    }

    /// One-way clustered covariance; `cluster[i]` is row i's cluster (any labels). Returns
    /// the matrix and G.
    pub fn vcov_cluster<T: Ord>(
        &self,
        cluster: &[T],
        adjust: ClusterAdjust,
    ) -> (DMatrix<f64>, usize) {
        let k = self.k;
        let mut order: Vec<usize> = (0..self.n).collect();
        order.sort_by(|&a, &b| cluster[a].cmp(&cluster[b]));
        let mut meat = DMatrix::<f64>::zeros(k, k);
        let mut g = 0usize;
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            let mut u = DVector::<f64>::zeros(k);
            while end < order.len() && cluster[order[end]] == cluster[order[start]] {
                let i = order[end];
                u += self.xw.row(i).transpose() * self.ew[i];
                end += 1;
            }
            meat += &u * u.transpose();
            g += 1;
            start = end;
        }
        let gf = g as f64;
        let mut c = gf / (gf - 1.0);
        if adjust == ClusterAdjust::Cl1 {
            c *= (self.n as f64 - 1.0) / self.df_resid() as f64;
        }
        (self.sandwich(&meat) * c, g)
    }

    /// Newey–West (1987) HAC covariance with `lag` Bartlett-weighted lags, rows in time
    /// order; `adjust` multiplies by n/(n − k).
    pub fn vcov_newey_west(&self, lag: usize, adjust: bool) -> DMatrix<f64> {
        let k = self.k;
        let u: Vec<DVector<f64>> = (0..self.n)
            .map(|i| self.xw.row(i).transpose() * self.ew[i])
            .collect();
        let mut s = DMatrix::<f64>::zeros(k, k);
        for ut in &u {
            s += ut * ut.transpose();
        }
        for l in 1..=lag.min(self.n.saturating_sub(1)) {
            let w = 1.0 - l as f64 / (lag as f64 + 1.0);
            let mut g = DMatrix::<f64>::zeros(k, k);
            for t in l..self.n {
                g += &u[t] * u[t - l].transpose();
            }
            s += (&g + g.transpose()) * w;
        }
        let v = self.sandwich(&s);
        if adjust {
            v * (self.n as f64 / self.df_resid() as f64)
        } else {
            v
        }
    }

    /// The coefficients under covariance `v`; `clusters` is G for a clustered covariance
    /// (its p-value then uses G − 1 df).
    pub fn coefficients(&self, v: &DMatrix<f64>, clusters: Option<usize>) -> Vec<Coefficient> {
        let dfr = self.df_resid();
        (0..self.k)
            .map(|j| {
                let se = v[(j, j)].sqrt();
                let t = self.coef[j] / se;
                let df = clusters.map_or(dfr as f64, |g| g as f64 - 1.0);
                Coefficient {
                    estimate: self.coef[j],
                    std_error: se,
                    t,
                    df,
                    p: t_two_sided(t, df),
                    p_normal: normal_two_sided(t),
                    df_resid: dfr,
                    p_resid: t_two_sided(t, dfr as f64),
                    n_clusters: clusters,
                }
            })
            .collect()
    }

    /// R², adjusted R², F and σ (R's `summary.lm`, weighted for WLS).
    pub fn summary(&self) -> FitSummary {
        let rss = self.rss();
        let dfr = self.df_resid();
        let sigma = (rss / dfr as f64).sqrt();
        let wsum: f64 = (0..self.n).map(|i| self.weight(i)).sum();
        let mss = if self.intercept {
            let m = (0..self.n)
                .map(|i| self.weight(i) * self.fitted[i])
                .sum::<f64>()
                / wsum;
            (0..self.n)
                .map(|i| self.weight(i) * (self.fitted[i] - m).powi(2))
                .sum::<f64>()
        } else {
            (0..self.n)
                .map(|i| self.weight(i) * self.fitted[i].powi(2))
                .sum::<f64>()
        };
        let df_int = usize::from(self.intercept);
        let (r2, adj, f, df1) = if self.k == df_int {
            (0.0, 0.0, f64::NAN, 0)
        } else {
            let r2 = mss / (mss + rss);
            let adj = 1.0 - (1.0 - r2) * ((self.n - df_int) as f64 / dfr as f64);
            let df1 = self.k - df_int;
            let f = (mss / df1 as f64) / (rss / dfr as f64);
            (r2, adj, f, df1)
        };
        FitSummary {
            n: self.n,
            k: self.k,
            df_resid: dfr,
            rss,
            sigma,
            r_squared: r2,
            adj_r_squared: adj,
            f_statistic: f,
            f_df1: df1,
            f_df2: dfr,
            f_p: if df1 > 0 {
                f_upper(f, df1 as f64, dfr as f64)
            } else {
                f64::NAN
            },
        }
    }
}

/// The Newey & West (1994) rule-of-thumb lag for n observations: ⌊4(n/100)^{2/9}⌋.
pub fn newey_west_lag(n: usize) -> usize {
    (4.0 * (n as f64 / 100.0).powf(2.0 / 9.0)).floor() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Intercept-only regression (checked by hand, as in the golden README): β̂ = ȳ,
    /// classical se = sd/√n, HC0 se = √(Σe²)/n, HC3 se = √(Σe²)/(n − 1), HC1 = HC2 =
    /// classical, R² = 0 and no F.
    #[test]
    fn intercept_only_by_hand() {
        let y = [0.01, -0.02, 0.035, 0.004, -0.011, 0.02];
        let x: Vec<Vec<f64>> = y.iter().map(|_| vec![1.0]).collect();
        let f = Fit::ols(&y, &x, true).expect("fit");
        let n = y.len() as f64;
        let m = y.iter().sum::<f64>() / n;
        let sse: f64 = y.iter().map(|v| (v - m).powi(2)).sum();
        let sd = (sse / (n - 1.0)).sqrt();
        let se = |v: DMatrix<f64>| v[(0, 0)].sqrt();
        assert!((f.coef[0] - m).abs() < 1e-16);
        assert!((se(f.vcov_classical()) - sd / n.sqrt()).abs() < 1e-16);
        assert!((se(f.vcov_hc(Hc::Hc0)) - sse.sqrt() / n).abs() < 1e-16);
        assert!((se(f.vcov_hc(Hc::Hc3)) - sse.sqrt() / (n - 1.0)).abs() < 1e-16);
        assert!((se(f.vcov_hc(Hc::Hc1)) - sd / n.sqrt()).abs() < 1e-16);
        assert!((se(f.vcov_hc(Hc::Hc2)) - sd / n.sqrt()).abs() < 1e-16);
        let s = f.summary();
        assert_eq!((s.r_squared, s.adj_r_squared, s.f_df1), (0.0, 0.0, 0));
        assert!(s.f_statistic.is_nan() && s.f_p.is_nan());
    }

    #[test]
    fn collinear_and_short_designs_are_errors() {
        let x: Vec<Vec<f64>> = (0..6)
            .map(|i| vec![1.0, i as f64, 2.0 * i as f64])
            .collect();
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
        assert!(matches!(
            Fit::ols(&y, &x, true),
            Err(RegressionError::Collinear { column: 3 })
        ));
        assert!(matches!(
            Fit::ols(&y[..3], &x[..3], true),
            Err(RegressionError::TooFew { n: 3, k: 3 })
        ));
        let mut bad = x.clone();
        bad[2][1] = f64::NAN;
        assert!(matches!(
            Fit::ols(&y, &bad, true),
            Err(RegressionError::NonFinite { row: 3 })
        ));
    }

    #[test]
    fn newey_west_rule_of_thumb() {
        assert_eq!(newey_west_lag(300), 5);
        assert_eq!(newey_west_lag(100), 4);
    }

    proptest::proptest! {
        /// A regression of the CARs on a constant alone is the CAAR with the cross-sectional
        /// t: β̂ = mean, β̂ / classical se = [`crate::stats::cross_sectional_t`].
        #[test]
        fn constant_alone_gives_the_caar_and_the_cross_sectional_t(
            y in proptest::collection::vec(-0.2f64..0.2, 3..40)
        ) {
            let x: Vec<Vec<f64>> = y.iter().map(|_| vec![1.0]).collect();
            let f = Fit::ols(&y, &x, true).expect("fit");
            let n = y.len() as f64;
            let mean = y.iter().sum::<f64>() / n;
            let t = f.coef[0] / f.vcov_classical()[(0, 0)].sqrt();
            let want = crate::stats::cross_sectional_t(&y).statistic;
            crate::testutil::prop_assert_close!(f.coef[0], mean, crate::testutil::ROUNDOFF);
            crate::testutil::prop_assert_close!(t, want, crate::testutil::ROUNDOFF);
        }
    }
}
