//! Charts and reports of the reference study: every PNG opens with the stated size and is
//! not blank; `evimpact chart` redraws the same PNGs from the outputs alone; the series
//! behind the charts match values computed independently from the raw price file and
//! from the statistics tables; the report's tables match the committed golden snapshot;
//! text from input files is escaped in report.md and report.html, and the page loads
//! nothing from the network.
//!
//! Golden file: `tests/golden/entity-list-2019.report-tables.md`. After an intended
//! change, regenerate it with `UPDATE_GOLDEN=1 cargo test --test it report_tables` and
//! review the diff; CI never sets UPDATE_GOLDEN.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::testutil::{INDEPENDENT, ROUNDOFF, Tol, assert_close};

const CANVAS: (u32, u32) = (1600, 1000);

fn run_reference(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = evimpact(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Decodes a PNG into (width, height, RGB bytes).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut dec = png::Decoder::new(f);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    buf.truncate(info.buffer_size());
    let ch = info.color_type.samples();
    let rgb: Vec<u8> = buf
        .chunks_exact(ch)
        .flat_map(|p| match ch {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    (info.width, info.height, rgb)
}

/// Variance of luminance and the share of non-white pixels.
fn pixel_stats(rgb: &[u8]) -> (f64, f64) {
    let lum: Vec<f64> = rgb
        .chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    let n = lum.len() as f64;
    let mean = lum.iter().sum::<f64>() / n;
    let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n;
    let ink = lum.iter().filter(|l| **l < 250.0).count() as f64 / n;
    (var, ink)
}

fn pngs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    v.sort();
    v
}

#[test]
fn reference_run_writes_every_chart_and_both_reports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out, &[]);
    let charts = out.join("charts");
    let names: Vec<String> = pngs(&charts)
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    let mut expected: Vec<String> = [
        "ar_bars.png",
        "car.png",
        "car_distribution.png",
        "tests.png",
        "volume.png",
        "price_002230.SZ_EL2019-10-07.png",
        "price_002236.SZ_EL2019-10-07.png",
        "price_002415.SZ_EL2019-10-07.png",
        "price_300188.SZ_EL2019-10-07.png",
    ]
    .map(String::from)
    .to_vec();
    expected.sort();
    assert_eq!(names, expected);
    for p in pngs(&charts) {
        let (w, h, rgb) = decode_png(&p);
        assert_eq!((w, h), CANVAS, "{}", p.display());
        let (var, ink) = pixel_stats(&rgb);
        // A white canvas has variance 0; a title alone stays far below these.
        assert!(
            var > 800.0,
            "{}: luminance variance {var:.0}: blank chart?",
            p.display()
        );
        assert!(
            ink > 0.03,
            "{}: only {:.1} % of pixels drawn",
            p.display(),
            ink * 100.0
        );
    }
    for f in ["report.md", "report.html", "series.csv", "series.parquet"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    for c in &expected {
        assert!(
            md.contains(&format!("(charts/{c})")),
            "report.md does not show {c}"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        expected.len(),
        "every chart embedded once"
    );
}

#[test]
fn chart_command_redraws_the_same_pngs_from_the_outputs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out, &[]);
    let charts = out.join("charts");
    let before: HashMap<PathBuf, Vec<u8>> = pngs(&charts)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).expect("png");
            (p, b)
        })
        .collect();
    std::fs::remove_dir_all(&charts).expect("rm charts");
    let o = evimpact(&["chart", "car", "--out", out.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        pngs(&charts),
        vec![charts.join("car.png")],
        "only the CAR chart"
    );
    let o = evimpact(&["chart", "all", "--out", out.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(pngs(&charts).len(), before.len());
    for (p, bytes) in &before {
        let now = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(&now == bytes, "{} differs when redrawn", p.display());
    }
    // One security's price panel; an unknown window is a clear error.
    std::fs::remove_dir_all(&charts).expect("rm charts");
    let o = evimpact(&[
        "chart",
        "prices",
        "--security",
        "002415.SZ",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        pngs(&charts),
        vec![charts.join("price_002415.SZ_EL2019-10-07.png")]
    );
    let o = evimpact(&[
        "chart",
        "car-dist",
        "--window",
        "0:3",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--window 0:3: not a CAR window"),
        "{}",
        stderr(&o)
    );
    let o = evimpact(&[
        "chart",
        "car",
        "--out",
        tmp.path().join("nope").to_str().expect("utf8"),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("summary.json"), "{}", stderr(&o));
}

fn num(s: &str) -> Option<f64> {
    s.parse().ok()
}

/// The series behind the charts, against values computed independently: the raw price
/// file (prices, volume ratio, holidays), car.csv (cumulative CAR and its variance), and
/// the J1 statistic of tests.csv (the CAAR band).
#[test]
fn chart_series_match_independent_values() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out, &[]);
    let series = read_csv(&out.join("series.csv"));
    let car = read_csv(&out.join("car.csv"));
    let tests = read_csv(&out.join("tests.csv"));
    let caar = read_csv(&out.join("caar.csv"));

    // Cumulative CAR at τ = +10 is CAR[-10, +10] with the same variance.
    for sec in ["002415.SZ", "002236.SZ", "002230.SZ", "300188.SZ"] {
        let s = series
            .iter()
            .find(|r| r["security"] == sec && r["tau"] == "10")
            .expect("series row at tau 10");
        let c = car
            .iter()
            .find(|r| r["security"] == sec && r["window"] == "-10:10")
            .expect("car row");
        let (a, b) = (num(&s["car"]).expect("car"), num(&c["car"]).expect("car"));
        assert_close!(a, b, ROUNDOFF.rel(), "{sec}");
        let (a, b) = (
            num(&s["car_var"]).expect("var"),
            num(&c["car_var"]).expect("var"),
        );
        assert_close!(a, b, ROUNDOFF.rel(), "{sec}: var");
    }
    // Suspended sessions carry no price; Hikvision's τ = 0, 1 are suspended.
    let hik: Vec<_> = series
        .iter()
        .filter(|r| r["security"] == "002415.SZ")
        .collect();
    for tau in ["0", "1"] {
        let r = hik.iter().find(|r| r["tau"] == tau).expect("row");
        assert_eq!(r["status"], "suspended");
        assert_eq!(r["price"], "");
        assert_eq!(r["volume_ratio"], "");
    }
    // Holidays are rows of their own: National Day 2019-10-01..07 (5 weekdays) and
    // Mid-Autumn Festival 2019-09-13, taken from the XSHG calendar, not hard-coded elsewhere.
    let closed: Vec<&str> = hik
        .iter()
        .filter(|r| r["status"] == "closed")
        .map(|r| r["date"].as_str())
        .collect();
    assert_eq!(
        closed,
        [
            "2019-09-13",
            "2019-10-01",
            "2019-10-02",
            "2019-10-03",
            "2019-10-04",
            "2019-10-07"
        ]
    );
    assert!(
        hik.iter()
            .any(|r| r["marks"].contains("announced@2019-10-07"))
    );

    // Prices and the volume ratio (volume over the estimation window's geometric mean)
    // from the raw price file.
    let raw = read_csv(&data_dir().join("prices/cn/002415.SZ.csv"));
    let cal: Vec<String> = read_csv(&data_dir().join("calendars/XSHG_sessions_2015_2025.csv"))
        .into_iter()
        .map(|r| r["date"].clone())
        .collect();
    let d0 = cal
        .iter()
        .position(|d| d == "2019-10-08")
        .expect("day 0 session");
    let est: Vec<&String> = cal[d0 - 260..=d0 - 11].iter().collect();
    let vols: Vec<f64> = raw
        .iter()
        .filter(|r| est.contains(&&r["date"]) && r["trade_status"] == "1")
        .filter_map(|r| num(&r["volume"]))
        .filter(|v| *v > 0.0)
        .collect();
    // The geometric mean: the ratio's log is the abnormal log volume.
    let mean = (vols.iter().map(|v| v.ln()).sum::<f64>() / vols.len() as f64).exp();
    for date in ["2019-09-30", "2019-10-10", "2019-10-18"] {
        let rr = raw.iter().find(|r| r["date"] == date).expect("raw row");
        let sr = hik.iter().find(|r| r["date"] == date).expect("series row");
        let (p, q) = (
            num(&rr["adj_close"]).expect("p"),
            num(&sr["price"]).expect("p"),
        );
        assert_close!(q, p, ROUNDOFF.rel(), "{date}: price");
        let want = num(&rr["volume"]).expect("v") / mean;
        let got = num(&sr["volume_ratio"]).expect("ratio");
        assert_close!(got, want, INDEPENDENT.rel(), "{date}: ratio");
    }

    // The CAAR path and its band as the chart draws them: at τ = +10 the CAAR is the
    // CAAR[-10, +10] of caar.csv, and the band is the lead test's (the crude dependence
    // adjustment at 4 events on one date): half-width c·|CAAR / statistic| with c the
    // two-sided 5 % critical value of its t(249) (tests.csv).
    let data = evimpact::chart::series::ChartData::load(&out).expect("chart data");
    let path = data.caar_path();
    let k = path.taus.iter().position(|t| *t == 10).expect("tau 10");
    let m = caar
        .iter()
        .find(|r| r["scope"] == "window" && r["window"] == "-10:10")
        .and_then(|r| num(&r["mean"]))
        .expect("caar");
    let cda = tests
        .iter()
        .find(|r| r["scope"] == "window" && r["window"] == "-10:10" && r["test"] == "cda")
        .expect("cda");
    assert_eq!(cda["distribution"], "t(249)");
    let stat = num(&cda["statistic"]).expect("cda statistic");
    let got = path.caar[k].expect("caar at 10");
    assert_close!(got, m, ROUNDOFF.rel(), "CAAR");
    let half = path.upper[k].expect("upper") - got;
    // t(249) two-sided 5 %: 1.969537 (R: qt(0.975, 249) = 1.969537).
    let want = 1.969_537 * (m / stat).abs();
    // The critical value is written with 7 digits: 1e-6 relative.
    assert_close!(half, want, Tol::new(1e-6).rel(), "band");
    assert!(path.band_label.contains("cda"), "{}", path.band_label);
}

/// The plain-language summary quotes the computed numbers, formatted independently here
/// from car.csv.
#[test]
fn summary_sentences_quote_the_computed_numbers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out, &[]);
    let car = read_csv(&out.join("car.csv"));
    // The HTML shows the sentences without Markdown escapes, a number and its % joined by a
    // no-break space (expected strings are written with " %" and converted).
    let md = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let nb = |s: &str| s.replace(" %", "\u{a0}%");
    let c = car
        .iter()
        .find(|r| r["security"] == "002415.SZ" && r["window"] == "0:5")
        .expect("row");
    let v = num(&c["car"]).expect("car") * 100.0;
    let t = num(&c["t_stat"]).expect("t");
    let s = format!(
        "CAR[0, +5] is {}{:.2} % (t = {}{:.2}",
        if v < 0.0 { "−" } else { "+" },
        v.abs(),
        if t < 0.0 { "−" } else { "" },
        t.abs()
    );
    let s = nb(&s);
    assert!(md.contains(&s), "report lacks {s:?}");
    // Hikvision was suspended on day 0: the summary says where the reaction shows, with its
    // first abnormal return (from ar.csv) against the CSI 300.
    let ar = read_csv(&out.join("ar.csv"));
    let first = ar
        .iter()
        .find(|r| r["security"] == "002415.SZ" && r["tau"] == "2")
        .expect("τ = +2");
    let first = num(&first["ar"]).expect("ar") * 100.0;
    assert!(first < 0.0);
    let s = format!(
        "was suspended when the news came and fell {:.2} % against the CSI 300 on resumption, 2019-10-10 (τ = +2, a 3-session return spanning the halt)",
        first.abs()
    );
    let s = nb(&s);
    assert!(md.contains(&s), "report lacks {s:?}");
    // The lead window is [0, +5] (the shortest from day 0 with a return for all four) and the
    // sample sentence names the lead test at N = 4 on one date, not J1.
    assert!(md.contains(&nb("Across 4 events on one date, the CAAR[0, +5] is −6.81 %. The lead test, the crude dependence adjustment (Brown-Warner portfolio test), gives t(249) = −1.89 (p = 0.059)")), "{md}");
}

#[test]
fn report_tables_match_golden() {
    use evimpact::study::{Overrides, Study, read_study_file};
    let path = repo().join("data/studies/entity-list-2019.toml");
    let file = read_study_file(&path).expect("study file");
    let study =
        Study::resolve(Some((&path, file)), Overrides::default(), &data_dir()).expect("study");
    let o = evimpact::pipeline::run_study(&study).expect("run");
    let got = evimpact::report::tables_markdown(&o);
    let golden = repo().join("tests/golden/entity-list-2019.report-tables.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &got).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_GOLDEN=1 cargo test --test it report_tables",
            golden.display()
        )
    });
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  got:  {a}\n  want: {b}", i + 1))
            .unwrap_or_else(|| "lengths differ".into());
        panic!(
            "report tables differ from {} ({first}). If the change is intended, run UPDATE_GOLDEN=1 cargo test --test it report_tables and review the diff.",
            golden.display()
        );
    }
}

