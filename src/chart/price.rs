//! Price panel of one security around its event: adjusted close on a weekday axis, so
//! exchange holidays show as gaps (weekends are left out); day 0, the announcement and
//! other events of the event file marked; suspended sessions shaded.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate, Weekday};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Swatch};
use super::theme::{self, Marker};
use super::{
    Canvas, Chart, Draw, FULL, TickedAxis, YAxis, draw_marker, fmt_number, layout, register_fonts,
    styled_frame, text_style, write_chart,
};

/// What a weekday was for this security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Trading,
    /// Traded, closed at the daily price limit (open square marker).
    LimitLocked,
    Suspended,
    /// Outside the price file's dates.
    NoData,
    /// Not a session of the exchange (holiday).
    Closed,
}

/// One weekday of the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// Adjusted close on trading days.
    pub price: Option<f64>,
}

/// One security's prices around one event.
#[derive(Debug, Clone, PartialEq)]
pub struct PricePanel {
    pub label: String,
    /// The price axis title, e.g. "Adjusted close (CNY)" (see [`price_axis_label`]).
    pub y_label: String,
    /// Weekdays, ascending, without weekends.
    pub days: Vec<PriceDay>,
    pub day0: NaiveDate,
    /// Announcement date (exchange-local), when it differs from day 0.
    pub announced: Option<NaiveDate>,
    /// Other events of the event file: (date, label).
    pub others: Vec<(NaiveDate, String)>,
}

impl PricePanel {
    /// What the prices are, without the currency: "Adjusted close", "Close", "Price".
    pub fn series_name(&self) -> &str {
        self.y_label
            .split_once(" (")
            .map_or(self.y_label.as_str(), |(a, _)| a)
    }
}

fn validate(p: &PricePanel) -> Result<()> {
    if p.days.is_empty() {
        bail!("price panel {:?}: no days", p.label);
    }
    if p.days.windows(2).any(|w| w[0].date >= w[1].date) {
        bail!("price panel {:?}: dates not strictly ascending", p.label);
    }
    if p.days
        .iter()
        .any(|d| matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun))
    {
        bail!("price panel {:?}: weekend dates are not drawn", p.label);
    }
    if p.days
        .iter()
        .filter_map(|d| d.price)
        .any(|v| !v.is_finite())
    {
        bail!("price panel {:?}: non-finite price", p.label);
    }
    if p.days.iter().all(|d| d.price.is_none()) {
        bail!("price panel {:?}: no price", p.label);
    }
    Ok(())
}

/// The price axis title from the price file's column and the exchange's currency:
/// "Adjusted close (CNY)" for an `adj_close`-like column, "Close (USD)" for `close`, the
/// column's own name otherwise; "Price" when neither is known.
pub fn price_axis_label(column: &str, currency: &str) -> String {
    let c = column.to_ascii_lowercase().replace([' ', '-'], "_");
    let what = if c.contains("adj") {
        "Adjusted close".to_string()
    } else if c == "close" || c == "closing_price" || c == "prc" {
        "Close".to_string()
    } else if c.is_empty() {
        "Price".to_string()
    } else {
        format!("Price ({column})")
    };
    if currency.is_empty() {
        what
    } else if let Some(inner) = what.strip_suffix(')') {
        format!("{inner}, {currency})")
    } else {
        format!("{what} ({currency})")
    }
}

/// Writes a price panel to a PNG.
pub fn price_panel(path: &Path, title: &str, subtitle: &str, p: &PricePanel) -> Result<()> {
    struct Figure<'a>(&'a str, &'a str, &'a PricePanel);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_price_panel(root, self.0, self.1, self.2)
        }
    }
    write_chart(
        path,
        "price panel",
        || validate(p),
        &Figure(title, subtitle, p),
    )
}

/// x position of a date: its index among `days`, or half-way before the first later day
/// (a weekend or a date outside the list).
fn position(days: &[PriceDay], d: NaiveDate) -> Option<f64> {
    match days.binary_search_by(|x| x.date.cmp(&d)) {
        Ok(i) => Some(i as f64),
        Err(i) if i > 0 && i < days.len() => Some(i as f64 - 0.5),
        Err(_) => None,
    }
}

