//! Every chart kind other than the CAR chart renders into a buffer, is not blank, and
//! rejects bad input.

use std::path::Path;

use super::*;
use chrono::NaiveDate;
use plotters::coord::Shift;

fn render(draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>) -> Vec<u8> {
    let (w, h) = theme::CANVAS;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, theme::CANVAS).into_drawing_area();
        draw(&root).expect("draws");
        root.present().expect("present");
    }
    buf
}

fn variance(buf: &[u8]) -> f64 {
    let lum: Vec<f64> = buf
        .chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    let m = lum.iter().sum::<f64>() / lum.len() as f64;
    lum.iter().map(|l| (l - m).powi(2)).sum::<f64>() / lum.len() as f64
}

/// `n` deterministic pseudo-random numbers in [-1, 1) from the tests' seeded generator.
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut u = crate::testutil::uniform(seed, 0, -1.0, 1.0);
    (0..n).map(|_| u()).collect()
}

fn bars(label: &str, seed: u64) -> ArBarPanel {
    let taus: Vec<i32> = (-10..=10).collect();
    let e = noise(taus.len(), seed);
    let mut p = ArBarPanel {
        label: label.into(),
        ar: e.iter().map(|v| Some(v * 0.03)).collect(),
        half_width: vec![Some(0.04); taus.len()],
        suspended: vec![false; taus.len()],
        span: vec![1; taus.len()],
        taus,
    };
    for k in [10, 11] {
        p.ar[k] = None;
        p.half_width[k] = None;
        p.suspended[k] = true;
        p.span[k] = 0;
    }
    p.span[12] = 3;
    p
}

#[test]
fn ar_bars_render_and_validate() {
    let panels: Vec<_> = (0..4).map(|i| bars(&format!("S{i}"), i)).collect();
    let buf = render(|r| bars::draw_ar_bars(r, "AR", "sub", &panels));
    assert!(variance(&buf) > 500.0);
    // Both bar colours are drawn.
    for c in [theme::BAR_POSITIVE, theme::BAR_NEGATIVE] {
        let n = buf
            .chunks_exact(3)
            .filter(|p| p == &[c.0, c.1, c.2])
            .count();
        assert!(n > 1000, "{c:?}: {n} px");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut bad = bars("bad", 1);
    bad.span.pop();
    assert!(ar_bars(&dir.path().join("a.png"), "t", "s", &[bad]).is_err());
    let ten: Vec<_> = (0..10).map(|i| bars("x", i)).collect();
    assert!(ar_bars(&dir.path().join("a.png"), "t", "s", &ten).is_err());
    assert!(!dir.path().join("a.png").exists());
}

fn strips(n: usize) -> (Vec<Strip>, Vec<String>) {
    let names: Vec<String> = (0..n).map(|i| format!("{i:06}.SZ Firm {i}")).collect();
    let strips = (0..3)
        .map(|w| {
            let values: Vec<(usize, f64)> = noise(n, w as u64 + 7)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i, v * 0.1 - 0.02))
                .collect();
            let mean = values.iter().map(|v| v.1).sum::<f64>() / n as f64;
            Strip {
                label: format!("[0, +{w}]"),
                missed: if w == 0 { vec![0, 1] } else { Vec::new() },
                quantiles: Some([-0.1, -0.05, -0.02, 0.03, 0.07]),
                values,
                mean,
            }
        })
        .collect();
    (strips, names)
}

#[test]
fn car_distribution_renders_from_4_to_10000_events() {
    for n in [4, 40, 10_000] {
        let (s, names) = strips(n);
        let buf = render(|r| strip::draw_car_distribution(r, "CAR", "sub", &s, &names));
        assert!(variance(&buf) > 300.0, "N = {n}");
    }
    // Twelve windows with wide labels: staggered, still drawn.
    let (mut many, names) = strips(4);
    for w in 3..12 {
        let mut s = many[0].clone();
        s.label = format!("[-{w}0, +{w}0]");
        many.push(s);
    }
    let buf = render(|r| strip::draw_car_distribution(r, "CAR", "sub", &many, &names));
    assert!(variance(&buf) > 300.0);
    let (mut s, names) = strips(4);
    s[0].values[0].0 = 99;
    let dir = tempfile::tempdir().expect("tmp");
    assert!(car_distribution(&dir.path().join("d.png"), "t", "s", &s, &names).is_err());
}

