//! Outputs at large N (issue 15, items 3 and 5): the table formats, `summary.json`'s
//! aggregates, the report's extremes, the charts' aggregate forms drawn from the results in
//! memory, and the progress line. The size limits are lowered through the hidden
//! `EVIMPACT_MANY_EVENTS`, `EVIMPACT_SUMMARY_EVENTS` and `EVIMPACT_SESSION_ROWS` so that a
//! small synthetic panel runs in "large" mode in a debug build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::{ParquetReader, SerReader};

use crate::common::*;
use crate::testutil::{EXACT, assert_close};

/// A synthetic panel (30 securities, 400 sessions, 40 events, with halts and volume).
struct Panel {
    tmp: tempfile::TempDir,
}

impl Panel {
    fn new() -> Panel {
        let tmp = tempfile::tempdir().expect("tempdir");
        let d = tmp.path().join("in");
        let o = evimpact(&[
            "synth",
            "--securities",
            "30",
            "--sessions",
            "400",
            "--events",
            "40",
            "--seed",
            "11",
            "--out",
            d.to_str().expect("utf8"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        Panel { tmp }
    }

    fn input(&self, f: &str) -> String {
        self.tmp.path().join("in").join(f).display().to_string()
    }

    fn out(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The `run` command on this panel into `out/NAME`, with `env` and extra flags.
    fn command(&self, name: &str, env: &[(&str, &str)], extra: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_evimpact"));
        c.current_dir(repo())
            .env("EVIMPACT_DATA", data_dir())
            .args(["run", "--events"])
            .arg(self.input("events.csv"))
            .arg("--prices")
            .arg(self.input("prices"))
            .arg("--market")
            .arg(self.input("market.csv"))
            .arg("--calendar")
            .arg(self.input("calendar.csv"))
            .arg("--halts")
            .arg(self.input("halts.csv"))
            .args(["--estimation", "-200:-11", "--min-estimation", "100"])
            .args(["--resamples", "99", "--out"])
            .arg(self.out(name))
            .args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, name: &str, env: &[(&str, &str)], extra: &[&str]) -> Output {
        let o = self.command(name, env, extra).output().expect("runs");
        assert!(
            o.status.success(),
            "exit {:?}: {}",
            o.status.code(),
            stderr(&o)
        );
        o
    }
}

/// Every limit low enough for the panel's 40 events.
const LARGE: [(&str, &str); 3] = [
    ("EVIMPACT_MANY_EVENTS", "5"),
    ("EVIMPACT_SUMMARY_EVENTS", "5"),
    ("EVIMPACT_SESSION_ROWS", "100"),
];

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
        .expect("json")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The CARs of one window in car.csv as (event_id, security, car), finite ones only.
fn cars(dir: &Path, window: &str) -> Vec<(String, String, f64)> {
    read_csv(&dir.join("car.csv"))
        .into_iter()
        .filter(|r| r["window"] == window)
        .filter_map(|r| {
            let c: f64 = r["car"].parse().ok()?;
            Some((r["event_id"].clone(), r["security"].clone(), c))
        })
        .collect()
}

#[test]
fn large_runs_write_parquet_aggregates_and_bands() {
    let p = Panel::new();
    let o = p.run("large", &LARGE, &[]);
    let dir = p.out("large");
    // Per-session tables: Parquet only, and the terminal says so; the others both.
    for t in ["ar", "status", "series", "volume"] {
        assert!(dir.join(format!("{t}.parquet")).is_file(), "{t}.parquet");
        assert!(!dir.join(format!("{t}.csv")).exists(), "{t}.csv written");
    }
    for t in ["car", "model", "tests", "caar", "audit"] {
        assert!(dir.join(format!("{t}.csv")).is_file(), "{t}.csv");
        assert!(dir.join(format!("{t}.parquet")).is_file(), "{t}.parquet");
    }
    let out = stdout(&o);
    assert!(
        out.contains("per-session tables ar, status, series and volume written as Parquet only"),
        "{out}"
    );
    // tables.xlsx: the per-session tables left out, listed in `contents` with the files
    // that exist (Parquet only here); the other tables are sheets.
    assert!(
        out.contains("tables.xlsx: per-session tables ar, status, series and volume left out"),
        "{out}"
    );
    let book = dir.join("tables.xlsx");
    let contents = evimpact::data::xlsx::read_sheet(&book, None).expect("contents");
    for t in ["ar", "status", "series", "volume"] {
        assert!(
            evimpact::data::xlsx::read_sheet(&book, Some(t)).is_err(),
            "{t} is a sheet"
        );
        let row = contents
            .rows
            .iter()
            .find(|r| r.1.get(1).map(String::as_str) == Some(t))
            .unwrap_or_else(|| panic!("{t} not in contents"));
        assert_eq!(row.1[0], "", "{t}: a sheet named");
        assert_eq!(row.1[4], format!("{t}.parquet"), "{t}: files");
        assert!(
            row.1[5].starts_with("not in this workbook: a per-session table"),
            "{t}: {:?}",
            row.1
        );
    }
    let car_sheet = evimpact::data::xlsx::read_sheet(&book, Some("car")).expect("car sheet");
    assert_eq!(
        car_sheet.rows.len(),
        read_csv(&dir.join("car.csv")).len() + 1
    );

    // summary.json: aggregates that agree with car.csv, and pointers to the tables.
    let s = summary(&dir);
    assert!(s.get("events").is_none(), "the event list is still there");
    let es = &s["events_summary"];
    let model = read_csv(&dir.join("model.csv"));
    assert!(model.len() > 20, "{} events analysed", model.len());
    assert_eq!(es["analysed"].as_u64(), Some(model.len() as u64));
    assert_eq!(es["tables"]["ar"], "ar.parquet");
    assert_eq!(es["tables"]["car"], "car.csv");
    let lead = s["lead_window"]
        .as_str()
        .expect("a lead window")
        .to_string();
    let lead_cars = cars(&dir, &lead);
    let w = es["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .find(|w| w["window"] == lead.as_str())
        .expect("the lead window");
    assert_eq!(w["car"]["n"].as_u64(), Some(lead_cars.len() as u64));
    let negative = lead_cars.iter().filter(|c| c.2 < 0.0).count();
    assert_eq!(w["car_negative"].as_u64(), Some(negative as u64));
    let by_car = |a: &&(String, String, f64), b: &&(String, String, f64)| a.2.total_cmp(&b.2);
    let max = lead_cars.iter().max_by(by_car).expect("a CAR");
    let min = lead_cars.iter().min_by(by_car).expect("a CAR");
    let mean = lead_cars.iter().map(|c| c.2).sum::<f64>() / lead_cars.len() as f64;
    let ex = &es["extremes"];
    assert_eq!(ex["window"], lead.as_str());
    // JSON and CSV each print the shortest round-trip form; serde_json's parser may be
    // 1 ulp off, hence EXACT (4 ulps), not ==.
    for (got, want) in [(&ex["largest"][0], max), (&ex["smallest"][0], min)] {
        assert_close!(got["car"].as_f64().expect("car"), want.2, EXACT);
        assert_eq!(got["event_id"], want.0.as_str());
        assert_eq!(got["security"], want.1.as_str());
    }
    assert_eq!(ex["largest"].as_array().expect("largest").len(), 10);
    // The second stage's per-event lists point to their tables.
    let vol = read_csv(&dir.join("volatility.csv"));
    assert!(!vol.is_empty(), "no volatility rows");
    assert_eq!(s["second_stage"]["volatility"]["table"], "volatility.csv");
    assert_eq!(
        s["second_stage"]["volatility"]["events"].as_u64(),
        Some(vol.len() as u64)
    );
    let m = w["car"]["mean"].as_f64().expect("mean");
    assert_close!(m, mean);

    // The report: aggregates and the extremes, not one row per event.
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(
        md.contains("The most extreme events by CAR"),
        "no extremes section"
    );
    let top = &ex["largest"][0];
    let top_row = md
        .lines()
        .find(|l| l.contains("top 1"))
        .expect("a top 1 row");
    assert!(
        top_row.contains(top["event_id"].as_str().expect("id"))
            && top_row.contains(top["security"].as_str().expect("security")),
        "{top_row}"
    );
    assert!(
        md.contains("every event is in car.csv"),
        "no pointer to car.csv"
    );
    assert!(md.contains("ar.parquet"), "no pointer to ar.parquet");
    assert!(!md.contains("First 200"), "per-event rows at large N");
    assert!(
        md.contains("the spread of each event's volatility tests"),
        "volatility rows"
    );
    // Model diagnostics: each flag's count and the largest drift |t| of diagnostics.csv,
    // not its first rows.
    let diag = read_csv(&dir.join("diagnostics.csv"));
    assert!(diag.len() > 20, "{} diagnostics rows", diag.len());
    let drift = md
        .split("### The largest pre-event drifts")
        .nth(1)
        .expect("no largest-drift table");
    let t_of = |r: &std::collections::HashMap<String, String>| {
        r["drift_t"].parse::<f64>().unwrap_or(f64::NAN).abs()
    };
    let largest = diag
        .iter()
        .filter(|r| t_of(r).is_finite())
        .max_by(|a, b| t_of(a).total_cmp(&t_of(b)))
        .expect("a finite drift t");
    let first = drift
        .lines()
        .find(|l| l.starts_with("| 1 "))
        .expect("a rank 1 row");
    assert!(
        first.contains(&format!(
            "| {} | {} |",
            largest["event_id"], largest["security"]
        )),
        "{first} is not {largest:?}"
    );
    for flag in ["non_normal", "autocorrelation", "durbin_watson", "drift"] {
        let k = diag
            .iter()
            .filter(|r| r["flags"].split(';').any(|f| f == flag))
            .count();
        // Markdown escapes the underscore.
        let row = format!(
            "| {} | {} |",
            flag.replace('_', "\\_"),
            evimpact::text::thousands(k)
        );
        assert!(md.contains(&row), "no row {row}");
    }
    assert!(
        md.contains("every event is in diagnostics.csv"),
        "no pointer to diagnostics.csv"
    );

    // Charts: the bands, the density; drawn from memory, the same bytes as `evimpact chart`
    // draws from the tables read back (Parquet for the per-session ones).
    for c in [
        "car.png",
        "car_density.png",
        "volume.png",
        "car_distribution.png",
        "tests.png",
    ] {
        assert!(dir.join("charts").join(c).is_file(), "{c}");
    }
    assert!(
        md.contains("charts/car_density.png"),
        "density not in the report"
    );
    assert!(md.contains("quantile bands"), "car.png caption");
    // Every aggregate chart leads with what is valid at this N: the lead window's CAAR and
    // the lead test (the SVG carries the subtitle as text).
    for svg in ["car.svg", "car_density.svg"] {
        let text = std::fs::read_to_string(dir.join("charts").join(svg)).expect("svg");
        assert!(
            text.contains("CAAR[") && text.contains(" lead test "),
            "{svg} does not lead with the CAAR and the lead test"
        );
    }
    let copy = p.out("copy");
    copy_dir(&dir, &copy);
    std::fs::remove_dir_all(copy.join("charts")).expect("rm charts");
    let mut c = Command::new(env!("CARGO_BIN_EXE_evimpact"));
    c.args(["chart", "all", "--out"]).arg(&copy);
    for (k, v) in LARGE {
        c.env(k, v);
    }
    let o = c.output().expect("chart runs");
    assert!(o.status.success(), "{}", stderr(&o));
    for chart in [
        "car.png",
        "car_density.png",
        "volume.png",
        "car_distribution.png",
        "tests.png",
    ] {
        assert!(
            read(&dir.join("charts").join(chart)) == read(&copy.join("charts").join(chart)),
            "{chart}: drawn from memory differs from the tables read back"
        );
    }
}

#[test]
fn formats_choose_what_is_written_whatever_the_size() {
    let p = Panel::new();
    // Asked for CSV as well at large N: both, and no note.
    let o = p.run("both", &LARGE, &["--formats", "csv,parquet"]);
    let dir = p.out("both");
    for t in ["ar", "series", "car"] {
        assert!(dir.join(format!("{t}.csv")).is_file(), "{t}.csv");
        assert!(dir.join(format!("{t}.parquet")).is_file(), "{t}.parquet");
    }
    assert!(!stdout(&o).contains("Parquet only"), "{}", stdout(&o));
    // CSV only, at the default limits: no Parquet file anywhere.
    p.run("csv", &[], &["--formats", "csv"]);
    let files: Vec<String> = std::fs::read_dir(p.out("csv"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f == "ar.csv"), "{files:?}");
    assert!(!files.iter().any(|f| f.ends_with(".parquet")), "{files:?}");
    // Parquet only: `evimpact chart` reads it back.
    p.run("pq", &[], &["--formats", "parquet"]);
    let pq = p.out("pq");
    assert!(!pq.join("car.csv").exists() && pq.join("car.parquet").is_file());
    let o = evimpact(&["chart", "car", "--out", pq.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A bad value: exit 2, naming the flag's choices.
    let o = p
        .command("bad", &[], &["--formats", "xls"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expected csv or parquet"),
        "{}",
        stderr(&o)
    );
}

/// A per-event table longer than `EVIMPACT_TABLE_ROWS` is written as Parquet only and the
/// terminal names it with its rows; the shorter ones keep both files; the workbook lists the
/// long one with the file that exists; `--formats csv,parquet` writes both whatever the
/// length; `evimpact chart` reads the Parquet back.
#[test]
fn long_per_event_tables_are_parquet_only() {
    let p = Panel::new();
    let limit = 60;
    let env = [("EVIMPACT_TABLE_ROWS", "60")];
    let o = p.run("long", &env, &[]);
    let dir = p.out("long");
    let out = stdout(&o);
    let (mut long, mut short) = (Vec::new(), Vec::new());
    for t in evimpact::output::plan::EVENT_TABLES {
        let f = std::fs::File::open(dir.join(format!("{t}.parquet")))
            .unwrap_or_else(|e| panic!("{t}.parquet: {e}"));
        let rows = ParquetReader::new(f).finish().expect("parquet").height();
        let csv = dir.join(format!("{t}.csv"));
        if rows > limit {
            assert!(!csv.exists(), "{t}: {rows} rows and a CSV");
            assert!(
                out.contains(&format!("{t} ({rows} rows)")),
                "{t} not named: {out}"
            );
            long.push(t);
        } else {
            assert!(csv.is_file(), "{t}: {rows} rows and no CSV");
            assert_eq!(read_csv(&csv).len(), rows, "{t}: CSV rows");
            short.push(t);
        }
    }
    assert!(
        long.contains(&"car") && short.contains(&"model"),
        "long {long:?}, short {short:?}"
    );
    assert!(
        out.contains("written as Parquet only (over 60 rows); add --formats csv,parquet"),
        "{out}"
    );
    // The per-session tables are far below their own limit: both files.
    assert!(dir.join("ar.csv").is_file(), "ar.csv");
    let book = dir.join("tables.xlsx");
    let contents = evimpact::data::xlsx::read_sheet(&book, None).expect("contents");
    let row = contents
        .rows
        .iter()
        .find(|r| r.1.get(1).map(String::as_str) == Some("car"))
        .expect("car in contents");
    assert_eq!(row.1[4], "car.parquet", "{:?}", row.1);
    let o = evimpact(&["chart", "car", "--out", dir.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Asked for both: both, and no note.
    let o = p.run("both", &env, &["--formats", "csv,parquet"]);
    for t in &long {
        assert!(p.out("both").join(format!("{t}.csv")).is_file(), "{t}.csv");
    }
    assert!(!stdout(&o).contains("Parquet only"), "{}", stdout(&o));
}

/// Events clustered on more dates than the report lists (20): at large N the "CAAR per
/// event date" section gives the spread of the dates' CAAR and the 10 dates at each end on
/// the lead window, and `caar_by_date` holds every date and window (the lead test on each
/// date's events); at the default limits the report lists every date.
#[test]
fn many_event_dates_are_a_table_and_their_extremes_in_the_report() {
    let p = Panel::new();
    p.run("large", &LARGE, &[]);
    let dir = p.out("large");
    let rows = read_csv(&dir.join("caar_by_date.csv"));
    let s = summary(&dir);
    let lead = s["lead_window"]
        .as_str()
        .expect("a lead window")
        .to_string();
    let lead_rows: Vec<&std::collections::HashMap<String, String>> =
        rows.iter().filter(|r| r["window"] == lead).collect();
    let dates = lead_rows.len();
    assert!(dates > 20, "{dates} dates");
    let windows = rows
        .iter()
        .filter(|r| r["date"] == lead_rows[0]["date"])
        .count();
    assert_eq!(rows.len(), dates * windows);
    // Ranked by the lead test's statistic where it is defined (not by CAAR, whose ends
    // are the one-event dates).
    let stat = |r: &&std::collections::HashMap<String, String>| -> Option<f64> {
        r["statistic"].parse::<f64>().ok().filter(|v| v.is_finite())
    };
    let tested: Vec<_> = lead_rows.iter().filter(|r| stat(r).is_some()).collect();
    assert!(
        !tested.is_empty() && tested.len() < dates,
        "{} tested of {dates}",
        tested.len()
    );
    let top = tested
        .iter()
        .max_by(|a, b| stat(a).unwrap_or(0.0).total_cmp(&stat(b).unwrap_or(0.0)))
        .expect("a date");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    let section = &md[md.find("### CAAR per event date").expect("the section")..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |i| i + 4)];
    assert!(
        section.contains(r"every date and window is in caar\_by\_date.csv"),
        "{section}"
    );
    assert!(
        section.contains(&format!("The {dates} dates' CAAR")),
        "{section}"
    );
    let table_rows = section
        .lines()
        .filter(|l| l.starts_with("| top ") || l.starts_with("| bottom "))
        .count();
    assert_eq!(table_rows, tested.len().min(20), "{section}");
    let listed: std::collections::HashSet<&str> = section
        .lines()
        .filter(|l| l.starts_with("| top ") || l.starts_with("| bottom "))
        .filter_map(|l| l.split(" | ").nth(1))
        .collect();
    assert_eq!(listed.len(), table_rows, "a date listed twice: {section}");
    let first = section
        .lines()
        .find(|l| l.starts_with("| top 1 |"))
        .expect("a top 1 row");
    assert!(
        first.contains(&top["date"]),
        "{first} is not {}",
        top["date"]
    );
    // At the default limits, one row per date.
    p.run("small", &[], &[]);
    let md = std::fs::read_to_string(p.out("small").join("report.md")).expect("report.md");
    let section = &md[md.find("### CAAR per event date").expect("the section")..];
    for r in &lead_rows {
        assert!(
            section.contains(&format!("| {} |", r["date"])),
            "{} not listed",
            r["date"]
        );
    }
}

#[test]
fn study_file_outputs_formats_is_read() {
    let p = Panel::new();
    let study = p.tmp.path().join("study.toml");
    std::fs::write(
        &study,
        format!(
            "name = \"s\"\n[inputs]\nevents = \"{}\"\nprices = \"{}\"\nmarket = \"{}\"\ncalendar = \"{}\"\n[windows]\nestimation = [-200, -11]\n[model]\nmin_estimation = 100\n[inference]\nresamples = 99\n[outputs]\nformats = [\"parquet\"]\n",
            p.input("events.csv"),
            p.input("prices"),
            p.input("market.csv"),
            p.input("calendar.csv")
        ),
    )
    .expect("write study");
    let out = p.out("study");
    let o = evimpact(&[
        "run",
        study.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("car.parquet").is_file() && !out.join("car.csv").exists());
    // The choice is recorded with the study.
    assert_eq!(summary(&out)["study"]["formats"][0], "parquet");
    std::fs::write(&study, "[outputs]\nformats = [\"csv\", \"csv\"]\n").expect("write");
    let o = evimpact(&["run", study.to_str().expect("utf8"), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));
}

#[test]
fn small_runs_keep_every_event_and_one_path_per_event() {
    let p = Panel::new();
    p.run("small", &[], &["-q"]);
    let dir = p.out("small");
    let s = summary(&dir);
    let model = read_csv(&dir.join("model.csv"));
    assert_eq!(
        s["events"].as_array().expect("events listed").len(),
        model.len()
    );
    assert!(s.get("events_summary").is_none());
    assert!(
        s["study"].get("formats").is_none(),
        "formats recorded by default"
    );
    for t in ["ar", "status", "series", "volume", "car"] {
        assert!(dir.join(format!("{t}.csv")).is_file(), "{t}.csv");
        assert!(dir.join(format!("{t}.parquet")).is_file(), "{t}.parquet");
    }
    assert!(!dir.join("charts/car_density.png").exists());
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(!md.contains("most extreme events"));
    let ar =
        evimpact::data::xlsx::read_sheet(&dir.join("tables.xlsx"), Some("ar")).expect("ar sheet");
    assert_eq!(ar.rows.len(), read_csv(&dir.join("ar.csv")).len() + 1);
}

/// Progress goes to a terminal only: without one (as here) standard error holds no
/// progress text and no control characters.
#[test]
fn no_progress_text_without_a_terminal() {
    let p = Panel::new();
    let o = p.run("quiet", &[], &[]);
    let err = stderr(&o);
    for s in [
        "analysing events",
        "loading inputs",
        "drawing charts",
        "events  ",
        "\r",
        "\x1b",
    ] {
        assert!(!err.contains(s), "{s:?} in stderr: {err}");
    }
}

/// On a terminal (util-linux `script` gives the run one) the progress line shows the
/// phase and the events analysed; `--quiet` turns it off. Skipped where `script` is missing.
#[test]
fn progress_on_a_terminal_unless_quiet() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` command");
        return;
    }
    let p = Panel::new();
    let shown = |name: &str, extra: &[&str]| -> String {
        let c = p.command(name, &[], extra);
        let line: Vec<String> = std::iter::once(c.get_program())
            .chain(c.get_args())
            .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', "'\\''")))
            .collect();
        let o = Command::new("script")
            .args([
                "-qefc",
                &format!("{} >/dev/null", line.join(" ")),
                "/dev/null",
            ])
            .env("EVIMPACT_DATA", data_dir())
            .current_dir(repo())
            .output()
            .expect("script runs");
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let tty = shown("tty", &[]);
    assert!(tty.contains("events"), "no progress on a terminal: {tty:?}");
    assert!(
        [
            "loading inputs",
            "analysing events",
            "statistics",
            "writing tables",
            "drawing charts"
        ]
        .iter()
        .any(|ph| tty.contains(ph)),
        "no phase: {tty:?}"
    );
    let quiet = shown("tty-quiet", &["--quiet"]);
    assert!(
        !quiet.contains("events"),
        "progress with --quiet: {quiet:?}"
    );
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let t = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).expect("copy");
        }
    }
}
