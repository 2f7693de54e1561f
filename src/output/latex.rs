//! LaTeX tables for a paper (booktabs): `latex/caar.tex` (CAAR per window with the run's
//! lead test) and `latex/car.tex` (each event's CAR per window with its t below), one
//! `table` environment per file, significance marks and notes, to `\input` in a document
//! that loads `booktabs`. Every text from the inputs is escaped.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::outcome::Outcome;
use crate::stats::find_test;

/// LaTeX's special characters escaped: `& % $ # _ { } ~ ^ \`.
pub fn tex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            c => out.push(c),
        }
    }
    out
}

/// Significance marks as superscripts: *** p < 0.01, ** p < 0.05, * p < 0.10.
fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.01 {
        "$^{***}$"
    } else if p < 0.05 {
        "$^{**}$"
    } else if p < 0.10 {
        "$^{*}$"
    } else {
        ""
    }
}

/// A number in math mode with a true minus and `digits` decimals; `--` when absent.
fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("${v:.digits$}$")
    } else {
        "--".into()
    }
}

const STARS_NOTE: &str = "$^{***}$, $^{**}$, $^{*}$: two-sided $p < 0.01$, $0.05$, $0.10$.";

/// A table's opening: float, caption (`what`: the study's title), label `tab:<key>-<name>`,
/// tabular with `cols`, top rule.
fn begin_table(o: &Outcome, what: &str, key: &str, cols: &str) -> String {
    format!(
        "\\begin{{table}}[htbp]\n\\centering\n\\caption{{{what}: {}}}\n\\label{{tab:{key}-{}}}\n\\begin{{tabular}}{{{cols}}}\n\\toprule\n",
        tex_escape(&o.study.title),
        tex_escape(&o.study.name)
    )
}

/// `caar.tex`: one row per CAR window: N, CAAR (%), the lead test's statistic with marks
/// and its p-value; notes name the lead test, why it leads, and the tests not informative
/// at this N.
pub fn caar_tex(o: &Outcome) -> String {
    let lead = o.lead.as_ref();
    let lead_label = lead.map_or("lead test".to_string(), |l| tex_escape(l.test.label()));
    let mut s = begin_table(o, "Cumulative average abnormal returns", "caar", "lrrrr");
    let _ = writeln!(
        s,
        "Window & $N$ & CAAR (\\%) & {lead_label} & $p$ \\\\\n\\midrule"
    );
    for a in &o.windows {
        let w = a.window.map(|w| w.pretty()).unwrap_or_default();
        let (stat, p) = lead
            .and_then(|l| find_test(&a.tests, l.test))
            .map_or((f64::NAN, f64::NAN), |t| (t.statistic, t.p_value));
        // Braced: a row that starts with "[" after "\\" would be read as its optional length.
        let _ = writeln!(
            s,
            "{{{}}} & {} & {} & {}{} & {} \\\\",
            tex_escape(&w),
            a.n,
            num(a.mean * 100.0, 2),
            num(stat, 2),
            stars(p),
            num(p, 3)
        );
    }
    let _ = writeln!(s, "\\bottomrule\n\\end{{tabular}}");
    let _ = writeln!(
        s,
        "\\par\\smallskip\n\\begin{{minipage}}{{0.9\\linewidth}}\\footnotesize"
    );
    if let Some(l) = lead {
        let _ = write!(
            s,
            "Lead test: {} (\\texttt{{{}}}): {}. ",
            tex_escape(l.test.name()),
            tex_escape(l.test.as_str()),
            tex_escape(&l.reason)
        );
    }
    if let Some(a) = o.lead_window().and_then(|i| o.windows.get(i)) {
        let not: Vec<String> = a
            .tests
            .iter()
            .filter(|t| !crate::stats::informative(t.test, a.n, a.clustering.clustered()).0)
            .map(|t| format!("\\texttt{{{}}}", tex_escape(t.test.as_str())))
            .collect();
        if !not.is_empty() {
            let _ = write!(
                s,
                "Not informative at this $N$ and clustering (in tests.csv): {}. ",
                not.join(", ")
            );
        }
    }
    let _ = writeln!(
        s,
        "Windows in $[t_0, t_k]$ count each firm's own traded sessions from its first return after the news. {STARS_NOTE}"
    );
    let _ = writeln!(s, "\\end{{minipage}}\n\\end{{table}}");
    s
}

/// `car.tex`: each analysed event's CAR (%) per window with marks from its own t-test,
/// and the t-statistic in parentheses on the line below.
pub fn car_tex(o: &Outcome) -> String {
    let windows: Vec<String> = o.study.car_windows.iter().map(|w| w.pretty()).collect();
    let cols = format!("l{}", "r".repeat(windows.len()));
    let mut s = begin_table(o, "Cumulative abnormal returns per event", "car", &cols);
    let head: Vec<String> = windows.iter().map(|w| tex_escape(w)).collect();
    let _ = writeln!(s, "Event & {} \\\\\n\\midrule", head.join(" & "));
    for r in &o.results {
        let cars: Vec<String> = r
            .analysis
            .cars
            .iter()
            .map(|c| {
                let missed = if c.misses_reaction {
                    "$^{\\dagger}$"
                } else {
                    ""
                };
                format!("{}{}{missed}", num(c.car * 100.0, 2), stars(c.p))
            })
            .collect();
        let ts: Vec<String> = r
            .analysis
            .cars
            .iter()
            .map(|c| {
                if c.t.is_finite() {
                    format!("({})", num(c.t, 2))
                } else {
                    String::new()
                }
            })
            .collect();
        let _ = writeln!(
            s,
            "{{{}}} & {} \\\\",
            tex_escape(&r.label),
            cars.join(" & ")
        );
        let _ = writeln!(s, " & {} \\\\", ts.join(" & "));
    }
    let _ = writeln!(s, "\\bottomrule\n\\end{{tabular}}");
    let _ = writeln!(
        s,
        "\\par\\smallskip\n\\begin{{minipage}}{{0.9\\linewidth}}\\footnotesize\nCAR in percent; $t$-statistics against each event's prediction-error variance in parentheses; -- where the window holds no return; $^{{\\dagger}}$ the window ends before the firm's first return after the news (a halted stock's short window: it misses the reaction). {STARS_NOTE}\n\\end{{minipage}}\n\\end{{table}}"
    );
    s
}

/// Writes `latex/caar.tex` and `latex/car.tex` into `dir`.
///
/// # Errors
/// A file cannot be written.
pub fn write_latex(o: &Outcome, dir: &Path) -> anyhow::Result<()> {
    let d = dir.join("latex");
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    for (name, text) in [("caar.tex", caar_tex(o)), ("car.tex", car_tex(o))] {
        let p = d.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            tex_escape(r"a&b 5% $x #1 _y {z} ~ ^ \"),
            r"a\&b 5\% \$x \#1 \_y \{z\} \textasciitilde{} \textasciicircum{} \textbackslash{}"
        );
        assert_eq!(stars(0.005), "$^{***}$");
        assert_eq!(stars(0.2), "");
        assert_eq!(num(-1.234, 2), "$-1.23$");
        assert_eq!(num(f64::NAN, 2), "--");
    }
}