/// Every test of the battery is in the report, in tables that fit A4 portrait: each
/// "Every test, per window" table has one row per test of the run (in `TestId` labels) and
/// at most 5 window columns; every test heads a column of one "AAR per event day" table and
/// no such table has more than 5 test columns. (CI's browser step also checks the printed
/// PDF's text: scripts/check_html.py.)
#[test]
fn every_test_is_in_tables_that_fit_a_page() {
    use evimpact::study::{Overrides, Study, read_study_file};
    let path = repo().join("data/studies/entity-list-2019.toml");
    let file = read_study_file(&path).expect("study file");
    let study =
        Study::resolve(Some((&path, file)), Overrides::default(), &data_dir()).expect("study");
    let o = evimpact::pipeline::run_study(&study).expect("run");
    let md = evimpact::report::tables_markdown(&o);
    let mut labels: Vec<String> = o.windows[0]
        .tests
        .iter()
        .map(|t| t.test.label().to_string())
        .collect();
    labels.sort();
    assert!(labels.len() >= 20, "{labels:?}");
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().replace('\\', ""))
            .collect()
    };
    let (mut section, mut per_test, mut aar_heads) = (String::new(), 0, Vec::new());
    let lines: Vec<&str> = md.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('#') {
            section = line.trim_start_matches('#').trim().to_string();
        }
        let header_row =
            line.starts_with('|') && lines.get(i + 1).is_some_and(|n| n.starts_with("|---"));
        if !header_row {
            continue;
        }
        let head = cells(line);
        if head[0] == "test" {
            per_test += 1;
            assert!(head.len() - 2 <= 5, "{line}");
            let mut rows: Vec<String> = lines[i + 2..]
                .iter()
                .take_while(|l| l.starts_with('|'))
                .map(|l| cells(l)[0].clone())
                .collect();
            rows.sort();
            assert_eq!(rows, labels, "{line}");
        } else if section == "AAR per event day" {
            assert_eq!(&head[..3], ["τ", "N", "AAR"], "{line}");
            assert!(head.len() - 3 <= 5, "{line}");
            aar_heads.extend(head[3..].iter().cloned());
        }
    }
    assert_eq!(
        per_test,
        o.windows.len().div_ceil(5),
        "tables of every test"
    );
    aar_heads.sort();
    assert_eq!(aar_heads, labels, "each test in exactly one AAR table");
}

