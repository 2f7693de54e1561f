//! The fitted normal-return model: configuration ([`super::ModelSpec`]) → [`FittedModel::fit`]
//! on estimation observations → an immutable model that predicts normal returns and their
//! prediction-error variances.

use nalgebra::DMatrix;
use serde::Serialize;

use super::garch::{self, GarchError, GarchFit, Series, Variance};
use super::ols::{ols, sums};
use super::{Design, ModelKind, ModelSpec, Row};

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error("{m} estimation returns for {k} parameters")]
    TooFew { m: usize, k: usize },
    #[error("the estimation design is singular (constant market return or factor?)")]
    Singular,
    #[error("{0}")]
    Garch(GarchError),
}

/// One estimation observation: the dependent return `y` (the return minus the model's
/// offset) spanning `span` sessions, and its unscaled estimation row.
#[derive(Debug, Clone, Copy)]
pub struct Obs {
    pub y: f64,
    pub span: f64,
    pub x: Row,
}

/// A named parameter of a fitted model with its standard error (NaN where none is computed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: String,
    pub value: f64,
    pub std_error: f64,
}

/// A fitted normal-return model.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedModel {
    pub kind: ModelKind,
    /// Coefficients b of the prediction row (α, β for the market model; empty for
    /// market-adjusted returns).
    pub coef: Vec<f64>,
    /// (X'X)⁻¹ of the scaled estimation design of the prediction rows (k × k).
    pub xtx_inv: DMatrix<f64>,
    /// Residual variance s² = Σ ε̂²/d / (M - k), on the scaled residuals.
    pub s2: f64,
    /// M: number of estimation observations (a span return is one).
    pub n_obs: usize,
    /// Weighted R²: 1 - SSE/SST with SST = Σ (y - d·ȳ)²/d, ȳ = Σy/Σd (NaN for
    /// market-adjusted returns).
    pub r2: f64,
    /// Every parameter with its name and standard error (the coefficients, then derived ones:
    /// β⁻, β⁰, β⁺, ρ_m for Scholes-Williams, β_D for Dimson).
    pub params: Vec<Param>,
    /// The conditional variance of `garch` and `egarch` (None for the other models).
    pub conditional: Option<Conditional>,
}

/// A fitted conditional variance and where its estimation window ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditional {
    pub fit: GarchFit,
    /// Calendar index of the last estimation observation's session.
    pub last_session: usize,
}

