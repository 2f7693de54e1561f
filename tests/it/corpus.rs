//! A corpus of broken inputs (issue 11), one test per class, each on the real binary: the
//! exit code, the first line of the message (file, line, column and value where there is
//! one), and that no output directory was left behind (and, for a sample, that an existing
//! output was not replaced). Classes that are valid but implausible must warn where the
//! reader looks: the terminal, `summary.json` and the report.

use std::path::Path;
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

fn good_events(f: &Fixture) -> String {
    let d = session(f, 250);
    format!("{HEADER}E1,A,Entity A,{d},,,h,s,u\nE1,B,Entity B,{d},,,h,s,u\n")
}

/// Replaces line `line` (1-based) of a fixture file.
fn set_line(f: &Fixture, rel: &str, line: usize, text: &str) {
    let body = f.read(rel);
    let mut lines: Vec<String> = body.lines().map(String::from).collect();
    lines[line - 1] = text.to_string();
    f.write(rel, &(lines.join("\n") + "\n"));
}

/// The date in line `line` of a price file.
fn date_at(f: &Fixture, rel: &str, line: usize) -> String {
    f.read(rel)
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split(',').next())
        .expect("line")
        .to_string()
}

fn first_line(o: &Output) -> String {
    stderr(o).lines().next().unwrap_or("").to_string()
}

/// Exit code 2, every needle in the first line of the message, no panic, nothing left.
fn assert_refused(f: &Fixture, o: &Output, needles: &[&str]) {
    let err = stderr(o);
    let first = first_line(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code 2 expected; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(first.contains(n), "first line lacks {n:?}: {first}");
    }
    assert!(!f.path("out").exists(), "no output on bad input");
    let staging = std::fs::read_dir(f.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with(".out"));
    assert!(!staging, "no staging directory left");
}

fn p(f: &Fixture, rel: &str) -> String {
    f.path(rel).display().to_string()
}

