//! The frame every chart shares: header (title, subtitle), plot areas and panels, axes
//! styled by the theme, the footer legend.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Legend};
use super::theme::{self};
use super::*;

/// The backend every chart draws on: a plotters [`DrawingBackend`] whose errors are
/// `'static`, so that `?` carries them into [`anyhow::Error`] (`BitMapBackend` in the PNG
/// writer and the tests). One bound instead of the same `where` clause on every function.
pub trait Canvas: DrawingBackend<ErrorType = Self::Error> {
    type Error: std::error::Error + Send + Sync + 'static;
}

impl<B> Canvas for B
where
    B: DrawingBackend,
    B::ErrorType: 'static,
{
    type Error = B::ErrorType;
}

/// Text in the house font at `size` px in `color` (anchor it with `.pos(…)`).
pub(crate) fn text_style(size: f64, color: &RGBColor) -> TextStyle<'static> {
    (theme::FONT_FAMILY, size).into_font().color(color)
}

/// Sizes of a plot frame: the full-size house style or the compact one of small
/// multiples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameStyle {
    pub(crate) tick: f64,
    pub(crate) desc: f64,
    pub(crate) x_area: u32,
    pub(crate) y_extra: u32,
    pub(crate) right: u32,
    pub(crate) top: u32,
}

pub(crate) const FULL: FrameStyle = FrameStyle {
    tick: theme::TICK_SIZE,
    desc: theme::AXIS_LABEL_SIZE,
    x_area: theme::X_LABEL_AREA,
    y_extra: theme::Y_LABEL_EXTRA,
    right: theme::LEGEND_GAP,
    top: theme::PLOT_TOP_GAP,
};

pub(crate) const COMPACT: FrameStyle = FrameStyle {
    tick: theme::PANEL_TICK_SIZE,
    desc: theme::PANEL_TICK_SIZE,
    x_area: 78,
    y_extra: 62,
    right: 14,
    top: 6,
};

/// The plot every chart draws into: both axes [`TickedAxis`].
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>;

/// A plot over categories at x = 0, 1, … labelled `labels`, with the y axis of `y_axis`.
/// Labels too wide for their slot are staggered on two rows (the x label area grows by
/// one row), so neighbouring labels never collide.
pub(crate) fn category_chart<'a, DB: Canvas>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    labels: Vec<String>,
    y_axis: &YAxis,
    x_desc: &str,
    y_desc: &str,
) -> Result<Chart<'a, DB>> {
    let k = labels.len();
    let x = TickedAxis {
        range: -0.5..(k as f64 - 0.5),
        ticks: (0..k).map(|i| i as f64).collect(),
    };
    let tick_font = text_style(FULL.tick, &theme::TEXT);
    let mut widest = 0;
    for l in &labels {
        widest = widest.max(root.estimate_text_size(l, &tick_font)?.0);
    }
    // The plot's width less the y label area (as `styled_frame` sizes it) and the margin.
    let d = y_axis.decimals;
    let y_fmt = move |y: &f64| fmt_number(*y, d);
    let mut widest_y = 0;
    for t in &y_axis.ticks {
        widest_y = widest_y.max(root.estimate_text_size(&y_fmt(t), &tick_font)?.0);
    }
    let (area_w, _) = plot_area.dim_in_pixel();
    let plot_w = area_w.saturating_sub(widest_y + FULL.y_extra + FULL.right);
    let stagger = labels_collide(widest, plot_w, k);
    if !stagger {
        let x_fmt = category_labels(labels);
        return styled_frame(
            plot_area, root, x, y_axis, &x_fmt, &y_fmt, x_desc, y_desc, FULL,
        );
    }
    let row = (FULL.tick * 1.25) as u32;
    let style = FrameStyle {
        x_area: FULL.x_area + row,
        ..FULL
    };
    let chart = styled_frame(
        plot_area,
        root,
        x,
        y_axis,
        &|_: &f64| String::new(),
        &y_fmt,
        x_desc,
        y_desc,
        style,
    )?;
    let font = tick_font.pos(Pos::new(HPos::Center, VPos::Top));
    let (bx, by) = root.get_base_pixel();
    for (i, l) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, y_axis.range.start));
        let dy = 16 + if i % 2 == 1 { row as i32 } else { 0 };
        root.draw_text(l, &font, (px - bx, py - by + dy))?;
    }
    Ok(chart)
}

/// Whether `k` category labels, the widest `widest` px, collide on one row of a plot `plot_w`
/// px wide (less than 16 px between neighbours).
fn labels_collide(widest: u32, plot_w: u32, k: usize) -> bool {
    k > 1 && f64::from(widest) + 16.0 > f64::from(plot_w) / k as f64
}