impl FittedModel {
    /// Fits the model on estimation observations built with [`ModelSpec::design`] (rows `est`,
    /// `y` = return - offset).
    ///
    /// # Errors
    /// Fewer observations than parameters + 1, or a singular design (e.g. a constant market).
    ///
    /// # Example
    /// ```
    /// use evimpact::model::{FittedModel, ModelKind, ModelSpec, Obs, MAX_K};
    /// let row = |d: f64, m: f64| { let mut x = [0.0; MAX_K]; x[0] = d; x[1] = m; x };
    /// let obs: Vec<Obs> = [0.01, -0.02, 0.005, 0.03]
    ///     .iter()
    ///     .map(|&m| Obs { y: 0.001 + 1.5 * m, span: 1.0, x: row(1.0, m) })
    ///     .collect();
    /// let f = FittedModel::fit(&ModelSpec::new(ModelKind::Market), &obs).unwrap();
    /// assert!((f.coef[1] - 1.5).abs() < 1e-12);
    /// ```
    pub fn fit(spec: &ModelSpec, obs: &[Obs]) -> Result<FittedModel, FitError> {
        if matches!(spec.kind, ModelKind::Garch | ModelKind::Egarch) {
            // Consecutive observations: each return's session follows the previous return's
            // span.
            let sessions: Vec<usize> = obs
                .iter()
                .scan(0usize, |at, o| {
                    *at += o.span.max(1.0) as usize;
                    Some(*at)
                })
                .collect();
            return Self::fit_sessions(spec, obs, &sessions);
        }
        let k = spec.n_params();
        let m = obs.len();
        if m <= k {
            return Err(FitError::TooFew { m, k });
        }
        let names = spec.coef_names();
        let se = |s2: f64, inv: &DMatrix<f64>, a: usize| (s2 * inv[(a, a)]).sqrt();
        match spec.kind {
            ModelKind::MarketAdjusted => {
                let sse: f64 = obs.iter().map(|o| o.y * o.y / o.span).sum();
                Ok(FittedModel {
                    kind: spec.kind,
                    coef: vec![],
                    xtx_inv: DMatrix::zeros(0, 0),
                    s2: sse / m as f64,
                    n_obs: m,
                    r2: f64::NAN,
                    params: vec![],
                    conditional: None,
                })
            }
            ModelKind::ScholesWilliams => Self::fit_scholes_williams(obs),
            _ => {
                let cols: Vec<usize> = (0..k).collect();
                let o = ols(obs, &cols)?;
                let (sse, sst) = sums(obs, &o.coef, &cols);
                let s2 = sse / (m - k) as f64;
                let mut params: Vec<Param> = names
                    .into_iter()
                    .enumerate()
                    .map(|(a, name)| Param {
                        name,
                        value: o.coef[a],
                        std_error: se(s2, &o.xtx_inv, a),
                    })
                    .collect();
                if spec.kind == ModelKind::Dimson {
                    // β_D = 1'b over the lead/lag coefficients; Var = s² 1'(X'X)⁻¹1.
                    let idx = 1..k;
                    let v: f64 = idx
                        .clone()
                        .flat_map(|a| idx.clone().map(move |b| (a, b)))
                        .map(|(a, b)| o.xtx_inv[(a, b)])
                        .sum();
                    params.push(Param {
                        name: "beta_dimson".into(),
                        value: o.coef[1..].iter().sum(),
                        std_error: (s2 * v).sqrt(),
                    });
                }
                Ok(FittedModel {
                    kind: spec.kind,
                    coef: o.coef,
                    xtx_inv: o.xtx_inv,
                    s2,
                    n_obs: m,
                    r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
                    params,
                    conditional: None,
                })
            }
        }
    }

