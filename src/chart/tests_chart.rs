//! The tests chart: every test's two-sided p-value in every CAR window, one row per test,
//! grouped by family with the run's lead test on top, on a log scale with the 5 % and 10 %
//! levels marked. A marker is filled when its p-value is below 5 % (whatever the test's
//! reference distribution: exact, empirical or asymptotic); tests that are not informative
//! at this N and clustering are drawn muted and labelled so.

use std::path::Path;

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Swatch};
use super::theme::{self, Marker};
use super::{
    Canvas, Draw, FULL, TickedAxis, YAxis, draw_marker, layout, register_fonts, styled_frame,
    write_chart,
};

/// One row of the chart: a test, or a family heading (no p-values).
#[derive(Debug, Clone, PartialEq)]
pub struct TestRow {
    /// The row's label, e.g. "CDA (portfolio)"; a heading's family name.
    pub label: String,
    /// `true` for a family heading.
    pub heading: bool,
    /// Informative at the lead window's N and clustering.
    pub informative: bool,
    /// The run's lead test.
    pub lead: bool,
    /// `p[window]`: the two-sided p-value, `None` where undefined.
    pub p: Vec<Option<f64>>,
}

/// The p-values of every test on every window.
#[derive(Debug, Clone, PartialEq)]
pub struct TestsChart {
    /// Window labels, e.g. "[0, +5]" (legend).
    pub windows: Vec<String>,
    /// N per window (legend).
    pub n: Vec<usize>,
    /// Rows top to bottom.
    pub rows: Vec<TestRow>,
}

/// The smallest p-value shown; smaller ones are drawn at this edge.
const P_MIN: f64 = 1e-4;

fn validate(c: &TestsChart) -> Result<()> {
    if c.windows.is_empty() || c.rows.iter().all(|r| r.heading) {
        bail!("tests chart: no window or no test");
    }
    if c.n.len() != c.windows.len()
        || c.rows
            .iter()
            .any(|r| !r.heading && r.p.len() != c.windows.len())
    {
        bail!("tests chart: table shapes differ");
    }
    if c.rows.iter().flat_map(|r| &r.p).all(Option::is_none) {
        bail!("tests chart: no p-value is defined");
    }
    Ok(())
}

/// Writes the tests chart to a PNG.
pub fn test_statistics(path: &Path, title: &str, subtitle: &str, c: &TestsChart) -> Result<()> {
    struct Figure<'a>(&'a str, &'a str, &'a TestsChart);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_test_statistics(root, self.0, self.1, self.2)
        }
    }
    write_chart(
        path,
        "the tests chart",
        || validate(c),
        &Figure(title, subtitle, c),
    )
}

/// x of a p-value: −log10(p), clamped to [0, −log10(P_MIN)].
fn x_of(p: f64) -> f64 {
    -(p.clamp(P_MIN, 1.0)).log10()
}

/// Draws the tests chart onto any drawing area.
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
    let rows = c.rows.len();
    // Labels are drawn by hand (left of the plot), so the frame's y axis carries none.
    let label_width = row_label_width(&plot_area, c)?;
    let (labels_area, plot_area) = plot_area.split_horizontally(label_width);
    let x_max = x_of(P_MIN);
    let ps = [1.0, 0.5, 0.05, 0.01, 0.001, 0.0001];
    let x = TickedAxis {
        range: -0.05..(x_max + 0.1),
        ticks: ps.iter().map(|p| x_of(*p)).collect(),
    };
    let y_axis = YAxis {
        range: -0.5..(rows as f64 - 0.5),
        ticks: Vec::new(),
        decimals: 0,
    };
    let x_fmt = |v: &f64| {
        let p = 10f64.powf(-v);
        ps.iter()
            .find(|q| (**q - p).abs() < 1e-9 * q.max(1e-12) + 1e-12)
            .map(|q| match *q {
                1.0 => "1".to_string(),
                0.0001 => "≤0.0001".to_string(),
                q => format!("{q}"),
            })
            .unwrap_or_default()
    };
    let mut chart = styled_frame(
        &plot_area,
        root,
        x,
        &y_axis,
        &x_fmt,
        &|_| String::new(),
        "two-sided p-value (log scale; further right = stronger evidence against CAAR = 0)",
        "",
        FULL,
    )?;
    let y = |i: usize| (rows - 1 - i) as f64;
    draw_levels(&mut chart, rows)?;
    for (i, r) in c.rows.iter().enumerate() {
        if r.heading {
            continue;
        }
        let k = c.windows.len() as f64;
        for (j, p) in r.p.iter().enumerate() {
            let Some(p) = p.filter(|p| p.is_finite()) else {
                continue;
            };
            let dy = if k > 1.0 {
                (j as f64 - (k - 1.0) / 2.0) * (0.6 / k)
            } else {
                0.0
            };
            let color = if r.informative {
                theme::series_color(j)
            } else {
                theme::series_color(j).mix(0.45).to_rgba().into_rgb()
            };
            draw_marker(
                chart.plotting_area(),
                (x_of(p), y(i) - dy),
                theme::series_marker(j),
                color,
                p >= 0.05,
                theme::MARKER_RADIUS,
            )?;
        }
    }
    draw_row_labels(&labels_area, &chart, c)?;
    legend.draw(&legend_area)?;
    Ok(())
}