fn test_row(label: &str, p: Vec<Option<f64>>) -> TestRow {
    TestRow {
        label: label.into(),
        heading: false,
        informative: true,
        lead: false,
        p,
    }
}

#[test]
fn tests_chart_renders_and_rejects_bad_shapes() {
    let c = TestsChart {
        windows: vec!["[-1, +1]".into(), "[0, +5]".into()],
        n: vec![4, 2],
        rows: vec![
            test_row("a", vec![Some(0.012), Some(1e-9)]),
            test_row("b", vec![None, Some(0.7)]),
        ],
    };
    let buf = render(|r| tests_chart::draw_test_statistics(r, "T", "s", &c));
    assert!(variance(&buf) > 300.0);
    let mut bad = c.clone();
    bad.rows[0].p.pop();
    let dir = tempfile::tempdir().expect("tmp");
    assert!(test_statistics(&dir.path().join("t.png"), "t", "s", &bad).is_err());
}

/// The pixels of a one-marker tests chart in the first window's colour, and whether the
/// marker's centre is painted (filled) or background (open).
fn marker_centre_is_filled(p: f64) -> bool {
    let c = TestsChart {
        windows: vec!["[0, +5]".into()],
        n: vec![20],
        rows: vec![test_row("wilcoxon", vec![Some(p)])],
    };
    let buf = render(|r| tests_chart::draw_test_statistics(r, "", "", &c));
    let (w, _) = theme::CANVAS;
    let colour = theme::series_color(0);
    let legend_x = (w as f64 * 0.72) as usize; // the legend, with its own swatch, is right of it
    let hits: Vec<(usize, usize)> = buf
        .chunks(3)
        .enumerate()
        .filter(|(_, px)| px == &[colour.0, colour.1, colour.2])
        .map(|(i, _)| (i % w as usize, i / w as usize))
        .filter(|(x, _)| *x < legend_x)
        .collect();
    assert!(!hits.is_empty(), "the marker is drawn");
    let cx = hits.iter().map(|h| h.0).sum::<usize>() / hits.len();
    let cy = hits.iter().map(|h| h.1).sum::<usize>() / hits.len();
    let i = (cy * w as usize + cx) * 3;
    buf[i..i + 3] == [colour.0, colour.1, colour.2]
}

/// A marker is filled from its p-value, whatever the test's reference distribution: the
/// Wilcoxon signed-rank test at p = 0.00003 (an exact distribution without a critical
/// value) is drawn filled, at p = 0.4 open.
#[test]
fn tests_chart_fills_markers_from_the_p_value() {
    assert!(marker_centre_is_filled(0.00003));
    assert!(marker_centre_is_filled(0.049));
    assert!(!marker_centre_is_filled(0.051));
    assert!(!marker_centre_is_filled(0.4));
}

#[test]
fn price_panel_renders_gaps_and_rejects_weekends() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let mut days = Vec::new();
    let mut day = d("2019-09-02");
    let mut p = 30.0;
    while day <= d("2019-11-05") {
        use chrono::Datelike;
        if day.weekday().number_from_monday() <= 5 {
            let kind = if (d("2019-10-01")..=d("2019-10-07")).contains(&day) {
                DayKind::Closed
            } else if (d("2019-10-08")..=d("2019-10-09")).contains(&day) {
                DayKind::Suspended
            } else if day == d("2019-10-15") {
                DayKind::LimitLocked
            } else {
                DayKind::Trading
            };
            p *= 1.0 + 0.01 * noise(1, day.ordinal() as u64)[0];
            let price = matches!(kind, DayKind::Trading | DayKind::LimitLocked).then_some(p);
            days.push(PriceDay {
                date: day,
                kind,
                price,
            });
        }
        day = day.succ_opt().expect("date");
    }
    let panel = PricePanel {
        label: "X".into(),
        y_label: price::price_axis_label("adj_close", "CNY"),
        days,
        day0: d("2019-10-08"),
        announced: Some(d("2019-10-05")),
        others: vec![(d("2019-10-21"), "OTHER".into())],
    };
    let buf = render(|r| price::draw_price_panel(r, "Price", "sub", &panel));
    assert!(variance(&buf) > 300.0);
    let mut bad = panel.clone();
    bad.days[0].date = d("2019-09-01"); // a Sunday
    let dir = tempfile::tempdir().expect("tmp");
    assert!(price_panel(&dir.path().join("p.png"), "t", "s", &bad).is_err());
}

