//! The reference study, `data/studies/entity-list-2019.toml`, run through the real binary on
//! the real data: the Hikvision/Dahua suspension handled as no trading, never a 0 % return.

use crate::common::*;
use crate::testutil::{ROUNDOFF, assert_close};

fn adj_close(file: &str, date: &str) -> f64 {
    let rows = read_csv(&data_dir().join("prices/cn").join(file));
    rows.iter()
        .find(|r| r["date"] == date)
        .and_then(|r| r["adj_close"].parse().ok())
        .unwrap_or_else(|| panic!("{file} has adj_close on {date}"))
}

#[test]
fn reference_study_handles_the_suspension() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stdout(&o);
    assert!(
        said.contains(
            "28 event rows: 4 analysed, 24 without listed shares (no market data), 0 skipped"
        ),
        "{said}"
    );
    // The first line leads with what is valid at N = 4 on one date: the portfolio test,
    // never J1, Patell or J2 (which assume independent events).
    let first = said.lines().next().expect("a first line");
    assert!(
        first.starts_with(
            "entity-list-2019: CAAR[0, +5] −6.81 % over 4 events on one date; lead test cda"
        ),
        "{first}"
    );
    assert!(first.contains("p = 0.059"), "{first}");
    for bad in ["mackinlay_j1", "patell_z", "mackinlay_j2", "J1", "Patell"] {
        assert!(!first.contains(bad), "{first}");
    }
    // Windows that end before the halted stocks' first return after the news are flagged.
    for w in ["CAAR[-1, +1]", "CAAR[0, +1]"] {
        let line = said
            .lines()
            .find(|l| l.trim_start().starts_with(w))
            .expect("window line");
        assert!(
            line.contains("misses the reaction of 002415.SZ, 002236.SZ (first return after the news at τ = +2)"),
            "{line}"
        );
    }

    for f in ["ar", "car", "tests", "model", "audit", "caar"] {
        assert!(out.join(format!("{f}.csv")).is_file(), "{f}.csv");
        assert!(
            out.join(format!("{f}.parquet"))
                .metadata()
                .map(|m| m.len() > 0)
                .unwrap_or(false),
            "{f}.parquet"
        );
    }
    for f in ["summary.json", "report.md", "charts/car.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert_eq!(
        header(&out.join("ar.csv")),
        "event_id,security,tau,date,status,span,ret,market_ret,normal_ret,ar,ar_var,sar"
    );
    assert_eq!(
        header(&out.join("car.csv")),
        "event_id,security,window,tau_start,tau_end,car,car_var,t_stat,p_value,n_returns,first_return_tau,misses_reaction"
    );
    assert_eq!(
        header(&out.join("tests.csv")),
        "scope,window,tau,test,statistic,p_value,n,distribution"
    );
    assert_eq!(
        header(&out.join("model.csv")),
        "event_id,security,model,n_estimation,alpha,beta,sigma,r2"
    );
    assert_eq!(
        header(&out.join("audit.csv")),
        "event_id,security,announced,day0,rule,outcome,reason"
    );

    let ar = read_csv(&out.join("ar.csv"));
    let audit = read_csv(&out.join("audit.csv"));
    for sec in ["002415.SZ", "002236.SZ", "002230.SZ", "300188.SZ"] {
        let day0: Vec<_> = audit
            .iter()
            .filter(|r| r["security"] == sec)
            .map(|r| r["day0"].as_str())
            .collect();
        assert!(
            !day0.is_empty() && day0.iter().all(|d| *d == "2019-10-08"),
            "{sec}: {day0:?}"
        );
        assert_eq!(
            ar.iter().filter(|r| r["security"] == sec).count(),
            21,
            "{sec}: 21 sessions in [-10,+10]"
        );
    }
    for (sec, file) in [
        ("002415.SZ", "002415.SZ.csv"),
        ("002236.SZ", "002236.SZ.csv"),
    ] {
        let row = |date: &str| {
            ar.iter()
                .find(|r| r["security"] == sec && r["date"] == date)
                .expect("row")
        };
        for date in ["2019-10-08", "2019-10-09"] {
            let r = row(date);
            assert_eq!(r["status"], "suspended", "{sec} {date}");
            assert_eq!(
                (r["ret"].as_str(), r["ar"].as_str(), r["span"].as_str()),
                ("", "", ""),
                "{sec} {date}"
            );
        }
        let r = row("2019-10-10");
        assert_eq!(
            (r["status"].as_str(), r["span"].as_str(), r["tau"].as_str()),
            ("trading", "3", "2")
        );
        let expect = adj_close(file, "2019-10-10") / adj_close(file, "2019-09-30") - 1.0;
        let got: f64 = r["ret"].parse().expect("ret");
        assert_close!(got, expect, ROUNDOFF, "{sec}");
        let m = read_csv(&data_dir().join("indices/cn/000300.SH.csv"));
        let px = |d: &str| {
            m.iter()
                .find(|r| r["date"] == d)
                .and_then(|r| r["adj_close"].parse::<f64>().ok())
                .expect("index")
        };
        let mret: f64 = r["market_ret"].parse().expect("market_ret");
        assert_close!(mret, px("2019-10-10") / px("2019-09-30") - 1.0, ROUNDOFF);
    }
    for sec in ["002230.SZ", "300188.SZ"] {
        assert!(
            ar.iter()
                .filter(|r| r["security"] == sec)
                .all(|r| r["status"] == "trading" && r["span"] == "1"),
            "{sec}"
        );
    }
    // No suspended session anywhere carries a return, let alone 0 %.
    assert!(
        ar.iter()
            .filter(|r| r["status"] == "suspended")
            .all(|r| r["ret"].is_empty())
    );

    // A window wholly inside the halt has an empty CAR and n_returns 0, never 0.
    let car = read_csv(&out.join("car.csv"));
    let c = car
        .iter()
        .find(|r| r["security"] == "002415.SZ" && r["window"] == "0:1")
        .expect("CAR[0,1]");
    assert_eq!((c["car"].as_str(), c["n_returns"].as_str()), ("", "0"));
    assert_eq!(
        (
            c["first_return_tau"].as_str(),
            c["misses_reaction"].as_str()
        ),
        ("2", "true")
    );
    let c = car
        .iter()
        .find(|r| r["security"] == "002415.SZ" && r["window"] == "0:5")
        .expect("CAR[0,5]");
    assert_eq!(c["n_returns"], "4");
    assert_eq!(c["misses_reaction"], "false");
    // [-1,+1] holds only τ = -1 for the halted firms: flagged; not for the others.
    for (sec, flagged) in [
        ("002415.SZ", "true"),
        ("002236.SZ", "true"),
        ("002230.SZ", "false"),
        ("300188.SZ", "false"),
    ] {
        let c = car
            .iter()
            .find(|r| r["security"] == sec && r["window"] == "-1:1")
            .expect("CAR[-1,1]");
        assert_eq!(c["misses_reaction"], flagged, "{sec}");
    }
    // The window in traded sessions t0:t1 gives all four firms a CAR: for the halted ones
    // it starts at their resumption (τ = +2, the return spanning the halt).
    let traded: Vec<_> = car.iter().filter(|r| r["window"] == "t0:t1").collect();
    assert_eq!(traded.len(), 4);
    for r in &traded {
        assert_eq!(r["n_returns"], "2", "{r:?}");
        assert!(r["car"].parse::<f64>().is_ok_and(f64::is_finite), "{r:?}");
        let halted = ["002415.SZ", "002236.SZ"].contains(&r["security"].as_str());
        assert_eq!(
            (r["tau_start"].as_str(), r["tau_end"].as_str()),
            if halted { ("2", "3") } else { ("0", "1") },
            "{r:?}"
        );
    }

    // Entities without listed shares are reported, not errors.
    let nomkt = audit
        .iter()
        .filter(|r| r["outcome"] == "no_market_data")
        .count();
    assert_eq!(nomkt, 24);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("json"))
            .expect("valid json");
    assert_eq!(summary["counts"]["analysed"], 4);
    assert_eq!(summary["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let inputs = summary["inputs"].as_array().expect("inputs");
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().map(|h| h.len() == 64).unwrap_or(false))
    );
    assert!(inputs.iter().any(|i| i["role"] == "prices 002415.SZ"));
    let report = std::fs::read_to_string(out.join("report.md")).expect("report");
    assert!(report.contains("spans 3 sessions") && report.contains("charts/car.png"));
    assert!(report.contains("Megvii Technology"));

    // One volume multiple: series.csv's volume_ratio on the resumption is exp(abnormal log
    // volume) of volume.csv, and the report quotes that number.
    let series = read_csv(&out.join("series.csv"));
    let volume = read_csv(&out.join("volume.csv"));
    let at = |rows: &[std::collections::HashMap<String, String>], col: &str| -> f64 {
        rows.iter()
            .find(|r| r["security"] == "002415.SZ" && r["date"] == "2019-10-10")
            .and_then(|r| r[col].parse().ok())
            .unwrap_or_else(|| panic!("002415.SZ 2019-10-10 {col}"))
    };
    let ratio = at(&series, "volume_ratio");
    assert_close!(ratio, at(&volume, "abnormal_log_volume").exp(), ROUNDOFF);
    assert!(
        report.contains(&format!(
            "= {ratio:.1}× the estimation-window geometric mean"
        )),
        "report quotes {ratio:.1}×"
    );
    // The price chart's axis: the price file's column and the exchange's currency.
    let e = &summary["events"][0];
    assert_eq!(
        (e["price_column"].as_str(), e["currency"].as_str()),
        (Some("adj_close"), Some("CNY"))
    );
}

