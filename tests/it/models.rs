//! Normal-return models, BHAR and abnormal volume through the real binary on real data,
//! against a plain second implementation written here.
//!
//! Source of the reference values: METHODS.md "Normal-return models" (Fama & French 1993:
//! R - R_f = α + b Mkt-RF + s SMB + h HML + ε), "Abnormal returns and their variance"
//! (s²(1 + x'(X'X)⁻¹x), s²(L + x_w'(X'X)⁻¹x_w)), Barber & Lyon (1997) BHAR = Π(1 + R) -
//! Π(1 + E(R)), and abnormal log volume ln V - mean(ln V_est) with t = AV / sd(ln V_est).
//! Nothing here calls evimpact's library: the CSVs are read with the `csv` crate, the 4×4
//! normal equations are accumulated in plain loops and inverted by Gauss-Jordan elimination.
//! Tolerance: [`INDEPENDENT`](crate::testutil::INDEPENDENT), |a - b| <= 1e-10 · max(1, |b|), b
//! being the value computed here.

use std::collections::HashMap;
use std::path::Path;

use crate::common::*;
use crate::testutil::{INDEPENDENT, assert_close};

fn col(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = r.headers().expect("header").clone();
    let c = h
        .iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("{name} in {}", path.display()));
    r.records()
        .map(|x| x.expect("record")[c].to_string())
        .collect()
}

/// date → value of one column.
fn series(path: &Path, name: &str) -> HashMap<String, f64> {
    col(path, "date")
        .into_iter()
        .zip(col(path, name))
        .filter_map(|(d, v)| v.parse().ok().map(|v| (d, v)))
        .collect()
}

/// Inverse of a small symmetric positive-definite matrix by Gauss-Jordan with partial pivoting.
fn invert(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = r.clone();
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|x, y| m[*x][c].abs().total_cmp(&m[*y][c].abs()))
            .expect("rows");
        m.swap(c, p);
        let piv = m[c][c];
        for v in m[c].iter_mut() {
            *v /= piv;
        }
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let src = m[c].clone();
                for (v, s) in m[r].iter_mut().zip(&src) {
                    *v -= f * s;
                }
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn quad(inv: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut q = 0.0;
    for a in 0..x.len() {
        for b in 0..x.len() {
            q += x[a] * inv[a][b] * x[b];
        }
    }
    q
}

/// Independent FF3 event study of one US security around 2019-05-16.
struct Ff3Case {
    coef: Vec<f64>,
    se: Vec<f64>,
    s2: f64,
    r2: f64,
    m: usize,
    /// τ → (return, normal return, AR, Var(AR))
    days: HashMap<i32, (f64, f64, f64, f64)>,
    car_11: (f64, f64),
    bhar_11: f64,
    /// τ → (abnormal log volume, t)
    volume: HashMap<i32, (f64, f64)>,
}