/// `evimpact run` with the fixture's inputs except those in `replace` (flag → path).
fn run_with(f: &Fixture, events: &str, replace: &[(&str, String)], extra: &[&str]) -> Output {
    f.write("events.csv", events);
    let mut args: Vec<String> = vec!["run".into()];
    let defaults = [
        ("--events", p(f, "events.csv")),
        ("--prices", p(f, "prices")),
        ("--market", p(f, "market.csv")),
        ("--calendar", p(f, "calendar.csv")),
    ];
    for (flag, path) in defaults {
        let v = replace
            .iter()
            .find(|(k, _)| *k == flag)
            .map(|(_, v)| v.clone())
            .unwrap_or(path);
        args.push(flag.into());
        args.push(v);
    }
    for (k, v) in replace {
        if !defaults_has(k) {
            args.push((*k).into());
            args.push(v.clone());
        }
    }
    // The fixture's windows, unless the case gives its own.
    for w in ["--estimation=-150:-11", "--window=-5:5", "--car=-1:1"] {
        let flag = w.split('=').next().unwrap_or(w);
        if !extra.iter().any(|e| e.starts_with(flag)) {
            args.push(w.into());
        }
    }
    args.extend(["--min-estimation", "120"].map(String::from));
    args.push("--out".into());
    args.push(p(f, "out"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    evimpact(&refs)
}

fn defaults_has(k: &str) -> bool {
    ["--events", "--prices", "--market", "--calendar"].contains(&k)
}

/// The fixture run with one events file and nothing else changed.
fn run_events(f: &Fixture, events: &str) -> Output {
    run_with(f, events, &[], &[])
}

/// A study file in the fixture's folder, run.
fn run_study(f: &Fixture, toml: &str) -> Output {
    f.write("events.csv", &good_events(f));
    let base = format!(
        "[inputs]\nevents = \"events.csv\"\nprices = \"{}\"\nmarket = \"{}\"\ncalendar = \"{}\"\n",
        p(f, "prices"),
        p(f, "market.csv"),
        p(f, "calendar.csv")
    );
    f.write("study.toml", &format!("{base}{toml}"));
    evimpact(&["run", &p(f, "study.toml"), "--out", &p(f, "out")])
}

macro_rules! class {
    ($name:ident, |$f:ident| $body:block) => {
        #[test]
        fn $name() {
            let $f = Fixture::new(300);
            $body
        }
    };
}

// ------------------------------------------------------------------ events file

class!(events_missing_column, |f| {
    let o = run_events(&f, "id,security,date\nE1,A,2019-03-01\n");
    assert_refused(
        &f,
        &o,
        &[
            "events.csv:1: missing column 'event_id'",
            "id,security,date",
        ],
    );
});

class!(events_impossible_date, |f| {
    let o = run_events(&f, &format!("{HEADER}E1,A,x,2019-13-01,,,h,s,u\n"));
    assert_refused(&f, &o, &["events.csv:2:4: column 'date'", "\"2019-13-01\""]);
});

class!(events_slash_date_is_not_guessed, |f| {
    let o = run_events(&f, &format!("{HEADER}E1,A,x,07/10/2019,,,h,s,u\n"));
    assert_refused(
        &f,
        &o,
        &[
            "events.csv:2:4: column 'date'",
            "\"07/10/2019\"",
            "MM/DD/YYYY",
        ],
    );
});

class!(events_bad_time, |f| {
    let o = run_events(
        &f,
        &format!("{HEADER}E1,A,x,{},25:61,,h,s,u\n", session(&f, 250)),
    );
    assert_refused(&f, &o, &["events.csv:2:5: column 'time'", "\"25:61\""]);
});

class!(events_unknown_time_zone, |f| {
    let o = run_events(
        &f,
        &format!(
            "{HEADER}E1,A,x,{},16:30,Mars/Olympus,h,s,u\n",
            session(&f, 250)
        ),
    );
    assert_refused(&f, &o, &["events.csv:2:6: column 'tz'", "\"Mars/Olympus\""]);
});

class!(events_security_with_parent_path, |f| {
    std::fs::write(f.path("secret.csv"), f.read("prices/A.csv")).expect("write");
    let o = run_events(
        &f,
        &format!("{HEADER}E1,../secret,x,{},,,h,s,u\n", session(&f, 250)),
    );
    assert_refused(
        &f,
        &o,
        &[
            "events.csv:2:2: column 'security'",
            "\"../secret\"",
            "not a path",
        ],
    );
});

class!(events_security_absolute_path, |f| {
    let secret = p(&f, "secret");
    std::fs::write(format!("{secret}.csv"), f.read("prices/A.csv")).expect("write");
    let o = run_events(
        &f,
        &format!("{HEADER}E1,{secret},x,{},,,h,s,u\n", session(&f, 250)),
    );
    assert_refused(
        &f,
        &o,
        &["events.csv:2:2: column 'security'", "path separator"],
    );
});

class!(events_security_with_blank, |f| {
    let o = run_events(
        &f,
        &format!("{HEADER}E1,A B,x,{},,,h,s,u\n", session(&f, 250)),
    );
    assert_refused(
        &f,
        &o,
        &["events.csv:2:2: column 'security'", "\"A B\"", "a blank"],
    );
});

class!(events_duplicate_pair, |f| {
    let d = session(&f, 250);
    let o = run_events(
        &f,
        &format!("{HEADER}E1,A,x,{d},,,h,s,u\nE1,A,x,{d},,,h,s,u\n"),
    );
    assert_refused(
        &f,
        &o,
        &[
            "events.csv:3:1:",
            "duplicate value \"E1,A\"",
            "first seen on line 2",
        ],
    );
});

class!(events_empty_event_id, |f| {
    let o = run_events(&f, &format!("{HEADER},A,x,{},,,h,s,u\n", session(&f, 250)));
    assert_refused(
        &f,
        &o,
        &["events.csv:2:1: column 'event_id'", "non-empty event id"],
    );
});

class!(events_unknown_exchange, |f| {
    let o = run_events(
        &f,
        &format!(
            "event_id,security,date,exchange\nE1,A,{},XMARS\n",
            session(&f, 250)
        ),
    );
    assert_refused(&f, &o, &["events.csv:2:4: column 'exchange'", "\"XMARS\""]);
});

class!(events_market_path_escapes, |f| {
    let o = run_events(
        &f,
        &format!(
            "event_id,security,date,market\nE1,A,{},../../etc/passwd\n",
            session(&f, 250)
        ),
    );
    assert_refused(
        &f,
        &o,
        &["events.csv:2:4: column 'market'", "\"../../etc/passwd\""],
    );
});

class!(events_empty_file, |f| {
    let o = run_events(&f, "");
    assert_refused(&f, &o, &["events.csv: file is empty"]);
});

class!(events_header_only, |f| {
    let o = run_events(&f, HEADER);
    assert_refused(&f, &o, &["events.csv: file is empty"]);
});

class!(events_row_with_fewer_fields, |f| {
    let o = run_events(&f, &format!("{HEADER}E1,A,x,{}\n", session(&f, 250)));
    assert_refused(
        &f,
        &o,
        &["events.csv: line 2: 4 field(s) but the header has 9"],
    );
});

class!(events_unquoted_comma_in_text, |f| {
    let d = session(&f, 250);
    let o = run_events(&f, &format!("{HEADER}E1,A,x,{d},,,Huawei, again,s,u\n"));
    assert_refused(
        &f,
        &o,
        &[
            "events.csv: line 2: 10 field(s) but the header has 9",
            "Huawei",
        ],
    );
});

class!(events_unterminated_quote, |f| {
    let d = session(&f, 250);
    let o = run_events(
        &f,
        &format!("{HEADER}E1,A,x,{d},,,\"no end,s,u\nE2,B,x,{d},,,h,s,u\n"),
    );
    assert_refused(
        &f,
        &o,
        &["events.csv: line 2: a quoted field is never closed"],
    );
});

class!(events_quoted_newline_keeps_line_numbers, |f| {
    let d = session(&f, 250);
    let o = run_events(
        &f,
        &format!("{HEADER}E1,A,x,{d},,,\"two\nlines\",s,u\nE2,B,x,2019-02-30,,,h,s,u\n"),
    );
    assert_refused(&f, &o, &["events.csv:4:4: column 'date'", "\"2019-02-30\""]);
});

class!(events_cr_only_line_ends, |f| {
    let d = session(&f, 250);
    let o = run_events(&f, &format!("event_id,security,date\rE1,A,{d}\r"));
    assert_refused(&f, &o, &["events.csv: lines end in CR only"]);
});

class!(events_binary_data, |f| {
    let o = run_events(&f, "\u{0}\u{0}\u{0}PK\u{3}\u{4}");
    assert_refused(
        &f,
        &o,
        &[
            "events.csv: cannot read: holds binary data",
            "NUL byte on line 1",
        ],
    );
});

class!(events_invalid_utf8_in_a_read_column, |f| {
    let d = session(&f, 250);
    let mut bytes = format!("{HEADER}E1,A,x,{d},,,h").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe,s,u\n");
    f.write("events.csv", "");
    std::fs::write(f.path("ev.csv"), bytes).expect("write");
    let o = run_with(&f, "", &[("--events", p(&f, "ev.csv"))], &[]);
    let first = first_line(&o);
    assert_eq!(o.status.code(), Some(2), "{first}");
    assert!(
        first.contains("ev.csv:2:7: column 'headline'") && first.contains("valid UTF-8"),
        "{first}"
    );
    assert!(!f.path("out").exists());
});

class!(events_duplicate_column_names, |f| {
    let o = run_events(
        &f,
        &format!("event_id,security,date,date\nE1,A,{},x\n", session(&f, 250)),
    );
    assert_refused(
        &f,
        &o,
        &["events.csv: line 1: duplicate column name 'date' (columns 3 and 4)"],
    );
});

class!(events_is_a_directory, |f| {
    std::fs::create_dir(f.path("evdir")).expect("mkdir");
    let o = run_with(&f, "", &[("--events", p(&f, "evdir"))], &[]);
    assert_refused(&f, &o, &["evdir: cannot read: is a directory"]);
});

class!(events_is_dev_zero, |f| {
    let o = run_with(&f, "", &[("--events", "/dev/zero".into())], &[]);
    assert_refused(&f, &o, &["/dev/zero: cannot read: is a character device"]);
});

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
class!(events_is_a_fifo, |f| {
    mkfifo(&f.path("fifo.csv"));
    let o = run_with(&f, "", &[("--events", p(&f, "fifo.csv"))], &[]);
    assert_refused(&f, &o, &["fifo.csv: cannot read: is a FIFO"]);
});

#[cfg(unix)]
class!(events_symlink_loop, |f| {
    std::os::unix::fs::symlink(f.path("b.csv"), f.path("a.csv")).expect("link");
    std::os::unix::fs::symlink(f.path("a.csv"), f.path("b.csv")).expect("link");
    let o = run_with(&f, "", &[("--events", p(&f, "a.csv"))], &[]);
    assert_refused(&f, &o, &["a.csv: cannot read: is a symbolic link loop"]);
});

#[cfg(unix)]
class!(events_dangling_symlink, |f| {
    std::os::unix::fs::symlink(f.path("gone.csv"), f.path("a.csv")).expect("link");
    let o = run_with(&f, "", &[("--events", p(&f, "a.csv"))], &[]);
    assert_refused(
        &f,
        &o,
        &[
            "a.csv: cannot read: is a symbolic link to",
            "which does not exist",
        ],
    );
});

// ------------------------------------------------------------------ price files

class!(prices_missing_date_column, |f| {
    set_line(&f, "prices/A.csv", 1, "day,adj_close,volume");
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &["A.csv:1: missing column 'date'", "day,adj_close,volume"],
    );
});

class!(prices_bad_number, |f| {
    let d = date_at(&f, "prices/A.csv", 7);
    set_line(&f, "prices/A.csv", 7, &format!("{d},12.5x,100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:7:2: column 'adj_close': expected a number",
            "\"12.5x\"",
        ],
    );
});

class!(prices_thousands_separator, |f| {
    let d = date_at(&f, "prices/A.csv", 9);
    set_line(&f, "prices/A.csv", 9, &format!("{d},1,234.5,100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv: line 9: 4 field(s) but the header has 3",
            "thousands separator",
        ],
    );
});

class!(prices_decimal_comma_in_semicolon_file, |f| {
    let d = date_at(&f, "prices/A.csv", 5);
    let body = f.read("prices/A.csv").replace(',', ";");
    f.write("prices/A.csv", &body);
    set_line(&f, "prices/A.csv", 5, &format!("{d};12,5;100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &["A.csv:5:2: column 'adj_close'", "\"12,5\"", "decimal comma"],
    );
});

class!(prices_negative, |f| {
    let d = date_at(&f, "prices/A.csv", 11);
    set_line(&f, "prices/A.csv", 11, &format!("{d},-3,100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:11:2: column 'adj_close': expected a positive price",
            "\"-3\"",
        ],
    );
});

class!(prices_absurdly_large, |f| {
    let d = date_at(&f, "prices/A.csv", 12);
    set_line(&f, "prices/A.csv", 12, &format!("{d},1e308,100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &["A.csv:12:2: column 'adj_close'", "below 1e12", "\"1e308\""],
    );
});

class!(prices_infinite, |f| {
    let d = date_at(&f, "prices/A.csv", 12);
    set_line(&f, "prices/A.csv", 12, &format!("{d},inf,100"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:12:2: column 'adj_close': expected a number",
            "\"inf\"",
        ],
    );
});

class!(prices_duplicate_date, |f| {
    let third = f
        .read("prices/A.csv")
        .lines()
        .nth(3)
        .expect("line")
        .to_string();
    set_line(&f, "prices/A.csv", 5, &third);
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:5:1: column 'date': duplicate value",
            "first seen on line 4",
        ],
    );
});

