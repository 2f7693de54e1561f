//! The tolerance policy of the test suite: named tolerances, the rule that turns one into a
//! bound, and `assert_close!`, `assert_all_close!` and `prop_assert_close!`.
//!
//! This file is compiled twice: as `crate::testutil` in the library's unit tests (through
//! `src/testutil/mod.rs`, which re-exports it beside the fixtures) and as `crate::testutil`
//! in the integration tests (`tests/it/main.rs` includes it with `#[path]`, since they link
//! against the library built without `cfg(test)`). It therefore uses only `std` and
//! `proptest`, never `crate::` items: both test crates name the same tolerances and macros
//! the same way, `use crate::testutil::{assert_close, INDEPENDENT};`.
//!
//! # Which tolerance
//!
//! Pick the named tolerance by *what is compared with what*, not by what happens to pass:
//!
//! | name | value | use for |
//! | --- | --- | --- |
//! | [`EXACT`] | 4 ε ≈ 8.9e-16 | the same arithmetic: values equal by construction (an invariance that leaves every operation unchanged, such as a rank test under a monotone transform), a closed form the code evaluates with the same few operations (a product of three gross returns) |
//! | [`ROUNDOFF`] | 1e-12 | the same quantity by another route: a hand formula against the implementation's loops, another summation order, the normal equations against the textbook slope or against the noise-free true coefficients, an identity between fitted parameters, a number written with 17 significant digits and parsed back |
//! | [`INDEPENDENT`] | 1e-10 | an independent implementation: the plain second implementations of `tests/it`, a special function (statrs' erfc, incomplete beta) against another program's 16-17 digit values |
//! | [`PUBLISHED`] | 5e-4 absolute | a value read off a table printed with 3 decimals: `Tol::decimals(3)` |
//! | [`Tol::decimals`]`(d)` | 0.5·10⁻ᵈ absolute | a number printed with `d` decimals and parsed back |
//! | [`OPTIMIZER`] | 1e-4 relative | a value out of an iterative optimizer that stops at its own convergence criterion: the GARCH estimates of `tests/golden/second_stage` (see its README, "Tolerances"; no test uses it yet) |
//!
//! ε is `f64::EPSILON` (2.2e-16). Each magnitude covers the error budget of its kind of
//! comparison on the data of these tests with a wide margin (in the property tests the
//! normal equations recover noise-free coefficients to 4e-15, statrs' erfc is off by up to
//! 5e-11), so a failure means a real change, not noise.
//!
//! A test whose own bound is tighter than the tolerance of its kind keeps its bound or a
//! tighter one, never a looser one: a tighter named tolerance that passes with margin
//! (`EXACT` for a hand formula checked at 1e-14), `.abs()` (below), or a named local
//! constant with a comment saying where its magnitude comes from.
//!
//! Tolerances of sampling error (a Monte Carlo mean within a few standard errors of its
//! expectation) are statistics, not numerics: they stay at the test, derived there.
//!
//! # The rule
//!
//! `assert_close!(actual, expected, TOL)` passes when
//!
//! - both are NaN and the tolerance allows it ([`Tol::nan_eq`]); a NaN on one side only, or
//!   on both sides without `nan_eq`, fails;
//! - either is infinite: only when `actual == expected` (same sign);
//! - `actual == expected` (so a zero tolerance accepts bit-equal values, and `0.0 == -0.0`);
//! - otherwise `|actual − expected| <= bound(expected)`, where the bound depends on the
//!   scale of the tolerance:
//!   - unit (the default, every named tolerance but `PUBLISHED` and `OPTIMIZER`):
//!     `tol · max(1, |expected|)`: absolute for values up to 1 (returns, coefficients,
//!     p-values: the scale of this program's numbers), relative above;
//!   - [`Tol::abs`]: `tol`: for errors that do not grow with the value (a fixed number of
//!     printed decimals), and to keep a unit-scale bound on an O(1) test statistic above 1;
//!   - [`Tol::rel`]: `tol · |expected|`: for quantities far below 1 whose natural unit is
//!     themselves (variances s² ~ 1e-5; prices, CARs and ratios read back from a CSV).
//!
//! The scale comes from `expected` alone (the hand-computed, independent or published
//! value), as in `numpy.isclose`: the order of the arguments matters, `actual` first.
//!
//! Squared quantities that should be 0 (the s² of a noise-free fit) are compared as their
//! square root, in the units of the data: `assert_close!(f.s2.sqrt(), 0.0, ROUNDOFF)` (the
//! same as `s2 <= 1e-24`).
//!
//! Doc tests cannot use this module (they build against the library without `cfg(test)`),
//! so the one of `FittedModel::fit` writes its tolerance out.