/// A headline `<script>alert(1)</script>`, a source that tries to close an attribute, a
/// `javascript:` URL and an entity with Markdown and HTML in it: all shown as text.
#[test]
fn input_text_is_escaped_and_the_page_is_self_contained() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("xss");
    let events = repo().join("tests/fixtures/report/events-xss.csv");
    run_reference(&out, &["--events", events.to_str().expect("utf8")]);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let lower = html.to_ascii_lowercase();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "headline shown as text"
    );
    assert!(!lower.contains("<script"), "no script element");
    assert!(!lower.contains("<img src=x"), "no injected element");
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(
        !lower.contains("href=\"javascript"),
        "javascript: URL is not a link"
    );
    assert!(html.contains("iFlytek &lt;b&gt;bold&lt;/b&gt; | pipe *star*"));
    assert!(html.contains("<a href=\"https://example.com/page?a=1&amp;b=2\""));
    // No loadable resource from anywhere but data: URIs: every tag's src is a data: URI,
    // href only on links (escaped text never contains '<', so this sees markup only).
    for tag in lower
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        if let Some(i) = tag.find(" src=") {
            let v = &tag[i + 5..];
            assert!(
                v.starts_with("\"data:image/png;base64,"),
                "resource not embedded: <{}",
                &tag[..tag.len().min(80)]
            );
        }
        if tag.contains(" href=") {
            assert!(
                tag.starts_with("a href=\"https://") || tag.starts_with("a href=\"http://"),
                "<{tag}>"
            );
        }
    }
    for bad in [
        "<link", "@import", "url(", "<iframe", "<object", "<embed", "srcset",
    ] {
        assert!(!lower.contains(bad), "page contains {bad}");
    }
    assert!(html.contains("Content-Security-Policy"));

    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!md.contains("<script") && !md.contains("javascript:alert(3)>"));
    assert!(md.contains("iFlytek &lt;b&gt;bold&lt;/b&gt; \\| pipe \\*star\\*"));

    // Two events on 002415.SZ: one panel each, and each marks the other.
    let charts = out.join("charts");
    assert!(charts.join("price_002415.SZ_XSS-1.png").is_file());
    assert!(charts.join("price_002415.SZ_XSS-2.png").is_file());
    let series = read_csv(&out.join("series.csv"));
    assert!(
        series
            .iter()
            .any(|r| r["event_id"] == "XSS-1" && r["marks"].contains("other:XSS-2@2019-10-15"))
    );
    assert!(
        series
            .iter()
            .any(|r| r["event_id"] == "XSS-2" && r["marks"].contains("other:XSS-1@2019-10-07"))
    );
}