/// A Cartesian plot with explicit ticks and label formatters, in the house style, sized by
/// `st` ([`FULL`], or [`COMPACT`] for small multiples).
#[allow(clippy::too_many_arguments)]
pub(crate) fn styled_frame<'a, DB: Canvas>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    x: TickedAxis,
    y_axis: &YAxis,
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
    x_desc: &str,
    y_desc: &str,
    st: FrameStyle,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>> {
    let tick_font = text_style(st.tick, &theme::TEXT);
    let mut widest_y_label = 0;
    for t in &y_axis.ticks {
        widest_y_label = widest_y_label.max(root.estimate_text_size(&y_fmt(t), &tick_font)?.0);
    }
    let desc_font = text_style(st.desc, &theme::TEXT);
    let x_area = if x_desc.is_empty() {
        st.x_area.saturating_sub((st.desc * 1.3) as u32)
    } else {
        st.x_area
    };
    let y_area = widest_y_label
        + if y_desc.is_empty() {
            st.y_extra.saturating_sub((st.desc * 1.3) as u32)
        } else {
            st.y_extra
        };
    let mut chart = ChartBuilder::on(plot_area)
        .margin_right(st.right)
        .margin_top(st.top)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            x,
            TickedAxis {
                range: y_axis.range.clone(),
                ticks: y_axis.ticks.clone(),
            },
        )?;
    chart
        .configure_mesh()
        .bold_line_style(theme::GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(theme::AXIS.stroke_width(theme::AXIS_WIDTH))
        .set_all_tick_mark_size(8)
        .label_style(tick_font)
        .axis_desc_style(desc_font)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .draw()?;
    Ok(chart)
}

/// Splits `area` into a grid of `n` small-multiple panels (at most 3 columns) and returns
/// each panel's area below its title, which is drawn in the top-left of the panel.
pub(crate) fn panels<DB: Canvas>(
    area: &DrawingArea<DB, Shift>,
    titles: &[String],
) -> Result<Vec<DrawingArea<DB, Shift>>> {
    let n = titles.len().max(1);
    let cols = panel_columns(n);
    let rows = n.div_ceil(cols);
    let cells = area.split_evenly((rows, cols));
    let font =
        text_style(theme::PANEL_TITLE_SIZE, &theme::TEXT).pos(Pos::new(HPos::Left, VPos::Top));
    let title_h = theme::PANEL_TITLE_SIZE as u32 + 12;
    let mut out = Vec::with_capacity(titles.len());
    for (cell, title) in cells.into_iter().zip(titles) {
        let cell = cell.margin(
            theme::PANEL_GAP / 2,
            theme::PANEL_GAP / 2,
            0,
            theme::PANEL_GAP,
        );
        let (w, _) = cell.dim_in_pixel();
        let t = fit_text(&cell, title, &font, w.saturating_sub(80))?;
        let (head, body) = cell.split_vertically(title_h);
        head.draw_text(&t, &font, (70, 2))?;
        out.push(body);
    }
    Ok(out)
}

/// Columns of the [`panels`] grid for `n` panels: 1, 2 for 2 or 4 panels, else 3.
pub(crate) fn panel_columns(n: usize) -> usize {
    match n {
        1 => 1,
        2 | 4 => 2,
        _ => 3,
    }
}

/// A one-line legend of (swatch, label) items laid out left to right (small multiples).
pub(crate) fn footer_legend<DB: Canvas>(
    area: &DrawingArea<DB, Shift>,
    items: &[Entry],
) -> Result<()> {
    let font = legend::legend_font().pos(Pos::new(HPos::Left, VPos::Center));
    let (_, h) = area.dim_in_pixel();
    let cy = h as i32 / 2;
    let mut x = 70;
    for e in items {
        let sub = area.margin(0, 0, x, 0);
        legend::draw_swatch_at(&sub, e.swatch, cy)?;
        let tx = x + theme::LEGEND_PADDING + theme::LEGEND_SAMPLE + 10;
        area.draw_text(&e.label, &font, (tx, cy))?;
        x = tx + area.estimate_text_size(&e.label, &font)?.0 as i32 + 36;
    }
    Ok(())
}

/// Plot area, legend area and the laid-out legend.
type Layout<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>, Legend);

/// Background, header (title, subtitle) and the split of the rest into plot and legend.
pub(crate) fn layout<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    series: &[Entry],
    notes: &[Entry],
) -> Result<Layout<DB>> {
    root.fill(&theme::BACKGROUND)?;
    let area = root.margin(theme::MARGIN, theme::MARGIN, theme::MARGIN, theme::MARGIN);
    let header_height = header_height(&area, title, subtitle)?;
    let (header, body) = area.split_vertically(header_height);
    let legend = Legend::build(&body, series, notes)?;
    let (body_w, _) = body.dim_in_pixel();
    let (plot_area, legend_area) = if series.is_empty() && notes.is_empty() {
        (body.clone(), body.margin(0, 0, body_w as i32, 0))
    } else {
        body.split_horizontally(body_w.saturating_sub(legend.width))
    };
    draw_header(&header, title, subtitle, theme::HEADER_INSET)?;
    Ok((plot_area, legend_area, legend))
}

