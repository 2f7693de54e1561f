//! Shapiro–Wilk test of normality, Royston's (1995) algorithm AS R94 as in R's `swilk.c`
//! (`shapiro.test`), for 3 ≤ n ≤ 5000.
//!
//! On the sorted sample x_(1) ≤ … ≤ x_(n): m_i = Φ⁻¹((i − 0.375)/(n + 0.25)) for i ≤ n/2,
//! summ2 = 2Σm_i²; with u = 1/√n, a_1 = c1(u) − m_1/√summ2 and (n > 5) a_2 = c2(u) −
//! m_2/√summ2, the other a_i = −m_i/fac with fac = √((summ2 − 2m_1² − 2m_2²)/(1 − 2a_1² −
//! 2a_2²)); the coefficients are antisymmetric. W is the squared correlation of x_(i) with
//! the coefficients, computed as 1 − W = (√(ssa·ssx) − sax)(√(ssa·ssx) + sax)/(ssa·ssx) on
//! x/range. p-value: n = 3 exact; 4 ≤ n ≤ 11: y = −ln(γ − ln(1 − W)), γ = −2.273 + 0.459n;
//! n ≥ 12: y = ln(1 − W); then P(Z > (y − μ)/σ) with Royston's polynomials μ, σ in n or ln n.
//!
//! Φ⁻¹ is Wichura's AS 241 (R's `qnorm`).
//!
//! # References
//! Shapiro, S., Wilk, M. (1965), Biometrika 52(3/4), 591–611. Royston, P. (1992), Statistics
//! and Computing 2(3), 117–119; (1995), Applied Statistics 44(4), 547–551 (AS R94).
//! Wichura, M. (1988), Applied Statistics 37(3), 477–484 (AS 241).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// W and its p-value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapiroWilk {
    pub n: usize,
    pub w: f64,
    pub p: f64,
}

