//! Abnormal trading volume around day 0: each security's volume divided by its mean
//! volume over the estimation window, on a log scale (×1 = normal volume).

use std::path::Path;

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::Entry;
use super::{
    Canvas, Chart, Draw, YAxis, draw_marker, draw_segments, draw_suspended_bands,
    draw_zero_and_day0, layout, path_style, register_fonts, segments, tau_chart, theme,
    write_chart,
};

/// One security's volume ratio over the event window.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSeries {
    pub label: String,
    /// Event time, strictly ascending.
    pub taus: Vec<i32>,
    /// Volume / mean estimation-window volume (> 0); `None` = no volume (suspended, no
    /// data, zero volume).
    pub ratio: Vec<Option<f64>>,
    pub suspended: Vec<bool>,
}

fn validate(series: &[VolumeSeries]) -> Result<()> {
    if series.is_empty() {
        bail!("abnormal volume: no series");
    }
    for s in series {
        let n = s.taus.len();
        if s.ratio.len() != n || s.suspended.len() != n {
            bail!("abnormal volume: {:?}: series lengths differ", s.label);
        }
        if s.taus.windows(2).any(|w| w[0] >= w[1]) {
            bail!(
                "abnormal volume: {:?}: taus not strictly ascending",
                s.label
            );
        }
        if s.ratio
            .iter()
            .flatten()
            .any(|v| !(v.is_finite() && *v > 0.0))
        {
            bail!(
                "abnormal volume: {:?}: ratios must be finite and > 0",
                s.label
            );
        }
    }
    if series.iter().all(|s| s.ratio.iter().all(Option::is_none)) {
        bail!("abnormal volume: no volume in any series");
    }
    Ok(())
}

/// Writes the abnormal-volume chart to a PNG; `mean` is the cross-sectional geometric
/// mean path (drawn thick), if given.
pub fn abnormal_volume(
    path: &Path,
    title: &str,
    subtitle: &str,
    series: &[VolumeSeries],
    mean: Option<&VolumeSeries>,
) -> Result<()> {
    struct Figure<'a>(
        &'a str,
        &'a str,
        &'a [VolumeSeries],
        Option<&'a VolumeSeries>,
    );
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_abnormal_volume(root, self.0, self.1, self.2, self.3)
        }
    }
    write_chart(
        path,
        "abnormal-volume chart",
        || validate(series),
        &Figure(title, subtitle, series, mean),
    )
}

fn log2s(v: &[Option<f64>]) -> Vec<Option<f64>> {
    // `segments` multiplies by 100 (percent); pre-divide so the log value comes out as is.
    v.iter().map(|r| r.map(|r| r.log2() / 100.0)).collect()
}

/// Draws the abnormal-volume chart onto any drawing area.
pub fn draw_abnormal_volume<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    series: &[VolumeSeries],
    mean: Option<&VolumeSeries>,
) -> Result<()> {
    register_fonts()?;
    validate(series)?;
    let many = series.len() > theme::MAX_LEGEND_SERIES;
    let (entries, notes) = legend_entries(series, mean, many);
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &entries, &notes)?;

    let y_axis = log_axis(series, mean);
    let (tau_lo, tau_hi) = series
        .iter()
        .flat_map(|s| s.taus.iter().copied())
        .fold((i32::MAX, i32::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let mut chart = tau_chart(
        &plot_area,
        root,
        tau_lo,
        tau_hi,
        &y_axis,
        &ratio_label,
        "Event time τ (trading sessions)",
        "Volume / estimation-window geometric mean (log scale)",
    )?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    if !many {
        draw_suspended_bands(
            &mut chart,
            series.iter().map(|s| (&s.taus[..], &s.suspended[..])),
            y_lo,
            y_hi,
        )?;
    }
    let x_range = (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5);
    draw_zero_and_day0(&mut chart, &x_range, tau_lo, tau_hi, y_hi, y_lo)?;
    for (i, s) in series.iter().enumerate() {
        draw_volume_path(&mut chart, i, s, many)?;
    }
    if let Some(m) = mean {
        let style = theme::CAAR.stroke_width(theme::CAAR_WIDTH);
        draw_segments(&mut chart, segments(&m.taus, &log2s(&m.ratio)), style)?;
    }
    legend.draw(&legend_area)?;
    Ok(())
}

/// Legend rows: one per series (or one for all when many), the mean path, shading.
fn legend_entries(
    series: &[VolumeSeries],
    mean: Option<&VolumeSeries>,
    many: bool,
) -> (Vec<Entry>, Vec<Entry>) {
    let mut entries = Vec::new();
    if many {
        entries.push(Entry::many_paths(format!("each event ({})", series.len())));
    } else {
        for (i, s) in series.iter().enumerate() {
            entries.push(Entry::series(i, s.label.clone()));
        }
    }
    let mut notes = Vec::new();
    if let Some(m) = mean {
        notes.push(Entry::mean_path(m.label.clone()));
    }
    if !many && series.iter().any(|s| s.suspended.iter().any(|&b| b)) {
        notes.push(Entry::suspended_shading(super::car_paths::SUSPENDED_TEXT));
    }
    (entries, notes)
}

/// The log2 y axis over every ratio: whole powers of two, at least ×1/2 to ×2.
fn log_axis(series: &[VolumeSeries], mean: Option<&VolumeSeries>) -> YAxis {
    let logs = series
        .iter()
        .chain(mean)
        .flat_map(|s| s.ratio.iter().flatten().map(|r| r.log2()));
    log_axis_of(logs)
}

/// The log2 axis over `logs` (log2 of volume ratios), whole powers of 2 as ticks.
pub(crate) fn log_axis_of(logs: impl Iterator<Item = f64>) -> YAxis {
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for v in logs {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    lo = lo.floor().min(-1.0);
    hi = hi.ceil().max(1.0);
    let span = hi - lo;
    let step = if span > 12.0 { 2.0 } else { 1.0 };
    YAxis {
        range: (lo - span * 0.04)..(hi + span * 0.1),
        ticks: (lo as i64..=hi as i64)
            .map(|k| k as f64)
            .filter(|k| (k / step).fract() == 0.0)
            .collect(),
        decimals: 0,
    }
}

/// Tick label of a log2 value as a ratio: "×4", "×1/2".
pub(crate) fn ratio_label(y: &f64) -> String {
    let v = 2f64.powf(*y);
    if v >= 1.0 {
        format!("×{v:.0}")
    } else {
        format!("×1/{:.0}", 1.0 / v)
    }
}

/// Series `i`'s volume path, broken at missing values, with markers unless paths are many.
fn draw_volume_path<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    i: usize,
    s: &VolumeSeries,
    many: bool,
) -> Result<()> {
    let ls = log2s(&s.ratio);
    draw_segments(chart, segments(&s.taus, &ls), path_style(i, many))?;
    if !many {
        for (&t, v) in s.taus.iter().zip(&ls) {
            if let Some(v) = v {
                draw_marker(
                    chart.plotting_area(),
                    (f64::from(t), v * 100.0),
                    theme::series_marker(i),
                    theme::series_color(i),
                    false,
                    theme::MARKER_RADIUS - 1,
                )?;
            }
        }
    }
    Ok(())
}