#![allow(dead_code, unused_macros, unused_imports)] // each test crate uses a subset

use std::fmt;

/// How a tolerance becomes a bound on `|actual − expected|`; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// `tol · max(1, |expected|)`.
    Unit,
    /// `tol`.
    Abs,
    /// `tol · |expected|`.
    Rel,
}

/// A tolerance: a magnitude, the scale that turns it into a bound, and whether two NaNs
/// are equal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tol {
    pub tol: f64,
    pub scale: Scale,
    pub nan_eq: bool,
}

/// The same arithmetic: 4 ε at unit scale (4 ulps of a value near 1). For values equal by
/// construction and closed forms evaluated with the same few operations; bit-identical
/// results always pass.
pub const EXACT: Tol = Tol::new(4.0 * f64::EPSILON);

/// The same quantity by another route: 1e-12 (about 4500 ε). Covers another summation
/// order over up to ~1,000 terms, a hand formula against a loop, the normal equations
/// (Cholesky) against the textbook formula or the noise-free truth on the designs of these
/// tests, and a number written with 17 significant digits and parsed back. The default of
/// `assert_close!`.
pub const ROUNDOFF: Tol = Tol::new(1e-12);

/// An independent implementation: 1e-10. Two codes that share nothing, each off from the
/// exact value by conditioning × ε or by the accuracy of a special function: statrs' erfc
/// is off by up to 5e-11 against Python's; the plain implementations of `tests/it` agree
/// with the binary to ~3e-15 on the reference data, so 1e-10 is generous there.
/// `tests/golden/second_stage/README.md` calls this bound, relative (`INDEPENDENT.rel()`),
/// "exact" for R's golden values.
pub const INDEPENDENT: Tol = Tol::new(1e-10);

/// A value read off a table printed with 3 decimals (critical values of the normal and t
/// distributions): half a unit of the last printed digit, absolute, 5e-4.
pub const PUBLISHED: Tol = Tol::decimals(3);

/// A value out of an iterative optimizer that stops at its own convergence criterion, not
/// at roundoff: 1e-4 relative, the bound `tests/golden/second_stage/README.md` sets for the
/// GARCH/EGARCH estimates (maximum likelihood). Use a tighter bound when the optimizer's
/// stopping rule is tighter.
pub const OPTIMIZER: Tol = Tol::new(1e-4).rel();

impl Tol {
    /// A tolerance at unit scale: `tol · max(1, |expected|)`.
    pub const fn new(tol: f64) -> Tol {
        Tol {
            tol,
            scale: Scale::Unit,
            nan_eq: false,
        }
    }

    /// A number printed with `d` decimals and parsed back (or read off a table printed so):
    /// half a unit of the last digit, absolute, `0.5 · 10^-d`.
    pub const fn decimals(d: u32) -> Tol {
        let mut tol = 0.5;
        let mut i = 0;
        while i < d {
            tol /= 10.0;
            i += 1;
        }
        Tol::new(tol).abs()
    }

    /// The same magnitude as an absolute bound: `|actual − expected| <= tol`.
    pub const fn abs(self) -> Tol {
        Tol {
            scale: Scale::Abs,
            ..self
        }
    }

    /// The same magnitude as a relative bound: `|actual − expected| <= tol · |expected|`.
    pub const fn rel(self) -> Tol {
        Tol {
            scale: Scale::Rel,
            ..self
        }
    }

    /// Two NaNs compare equal (a NaN against a number still fails).
    pub const fn nan_eq(self) -> Tol {
        Tol {
            nan_eq: true,
            ..self
        }
    }

    /// The largest accepted `|actual − expected|` for a finite `expected`.
    pub fn bound(&self, expected: f64) -> f64 {
        match self.scale {
            Scale::Unit => self.tol * expected.abs().max(1.0),
            Scale::Abs => self.tol,
            Scale::Rel => self.tol * expected.abs(),
        }
    }

    /// Whether `actual` is close to `expected` under this tolerance (the rule of the module
    /// documentation).
    pub fn accepts(&self, actual: f64, expected: f64) -> bool {
        if actual.is_nan() || expected.is_nan() {
            return self.nan_eq && actual.is_nan() && expected.is_nan();
        }
        if actual == expected {
            return true;
        }
        if actual.is_infinite() || expected.is_infinite() {
            return false;
        }
        (actual - expected).abs() <= self.bound(expected)
    }
}

impl fmt::Display for Tol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scale {
            Scale::Unit => write!(f, "{:e} · max(1, |expected|)", self.tol)?,
            Scale::Abs => write!(f, "{:e} (absolute)", self.tol)?,
            Scale::Rel => write!(f, "{:e} · |expected|", self.tol)?,
        }
        if self.nan_eq {
            write!(f, ", NaN == NaN")?;
        }
        Ok(())
    }
}