/// Draws a price panel onto any drawing area.
pub fn draw_price_panel<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    p: &PricePanel,
) -> Result<()> {
    register_fonts()?;
    validate(p)?;
    let color = theme::series_color(0);
    let (series, notes) = legend_entries(p, color);
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &series, &notes)?;
    let y_axis =
        YAxis::new(p.days.iter().filter_map(|d| d.price), false, 8.0).context("no prices")?;
    let mut chart = weekday_chart(&plot_area, root, p, &y_axis)?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    draw_day_shading(&mut chart, p, color, y_lo, y_hi)?;
    draw_event_marks(&mut chart, p, y_lo, y_hi)?;
    draw_price_line(&mut chart, p, color)?;
    draw_price_markers(&chart, p, color)?;
    legend.draw(&legend_area)?;
    Ok(())
}

/// Legend rows: the price series, then a note for each kind of mark the panel shows.
fn legend_entries(p: &PricePanel, color: RGBColor) -> (Vec<Entry>, Vec<Entry>) {
    let has = |k: DayKind| p.days.iter().any(|d| d.kind == k);
    let series = vec![Entry::new(
        Swatch::Line {
            color,
            width: theme::LINE_WIDTH,
            marker: Some(Marker::Circle),
        },
        p.series_name().to_lowercase(),
    )];
    let mut notes = vec![Entry::new(
        Swatch::Dashed {
            color: theme::EVENT_LINE,
            width: 3,
        },
        "day 0",
    )];
    if p.announced.is_some() {
        notes.push(Entry::new(
            Swatch::Dotted {
                color: theme::TEXT_MUTED,
                width: 2,
            },
            "announced",
        ));
    }
    if !p.others.is_empty() {
        notes.push(Entry::new(
            Swatch::Dashed {
                color: theme::OTHER_EVENT,
                width: 3,
            },
            "other event",
        ));
    }
    if has(DayKind::Suspended) {
        notes.push(Entry::new(
            Swatch::Band {
                color,
                alpha: theme::SUSPENDED_ALPHA * 1.6,
            },
            "suspended",
        ));
    }
    if has(DayKind::Closed) {
        notes.push(Entry::new(
            Swatch::Band {
                color: theme::CLOSED,
                alpha: theme::CLOSED_ALPHA * 1.6,
            },
            "exchange closed",
        ));
    }
    if has(DayKind::LimitLocked) {
        notes.push(Entry::new(
            Swatch::Point {
                color,
                marker: Marker::Square,
                hollow: true,
            },
            "closed at price limit",
        ));
    }
    if has(DayKind::NoData) {
        notes.push(Entry::new(Swatch::Text, "no data: outside the price file"));
    }
    let gap_join = p
        .days
        .windows(2)
        .any(|w| w[0].price.is_some() && w[1].price.is_none());
    if gap_join {
        notes.push(Entry::new(
            Swatch::Dashed { color, width: 2 },
            "across a gap",
        ));
    }
    (series, notes)
}

/// The plot frame over the panel's weekdays (date ticks on Mondays) and adjusted close.
fn weekday_chart<'a, DB: Canvas>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    p: &PricePanel,
    y_axis: &YAxis,
) -> Result<Chart<'a, DB>> {
    let n = p.days.len();
    // Ticks on Mondays (or the first day after a weekend gap), thinned to ≤ 10 labels.
    let mondays: Vec<usize> = (0..n)
        .filter(|&i| i == 0 || p.days[i].date.weekday() == Weekday::Mon)
        .collect();
    let every = mondays.len().div_ceil(10).max(1);
    let ticks: Vec<f64> = mondays.iter().step_by(every).map(|&i| i as f64).collect();
    let dates: Vec<NaiveDate> = p.days.iter().map(|d| d.date).collect();
    let x_fmt = move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        dates
            .get(i as usize)
            .map(|d| d.format("%d %b").to_string())
            .unwrap_or_default()
    };
    let d = y_axis.decimals;
    let first = p.days[0].date;
    let last = p.days[n - 1].date;
    let x_desc = if first.year() == last.year() {
        format!("Weekdays, {} (weekends left out)", first.year())
    } else {
        format!(
            "Weekdays, {}–{} (weekends left out)",
            first.year(),
            last.year()
        )
    };
    styled_frame(
        plot_area,
        root,
        TickedAxis {
            range: -0.6..(n as f64 - 0.4),
            ticks,
        },
        y_axis,
        &x_fmt,
        &move |y: &f64| fmt_number(*y, d),
        &x_desc,
        &p.y_label,
        FULL,
    )
}

