//! Trading status and calendars on the real data (issue: trading status as first-class data):
//! halts from both sources, holidays, suspensions found from the price file alone, limit-locked
//! closes, time zones across markets, the event-day rules and the halt/limit policies.

use std::collections::HashMap;

use crate::common::*;
use crate::testutil::{ROUNDOFF, assert_close};

type Rows = Vec<HashMap<String, String>>;

fn run_ok(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let mut a: Vec<&str> = args.to_vec();
    let o = out.to_str().expect("utf8").to_string();
    a.extend(["--out", &o, "-q"]);
    let r = evimpact(&a);
    assert!(r.status.success(), "{}", stderr(&r));
    (tmp, out)
}

fn find<'a>(rows: &'a Rows, pairs: &[(&str, &str)]) -> Vec<&'a HashMap<String, String>> {
    rows.iter()
        .filter(|r| pairs.iter().all(|(k, v)| r[*k] == *v))
        .collect()
}

fn one<'a>(rows: &'a Rows, pairs: &[(&str, &str)]) -> &'a HashMap<String, String> {
    let f = find(rows, pairs);
    assert_eq!(f.len(), 1, "{pairs:?}: {f:?}");
    f[0]
}

fn events_file(dir: &std::path::Path, body: &str) -> String {
    let p = dir.join("events.csv");
    std::fs::write(
        &p,
        format!("event_id,security,entity,date,time,tz,headline,source,url\n{body}"),
    )
    .expect("write");
    p.display().to_string()
}

