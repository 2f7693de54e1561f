//! `evimpact simulate` on a small synthetic panel, and the per-event key regression test of
//! the test battery.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::testutil::{ROUNDOFF, Tol, assert_close};

/// A synthetic panel (`evimpact synth`): 30 securities × 700 sessions.
fn panel(dir: &Path) {
    let o = evimpact(&[
        "synth",
        "--securities",
        "30",
        "--sessions",
        "700",
        "--events",
        "1",
        "--seed",
        "11",
        "--out",
        dir.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `evimpact simulate` on the panel with 30 draws unless `extra` names `--draws` (clap
/// refuses a flag given twice).
fn simulate(dir: &Path, out: &Path, seed: &str, extra: &[&str]) {
    let p = |f: &str| dir.join(f).display().to_string();
    let draws = if extra.contains(&"--draws") {
        Vec::new()
    } else {
        vec!["--draws".to_string(), "30".into()]
    };
    let mut args = vec![
        "simulate".to_string(),
        "--prices".into(),
        p("prices"),
        "--market".into(),
        p("market.csv"),
        "--calendar".into(),
        p("calendar.csv"),
    ];
    args.extend(draws);
    args.extend([
        "--events".into(),
        "10".into(),
        "--seed".into(),
        seed.into(),
        "--estimation".into(),
        "-150:-11".into(),
        "--min-estimation".into(),
        "100".into(),
        "--out".into(),
        out.display().to_string(),
        "-q".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = evimpact(&a);
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("number: {s:?}"))
}

/// Same seed → byte-identical outputs; another seed → other pseudo-events. Rates at k = 0
/// are rates with their Wilson intervals around them; k = 0.2 on day 0 is rejected by the
/// parametric tests in (nearly) every replication.
#[test]
fn simulate_is_reproducible_with_valid_rates_and_power() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("panel");
    panel(&dir);
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    simulate(&dir, &a, "5", &["--k", "0.2"]);
    simulate(&dir, &b, "5", &["--k", "0.2"]);
    simulate(&dir, &c, "6", &["--k", "0.2"]);
    for f in ["rejections.csv", "rejections_windows.csv", "events.csv"] {
        let (x, y) = (
            std::fs::read(a.join(f)).expect("a"),
            std::fs::read(b.join(f)).expect("b"),
        );
        assert!(x == y, "{f} differs between two runs with the same seed");
    }
    assert_ne!(
        std::fs::read(a.join("events.csv")).expect("a"),
        std::fs::read(c.join("events.csv")).expect("c"),
        "another seed draws other pseudo-events"
    );
    assert_eq!(
        header(&a.join("rejections.csv")),
        "test,k,level,rejections,draws,rate,ci_low,ci_high,ci99_low,ci99_high"
    );
    let events = read_csv(&a.join("events.csv"));
    assert_eq!(events.len(), 30 * 10);
    let png = std::fs::read(a.join("power.png")).expect("png");
    assert_eq!(&png[1..4], b"PNG");
    // The same chart as SVG, its title as text.
    let svg = std::fs::read_to_string(a.join("power.svg")).expect("power.svg");
    let els = crate::xml::parse(&svg).expect("power.svg is well-formed XML");
    assert!(
        els.iter().any(|e| e.name == "text"
            && e.text.trim()
                == "Rejection rate at 5 % (two-sided) against the day-0 abnormal return"),
        "power.svg: no title text"
    );

    let rows = read_csv(&a.join("rejections.csv"));
    let tests: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["test"].as_str()).collect();
    // The full battery on events at random dates: 15 tests, the exact-binomial forms of the
    // two sign tests (and the R/scipy p-value of the generalized one), the two bootstraps;
    // no joint test (it needs every event on one date).
    assert_eq!(tests.len(), 20, "{tests:?}");
    assert!(tests.contains("sign_exact") && tests.contains("generalized_sign_exact"));
    assert!(tests.contains("bmp_bootstrap") && tests.contains("wild_bootstrap_t"));
    assert!(tests.contains("generalized_sign_exact_minlike") && !tests.contains("binder_joint"));
    for r in &rows {
        let (rate, lo, hi) = (num(&r["rate"]), num(&r["ci_low"]), num(&r["ci_high"]));
        let (lo99, hi99) = (num(&r["ci99_low"]), num(&r["ci99_high"]));
        let (x, n) = (num(&r["rejections"]), num(&r["draws"]));
        assert!((0.0..=1.0).contains(&rate), "{r:?}");
        assert!(n > 0.0 && n <= 30.0, "{r:?}");
        // rejections.csv prints rates with 6 decimals.
        assert_close!(rate, x / n, Tol::decimals(6), "{r:?}");
        assert!(lo <= rate && rate <= hi, "{r:?}");
        assert!(lo99 <= lo && hi <= hi99, "{r:?}");
    }
    // Rejections can only grow with the level.
    for t in &tests {
        let at = |k: &str, l: &str| {
            rows.iter()
                .find(|r| r["test"] == *t && r["k"] == k && r["level"] == l)
                .map(|r| num(&r["rejections"]))
                .expect("row")
        };
        assert!(at("0", "0.01") <= at("0", "0.05") && at("0", "0.05") <= at("0", "0.1"));
    }
    for t in [
        "mackinlay_j1",
        "cross_sectional_t",
        "patell_z",
        "bmp",
        "cda",
    ] {
        let r = rows
            .iter()
            .find(|r| r["test"] == t && r["k"] == "0.2" && r["level"] == "0.05")
            .expect("row");
        assert!(num(&r["rate"]) >= 0.95, "power of {t} at k = 0.2: {r:?}");
    }
}

fn write_events(path: &Path, rows: &[(&str, &str, &str)]) {
    let mut s = String::from("event_id,security,entity,date\n");
    for (id, sec, date) in rows {
        s.push_str(&format!("{id},{sec},{sec},{date}\n"));
    }
    std::fs::write(path, s).expect("events");
}

fn run(dir: &Path, prices: &Path, events: &Path, out: &Path) {
    let p = |f: &str| dir.join(f).display().to_string();
    let o = evimpact(&[
        "run",
        "--events",
        events.to_str().expect("utf8"),
        "--prices",
        prices.to_str().expect("utf8"),
        "--market",
        &p("market.csv"),
        "--calendar",
        &p("calendar.csv"),
        "--halts",
        &p("halts.csv"),
        "--estimation",
        "-150:-11",
        "--min-estimation",
        "100",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn rows_of(path: &Path, event: &str) -> Vec<std::collections::HashMap<String, String>> {
    read_csv(path)
        .into_iter()
        .filter(|r| r["event_id"] == event)
        .collect()
}

/// Bug class (seen in other tools): statistics keyed by security instead of by event, so a
/// security with two events counts once (inflating BMP) or overwrites its other event.
/// Here security SYN0001 has two events. (1) The third event's per-event statistics do not
/// change when the second SYN0001 event is added; (2) every cross-event test counts three
/// events; (3) renaming the second event's security (a byte copy of SYN0001's file under
/// another name) changes no statistic of tests.csv: events are the unit, not securities.
#[test]
fn repeated_securities_are_separate_events_bug() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("panel");
    panel(&dir);
    let cal: Vec<String> = std::fs::read_to_string(dir.join("calendar.csv"))
        .expect("calendar")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    let (d1, d2, d3) = (&cal[400], &cal[520], &cal[460]);
    // A second price directory with SYN0001's file also under the name COPY.
    let prices2 = tmp.path().join("prices2");
    std::fs::create_dir_all(&prices2).expect("dir");
    for e in std::fs::read_dir(dir.join("prices")).expect("prices") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, prices2.join(p.file_name().expect("name"))).expect("copy");
    }
    std::fs::copy(
        dir.join("prices").join("SYN0001.csv"),
        prices2.join("COPY.csv"),
    )
    .expect("copy");
    let (ea, eb, ec) = (
        tmp.path().join("a.csv"),
        tmp.path().join("b.csv"),
        tmp.path().join("c.csv"),
    );
    write_events(&ea, &[("E1", "SYN0001", d1), ("E3", "SYN0002", d3)]);
    write_events(
        &eb,
        &[
            ("E1", "SYN0001", d1),
            ("E2", "SYN0001", d2),
            ("E3", "SYN0002", d3),
        ],
    );
    write_events(
        &ec,
        &[
            ("E1", "SYN0001", d1),
            ("E2", "COPY", d2),
            ("E3", "SYN0002", d3),
        ],
    );
    let out = |n: &str| -> PathBuf { tmp.path().join(n) };
    run(&dir, &dir.join("prices"), &ea, &out("oa"));
    run(&dir, &dir.join("prices"), &eb, &out("ob"));
    run(&dir, &prices2, &ec, &out("oc"));

    for f in ["ar.csv", "car.csv", "model.csv"] {
        let (a, b) = (
            rows_of(&out("oa").join(f), "E3"),
            rows_of(&out("ob").join(f), "E3"),
        );
        assert!(!a.is_empty(), "{f}: E3 analysed");
        assert_eq!(
            a, b,
            "{f}: event E3 changed when SYN0001 got a second event"
        );
    }
    let tb = read_csv(&out("ob").join("tests.csv"));
    for r in tb.iter().filter(|r| r["scope"] == "window") {
        assert_eq!(r["n"], "3", "{r:?}");
    }
    let tc = read_csv(&out("oc").join("tests.csv"));
    assert_eq!(tb.len(), tc.len());
    for (b, c) in tb.iter().zip(&tc) {
        for col in ["scope", "window", "tau", "test", "n", "distribution"] {
            assert_eq!(b[col], c[col], "{b:?} vs {c:?}");
        }
        for col in ["statistic", "p_value"] {
            match (b[col].parse::<f64>(), c[col].parse::<f64>()) {
                (Ok(x), Ok(y)) => assert_close!(y, x, ROUNDOFF, "{col}: {b:?} vs {c:?}"),
                _ => assert_eq!(b[col], c[col], "{b:?} vs {c:?}"),
            }
        }
    }
}

/// The terminal's header gives the rates consistent with 5 % at 99 % (Wilson), never a
/// negative bound: 50 draws accept 0 to 6 rejections, 0.0–12.0 % (the normal approximation
/// printed −2.9–12.9 %).
#[test]
fn simulate_header_interval_is_wilson() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("panel");
    panel(&dir);
    let p = |f: &str| dir.join(f).display().to_string();
    let out = tmp.path().join("sim").display().to_string();
    let (prices, market, calendar) = (p("prices"), p("market.csv"), p("calendar.csv"));
    let o = evimpact(&[
        "simulate",
        "--prices",
        &prices,
        "--market",
        &market,
        "--calendar",
        &calendar,
        "--draws",
        "50",
        "--events",
        "5",
        "--seed",
        "3",
        "--estimation",
        "-150:-11",
        "--min-estimation",
        "100",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("(consistent with 5 % at 99 %, Wilson, for 50 draws: 0.0–12.0 %)"),
        "{text}"
    );
    assert!(!text.contains("–-") && !text.contains(": -"), "{text}");
}

/// `simulate --model garch` runs the GARCH market model on every pseudo-event and a large
/// day-0 abnormal return is rejected; a factor model is refused with the reason (no factor
/// file). The candidates depend on the seed, not the model: each replication tries the same
/// (security, day 0) pairs in the same order under both models and keeps the first ten its
/// model can analyse. A GARCH fit can be refused where the market model's is not (no
/// convergence, or the stationarity boundary), so the GARCH run keeps, in order, the market
/// model's events whose GARCH fit succeeds, then further candidates: those events are a
/// prefix of its own. 12 draws: at 6 the day-0 rejection counts of the two models happen to
/// coincide on this panel.
#[test]
fn simulate_covers_the_garch_model() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("panel");
    panel(&dir);
    let (a, b) = (tmp.path().join("g"), tmp.path().join("m"));
    simulate(
        &dir,
        &a,
        "5",
        &["--model", "garch", "--draws", "12", "--k", "0.2"],
    );
    simulate(&dir, &b, "5", &["--draws", "12", "--k", "0.2"]);
    let by_draw = |dir: &Path| {
        let mut d: Vec<Vec<(String, String)>> = vec![Vec::new(); 12];
        for r in read_csv(&dir.join("events.csv")) {
            let i: usize = r["draw"].parse().expect("draw");
            d[i].push((r["security"].clone(), r["day0"].clone()));
        }
        d
    };
    let (garch, market) = (by_draw(&a), by_draw(&b));
    let mut identical = 0;
    for (g, m) in garch.iter().zip(&market) {
        assert_eq!((g.len(), m.len()), (10, 10));
        let kept: Vec<_> = m.iter().filter(|e| g.contains(e)).cloned().collect();
        assert_eq!(g[..kept.len()], kept[..], "garch {g:?}, market {m:?}");
        identical += usize::from(g == m);
    }
    // On this panel 5 of the 12 replications keep all ten market-model events.
    assert!(
        identical >= 1,
        "{identical} of 12 replications with the same events"
    );
    let rows = read_csv(&a.join("rejections.csv"));
    let r = rows
        .iter()
        .find(|r| r["test"] == "patell_z" && r["k"] == "0.2" && r["level"] == "0.05")
        .expect("row");
    assert_eq!(r["draws"], "12");
    assert!(num(&r["rate"]) > 0.8, "{r:?}");
    assert_ne!(
        std::fs::read(a.join("rejections.csv")).expect("a"),
        std::fs::read(b.join("rejections.csv")).expect("b"),
        "the GARCH SARs differ from the market model's"
    );
    let o = evimpact(&[
        "simulate",
        "--prices",
        "x",
        "--market",
        "y",
        "--model",
        "ff3",
        "--out",
        tmp.path().join("f").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("simulate reads no factor file"),
        "{}",
        stderr(&o)
    );
}
