//! Axes: event-time ticks, nice y ranges and steps, number formats, category labels.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::theme::{self};

/// A linear f64 axis with explicit tick positions (plotters' `with_key_points` on an
/// f64 range loses the label formatter).
#[derive(Debug, Clone)]
pub(crate) struct TickedAxis {
    pub(crate) range: std::ops::Range<f64>,
    pub(crate) ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let frac = (value - self.range.start) / span;
        let px = f64::from(limit.0) + frac * f64::from(limit.1 - limit.0);
        px.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// Integer x ticks: every session for short windows, else a 1-2-5 step with ≤ 24 ticks.
pub(crate) fn x_ticks(lo: i32, hi: i32) -> Vec<f64> {
    let span = i64::from(hi) - i64::from(lo);
    let mut step: i64 = 1;
    let mut mult = [2, 5, 10].iter().cycle();
    let mut base: i64 = 1;
    while span / step > 24 {
        let m = *mult.next().expect("cycle never ends");
        step = base * m;
        if m == 10 {
            base *= 10;
        }
    }
    let first = (i64::from(lo)).div_euclid(step) * step;
    let first = if first < i64::from(lo) {
        first + step
    } else {
        first
    };
    (0..)
        .map(|k| first + k * step)
        .take_while(|&t| t <= i64::from(hi))
        .map(|t| t as f64)
        .collect()
}

/// Label every `n`-th session so that at most ~13 x labels are shown (labels stay
/// aligned with τ = 0).
pub(crate) fn x_label_step(ticks: &[f64]) -> i64 {
    let step = match ticks {
        [a, b, ..] => (b - a).round() as i64,
        _ => 1,
    };
    if ticks.len() > 13 { 2 * step } else { step }
}

/// The y axis (in percent): padded range that always includes 0, nice ticks, and the
/// number of decimals the tick step needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YAxis {
    pub(crate) range: std::ops::Range<f64>,
    pub(crate) ticks: Vec<f64>,
    pub(crate) decimals: usize,
}

impl YAxis {
    pub(crate) fn for_values(values: impl Iterator<Item = f64>) -> Option<Self> {
        Self::new(values, true, 9.0)
    }

    /// Like [`YAxis::for_values`]; `include_zero` = false lets the range float (prices).
    pub(crate) fn new(
        values: impl Iterator<Item = f64>,
        include_zero: bool,
        n_ticks: f64,
    ) -> Option<Self> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        if include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let mut span = hi - lo;
        if span < 1e-9 {
            let mid = (lo + hi) / 2.0;
            let half = if mid.abs() > 1.0 {
                mid.abs() * 0.05
            } else {
                1.0
            };
            span = 2.0 * half;
            lo = mid - half;
            hi = mid + half;
        }
        // Extra room at the top for the "day 0" label.
        let range = (lo - span * theme::Y_PADDING)..(hi + span * theme::Y_PADDING * 1.6);
        let (step, decimals) = nice_step((range.end - range.start) / n_ticks);
        let first = (range.start / step).ceil() as i64;
        let last = (range.end / step).floor() as i64;
        let ticks = (first..=last).map(|k| k as f64 * step).collect();
        Some(Self {
            range,
            ticks,
            decimals,
        })
    }
}

/// A 1-2-5 step ≥ `raw` and the decimals needed to print its multiples.
pub(crate) fn nice_step(raw: f64) -> (f64, usize) {
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let f = raw / base;
    let (m, exp) = if f <= 1.0 {
        (1.0, exp)
    } else if f <= 2.0 {
        (2.0, exp)
    } else if f <= 5.0 {
        (5.0, exp)
    } else {
        (1.0, exp + 1.0)
    };
    let decimals = if exp < 0.0 { (-exp) as usize } else { 0 };
    (m * 10f64.powf(exp), decimals)
}

/// An integer with thousands separators: 10000 → "10,000".
pub(crate) fn thousands(n: usize) -> String {
    crate::text::thousands(n)
}

/// Tick label with a typographic minus sign and no "-0".
pub(crate) fn fmt_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v);
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Runs of consecutive (by index) flagged taus as (first tau, last tau).
/// Tick labels of a category axis: category i sits at x = i; other positions are blank.
pub(crate) fn category_labels(labels: Vec<String>) -> impl Fn(&f64) -> String {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}