class!(prices_row_with_fewer_fields, |f| {
    let d = date_at(&f, "prices/A.csv", 20);
    set_line(&f, "prices/A.csv", 20, &d);
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["A.csv: line 20: 1 field(s) but the header has 3"]);
});

class!(prices_duplicate_column_names, |f| {
    set_line(&f, "prices/A.csv", 1, "date,adj_close,adj_close");
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &["A.csv: line 1: duplicate column name 'adj_close' (columns 2 and 3)"],
    );
});

class!(prices_trade_status_not_a_flag, |f| {
    let body: String = f
        .read("prices/A.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l},trade_status\n"),
            30 => format!("{l},2\n"),
            _ => format!("{l},1\n"),
        })
        .collect();
    f.write("prices/A.csv", &body);
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:31:4: column 'trade_status': expected 0 or 1",
            "\"2\"",
        ],
    );
});

class!(prices_negative_volume, |f| {
    let d = date_at(&f, "prices/A.csv", 8);
    set_line(&f, "prices/A.csv", 8, &format!("{d},10,-5"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv:8:3: column 'volume': expected a non-negative number",
            "\"-5\"",
        ],
    );
});

class!(prices_bad_date, |f| {
    set_line(&f, "prices/B.csv", 5, "2019-13-01,20.5,100");
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["B.csv:5:1: column 'date'", "\"2019-13-01\""]);
});