#[test]
fn volume_renders_few_and_many_series() {
    for n in [3, 200] {
        let series: Vec<VolumeSeries> = (0..n)
            .map(|i| {
                let taus: Vec<i32> = (-10..=10).collect();
                VolumeSeries {
                    label: format!("S{i}"),
                    ratio: noise(taus.len(), i as u64)
                        .iter()
                        .map(|v| Some((v * 1.5).exp()))
                        .collect(),
                    suspended: taus.iter().map(|t| *t == 0).collect(),
                    taus,
                }
            })
            .collect();
        let mean = series[0].clone();
        let buf = render(|r| volume::draw_abnormal_volume(r, "V", "s", &series, Some(&mean)));
        assert!(variance(&buf) > 300.0, "n = {n}");
    }
    let bad = VolumeSeries {
        label: "x".into(),
        taus: vec![0],
        ratio: vec![Some(0.0)],
        suspended: vec![false],
    };
    let dir = tempfile::tempdir().expect("tmp");
    assert!(abnormal_volume(&dir.path().join("v.png"), "t", "s", &[bad], None).is_err());
}

/// Writes demo figures for eyeballing: `cargo test --lib kind_tests -- --ignored`.
#[test]
#[ignore = "writes /tmp/evimpact-demo-*.png for visual inspection"]
fn demo_pngs() {
    let (s, names) = strips(10_000);
    car_distribution(
        Path::new("/tmp/evimpact-demo-strip-10000.png"),
        "CAR, N = 10,000",
        "synthetic",
        &s,
        &names,
    )
    .expect("strip");
    let many: Vec<CarSeries> = (0..500)
        .map(|i| {
            let taus: Vec<i32> = (-10..=10).collect();
            let mut acc = 0.0;
            let car = noise(21, i)
                .iter()
                .map(|v| {
                    acc += v * 0.01;
                    Some(acc)
                })
                .collect();
            CarSeries {
                label: format!("S{i}"),
                suspended: vec![false; 21],
                taus,
                car,
            }
        })
        .collect();
    let caar = CaarPath {
        taus: (-10..=10).collect(),
        caar: (0..21).map(|k| Some(0.001 * k as f64)).collect(),
        lower: (0..21).map(|k| Some(0.001 * k as f64 - 0.01)).collect(),
        upper: (0..21).map(|k| Some(0.001 * k as f64 + 0.01)).collect(),
        label: "CAAR (N = 500)".into(),
        band_label: "95 % band (J1)".into(),
    };
    car_paths(
        Path::new("/tmp/evimpact-demo-car-500.png"),
        "CAR, 500 events",
        "synthetic",
        &many,
        Some(&caar),
    )
    .expect("car");
}

/// A subtitle too long for the header takes a second line, broken at a ` · ` so that the
/// lead test's p-value is drawn whole (at 1,000,000 events it was cut to "p…"); a short one
/// stays one line; the header grows by the line.
#[test]
fn a_long_subtitle_breaks_at_a_separator_and_keeps_its_numbers() {
    let long = "CAAR[-10, +10] +0.01 % over 989,083 events on 2,201 dates · lead test adj. BMP (KP): t(989,082) = 0.66, p = 0.51";
    render(|root| {
        register_fonts()?;
        let room = 1400;
        let lines = frame::subtitle_lines(root, long, room)?;
        assert_eq!(
            lines,
            [
                "CAAR[-10, +10] +0.01 % over 989,083 events on 2,201 dates",
                "lead test adj. BMP (KP): t(989,082) = 0.66, p = 0.51"
            ]
        );
        assert_eq!(
            frame::subtitle_lines(root, "N = 4 · market model", room)?.len(),
            1
        );
        // Without a separator that fits, one line cut with "…".
        let one = frame::subtitle_lines(root, &"x".repeat(400), room)?;
        assert!(one.len() == 1 && one[0].ends_with('…'), "{one:?}");
        let (short, two) = (
            frame::header_height(root, "T", "N = 4")?,
            frame::header_height(root, "T", long)?,
        );
        assert!(two > short, "{two} vs {short}");
        Ok(())
    });
}
