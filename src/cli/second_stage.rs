//! The terminal's lines on the second stage: each group's CAAR on the lead window and the
//! groups' difference (printed after the first-stage summary).

use crate::outcome::Outcome;
use crate::outcome::second_stage::Measure;
use crate::report::{pct, pval};
use crate::stats::{TestId, find_test};

/// The group lines; empty without two groups.
pub fn group_lines(o: &Outcome) -> String {
    let g = &o.second.groups;
    let Some(w) = o.lead_window().filter(|_| g.len() >= 2) else {
        return String::new();
    };
    let id = o.lead.as_ref().map_or(TestId::CrossSectionalT, |l| l.test);
    let win = o.study.car_windows[w];
    let mut s = String::new();
    for x in g {
        if let Some(a) = x.windows.get(w) {
            let p = find_test(&a.tests, id).map_or(f64::NAN, |t| t.p_value);
            s.push_str(&format!(
                "  group {}: CAAR{} {}  N={}  {} p = {}\n",
                x.group,
                win.pretty(),
                pct(a.mean),
                a.n,
                id.as_str(),
                pval(p)
            ));
        }
    }
    if let Some(d) = o
        .second
        .differences
        .iter()
        .find(|d| d.measure == Measure::Car && d.window == win)
    {
        let exact = if d.permutation.exact {
            format!(" (exact, {} splits)", d.permutation.splits)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "  difference {} − {}: {}  Welch p = {}, permutation p = {}{exact}\n",
            d.group_x,
            d.group_y,
            pct(d.welch.diff),
            pval(d.welch.p),
            pval(d.permutation.p),
        ));
    }
    s
}