class!(prices_quoted_newline_keeps_line_numbers, |f| {
    let body: String = f
        .read("prices/A.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l},note\n"),
            3 => format!("{l},\"a\nb\"\n"),
            _ => format!("{l},x\n"),
        })
        .collect();
    f.write("prices/A.csv", &body);
    let d = date_at(&f, "prices/A.csv", 10);
    set_line(&f, "prices/A.csv", 10, &format!("{d},oops,100,x"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["A.csv:10:2: column 'adj_close'", "\"oops\""]);
});

class!(prices_file_is_a_directory, |f| {
    std::fs::remove_file(f.path("prices/A.csv")).expect("rm");
    std::fs::create_dir(f.path("prices/A.csv")).expect("mkdir");
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["A.csv: cannot read: is a directory"]);
});

#[cfg(unix)]
class!(prices_file_is_a_fifo, |f| {
    std::fs::remove_file(f.path("prices/A.csv")).expect("rm");
    mkfifo(&f.path("prices/A.csv"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["A.csv: cannot read: is a FIFO"]);
});

#[cfg(unix)]
class!(prices_symlink_out_of_the_directory, |f| {
    std::fs::write(f.path("secret.csv"), f.read("prices/A.csv")).expect("write");
    std::fs::remove_file(f.path("prices/A.csv")).expect("rm");
    std::os::unix::fs::symlink(f.path("secret.csv"), f.path("prices/A.csv")).expect("link");
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "A.csv: cannot read: is a symbolic link to",
            "outside the price directory",
        ],
    );
});

