//! The second stage through the real binary: the reference case with its US suppliers
//! (`data/studies/entity-list-2019-suppliers.toml`): groups, their difference, the regression
//! on the group dummy, and the characteristics file's errors.

use std::collections::HashMap;

use crate::common::*;

fn f(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("number: {s:?}"))
}

fn run(study: &str, out: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["run", study, "--out", out.to_str().expect("utf8")];
    args.extend_from_slice(extra);
    let o = evimpact(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// CARs of one window by group, from car.csv and the events files' group column.
fn cars_by_group(out: &std::path::Path, window: &str) -> HashMap<String, Vec<f64>> {
    let mut group: HashMap<String, String> = HashMap::new();
    for file in [
        "data/events/entity-list-2019.csv",
        "data/events/entity-list-2019-suppliers.csv",
    ] {
        for r in read_csv(&repo().join(file)) {
            group.insert(r["security"].clone(), r["group"].clone());
        }
    }
    let mut m: HashMap<String, Vec<f64>> = HashMap::new();
    for r in read_csv(&out.join("car.csv")) {
        if r["window"] == window && !r["car"].is_empty() {
            m.entry(group[&r["security"]].clone())
                .or_default()
                .push(f(&r["car"]));
        }
    }
    m
}

#[test]
fn suppliers_study_compares_the_groups() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("sup");
    let said = run("data/studies/entity-list-2019-suppliers.toml", &out, &[]);
    assert!(said.contains("31 event rows: 7 analysed"), "{said}");
    assert!(said.contains("group listed_entity: CAAR[0, +5]"), "{said}");
    assert!(
        said.contains("difference listed_entity − supplier"),
        "{said}"
    );

    // The US suppliers' news came after the New York close: day 0 is the next session.
    let audit = read_csv(&out.join("audit.csv"));
    for sec in ["INTC", "NVDA", "XLNX"] {
        let r = audit
            .iter()
            .find(|r| r["security"] == sec && r["rule"] == "event_day")
            .expect("event_day row");
        assert_eq!(r["day0"], "2019-10-08", "{sec}");
        assert!(
            r["reason"].contains("after_close") || r["outcome"] == "after_close",
            "{r:?}"
        );
    }

    // The difference on [0, +5], recomputed from car.csv by hand (Welch 1947).
    let g = cars_by_group(&out, "0:5");
    let (x, y) = (&g["listed_entity"], &g["supplier"]);
    assert_eq!((x.len(), y.len()), (4, 3));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    };
    let se = (var(x) / 4.0 + var(y) / 3.0).sqrt();
    let t = (mean(x) - mean(y)) / se;
    let diff = read_csv(&out.join("group_difference.csv"));
    let d = diff
        .iter()
        .find(|r| r["window"] == "0:5" && r["measure"] == "car")
        .expect("difference row");
    assert_eq!(
        (d["group_x"].as_str(), d["group_y"].as_str()),
        ("listed_entity", "supplier")
    );
    assert!((f(&d["diff"]) - (mean(x) - mean(y))).abs() < 1e-12);
    assert!((f(&d["welch_t"]) - t).abs() < 1e-9 * t.abs());
    // 4 + 3 events: every one of the C(7, 3) = 35 splits is enumerated.
    assert_eq!(
        (
            d["permutation_exact"].as_str(),
            d["permutation_splits"].as_str()
        ),
        ("true", "35")
    );
    let p = f(&d["permutation_p"]);
    assert!(
        (p * 35.0 - (p * 35.0).round()).abs() < 1e-9 && p >= 2.0 / 35.0 - 1e-12,
        "{p}"
    );

    // The regression on the supplier dummy: the slope is the difference (supplier − listed)
    // and its classical t is the pooled two-sample t.
    let reg = read_csv(&out.join("regression.csv"));
    let b = reg
        .iter()
        .find(|r| {
            r["window"] == "0:5"
                && r["measure"] == "car"
                && r["term"] == "group=supplier"
                && r["se_type"] == "classical"
        })
        .expect("slope row");
    assert!((f(&b["estimate"]) - (mean(y) - mean(x))).abs() < 1e-12);
    assert!((f(&b["t"]) + f(&d["pooled_t"])).abs() < 1e-9);
    assert_eq!(b["n"], "7");
    // One event date: no covariance clustered by date; by security there are 7 clusters.
    assert!(!reg.iter().any(|r| r["se_type"] == "cluster_date"));
    assert!(
        reg.iter()
            .any(|r| r["se_type"] == "cluster_security" && r["n_clusters"] == "7")
    );

    // Each group's battery is the battery of its events alone: the listed firms' group
    // rows equal the reference study's pooled tests (same events, same estimation).
    let refo = tmp.path().join("ref");
    run("data/studies/entity-list-2019.toml", &refo, &["-q"]);
    let tests = read_csv(&refo.join("tests.csv"));
    let gt = read_csv(&out.join("group_tests.csv"));
    let mine: Vec<_> = gt
        .iter()
        .filter(|r| r["group"] == "listed_entity")
        .collect();
    assert_eq!(mine.len(), tests.len());
    for (a, b) in mine.iter().zip(&tests) {
        for c in [
            "scope",
            "window",
            "tau",
            "test",
            "statistic",
            "p_value",
            "n",
            "distribution",
        ] {
            assert_eq!(a[c], b[c], "{c} {a:?}");
        }
    }

    let md = std::fs::read_to_string(out.join("report.md")).expect("report");
    for s in [
        "## Groups",
        "### Difference between the groups",
        "## Cross-sectional regression",
        "## Abnormal volatility",
        "## Calendar-time portfolios",
        "## Multiple testing",
        "## Model diagnostics",
        "The pooled figures mix the groups",
    ] {
        assert!(md.contains(s), "report lacks {s:?}");
    }
    // With groups, "In brief" opens with them (the pooled CAAR mixes them).
    let brief = md.split("## In brief").nth(1).expect("In brief");
    let first = brief
        .lines()
        .find(|l| l.starts_with("- "))
        .expect("a bullet");
    assert!(first.starts_with("- **Groups**: CAAR"), "{first}");
    // Prose percentages as everywhere else in the prose: a real minus and a space before %.
    assert!(first.contains("listed\\_entity −6.81 % (N = 4,"), "{first}");
    let diff = brief
        .lines()
        .find(|l| l.starts_with("- Difference"))
        .expect("the difference line");
    assert!(diff.contains(": −8.65 % (Welch t = "), "{diff}");
    assert!(out.join("charts/group_caar.png").is_file());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(
        v["second_stage"]["groups"].as_array().map(Vec::len),
        Some(2)
    );
}