#[test]
fn reference_study_statuses_and_audit() {
    let (_t, out) = run_ok(&["run", "data/studies/entity-list-2019.toml"]);
    let st = read_csv(&out.join("status.csv"));
    assert_eq!(
        header(&out.join("status.csv")),
        "event_id,security,tau,date,status,source"
    );
    for sec in ["002415.SZ", "002236.SZ"] {
        for d in ["2019-10-08", "2019-10-09"] {
            let r = one(&st, &[("security", sec), ("date", d)]);
            assert_eq!(r["status"], "suspended");
            // Both the halts file and the price file (trade_status=0, zero volume) say so.
            assert!(
                r["source"].contains("halts file") && r["source"].contains("trade_status=0"),
                "{}",
                r["source"]
            );
        }
    }
    // National Day 2019-10-01..07 is an exchange holiday, not a halt, for every security.
    for sec in ["002415.SZ", "002236.SZ", "002230.SZ", "300188.SZ"] {
        for d in [
            "2019-10-01",
            "2019-10-02",
            "2019-10-03",
            "2019-10-04",
            "2019-10-07",
        ] {
            let r = one(&st, &[("security", sec), ("date", d)]);
            assert_eq!(
                (r["status"].as_str(), r["tau"].as_str()),
                ("holiday", ""),
                "{sec} {d}"
            );
        }
        assert!(
            find(&st, &[("security", sec), ("date", "2019-10-05")]).is_empty(),
            "weekends are not rows"
        );
    }
    let audit = read_csv(&out.join("audit.csv"));
    // Every shift, halt and limit flag of the study is in the audit.
    assert_eq!(
        find(&audit, &[("rule", "event_day"), ("outcome", "shifted")]).len(),
        4
    );
    assert_eq!(
        find(
            &audit,
            &[("rule", "trading_status"), ("outcome", "suspended")]
        )
        .len(),
        2
    );
    let mp = one(
        &audit,
        &[
            ("security", "300188.SZ"),
            ("outcome", "suspended_in_estimation"),
        ],
    );
    assert!(
        mp["reason"].contains("2019-03-27..2019-04-01")
            && mp["reason"].contains("spans 5 sessions"),
        "{}",
        mp["reason"]
    );
    let lim = one(
        &audit,
        &[
            ("security", "300188.SZ"),
            ("outcome", "limit_locked_in_estimation"),
        ],
    );
    assert!(
        lim["reason"].contains("2019-04-02 (up), 2019-04-03 (up)"),
        "{}",
        lim["reason"]
    );
    let vol = one(&audit, &[("security", "002415.SZ"), ("rule", "volume")]);
    assert!(
        vol["reason"].contains("resumption 2019-10-10"),
        "{}",
        vol["reason"]
    );
    let report = std::fs::read_to_string(out.join("report.md"))
        .expect("report")
        .replace("\\_", "_");
    for needle in [
        "Halt policy: trade_to_trade",
        "Limit policy: flag",
        "2019-04-02 (up)",
        "resumption 2019-10-10",
    ] {
        assert!(report.contains(needle), "report lacks {needle:?}");
    }
    // Abnormal volume on the resumption: Hikvision traded 169,438,557 shares on 2019-10-10.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("json"))
            .expect("valid");
    let hik = s["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["security"] == "002415.SZ")
        .expect("hik");
    let res = &hik["resumptions"][0];
    assert_eq!(res["date"], "2019-10-10");
    assert_eq!(res["volume"].as_f64(), Some(169438557.0));
    assert!(res["z"].as_f64().expect("z") > 2.0);
}

/// 300188.SZ's 2019-03-27..04-01 suspension from the price file alone (no halts file); it
/// resumed on 2019-04-02 with a one-price limit-up close (18.93 = 17.21 × 1.1, O=H=L=C) and
/// closed limit-up again on 2019-04-03 (20.82 = 18.93 × 1.1).
#[test]
fn suspension_and_limit_up_found_from_the_price_file_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ev = events_file(tmp.path(), "MP,300188.SZ,Meiya Pico,2019-03-28,,,h,s,u\n");
    let (_t, out) = run_ok(&[
        "run",
        "--events",
        &ev,
        "--prices",
        "prices/cn",
        "--market",
        "indices/cn/000300.SH.csv",
    ]);
    let st = read_csv(&out.join("status.csv"));
    for d in ["2019-03-27", "2019-03-28", "2019-03-29", "2019-04-01"] {
        let r = one(&st, &[("date", d)]);
        assert_eq!(r["status"], "suspended", "{d}");
        assert_eq!(
            r["source"], "trade_status=0 + zero volume, repeated price",
            "{d}"
        );
    }
    let r = one(&st, &[("date", "2019-04-02")]);
    assert_eq!(r["status"], "limit_locked");
    assert!(
        r["source"].contains("close 18.93 at the upper limit")
            && r["source"].contains("reference 17.21"),
        "{}",
        r["source"]
    );
    assert_eq!(
        one(&st, &[("date", "2019-04-03")])["status"],
        "limit_locked"
    );
    assert_eq!(one(&st, &[("date", "2019-04-04")])["status"], "trading");
    let ar = read_csv(&out.join("ar.csv"));
    let r = one(&ar, &[("date", "2019-04-02")]);
    assert_eq!(
        (r["status"].as_str(), r["span"].as_str()),
        ("limit_locked", "5")
    );
    let audit = read_csv(&out.join("audit.csv"));
    assert_eq!(find(&audit, &[("outcome", "limit_locked")]).len(), 2);
    assert_eq!(
        one(&audit, &[("outcome", "suspended_on_day0")])["day0"],
        "2019-03-28"
    );

    // Accumulate: the limit-locked sessions carry no return; 2019-04-04 spans from 03-26.
    let (_t2, out2) = run_ok(&[
        "run",
        "--events",
        &ev,
        "--prices",
        "prices/cn",
        "--market",
        "indices/cn/000300.SH.csv",
        "--limit-policy",
        "accumulate",
    ]);
    let ar = read_csv(&out2.join("ar.csv"));
    for d in ["2019-04-02", "2019-04-03"] {
        let r = one(&ar, &[("date", d)]);
        assert_eq!(
            (r["status"].as_str(), r["ret"].as_str()),
            ("limit_locked", ""),
            "{d}"
        );
    }
    let r = one(&ar, &[("date", "2019-04-04")]);
    assert_eq!(r["span"], "7");
    let px = read_csv(&data_dir().join("prices/cn/300188.SZ.csv"));
    let adj = |d: &str| {
        px.iter()
            .find(|r| r["date"] == d)
            .and_then(|r| r["adj_close"].parse::<f64>().ok())
            .expect("price")
    };
    let got: f64 = r["ret"].parse().expect("ret");
    assert_close!(got, adj("2019-04-04") / adj("2019-03-26") - 1.0, ROUNDOFF);
}