// A 4 GiB sparse file given as a long price file: refused at its first bytes.
class!(prices_huge_sparse_long_file, |f| {
    let big = std::fs::File::create(f.path("long.csv")).expect("create");
    big.set_len(4 << 30).expect("sparse");
    let t0 = std::time::Instant::now();
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--prices", p(&f, "long.csv"))],
        &[],
    );
    assert_refused(
        &f,
        &o,
        &[
            "long.csv: cannot read: holds binary data",
            "NUL byte on line 1",
        ],
    );
    assert!(t0.elapsed().as_secs() < 30, "bounded time");
});

// A header, then gigabytes of NULs: the first chunk is refused with its line.
class!(prices_header_then_sparse_hole, |f| {
    std::fs::write(
        f.path("long.csv"),
        "security,date,adj_close\nA,2019-01-02,10\n",
    )
    .expect("write");
    let big = std::fs::OpenOptions::new()
        .write(true)
        .open(f.path("long.csv"))
        .expect("open");
    big.set_len(3 << 30).expect("sparse");
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--prices", p(&f, "long.csv"))],
        &[],
    );
    assert_refused(
        &f,
        &o,
        &[
            "long.csv: cannot read: holds binary data",
            "NUL byte on line 3",
        ],
    );
});

class!(prices_header_only, |f| {
    f.write("prices/B.csv", "date,adj_close\n");
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["B.csv: file is empty"]);
});

class!(prices_long_file_row_without_security, |f| {
    let mut long = String::from("security,date,adj_close,volume\n");
    for l in f.read("prices/A.csv").lines().skip(1) {
        long.push_str(&format!("A,{l}\n"));
    }
    long.push_str(",2030-01-02,1,1\n");
    f.write("long.csv", &long);
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--prices", p(&f, "long.csv"))],
        &[],
    );
    assert_refused(
        &f,
        &o,
        &["long.csv:302:1: column 'security': expected a security id"],
    );
});

// ------------------------------------------------------------------ market, calendar, halts, factors

class!(market_missing, |f| {
    std::fs::remove_file(f.path("market.csv")).expect("rm");
    let o = run_events(&f, &good_events(&f));
    assert_refused(&f, &o, &["market index", "market.csv does not exist"]);
});

class!(market_bad_number, |f| {
    let d = date_at(&f, "market.csv", 6);
    set_line(&f, "market.csv", 6, &format!("{d},n/a?"));
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "market.csv:6:2: column 'close': expected a number",
            "\"n/a?\"",
        ],
    );
});

class!(market_is_dev_zero, |f| {
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--market", "/dev/zero".into())],
        &[],
    );
    assert_refused(&f, &o, &["/dev/zero: cannot read: is a character device"]);
});

class!(calendar_bad_date, |f| {
    set_line(&f, "calendar.csv", 4, "2019-01-3");
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &["calendar.csv:4:1: column 'date'", "\"2019-01-3\""],
    );
});

class!(calendar_duplicate_date, |f| {
    let d = session(&f, 2);
    set_line(&f, "calendar.csv", 5, &d);
    let o = run_events(&f, &good_events(&f));
    assert_refused(
        &f,
        &o,
        &[
            "calendar.csv:5:1: column 'date': duplicate value",
            "first seen on line 4",
        ],
    );
});