/// A characteristics file with a bad cell stops the run with its file, line, column and
/// value (exit 2); a missing column names the file and the columns it has.
#[test]
fn characteristics_file_errors_name_the_cell() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let chars = tmp.path().join("chars.csv");
    std::fs::write(
        &chars,
        "event_id,security,log_size\nEL2019-10-07,002415.SZ,10.2\nEL2019-10-07,002236.SZ,nine\n",
    )
    .expect("write");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--characteristics",
        chars.to_str().expect("utf8"),
        "--regressor",
        "log_size",
        "--out",
        tmp.path().join("o").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("chars.csv:3:3") && e.contains("\"nine\""), "{e}");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--characteristics",
        chars.to_str().expect("utf8"),
        "--regressor",
        "leverage",
        "--out",
        tmp.path().join("p").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("leverage"), "{}", stderr(&o));
}

/// Events without a characteristics row are left out of the regression with the reason.
#[test]
fn regression_lists_the_events_it_leaves_out() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let chars = tmp.path().join("chars.csv");
    std::fs::write(
        &chars,
        "event_id,security,log_size\nEL2019-10-07,002415.SZ,10.2\nEL2019-10-07,002236.SZ,9.1\nEL2019-10-07,002230.SZ,\n",
    )
    .expect("write");
    let out = tmp.path().join("o");
    run(
        "data/studies/entity-list-2019.toml",
        &out,
        &[
            "--characteristics",
            chars.to_str().expect("utf8"),
            "--regressor",
            "log_size",
            "-q",
        ],
    );
    let dropped = read_csv(&out.join("regression_dropped.csv"));
    let why = |sec: &str| {
        dropped
            .iter()
            .find(|r| r["window"] == "0:5" && r["measure"] == "car" && r["security"] == sec)
            .map(|r| r["reason"].clone())
    };
    assert_eq!(
        why("002230.SZ").as_deref(),
        Some("characteristic log_size is missing")
    );
    assert_eq!(
        why("300188.SZ").as_deref(),
        Some("no row in the characteristics file")
    );
    let fit = read_csv(&out.join("regression_fit.csv"));
    let r = fit
        .iter()
        .find(|r| r["window"] == "0:5" && r["measure"] == "car")
        .expect("fit");
    // Two events for two coefficients: no fit, and the reason is given.
    assert_eq!(r["n"], "");
    assert!(
        r["error"].contains("2 observation(s) for 2 coefficient(s)"),
        "{r:?}"
    );
}
