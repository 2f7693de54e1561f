//! Issue 13's inference on the reference study (4 firms on one date): Binder's joint test in
//! `joint_tests.csv`, `tests.csv` and the report's note; the bootstrap p-values reproducible
//! byte for byte with the same seed and moved by another; bad resampling flags.

use std::path::Path;

use crate::common::*;

fn run(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = evimpact(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("number: {s:?}"))
}

#[test]
fn reference_study_joint_test_and_reproducible_bootstraps() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    run(&a, &[]);
    run(&b, &[]);
    run(&c, &["--resample-seed", "7"]);

    // Same seed: every table byte for byte, bootstrap p-values included.
    for f in ["tests.csv", "joint_tests.csv", "tests.parquet"] {
        assert!(
            std::fs::read(a.join(f)).expect("a") == std::fs::read(b.join(f)).expect("b"),
            "{f} differs between two runs with the same seed"
        );
    }
    // Another seed: the bootstrap p-values move (somewhere), the analytic tests do not.
    let (ta, tc) = (
        read_csv(&a.join("tests.csv")),
        read_csv(&c.join("tests.csv")),
    );
    assert_eq!(ta.len(), tc.len());
    let mut moved = 0;
    for (x, y) in ta.iter().zip(&tc) {
        assert_eq!(
            (&x["scope"], &x["tau"], &x["window"], &x["test"]),
            (&y["scope"], &y["tau"], &y["window"], &y["test"])
        );
        match x["test"].as_str() {
            "bmp_bootstrap" => moved += usize::from(x["p_value"] != y["p_value"]),
            // The placebo enumerates its placements (one date) and the wild bootstrap all
            // 2^4 sign patterns: neither draws at random here.
            _ => assert_eq!(x, y, "seed changed a non-random test"),
        }
    }
    assert!(moved > 10, "another seed moved {moved} bootstrap p-values");

    // The wild bootstrap of 4 events enumerates the 16 sign patterns: p = j/16.
    for r in ta
        .iter()
        .filter(|r| r["test"] == "wild_bootstrap_t" && r["n"] == "4")
    {
        let p = num(&r["p_value"]);
        assert!((p * 16.0 - (p * 16.0).round()).abs() < 1e-12, "{r:?}");
        assert_eq!(r["distribution"], "bootstrap(16)");
    }

    // joint_tests.csv: 4 hypotheses per window, 2 per day; the tests.csv line is car_zero's F.
    assert_eq!(
        header(&a.join("joint_tests.csv")),
        "scope,window,tau,hypothesis,n,sessions,q,wald,wald_p_value,f_statistic,f_df1,f_df2,f_p_value,f_form"
    );
    let j = read_csv(&a.join("joint_tests.csv"));
    assert_eq!(j.len(), 5 * 4 + 21 * 2);
    let row = j
        .iter()
        .find(|r| r["window"] == "0:5" && r["hypothesis"] == "car_zero")
        .expect("car_zero on [0, +5]");
    assert_eq!(
        (row["n"].as_str(), row["q"].as_str(), row["f_form"].as_str()),
        ("4", "4", "hotelling")
    );
    let (f, p) = (num(&row["f_statistic"]), num(&row["f_p_value"]));
    let nu = num(&row["sessions"]) - 2.0;
    // Hotelling: F = (ν − q + 1)/(ν q) · W on F(q, ν − q + 1).
    assert!((f - (nu - 3.0) / (nu * 4.0) * num(&row["wald"])).abs() < 1e-12 * f);
    assert_eq!(num(&row["f_df2"]), nu - 3.0);
    let line = ta
        .iter()
        .find(|r| r["window"] == "0:5" && r["test"] == "binder_joint")
        .expect("binder_joint in tests.csv");
    assert_eq!((num(&line["statistic"]), num(&line["p_value"])), (f, p));
    assert_eq!(line["distribution"], format!("F(4, {})", nu - 3.0));
    // Its calibrated line: the same F, p from the estimation window's 6-session blocks
    // (at most the 245 − 6 + 1 placements; halts of any of the four remove some).
    let cal = ta
        .iter()
        .find(|r| r["window"] == "0:5" && r["test"] == "binder_joint_empirical")
        .expect("binder_joint_empirical in tests.csv");
    assert_eq!(num(&cal["statistic"]), f);
    let blocks: usize = cal["distribution"]
        .strip_prefix("empirical(")
        .and_then(|d| d.strip_suffix(')'))
        .and_then(|d| d.parse().ok())
        .expect("empirical(S)");
    assert!((100..=240).contains(&blocks), "{blocks}");
    let cp = num(&cal["p_value"]);
    let hits = cp * (blocks + 1) as f64;
    assert!(
        (hits - hits.round()).abs() < 1e-9 && cp > 0.0 && cp <= 1.0,
        "{cp}"
    );

    // The report's note on informative tests opens with it, quoting F and p for [0, +5].
    let md = std::fs::read_to_string(a.join("report.md")).expect("report");
    let quote = format!(
        "With 4 events on one date, Binder's joint test (\\`binder\\_joint\\`, details in joint\\_tests.csv) tests the 4 CARs\\[0, +5\\] together, with their covariance from the estimation window: F(4, {}) = {f:.3}, p = {p:.3}.",
        nu - 3.0
    );
    assert!(md.contains(&quote), "{quote}");
    let calibrated = format!(
        "Its F assumes normal errors; against the same statistic on the estimation window's own {blocks} blocks of the window's length (\\`binder\\_joint\\_empirical\\`), which keep the fat tails the securities share, p = {cp:.3}."
    );
    assert!(md.contains(&calibrated), "{calibrated}");
    assert!(md.contains("Joint test for events on one date (Binder 1985"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).expect("json"))
            .expect("json");
    assert_eq!(summary["study"]["resampling"]["resamples"], 999);
    assert!(summary["windows"][2]["joint"]["rows"].is_array());
}

#[test]
fn bad_resampling_flags_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
        "--resamples",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "resamples 10: expected 99 to 1000000 (`--resamples` or `inference.resamples`)"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "no partial output");
}