class!(halts_end_before_start, |f| {
    f.write(
        "halts.csv",
        "security,start,end,reason,source\nA,2019-03-05,2019-03-04,r,s\n",
    );
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--halts", p(&f, "halts.csv"))],
        &[],
    );
    assert_refused(
        &f,
        &o,
        &[
            "halts.csv:2:3: column 'end'",
            "on or after start 2019-03-05",
        ],
    );
});

class!(halts_missing_column, |f| {
    f.write("halts.csv", "security,begin,end\nA,2019-03-05,2019-03-06\n");
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--halts", p(&f, "halts.csv"))],
        &[],
    );
    assert_refused(&f, &o, &["halts.csv:1: missing column 'start'"]);
});

class!(factors_bad_number, |f| {
    let mut t = String::from("date,mkt_rf,smb,hml,rf\n");
    for (k, d) in f.read("calendar.csv").lines().skip(1).enumerate() {
        let v = if k == 40 {
            "1.2.3".to_string()
        } else {
            "0.1".into()
        };
        t.push_str(&format!("{d},{v},0.1,0.1,0.01\n"));
    }
    f.write("ff3.csv", &t);
    let o = run_with(
        &f,
        &good_events(&f),
        &[("--factors", p(&f, "ff3.csv"))],
        &["--model", "ff3", "--factor-units", "percent"],
    );
    assert_refused(
        &f,
        &o,
        &[
            "ff3.csv:42:2: column 'mkt_rf': expected a number",
            "\"1.2.3\"",
        ],
    );
});

// ------------------------------------------------------------------ windows and study files

class!(window_bound_overflows, |f| {
    let o = run_with(&f, &good_events(&f), &[], &["--estimation=-2147483648:-30"]);
    assert_refused(&f, &o, &["--estimation", "beyond ±10000 sessions"]);
});

class!(window_far_beyond_any_calendar, |f| {
    let o = run_with(&f, &good_events(&f), &[], &["--window=-100000:100000"]);
    assert_refused(&f, &o, &["--window", "beyond ±10000 sessions"]);
});

class!(study_car_written_as_one_pair, |f| {
    let o = run_study(&f, "[windows]\ncar = [-1, 1]\n");
    assert_refused(
        &f,
        &o,
        &[
            "study.toml: line 7:",
            "found the number -1 where a window was expected",
            "[[-1, 1], [0, 5]]",
        ],
    );
});

class!(study_empty_car_list, |f| {
    let o = run_study(&f, "[windows]\ncar = []\n");
    assert_refused(&f, &o, &["no CAR window", "car = [[-1, 1], [0, 5]]"]);
});

class!(study_empty_estimation_window, |f| {
    let o = run_study(&f, "[windows]\nestimation = []\n");
    assert_refused(
        &f,
        &o,
        &[
            "study.toml: line 7:",
            "expected two whole numbers",
            "[-1, 1]",
        ],
    );
});

class!(study_unknown_key, |f| {
    let o = run_study(&f, "[windows]\nestimate = [-200, -11]\n");
    assert_refused(&f, &o, &["study.toml: line 7:", "unknown field `estimate`"]);
});

class!(study_file_is_dev_zero, |f| {
    let o = evimpact(&["run", "/dev/zero", "--out", &p(&f, "out")]);
    assert_refused(&f, &o, &["/dev/zero: cannot read: is a character device"]);
});

class!(study_unknown_column_mapping, |f| {
    let o = run_study(&f, "[inputs.columns]\nprize = \"adjusted\"\n");
    assert_refused(
        &f,
        &o,
        &["column mapping of prices: unknown column 'prize'"],
    );
});

class!(study_bad_max_return, |f| {
    let o = run_with(&f, &good_events(&f), &[], &["--max-return=-1"]);
    assert_refused(&f, &o, &["max_return -1 must be a positive number"]);
});

// ------------------------------------------------------------------ an existing output

// A bad input never replaces the output of an earlier good run.
class!(bad_input_keeps_the_previous_output, |f| {
    let o = run_events(&f, &good_events(&f));
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(f.path("out/car.csv")).expect("car");
    let d = date_at(&f, "prices/A.csv", 7);
    set_line(&f, "prices/A.csv", 7, &format!("{d},12.5x,100"));
    let o = run_events(&f, &good_events(&f));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(first_line(&o).contains("A.csv:7:2:"), "{}", first_line(&o));
    assert_eq!(std::fs::read(f.path("out/car.csv")).expect("car"), before);
});

