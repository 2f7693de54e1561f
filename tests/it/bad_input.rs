//! Bad input, one test per case named in the core-pipeline issue: exit code 2 with a message
//! naming file, line, column and value, or a skipped row with its reason; never a panic,
//! never a partial output.

use std::process::Output;

use crate::common::*;

const HEADER: &str = "event_id,security,entity,date,time,tz,headline,source,url\n";

/// The calendar date of session `i` of the fixture.
fn session(f: &Fixture, i: usize) -> String {
    f.read("calendar.csv")
        .lines()
        .nth(i + 1)
        .expect("session")
        .to_string()
}

fn events(f: &Fixture, rows: &[(&str, &str, &str)]) -> String {
    let _ = f;
    let mut s = HEADER.to_string();
    for (id, sec, date) in rows {
        s.push_str(&format!("{id},{sec},Entity {sec},{date},,,h,s,u\n"));
    }
    s
}

/// Replaces line `line` (1-based) of a fixture file.
fn set_line(f: &Fixture, rel: &str, line: usize, text: &str) {
    let body = f.read(rel);
    let mut lines: Vec<String> = body.lines().map(String::from).collect();
    lines[line - 1] = text.to_string();
    f.write(rel, &(lines.join("\n") + "\n"));
}

fn assert_input_error(f: &Fixture, o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code 2 expected; stderr: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!f.path("out").exists(), "no output on bad input");
    let staging = std::fs::read_dir(f.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with(".out"));
    assert!(!staging, "no staging directory left");
}

fn good_events(f: &Fixture) -> String {
    events(
        f,
        &[("E1", "A", &session(f, 250)), ("E1", "B", &session(f, 250))],
    )
}

#[test]
fn valid_fixture_runs() {
    let f = Fixture::new(300);
    let o = f.run(&good_events(&f), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_csv(&f.path("out/model.csv")).len(), 2);
}

#[test]
fn missing_column() {
    let f = Fixture::new(300);
    set_line(&f, "prices/A.csv", 1, "day,adj_close,volume");
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(
        &f,
        &o,
        &["A.csv:1: missing column 'date'", "day,adj_close,volume"],
    );
}

#[test]
fn unparsable_date_in_prices_and_events() {
    let f = Fixture::new(300);
    set_line(&f, "prices/B.csv", 5, "2019-13-01,20.5,100");
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(&f, &o, &["B.csv:5:1: column 'date'", "\"2019-13-01\""]);

    let f = Fixture::new(300);
    let o = f.run(&format!("{HEADER}E1,A,x,07/10/2019,,,h,s,u\n"), &[]);
    assert_input_error(&f, &o, &["events.csv:2:4: column 'date'", "\"07/10/2019\""]);
}

#[test]
fn unparsable_number() {
    let f = Fixture::new(300);
    let line = f
        .read("prices/A.csv")
        .lines()
        .nth(6)
        .expect("line")
        .to_string();
    let date = line.split(',').next().expect("date").to_string();
    set_line(&f, "prices/A.csv", 7, &format!("{date},12.5x,100"));
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(
        &f,
        &o,
        &[
            "A.csv:7:2: column 'adj_close': expected a number",
            "\"12.5x\"",
        ],
    );
}

#[test]
fn non_positive_price() {
    let f = Fixture::new(300);
    let date = session(&f, 9);
    set_line(&f, "prices/A.csv", 11, &format!("{date},0,100"));
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(
        &f,
        &o,
        &[
            "A.csv:11:2: column 'adj_close': expected a positive price",
            "\"0\"",
        ],
    );
}

#[test]
fn duplicate_date() {
    let f = Fixture::new(300);
    let third = f
        .read("prices/A.csv")
        .lines()
        .nth(3)
        .expect("line")
        .to_string();
    set_line(&f, "prices/A.csv", 5, &third);
    let o = f.run(&good_events(&f), &[]);
    let d = third.split(',').next().expect("date").to_string();
    assert_input_error(
        &f,
        &o,
        &[
            "A.csv:5:1: column 'date': duplicate value",
            &format!("\"{d}\""),
            "first seen on line 4",
        ],
    );
}

