//! A bounded fuzz harness for every loader (issue 11): events, prices, market, calendar,
//! halts, factors and the study file. Each case mutates a valid seed file (bytes flipped,
//! inserted from a set of troublemakers — delimiters, quotes, line ends, NUL, invalid
//! UTF-8, digits, signs —, ranges deleted or repeated, lines swapped, the file cut) and
//! loads it. The property: no panic, each load within a time bound, and either a result or
//! an error that names the file and a place (`file:line:col`, `line N`, `row N`) or a
//! whole-file reason (empty, CR-only line ends, binary data, a missing column).
//!
//! `cargo test --test it fuzz::` runs 48 cases per loader (seconds). A longer run:
//! `EVIMPACT_FUZZ_CASES=20000 cargo test --test it fuzz:: -- --nocapture` (see the README,
//! "Fuzzing").

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use evimpact::data::layout::FileLayout;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The time one load may take on a small input (a debug build on a busy machine).
const MAX_LOAD: Duration = Duration::from_secs(5);

fn cases() -> u32 {
    std::env::var("EVIMPACT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48)
}

#[derive(Debug, Clone)]
enum Op {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Repeat(usize, usize),
    SwapLines(usize, usize),
    Cut(usize),
}

const TROUBLE: &[u8] = b",;\t\"\n\r\0\xff\xfe -+.e0123456789:/xNaN";

fn op() -> impl Strategy<Value = Op> {
    let byte = prop::sample::select(TROUBLE.to_vec());
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Op::Flip(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Op::Insert(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Op::Delete(i, n)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Op::Repeat(i, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::SwapLines(a, b)),
        any::<usize>().prop_map(Op::Cut),
    ]
}

fn apply(seed: &[u8], ops: &[Op]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for o in ops {
        let n = v.len().max(1);
        match *o {
            Op::Flip(i, b) => {
                if !v.is_empty() {
                    v[i % n] = b;
                }
            }
            Op::Insert(i, b) => v.insert(i % (v.len() + 1), b),
            Op::Delete(i, k) => {
                let s = i % n;
                let e = (s + k).min(v.len());
                if s < e {
                    v.drain(s..e);
                }
            }
            Op::Repeat(i, k) => {
                let s = i % n;
                let e = (s + k).min(v.len());
                let piece: Vec<u8> = v[s.min(v.len())..e].to_vec();
                let at = e;
                for (j, b) in piece.into_iter().enumerate() {
                    v.insert(at + j, b);
                }
            }
            Op::SwapLines(a, b) => {
                let mut lines: Vec<Vec<u8>> =
                    v.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
                let m = lines.len();
                lines.swap(a % m, b % m);
                v = lines.join(&b'\n');
            }
            Op::Cut(i) => v.truncate(i % (v.len() + 1)),
        }
        v.truncate(64 << 10);
    }
    v
}

/// An error message that names `file` and a place, or a whole-file reason.
fn has_place(msg: &str, file: &Path) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !msg.contains(name) {
        return false;
    }
    let digits_after = |pat: &str| {
        msg.match_indices(pat).any(|(i, _)| {
            msg[i + pat.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    };
    digits_after(&format!("{name}:"))
        || digits_after("line ")
        || digits_after("row ")
        || [
            "file is empty",
            "CR only",
            "missing column",
            "is in none of the factor files",
        ]
        .iter()
        .any(|w| msg.contains(w))
}

/// Runs `load` on each mutated seed: no panic, within [`MAX_LOAD`], a result or an error
/// with a place. Returns (cases, errors).
fn fuzz(
    name: &str,
    seed: &str,
    file: &Path,
    load: impl Fn(&Path) -> Result<(), String>,
) -> (u32, u32) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let errors = std::cell::Cell::new(0u32);
    let n = std::cell::Cell::new(0u32);
    let result = runner.run(&prop::collection::vec(op(), 0..8), |ops| {
        let bytes = apply(seed.as_bytes(), &ops);
        std::fs::write(file, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t0 = Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(file)));
        let took = t0.elapsed();
        n.set(n.get() + 1);
        let r = r.map_err(|_| {
            TestCaseError::fail(format!(
                "{name}: panic on {:?}",
                String::from_utf8_lossy(&bytes)
            ))
        })?;
        prop_assert!(took < MAX_LOAD, "{name}: {took:?} on {} bytes", bytes.len());
        if let Err(msg) = r {
            errors.set(errors.get() + 1);
            prop_assert!(
                has_place(&msg, file),
                "{name}: an error without a place: {msg}\non {:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    (n.get(), errors.get())
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|k| k / 1024)
}

fn report(name: &str, (n, e): (u32, u32)) {
    println!(
        "fuzz {name}: {n} inputs, {e} refused with a place, {} loaded; peak RSS {} MiB",
        n - e,
        peak_rss_mib()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "n/a".into())
    );
    assert!(n > 0);
    // Coarse (the whole test process): small inputs keep the loaders far below it.
    if let Some(m) = peak_rss_mib() {
        assert!(m < 1024, "peak RSS {m} MiB");
    }
}

fn tmp(name: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join(name);
    (d, p)
}

fn price_seed() -> String {
    let mut s = String::from("date,open,close,adj_close,volume,trade_status,preclose,is_st,note\n");
    let mut d = chrono::NaiveDate::from_ymd_opt(2019, 1, 2).expect("date");
    for k in 0..60 {
        let px = 10.0 + (k % 7) as f64 * 0.13;
        s.push_str(&format!(
            "{d},{px:.2},{px:.2},{:.4},{},1,{:.2},0,\"n, {k}\"\n",
            px * 0.9,
            1000 + k,
            px - 0.05
        ));
        d += chrono::Duration::days(1);
    }
    s
}

#[test]
fn events_loader() {
    let (_d, f) = tmp("events.csv");
    let seed = "event_id,security,entity,date,time,tz,headline,source,url,exchange\n\
        E1,002415.SZ,Hikvision,2019-10-07,18:00,America/New_York,\"Entity List, 28\",fr,u,XSHE\n\
        E1,,Megvii,2019-10-07,,,h,s,u,\nE2,QCOM,Qualcomm,20190516,09:30,,h,s,u,XNAS\n\
        E3,MU,Micron,16.05.2019,,,h,s,u,\n";
    let r = fuzz("events", seed, &f, |p| {
        evimpact::data::events::load_events(p, &FileLayout::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("events", r);
}

#[test]
fn prices_loader() {
    let (_d, f) = tmp("A.csv");
    let r = fuzz("prices", &price_seed(), &f, |p| {
        evimpact::data::prices::load_price_file(p, "A", &FileLayout::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("prices", r);
}

#[test]
fn long_prices_loader() {
    let (_d, f) = tmp("long.csv");
    let seed: String =
        std::iter::once("security,".to_string() + price_seed().lines().next().unwrap_or(""))
            .chain(
                price_seed()
                    .lines()
                    .skip(1)
                    .enumerate()
                    .map(|(k, l)| format!("{},{l}", if k % 2 == 0 { "A" } else { "B.SZ" })),
            )
            .map(|l| l + "\n")
            .collect();
    let r = fuzz("long prices", &seed, &f, |p| {
        evimpact::data::prices::load_long_price_file(p, &FileLayout::default(), None)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("long prices", r);
}

#[test]
fn market_loader() {
    let (_d, f) = tmp("market.csv");
    let seed = "date,close\n2019-01-02,100\n2019-01-03,101.5\n2019-01-04,\n2019-01-07,99.25\n";
    let r = fuzz("market", seed, &f, |p| {
        evimpact::data::prices::load_price_file(p, "market", &FileLayout::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("market", r);
}

#[test]
fn calendar_loader() {
    let (_d, f) = tmp("calendar.csv");
    let seed = "date,note\n2019-01-02,a\n2019-01-03,b\n2019-01-04,\n20190107,d\n08.01.2019,e\n";
    let r = fuzz("calendar", seed, &f, |p| {
        evimpact::data::calendar::load_calendar(p, &FileLayout::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("calendar", r);
}

#[test]
fn halts_loader() {
    let (_d, f) = tmp("halts.csv");
    let seed = "security,start,end,reason,source\n002415.SZ,2019-10-08,2019-10-09,\"Entity List, halt\",szse\n\
        002236.SZ,2019-10-08,2019-10-09,r,s\n";
    let r = fuzz("halts", seed, &f, |p| {
        evimpact::data::halts::load_halts(p, &FileLayout::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    report("halts", r);
}

#[test]
fn factors_loader() {
    let (_d, f) = tmp("ff3.csv");
    let seed = "date,mkt_rf,smb,hml,rf\n20190102,0.23,0.50,1.00,0.010\n20190103,-2.45,,0.25,0.010\n\
        2019-01-04,3.55,0.41,-0.2,0.01\n";
    let r = fuzz("factors", seed, &f, |p| {
        evimpact::data::factors::load_factors(
            &[p.to_path_buf()],
            &["mkt_rf".into(), "smb".into(), "hml".into()],
            Some("rf"),
            evimpact::data::factors::FactorUnits::Percent,
            &FileLayout::default(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    });
    report("factors", r);
}

/// The study file: TOML errors name their line; a file that parses is resolved (its
/// semantic errors name the key, e.g. "CAR window -20:0 is not inside …").
#[test]
fn study_loader() {
    let (_d, f) = tmp("study.toml");
    let seed = "name = \"s\"\n[inputs]\nevents = \"e.csv\"\nprices = [\"p\", \"q\"]\nmarket = \"m.csv\"\n\
        [inputs.format]\ndelimiter = \";\"\ndate_format = \"DD.MM.YYYY\"\n[inputs.columns]\nprice = \"adjusted\"\n\
        [windows]\nestimation = [-260, -11]\nevent = \"-10:10\"\ncar = [[-1, 1], [0, 5]]\n\
        [model]\nkind = \"market\"\nmin_estimation = 120\n[policies]\nhalts = \"trade_to_trade\"\n";
    let r = fuzz("study", seed, &f, |p| {
        let file = evimpact::study::read_study_file(p).map_err(|e| e.to_string())?;
        match evimpact::study::Study::resolve(
            Some((p, file)),
            evimpact::study::Overrides::default(),
            Path::new("/nonexistent-data"),
        ) {
            Ok(_) => Ok(()),
            // A semantic error is about the study's content, not a place in a file.
            Err(evimpact::error::InputError::Usage(m)) if !m.is_empty() => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    });
    report("study", r);
}