trait IntoRgb {
    fn into_rgb(self) -> RGBColor;
}

impl IntoRgb for RGBAColor {
    /// The colour blended over the white background.
    fn into_rgb(self) -> RGBColor {
        let RGBAColor(r, g, b, a) = self;
        let mix = |c: u8| (c as f64 * a + 255.0 * (1.0 - a)).round() as u8;
        RGBColor(mix(r), mix(g), mix(b))
    }
}

/// The 5 % level (solid) and the 10 % level (dashed) as vertical lines, and a faint line
/// between rows.
fn draw_levels<DB>(chart: &mut super::Chart<'_, DB>, rows: usize) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (lo, hi) = (-0.5, rows as f64 - 0.5);
    let x5 = x_of(0.05);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x5, lo), (x5, hi)],
        theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH + 1),
    )))?;
    let x10 = x_of(0.10);
    let mut y = lo;
    while y < hi {
        let y2 = (y + 0.25).min(hi);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x10, y), (x10, y2)],
            theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
        )))?;
        y += 0.5;
    }
    for k in 1..rows {
        let yk = k as f64 - 0.5;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.05, yk), (x_of(P_MIN) + 0.1, yk)],
            theme::GRID.stroke_width(1),
        )))?;
    }
    Ok(())
}

fn row_text(r: &TestRow) -> String {
    if r.heading {
        r.label.to_uppercase()
    } else if r.lead {
        format!("{} (lead test)", r.label)
    } else {
        r.label.clone()
    }
}

fn row_font(r: &TestRow) -> TextStyle<'static> {
    let (size, color) = if r.heading {
        (theme::TICK_SIZE - 5.0, theme::TEXT_MUTED)
    } else if r.informative {
        (theme::TICK_SIZE - 2.0, theme::TEXT)
    } else {
        (theme::TICK_SIZE - 2.0, theme::TEXT_MUTED)
    };
    (theme::FONT_FAMILY, size)
        .into_font()
        .color(&color)
        .pos(Pos::new(HPos::Right, VPos::Center))
}

/// The width the row labels need.
fn row_label_width<DB>(area: &DrawingArea<DB, Shift>, c: &TestsChart) -> Result<u32>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let mut w = 0;
    for r in &c.rows {
        w = w.max(area.estimate_text_size(&row_text(r), &row_font(r))?.0);
    }
    Ok(w + 24)
}

/// Each row's label, right-aligned against the plot, at its row's height.
fn draw_row_labels<DB>(
    labels: &DrawingArea<DB, Shift>,
    chart: &super::Chart<'_, DB>,
    c: &TestsChart,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let rows = c.rows.len();
    let (w, _) = labels.dim_in_pixel();
    let (_, label_top) = labels.get_base_pixel();
    for (i, r) in c.rows.iter().enumerate() {
        let (_, py) = chart.backend_coord(&(0.0, (rows - 1 - i) as f64));
        labels.draw_text(&row_text(r), &row_font(r), (w as i32 - 12, py - label_top))?;
    }
    Ok(())
}

/// Legend rows: one marker per window (with its N), then what filled and open markers and
/// the vertical lines mean.
fn legend_entries(c: &TestsChart) -> (Vec<Entry>, Vec<Entry>) {
    let series: Vec<Entry> = c
        .windows
        .iter()
        .zip(&c.n)
        .enumerate()
        .map(|(j, (w, n))| {
            Entry::new(
                Swatch::Point {
                    color: theme::series_color(j),
                    marker: theme::series_marker(j),
                    hollow: false,
                },
                format!("CAAR{w} (N = {})", crate::text::thousands(*n)),
            )
        })
        .collect();
    let notes = vec![
        Entry::new(
            Swatch::Point {
                color: theme::SUSPENDED_SWATCH,
                marker: Marker::Circle,
                hollow: false,
            },
            "filled: p < 0.05",
        ),
        Entry::new(
            Swatch::Point {
                color: theme::SUSPENDED_SWATCH,
                marker: Marker::Circle,
                hollow: true,
            },
            "open: p ≥ 0.05",
        ),
        Entry::new(
            Swatch::Line {
                color: theme::EVENT_LINE,
                width: theme::REFERENCE_LINE_WIDTH + 1,
                marker: None,
            },
            "5 % level",
        ),
        Entry::new(
            Swatch::Dashed {
                color: theme::EVENT_LINE,
                width: theme::REFERENCE_LINE_WIDTH,
            },
            "10 % level",
        ),
        Entry::new(Swatch::Text, "grey label and markers:"),
        Entry::new(Swatch::Text, "not informative at this N"),
    ];
    (series, notes)
}
