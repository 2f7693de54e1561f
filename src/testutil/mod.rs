//! Test utilities of the unit tests: the tolerance policy and the shared fixtures. Compiled
//! only for tests (`#[cfg(test)]` in `lib.rs`).
//!
//! Three files:
//!
//! - `tolerance.rs`: the named tolerances ([`EXACT`], [`ROUNDOFF`], [`INDEPENDENT`],
//!   [`PUBLISHED`], [`OPTIMIZER`]), the rule that turns one into a bound, and
//!   `assert_close!`, `assert_all_close!`, `prop_assert_close!`. The integration tests
//!   compile the very same file as their own `crate::testutil` (`tests/it/main.rs`:
//!   `#[path = "../../src/testutil/tolerance.rs"] mod testutil;`), because they link
//!   against the library built without `cfg(test)` and so cannot reach this module. It
//!   depends on nothing of the crate, so that it compiles in both places unchanged.
//! - `xml.rs`: a well-formedness check of XML documents (the SVG charts, the workbook's
//!   parts), compiled into the integration tests the same way.
//! - this file: re-exports it and adds the fixtures of the unit tests, which need the
//!   crate's types (the integration tests go through the public API and the binary
//!   instead): the seeded generator [`Rng`] (the synthetic generator's own
//!   xoshiro256\*\*, re-exported, not copied), [`uniform`] draws from it, and
//!   [`Timeline::from_spans`](crate::returns::Timeline::from_spans), [`temp_csv`] (a loader's
//!   input file).
//!
//! Usage, in either kind of test:
//!
//! ```ignore
//! use crate::testutil::{assert_close, prop_assert_close, INDEPENDENT};
//! assert_close!(f.coef[1], beta);              // ROUNDOFF
//! assert_close!(got, want, INDEPENDENT, "{sec} τ={tau}");
//! ```

mod tolerance;
pub mod xml;

pub use tolerance::*;

pub use crate::synth::Rng;

use crate::returns::{Status, Timeline};

/// Uniform draws in `[lo, hi)` from the seeded generator: `Rng::new(seed, stream)`, so that
/// every test's pseudo-random inputs are a pure function of (seed, stream) and tests that
/// need independent draws from one seed take different streams.
pub fn uniform(seed: u64, stream: u64, lo: f64, hi: f64) -> impl FnMut() -> f64 {
    let mut r = Rng::new(seed, stream);
    move || lo + (hi - lo) * r.uniform()
}

/// A temporary `.csv` file holding `text` (removed when dropped): the input file of a
/// loader's test.
pub fn temp_csv(text: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    f.write_all(text.as_bytes()).expect("write");
    f
}

impl Timeline {
    /// A test timeline from returns, market returns and spans: span 0 marks a suspended
    /// session (no return), any other span a traded session whose return spans that many
    /// sessions.
    pub(crate) fn from_spans(ret: &[f64], market_ret: &[f64], span: &[u32]) -> Timeline {
        let n = span.len();
        let masked = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .zip(span)
                .map(|(x, d)| if *d == 0 { f64::NAN } else { *x })
                .collect()
        };
        Timeline {
            security: "X".into(),
            price_column: "close".into(),
            status: span
                .iter()
                .map(|d| {
                    if *d == 0 {
                        Status::Suspended
                    } else {
                        Status::Trading
                    }
                })
                .collect(),
            sources: vec![0; n],
            price: vec![f64::NAN; n],
            volume: vec![f64::NAN; n],
            ret: masked(ret),
            span: span.to_vec(),
            market_ret: masked(market_ret),
            off_calendar_rows: vec![],
            halt_overrides: vec![],
            limit_hits: Vec::new(),
            excluded: vec![false; n],
        }
    }
}
