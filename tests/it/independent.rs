//! Independent loop implementation of METHODS.md (`/work/shared/METHODS.md`), used as a
//! second implementation against which the real `evimpact run` binary is checked.
//!
//! Source: METHODS.md sections "Returns and trading status" (trade-to-trade spans, Maynes &
//! Rumsey 1993, GLS rows scaled by 1/√d), "Normal-return models" (market model, MacKinlay
//! 1997), "Abnormal returns and their variance" (Patell 1976 prediction-error variance
//! s²(d + x'(X'X)⁻¹x), CAR variance s²(D + x_w'(X'X)⁻¹x_w)) and "Test statistics" (MacKinlay
//! J1, Brown & Warner cross-sectional t, Patell Z, Boehmer-Musumeci-Poulsen). Nothing here calls
//! evimpact library code: the CSVs are parsed with the `csv` crate, trading status is decided
//! row by row, the 2×2 normal equations are accumulated in plain loops and inverted by
//! Cramer's rule. Every number the binary writes to `ar.csv`, `car.csv`, `model.csv` and
//! `tests.csv` must agree with this implementation at [`INDEPENDENT`]:
//! |a - b| <= 1e-10 · max(1, |b|), b being the value computed here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

// The one tolerance of these tests: an independent implementation (see the policy).
use crate::testutil::{INDEPENDENT, assert_close};
/// Estimation window, event window and the CAR windows every case asks for.
const ESTIMATION: (i64, i64) = (-260, -11);
const EVENT_WINDOW: (i64, i64) = (-10, 10);
const CAR_WINDOWS: [(i64, i64); 5] = [(-1, 1), (0, 1), (0, 5), (-5, 5), (-10, 10)];
/// Fewer usable estimation returns than this: the event is skipped.
const MIN_ESTIMATION: usize = 120;

/// The naive second implementation: loaders and computations, all plain loops.
mod naive {
    use super::*;

    /// A CSV file as strings.
    pub struct Table {
        pub header: Vec<String>,
        pub rows: Vec<Vec<String>>,
    }

    impl Table {
        pub fn read(path: &Path) -> Table {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_path(path)
                .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
            let header = rdr
                .headers()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            let rows = rdr
                .records()
                .map(|r| {
                    r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                        .iter()
                        .map(|c| c.trim().to_string())
                        .collect()
                })
                .collect();
            Table { header, rows }
        }

        pub fn col(&self, name: &str) -> Option<usize> {
            self.header.iter().position(|h| h == name)
        }

        pub fn need(&self, name: &str) -> usize {
            self.col(name)
                .unwrap_or_else(|| panic!("column {name} missing in {:?}", self.header))
        }