/// Shapiro–Wilk on the finite values of `x`; NaN outside 3 ≤ n ≤ 5000 or for a constant
/// sample.
pub fn shapiro_wilk(x: &[f64]) -> ShapiroWilk {
    let mut v: Vec<f64> = x.iter().copied().filter(|a| a.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let nan = ShapiroWilk {
        n,
        w: f64::NAN,
        p: f64::NAN,
    };
    if !(3..=5000).contains(&n) {
        return nan;
    }
    let rng = v[n - 1] - v[0];
    if rng == 0.0 {
        return nan;
    }
    if rng < 1e-10 {
        for a in &mut v {
            *a /= rng;
        }
    }
    match swilk(&v) {
        Some((w, p)) => ShapiroWilk { n, w, p },
        None => nan,
    }
}

/// R's `poly` in swilk.c: c_0 + x(c_1 + x(c_2 + …)), evaluated in its order.
fn poly(cc: &[f64], x: f64) -> f64 {
    let nord = cc.len();
    let mut ret = cc[0];
    if nord > 1 {
        let mut p = x * cc[nord - 1];
        for j in (1..nord - 1).rev() {
            p = (p + cc[j]) * x;
        }
        ret += p;
    }
    ret
}

/// Coefficients computed for one sample size are kept for the next sample of that size (the
/// estimation windows of a study mostly have one length); at most this many sizes a thread.
const KEPT_SIZES: usize = 64;

thread_local! {
    static COEFFICIENTS: std::cell::RefCell<std::collections::HashMap<usize, std::rc::Rc<[f64]>>> =
        Default::default();
}

/// The coefficients a[1..=n/2] of a sample of `n` (a[0] unused, 1-based as in the C
/// code), computed once per size and thread (the same operations each time: the same bits).
fn coefficients(n: usize) -> std::rc::Rc<[f64]> {
    COEFFICIENTS.with(|c| {
        let mut kept = c.borrow_mut();
        if let Some(a) = kept.get(&n) {
            return a.clone();
        }
        if kept.len() >= KEPT_SIZES {
            kept.clear();
        }
        let a: std::rc::Rc<[f64]> = coefficients_of(n).into();
        kept.insert(n, a.clone());
        a
    })
}

/// [`coefficients`] computed.
fn coefficients_of(n: usize) -> Vec<f64> {
    const C1: [f64; 6] = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
    const C2: [f64; 6] = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
    let nn2 = n / 2;
    let an = n as f64;
    // a[1..=nn2], 1-based as in the C code.
    let mut a = vec![0.0; nn2 + 1];
    if n == 3 {
        a[1] = 0.5f64.sqrt();
    } else {
        let an25 = an + 0.25;
        let mut summ2 = 0.0;
        for (i, ai) in a.iter_mut().enumerate().skip(1) {
            *ai = qnorm((i as f64 - 0.375) / an25);
            summ2 += *ai * *ai;
        }
        summ2 *= 2.0;
        let ssumm2 = summ2.sqrt();
        let rsn = 1.0 / an.sqrt();
        let a1 = poly(&C1, rsn) - a[1] / ssumm2;
        let (i1, fac);
        if n > 5 {
            i1 = 3;
            let a2 = -a[2] / ssumm2 + poly(&C2, rsn);
            fac = ((summ2 - 2.0 * (a[1] * a[1]) - 2.0 * (a[2] * a[2]))
                / (1.0 - 2.0 * (a1 * a1) - 2.0 * (a2 * a2)))
                .sqrt();
            a[2] = a2;
        } else {
            i1 = 2;
            fac = ((summ2 - 2.0 * (a[1] * a[1])) / (1.0 - 2.0 * (a1 * a1))).sqrt();
        }
        a[1] = a1;
        for ai in a.iter_mut().take(nn2 + 1).skip(i1) {
            *ai /= -fac;
        }
    }
    a
}

/// The port of `swilk` on a sorted sample: (W, p), None for a zero range.
fn swilk(x: &[f64]) -> Option<(f64, f64)> {
    const SMALL: f64 = 1e-19;
    const G: [f64; 2] = [-2.273, 0.459];
    const C3: [f64; 4] = [0.544, -0.39978, 0.025054, -6.714e-4];
    const C4: [f64; 4] = [1.3822, -0.77857, 0.062767, -0.0020322];
    const C5: [f64; 4] = [-1.5861, -0.31082, -0.083751, 0.0038915];
    const C6: [f64; 3] = [-0.4803, -0.082676, 0.0030302];
    let n = x.len();
    let an = n as f64;
    let a = coefficients(n);
    let a = &a[..];
    let range = x[n - 1] - x[0];
    if range < SMALL {
        return None;
    }
    let sign = |d: i64| -> f64 {
        match d.cmp(&0) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Less => -1.0,
            std::cmp::Ordering::Equal => 0.0,
        }
    };
    let mut sx = x[0] / range;
    let mut sa = -a[1];
    let mut i = 1usize;
    let mut j = n as i64 - 1;
    while i < n {
        let xi = x[i] / range;
        sx += xi;
        i += 1;
        if i as i64 != j {
            sa += sign(i as i64 - j) * a[(i as i64).min(j) as usize];
        }
        j -= 1;
    }
    sa /= an;
    sx /= an;
    let (mut ssa, mut ssx, mut sax) = (0.0, 0.0, 0.0);
    let mut j = n as i64 - 1;
    for (i, xv) in x.iter().enumerate() {
        let asa = if i as i64 != j {
            sign(i as i64 - j) * a[1 + (i as i64).min(j) as usize] - sa
        } else {
            -sa
        };
        let xsx = xv / range - sx;
        ssa += asa * asa;
        ssx += xsx * xsx;
        sax += asa * xsx;
        j -= 1;
    }
    let ssassx = (ssa * ssx).sqrt();
    let w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx);
    let w = 1.0 - w1;
    if n == 3 {
        // swilk.c's literals (6/π and π/3 to 15 digits), kept to match R.
        #[allow(clippy::approx_constant)]
        const PI6: f64 = 1.909_859_317_102_74;
        #[allow(clippy::approx_constant)]
        const STQR: f64 = 1.047_197_551_196_6;
        let pw = PI6 * (w.sqrt().asin() - STQR);
        return Some((w, pw.max(0.0)));
    }
    let mut y = w1.ln();
    let xx = an.ln();
    let (m, s);
    if n <= 11 {
        let gamma = poly(&G, an);
        if y >= gamma {
            return Some((w, 1e-99));
        }
        y = -(gamma - y).ln();
        m = poly(&C3, an);
        s = poly(&C4, an).exp();
    } else {
        m = poly(&C5, xx);
        s = poly(&C6, xx).exp();
    }
    let p = Normal::new(m, s).map(|d| d.sf(y)).unwrap_or(f64::NAN);
    Some((w, p))
}

