//! The model's design row of each session of one security's timeline: the market return,
//! factors and risk-free rate over the session's trade-to-trade span, and market leads and
//! lags.

use super::ModelData;
use crate::model::{Design, Inputs, MAX_K, ModelSpec};
use crate::returns::{ReturnKind, Timeline};

/// The market return over the `d` sessions ending at session `i + k` (NaN if outside the
/// calendar or a price is missing).
#[inline]
fn market_over(px: &[f64], i: usize, d: usize, k: i64, kind: ReturnKind) -> f64 {
    let end = i as i64 + k;
    let start = end - d as i64;
    if start < 0 || end >= px.len() as i64 {
        return f64::NAN;
    }
    kind.ret(px[start as usize], px[end as usize])
}

/// Builds the model's design on the sessions of one timeline.
pub(super) struct Designer<'a> {
    pub(super) spec: &'a ModelSpec,
    pub(super) tl: &'a Timeline,
    pub(super) data: ModelData<'a>,
    pub(super) kind: ReturnKind,
}

impl Designer<'_> {
    /// The design of the return observed on session `i`; None if there is no return or a
    /// model input is missing.
    pub(super) fn at(&self, i: usize) -> Option<Design> {
        let (ret, span) = (self.tl.ret[i], self.tl.span[i]);
        if !ret.is_finite() || span == 0 {
            return None;
        }
        let d = span as usize;
        let mut fbuf = [f64::NAN; MAX_K];
        let mut lbuf = [f64::NAN; MAX_K];
        let mut rf = 0.0;
        let mut nf = 0;
        if let Some(fac) = self.data.factors {
            if self.spec.uses_factors() {
                nf = self.spec.factors.len();
                for (j, f) in fbuf.iter_mut().enumerate().take(nf) {
                    *f = fac.factor(j, i, d, self.kind);
                }
            }
            if self.spec.uses_rf() {
                rf = fac.rf(i, d, self.kind);
            }
        }
        let lags = self.spec.market_lags() as i64;
        let mut nl = 0;
        if lags > 0
            && let Some(px) = self.data.market_px
        {
            for (j, k) in (-lags..=lags).enumerate() {
                lbuf[j] = market_over(px, i, d, k, self.kind);
            }
            nl = (2 * lags + 1) as usize;
        }
        self.spec.design(&Inputs {
            span: span as f64,
            market: self.tl.market_ret[i],
            rf,
            factors: &fbuf[..nf],
            market_lags: &lbuf[..nl],
        })
    }
}
