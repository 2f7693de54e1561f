//! Normal-return models: configuration → `fit` → an immutable fitted model.
//!
//! The market model is fitted by OLS on the estimation window with the trade-to-trade
//! weighting of METHODS.md: a return spanning d sessions enters as y/√d on regressors
//! √d (the intercept's column) and m/√d, m the market return over the same d sessions
//! (a GLS with error variance d·σ²). Every span-1 return has the usual row [1, R_m].
//!
//! # References
//! MacKinlay, A. C. (1997). Event studies in economics and finance. Journal of Economic
//! Literature 35(1), 13-39. Maynes, E., Rumsey, J. (1993), Journal of Banking & Finance 17.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// The normal-return model of a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// R_it = α_i + β_i R_mt + ε_it.
    #[default]
    Market,
}

impl ModelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Market => "market",
        }
    }

    /// Number of estimated parameters k.
    pub fn n_params(self) -> usize {
        match self {
            ModelKind::Market => 2,
        }
    }

    /// The unscaled regressor row of a return spanning `span` sessions with market return
    /// `m` over the same sessions: [d, m] for the market model.
    #[inline]
    pub fn row(self, span: f64, m: f64) -> [f64; 2] {
        match self {
            ModelKind::Market => [span, m],
        }
    }
}

/// One estimation observation: a return `y` spanning `span` sessions and its unscaled row.
#[derive(Debug, Clone, Copy)]
pub struct Obs {
    pub y: f64,
    pub span: f64,
    pub x: [f64; 2],
}

/// A fitted linear normal-return model.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedModel {
    pub kind: ModelKind,
    /// Coefficients (α, β for the market model).
    pub coef: Vec<f64>,
    /// (X'X)⁻¹ of the scaled estimation design.
    pub xtx_inv: DMatrix<f64>,
    /// Residual variance s² = Σ ε̂² / (M - k), on the scaled residuals.
    pub s2: f64,
    /// M: number of estimation observations (a span return is one).
    pub n_obs: usize,
    /// Weighted R²: 1 - SSE/SST with SST = Σ (y - d·ȳ)²/d, ȳ = Σy/Σd.
    pub r2: f64,
}

impl FittedModel {
    /// Fits the model by (span-weighted) OLS.
    ///
    /// # Errors
    /// Fewer observations than parameters + 1, or a singular design (e.g. a constant market).
    pub fn fit(kind: ModelKind, obs: &[Obs]) -> Result<FittedModel, String> {
        let k = kind.n_params();
        let m = obs.len();
        if m <= k {
            return Err(format!("{m} estimation returns for {k} parameters"));
        }
        let mut xtx = DMatrix::<f64>::zeros(k, k);
        let mut xty = DVector::<f64>::zeros(k);
        for o in obs {
            let w = 1.0 / o.span;
            for a in 0..k {
                xty[a] += o.x[a] * o.y * w;
                for b in 0..k {
                    xtx[(a, b)] += o.x[a] * o.x[b] * w;
                }
            }
        }
        // Scale-invariant singularity check: Cholesky of the correlation form D·X'X·D with
        // D = diag(1/√(X'X)_aa); a pivot below 1e-10 means collinear regressors.
        let singular = || "the estimation design is singular (constant market return?)".to_string();
        let scale = DVector::<f64>::from_iterator(k, (0..k).map(|a| 1.0 / xtx[(a, a)].sqrt()));
        if scale.iter().any(|v| !v.is_finite()) {
            return Err(singular());
        }
        let corr = DMatrix::<f64>::from_fn(k, k, |a, b| xtx[(a, b)] * scale[a] * scale[b]);
        let chol = corr.cholesky().ok_or_else(singular)?;
        if (0..k).any(|a| chol.l_dirty()[(a, a)].powi(2) < 1e-10) {
            return Err(singular());
        }
        let inv_corr = chol.inverse();
        let xtx_inv = DMatrix::<f64>::from_fn(k, k, |a, b| inv_corr[(a, b)] * scale[a] * scale[b]);
        let coef = &xtx_inv * &xty;
        let (mut sse, mut sum_y, mut sum_d) = (0.0, 0.0, 0.0);
        for o in obs {
            let fit: f64 = (0..k).map(|a| o.x[a] * coef[a]).sum();
            sse += (o.y - fit).powi(2) / o.span;
            sum_y += o.y;
            sum_d += o.span;
        }
        let ybar = sum_y / sum_d;
        let sst: f64 = obs
            .iter()
            .map(|o| (o.y - o.span * ybar).powi(2) / o.span)
            .sum();
        Ok(FittedModel {
            kind,
            coef: coef.iter().copied().collect(),
            xtx_inv,
            s2: sse / (m - k) as f64,
            n_obs: m,
            r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
        })
    }