        pub fn cell<'a>(&self, row: &'a [String], name: &str) -> &'a str {
            row.get(self.need(name)).map(String::as_str).unwrap_or("")
        }
    }

    /// Empty cell → None; anything else must parse.
    pub fn num(s: &str) -> Option<f64> {
        let s = s.trim();
        if s.is_empty() {
            None
        } else {
            Some(
                s.parse::<f64>()
                    .unwrap_or_else(|e| panic!("not a number: {s:?}: {e}")),
            )
        }
    }

    /// One row of a price file.
    #[derive(Clone, Debug)]
    pub struct PriceRow {
        pub date: String,
        pub price: Option<f64>,
        pub volume: Option<f64>,
        pub trade_status: Option<f64>,
        /// Raw close and the exchange's reference price, when the file has them (limits).
        pub raw_close: Option<f64>,
        pub preclose: Option<f64>,
        pub is_st: bool,
    }

    /// Rows of one security's price file (or of its part of a long file), sorted by date.
    /// Price = `adj_close` when the file has that column, else `close`.
    pub fn load_series(path: &Path, security: Option<&str>) -> Vec<PriceRow> {
        let t = Table::read(path);
        let pc = t.col("adj_close").unwrap_or_else(|| t.need("close"));
        let dc = t.need("date");
        let vc = t.col("volume");
        let sc = t.col("trade_status");
        let rawc = t.col("adj_close").and(t.col("close"));
        let prec = t.col("preclose");
        let stc = t.col("is_st");
        let secc = security.map(|_| t.need("security"));
        let mut out = Vec::new();
        for r in &t.rows {
            if let (Some(c), Some(s)) = (secc, security)
                && r[c] != s
            {
                continue;
            }
            let get = |c: Option<usize>| c.and_then(|c| r.get(c)).and_then(|s| num(s));
            out.push(PriceRow {
                date: r[dc].clone(),
                price: get(Some(pc)),
                volume: get(vc),
                trade_status: get(sc),
                raw_close: get(rawc).or(get(Some(pc))),
                preclose: get(prec),
                is_st: get(stc) == Some(1.0),
            });
        }
        out.sort_by(|a, b| a.date.cmp(&b.date));
        out
    }

    pub fn load_calendar(path: &Path) -> Vec<String> {
        let t = Table::read(path);
        let c = t.need("date");
        let mut v: Vec<String> = t.rows.iter().map(|r| r[c].clone()).collect();
        v.sort();
        v
    }

    /// Market price by date (every calendar session of the study has one).
    pub fn load_market(path: &Path) -> HashMap<String, f64> {
        load_series(path, None)
            .into_iter()
            .filter_map(|r| r.price.map(|p| (r.date, p)))
            .collect()
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Status {
        Trading,
        Suspended,
        NoData,
        LimitLocked,
    }

    /// Close at the daily price limit (A-shares), in integer cents with round-half-up, the
    /// exchanges' rule: limit = ±10 % (main board, SME; ChiNext before 2020-08-24), ±20 %
    /// (ChiNext from 2020-08-24, STAR 688/689), ±5 % ST on the narrow boards; no check on the
    /// first five rows of a file (listing days). The reference price is `preclose`, else the
    /// previous row's close.
    pub fn at_limit(security: &str, rows: &[PriceRow], i: usize) -> bool {
        let Some((code, sfx)) = security.split_once('.') else {
            return false;
        };
        if !["SZ", "SH", "SS"].contains(&sfx) || i < 5 {
            return false;
        }
        let row = &rows[i];
        let wide = code.starts_with("688")
            || code.starts_with("689")
            || ((code.starts_with("300") || code.starts_with("301"))
                && row.date.as_str() >= "2020-08-24");
        let pct: i64 = if wide {
            20
        } else if row.is_st {
            5
        } else {
            10
        };
        let (Some(close), Some(pre)) = (row.raw_close, row.preclose.or(rows[i - 1].raw_close))
        else {
            return false;
        };
        let cents = |x: f64| (x * 100.0).round() as i64;
        let (c, p) = (cents(close), cents(pre));
        let up = (p * (100 + pct) + 50) / 100;
        let down = (p * (100 - pct) + 50) / 100;
        c == up || c == down
    }

    impl Status {
        pub fn as_str(self) -> &'static str {
            match self {
                Status::Trading => "trading",
                Status::Suspended => "suspended",
                Status::NoData => "no_data",
                Status::LimitLocked => "limit_locked",
            }
        }
    }

    /// A return observed on a session: simple return, market return over the same span, span.
    #[derive(Clone, Copy, Debug)]
    pub struct Ret {
        pub r: f64,
        pub m: f64,
        pub d: usize,
    }

    /// Status and return of every calendar session for one security.
    pub fn observations(
        security: &str,
        cal: &[String],
        rows: &[PriceRow],
        market: &HashMap<String, f64>,
        halts: &[(String, String)],
    ) -> Vec<(Status, Option<Ret>)> {
        let mut by_date: HashMap<&str, usize> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by_date.insert(r.date.as_str(), i);
        }
        let first = rows.first().map(|r| r.date.clone()).unwrap_or_default();
        let last = rows.last().map(|r| r.date.clone()).unwrap_or_default();
        let mut out = Vec::with_capacity(cal.len());
        // (calendar index, price) of the last trading session with a price.
        let mut prev: Option<(usize, f64)> = None;
        for (s, date) in cal.iter().enumerate() {
            // (a) a declared halt, inclusive dates.
            let halted = halts
                .iter()
                .any(|(a, b)| a.as_str() <= date.as_str() && date.as_str() <= b.as_str());
            let mut status = Status::Trading;
            if rows.is_empty() || *date < first || *date > last {
                status = Status::NoData;
            } else if halted {
                status = Status::Suspended;
            } else {
                match by_date.get(date.as_str()) {
                    // (d) session missing from the price file.
                    None => status = Status::Suspended,
                    Some(&i) => {
                        let row = &rows[i];
                        // (b) trade_status 0, (e) empty price cell, (c) zero volume at the
                        // previous row's price.
                        let flat =
                            row.volume == Some(0.0) && i > 0 && rows[i - 1].price == row.price;
                        if row.trade_status == Some(0.0) || row.price.is_none() || flat {
                            status = Status::Suspended;
                        } else if at_limit(security, rows, i) {
                            status = Status::LimitLocked;
                        }
                    }
                }
            }
            let mut ret = None;
            if matches!(status, Status::Trading | Status::LimitLocked) {
                let p_s = rows[by_date[date.as_str()]]
                    .price
                    .expect("trading has a price");
                if let Some((p_idx, p_p)) = prev {
                    let m_s = *market
                        .get(date)
                        .unwrap_or_else(|| panic!("market has no price on {date}"));
                    let m_p = *market
                        .get(&cal[p_idx])
                        .unwrap_or_else(|| panic!("market has no price on {}", cal[p_idx]));
                    ret = Some(Ret {
                        r: p_s / p_p - 1.0,
                        m: m_s / m_p - 1.0,
                        d: s - p_idx,
                    });
                }
                prev = Some((s, p_s));
            }
            out.push((status, ret));
        }
        out
    }

    /// Fitted market model on GLS-scaled rows.
    #[derive(Clone, Debug)]
    pub struct Fit {
        pub m: usize,
        pub alpha: f64,
        pub beta: f64,
        pub s2: f64,
        pub r2: f64,
        /// (X'X)⁻¹ of the scaled design.
        pub inv: [[f64; 2]; 2],
    }

    impl Fit {
        /// x'(X'X)⁻¹x for an unscaled row x.
        pub fn quad(&self, x: [f64; 2]) -> f64 {
            let mut q = 0.0;
            for i in 0..2 {
                for j in 0..2 {
                    q += x[i] * self.inv[i][j] * x[j];
                }
            }
            q
        }
    }

    /// OLS of y/√d on [√d, m/√d].
    pub fn fit_market_model(rets: &[Ret]) -> Fit {
        let mut xtx = [[0.0f64; 2]; 2];
        let mut xty = [0.0f64; 2];
        for r in rets {
            let sd = (r.d as f64).sqrt();
            let x = [sd, r.m / sd];
            let y = r.r / sd;
            for i in 0..2 {
                for j in 0..2 {
                    xtx[i][j] += x[i] * x[j];
                }
                xty[i] += x[i] * y;
            }
        }
        let det = xtx[0][0] * xtx[1][1] - xtx[0][1] * xtx[1][0];
        let inv = [
            [xtx[1][1] / det, -xtx[0][1] / det],
            [-xtx[1][0] / det, xtx[0][0] / det],
        ];
        let alpha = inv[0][0] * xty[0] + inv[0][1] * xty[1];
        let beta = inv[1][0] * xty[0] + inv[1][1] * xty[1];
        let mut sse = 0.0;
        let mut sum_y = 0.0;
        let mut sum_d = 0.0;
        for r in rets {
            let sd = (r.d as f64).sqrt();
            let e = (r.r - alpha * r.d as f64 - beta * r.m) / sd;
            sse += e * e;
            sum_y += r.r;
            sum_d += r.d as f64;
        }
        let ybar = sum_y / sum_d;
        let mut sst = 0.0;
        for r in rets {
            let dev = r.r - r.d as f64 * ybar;
            sst += dev * dev / r.d as f64;
        }
        let m = rets.len();
        Fit {
            m,
            alpha,
            beta,
            s2: sse / (m as f64 - 2.0),
            r2: 1.0 - sse / sst,
            inv,
        }
    }

    /// Two-sided p-values.
    pub fn p_normal(z: f64) -> f64 {
        2.0 * Normal::new(0.0, 1.0).expect("standard normal").sf(z.abs())
    }

    pub fn p_student(t: f64, df: f64) -> f64 {
        2.0 * StudentsT::new(0.0, 1.0, df).expect("df > 0").sf(t.abs())
    }

    /// One event-window row of ar.csv.
    #[derive(Clone, Debug)]
    pub struct ArRow {
        pub tau: i64,
        pub date: String,
        pub status: Status,
        /// ret (with m and span), normal_ret, ar, ar_var, sar.
        pub values: Option<(Ret, f64, f64, f64, f64)>,
    }

    /// One row of car.csv: car, car_var, t_stat, p_value (None without a return) and n.
    #[derive(Clone, Debug)]
    pub struct CarRow {
        pub window: (i64, i64),
        pub values: Option<(f64, f64, f64, f64)>,
        pub n: usize,
    }

    /// Everything computed for one event-security pair.
    #[derive(Clone, Debug)]
    pub struct EventResult {
        pub event_id: String,
        pub security: String,
        pub day0: String,
        /// None: skipped (M < 120).
        pub fit: Option<Fit>,
        pub ar: Vec<ArRow>,
        pub car: Vec<CarRow>,
    }

    /// One event-security pair, date-only event.
    pub fn analyze(
        event_id: &str,
        security: &str,
        date: &str,
        cal: &[String],
        obs: &[(Status, Option<Ret>)],
        windows: &[(i64, i64)],
    ) -> EventResult {
        let i0 = cal
            .iter()
            .position(|c| c.as_str() >= date)
            .expect("event date inside the calendar") as i64;
        let mut res = EventResult {
            event_id: event_id.to_string(),
            security: security.to_string(),
            day0: cal[i0 as usize].clone(),
            fit: None,
            ar: Vec::new(),
            car: Vec::new(),
        };
        let at = |tau: i64| -> Option<usize> {
            let i = i0 + tau;
            (i >= 0 && (i as usize) < cal.len()).then_some(i as usize)
        };
        let mut est = Vec::new();
        for tau in ESTIMATION.0..=ESTIMATION.1 {
            if let Some(i) = at(tau)
                && let Some(r) = obs[i].1
            {
                est.push(r);
            }
        }
        if est.len() < MIN_ESTIMATION {
            return res;
        }
        let fit = fit_market_model(&est);
        for tau in EVENT_WINDOW.0..=EVENT_WINDOW.1 {
            let i = at(tau).expect("event window inside the calendar");
            let (status, ret) = obs[i];
            let values = ret.map(|r| {
                let d = r.d as f64;
                let normal = fit.alpha * d + fit.beta * r.m;
                let ar = r.r - normal;
                let var = fit.s2 * (d + fit.quad([d, r.m]));
                (r, normal, ar, var, ar / var.sqrt())
            });
            res.ar.push(ArRow {
                tau,
                date: cal[i].clone(),
                status,
                values,
            });
        }
        for &(a, b) in windows {
            let mut car = 0.0;
            let mut xw = [0.0f64; 2];
            let mut n = 0;
            for row in &res.ar {
                if row.tau < a || row.tau > b {
                    continue;
                }
                if let Some((r, _, ar, _, _)) = row.values {
                    car += ar;
                    xw[0] += r.d as f64;
                    xw[1] += r.m;
                    n += 1;
                }
            }
            let values = (n > 0).then(|| {
                // D = Σ spans = xw[0].
                let var = fit.s2 * (xw[0] + fit.quad(xw));
                let t = car / var.sqrt();
                (car, var, t, p_student(t, fit.m as f64 - 2.0))
            });
            res.car.push(CarRow {
                window: (a, b),
                values,
                n,
            });
        }
        res.fit = Some(fit);
        res
    }

    /// One row of tests.csv: statistic, p-value, n, distribution.
    #[derive(Clone, Debug, PartialEq)]
    pub struct TestRow {
        pub statistic: f64,
        pub p_value: f64,
        pub n: usize,
        pub distribution: String,
    }

    /// The four tests over (value, variance, M) of the N events that have a value.
    /// None for the t-based tests when N < 2 (no sample standard deviation).
    pub fn cross_section(obs: &[(f64, f64, usize)]) -> BTreeMap<&'static str, Option<TestRow>> {
        let n = obs.len();
        let nf = n as f64;
        let mut out = BTreeMap::new();
        if n == 0 {
            return out;
        }
        let mean_sd = |xs: &[f64]| -> (f64, f64) {
            let mut s = 0.0;
            for x in xs {
                s += x;
            }
            let mean = s / xs.len() as f64;
            let mut ss = 0.0;
            for x in xs {
                ss += (x - mean) * (x - mean);
            }
            (mean, (ss / (xs.len() as f64 - 1.0)).sqrt())
        };
        let values: Vec<f64> = obs.iter().map(|o| o.0).collect();
        let standardized: Vec<f64> = obs.iter().map(|o| o.0 / o.1.sqrt()).collect();
        let t_dist = format!("t({})", n as i64 - 1);

        let mut sum_var = 0.0;
        for o in obs {
            sum_var += o.1;
        }
        let (mean, sd) = mean_sd(&values);
        let j1 = mean / (sum_var / (nf * nf)).sqrt();
        out.insert(
            "mackinlay_j1",
            Some(TestRow {
                statistic: j1,
                p_value: p_normal(j1),
                n,
                distribution: "N(0,1)".into(),
            }),
        );
        out.insert(
            "cross_sectional_t",
            (n >= 2).then(|| {
                let t = mean / (sd / nf.sqrt());
                TestRow {
                    statistic: t,
                    p_value: p_student(t, nf - 1.0),
                    n,
                    distribution: t_dist.clone(),
                }
            }),
        );
        let mut sum_s = 0.0;
        let mut sum_k = 0.0;
        for (o, s) in obs.iter().zip(&standardized) {
            sum_s += s;
            let m = o.2 as f64;
            sum_k += (m - 2.0) / (m - 4.0);
        }
        let z = sum_s / sum_k.sqrt();
        out.insert(
            "patell_z",
            Some(TestRow {
                statistic: z,
                p_value: p_normal(z),
                n,
                distribution: "N(0,1)".into(),
            }),
        );
        let (smean, ssd) = mean_sd(&standardized);
        out.insert(
            "bmp",
            (n >= 2).then(|| {
                let t = smean / (ssd / nf.sqrt());
                TestRow {
                    statistic: t,
                    p_value: p_student(t, nf - 1.0),
                    n,
                    distribution: t_dist.clone(),
                }
            }),
        );
        out
    }

    /// Key of a tests.csv row: ("day", τ) or ("window", "a:b").
    pub type TestKey = (String, String, String);

    pub fn aggregate(results: &[EventResult]) -> BTreeMap<TestKey, Option<TestRow>> {
        let mut out = BTreeMap::new();
        for tau in EVENT_WINDOW.0..=EVENT_WINDOW.1 {
            let mut obs = Vec::new();
            for r in results {
                let Some(fit) = &r.fit else { continue };
                for row in &r.ar {
                    if row.tau == tau
                        && let Some((_, _, ar, var, _)) = row.values
                    {
                        obs.push((ar, var, fit.m));
                    }
                }
            }
            for (test, row) in cross_section(&obs) {
                out.insert(("day".into(), tau.to_string(), test.to_string()), row);
            }
        }
        for &(a, b) in &CAR_WINDOWS {
            let mut obs = Vec::new();
            for r in results {
                let Some(fit) = &r.fit else { continue };
                for row in &r.car {
                    if row.window == (a, b)
                        && let Some((car, var, _, _)) = row.values
                    {
                        obs.push((car, var, fit.m));
                    }
                }
            }
            for (test, row) in cross_section(&obs) {
                out.insert(("window".into(), format!("{a}:{b}"), test.to_string()), row);
            }
        }
        out
    }
}