/// The header's height on `area` (the band is `area`'s width): one subtitle line more when
/// the subtitle takes two ([`subtitle_lines`]).
pub(crate) fn header_height<DB: Canvas>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<u32> {
    Ok(match (title.is_empty(), subtitle.is_empty()) {
        (_, false) => {
            let lines = subtitle_lines(area, subtitle, header_room(area, theme::HEADER_INSET))?;
            theme::HEADER_HEIGHT + (lines.len() as u32 - 1) * SUBTITLE_LINE
        }
        (false, true) => theme::HEADER_HEIGHT_TITLE_ONLY,
        (true, true) => 0,
    })
}

/// Pixels from one subtitle line to the next.
const SUBTITLE_LINE: u32 = theme::SUBTITLE_SIZE as u32 + 8;

/// Width the header's text may take on `area` from `x`.
fn header_room<DB: Canvas>(area: &DrawingArea<DB, Shift>, x: i32) -> u32 {
    area.dim_in_pixel().0.saturating_sub(x.max(0) as u32 + 10)
}

fn subtitle_font() -> TextStyle<'static> {
    text_style(theme::SUBTITLE_SIZE, &theme::TEXT_MUTED).pos(Pos::new(HPos::Left, VPos::Top))
}

/// The subtitle as it is drawn in `room` pixels: one line when it fits; else two, broken
/// at the last ` · ` that lets the first fit (a subtitle leads with its numbers, so none
/// is cut that a second line can show), the second shortened with "…" only if it still
/// does not fit; one shortened line when no break fits.
pub(crate) fn subtitle_lines<DB: Canvas>(
    area: &DrawingArea<DB, Shift>,
    subtitle: &str,
    room: u32,
) -> Result<Vec<String>> {
    let font = subtitle_font();
    if area.estimate_text_size(subtitle, &font)?.0 <= room {
        return Ok(vec![subtitle.to_string()]);
    }
    const BREAK: &str = " · ";
    let mut first = None;
    for (at, _) in subtitle.match_indices(BREAK) {
        if area.estimate_text_size(&subtitle[..at], &font)?.0 <= room {
            first = Some(at);
        } else {
            break;
        }
    }
    match first {
        Some(at) => Ok(vec![
            subtitle[..at].to_string(),
            fit_text(area, &subtitle[at + BREAK.len()..], &font, room)?,
        ]),
        None => Ok(vec![fit_text(area, subtitle, &font, room)?]),
    }
}

/// Title (large) and subtitle (muted, on two lines when it needs them) in the header band,
/// left-aligned with the plot's y axis.
pub(crate) fn draw_header<DB: Canvas>(
    header: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    x: i32,
) -> Result<()> {
    let title_font =
        text_style(theme::TITLE_SIZE, &theme::TEXT).pos(Pos::new(HPos::Left, VPos::Top));
    let sub_font = subtitle_font();
    let room = header_room(header, x);
    let title = fit_text(header, title, &title_font, room)?;
    header.draw_text(&title, &title_font, (x, 12))?;
    if !subtitle.is_empty() {
        let top = 12 + theme::TITLE_SIZE as i32 + 14;
        for (i, line) in subtitle_lines(header, subtitle, room)?.iter().enumerate() {
            header.draw_text(line, &sub_font, (x, top + i as i32 * SUBTITLE_LINE as i32))?;
        }
    }
    Ok(())
}

/// A plot over event time τ on `plot_area`: integer x ticks (labels thinned when they
/// crowd), the y axis of `y_axis` labelled by `y_fmt`, grid, axis descriptions. `root` is
/// used to measure text.
#[allow(clippy::too_many_arguments)]
pub(crate) fn tau_chart<'a, DB: Canvas>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    tau_lo: i32,
    tau_hi: i32,
    y_axis: &YAxis,
    y_fmt: &dyn Fn(&f64) -> String,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>> {
    let ticks = x_ticks(tau_lo, tau_hi);
    let every = x_label_step(&ticks);
    let x_fmt = move |x: &f64| {
        if (x.round() as i64).rem_euclid(every) == 0 {
            fmt_number(*x, 0)
        } else {
            String::new()
        }
    };
    let x = TickedAxis {
        range: (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5),
        ticks,
    };
    styled_frame(
        plot_area, root, x, y_axis, &x_fmt, y_fmt, x_desc, y_desc, FULL,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_labels_stagger_only_when_they_would_touch() {
        // 7 windows of 120 px labels on a 1,000 px plot: 143 px slots, 23 px apart.
        assert!(!labels_collide(120, 1000, 7));
        // 12 such windows: 83 px slots, the labels would overlap.
        assert!(labels_collide(120, 1000, 12));
        // Less than 16 px apart counts as touching.
        assert!(labels_collide(130, 1000, 7));
        assert!(!labels_collide(2000, 1000, 1));
    }
}
