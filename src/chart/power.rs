//! The power-curve chart of `evimpact simulate`: each test's rejection rate at 5 % on day 0
//! against the injected abnormal return k, parametric tests on the left, non-parametric
//! and placebo tests on the right, in the theme of [`super::theme`]. It draws the lines it
//! is given.

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::png::{Draw, write_png_and_svg};
use super::{Canvas, register_fonts, theme};

/// One line: a test's rejection rates (percent) at each injected abnormal return k
/// (percent).
#[derive(Debug, Clone, PartialEq)]
pub struct PowerLine {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Writes the power-curve PNG ([`theme::CANVAS`]) with the `left` (parametric) and `right`
/// (non-parametric) panels over k in `x` (percent); written to a temporary file and renamed.
///
/// # Errors
/// No line; drawing or writing the file.
pub fn power_curves(
    path: &Path,
    title: &str,
    subtitle: &str,
    x: (f64, f64),
    left: &[PowerLine],
    right: &[PowerLine],
) -> Result<()> {
    register_fonts()?;
    if left.is_empty() && right.is_empty() {
        bail!("power chart: nothing to draw");
    }
    struct Figure<'a>(
        &'a str,
        &'a str,
        (f64, f64),
        &'a [PowerLine],
        &'a [PowerLine],
    );
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw(root, self.0, self.1, self.2, self.3, self.4)
        }
    }
    write_png_and_svg(path, &Figure(title, subtitle, x, left, right))
        .with_context(|| format!("writing {}", path.display()))
}

fn draw<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    x: (f64, f64),
    left: &[PowerLine],
    right: &[PowerLine],
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.fill(&theme::BACKGROUND)?;
    let font = |size: f64, color: RGBColor| {
        (theme::FONT_FAMILY, size)
            .into_font()
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Top))
    };
    root.draw_text(
        title,
        &font(theme::TITLE_SIZE, theme::TEXT),
        (theme::MARGIN as i32, theme::MARGIN as i32),
    )?;
    root.draw_text(
        subtitle,
        &font(theme::SUBTITLE_SIZE, theme::TEXT_MUTED),
        (theme::MARGIN as i32, theme::MARGIN as i32 + 56),
    )?;
    let (_, body) = root.split_vertically(theme::HEADER_HEIGHT + 10);
    let panels = body.split_evenly((1, 2));
    let rows = left.len().max(right.len()).div_ceil(COLS) as u32;
    panel(&panels[0], "Parametric tests", x, left, rows)?;
    panel(
        &panels[1],
        "Non-parametric and placebo tests",
        x,
        right,
        rows,
    )?;
    Ok(())
}

/// Legend columns under each panel.
const COLS: usize = 2;

/// The k axis (percent): the simulated range, or [k, k + 1 %] when only one k was
/// simulated (the default k = 0 alone), so the axis has ticks to read.
fn x_range(x: (f64, f64)) -> (f64, f64) {
    if (x.1 - x.0).abs() < 1e-9 {
        (x.0, x.0 + 1.0)
    } else {
        (x.0.min(x.1), x.0.max(x.1))
    }
}

/// The legend's font size for a label `wide` pixels wide at the theme's size in a column
/// with `room` pixels: the theme's size when it fits, else scaled down to fit (not below
/// 60 % of it).
fn fitting_size(wide: u32, room: i32) -> f64 {
    if room <= 0 || wide as i32 <= room {
        return theme::LEGEND_SIZE;
    }
    (theme::LEGEND_SIZE * f64::from(room) / f64::from(wide)).max(theme::LEGEND_SIZE * 0.6)
}

