//! Shared helpers for the integration tests: the real binary, the shared data directory, and
//! small hand-made input files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared market data: `$EVIMPACT_DATA`, else `../shared/data` beside the repository.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("EVIMPACT_DATA") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real `evimpact` binary.
pub fn evimpact(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evimpact"))
        .args(args)
        .current_dir(repo())
        .env("EVIMPACT_DATA", data_dir())
        .output()
        .expect("the evimpact binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Reads a CSV output into rows of (header → value) maps.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            h.iter()
                .zip(rec.iter())
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        })
        .collect()
}

pub fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// A small synthetic market written out for bad-input tests: `n` weekday sessions from
/// 2019-01-01, a market index, and securities A and B following r = 0.0002 + 1.1 r_m + e with
/// a fixed deterministic e.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(n: usize) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut dates = Vec::new();
        let mut d = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).expect("date");
        while dates.len() < n {
            use chrono::Datelike;
            if d.weekday().number_from_monday() <= 5 {
                dates.push(d);
            }
            d += chrono::Duration::days(1);
        }
        let mut cal = String::from("date\n");
        let mut mkt = String::from("date,close\n");
        let mut a = String::from("date,adj_close,volume\n");
        let mut b = String::from("date,adj_close,volume\n");
        let (mut pm, mut pa, mut pb) = (100.0f64, 10.0f64, 20.0f64);
        for (i, d) in dates.iter().enumerate() {
            let rm = 0.01 * (((i * 7919) % 13) as f64 - 6.0) / 6.0;
            let e = 0.005 * (((i * 104729) % 11) as f64 - 5.0) / 5.0;
            if i > 0 {
                pm *= 1.0 + rm;
                pa *= 1.0 + 0.0002 + 1.1 * rm + e;
                pb *= 1.0 + 0.9 * rm - e;
            }
            cal.push_str(&format!("{d}\n"));
            mkt.push_str(&format!("{d},{pm}\n"));
            a.push_str(&format!("{d},{pa},1000\n"));
            b.push_str(&format!("{d},{pb},2000\n"));
        }
        let f = Fixture { dir };
        std::fs::create_dir_all(f.path("prices")).expect("mkdir");
        f.write("calendar.csv", &cal);
        f.write("market.csv", &mkt);
        f.write("prices/A.csv", &a);
        f.write("prices/B.csv", &b);
        f
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).expect("write fixture");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).expect("read fixture")
    }

    /// `evimpact run` on this fixture with its own events file; extra flags appended.
    pub fn run(&self, events: &str, extra: &[&str]) -> Output {
        self.write("events.csv", events);
        let p = |s: &str| self.path(s).display().to_string();
        let (ev, pr, mk, ca, out) = (
            p("events.csv"),
            p("prices"),
            p("market.csv"),
            p("calendar.csv"),
            p("out"),
        );
        let mut args = vec![
            "run",
            "--events",
            &ev,
            "--prices",
            &pr,
            "--market",
            &mk,
            "--calendar",
            &ca,
            "--estimation",
            "-150:-11",
            "--min-estimation",
            "120",
            "--window",
            "-5:5",
            "--car",
            "-1:1",
            "--out",
            &out,
        ];
        args.extend_from_slice(extra);
        evimpact(&args)
    }
}