/// The failure message of `assert_close!` and friends, or `None` when `actual` is close
/// to `expected`. `exprs` is the source text of (actual, expected, tolerance).
pub fn close_failure(actual: f64, expected: f64, tol: Tol, exprs: [&str; 3]) -> Option<String> {
    if tol.accepts(actual, expected) {
        return None;
    }
    let [a, e, t] = exprs;
    let diff = (actual - expected).abs();
    let bound = if expected.is_finite() {
        format!("{:e}", tol.bound(expected))
    } else {
        "exact equality (infinite expected)".to_string()
    };
    Some(format!(
        "assert_close!({a}, {e}, {t}) failed\n   actual: {a} = {actual:?}\n expected: {e} = {expected:?}\n     diff: {diff:e} > bound {bound} ({t} = {tol})"
    ))
}

/// Element by element over two slices of equal length; the message names the first index
/// that fails.
pub fn all_close_failure(
    actual: &[f64],
    expected: &[f64],
    tol: Tol,
    exprs: [&str; 3],
) -> Option<String> {
    let [a, e, t] = exprs;
    if actual.len() != expected.len() {
        return Some(format!(
            "assert_all_close!({a}, {e}, {t}) failed: lengths {} and {}\n   actual: {actual:?}\n expected: {expected:?}",
            actual.len(),
            expected.len()
        ));
    }
    actual
        .iter()
        .zip(expected)
        .position(|(x, y)| !tol.accepts(*x, *y))
        .map(|i| {
            let m = close_failure(actual[i], expected[i], tol, [a, e, t]).unwrap_or_default();
            format!("at index {i}: {m}\n   actual: {actual:?}\n expected: {expected:?}")
        })
}

/// `assert_close!(actual, expected)` (at [`ROUNDOFF`]), `assert_close!(actual, expected,
/// TOL)`, `assert_close!(actual, expected, TOL, "format", args…)`: panics unless `actual`
/// is within `TOL` of `expected` by the rule of the module documentation. The message
/// shows both expressions and values, the difference, the bound and the tolerance.
macro_rules! assert_close {
    ($actual:expr, $expected:expr $(,)?) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $crate::testutil::ROUNDOFF,
            [stringify!($actual), stringify!($expected), "ROUNDOFF"],
        ) {
            panic!("{m}");
        }
    };
    ($actual:expr, $expected:expr, $tol:expr $(,)?) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            panic!("{m}");
        }
    };
    ($actual:expr, $expected:expr, $tol:expr, $($msg:tt)+) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            panic!("{m}\n     note: {}", format_args!($($msg)+));
        }
    };
}
pub(crate) use assert_close;

/// `assert_close!` element by element over two slices (anything that derefs to `[f64]`)
/// of equal length: `assert_all_close!(actual, expected, TOL)`, optionally with a message.
macro_rules! assert_all_close {
    ($actual:expr, $expected:expr, $tol:expr $(,)?) => {
        if let Some(m) = $crate::testutil::all_close_failure(
            &$actual[..],
            &$expected[..],
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            panic!("{m}");
        }
    };
    ($actual:expr, $expected:expr, $tol:expr, $($msg:tt)+) => {
        if let Some(m) = $crate::testutil::all_close_failure(
            &$actual[..],
            &$expected[..],
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            panic!("{m}\n     note: {}", format_args!($($msg)+));
        }
    };
}
pub(crate) use assert_all_close;