    /// Normal (expected) return for an unscaled row x: x'b.
    #[inline]
    pub fn normal(&self, x: &[f64; 2]) -> f64 {
        x.iter().zip(&self.coef).map(|(a, b)| a * b).sum()
    }

    /// x'(X'X)⁻¹x for an unscaled row (or sum of rows).
    #[inline]
    pub fn leverage(&self, x: &[f64; 2]) -> f64 {
        let k = self.coef.len();
        let mut q = 0.0;
        for a in 0..k {
            for b in 0..k {
                q += x[a] * self.xtx_inv[(a, b)] * x[b];
            }
        }
        q
    }

    /// Prediction-error variance of a return (or a sum of returns) with unscaled row x and
    /// total span D: s² (D + x'(X'X)⁻¹x) (Patell 1976; MacKinlay 1997).
    #[inline]
    pub fn prediction_variance(&self, x: &[f64; 2], span: f64) -> f64 {
        self.s2 * (span + self.leverage(x))
    }

    /// Degrees of freedom of the single-event t: M - k.
    pub fn dof(&self) -> usize {
        self.n_obs - self.coef.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obs(y: f64, m: f64, d: f64) -> Obs {
        Obs {
            y,
            span: d,
            x: ModelKind::Market.row(d, m),
        }
    }

    /// Textbook formula (MacKinlay 1997, eq. 8): with all spans 1 the prediction variance is
    /// s²[1 + 1/M + (R_m - R̄_m)²/S_mm]; checked against a plain computation.
    #[test]
    fn span_one_variance_matches_textbook() {
        let ms = [0.01, -0.02, 0.005, 0.03, -0.01, 0.0, 0.015];
        let ys = [0.012, -0.018, 0.002, 0.041, -0.007, 0.001, 0.02];
        let o: Vec<Obs> = ms.iter().zip(ys).map(|(&m, y)| obs(y, m, 1.0)).collect();
        let f = FittedModel::fit(ModelKind::Market, &o).expect("fit");
        let n = ms.len() as f64;
        let mbar = ms.iter().sum::<f64>() / n;
        let ybar = ys.iter().sum::<f64>() / n;
        let smm: f64 = ms.iter().map(|m| (m - mbar).powi(2)).sum();
        let smy: f64 = ms
            .iter()
            .zip(ys)
            .map(|(m, y)| (m - mbar) * (y - ybar))
            .sum();
        let beta = smy / smm;
        let alpha = ybar - beta * mbar;
        assert!((f.coef[0] - alpha).abs() < 1e-14 && (f.coef[1] - beta).abs() < 1e-14);
        let sse: f64 = ms
            .iter()
            .zip(ys)
            .map(|(m, y)| (y - alpha - beta * m).powi(2))
            .sum();
        let s2 = sse / (n - 2.0);
        assert!((f.s2 - s2).abs() < 1e-15);
        let rm = 0.025;
        let v = s2 * (1.0 + 1.0 / n + (rm - mbar).powi(2) / smm);
        assert!((f.prediction_variance(&[1.0, rm], 1.0) - v).abs() < 1e-15);
        let sst: f64 = ys.iter().map(|y| (y - ybar).powi(2)).sum();
        assert!((f.r2 - (1.0 - sse / sst)).abs() < 1e-12);
    }

    #[test]
    fn constant_market_is_singular() {
        let o: Vec<Obs> = (0..10).map(|i| obs(i as f64 * 0.001, 0.01, 1.0)).collect();
        assert!(FittedModel::fit(ModelKind::Market, &o).is_err());
    }

    proptest! {
        /// The market model recovers α and β exactly from noise-free r = α + β·r_m, also with
        /// span returns (r = α·d + β·m).
        #[test]
        fn recovers_alpha_beta(alpha in -0.01f64..0.01, beta in -2.0f64..3.0,
                               ms in proptest::collection::vec(-0.05f64..0.05, 20..60),
                               spans in proptest::collection::vec(1u32..4, 60)) {
            let o: Vec<Obs> = ms.iter().zip(&spans).map(|(&m, &d)| {
                let d = d as f64;
                obs(alpha * d + beta * m, m, d)
            }).collect();
            prop_assume!({
                let mbar = ms.iter().sum::<f64>() / ms.len() as f64;
                ms.iter().map(|m| (m - mbar).powi(2)).sum::<f64>() > 1e-6
            });
            let f = FittedModel::fit(ModelKind::Market, &o).expect("fit");
            prop_assert!((f.coef[0] - alpha).abs() < 1e-10);
            prop_assert!((f.coef[1] - beta).abs() < 1e-9);
            prop_assert!(f.s2 < 1e-20);
        }
    }
}