/// One event file across Shenzhen and New York, each security on its own calendar and index.
#[test]
fn cross_market_time_zones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ev = events_file(
        tmp.path(),
        "NY18,002415.SZ,Hikvision,2019-10-07,18:00,America/New_York,h,s,u\n\
         NY18,QCOM,Qualcomm,2019-10-07,18:00,America/New_York,h,s,u\n\
         NY10,002415.SZ,Hikvision,2019-10-07,10:00,America/New_York,h,s,u\n\
         NY10,QCOM,Qualcomm,2019-10-07,10:00,America/New_York,h,s,u\n",
    );
    let (_t, out) = run_ok(&[
        "run",
        "--events",
        &ev,
        "--prices",
        "prices/cn",
        "--prices",
        "prices/us",
        "--markets",
        "XSHG=indices/cn/000300.SH.csv",
        "--markets",
        "XNYS=indices/us/GSPC.csv",
    ]);
    let audit = read_csv(&out.join("audit.csv"));
    let day0 = |id: &str, sec: &str| {
        one(
            &audit,
            &[("event_id", id), ("security", sec), ("rule", "event_day")],
        )["day0"]
            .clone()
    };
    assert_eq!(day0("NY18", "002415.SZ"), "2019-10-08");
    assert_eq!(day0("NY18", "QCOM"), "2019-10-08");
    assert_eq!(day0("NY10", "QCOM"), "2019-10-07");
    // 10:00 New York is 22:00 in Shenzhen, after its 15:00 close: the next session.
    assert_eq!(day0("NY10", "002415.SZ"), "2019-10-08");
    assert_eq!(
        one(
            &audit,
            &[
                ("event_id", "NY18"),
                ("security", "QCOM"),
                ("rule", "event_day")
            ]
        )["outcome"],
        "after_close"
    );
    // Each security is measured against its own market index.
    let ar = read_csv(&out.join("ar.csv"));
    let idx = |f: &str, d0: &str, d1: &str| {
        let m = read_csv(&data_dir().join(f));
        let p = |d: &str| {
            m.iter()
                .find(|r| r["date"] == d)
                .and_then(|r| r["adj_close"].parse::<f64>().ok())
                .expect("index")
        };
        p(d1) / p(d0) - 1.0
    };
    let q = one(
        &ar,
        &[
            ("event_id", "NY10"),
            ("security", "QCOM"),
            ("date", "2019-10-07"),
        ],
    );
    let got: f64 = q["market_ret"].parse().expect("m");
    assert_close!(
        got,
        idx("indices/us/GSPC.csv", "2019-10-04", "2019-10-07"),
        ROUNDOFF
    );
    let h = one(
        &ar,
        &[
            ("event_id", "NY10"),
            ("security", "002415.SZ"),
            ("date", "2019-09-30"),
        ],
    );
    let got: f64 = h["market_ret"].parse().expect("m");
    assert_close!(
        got,
        idx("indices/cn/000300.SH.csv", "2019-09-27", "2019-09-30"),
        ROUNDOFF
    );
    // US rows have US holidays: 2019-10-14 (Columbus Day) is a session for XNYS.
    let st = read_csv(&out.join("status.csv"));
    assert_eq!(
        one(
            &st,
            &[
                ("event_id", "NY10"),
                ("security", "QCOM"),
                ("date", "2019-10-14")
            ]
        )["status"],
        "trading"
    );
}

