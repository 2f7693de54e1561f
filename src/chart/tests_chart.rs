//! Test statistics per CAR window with each test's two-sided 5 % critical values.

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Swatch};
use super::theme::{self, Marker};
use super::{
    Chart, YAxis, category_chart, draw_marker, draw_n_label, draw_zero_line, fmt_number, layout,
    register_fonts, write_png_atomically,
};

/// Statistics of every test on every window.
#[derive(Debug, Clone, PartialEq)]
pub struct TestsChart {
    /// Window labels (categories), e.g. "[0, +5]".
    pub windows: Vec<String>,
    /// N per window.
    pub n: Vec<usize>,
    /// Test names (legend).
    pub tests: Vec<String>,
    /// `statistic[test][window]`; `None` where undefined.
    pub statistic: Vec<Vec<Option<f64>>>,
    /// `critical[test][window]`: the two-sided 5 % critical value (positive); `None` where
    /// undefined.
    pub critical: Vec<Vec<Option<f64>>>,
}

/// Statistics beyond this are drawn at the edge with their value printed.
const CAP: f64 = 15.0;

fn validate(c: &TestsChart) -> Result<()> {
    if c.windows.is_empty() || c.tests.is_empty() {
        bail!("test-statistics chart: no window or no test");
    }
    let (w, t) = (c.windows.len(), c.tests.len());
    if c.n.len() != w
        || c.statistic.len() != t
        || c.critical.len() != t
        || c.statistic.iter().chain(&c.critical).any(|r| r.len() != w)
    {
        bail!("test-statistics chart: table shapes differ");
    }
    if c.statistic.iter().flatten().all(Option::is_none) {
        bail!("test-statistics chart: no statistic is defined");
    }
    Ok(())
}

/// Writes the test-statistics chart to a PNG.
pub fn test_statistics(path: &Path, title: &str, subtitle: &str, c: &TestsChart) -> Result<()> {
    register_fonts()?;
    validate(c)?;
    write_png_atomically(path, |root| draw_test_statistics(root, title, subtitle, c))
        .with_context(|| format!("writing test-statistics chart {}", path.display()))
}

/// Draws the test-statistics chart onto any drawing area.
pub fn draw_test_statistics<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    c: &TestsChart,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    register_fonts()?;
    validate(c)?;
    let (series, notes) = legend_entries(c);
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &series, &notes)?;

    let top = c
        .statistic
        .iter()
        .chain(&c.critical)
        .flatten()
        .flatten()
        .map(|v| v.abs().min(CAP))
        .fold(1.96_f64, f64::max);
    let y_axis = YAxis::new([-top, top].into_iter(), true, 9.0).context("no statistics")?;
    let k = c.windows.len();
    let labels: Vec<String> = c.windows.iter().map(|w| format!("CAR{w}")).collect();
    let mut chart = category_chart(
        &plot_area,
        root,
        labels,
        &y_axis,
        "CAR window",
        "Test statistic",
    )?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    draw_zero_line(&mut chart, &(-0.5..(k as f64 - 0.5)))?;
    // Separators between windows.
    for i in 1..k {
        let x = i as f64 - 0.5;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, y_lo), (x, y_hi)],
            theme::GRID.stroke_width(2),
        )))?;
    }
    for (w, n) in c.n.iter().enumerate() {
        draw_n_label(&mut chart, w as f64, y_hi, *n)?;
    }
    for j in 0..c.tests.len() {
        draw_test(&mut chart, c, j)?;
    }
    legend.draw(&legend_area)?;
    Ok(())
}

/// Legend rows: one marker per test, then what the bars and filled/open markers mean.
fn legend_entries(c: &TestsChart) -> (Vec<Entry>, Vec<Entry>) {
    let series: Vec<Entry> = c
        .tests
        .iter()
        .enumerate()
        .map(|(j, t)| {
            Entry::new(
                Swatch::Point {
                    color: theme::series_color(j),
                    marker: theme::series_marker(j),
                    hollow: false,
                },
                t.clone(),
            )
        })
        .collect();
    let notes = vec![
        Entry::new(
            Swatch::Line {
                color: theme::SUSPENDED_SWATCH,
                width: 4,
                marker: None,
            },
            "±critical value (5 %)",
        ),
        Entry::new(
            Swatch::Point {
                color: theme::SUSPENDED_SWATCH,
                marker: Marker::Circle,
                hollow: false,
            },
            "filled: rejects at 5 %",
        ),
        Entry::new(
            Swatch::Point {
                color: theme::SUSPENDED_SWATCH,
                marker: Marker::Circle,
                hollow: true,
            },
            "open: does not reject",
        ),
    ];
    (series, notes)
}

/// Test `j` in its slot of every window: ±critical-value bars and the statistic's marker.
fn draw_test<DB>(chart: &mut Chart<'_, DB>, c: &TestsChart, j: usize) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (stats, crits) = (&c.statistic[j], &c.critical[j]);
    let color = theme::series_color(j);
    let t = c.tests.len() as f64;
    let slot = 0.8 / t;
    for w in 0..c.windows.len() {
        let x = w as f64 + (j as f64 - (t - 1.0) / 2.0) * slot;
        if let Some(cv) = crits[w] {
            let cv = cv.min(CAP);
            for y in [cv, -cv] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - slot * 0.45, y), (x + slot * 0.45, y)],
                    color.stroke_width(4),
                )))?;
            }
        }
        let Some(s) = stats[w] else { continue };
        let reject = crits[w].is_some_and(|cv| s.abs() >= cv);
        let shown = s.clamp(-CAP, CAP);
        draw_marker(
            chart.plotting_area(),
            (x, shown),
            theme::series_marker(j),
            color,
            !reject,
            theme::MARKER_RADIUS + 2,
        )?;
        if s.abs() > CAP {
            draw_capped_value(chart, x, shown, s)?;
        }
    }
    Ok(())
}

/// The value of a statistic beyond [`CAP`], printed beside its marker at the plot's edge.
fn draw_capped_value<DB>(chart: &mut Chart<'_, DB>, x: f64, shown: f64, s: f64) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let val_font = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE - 4.0)
        .into_font()
        .color(&theme::TEXT);
    let (vp, dy) = if s > 0.0 {
        (VPos::Top, 14)
    } else {
        (VPos::Bottom, -14)
    };
    chart.draw_series(std::iter::once(
        EmptyElement::at((x, shown))
            + Text::new(
                fmt_number(s, 1),
                (0, dy),
                val_font.pos(Pos::new(HPos::Center, vp)),
            ),
    ))?;
    Ok(())
}
