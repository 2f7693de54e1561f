//! AR bars per security over the event window, with ±1.96·√Var(AR) whiskers, as small
//! multiples sharing one y axis.

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Swatch};
use super::{
    COMPACT, Canvas, Chart, Draw, TickedAxis, YAxis, draw_header, draw_zero_line, fmt_number,
    footer_legend, header_height, panel_columns, panels, register_fonts, styled_frame,
    suspended_runs, theme, write_png_and_svg, x_label_step, x_ticks,
};

/// One security's abnormal returns over the event window.
#[derive(Debug, Clone, PartialEq)]
pub struct ArBarPanel {
    /// Panel title, e.g. "002415.SZ Hikvision".
    pub label: String,
    /// Event time, strictly ascending.
    pub taus: Vec<i32>,
    /// AR (fraction) at each tau; `None` = no return.
    pub ar: Vec<Option<f64>>,
    /// Whisker half-width 1.96·√Var(AR) (fraction); `None` = no whisker.
    pub half_width: Vec<Option<f64>>,
    /// Suspended sessions (shaded).
    pub suspended: Vec<bool>,
    /// Sessions each return spans (0 = none); spans > 1 are annotated.
    pub span: Vec<u32>,
}

fn validate(panels: &[ArBarPanel]) -> Result<()> {
    if panels.is_empty() {
        bail!("AR bars: no security to draw");
    }
    for p in panels {
        let n = p.taus.len();
        if p.ar.len() != n || p.half_width.len() != n || p.suspended.len() != n || p.span.len() != n
        {
            bail!("AR bars: {:?}: series lengths differ", p.label);
        }
        if p.taus.windows(2).any(|w| w[0] >= w[1]) {
            bail!("AR bars: {:?}: taus not strictly ascending", p.label);
        }
        if p.ar
            .iter()
            .chain(&p.half_width)
            .flatten()
            .any(|v| !v.is_finite())
        {
            bail!("AR bars: {:?}: non-finite value", p.label);
        }
    }
    if panels.iter().all(|p| p.ar.iter().all(Option::is_none)) {
        bail!("AR bars: no abnormal return to draw");
    }
    Ok(())
}

/// Writes the AR bar chart (small multiples, at most 9 panels) to a PNG.
pub fn ar_bars(path: &Path, title: &str, subtitle: &str, panels: &[ArBarPanel]) -> Result<()> {
    register_fonts()?;
    validate(panels)?;
    if panels.len() > 9 {
        bail!("AR bars: {} panels, at most 9 fit one figure", panels.len());
    }
    struct Figure<'a>(&'a str, &'a str, &'a [ArBarPanel]);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_ar_bars(root, self.0, self.1, self.2)
        }
    }
    write_png_and_svg(path, &Figure(title, subtitle, panels))
        .with_context(|| format!("writing AR bar chart {}", path.display()))
}

/// Draws the AR bar chart onto any drawing area.
pub fn draw_ar_bars<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    data: &[ArBarPanel],
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    register_fonts()?;
    validate(data)?;
    root.fill(&theme::BACKGROUND)?;
    let area = root.margin(theme::MARGIN, theme::MARGIN, theme::MARGIN, theme::MARGIN);
    let (header, rest) = area.split_vertically(header_height(&area, title, subtitle)?);
    draw_header(&header, title, subtitle, theme::HEADER_INSET)?;
    let (_, rest_h) = rest.dim_in_pixel();
    let (grid, footer) = rest.split_vertically(rest_h.saturating_sub(56));

    let tau_lo = data.iter().filter_map(|p| p.taus.first()).min().copied();
    let tau_hi = data.iter().filter_map(|p| p.taus.last()).max().copied();
    let (Some(tau_lo), Some(tau_hi)) = (tau_lo, tau_hi) else {
        bail!("AR bars: no event times");
    };
    let y_axis = ar_axis(data).context("no AR values")?;
    let titles: Vec<String> = data.iter().map(|p| p.label.clone()).collect();
    let cells = panels(&grid, &titles)?;
    let n_panels = data.len();
    let cols = panel_columns(n_panels);
    let rows = n_panels.div_ceil(cols);
    for (k, (p, cell)) in data.iter().zip(&cells).enumerate() {
        let bottom_row = k / cols == rows - 1 || k + cols >= n_panels;
        let left_col = k % cols == 0;
        let taus = (tau_lo, tau_hi);
        let mut chart = panel_chart(cell, root, taus, &y_axis, cols, bottom_row, left_col)?;
        draw_panel_guides(&mut chart, p, taus, &y_axis)?;
        draw_bars(&mut chart, p, y_axis.range.end)?;
    }
    footer_legend(&footer, &legend_entries())?;
    Ok(())
}

/// The shared y axis (percent) over every AR and whisker end.
fn ar_axis(data: &[ArBarPanel]) -> Option<YAxis> {
    let values = data.iter().flat_map(|p| {
        p.ar.iter()
            .zip(&p.half_width)
            .flat_map(|(a, h)| match (a, h) {
                (Some(a), Some(h)) => vec![(a - h) * 100.0, (a + h) * 100.0],
                (Some(a), None) => vec![a * 100.0],
                _ => vec![],
            })
    });
    YAxis::new(values, true, 5.0)
}

