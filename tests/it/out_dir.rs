//! `--out` never destroys what evimpact did not write (the trust issue, item 1, and the
//! hostile-input issue, item 3), on the real binary.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

const EVENTS: &str = "event_id,security,entity,date,time,tz,headline,source,url\n";

/// A fixture with two events on session 250 of A and B.
fn fixture() -> Fixture {
    let f = Fixture::new(300);
    let day = f
        .read("calendar.csv")
        .lines()
        .nth(251)
        .expect("session")
        .to_string();
    f.write(
        "events.csv",
        &format!("{EVENTS}E1,A,Entity A,{day},,,h,s,u\nE1,B,Entity B,{day},,,h,s,u\n"),
    );
    f
}

/// `evimpact run` on the fixture, writing to `out`, from working directory `cwd`.
fn run_to(f: &Fixture, out: &str, cwd: &Path, extra: &[&str]) -> Output {
    let p = |s: &str| f.path(s).display().to_string();
    let mut args: Vec<String> = [
        "run",
        "--events",
        &p("events.csv"),
        "--prices",
        &p("prices"),
        "--market",
        &p("market.csv"),
        "--calendar",
        &p("calendar.csv"),
        "--estimation",
        "-150:-11",
        "--min-estimation",
        "120",
        "--window",
        "-5:5",
        "--car",
        "-1:1",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !out.is_empty() {
        args.push("--out".into());
        args.push(out.into());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(env!("CARGO_BIN_EXE_evimpact"))
        .args(&args)
        .current_dir(cwd)
        .env("EVIMPACT_DATA", data_dir())
        .output()
        .expect("the evimpact binary runs")
}

fn first_line(o: &Output) -> String {
    stderr(o).lines().next().unwrap_or("").to_string()
}

fn no_staging_left(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

#[test]
fn a_folder_with_a_foreign_file_survives_and_the_run_exits_2() {
    let f = fixture();
    let thesis = f.path("thesis");
    std::fs::create_dir_all(&thesis).expect("mkdir");
    std::fs::write(thesis.join("thesis.tex"), "\\documentclass{article}").expect("write");
    let o = run_to(&f, &thesis.display().to_string(), f.dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let line = first_line(&o);
    assert!(
        line.starts_with(&format!(
            "error: --out {}: refusing to replace it",
            thesis.display()
        )),
        "{line}"
    );
    assert!(
        line.contains("not an evimpact output") && line.contains("--force"),
        "{line}"
    );
    assert_eq!(
        std::fs::read_to_string(thesis.join("thesis.tex")).expect("survives"),
        "\\documentclass{article}"
    );
    assert_eq!(
        std::fs::read_dir(&thesis).expect("dir").count(),
        1,
        "nothing added"
    );
    no_staging_left(f.dir.path());
}

#[test]
fn a_previous_evimpact_output_is_replaced_but_not_with_a_stray_file_in_it() {
    let f = fixture();
    let out = f.path("out").display().to_string();
    let o = run_to(&f, &out, f.dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&f.read("out/summary.json")).expect("json");
    let listed = summary["outputs"].as_array().expect("outputs listed");
    assert!(listed.iter().any(|v| v == "car.csv") && listed.iter().any(|v| v == "report.html"));
    std::fs::write(f.path("out/car.csv"), "stale").expect("write");
    let o = run_to(&f, &out, f.dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(f.read("out/car.csv"), "stale", "replaced by the new run");
    no_staging_left(f.dir.path());

    std::fs::write(f.path("out/notes.txt"), "mine").expect("write");
    let o = run_to(&f, &out, f.dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(first_line(&o).contains("notes.txt"), "{}", first_line(&o));
    assert_eq!(f.read("out/notes.txt"), "mine");
}

#[test]
fn force_keeps_the_old_directory_beside_the_new_one() {
    let f = fixture();
    let mine = f.path("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(mine.join("thesis.tex"), "x").expect("write");
    let o = run_to(&f, &mine.display().to_string(), f.dir.path(), &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(mine.join("car.csv").is_file());
    let kept: Vec<_> = std::fs::read_dir(f.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("mine.replaced-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(kept[0].path().join("thesis.tex")).expect("kept"),
        "x"
    );
}

#[test]
fn dot_parent_inputs_root_and_files_are_refused_even_with_force() {
    let f = fixture();
    let before = std::fs::read_dir(f.dir.path()).expect("dir").count();
    for (out, cwd, needle) in [
        (
            ".".to_string(),
            f.dir.path().to_path_buf(),
            "working directory",
        ),
        ("..".to_string(), f.path("prices"), "working directory"),
        (
            f.path("prices").display().to_string(),
            f.dir.path().to_path_buf(),
            "holds the input",
        ),
        (
            f.dir.path().display().to_string(),
            std::env::temp_dir(),
            "holds the input",
        ),
        ("/".to_string(), f.dir.path().to_path_buf(), "root"),
        (
            f.path("events.csv").display().to_string(),
            f.dir.path().to_path_buf(),
            "is not a directory",
        ),
    ] {
        for force in [false, true] {
            let extra: &[&str] = if force { &["--force"] } else { &[] };
            let o = run_to(&f, &out, &cwd, extra);
            assert_eq!(o.status.code(), Some(2), "--out {out}: {}", stderr(&o));
            let line = first_line(&o);
            assert!(line.starts_with(&format!("error: --out {out}: ")), "{line}");
            assert!(line.contains(needle), "--out {out}: {line}");
        }
    }
    assert_eq!(
        std::fs::read_dir(f.dir.path()).expect("dir").count(),
        before
    );
    assert!(f.path("events.csv").is_file() && f.path("prices/A.csv").is_file());
}

#[test]
fn a_study_name_with_path_characters_makes_one_folder() {
    let f = fixture();
    let work = f.path("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let o = run_to(&f, "", &work, &["--name", "../escape/a b"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let made: Vec<String> = std::fs::read_dir(work.join("out"))
        .expect("out/ made")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(made, [".._escape_a_b"]);
    assert!(!f.path("escape").exists(), "no folder outside out/");
}