/// Φ⁻¹(p), Wichura's AS 241 (PPND16), as R's `qnorm(p, 0, 1)`. The coefficients are
/// AS 241's, digits grouped from the decimal point.
#[allow(clippy::inconsistent_digit_grouping, clippy::excessive_precision)]
pub fn qnorm(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((r * 2509.080_928_730_122_7 + 33430.575_583_588_128) * r
                + 67265.770_927_008_7)
                * r
                + 45921.953_931_549_871)
                * r
                + 13731.693_765_509_461)
                * r
                + 1971.590_950_306_551_4)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_6)
            / (((((((r * 5226.495_278_852_546 + 28729.085_735_721_943) * r
                + 39307.895_800_092_71)
                * r
                + 21213.794_301_586_596)
                * r
                + 5394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((r * 7.745_450_142_783_414e-4 + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((r * 1.050_750_071_644_416_8e-9 + 5.475_938_084_995_345e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_07)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_758_8)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((r * 2.010_334_399_292_288_1e-7 + 2.711_555_568_743_487_6e-5) * r
            + 0.001_242_660_947_388_078_4)
            * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103_8)
            / (((((((r * 2.044_263_103_389_939_7e-15 + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_887_9)
                * r
                + 1.0)
    };
    if q < 0.0 { -val } else { val }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The coefficients kept per size are those computed afresh, bit for bit, through more
    /// sizes than are kept (so the memo is emptied and filled again on the way), and W of a
    /// sample is the same before and after its size's coefficients were kept.
    #[test]
    fn kept_coefficients_equal_fresh_ones() {
        let x: Vec<f64> = (0..250).map(|i| ((i * 37 % 101) as f64).sin()).collect();
        let first = shapiro_wilk(&x);
        for round in 0..2 {
            for n in (3..3 + 2 * KEPT_SIZES).chain([250, 5000]) {
                let kept = coefficients(n);
                let fresh = coefficients_of(n);
                assert_eq!(kept.len(), n / 2 + 1);
                let bits = |v: &[f64]| v.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&kept), bits(&fresh), "n = {n}, round {round}");
            }
        }
        let again = shapiro_wilk(&x);
        assert_eq!(first.w.to_bits(), again.w.to_bits());
        assert_eq!(first.p.to_bits(), again.p.to_bits());
        assert!(first.w > 0.5 && first.w < 1.0, "{first:?}");
    }

    /// AS 241 against statrs' inverse normal cdf (an independent implementation) over the
    /// three branches.
    #[test]
    fn qnorm_agrees_with_statrs() {
        let n = Normal::standard();
        for p in [
            1e-300, 1e-20, 1e-9, 0.001, 0.02, 0.075, 0.3, 0.5, 0.7, 0.925, 0.999,
        ] {
            let (a, b) = (qnorm(p), n.inverse_cdf(p));
            assert!((a - b).abs() <= 1e-13 * b.abs().max(1.0), "{p}: {a} {b}");
        }
    }

    /// n = 3 has an exact p-value; a sample of equal spacings gives W = 1 and p = 1.
    #[test]
    fn three_equal_spacings() {
        let s = shapiro_wilk(&[1.0, 2.0, 3.0]);
        assert!(
            (s.w - 1.0).abs() < 1e-12 && (s.p - 1.0).abs() < 1e-9,
            "{s:?}"
        );
        assert!(shapiro_wilk(&[1.0, 1.0, 1.0]).w.is_nan());
        assert!(shapiro_wilk(&[1.0, 2.0]).w.is_nan());
    }
}