fn ff3_case(security: &str) -> Ff3Case {
    let data = data_dir();
    let sessions = col(&repo().join("data/calendars/XNYS_sessions.csv"), "date");
    let day0 = sessions
        .iter()
        .position(|d| d.as_str() >= "2019-05-16")
        .expect("day 0");
    let px = series(&data.join(format!("prices/us/{security}.csv")), "adj_close");
    let vol = series(&data.join(format!("prices/us/{security}.csv")), "volume");
    let ff = data.join("factors/ff3_daily.csv");
    let (mkt, smb, hml, rf) = (
        series(&ff, "mkt_rf"),
        series(&ff, "smb"),
        series(&ff, "hml"),
        series(&ff, "rf"),
    );
    // Every session from τ = -261 to +10 has a price and factors (checked: no halts here).
    let at = |tau: i32| &sessions[(day0 as i64 + tau as i64) as usize];
    for tau in -261..=10 {
        assert!(px.contains_key(at(tau)), "{security} price on {}", at(tau));
        assert!(mkt.contains_key(at(tau)), "factors on {}", at(tau));
    }
    let ret = |tau: i32| px[at(tau)] / px[at(tau - 1)] - 1.0;
    let x = |tau: i32| {
        let d = at(tau);
        [1.0, mkt[d] / 100.0, smb[d] / 100.0, hml[d] / 100.0]
    };
    let y = |tau: i32| ret(tau) - rf[at(tau)] / 100.0;
    let est: Vec<i32> = (-260..=-11).collect();
    let mut xtx = vec![vec![0.0; 4]; 4];
    let mut xty = [0.0; 4];
    for &t in &est {
        let (xv, yv) = (x(t), y(t));
        for a in 0..4 {
            xty[a] += xv[a] * yv;
            for b in 0..4 {
                xtx[a][b] += xv[a] * xv[b];
            }
        }
    }
    let inv = invert(&xtx);
    let coef: Vec<f64> = (0..4)
        .map(|a| (0..4).map(|b| inv[a][b] * xty[b]).sum())
        .collect();
    let fit = |t: i32| -> f64 { x(t).iter().zip(&coef).map(|(a, b)| a * b).sum() };
    let m = est.len();
    let sse: f64 = est.iter().map(|&t| (y(t) - fit(t)).powi(2)).sum();
    let ybar = est.iter().map(|&t| y(t)).sum::<f64>() / m as f64;
    let sst: f64 = est.iter().map(|&t| (y(t) - ybar).powi(2)).sum();
    let s2 = sse / (m - 4) as f64;
    let mut days = HashMap::new();
    for tau in -10..=10 {
        let normal = rf[at(tau)] / 100.0 + fit(tau);
        let var = s2 * (1.0 + quad(&inv, &x(tau)));
        days.insert(tau, (ret(tau), normal, ret(tau) - normal, var));
    }
    let mut xw = [0.0; 4];
    for t in -1..=1 {
        for (a, v) in x(t).iter().enumerate() {
            xw[a] += v;
        }
    }
    let car: f64 = (-1..=1).map(|t| days[&t].2).sum();
    let car_var = s2 * (3.0 + quad(&inv, &xw));
    let held: f64 = (-1..=1).map(|t| 1.0 + days[&t].0).product();
    let normal: f64 = (-1..=1).map(|t| 1.0 + days[&t].1).product();
    let logs: Vec<f64> = est
        .iter()
        .filter_map(|&t| vol.get(at(t)).filter(|v| **v > 0.0).map(|v| v.ln()))
        .collect();
    let lm = logs.iter().sum::<f64>() / logs.len() as f64;
    let lsd = (logs.iter().map(|l| (l - lm).powi(2)).sum::<f64>() / (logs.len() - 1) as f64).sqrt();
    let volume = (-10..=10)
        .filter_map(|t| {
            let v = *vol.get(at(t))?;
            (v > 0.0).then(|| (t, (v.ln() - lm, (v.ln() - lm) / lsd)))
        })
        .collect();
    Ff3Case {
        se: (0..4).map(|a| (s2 * inv[a][a]).sqrt()).collect(),
        coef,
        s2,
        r2: 1.0 - sse / sst,
        m,
        days,
        car_11: (car, car_var),
        bhar_11: held - normal,
        volume,
    }
}

fn write_events(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("events.csv");
    std::fs::write(
        &p,
        "event_id,security,entity,date\nHW,QCOM,Qualcomm,2019-05-16\nHW,MU,Micron,2019-05-16\nHW,INTC,Intel,2019-05-16\nEL,002415.SZ,Hikvision,2019-10-07\n",
    )
    .expect("events");
    p
}

fn run_model(dir: &Path, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let ev = write_events(dir);
    let out = dir.join("out");
    let mut args = vec![
        "run",
        "--events",
        ev.to_str().expect("utf8"),
        "--prices",
        "prices/us",
        "--prices",
        "prices/cn",
        "--markets",
        "XNYS=indices/us/GSPC.csv",
        "--markets",
        "XSHG=indices/cn/000300.SH.csv",
        "--out",
        out.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    (evimpact(&args), out)
}

fn rows_of<'a>(
    rows: &'a [HashMap<String, String>],
    security: &'a str,
) -> impl Iterator<Item = &'a HashMap<String, String>> {
    rows.iter().filter(move |r| r["security"] == security)
}

fn num(r: &HashMap<String, String>, k: &str) -> f64 {
    r[k].parse()
        .unwrap_or_else(|_| panic!("{k} = {:?} is a number", r[k]))
}

