//! Regression tests for problems that only show with many securities.

use crate::common::*;

/// Bug: price files were read with polars from inside rayon's `par_iter`; a rayon worker
/// waiting on polars' own pool stole further load jobs and nested until the stack overflowed
/// (seen on a 1,000-security panel in the benchmark). The files are now read on scoped
/// threads. The test fails on the old code (stack overflow) with this panel: 1,000
/// securities × 2,520 sessions, as in the benchmark (about 2 s in a debug build).
#[test]
fn thousand_securities_do_not_overflow_the_stack_bug() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("panel");
    let d = dir.to_str().expect("utf8");
    let o = evimpact(&[
        "synth",
        "--securities",
        "1000",
        "--sessions",
        "330",
        "--events",
        "200",
        "--out",
        d,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = |f: &str| dir.join(f).display().to_string();
    let out = tmp.path().join("out");
    let o = evimpact(&[
        "run",
        "--events",
        &p("events.csv"),
        "--prices",
        &p("prices"),
        "--market",
        &p("market.csv"),
        "--calendar",
        &p("calendar.csv"),
        "--halts",
        &p("halts.csv"),
        "--estimation",
        "-250:-11",
        "--out",
        out.to_str().expect("utf8"),
        "-q",
    ]);
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    let model = read_csv(&out.join("model.csv"));
    assert!(model.len() > 150, "{} events analysed", model.len());
}