/// An event on Saturday 2019-10-05 under `previous` moves day 0 to Friday 10-04 and the
/// estimation window with it; under `next` both go to Monday 10-07.
#[test]
fn saturday_event_under_previous_moves_the_estimation_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ev = events_file(tmp.path(), "SAT,QCOM,Qualcomm,2019-10-05,,,h,s,u\n");
    let common = [
        "--events",
        &ev,
        "--prices",
        "prices/us",
        "--market",
        "indices/us/GSPC.csv",
    ];
    let (_a, prev) = run_ok(&[&["run"][..], &common[..], &["--rule", "previous"][..]].concat());
    let (_b, next) = run_ok(&[&["run"][..], &common[..], &["--rule", "next"][..]].concat());
    let cal: Vec<String> = read_csv(&data_dir().join("calendars/XNYS_sessions_2015_2025.csv"))
        .iter()
        .map(|r| r["date"].clone())
        .collect();
    let est_end = |day0: &str| {
        let i = cal.iter().position(|d| d == day0).expect("session");
        cal[i - 11].clone()
    };
    for (out, day0) in [(&prev, "2019-10-04"), (&next, "2019-10-07")] {
        let audit = read_csv(&out.join("audit.csv"));
        assert_eq!(one(&audit, &[("rule", "event_day")])["day0"], day0);
        let est = one(&audit, &[("rule", "estimation")]);
        assert!(
            est["reason"].contains(&format!("..{})", est_end(day0))),
            "{day0}: {}",
            est["reason"]
        );
        let ar = read_csv(&out.join("ar.csv"));
        assert_eq!(one(&ar, &[("tau", "0")])["date"], day0);
    }
    assert_ne!(est_end("2019-10-04"), est_end("2019-10-07"));
    // A maximum shift of 0 weekdays skips the `next` case (Saturday → Monday is 1 weekday).
    let tmp2 = tempfile::tempdir().expect("tempdir");
    let o2 = tmp2.path().join("o");
    let r = evimpact(
        &[
            &["run"][..],
            &common[..],
            &["--max-shift", "0", "--out", o2.to_str().expect("utf8")][..],
        ]
        .concat(),
    );
    // No event is left: the run says so and exits 1, its audit still written.
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    assert!(
        stderr(&r).starts_with("error: no event could be analysed: 1 event row, 1 skipped"),
        "{}",
        stderr(&r)
    );
    let audit = read_csv(&o2.join("audit.csv"));
    assert!(one(&audit, &[("outcome", "skipped")])["reason"].contains("more than the maximum 0"));
}

#[test]
fn halt_policies_on_the_reference_study() {
    let (_a, drop) = run_ok(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--halt-policy",
        "drop_event",
    ]);
    let audit = read_csv(&drop.join("audit.csv"));
    for sec in ["002415.SZ", "002236.SZ"] {
        let r = one(&audit, &[("security", sec), ("outcome", "skipped")]);
        assert!(
            r["reason"].contains("drop_event: suspended on 2019-10-08"),
            "{}",
            r["reason"]
        );
    }
    assert_eq!(read_csv(&drop.join("model.csv")).len(), 2);

    let (_b, excl) = run_ok(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--halt-policy",
        "exclude_days",
    ]);
    let ar = read_csv(&excl.join("ar.csv"));
    let r = one(&ar, &[("security", "002415.SZ"), ("date", "2019-10-10")]);
    assert_eq!((r["status"].as_str(), r["ret"].as_str()), ("trading", ""));
    assert_eq!(
        one(&ar, &[("security", "002415.SZ"), ("date", "2019-10-11")])["span"],
        "1"
    );
    // 300188.SZ's span-5 return in its estimation window is dropped too: M = 245, not 246.
    let model = read_csv(&excl.join("model.csv"));
    assert_eq!(
        one(&model, &[("security", "300188.SZ")])["n_estimation"],
        "245"
    );
    let report = std::fs::read_to_string(excl.join("report.md"))
        .expect("report")
        .replace("\\_", "_");
    assert!(report.contains("Halt policy: exclude_days"));
}

/// `ar.csv` and `status.csv` share their key columns in one order: event_id, security, tau,
/// date.
#[test]
fn ar_and_status_share_the_key_order() {
    let (_t, out) = run_ok(&["run", "data/studies/entity-list-2019.toml"]);
    let key = |f: &str| -> Vec<String> {
        header(&out.join(f))
            .split(',')
            .take(4)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(key("ar.csv"), ["event_id", "security", "tau", "date"]);
    assert_eq!(key("status.csv"), key("ar.csv"));
}