use naive::{EventResult, Table, num};

/// Where the shared data lives.
fn data_dir() -> PathBuf {
    match std::env::var_os("EVIMPACT_DATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// One study as run through the binary and recomputed here.
struct Case {
    /// (event_id, security, date)
    events: Vec<(&'static str, &'static str, &'static str)>,
    prices: PathBuf,
    market: PathBuf,
    calendar: PathBuf,
    /// (security, start, end)
    halts: Option<Vec<(&'static str, &'static str, &'static str)>>,
}

impl Case {
    fn cn(events: Vec<(&'static str, &'static str, &'static str)>) -> Case {
        let d = data_dir();
        Case {
            events,
            prices: d.join("prices/cn"),
            market: d.join("indices/cn/000300.SH.csv"),
            calendar: d.join("calendars/XSHG_sessions_2015_2025.csv"),
            halts: None,
        }
    }

    fn us(events: Vec<(&'static str, &'static str, &'static str)>) -> Case {
        let d = data_dir();
        Case {
            events,
            prices: d.join("prices/us"),
            market: d.join("indices/us/GSPC.csv"),
            calendar: d.join("calendars/XNYS_sessions_2015_2025.csv"),
            halts: None,
        }
    }

    fn securities(&self) -> BTreeSet<&'static str> {
        self.events.iter().map(|e| e.1).collect()
    }

    /// Writes the events (and halts) files into `dir`, runs `evimpact run` with `prices`, and
    /// returns the output directory.
    fn run(&self, dir: &Path, prices: &Path, tag: &str) -> PathBuf {
        let events = dir.join(format!("events_{tag}.csv"));
        let mut s = String::from("event_id,security,entity,date,time,tz,headline,source,url\n");
        for (id, sec, date) in &self.events {
            writeln!(
                s,
                "{id},{sec},{sec} entity,{date},,,independent check {id},test,"
            )
            .unwrap();
        }
        std::fs::write(&events, s).unwrap();
        let out = dir.join(format!("out_{tag}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_evimpact"));
        cmd.arg("run")
            .arg("--events")
            .arg(&events)
            .arg("--prices")
            .arg(prices)
            .arg("--market")
            .arg(&self.market)
            .arg("--calendar")
            .arg(&self.calendar)
            .arg(format!("--estimation={}:{}", ESTIMATION.0, ESTIMATION.1))
            .arg(format!("--window={}:{}", EVENT_WINDOW.0, EVENT_WINDOW.1));
        for (a, b) in CAR_WINDOWS {
            cmd.arg(format!("--car={a}:{b}"));
        }
        if let Some(h) = &self.halts {
            let path = dir.join(format!("halts_{tag}.csv"));
            let mut s = String::from("security,start,end,reason,source\n");
            for (sec, a, b) in h {
                writeln!(s, "{sec},{a},{b},declared halt,test").unwrap();
            }
            std::fs::write(&path, s).unwrap();
            cmd.arg("--halts").arg(path);
        }
        cmd.arg("--out").arg(&out);
        let o = cmd.output().expect("evimpact binary runs");
        assert!(
            o.status.success(),
            "evimpact run failed ({}):\nstdout:\n{}\nstderr:\n{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        out
    }

    /// The independent computation, from the price directory `prices`.
    fn expected(&self, prices: &Path) -> Vec<EventResult> {
        let cal = naive::load_calendar(&self.calendar);
        let market = naive::load_market(&self.market);
        let mut obs = HashMap::new();
        for sec in self.securities() {
            let rows = naive::load_series(&prices.join(format!("{sec}.csv")), None);
            let halts: Vec<(String, String)> = self
                .halts
                .iter()
                .flatten()
                .filter(|h| h.0 == sec)
                .map(|h| (h.1.to_string(), h.2.to_string()))
                .collect();
            obs.insert(sec, naive::observations(sec, &cal, &rows, &market, &halts));
        }
        self.events
            .iter()
            .map(|(id, sec, date)| naive::analyze(id, sec, date, &cal, &obs[sec], &CAR_WINDOWS))
            .collect()
    }
}

/// Collects disagreements instead of stopping at the first.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    fn num(&mut self, what: &str, got: Option<f64>, want: Option<f64>) {
        match (got, want) {
            (None, None) => {}
            (Some(a), Some(b)) if INDEPENDENT.nan_eq().accepts(a, b) => {}
            _ => self.0.push(format!(
                "{what}: evimpact {got:?}, independent {want:?}{}",
                match (got, want) {
                    (Some(a), Some(b)) => format!(" (diff {:e})", a - b),
                    _ => String::new(),
                }
            )),
        }
    }

    fn text(&mut self, what: &str, got: &str, want: &str) {
        if got != want {
            self.0
                .push(format!("{what}: evimpact {got:?}, independent {want:?}"));
        }
    }

    fn check(&mut self, what: &str, ok: bool) {
        if !ok {
            self.0.push(what.to_string());
        }
    }

    fn finish(self, case: &str) {
        assert!(
            self.0.is_empty(),
            "{case}: {} disagreement(s) between evimpact and the independent implementation:\n{}",
            self.0.len(),
            self.0
                .iter()
                .take(80)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Compares every number of ar.csv, car.csv, model.csv and tests.csv, and day 0 in audit.csv.
fn compare(case_name: &str, out: &Path, want: &[EventResult]) {
    let mut diffs = Diffs::default();
    let by_key: HashMap<(String, String), &EventResult> = want
        .iter()
        .map(|r| ((r.event_id.clone(), r.security.clone()), r))
        .collect();
    assert_eq!(by_key.len(), want.len(), "event-security keys are unique");

    // ar.csv
    let t = Table::read(&out.join("ar.csv"));
    let mut seen = BTreeSet::new();
    for row in &t.rows {
        let id = t.cell(row, "event_id").to_string();
        let sec = t.cell(row, "security").to_string();
        let tau: i64 = t.cell(row, "tau").parse().expect("tau is an integer");
        let at = format!("ar.csv {id}/{sec} tau={tau}");
        if !seen.insert((id.clone(), sec.clone(), tau)) {
            diffs.0.push(format!("{at}: duplicate row"));
            continue;
        }
        let Some(r) = by_key.get(&(id.clone(), sec.clone())) else {
            diffs.0.push(format!("{at}: unexpected event-security"));
            continue;
        };
        let Some(w) = r.ar.iter().find(|a| a.tau == tau) else {
            diffs.0.push(format!(
                "{at}: row not expected (skipped event or tau outside window)"
            ));
            continue;
        };
        diffs.text(&format!("{at} date"), t.cell(row, "date"), &w.date);
        diffs.text(
            &format!("{at} status"),
            t.cell(row, "status"),
            w.status.as_str(),
        );
        let cells = [
            "span",
            "ret",
            "market_ret",
            "normal_ret",
            "ar",
            "ar_var",
            "sar",
        ];
        let wants: [Option<f64>; 7] = match w.values {
            Some((ret, normal, ar, var, sar)) => [
                Some(ret.d as f64),
                Some(ret.r),
                Some(ret.m),
                Some(normal),
                Some(ar),
                Some(var),
                Some(sar),
            ],
            None => [None; 7],
        };
        for (c, v) in cells.iter().zip(wants) {
            diffs.num(&format!("{at} {c}"), num(t.cell(row, c)), v);
        }
    }
    for r in want {
        for a in &r.ar {
            diffs.check(
                &format!(
                    "ar.csv: missing row {}/{} tau={}",
                    r.event_id, r.security, a.tau
                ),
                seen.contains(&(r.event_id.clone(), r.security.clone(), a.tau)),
            );
        }
    }

    // car.csv
    let t = Table::read(&out.join("car.csv"));
    let mut seen = BTreeSet::new();
    for row in &t.rows {
        let id = t.cell(row, "event_id").to_string();
        let sec = t.cell(row, "security").to_string();
        let label = t.cell(row, "window").to_string();
        let at = format!("car.csv {id}/{sec} window={label}");
        if !seen.insert((id.clone(), sec.clone(), label.clone())) {
            diffs.0.push(format!("{at}: duplicate row"));
            continue;
        }
        let Some(r) = by_key.get(&(id.clone(), sec.clone())) else {
            diffs.0.push(format!("{at}: unexpected event-security"));
            continue;
        };
        let Some(w) = r
            .car
            .iter()
            .find(|c| format!("{}:{}", c.window.0, c.window.1) == label)
        else {
            diffs.0.push(format!("{at}: row not expected"));
            continue;
        };
        diffs.num(
            &format!("{at} tau_start"),
            num(t.cell(row, "tau_start")),
            Some(w.window.0 as f64),
        );
        diffs.num(
            &format!("{at} tau_end"),
            num(t.cell(row, "tau_end")),
            Some(w.window.1 as f64),
        );
        diffs.num(
            &format!("{at} n_returns"),
            num(t.cell(row, "n_returns")),
            Some(w.n as f64),
        );
        let wants = match w.values {
            Some((c, v, ts, p)) => [Some(c), Some(v), Some(ts), Some(p)],
            None => [None; 4],
        };
        for (c, v) in ["car", "car_var", "t_stat", "p_value"].iter().zip(wants) {
            diffs.num(&format!("{at} {c}"), num(t.cell(row, c)), v);
        }
    }
    for r in want {
        for c in &r.car {
            let label = format!("{}:{}", c.window.0, c.window.1);
            diffs.check(
                &format!(
                    "car.csv: missing row {}/{} window={label}",
                    r.event_id, r.security
                ),
                seen.contains(&(r.event_id.clone(), r.security.clone(), label.clone())),
            );
        }
    }

    // model.csv
    let t = Table::read(&out.join("model.csv"));
    let mut seen = BTreeSet::new();
    for row in &t.rows {
        let id = t.cell(row, "event_id").to_string();
        let sec = t.cell(row, "security").to_string();
        let at = format!("model.csv {id}/{sec}");
        if !seen.insert((id.clone(), sec.clone())) {
            diffs.0.push(format!("{at}: duplicate row"));
            continue;
        }
        let Some(fit) = by_key
            .get(&(id.clone(), sec.clone()))
            .and_then(|r| r.fit.as_ref())
        else {
            diffs.0.push(format!("{at}: row not expected"));
            continue;
        };
        diffs.text(&format!("{at} model"), t.cell(row, "model"), "market");
        let pairs = [
            ("n_estimation", fit.m as f64),
            ("alpha", fit.alpha),
            ("beta", fit.beta),
            ("sigma", fit.s2.sqrt()),
            ("r2", fit.r2),
        ];
        for (c, v) in pairs {
            diffs.num(&format!("{at} {c}"), num(t.cell(row, c)), Some(v));
        }
    }
    for r in want.iter().filter(|r| r.fit.is_some()) {
        diffs.check(
            &format!("model.csv: missing row {}/{}", r.event_id, r.security),
            seen.contains(&(r.event_id.clone(), r.security.clone())),
        );
    }

    // tests.csv
    let expected = naive::aggregate(want);
    let t = Table::read(&out.join("tests.csv"));
    let mut seen = BTreeSet::new();
    for row in &t.rows {
        let scope = t.cell(row, "scope").to_string();
        let (tau, window) = (t.cell(row, "tau"), t.cell(row, "window"));
        let which = match scope.as_str() {
            "day" => {
                diffs.check(
                    &format!("tests.csv day tau={tau}: window {window:?} should be empty"),
                    window.is_empty(),
                );
                tau.to_string()
            }
            "window" => {
                diffs.check(
                    &format!("tests.csv window={window}: tau {tau:?} should be empty"),
                    tau.is_empty(),
                );
                window.to_string()
            }
            other => {
                diffs.0.push(format!("tests.csv: unknown scope {other:?}"));
                continue;
            }
        };
        let test = t.cell(row, "test").to_string();
        // This implementation knows the first four tests; the rest of the battery is checked
        // against hand computations and second implementations in src/stats/.
        if !["mackinlay_j1", "cross_sectional_t", "patell_z", "bmp"].contains(&test.as_str()) {
            continue;
        }
        let key = (scope.clone(), which.clone(), test.clone());
        let at = format!("tests.csv {scope} {which} {test}");
        if !seen.insert(key.clone()) {
            diffs.0.push(format!("{at}: duplicate row"));
            continue;
        }
        let stat = num(t.cell(row, "statistic"));
        match expected.get(&key) {
            Some(Some(w)) => {
                diffs.num(&format!("{at} statistic"), stat, Some(w.statistic));
                diffs.num(
                    &format!("{at} p_value"),
                    num(t.cell(row, "p_value")),
                    Some(w.p_value),
                );
                diffs.num(&format!("{at} n"), num(t.cell(row, "n")), Some(w.n as f64));
                diffs.text(
                    &format!("{at} distribution"),
                    t.cell(row, "distribution"),
                    &w.distribution,
                );
            }
            // Undefined here (N = 0, or N = 1 for a t test): the binary may write the row
            // only with an empty statistic.
            Some(None) | None => {
                diffs.num(&format!("{at} statistic (undefined at this N)"), stat, None);
                diffs.num(
                    &format!("{at} p_value (undefined at this N)"),
                    num(t.cell(row, "p_value")),
                    None,
                );
            }
        }
    }
    for (key, w) in &expected {
        if w.is_some() {
            diffs.check(
                &format!("tests.csv: missing row {key:?}"),
                seen.contains(key),
            );
        }
    }

    // audit.csv: day 0 of every event-security, and `skipped` exactly for skipped events.
    let t = Table::read(&out.join("audit.csv"));
    for r in want {
        let rows: Vec<&Vec<String>> = t
            .rows
            .iter()
            .filter(|row| {
                t.cell(row, "event_id") == r.event_id && t.cell(row, "security") == r.security
            })
            .collect();
        let at = format!("audit.csv {}/{}", r.event_id, r.security);
        diffs.check(&format!("{at}: no audit row"), !rows.is_empty());
        for row in &rows {
            let d0 = t.cell(row, "day0");
            if !d0.is_empty() {
                diffs.text(&format!("{at} day0"), d0, &r.day0);
            }
        }
        let skipped = rows.iter().any(|row| t.cell(row, "outcome") == "skipped");
        diffs.check(
            &format!(
                "{at}: outcome `skipped` is {skipped}, expected {}",
                r.fit.is_none()
            ),
            skipped == r.fit.is_none(),
        );
    }

    diffs.finish(case_name);
}

/// Output tables that must be byte-identical between two runs of the same study.
const ALL_TABLES: [&str; 5] = ["ar.csv", "car.csv", "model.csv", "tests.csv", "audit.csv"];
/// The numeric tables (audit.csv reasons name where a suspension was found).
const NUMERIC_TABLES: [&str; 4] = ["ar.csv", "car.csv", "model.csv", "tests.csv"];

fn assert_same_outputs(a: &Path, b: &Path, tables: &[&str], what: &str) {
    for &f in tables {
        let x = std::fs::read_to_string(a.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let y = std::fs::read_to_string(b.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        if x != y {
            let line = x
                .lines()
                .zip(y.lines())
                .find(|(p, q)| p != q)
                .map(|(p, q)| format!("\n  {p}\n  {q}"))
                .unwrap_or_else(|| {
                    format!(" ({} vs {} lines)", x.lines().count(), y.lines().count())
                });
            panic!("{what}: {f} differs, first differing line:{line}");
        }
    }
}

/// One long price file with a `security` column, concatenating `<dir>/<security>.csv`.
fn write_long_prices(dir: &Path, securities: &BTreeSet<&str>, path: &Path) {
    let mut out = String::new();
    let mut header: Option<String> = None;
    for sec in securities {
        let text = std::fs::read_to_string(dir.join(format!("{sec}.csv"))).unwrap();
        let mut lines = text.lines();
        let h = lines.next().expect("header");
        match &header {
            None => {
                writeln!(out, "security,{h}").unwrap();
                header = Some(h.to_string());
            }
            Some(prev) => assert_eq!(prev, h, "same columns in every file"),
        }
        for l in lines.filter(|l| !l.trim().is_empty()) {
            writeln!(out, "{sec},{l}").unwrap();
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Runs a case from the price directory and from one long file; compares both.
fn run_and_compare(name: &str, case: &Case) -> (tempfile::TempDir, PathBuf, Vec<EventResult>) {
    let tmp = tempfile::tempdir().unwrap();
    let want = case.expected(&case.prices);
    let out = case.run(tmp.path(), &case.prices, "dir");
    compare(name, &out, &want);

    let long = tmp.path().join("long_prices.csv");
    write_long_prices(&case.prices, &case.securities(), &long);
    let out_long = case.run(tmp.path(), &long, "long");
    assert_same_outputs(
        &out,
        &out_long,
        &ALL_TABLES,
        &format!("{name}: --prices DIR vs one long CSV"),
    );
    (tmp, out, want)
}

fn adj_close(sec: &str, date: &str) -> f64 {
    let rows = naive::load_series(&data_dir().join(format!("prices/cn/{sec}.csv")), None);
    rows.iter()
        .find(|r| r.date == date)
        .and_then(|r| r.price)
        .unwrap_or_else(|| panic!("{sec} has no adj_close on {date}"))
}

/// The ar.csv row of one event-security at τ, as column → cell.
fn ar_row(out: &Path, id: &str, sec: &str, tau: i64) -> HashMap<String, String> {
    let t = Table::read(&out.join("ar.csv"));
    let row = t
        .rows
        .iter()
        .find(|r| {
            t.cell(r, "event_id") == id
                && t.cell(r, "security") == sec
                && t.cell(r, "tau") == tau.to_string()
        })
        .unwrap_or_else(|| panic!("ar.csv has no row {id}/{sec} tau={tau}"));
    t.header.iter().cloned().zip(row.iter().cloned()).collect()
}

/// Reference case: the 2019-10-07 Entity List listing of Hikvision, Dahua, iFlytek and Meiya
/// Pico, announced while Chinese markets were closed; Hikvision and Dahua halted on 10-08/09.
#[test]
fn independent_entity_list_2019_cn() {
    let mut case = Case::cn(vec![
        ("EL2019", "002415.SZ", "2019-10-07"),
        ("EL2019", "002236.SZ", "2019-10-07"),
        ("EL2019", "002230.SZ", "2019-10-07"),
        ("EL2019", "300188.SZ", "2019-10-07"),
    ]);
    case.halts = Some(vec![
        ("002415.SZ", "2019-10-08", "2019-10-09"),
        ("002236.SZ", "2019-10-08", "2019-10-09"),
    ]);
    let (_tmp, out, want) = run_and_compare("EL2019 (CN)", &case);

    // Every firm is analysed, day 0 is the first session after National Day.
    for r in &want {
        assert!(r.fit.is_some(), "{} has an estimation window", r.security);
        assert_eq!(r.day0, "2019-10-08");
    }
    // 300188.SZ: its 2019-03-27..04-01 halt leaves a span-5 return inside the estimation window,
    // so the GLS weighting is exercised (the comparison above checks alpha, beta, sigma, r2).
    let cal = naive::load_calendar(&case.calendar);
    let market = naive::load_market(&case.market);
    let rows = naive::load_series(&case.prices.join("300188.SZ.csv"), None);
    let obs = naive::observations("300188.SZ", &cal, &rows, &market, &[]);
    let i = cal.iter().position(|d| d == "2019-04-02").unwrap();
    assert_eq!(
        obs[i].1.map(|r| r.d),
        Some(5),
        "300188.SZ 2019-04-02 spans 5 sessions"
    );

    // Hikvision: 10-08 and 10-09 suspended without a return; 10-10 carries the span-3 return
    // from 09-30.
    for tau in [0, 1] {
        let r = ar_row(&out, "EL2019", "002415.SZ", tau);
        assert_eq!(r["status"], "suspended", "002415.SZ tau={tau}");
        for c in [
            "ret",
            "market_ret",
            "normal_ret",
            "ar",
            "ar_var",
            "sar",
            "span",
        ] {
            assert_eq!(r[c], "", "002415.SZ tau={tau} {c} must be empty, never 0");
        }
    }
    let r = ar_row(&out, "EL2019", "002415.SZ", 2);
    assert_eq!(r["date"], "2019-10-10");
    assert_eq!(r["status"], "trading");
    assert_eq!(num(&r["span"]), Some(3.0));
    let want_ret =
        adj_close("002415.SZ", "2019-10-10") / adj_close("002415.SZ", "2019-09-30") - 1.0;
    let got = num(&r["ret"]).expect("a return on 10-10");
    assert_close!(got, want_ret, INDEPENDENT, "002415.SZ 10-10 ret");
    // The CAR over [0, 1] lies wholly inside the halt: no CAR, n_returns 0.
    let t = Table::read(&out.join("car.csv"));
    let row = t
        .rows
        .iter()
        .find(|r| t.cell(r, "security") == "002415.SZ" && t.cell(r, "window") == "0:1")
        .expect("car.csv 002415.SZ 0:1");
    assert_eq!(t.cell(row, "car"), "");
    assert_eq!(t.cell(row, "n_returns"), "0");
}

/// US case: Huawei Entity List (2019-05-15 after the close, day 0 2019-05-16) for eight
/// semiconductor and optical firms, a second event id on 2018-03-22 for three of them
/// (repeated securities keep per-event keys), and ACIA shortly after its 2016-05-13 IPO
/// (fewer than 120 estimation returns: skipped).
#[test]
fn independent_huawei_2019_us() {
    let case = Case::us(vec![
        ("HUAWEI2019", "QCOM", "2019-05-16"),
        ("HUAWEI2019", "QRVO", "2019-05-16"),
        ("HUAWEI2019", "SWKS", "2019-05-16"),
        ("HUAWEI2019", "XLNX", "2019-05-16"),
        ("HUAWEI2019", "LITE", "2019-05-16"),
        ("HUAWEI2019", "NPTN", "2019-05-16"),
        ("HUAWEI2019", "IPHI", "2019-05-16"),
        ("HUAWEI2019", "MU", "2019-05-16"),
        ("TARIFF2018", "QCOM", "2018-03-22"),
        ("TARIFF2018", "MU", "2018-03-22"),
        ("TARIFF2018", "XLNX", "2018-03-22"),
        ("ACIA2016", "ACIA", "2016-08-01"),
    ]);
    let (_tmp, out, want) = run_and_compare("HUAWEI2019 + TARIFF2018 + ACIA2016 (US)", &case);
    assert_eq!(
        want.iter().filter(|r| r.fit.is_none()).count(),
        1,
        "only ACIA is skipped"
    );
    // Same security, two events: two different day-0 returns.
    let a = num(&ar_row(&out, "HUAWEI2019", "QCOM", 0)["ret"]).unwrap();
    let b = num(&ar_row(&out, "TARIFF2018", "QCOM", 0)["ret"]).unwrap();
    assert!(a != b, "per-event keys: QCOM day-0 returns differ");
    let t = Table::read(&out.join("ar.csv"));
    assert!(
        !t.rows.iter().any(|r| t.cell(r, "security") == "ACIA"),
        "a skipped event has no ar.csv rows"
    );
}

/// No halts file: 300188.SZ's 2019-03-27..04-01 suspension must come from the price file
/// (trade_status 0, zero volume at an unchanged price). Day 0 (2019-03-28) lies inside the
/// halt; the reaction is the span-5 return on 2019-04-02 (τ = 3). The same study with the
/// suspended rows deleted from the price file ("missing row" encoding) must give identical
/// outputs.
#[test]
fn independent_suspension_from_price_file_cn() {
    let case = Case::cn(vec![("MP2019", "300188.SZ", "2019-03-28")]);
    let (tmp, out, want) = run_and_compare("MP2019 (CN, no halts file)", &case);
    let r = &want[0];
    assert_eq!(r.day0, "2019-03-28");
    let rows: Vec<(i64, &str, Option<usize>)> =
        r.ar.iter()
            .filter(|a| (-2..=3).contains(&a.tau))
            .map(|a| (a.tau, a.status.as_str(), a.values.map(|v| v.0.d)))
            .collect();
    assert_eq!(
        rows,
        vec![
            (-2, "trading", Some(1)),
            (-1, "suspended", None),
            (0, "suspended", None),
            (1, "suspended", None),
            (2, "suspended", None),
            // 2019-04-02 resumed and closed limit-up (18.93 = 17.21 × 1.1): flagged, return kept.
            (3, "limit_locked", Some(5)),
        ]
    );
    for tau in -1..=2 {
        assert_eq!(
            ar_row(&out, "MP2019", "300188.SZ", tau)["status"],
            "suspended"
        );
    }
    assert_eq!(
        num(&ar_row(&out, "MP2019", "300188.SZ", 3)["span"]),
        Some(5.0)
    );

    // "Missing row" encoding of the same suspension.
    let gap_dir = tmp.path().join("prices_gap");
    std::fs::create_dir_all(&gap_dir).unwrap();
    let text = std::fs::read_to_string(case.prices.join("300188.SZ.csv")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !matches!(l.get(..10), Some(d) if ("2019-03-27"..="2019-04-01").contains(&d)))
        .collect();
    assert_eq!(
        kept.len() + 4,
        text.lines().count(),
        "four suspended rows removed"
    );
    std::fs::write(gap_dir.join("300188.SZ.csv"), kept.join("\n") + "\n").unwrap();
    let gap_case = Case {
        prices: gap_dir.clone(),
        ..Case::cn(case.events.clone())
    };
    compare(
        "MP2019 (missing rows)",
        &gap_case.run(tmp.path(), &gap_dir, "gap"),
        &gap_case.expected(&gap_dir),
    );
    assert_same_outputs(
        &out,
        &tmp.path().join("out_gap"),
        &NUMERIC_TABLES,
        "MP2019: trade_status=0 rows vs missing rows",
    );
}