/// One panel's compact frame; axis descriptions only on the bottom row and left column.
fn panel_chart<'a, DB>(
    cell: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    (tau_lo, tau_hi): (i32, i32),
    y_axis: &YAxis,
    cols: usize,
    bottom_row: bool,
    left_col: bool,
) -> Result<Chart<'a, DB>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ticks = x_ticks(tau_lo, tau_hi);
    let every = x_label_step(&ticks).max(if cols >= 2 { 5 } else { 1 });
    let x_fmt = move |x: &f64| {
        if (x.round() as i64).rem_euclid(every) == 0 {
            fmt_number(*x, 0)
        } else {
            String::new()
        }
    };
    let d = y_axis.decimals;
    let x = TickedAxis {
        range: (f64::from(tau_lo) - 0.6)..(f64::from(tau_hi) + 0.6),
        ticks,
    };
    styled_frame(
        cell,
        root,
        x,
        y_axis,
        &x_fmt,
        &move |y: &f64| fmt_number(*y, d),
        if bottom_row { "τ (sessions)" } else { "" },
        if left_col { "AR (%)" } else { "" },
        COMPACT,
    )
}

/// Behind the bars: suspended sessions shaded, the zero line and the dashed day-0 line.
fn draw_panel_guides<DB>(
    chart: &mut Chart<'_, DB>,
    p: &ArBarPanel,
    (tau_lo, tau_hi): (i32, i32),
    y_axis: &YAxis,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    for (a, b) in suspended_runs(&p.taus, &p.suspended) {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(f64::from(a) - 0.5, y_lo), (f64::from(b) + 0.5, y_hi)],
            theme::SUSPENDED_SWATCH
                .mix(theme::SUSPENDED_ALPHA * 1.5)
                .filled(),
        )))?;
    }
    draw_zero_line(
        chart,
        &((f64::from(tau_lo) - 0.6)..(f64::from(tau_hi) + 0.6)),
    )?;
    if (tau_lo..=tau_hi).contains(&0) {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y_lo), (0.0, y_hi)],
            10,
            7,
            theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
        ))?;
    }
    Ok(())
}

/// One bar per AR (coloured by sign) with its whisker, and a note on multi-session returns.
fn draw_bars<DB>(chart: &mut Chart<'_, DB>, p: &ArBarPanel, y_hi: f64) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ann = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE - 4.0)
        .into_font()
        .color(&theme::TEXT);
    for (k, &tau) in p.taus.iter().enumerate() {
        let Some(a) = p.ar[k] else { continue };
        let t = f64::from(tau);
        let v = a * 100.0;
        let color = if v >= 0.0 {
            theme::BAR_POSITIVE
        } else {
            theme::BAR_NEGATIVE
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(t - 0.35, 0.0), (t + 0.35, v)],
            color.filled(),
        )))?;
        if let Some(h) = p.half_width[k] {
            draw_whisker(chart, t, v - h * 100.0, v + h * 100.0)?;
        }
        if p.span[k] > 1 {
            // "3-session return" at the top of the panel, starting at the bar.
            chart.draw_series(std::iter::once(
                EmptyElement::at((t - 0.35, y_hi))
                    + Text::new(
                        format!("τ = {tau:+}: {}-session return", p.span[k]),
                        (0, 6),
                        ann.pos(Pos::new(HPos::Left, VPos::Top)),
                    ),
            ))?;
        }
    }
    Ok(())
}

/// A vertical whisker at `t` from `lo` to `hi` with short caps.
fn draw_whisker<DB>(chart: &mut Chart<'_, DB>, t: f64, lo: f64, hi: f64) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let style = theme::WHISKER.stroke_width(2);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(t, lo), (t, hi)],
        style,
    )))?;
    for e in [lo, hi] {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(t - 0.2, e), (t + 0.2, e)],
            style,
        )))?;
    }
    Ok(())
}

/// The footer legend: bar colours, whiskers, shading and the day-0 line.
fn legend_entries() -> Vec<Entry> {
    vec![
        Entry::new(
            Swatch::Band {
                color: theme::BAR_POSITIVE,
                alpha: 1.0,
            },
            "AR ≥ 0",
        ),
        Entry::new(
            Swatch::Band {
                color: theme::BAR_NEGATIVE,
                alpha: 1.0,
            },
            "AR < 0",
        ),
        Entry::new(
            Swatch::Line {
                color: theme::WHISKER,
                width: 2,
                marker: None,
            },
            "±1.96·√Var(AR)",
        ),
        Entry::new(
            Swatch::Band {
                color: theme::SUSPENDED_SWATCH,
                alpha: theme::SUSPENDED_ALPHA * 1.5,
            },
            "suspended",
        ),
        Entry::new(
            Swatch::Dashed {
                color: theme::EVENT_LINE,
                width: 2,
            },
            "day 0",
        ),
    ]
}
