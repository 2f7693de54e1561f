//! Span-weighted least squares for the normal-return models: a d-session return enters as
//! y/√d on x/√d (its variance is d times a one-session variance), with a scale-invariant
//! singularity check.

use nalgebra::{DMatrix, DVector};

use super::{FitError, Obs};

/// An OLS fit of the scaled design on selected columns of the rows.
pub(super) struct Ols {
    pub(super) coef: Vec<f64>,
    pub(super) xtx_inv: DMatrix<f64>,
}

pub(super) fn singular() -> FitError {
    FitError::Singular
}

/// Span-weighted OLS: y/√d on x/√d over the columns `cols` of each row.
pub(super) fn ols(obs: &[Obs], cols: &[usize]) -> Result<Ols, FitError> {
    let k = cols.len();
    let mut xtx = DMatrix::<f64>::zeros(k, k);
    let mut xty = DVector::<f64>::zeros(k);
    for o in obs {
        let w = 1.0 / o.span;
        for a in 0..k {
            let xa = o.x[cols[a]];
            xty[a] += xa * o.y * w;
            for b in 0..k {
                xtx[(a, b)] += xa * o.x[cols[b]] * w;
            }
        }
    }
    // Scale-invariant singularity check: Cholesky of the correlation form D·X'X·D with
    // D = diag(1/√(X'X)_aa); a pivot below 1e-10 means collinear regressors.
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
    Ok(Ols {
        coef: coef.iter().copied().collect(),
        xtx_inv,
    })
}

/// SSE and SST (weighted, see [`FittedModel::r2`]) of the residuals y - x'b on the first
/// `coef.len()` columns (`cols` maps coefficients to row columns).
pub(super) fn sums(obs: &[Obs], coef: &[f64], cols: &[usize]) -> (f64, f64) {
    let (mut sse, mut sum_y, mut sum_d) = (0.0, 0.0, 0.0);
    for o in obs {
        let fit: f64 = cols.iter().zip(coef).map(|(c, b)| o.x[*c] * b).sum();
        sse += (o.y - fit).powi(2) / o.span;
        sum_y += o.y;
        sum_d += o.span;
    }
    let ybar = sum_y / sum_d;
    let sst: f64 = obs
        .iter()
        .map(|o| (o.y - o.span * ybar).powi(2) / o.span)
        .sum();
    (sse, sst)
}