    /// Scholes & Williams (1977) on rows [d, m_-1, m_0, m_+1]: β⁻, β⁰, β⁺ from three
    /// span-weighted simple regressions of y on [d, m_k]; ρ_m the span-weighted correlation
    /// of (m_0, m_-1) over the estimation observations (Pearson's r when all spans are 1);
    /// β_SW = (β⁻ + β⁰ + β⁺)/(1 + 2ρ_m); α_SW = (Σy - β_SW Σm_0)/Σd (mean(R) - β_SW mean(R_m)
    /// when all spans are 1).
    ///
    /// Standard errors, conditional on the market returns (as OLS standard errors are on the
    /// regressors): each β_k is linear in y, β_k = Σ_o w_ko y_o with w_k = A_k⁻¹x_ko/d_o (A_k
    /// = Σ x x'/d of its regression), and ρ_m depends on the market only, so β_SW = Σ_o w_o y_o
    /// with w = (w_- + w_0 + w_+)/(1 + 2ρ_m) and α_SW = Σ_o a_o y_o with a_o = (1 - w_o Σm_0)/Σd;
    /// with Var(y_o) = d_o σ², SE(β_SW) = s √(Σ_o d_o w_o²) and SE(α_SW) = s √(Σ_o d_o a_o²), s²
    /// the model's residual variance. SE(β_k) is its own regression's OLS standard error
    /// (s_k² (A_k⁻¹)_11, s_k² from that regression's residuals), SE(ρ_m) the large-sample
    /// (1 − ρ_m²)/√M of a correlation coefficient.
    fn fit_scholes_williams(obs: &[Obs]) -> Result<FittedModel, FitError> {
        let m = obs.len();
        let simple = |c: usize| -> Result<(f64, f64, Vec<f64>), FitError> {
            let o = ols(obs, &[0, c])?;
            let (sse, _) = sums(obs, &o.coef, &[0, c]);
            let se = (sse / (m - 2) as f64 * o.xtx_inv[(1, 1)]).sqrt();
            // Weight of each y_o in the slope: (A⁻¹ x_o)_1 / d_o.
            let w = obs
                .iter()
                .map(|x| (o.xtx_inv[(1, 0)] * x.x[0] + o.xtx_inv[(1, 1)] * x.x[c]) / x.span)
                .collect();
            Ok((o.coef[1], se, w))
        };
        let ((b_minus, se_minus, w_minus), (b_0, se_0, w_0), (b_plus, se_plus, w_plus)) =
            (simple(1)?, simple(2)?, simple(3)?);
        let sum_d: f64 = obs.iter().map(|o| o.span).sum();
        let mean = |c: usize| obs.iter().map(|o| o.x[c]).sum::<f64>() / sum_d;
        let (mu0, mu1) = (mean(2), mean(1));
        let (mut c01, mut c00, mut c11) = (0.0, 0.0, 0.0);
        for o in obs {
            let (a, b) = (o.x[2] - o.span * mu0, o.x[1] - o.span * mu1);
            c01 += a * b / o.span;
            c00 += a * a / o.span;
            c11 += b * b / o.span;
        }
        let rho = c01 / (c00 * c11).sqrt();
        let b_sw = (b_minus + b_0 + b_plus) / (1.0 + 2.0 * rho);
        let sum_y: f64 = obs.iter().map(|o| o.y).sum();
        let alpha = (sum_y - b_sw * mu0 * sum_d) / sum_d;
        let design = ols(obs, &[0, 2])?;
        let coef = vec![alpha, b_sw];
        let (sse, sst) = sums(obs, &coef, &[0, 2]);
        let s2 = sse / (m - 2) as f64;
        let sum_m0 = mu0 * sum_d;
        let (mut vb, mut va) = (0.0, 0.0);
        for (o, ((a, b), c)) in obs.iter().zip(w_minus.iter().zip(&w_0).zip(&w_plus)) {
            let w = (a + b + c) / (1.0 + 2.0 * rho);
            let aw = (1.0 - w * sum_m0) / sum_d;
            vb += o.span * w * w;
            va += o.span * aw * aw;
        }
        let p = |name: &str, value: f64, std_error: f64| Param {
            name: name.into(),
            value,
            std_error,
        };
        Ok(FittedModel {
            kind: ModelKind::ScholesWilliams,
            params: vec![
                p("alpha", alpha, (s2 * va).sqrt()),
                p("beta_sw", b_sw, (s2 * vb).sqrt()),
                p("beta_minus", b_minus, se_minus),
                p("beta_0", b_0, se_0),
                p("beta_plus", b_plus, se_plus),
                p("rho_m", rho, (1.0 - rho * rho) / (m as f64).sqrt()),
            ],
            coef,
            xtx_inv: design.xtx_inv,
            s2,
            n_obs: m,
            r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
            conditional: None,
        })
    }

    /// Fits the model on estimation observations observed on calendar sessions `sessions`
    /// (increasing, one per observation): a conditional-variance model (`garch`, `egarch`)
    /// runs its recursion over those sessions (see [`super::garch`]); the other models are
    /// [`FittedModel::fit`].
    ///
    /// # Errors
    /// As [`FittedModel::fit`]; for GARCH/EGARCH also a likelihood that did not converge.
    pub fn fit_sessions(
        spec: &ModelSpec,
        obs: &[Obs],
        sessions: &[usize],
    ) -> Result<FittedModel, FitError> {
        let variance = match spec.kind {
            ModelKind::Garch => Variance::Garch,
            ModelKind::Egarch => Variance::Egarch,
            _ => return Self::fit(spec, obs),
        };
        let m = obs.len();
        let np = 2 + variance.n_params();
        if m <= np || sessions.len() != m {
            return Err(FitError::TooFew { m, k: np });
        }
        let series = Series {
            y: obs.iter().map(|o| o.y).collect(),
            x: obs.iter().map(|o| [o.x[0], o.x[1]]).collect(),
            span: obs.iter().map(|o| (o.span.max(1.0)) as u32).collect(),
            steps: (0..m)
                .map(|j| {
                    let d = obs[j].span.max(1.0) as u32;
                    if j == 0 {
                        d
                    } else {
                        ((sessions[j] - sessions[j - 1]) as u32).max(d)
                    }
                })
                .collect(),
            k_mean: 2,
        };
        let g = garch::fit(variance, &series).map_err(FitError::Garch)?;
        let design = ols(obs, &[0, 1])?;
        let coef = g.theta[..2].to_vec();
        let (sse, sst) = sums(obs, &coef, &[0, 1]);
        let mut params: Vec<Param> = ["alpha", "beta"]
            .iter()
            .chain(variance.names())
            .enumerate()
            .map(|(i, name)| Param {
                name: (*name).into(),
                value: g.theta[i],
                std_error: g.std_errors[i],
            })
            .collect();
        let nan = f64::NAN;
        for (name, value) in [
            ("persistence", g.persistence()),
            ("loglik", g.loglik),
            ("h1", g.h1),
        ] {
            params.push(Param {
                name: name.into(),
                value,
                std_error: nan,
            });
        }
        Ok(FittedModel {
            kind: spec.kind,
            coef,
            xtx_inv: design.xtx_inv,
            s2: sse / (m - 2) as f64,
            n_obs: m,
            r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
            params,
            conditional: Some(Conditional {
                fit: g,
                last_session: sessions[m - 1],
            }),
        })
    }

