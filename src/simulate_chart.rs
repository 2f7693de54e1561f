//! The power-curve chart of `evimpact simulate`: each test's rejection rate at 5 % on day 0
//! against the injected abnormal return k, parametric tests on the left, non-parametric
//! and placebo tests on the right, in the theme of [`crate::chart::theme`].

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::{register_fonts, theme};
use crate::simulate::Simulation;

/// Tests drawn in the left panel; the others go to the right one.
const PARAMETRIC: [&str; 9] = [
    "mackinlay_j1",
    "cross_sectional_t",
    "patell_z",
    "bmp",
    "mackinlay_j2",
    "cda",
    "adjusted_patell_z",
    "adjusted_bmp",
    "skewness_corrected_t",
];

/// A readable name of a test id.
pub fn label(test: &str) -> &str {
    match test {
        "mackinlay_j1" => "J1 (MacKinlay)",
        "cross_sectional_t" => "cross-sectional t",
        "patell_z" => "Patell Z",
        "bmp" => "BMP",
        "mackinlay_j2" => "J2 (MacKinlay)",
        "cda" => "CDA (portfolio)",
        "adjusted_patell_z" => "adj. Patell Z (KP)",
        "adjusted_bmp" => "adj. BMP (KP)",
        "skewness_corrected_t" => "skewness-corrected t",
        "sign" => "sign",
        "generalized_sign" => "generalized sign",
        "sign_exact" => "sign (exact)",
        "generalized_sign_exact" => "generalized sign (exact)",
        "corrado_rank" => "Corrado rank",
        "grank" => "GRANK (KP)",
        "wilcoxon" => "Wilcoxon",
        "placebo" => "placebo",
        other => other,
    }
}

/// One line: a test's rates (percent) at each k (percent).
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
}

/// Writes the power-curve PNG ([`theme::CANVAS`]); written to a temporary file and renamed.
///
/// # Errors
/// No test or no k; drawing or writing the file.
pub fn power_curves(path: &Path, title: &str, subtitle: &str, sim: &Simulation) -> Result<()> {
    register_fonts()?;
    if sim.tests.is_empty() || sim.ks.is_empty() {
        bail!("power chart: nothing to draw");
    }
    let mut ks: Vec<f64> = sim.ks.clone();
    ks.sort_by(f64::total_cmp);
    let line = |t: &str| Line {
        label: label(t).to_string(),
        points: ks
            .iter()
            .filter_map(|k| {
                sim.rejections
                    .iter()
                    .find(|r| r.test == t && r.k == *k && r.scope == "0" && r.level == 0.05)
                    .filter(|r| r.draws > 0)
                    .map(|r| (k * 100.0, r.rate() * 100.0))
            })
            .collect(),
    };
    let left: Vec<Line> = sim
        .tests
        .iter()
        .filter(|t| PARAMETRIC.contains(t))
        .map(|t| line(t))
        .collect();
    let right: Vec<Line> = sim
        .tests
        .iter()
        .filter(|t| !PARAMETRIC.contains(t))
        .map(|t| line(t))
        .collect();
    let x = (ks[0] * 100.0, ks[ks.len() - 1] * 100.0);
    let tmp = path.with_file_name(format!(
        ".{}.tmp.png",
        path.file_stem().and_then(|s| s.to_str()).unwrap_or("power")
    ));
    {
        let root = BitMapBackend::new(&tmp, theme::CANVAS).into_drawing_area();
        draw(&root, title, subtitle, x, &left, &right)?;
        root.present().context("encoding the PNG")?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn draw<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    x: (f64, f64),
    left: &[Line],
    right: &[Line],
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

fn panel<DB>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x: (f64, f64),
    lines: &[Line],
    legend_rows: u32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let legend_h = legend_rows * theme::LEGEND_ROW as u32 + 30;
    let (_, h) = area.dim_in_pixel();
    let (plot, legend) = area.split_vertically(h.saturating_sub(legend_h));
    let pad = (x.1 - x.0).abs().max(1e-9) * 0.03;
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
        legend.draw_text(
            &l.label,
            &(theme::FONT_FAMILY, theme::LEGEND_SIZE)
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