/// Shades suspended days (series colour) and exchange holidays (grey), one day wide.
fn draw_day_shading<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    p: &PricePanel,
    color: RGBColor,
    y_lo: f64,
    y_hi: f64,
) -> Result<()> {
    for (i, day) in p.days.iter().enumerate() {
        let fill = match day.kind {
            DayKind::Suspended => color.mix(theme::SUSPENDED_ALPHA * 1.6).filled(),
            DayKind::Closed => theme::CLOSED.mix(theme::CLOSED_ALPHA * 1.6).filled(),
            _ => continue,
        };
        let x = i as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.5, y_lo), (x + 0.5, y_hi)],
            fill,
        )))?;
    }
    Ok(())
}

/// A dated vertical line of the panel: day 0, the announcement or another event.
struct EventMark {
    x: f64,
    label: String,
    color: RGBColor,
    width: u32,
    /// Dash and gap lengths in pixels: long dashes for day 0 and other events, dots for
    /// the announcement.
    dash: (u32, u32),
    /// Where the label sits; `None` chooses by position (left of the line in the right
    /// third of the panel).
    side: Option<HPos>,
}

/// The panel's event lines (day 0, announcement, other events) that fall on its axis.
fn event_marks(p: &PricePanel) -> Vec<EventMark> {
    let mut marks = Vec::new();
    if let Some(x) = position(&p.days, p.day0) {
        marks.push(EventMark {
            x,
            label: format!("day 0 ({})", p.day0.format("%d %b")),
            color: theme::EVENT_LINE,
            width: 3,
            dash: (12, 8),
            // Right of day 0 when the announcement came before it (its label goes left).
            side: p.announced.filter(|a| *a < p.day0).map(|_| HPos::Left),
        });
    }
    if let Some(a) = p.announced
        && let Some(x) = position(&p.days, a)
    {
        marks.push(EventMark {
            x,
            label: format!("announced {}", a.format("%d %b")),
            color: theme::TEXT_MUTED,
            width: 2,
            dash: (3, 5),
            side: Some(if a < p.day0 { HPos::Right } else { HPos::Left }),
        });
    }
    for (d, l) in &p.others {
        if let Some(x) = position(&p.days, *d) {
            marks.push(EventMark {
                x,
                label: l.clone(),
                color: theme::OTHER_EVENT,
                width: 3,
                dash: (12, 8),
                side: None,
            });
        }
    }
    marks
}

/// Dashed event lines, left to right, with their labels stacked down from the top; a
/// label is drawn on its side of the line (`HPos::Left` anchors it at the line, so the text
/// runs to the right).
fn draw_event_marks<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    p: &PricePanel,
    y_lo: f64,
    y_hi: f64,
) -> Result<()> {
    let n = p.days.len();
    let label_font =
        text_style(theme::ANNOTATION_SIZE, &theme::TEXT).pos(Pos::new(HPos::Left, VPos::Top));
    let mut marks = event_marks(p);
    // Labels stacked downwards from the top so that close marks do not overwrite.
    let (_, plot_h) = chart.plotting_area().dim_in_pixel();
    let row =
        f64::from(theme::ANNOTATION_SIZE as u32 + 8) * (y_hi - y_lo) / f64::from(plot_h.max(1));
    marks.sort_by(|a, b| a.x.total_cmp(&b.x));
    for (k, m) in marks.iter().enumerate() {
        chart.draw_series(DashedLineSeries::new(
            vec![(m.x, y_lo), (m.x, y_hi)],
            m.dash.0,
            m.dash.1,
            m.color.stroke_width(m.width),
        ))?;
        let anchor = m.side.unwrap_or(if m.x > n as f64 * 0.66 {
            HPos::Right
        } else {
            HPos::Left
        });
        let font = label_font.pos(Pos::new(anchor, VPos::Top));
        let dx = if matches!(anchor, HPos::Right) { -8 } else { 8 };
        let y = y_hi - row * 0.2 - row * k as f64;
        chart.draw_series(std::iter::once(
            EmptyElement::at((m.x, y)) + Text::new(m.label.clone(), (dx, 0), font.color(&m.color)),
        ))?;
    }
    Ok(())
}