    /// For a conditional-variance model: the variance forecast of a return observed on
    /// calendar session `session` (after the estimation window) spanning `span` sessions, the
    /// sum of its sessions' forecasts from the end of the estimation window (the shock's
    /// variance, without the mean parameters' estimation error, which
    /// [`FittedModel::conditional_mean_variance`] adds for the prediction-error variance
    /// Σh + x'Vx). None for the other models.
    pub fn conditional_variance(&self, session: usize, span: u32) -> Option<f64> {
        let c = self.conditional.as_ref()?;
        let k = session.checked_sub(c.last_session).filter(|k| *k > 0)?;
        Some(c.fit.span_variance(k, span))
    }

    /// For a conditional-variance model: x'Vx, the variance of x'μ̂ for an unscaled
    /// prediction row (or sum of rows) x, V = (Σ_t x_t x_t'/H_t)⁻¹ the GLS covariance of the
    /// mean coefficients ([`super::garch::mean_covariance`]); an AR's prediction-error
    /// variance is [`FittedModel::conditional_variance`] + this (the market model's
    /// s²(D + x'(X'X)⁻¹x) with h for s²). None for the other models.
    pub fn conditional_mean_variance(&self, x: &[f64]) -> Option<f64> {
        Some(self.conditional.as_ref()?.fit.mean_variance(x))
    }

    /// x'b for an unscaled prediction row x (the normal return is `offset + x'b`).
    #[inline]
    pub fn normal(&self, x: &[f64]) -> f64 {
        x.iter().zip(&self.coef).map(|(a, b)| a * b).sum()
    }

    /// The normal (expected) return of one observation: offset + x'b.
    #[inline]
    pub fn predict(&self, d: &Design) -> f64 {
        d.offset + self.normal(&d.pred)
    }

    /// x'(X'X)⁻¹x for an unscaled row (or sum of rows); only the first k elements are read.
    #[inline]
    pub fn leverage(&self, x: &[f64]) -> f64 {
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
    pub fn prediction_variance(&self, x: &[f64], span: f64) -> f64 {
        self.s2 * (span + self.leverage(x))
    }

    /// Degrees of freedom of the single-event t: M - k.
    pub fn dof(&self) -> usize {
        self.n_obs - self.coef.len()
    }

    /// The intercept (α; the mean return for the constant-mean model); `None` for
    /// market-adjusted returns.
    pub fn alpha(&self) -> Option<f64> {
        self.coef.first().copied()
    }

    /// The market beta: β (market, CAPM), β_SW, β_D = Σ b_k, or the loading on the first
    /// factor (Mkt-RF in the Fama-French files); `None` for constant-mean and market-adjusted
    /// returns.
    pub fn beta(&self) -> Option<f64> {
        match self.kind {
            ModelKind::ConstantMean | ModelKind::MarketAdjusted => None,
            ModelKind::Dimson => Some(self.coef[1..].iter().sum()),
            _ => self.coef.get(1).copied(),
        }
    }
}
