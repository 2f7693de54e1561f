//! The report's reproducibility footer prints a command that reproduces the run: run again
//! (with the real binary in place of `evimpact`), it writes byte-identical tables.

use std::path::Path;
use std::process::Command;

use crate::common::*;

const TABLES: [&str; 6] = [
    "ar.csv",
    "car.csv",
    "tests.csv",
    "model.csv",
    "caar.csv",
    "status.csv",
];

/// The command of the footer's "Re-run:" line in report.md.
fn footer_command(out: &Path) -> String {
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let line = md
        .lines()
        .find(|l| l.starts_with("- Re-run: `"))
        .unwrap_or_else(|| panic!("no Re-run line in {}", out.display()));
    line.trim_start_matches("- Re-run: `")
        .trim_end_matches('`')
        .to_string()
}

/// Runs the footer's command in a shell with `evimpact` meaning the test binary, after
/// keeping the first run's tables aside; then compares them byte for byte.
fn rerun_and_compare(out: &Path, keep: &Path) {
    std::fs::create_dir_all(keep).expect("mkdir");
    for t in TABLES {
        std::fs::copy(out.join(t), keep.join(t)).expect("keep table");
    }
    let cmd = footer_command(out);
    assert!(cmd.starts_with("cd "), "{cmd}");
    let bin = env!("CARGO_BIN_EXE_evimpact");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("evimpact() {{ '{bin}' \"$@\"; }}; {cmd}"))
        .env_remove("EVIMPACT_DATA")
        .output()
        .expect("sh runs");
    assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    for t in TABLES {
        assert_eq!(
            std::fs::read(keep.join(t)).expect("first"),
            std::fs::read(out.join(t)).expect("again"),
            "{t} differs after running the footer's command: {cmd}"
        );
    }
}

#[test]
fn the_footer_reproduces_a_study_file_run_with_overrides() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("el");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--min-estimation",
        "100",
        "--car=-2:2",
        "--car",
        "t0:t3",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cmd = footer_command(&out);
    assert!(
        cmd.contains("--min-estimation 100")
            && cmd.contains("--car t0:t3")
            && cmd.contains("--data "),
        "{cmd}"
    );
    rerun_and_compare(&out, &tmp.path().join("keep"));
}

#[test]
fn the_footer_reproduces_a_flag_only_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("flags 1");
    let ev = tmp.path().join("my events.csv");
    std::fs::write(
        &ev,
        "event_id,security,entity,date\nHW,QCOM,Qualcomm,2019-05-16\nHW,MU,Micron,2019-05-16\n",
    )
    .expect("events");
    let o = evimpact(&[
        "run",
        "--events",
        ev.to_str().expect("utf8"),
        "--prices",
        "prices/us",
        "--market",
        "indices/us/GSPC.csv",
        "--estimation=-200:-11",
        "--window=-5:5",
        "--car=-1:1",
        "--returns",
        "log",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cmd = footer_command(&out);
    // Paths with a space are quoted for the shell.
    assert!(cmd.contains("'") && cmd.contains("--returns log"), "{cmd}");
    rerun_and_compare(&out, &tmp.path().join("keep"));
}
