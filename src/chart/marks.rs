//! Marks drawn inside a plot: the zero and day-0 lines, bands, markers, text fitted to a
//! width, suspended-session shading, line segments broken at missing values.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{self, Marker};
use super::*;

/// The y = 0 line and the dashed, labelled τ = 0 line.
pub(crate) fn draw_zero_and_day0<DB: Canvas>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, TickedAxis>>,
    x_range: &std::ops::Range<f64>,
    tau_lo: i32,
    tau_hi: i32,
    y_hi: f64,
    y_lo: f64,
) -> Result<()> {
    draw_zero_line(chart, x_range)?;
    if (tau_lo..=tau_hi).contains(&0) {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y_lo), (0.0, y_hi)],
            12,
            8,
            theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
        ))?;
        let (hpos, dx) = if tau_hi >= 2 {
            (HPos::Left, 10)
        } else {
            (HPos::Right, -10)
        };
        let label_font =
            text_style(theme::ANNOTATION_SIZE, &theme::TEXT_MUTED).pos(Pos::new(hpos, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.0, y_hi)) + Text::new("day 0", (dx, 12), label_font),
        ))?;
    }
    Ok(())
}

/// The y = 0 reference line across `x_range`.
pub(crate) fn draw_zero_line<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    x_range: &std::ops::Range<f64>,
) -> Result<()> {
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x_range.start, 0.0), (x_range.end, 0.0)],
        theme::ZERO_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
    )))?;
    Ok(())
}

/// "N = 1,234" ("N = 2 of 4" when `missing` events have no value there).
pub(crate) fn n_text(n: usize, missing: usize) -> String {
    if missing == 0 {
        format!("N = {}", thousands(n))
    } else {
        format!("N = {} of {}", thousands(n), thousands(n + missing))
    }
}

/// An N label in muted text, centred at the top of the plot above x position `x`, `dy`
/// pixels lower (staggered rows when labels are many).
pub(crate) fn draw_n_label<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    x: f64,
    y_hi: f64,
    text: &str,
    dy: i32,
) -> Result<()> {
    let n_font = text_style(theme::ANNOTATION_SIZE, &theme::TEXT_MUTED)
        .pos(Pos::new(HPos::Center, VPos::Top));
    chart.draw_series(std::iter::once(
        EmptyElement::at((x, y_hi)) + Text::new(text.to_string(), (0, 8 + dy), n_font),
    ))?;
    Ok(())
}

/// Line style of event path `i`: its palette colour, or faint grey when paths are many.
pub(crate) fn path_style(i: usize, many: bool) -> ShapeStyle {
    if many {
        theme::MANY_PATH.mix(theme::MANY_PATH_ALPHA).stroke_width(2)
    } else {
        theme::series_color(i).stroke_width(theme::LINE_WIDTH)
    }
}

/// Draws every segment of at least two points (see [`segments`]) as a line in `style`.
pub(crate) fn draw_segments<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    segments: Vec<Vec<(f64, f64)>>,
    style: ShapeStyle,
) -> Result<()> {
    for segment in segments {
        if segment.len() >= 2 {
            chart.draw_series(LineSeries::new(segment, style))?;
        }
    }
    Ok(())
}

/// Closed polygons (in percent) of a band over maximal runs where both bounds exist.
pub(crate) fn band_polygons(
    taus: &[i32],
    lower: &[Option<f64>],
    upper: &[Option<f64>],
) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64, f64)>, out: &mut Vec<Vec<(f64, f64)>>| {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|&(t, _, u)| (t, u)).collect();
            poly.extend(run.iter().rev().map(|&(t, l, _)| (t, l)));
            out.push(poly);
        }
        run.clear();
    };
    for ((&t, l), u) in taus.iter().zip(lower).zip(upper) {
        match (l, u) {
            (Some(l), Some(u)) => run.push((f64::from(t), l * 100.0, u * 100.0)),
            _ => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Draws one point marker centred at `at` (in `area`'s coordinates).
pub(crate) fn draw_marker<DB: Canvas, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    color: RGBColor,
    hollow: bool,
    r: i32,
) -> Result<()>
where
    CT: CoordTranslate,
{
    let fill = if hollow {
        theme::BACKGROUND.filled()
    } else {
        color.filled()
    };
    let stroke = color.stroke_width(theme::MARKER_STROKE);
    let vertices: Vec<(i32, i32)> = match marker {
        Marker::Circle => {
            area.draw(
                &(EmptyElement::at(at)
                    + Circle::new((0, 0), r, fill)
                    + Circle::new((0, 0), r, stroke)),
            )?;
            return Ok(());
        }
        // Squares and diamonds look larger than a circle of the same radius.
        Marker::Square => {
            let h = r * 85 / 100;
            vec![(-h, -h), (h, -h), (h, h), (-h, h)]
        }
        Marker::Diamond => {
            let h = r * 115 / 100;
            vec![(0, -h), (h, 0), (0, h), (-h, 0)]
        }
        Marker::Triangle => {
            let h = r * 120 / 100;
            vec![(0, -h), (h * 87 / 100, h / 2), (-h * 87 / 100, h / 2)]
        }
    };
    let mut outline = vertices.clone();
    outline.push(vertices[0]);
    area.draw(
        &(EmptyElement::at(at) + Polygon::new(vertices, fill) + PathElement::new(outline, stroke)),
    )?;
    Ok(())
}

/// `text`, shortened with "…" until it fits in `max_width` pixels.
pub(crate) fn fit_text<DB: Canvas>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
    max_width: u32,
) -> Result<String> {
    if area.estimate_text_size(text, font)?.0 <= max_width {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if area.estimate_text_size(&candidate, font)?.0 <= max_width {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// Suspended sessions of each series as vertical bands: one per run of consecutive
/// suspended taus, half a session either side, in the series' colour at low alpha.
pub(crate) fn draw_suspended_bands<'s, DB: Canvas>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, TickedAxis>>,
    series: impl Iterator<Item = (&'s [i32], &'s [bool])>,
    y_lo: f64,
    y_hi: f64,
) -> Result<()> {
    for (i, (taus, suspended)) in series.enumerate() {
        let fill = theme::series_color(i).mix(theme::SUSPENDED_ALPHA).filled();
        for (a, b) in suspended_runs(taus, suspended) {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(f64::from(a) - 0.5, y_lo), (f64::from(b) + 0.5, y_hi)],
                fill,
            )))?;
        }
    }
    Ok(())
}

pub(crate) fn suspended_runs(taus: &[i32], flags: &[bool]) -> Vec<(i32, i32)> {
    let mut runs = Vec::new();
    let mut current: Option<(i32, i32)> = None;
    for (&tau, &susp) in taus.iter().zip(flags) {
        current = match (current, susp) {
            (Some((a, _)), true) => Some((a, tau)),
            (None, true) => Some((tau, tau)),
            (Some(run), false) => {
                runs.push(run);
                None
            }
            (None, false) => None,
        };
    }
    runs.extend(current);
    runs
}

/// Maximal runs of present values as (tau, value in %) points.
pub(crate) fn segments(taus: &[i32], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&tau, v) in taus.iter().zip(values) {
        match v {
            Some(v) => cur.push((f64::from(tau), v * 100.0)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