// ------------------------------------------------------------------ implausible but valid

// A price 1000× its neighbours runs (exit 0) but is named in the terminal, summary.json
// and the report, with its line.
class!(price_spike_is_said_everywhere, |f| {
    let d = date_at(&f, "prices/A.csv", 101);
    let px: f64 = f
        .read("prices/A.csv")
        .lines()
        .nth(100)
        .and_then(|l| l.split(',').nth(1))
        .and_then(|v| v.parse().ok())
        .expect("price");
    set_line(
        &f,
        "prices/A.csv",
        101,
        &format!("{d},{},1000", px * 1000.0),
    );
    let o = run_events(&f, &good_events(&f));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("warning:")
            && out.contains("A.csv: 2 implausible price move(s)")
            && out.contains("line 101"),
        "{out}"
    );
    let summary = std::fs::read_to_string(f.path("out/summary.json")).expect("summary");
    assert!(
        summary.contains("implausible price move") && summary.contains("line 101"),
        "{summary}"
    );
    let report = std::fs::read_to_string(f.path("out/report.md")).expect("report");
    assert!(
        report.contains("implausible price move"),
        "report names the spike"
    );
});

// The plausibility bound is the study's: a looser bound says nothing about a ×3 move.
class!(max_return_is_the_studys, |f| {
    let d = date_at(&f, "prices/A.csv", 101);
    set_line(&f, "prices/A.csv", 101, &format!("{d},40,1000"));
    let o = run_with(&f, &good_events(&f), &[], &["--max-return", "100"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(f.path("out/summary.json")).expect("summary");
    assert!(!summary.contains("implausible"), "{summary}");
    std::fs::remove_dir_all(f.path("out")).expect("rm");
    let o = run_with(&f, &good_events(&f), &[], &["--max-return", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("implausible price move"),
        "{}",
        stdout(&o)
    );
});

// An A-share close beyond its daily limit is named (a ±10 % main-board share at +30 %).
class!(a_share_beyond_the_daily_limit_is_said, |f| {
    let mut body = String::from("date,close,volume\n");
    for (k, l) in f.read("prices/A.csv").lines().skip(1).enumerate() {
        let mut it = l.split(',');
        let d = it.next().expect("date");
        let px: f64 = it.next().and_then(|v| v.parse().ok()).expect("price");
        let px = (px * 100.0).round() / 100.0;
        let px = if k >= 120 { px * 1.3 } else { px };
        body.push_str(&format!("{d},{px:.2},1000\n"));
    }
    f.write("prices/600000.SH.csv", &body);
    let d = session(&f, 250);
    let o = run_with(
        &f,
        &format!("{HEADER}E1,600000.SH,x,{d},,,h,s,u\n"),
        &[],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("600000.SH.csv: 1 close(s) beyond the A-share daily limit")
            && out.contains("line 122"),
        "{out}"
    );
});

// Invalid bytes in a column the study does not read do not stop the run; trailing blank
// lines (and CRLF ones) are accepted.
class!(unread_column_bytes_and_trailing_blank_lines_are_fine, |f| {
    let d = session(&f, 250);
    let mut ev = format!("{HEADER}E1,A,Entity A,{d},,,h,s,u\nE1,B,Entity B,{d},,,h,s,u\n\n\r\n\n")
        .into_bytes();
    let header_end = HEADER.len();
    let mut with_extra =
        b"event_id,security,entity,date,time,tz,headline,source,url,notes\n".to_vec();
    with_extra.extend_from_slice(&ev.split_off(header_end));
    let with_extra = String::from_utf8_lossy(&with_extra)
        .replace(",u\n", ",u,\u{1}\n")
        .into_bytes();
    let mut bytes = with_extra;
    let at = bytes.iter().position(|&b| b == 1).expect("marker");
    bytes.splice(at..at + 1, b"\xff\xfe\xfd".iter().copied());
    std::fs::write(f.path("ev.csv"), bytes).expect("write");
    let body: String = f.read("prices/A.csv") + "\n\n";
    f.write("prices/A.csv", &body);
    let o = run_with(&f, "", &[("--events", p(&f, "ev.csv"))], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_csv(&f.path("out/model.csv")).len(), 2);
});