/// FF3 on QCOM, MU and INTC around Huawei's Entity-List listing (2019-05-16), GSPC as market,
/// Ken French daily factors in percent: α, b, s, h, their standard errors, σ, R², every AR
/// with its variance, CAR[-1,+1] with its variance, BHAR[-1,+1] and the abnormal log volume
/// equal the plain implementation above. Hikvision (XSHG) has no factor coverage: skipped
/// with the reason, no rows.
#[test]
fn ff3_us_matches_plain_ols() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (o, out) = run_model(
        tmp.path(),
        &[
            "--model",
            "ff3",
            "--factors",
            "factors/ff3_daily.csv",
            "--factor-units",
            "percent",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let model = read_csv(&out.join("model.csv"));
    let params = read_csv(&out.join("params.csv"));
    let ar = read_csv(&out.join("ar.csv"));
    let car = read_csv(&out.join("car.csv"));
    let bhar = read_csv(&out.join("bhar.csv"));
    let volume = read_csv(&out.join("volume.csv"));
    assert_eq!(
        header(&out.join("bhar.csv")),
        "event_id,security,window,tau_start,tau_end,bhar,n_returns"
    );
    assert_eq!(
        header(&out.join("volume.csv")),
        "event_id,security,tau,date,volume,log_volume,abnormal_log_volume,t_stat,p_value"
    );
    for sec in ["QCOM", "MU", "INTC"] {
        let want = ff3_case(sec);
        let m = rows_of(&model, sec).next().expect("model row");
        assert_eq!(m["model"], "ff3");
        assert_eq!(num(m, "n_estimation") as usize, want.m);
        for (k, v) in [
            ("alpha", want.coef[0]),
            ("beta", want.coef[1]),
            ("sigma", want.s2.sqrt()),
            ("r2", want.r2),
        ] {
            assert_close!(num(m, k), v, INDEPENDENT, "{sec} {k}: csv {}", m[k]);
        }
        for (name, a) in [("alpha", 0), ("mkt_rf", 1), ("smb", 2), ("hml", 3)] {
            let p = rows_of(&params, sec)
                .find(|r| r["param"] == name)
                .expect("param");
            assert_close!(num(p, "value"), want.coef[a], INDEPENDENT, "{sec} {name}");
            assert_close!(
                num(p, "std_error"),
                want.se[a],
                INDEPENDENT,
                "{sec} {name} se"
            );
        }
        assert_eq!(rows_of(&ar, sec).count(), 21, "{sec} event window");
        for r in rows_of(&ar, sec) {
            let tau: i32 = r["tau"].parse().expect("tau");
            let (ret, normal, a, var) = want.days[&tau];
            assert_close!(num(r, "ret"), ret, INDEPENDENT, "{sec} τ={tau} ret");
            assert_close!(
                num(r, "normal_ret"),
                normal,
                INDEPENDENT,
                "{sec} τ={tau} normal"
            );
            assert_close!(num(r, "ar"), a, INDEPENDENT, "{sec} τ={tau} ar");
            assert_close!(num(r, "ar_var"), var, INDEPENDENT, "{sec} τ={tau} var");
        }
        let c = rows_of(&car, sec)
            .find(|r| r["window"] == "-1:1")
            .expect("car");
        assert_close!(num(c, "car"), want.car_11.0, INDEPENDENT, "{sec} car");
        assert_close!(
            num(c, "car_var"),
            want.car_11.1,
            INDEPENDENT,
            "{sec} car_var"
        );
        let b = rows_of(&bhar, sec)
            .find(|r| r["window"] == "-1:1")
            .expect("bhar");
        assert_close!(
            num(b, "bhar"),
            want.bhar_11,
            INDEPENDENT,
            "{sec} bhar: csv {}",
            b["bhar"]
        );
        assert_eq!(b["n_returns"], "3");
        let v: Vec<_> = rows_of(&volume, sec).collect();
        assert_eq!(v.len(), want.volume.len(), "{sec} volume rows");
        for r in v {
            let tau: i32 = r["tau"].parse().expect("tau");
            let (a, t) = want.volume[&tau];
            assert_close!(
                num(r, "abnormal_log_volume"),
                a,
                INDEPENDENT,
                "{sec} τ={tau} AV"
            );
            assert_close!(num(r, "t_stat"), t, INDEPENDENT, "{sec} τ={tau} t");
        }
    }
    // Hikvision: XSHG sessions, US factors → skipped with the reason, not zeros.
    assert!(ar.iter().all(|r| r["security"] != "002415.SZ"));
    let audit = read_csv(&out.join("audit.csv"));
    let skip = audit
        .iter()
        .find(|r| r["security"] == "002415.SZ" && r["outcome"] == "skipped")
        .expect("skip row");
    assert!(
        skip["reason"].contains("model ff3: no factor data for 002415.SZ on XSHG"),
        "{}",
        skip["reason"]
    );
}

/// Every model runs on the same events; model.csv keeps its columns; the market-adjusted
/// model estimates nothing (alpha and beta empty), the constant-mean model has no beta;
/// Dimson's parameters are named by lag.
#[test]
fn every_model_runs() {
    for (model, extra) in [
        ("constant_mean", vec![]),
        ("market_adjusted", vec![]),
        ("market", vec![]),
        (
            "capm",
            vec![
                "--factors",
                "factors/ff3_daily.csv",
                "--factor-units",
                "percent",
            ],
        ),
        (
            "carhart",
            vec![
                "--factors",
                "factors/ff3_daily.csv",
                "--factors",
                "factors/mom_daily.csv",
                "--factor-units",
                "percent",
            ],
        ),
        ("scholes_williams", vec![]),
        ("dimson", vec!["--dimson-lags", "2"]),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut args = vec!["--model", model];
        args.extend(extra);
        let (o, out) = run_model(tmp.path(), &args);
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        assert_eq!(
            header(&out.join("model.csv")),
            "event_id,security,model,n_estimation,alpha,beta,sigma,r2"
        );
        let m = read_csv(&out.join("model.csv"));
        let q = rows_of(&m, "QCOM").next().expect("QCOM");
        assert_eq!(q["model"], model);
        match model {
            "market_adjusted" => assert!(q["alpha"].is_empty() && q["beta"].is_empty()),
            "constant_mean" => assert!(!q["alpha"].is_empty() && q["beta"].is_empty()),
            _ => assert!(num(q, "beta") > 0.5, "{model} beta {}", q["beta"]),
        }
        let p = read_csv(&out.join("params.csv"));
        if model == "dimson" {
            let names: Vec<&str> = rows_of(&p, "QCOM").map(|r| r["param"].as_str()).collect();
            assert_eq!(
                names,
                ["alpha", "b-2", "b-1", "b0", "b+1", "b+2", "beta_dimson"]
            );
        }
        // The market-adjusted CN event runs (no factors needed); the factor ones skip it.
        let analysed = m.iter().any(|r| r["security"] == "002415.SZ");
        assert_eq!(analysed, !matches!(model, "capm" | "carhart"), "{model}");
    }
}

/// The factor file's unit must be declared; a model without its factor file says which flag
/// to set. Both are usage errors (exit 2).
#[test]
fn factor_units_are_declared_never_guessed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (o, _) = run_model(
        tmp.path(),
        &["--model", "ff3", "--factors", "factors/ff3_daily.csv"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("factor_units"), "{}", stderr(&o));
    let (o, _) = run_model(tmp.path(), &["--model", "ff5", "--factor-units", "percent"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs a factor file"), "{}", stderr(&o));
    // FF5 on a file without RMW/CMA: the missing column is named.
    let (o, _) = run_model(
        tmp.path(),
        &[
            "--model",
            "ff5",
            "--factors",
            "factors/ff3_daily.csv",
            "--factor-units",
            "percent",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("factor column 'rmw'"), "{}", stderr(&o));
}

/// Prices without a volume column: no volume rows, and summary.json says why.
#[test]
fn no_volume_column_no_volume_rows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let prices = tmp.path().join("px");
    std::fs::create_dir_all(&prices).expect("dir");
    let src = data_dir().join("prices/us/QCOM.csv");
    let mut text = String::from("date,adj_close\n");
    for (d, p) in col(&src, "date").iter().zip(col(&src, "adj_close")) {
        text.push_str(&format!("{d},{p}\n"));
    }
    std::fs::write(prices.join("QCOM.csv"), text).expect("write");
    let ev = tmp.path().join("ev.csv");
    std::fs::write(&ev, "event_id,security,date\nHW,QCOM,2019-05-16\n").expect("ev");
    let out = tmp.path().join("out");
    let o = evimpact(&[
        "run",
        "--events",
        ev.to_str().expect("utf8"),
        "--prices",
        prices.to_str().expect("utf8"),
        "--market",
        "indices/us/GSPC.csv",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read_csv(&out.join("volume.csv")).is_empty());
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(s["volume"]["rows"], 0);
    assert!(
        s["volume"]["note"]
            .as_str()
            .expect("note")
            .contains("no volume column"),
        "{}",
        s["volume"]
    );
}
