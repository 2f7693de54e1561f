//! Error messages for the mistakes people make first (the trust issue, item 8), on the real
//! binary: each exits 2 with the exact first line asserted.

use std::process::{Command, Output};

use crate::common::*;

fn run_in(dir: &std::path::Path, args: &[&str], data: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_evimpact"));
    c.args(args).current_dir(dir);
    match data {
        Some(d) => c.env("EVIMPACT_DATA", d),
        None => c.env("EVIMPACT_DATA", data_dir()),
    };
    c.output().expect("runs")
}

fn first_line(o: &Output) -> String {
    stderr(o).lines().next().unwrap_or("").to_string()
}

fn assert_usage(o: &Output, line: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert_eq!(first_line(o), line);
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

fn events(dir: &std::path::Path) -> String {
    let p = dir.join("events.csv");
    std::fs::write(
        &p,
        "event_id,security,entity,date\nEL,002415.SZ,Hikvision,2019-10-07\n",
    )
    .expect("events");
    p.display().to_string()
}

#[test]
fn a_list_of_windows_written_as_one_window() {
    let d = tempfile::tempdir().expect("tempdir");
    let ev = events(d.path());
    let study = d.path().join("s.toml");
    std::fs::write(
        &study,
        format!(
            "name = \"s\"\n[inputs]\nevents = \"{ev}\"\nprices = \"prices/cn\"\nmarket = \"indices/cn/000300.SH.csv\"\n[windows]\ncar = [-1, 1]\n"
        ),
    )
    .expect("study");
    let o = run_in(d.path(), &["run", study.to_str().expect("utf8")], None);
    assert_usage(
        &o,
        &format!(
            "error: {}: line 7: found the number -1 where a window was expected: a window is [start, end] such as [-1, 1], or a text \"-1:1\" (\"t0:t5\" in traded sessions); a list of windows has one pair per window, e.g. car = [[-1, 1], [0, 5]] (not car = [-1, 1])",
            study.display()
        ),
    );
}

#[test]
fn a_window_given_as_two_arguments() {
    let d = tempfile::tempdir().expect("tempdir");
    let ev = events(d.path());
    let o = run_in(
        d.path(),
        &["run", "--events", &ev, "--estimation", "-250", "-30"],
        None,
    );
    assert_usage(
        &o,
        "error: --estimation takes one value START:END: write --estimation=-250:-30 (found `--estimation -250 -30`)",
    );
}

#[test]
fn paths_that_do_not_exist_are_named_with_their_resolved_path_first() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(d.path()).expect("canonical");
    let ev = events(d.path());
    let base = [
        "--prices",
        "prices/cn",
        "--market",
        "indices/cn/000300.SH.csv",
    ];
    let o = run_in(
        d.path(),
        &[&["run", "--events", "nope.csv"][..], &base[..]].concat(),
        None,
    );
    assert_usage(
        &o,
        &format!(
            "error: events file nope.csv does not exist (resolved: {}/nope.csv); check the path, or fetch it with `evimpact fetch events --from YYYY-MM-DD --to YYYY-MM-DD --entities --out FILE` (Federal Register Entity List rules), or write it by hand",
            root.display()
        ),
    );
    let o = run_in(
        d.path(),
        &[
            "run",
            "--events",
            &ev,
            "--prices",
            "prices/xx",
            "--market",
            "indices/cn/000300.SH.csv",
        ],
        None,
    );
    assert!(
        first_line(&o).starts_with(&format!(
            "error: price directory prices/xx does not exist (resolved: {}/prices/xx); check the path",
            root.display()
        )),
        "{}",
        first_line(&o)
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn several_paths_in_one_flag() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(d.path()).expect("canonical");
    let ev = events(d.path());
    let o = run_in(
        d.path(),
        &[
            "run",
            "--events",
            &ev,
            "--prices",
            "prices/cn,prices/us",
            "--market",
            "indices/cn/000300.SH.csv",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        first_line(&o).starts_with(&format!(
            "error: price directory prices/cn,prices/us does not exist (resolved: {}/prices/cn,prices/us) (one path per flag: repeat the flag, e.g. `--prices a --prices b`, instead of a comma-separated list)",
            root.display()
        )),
        "{}",
        first_line(&o)
    );
}

#[test]
fn a_missing_or_empty_data_directory_is_named_first() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = std::fs::canonicalize(d.path()).expect("canonical");
    let ev = events(d.path());
    let args = [
        "run",
        "--events",
        &ev,
        "--prices",
        "prices/cn",
        "--market",
        "indices/cn/000300.SH.csv",
    ];
    let missing = root.join("no-data");
    let o = run_in(
        d.path(),
        &[&args[..], &["--data", missing.to_str().expect("utf8")][..]].concat(),
        None,
    );
    let tail = "(it is --data, else $EVIMPACT_DATA, else the study file's [inputs] data, else ../shared/data); it should hold the market data the study names: price files under prices/ (e.g. prices/cn/002415.SZ.csv), market indices under indices/ and calendars under calendars/ (README, Inputs); pass --data DIR, or fetch the data with `evimpact run --fetch …` with the same flags";
    assert_usage(
        &o,
        &format!(
            "error: the data directory {} does not exist {tail}",
            missing.display()
        ),
    );
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = run_in(d.path(), &args, Some(empty.to_str().expect("utf8")));
    assert_usage(
        &o,
        &format!(
            "error: the data directory {} is empty {tail}",
            empty.display()
        ),
    );
}

#[test]
fn chart_usage_errors_exit_2() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_in(d.path(), &["chart", "car"], None);
    assert_usage(
        &o,
        "error: no run found under out/: pass --out DIR (the output directory of `evimpact run`)",
    );
    let o = run_in(
        d.path(),
        &["chart", "car", "--out", d.path().to_str().expect("utf8")],
        None,
    );
    assert_usage(
        &o,
        &format!(
            "error: --out {}: not an output directory of `evimpact run` (no summary.json)",
            d.path().display()
        ),
    );
    let o = run_in(d.path(), &["chart", "nonsense"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