/// The LaTeX tables (latex/caar.tex, latex/car.tex): booktabs rules, one row per window
/// (braced, so "[" after "\\" is not an optional length) with the lead test's statistic,
/// one row per event with its CARs and t below, the halted firms' short windows marked †,
/// and every text escaped. Compiled by hand with scripts/check_latex.sh (pdflatex).
#[test]
fn latex_tables_hold_the_windows_the_lead_test_and_the_events() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    run_reference(&out, &[]);
    let caar = std::fs::read_to_string(out.join("latex/caar.tex")).expect("caar.tex");
    for s in [
        "\\begin{tabular}{lrrrr}",
        "\\toprule",
        "\\midrule",
        "\\bottomrule",
        "Window & $N$ & CAAR (\\%) & CDA (portfolio) & $p$ \\\\",
        "{[0, +5]} & 4 & $-6.81$ & $-1.89$$^{*}$ & $0.059$ \\\\",
        "{[t0, t+1]} & 4 & $-5.09$ & $-2.46$$^{**}$ & $0.015$ \\\\",
        "\\texttt{mackinlay\\_j1}",
    ] {
        assert!(caar.contains(s), "caar.tex lacks {s:?}:\n{caar}");
    }
    let rows = caar.lines().filter(|l| l.starts_with("{[")).count();
    assert_eq!(rows, 7, "one row per window");
    let car = std::fs::read_to_string(out.join("latex/car.tex")).expect("car.tex");
    assert!(
        car.contains("{002415.SZ Hikvision} & $-1.27$$^{\\dagger}$ & --"),
        "{car}"
    );
    assert!(car.contains("$-10.52$$^{**}$"), "{car}");
    assert_eq!(
        car.lines()
            .filter(|l| l.starts_with("{00") || l.starts_with("{30"))
            .count(),
        4
    );
}