#[test]
fn rerun_replaces_previous_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    // An empty directory, then the previous run's own output, are replaced. (A directory
    // holding files evimpact did not write is refused: tests/it/out_dir.rs.)
    std::fs::create_dir_all(&out).expect("mkdir");
    for _ in 0..2 {
        let o = evimpact(&[
            "run",
            "data/studies/entity-list-2019.toml",
            "--out",
            out.to_str().expect("utf8"),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::write(out.join("ar.csv"), "stale").expect("write");
    }
    std::fs::remove_file(out.join("ar.csv")).expect("rm");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(out.join("ar.csv"))
            .expect("ar")
            .starts_with("event_id")
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(leftovers.len(), 1, "no staging directories left behind");
}

#[test]
fn flags_alone_reproduce_the_study_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--out",
        a.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = evimpact(&[
        "run",
        "--events",
        "data/events/entity-list-2019.csv",
        "--halts",
        "data/halts/entity-list-2019.csv",
        "--prices",
        "prices/cn",
        "--market",
        "indices/cn/000300.SH.csv",
        "--calendar",
        "calendars/XSHG_sessions_2015_2025.csv",
        "--estimation",
        "-260:-11",
        "--window",
        "-10:10",
        "--car",
        "-1:1",
        "--car",
        "0:1",
        "--car",
        "0:5",
        "--car",
        "-5:5",
        "--car",
        "-10:10",
        "--car",
        "t0:t1",
        "--car",
        "t0:t5",
        "--out",
        b.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["ar.csv", "car.csv", "tests.csv", "model.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).expect("a"),
            std::fs::read(b.join(f)).expect("b"),
            "{f}"
        );
    }
    // A flag overrides the file.
    let c = tmp.path().join("c");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--car",
        "0:2",
        "--out",
        c.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let car = read_csv(&c.join("car.csv"));
    assert!(car.iter().all(|r| r["window"] == "0:2") && car.len() == 4);
}