/// The price line: solid between consecutive trading weekdays, dashed across gaps.
fn draw_price_line<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    p: &PricePanel,
    color: RGBColor,
) -> Result<()> {
    let solid = color.stroke_width(theme::LINE_WIDTH);
    let mut prev: Option<(usize, f64)> = None;
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, day) in p.days.iter().enumerate() {
        let Some(v) = day.price else { continue };
        if let Some((j, pv)) = prev
            && j + 1 != i
        {
            if run.len() >= 2 {
                chart.draw_series(LineSeries::new(std::mem::take(&mut run), solid))?;
            }
            run.clear();
            chart.draw_series(DashedLineSeries::new(
                vec![(j as f64, pv), (i as f64, v)],
                8,
                8,
                color.stroke_width(2),
            ))?;
        }
        run.push((i as f64, v));
        prev = Some((i, v));
    }
    if run.len() >= 2 {
        chart.draw_series(LineSeries::new(run, solid))?;
    }
    Ok(())
}

/// Markers: open squares on limit-locked days, small circles unless days are dense.
fn draw_price_markers<DB: Canvas>(
    chart: &Chart<'_, DB>,
    p: &PricePanel,
    color: RGBColor,
) -> Result<()> {
    let n = p.days.len();
    let (plot_w, _) = chart.plotting_area().dim_in_pixel();
    let dense = f64::from(plot_w) / n as f64 <= f64::from(theme::MIN_MARKER_SPACING);
    for (i, day) in p.days.iter().enumerate() {
        if let Some(v) = day.price {
            let isolated = (i == 0 || p.days[i - 1].price.is_none())
                && p.days.get(i + 1).is_none_or(|d| d.price.is_none());
            if day.kind == DayKind::LimitLocked {
                draw_marker(
                    chart.plotting_area(),
                    (i as f64, v),
                    Marker::Square,
                    color,
                    true,
                    theme::MARKER_RADIUS + 2,
                )?;
            } else if !dense || isolated {
                draw_marker(
                    chart.plotting_area(),
                    (i as f64, v),
                    Marker::Circle,
                    color,
                    false,
                    theme::MARKER_RADIUS - 2,
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str, kind: DayKind, price: Option<f64>) -> PriceDay {
        PriceDay {
            date: NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date"),
            kind,
            price,
        }
    }

    #[test]
    fn weekend_and_off_list_dates_sit_between_days() {
        let days = vec![
            day("2019-09-27", DayKind::Trading, Some(1.0)),
            day("2019-09-30", DayKind::Trading, Some(1.0)),
            day("2019-10-01", DayKind::Closed, None),
        ];
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(position(&days, d("2019-09-30")), Some(1.0));
        assert_eq!(position(&days, d("2019-09-28")), Some(0.5));
        assert_eq!(position(&days, d("2019-09-01")), None);
        assert_eq!(position(&days, d("2019-12-01")), None);
    }

    #[test]
    fn price_axis_names_column_kind_and_currency() {
        assert_eq!(price_axis_label("adj_close", "CNY"), "Adjusted close (CNY)");
        assert_eq!(price_axis_label("Adj Close", "USD"), "Adjusted close (USD)");
        assert_eq!(price_axis_label("close", "USD"), "Close (USD)");
        assert_eq!(price_axis_label("px_last", "HKD"), "Price (px_last, HKD)");
        assert_eq!(price_axis_label("close", ""), "Close");
        assert_eq!(price_axis_label("", ""), "Price");
    }
}