/// A holiday inside several events' windows is one line naming each security once, in the
/// order met (a security with two events across it too), and a count beyond six.
#[test]
fn a_holiday_in_the_windows_names_each_security_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let line = |events: &str, name: &str| -> String {
        let file = tmp.path().join(format!("{name}.csv"));
        std::fs::write(&file, events).expect("events file");
        let out = tmp.path().join(name);
        let o = evimpact(&[
            "run",
            "--events",
            file.to_str().expect("utf8"),
            "--prices",
            "prices/us",
            "--markets",
            "XNYS=indices/us/GSPC.csv",
            "--out",
            out.to_str().expect("utf8"),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
        let lines: Vec<&str> = report
            .lines()
            .filter(|l| l.contains("Exchange closed"))
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines[0].to_string()
    };
    let head = "event_id,security,entity,date\n";
    let few = format!(
        "{head}A,QCOM,Qualcomm,2019-05-16\nB,MU,Micron,2019-05-16\nC,QCOM,Qualcomm,2019-05-17\nD,INTC,Intel,2019-05-16\n"
    );
    assert_eq!(
        line(&few, "few"),
        "- Exchange closed 2019-05-27 (1 weekday), just before τ = +7 for QCOM, MU, INTC: no session, so no return and no shift of event time."
    );
    let mut many = head.to_string();
    for s in ["QCOM", "MU", "INTC", "XLNX", "NVDA", "AMD", "TXN", "ADI"] {
        many.push_str(&format!("E{s},{s},{s},2019-05-16\n"));
    }
    many.push_str("F,QCOM,Qualcomm,2019-05-17\n");
    assert!(
        line(&many, "many").contains("just before τ = +7 for 8 securities:"),
        "eight securities, QCOM counted once"
    );
}