fn panel<DB>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x: (f64, f64),
    lines: &[PowerLine],
    legend_rows: u32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let legend_h = legend_rows * theme::LEGEND_ROW as u32 + 30;
    let (_, h) = area.dim_in_pixel();
    let (plot, legend) = area.split_vertically(h.saturating_sub(legend_h));
    let x = x_range(x);
    let pad = (x.1 - x.0) * 0.03;
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, (theme::FONT_FAMILY, theme::PANEL_TITLE_SIZE))
        .margin(theme::MARGIN)
        .x_label_area_size(theme::X_LABEL_AREA - 10)
        .y_label_area_size(110)
        .build_cartesian_2d((x.0 - pad)..(x.1 + pad), 0.0..100.0)?;
    chart
        .configure_mesh()
        .light_line_style(theme::GRID.mix(0.0))
        .bold_line_style(theme::GRID)
        .axis_style(theme::AXIS.stroke_width(theme::AXIS_WIDTH))
        .x_desc("Abnormal return added on day 0, k (%)")
        .y_desc("Rejection rate at 5 % (%)")
        .x_labels(6)
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((theme::FONT_FAMILY, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT_FAMILY, theme::AXIS_LABEL_SIZE))
        .draw()?;
    // The nominal level.
    chart.draw_series(DashedLineSeries::new(
        vec![(x.0 - pad, 5.0), (x.1 + pad, 5.0)],
        12,
        8,
        theme::ZERO_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
    ))?;
    chart.draw_series(std::iter::once(Text::new(
        "5 % (nominal)",
        (x.1, 6.0),
        (theme::FONT_FAMILY, theme::ANNOTATION_SIZE)
            .into_font()
            .color(&theme::TEXT_MUTED)
            .pos(Pos::new(HPos::Right, VPos::Bottom)),
    )))?;
    for (i, l) in lines.iter().enumerate() {
        let color = theme::series_color(i);
        chart.draw_series(LineSeries::new(
            l.points.clone(),
            color.stroke_width(theme::LINE_WIDTH),
        ))?;
        let r = theme::MARKER_RADIUS;
        let style = color.filled();
        let pts = l.points.iter().copied();
        match theme::series_marker(i) {
            theme::Marker::Circle => {
                chart.draw_series(
                    pts.map(|p| EmptyElement::at(p) + Circle::new((0, 0), r, style)),
                )?;
            }
            theme::Marker::Square => {
                chart.draw_series(
                    pts.map(|p| EmptyElement::at(p) + Rectangle::new([(-r, -r), (r, r)], style)),
                )?;
            }
            theme::Marker::Triangle => {
                chart.draw_series(pts.map(|p| {
                    EmptyElement::at(p)
                        + Polygon::new(vec![(0, -r - 1), (-r - 1, r), (r + 1, r)], style)
                }))?;
            }
            theme::Marker::Diamond => {
                chart.draw_series(pts.map(|p| {
                    EmptyElement::at(p)
                        + Polygon::new(
                            vec![(0, -r - 2), (-r - 2, 0), (0, r + 2), (r + 2, 0)],
                            style,
                        )
                }))?;
            }
        }
    }
    // Legend below the plot, two columns.
    let (w, _) = legend.dim_in_pixel();
    let col_w = (w as i32 - 40) / COLS as i32;
    for (i, l) in lines.iter().enumerate() {
        let (r, c) = ((i / COLS) as i32, (i % COLS) as i32);
        let x0 = 40 + c * col_w;
        let y0 = 10 + r * theme::LEGEND_ROW + theme::LEGEND_ROW / 2;
        let color = theme::series_color(i);
        legend.draw(&PathElement::new(
            vec![(x0, y0), (x0 + theme::LEGEND_SAMPLE, y0)],
            color.stroke_width(theme::LINE_WIDTH),
        ))?;
        marker(&legend, (x0 + theme::LEGEND_SAMPLE / 2, y0), i)?;
        // A label wider than its column is drawn smaller, never into the next column.
        let room = col_w - theme::LEGEND_SAMPLE - 12 - 10;
        let wide = legend
            .estimate_text_size(
                &l.label,
                &(theme::FONT_FAMILY, theme::LEGEND_SIZE).into_text_style(&legend),
            )
            .map_or(0, |(w, _)| w);
        legend.draw_text(
            &l.label,
            &(theme::FONT_FAMILY, fitting_size(wide, room))
                .into_font()
                .color(&theme::TEXT)
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (x0 + theme::LEGEND_SAMPLE + 12, y0),
        )?;
    }
    Ok(())
}

/// Series `i`'s marker (theme shape and colour) at pixel `p`.
fn marker<DB>(area: &DrawingArea<DB, Shift>, p: (i32, i32), i: usize) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let color = theme::series_color(i);
    let r = theme::MARKER_RADIUS;
    let style = color.filled();
    match theme::series_marker(i) {
        theme::Marker::Circle => area.draw(&Circle::new(p, r, style))?,
        theme::Marker::Square => area.draw(&Rectangle::new(
            [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
            style,
        ))?,
        theme::Marker::Triangle => area.draw(&Polygon::new(
            vec![
                (p.0, p.1 - r - 1),
                (p.0 - r - 1, p.1 + r),
                (p.0 + r + 1, p.1 + r),
            ],
            style,
        ))?,
        theme::Marker::Diamond => area.draw(&Polygon::new(
            vec![
                (p.0, p.1 - r - 2),
                (p.0 - r - 2, p.1),
                (p.0, p.1 + r + 2),
                (p.0 + r + 2, p.1),
            ],
            style,
        ))?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_k_gets_an_axis_of_one_percent() {
        assert_eq!(x_range((0.0, 0.0)), (0.0, 1.0));
        assert_eq!(x_range((0.0, 2.0)), (0.0, 2.0));
    }

    #[test]
    fn legend_labels_shrink_to_their_column() {
        assert_eq!(fitting_size(300, 400), theme::LEGEND_SIZE);
        assert_eq!(fitting_size(400, 400), theme::LEGEND_SIZE);
        let s = fitting_size(500, 400);
        assert!((s - theme::LEGEND_SIZE * 0.8).abs() < 1e-12, "{s}");
        assert_eq!(fitting_size(5000, 400), theme::LEGEND_SIZE * 0.6);
    }
}
