//! Multiple-testing corrections of a family of m p-values (R's `p.adjust`).
//!
//! With p_(1) ≤ … ≤ p_(m) sorted (ties get equal adjusted values whatever their order):
//!
//! | method | adjusted p |
//! |---|---|
//! | Bonferroni | min(1, m·p_i) |
//! | Holm (1979), step-down, controls the family-wise error rate | p̃_(i) = min(1, max_{j≤i} (m − j + 1) p_(j)) |
//! | Hochberg (1988), step-up FWER (independent or positively dependent tests) | p̃_(i) = min(1, min_{j≥i} (m − j + 1) p_(j)) |
//! | Benjamini & Hochberg (1995), false discovery rate | p̃_(i) = min(1, min_{j≥i} (m/j) p_(j)) |
//! | Benjamini & Yekutieli (2001), FDR under any dependence | as BH times q = Σ_{k=1}^{m} 1/k |
//!
//! Non-finite p-values are left out of the family (their adjusted value is NaN), so m counts
//! the tests that produced a p-value.
//!
//! # References
//! Holm, S. (1979), Scandinavian Journal of Statistics 6(2), 65–70. Hochberg, Y. (1988),
//! Biometrika 75(4), 800–802. Benjamini, Y., Hochberg, Y. (1995), JRSS B 57(1), 289–300.
//! Benjamini, Y., Yekutieli, D. (2001), Annals of Statistics 29(4), 1165–1188.

use serde::Serialize;

/// A correction method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjust {
    Bonferroni,
    Holm,
    Hochberg,
    BenjaminiHochberg,
    BenjaminiYekutieli,
}

/// The adjusted p-values of `p`, in the input's order.
pub fn adjust(p: &[f64], method: Adjust) -> Vec<f64> {
    let idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    if m == 0 {
        return out;
    }
    let mf = m as f64;
    let mut order = idx.clone();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let sorted: Vec<f64> = order.iter().map(|&i| p[i]).collect();
    let adj: Vec<f64> = match method {
        Adjust::Bonferroni => sorted.iter().map(|v| (mf * v).min(1.0)).collect(),
        Adjust::Holm => {
            let mut run = 0.0f64;
            sorted
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    run = run.max((mf - j as f64) * v);
                    run.min(1.0)
                })
                .collect()
        }
        Adjust::Hochberg => step_up(&sorted, |j| mf - j as f64),
        Adjust::BenjaminiHochberg => step_up(&sorted, |j| mf / (j + 1) as f64),
        Adjust::BenjaminiYekutieli => {
            let q: f64 = (1..=m).map(|k| 1.0 / k as f64).sum();
            step_up(&sorted, |j| q * mf / (j + 1) as f64)
        }
    };
    for (pos, &i) in order.iter().enumerate() {
        out[i] = adj[pos];
    }
    // Tied p-values get the same adjusted value (the step-down/up values of a tie block
    // can differ only by the order inside it).
    for a in 0..order.len() {
        let mut b = a;
        while b + 1 < order.len() && sorted[b + 1] == sorted[a] {
            b += 1;
        }
        if b > a {
            let v = match method {
                Adjust::Holm => adj[b],
                _ => adj[a],
            };
            for &i in &order[a..=b] {
                out[i] = v;
            }
        }
    }
    out
}

/// min(1, min_{j≥i} factor(j)·p_(j)) over sorted p (j 0-based).
fn step_up(sorted: &[f64], factor: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut out = vec![0.0; sorted.len()];
    let mut run = f64::INFINITY;
    for j in (0..sorted.len()).rev() {
        run = run.min(factor(j) * sorted[j]);
        out[j] = run.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-checked family of four: sorted 0.01, 0.02, 0.03, 0.5.
    #[test]
    fn holm_and_bh_by_hand() {
        let p = [0.03, 0.5, 0.01, 0.02];
        let h = adjust(&p, Adjust::Holm);
        // Holm: 4·0.01 = 0.04, max(0.04, 3·0.02) = 0.06, max(0.06, 2·0.03) = 0.06, 0.5.
        let want_h = [0.06, 0.5, 0.04, 0.06];
        let bh = adjust(&p, Adjust::BenjaminiHochberg);
        // BH: 0.5·4/4 = 0.5; min(0.5, 0.03·4/3) = 0.04; min(0.04, 0.02·2) = 0.04; 0.01·4 = 0.04.
        let want_bh = [0.04, 0.5, 0.04, 0.04];
        for i in 0..4 {
            assert!((h[i] - want_h[i]).abs() < 1e-15, "holm {i}: {}", h[i]);
            assert!((bh[i] - want_bh[i]).abs() < 1e-15, "bh {i}: {}", bh[i]);
        }
        let with_nan = adjust(&[0.01, f64::NAN], Adjust::Holm);
        assert_eq!(with_nan[0], 0.01);
        assert!(with_nan[1].is_nan());
    }
}