#[test]
fn unknown_time_zone() {
    let f = Fixture::new(300);
    let o = f.run(
        &format!(
            "{HEADER}E1,A,x,{},16:30,Europe/Atlantis,h,s,u\n",
            session(&f, 250)
        ),
        &[],
    );
    assert_input_error(
        &f,
        &o,
        &["events.csv:2:6: column 'tz'", "\"Europe/Atlantis\""],
    );
}

#[test]
fn empty_files() {
    let f = Fixture::new(300);
    let o = f.run("", &[]);
    assert_input_error(&f, &o, &["events.csv: file is empty"]);
    let f = Fixture::new(300);
    f.write("market.csv", "");
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(&f, &o, &["market.csv: file is empty"]);
    let f = Fixture::new(300);
    f.write("prices/B.csv", "date,adj_close\n");
    let o = f.run(&good_events(&f), &[]);
    assert_input_error(&f, &o, &["B.csv: file is empty"]);
}

#[test]
fn bad_window_flag_is_usage_error() {
    let f = Fixture::new(300);
    let o = f.run(&good_events(&f), &["--car", "-20:0"]);
    assert_input_error(
        &f,
        &o,
        &["CAR window -20:0 is not inside the event window -5:5"],
    );
    let o = f.run(&good_events(&f), &["--window", "five"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--window"), "{}", stderr(&o));
}

/// Unknown security, event outside the data and a too-short estimation window are skipped
/// rows with their reasons; the other events still run.
#[test]
fn per_event_problems_are_skipped_rows() {
    let f = Fixture::new(300);
    let ev = events(
        &f,
        &[
            ("E1", "A", &session(&f, 250)),
            ("E2", "ZZZ", &session(&f, 250)),
            ("E3", "B", "2031-06-02"),
            ("E4", "B", &session(&f, 60)),
            ("E5", "", &session(&f, 250)),
        ],
    );
    let o = f.run(&ev, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let audit = read_csv(&f.path("out/audit.csv"));
    let reason = |id: &str| {
        audit
            .iter()
            .filter(|r| {
                r["event_id"] == id
                    && (r["outcome"] == "skipped" || r["outcome"] == "no_market_data")
            })
            .map(|r| r["reason"].clone())
            .next()
            .unwrap_or_else(|| panic!("{id} has a skip row: {audit:?}"))
    };
    assert!(
        reason("E2").contains("unknown security: no price data for ZZZ"),
        "{}",
        reason("E2")
    );
    assert!(
        reason("E2").contains("events file line 3"),
        "{}",
        reason("E2")
    );
    assert!(
        reason("E3").contains("outside the XNYS calendar"),
        "{}",
        reason("E3")
    );
    assert!(
        reason("E4").contains("usable returns, fewer than the 120 required"),
        "{}",
        reason("E4")
    );
    assert!(reason("E5").contains("no market data"), "{}", reason("E5"));
    let model = read_csv(&f.path("out/model.csv"));
    assert_eq!(model.len(), 1);
    assert_eq!(model[0]["event_id"], "E1");
    let report = std::fs::read_to_string(f.path("out/report.md")).expect("report");
    assert!(report.contains("unknown security"));
    // --strict turns the skips into a failure with no output.
    std::fs::remove_dir_all(f.path("out")).expect("rm");
    let o = f.run(&ev, &["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!f.path("out").exists());
}

/// The price file's data ends before the event: the event window has no data.
#[test]
fn event_after_the_price_data_is_skipped() {
    let f = Fixture::new(300);
    let body: String = f
        .read("prices/B.csv")
        .lines()
        .take(200)
        .map(|l| format!("{l}\n"))
        .collect();
    f.write("prices/B.csv", &body);
    let o = f.run(
        &events(
            &f,
            &[
                ("E1", "A", &session(&f, 250)),
                ("E2", "B", &session(&f, 250)),
            ],
        ),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let audit = read_csv(&f.path("out/audit.csv"));
    let r = audit
        .iter()
        .find(|r| r["event_id"] == "E2" && r["outcome"] == "skipped")
        .expect("E2 skipped");
    assert!(
        r["reason"].contains("no price data in the event window"),
        "{}",
        r["reason"]
    );
}