/// `assert_close!` for the body of a `proptest!`: returns a test-case failure (so that
/// proptest shrinks the input) instead of panicking. Same forms as `assert_close!`.
macro_rules! prop_assert_close {
    ($actual:expr, $expected:expr $(,)?) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $crate::testutil::ROUNDOFF,
            [stringify!($actual), stringify!($expected), "ROUNDOFF"],
        ) {
            return ::core::result::Result::Err(
                ::proptest::test_runner::TestCaseError::fail(m),
            );
        }
    };
    ($actual:expr, $expected:expr, $tol:expr $(,)?) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            return ::core::result::Result::Err(
                ::proptest::test_runner::TestCaseError::fail(m),
            );
        }
    };
    ($actual:expr, $expected:expr, $tol:expr, $($msg:tt)+) => {
        if let Some(m) = $crate::testutil::close_failure(
            $actual,
            $expected,
            $tol,
            [stringify!($actual), stringify!($expected), stringify!($tol)],
        ) {
            return ::core::result::Result::Err(
                ::proptest::test_runner::TestCaseError::fail(format!(
                    "{m}\n     note: {}",
                    format_args!($($msg)+)
                )),
            );
        }
    };
}
pub(crate) use prop_assert_close;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_scale_is_absolute_below_one_and_relative_above() {
        let t = Tol::new(1e-3);
        assert!(t.accepts(0.5 + 0.9e-3, 0.5) && !t.accepts(0.5 + 1.1e-3, 0.5));
        assert!(t.accepts(0.0, 1e-3) && !t.accepts(0.0, 1.1e-3));
        assert!(t.accepts(1000.9, 1000.0) && !t.accepts(1001.1, 1000.0));
        assert!(t.accepts(-1000.9, -1000.0));
    }

    #[test]
    fn abs_and_rel_scales() {
        let a = Tol::new(1e-3).abs();
        assert!(a.accepts(1000.0009, 1000.0) && !a.accepts(1000.0011, 1000.0));
        let r = Tol::new(1e-3).rel();
        assert!(r.accepts(1.0009e-6, 1e-6) && !r.accepts(1.0011e-6, 1e-6));
        assert!(r.accepts(0.0, 0.0) && !r.accepts(1e-300, 0.0));
        assert_eq!(PUBLISHED.scale, Scale::Abs);
    }

    #[test]
    fn nan_and_infinities() {
        assert!(!ROUNDOFF.accepts(f64::NAN, f64::NAN));
        assert!(ROUNDOFF.nan_eq().accepts(f64::NAN, f64::NAN));
        assert!(!ROUNDOFF.nan_eq().accepts(f64::NAN, 0.0));
        assert!(!ROUNDOFF.nan_eq().accepts(0.0, f64::NAN));
        assert!(ROUNDOFF.accepts(f64::INFINITY, f64::INFINITY));
        assert!(!ROUNDOFF.accepts(f64::INFINITY, f64::NEG_INFINITY));
        assert!(!ROUNDOFF.accepts(1e300, f64::INFINITY));
        assert!(!Tol::new(f64::INFINITY).accepts(f64::INFINITY, 1.0));
        assert!(Tol::new(0.0).accepts(0.0, -0.0));
    }

    #[test]
    fn exact_is_a_few_ulps() {
        assert!(EXACT.accepts(0.1 + 0.2, 0.3));
        assert!(EXACT.accepts(1.0 + 4.0 * f64::EPSILON, 1.0));
        assert!(!EXACT.accepts(1.0 + 5.0 * f64::EPSILON, 1.0));
    }

    #[test]
    fn the_failure_message_shows_values_difference_and_tolerance() {
        let m = close_failure(1.5, 1.0, ROUNDOFF, ["a", "b", "ROUNDOFF"]).expect("fails");
        for part in [
            "assert_close!(a, b, ROUNDOFF)",
            "a = 1.5",
            "b = 1.0",
            "diff: 5e-1",
        ] {
            assert!(m.contains(part), "{part} in {m}");
        }
        assert!(m.contains("bound 1e-12"), "{m}");
        assert!(close_failure(1.0, 1.0, EXACT, ["a", "b", "EXACT"]).is_none());
        let m = all_close_failure(&[1.0, 2.0], &[1.0, 3.0], EXACT, ["a", "b", "EXACT"]);
        assert!(m.expect("fails").starts_with("at index 1"));
        assert!(all_close_failure(&[1.0], &[1.0, 2.0], EXACT, ["a", "b", "EXACT"]).is_some());
    }

    #[test]
    fn macros_accept_every_form() {
        assert_close!(1.0, 1.0);
        assert_close!(1.0 + 1e-13, 1.0, ROUNDOFF);
        assert_close!(2.0, 2.0, EXACT, "with a message {}", 1);
        assert_all_close!([1.0, 2.0], vec![1.0, 2.0], EXACT);
        assert_all_close!(vec![1.0], [1.0], EXACT, "n={}", 1);
        let r = std::panic::catch_unwind(|| assert_close!(1.0, 2.0, EXACT, "note {}", 7));
        let m = r.expect_err("panics");
        let m = m.downcast_ref::<String>().expect("a formatted message");
        assert!(m.contains("note 7") && m.contains("diff: 1e0"), "{m}");
    }

    proptest::proptest! {
        #[test]
        fn prop_form_returns_a_failure(x in -1.0f64..1.0) {
            prop_assert_close!(x, x);
            prop_assert_close!(x + 1e-13, x, ROUNDOFF);
            prop_assert_close!(x, x, EXACT, "x = {}", x);
            let inner = |y: f64| -> Result<(), proptest::test_runner::TestCaseError> {
                prop_assert_close!(y + 1.0, y, EXACT);
                Ok(())
            };
            proptest::prop_assert!(inner(x).is_err());
        }
    }
}
